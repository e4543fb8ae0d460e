/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define VB_NAME_MAX 64

/*
 * The one rule for the names of [device] and [bridge] sections, which become the names of their
 * records, units and interfaces as they are: 1 to max letters, digits, '_', '-' and '.', not
 * starting with '.'. A leading dot would make a hidden record that nothing lists or clears, and
 * "." and ".." name no file at all.
 */
bool vb_name_valid(const char *s, size_t max);

/*
 * The one rule for interface names (an uplink, a bridge the guest runner is told to use):
 * what the kernel takes (dev_valid_name: 1 to 15 bytes, not "." or "..", no '/', ':' or white
 * space) narrowed to what networkd, NetworkManager, ip(8) and libvirt's XML all take as it is:
 * letters, digits, '_', '.' and '-', and not all digits, which ip(8) and networkd read as an
 * interface index.
 */
bool vb_ifname_valid(const char *s);
