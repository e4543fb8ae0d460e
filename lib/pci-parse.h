/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The PCI scan's parsers, shared by lib/pci.c, lib/pci-parse.c and the USB scan (lib/usb.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "pci.h"
#include "util.h"

/* What was read, fit for a message: printable ASCII as it is, the rest as \xNN, cut short. */
void vb_pci_shown(const char *s, char *out, size_t size);
/* Exactly 1 to digits hex digits, nothing else. */
bool vb_pci_hex_parse(const char *s, size_t digits, unsigned long *ret);
/*
 * The kernel's uevent of a PCI function (ev is cut into lines): ids, class and the bound
 * driver (d->driver, NULL when none) into d; the driver only when all was well formed.
 * Returns 0 with *why NULL, or with *why saying what was wrong; < 0 only when out of memory.
 */
int vb_pci_uevent_parse(char *ev, const char *dev, struct vb_pci_dev *d, char **why);
/* "../../devices/pci0000:00/0000:00:02.0/0000:02:00.0" is "0000:00:02.0/00.0". */
int vb_pci_topology_path(const char *real, char **ret);
/* The kernel's pci_is_vga(). */
bool vb_pci_is_vga(const struct vb_pci_dev *d);
/*
 * The driver's name when the driver link goes up from the device to /sys and down to
 * bus/pci/drivers/NAME, as the kernel makes it; else NULL. devlink is the bus's link to the
 * device ("../../../devices/pci0000:00/0000:00:02.0"), which says how deep the device lies;
 * NULL when it could not be read.
 */
const char *vb_pci_driver_link_name(const char *devlink, const char *link);
/*
 * Notes that what unknown says of d could not be read, and why, "ATTR: what" (joined to what
 * was noted before). Returns 0, or -ENOMEM.
 */
int vb_pci_mark(struct vb_pci_dev *d, unsigned unknown, const char *fmt, ...) _printf_(3, 4);
