/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include <libvirt/libvirt.h>

/*
 * Defines (once) and starts the libvirt network NAME that hands guests to the host bridge
 * NAME, so that domains can say <interface type='network'><source network='NAME'/>. A network
 * of that name defined otherwise is left alone, with a warning. Returns 0 or a negative errno
 * (logged; -EIO when libvirt fails).
 */
int net_ensure_bridge(virConnectPtr conn, const char *guest, const char *name);
