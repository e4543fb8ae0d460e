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
