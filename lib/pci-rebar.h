/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * The Resizable BAR extended capability (ID 0x0015) of a device, from its config space bytes
 * as sysfs' config file gives them, as the PCI Express Base Specification lays it out (r6.x
 * sec. 7.8.6) and the kernel reads it (include/uapi/linux/pci_regs.h PCI_REBAR_*,
 * pci_rebar_find_pos() and pci_rebar_get_possible_sizes()): after the capability header, one
 * pair of registers per resizable BAR, a capability register whose bits 4..31 say which sizes
 * from 1 MiB to 128 TiB the BAR supports, and a control register with the BAR's index (bits
 * 0..2), the number of resizable BARs (bits 5..7, in the first control register only), the
 * current size (bits 8..13, 0 = 1 MiB) and, since r6.0, the sizes from 256 TiB to 8 EiB (bits
 * 16..31). Nothing is read past the buffer's length.
 */

#define VB_REBAR_ID    0x0015
#define VB_REBAR_MAX   6  /* BARs 0..5 */
#define VB_REBAR_SIZES 44 /* 1 MiB << 0 .. 1 MiB << 43 (8 EiB) */
#define VB_REBAR_SHIFT 20 /* size n is 1 << (20 + n) bytes */

struct vb_rebar_bar {
	unsigned index; /* the BAR, 0..5 */
	unsigned size;	/* current size n: 1 MiB << n bytes, n < VB_REBAR_SIZES */
	uint64_t sizes; /* bit n: 1 MiB << n supported; bits 0..27 capability, 28..43 control */
};

struct vb_rebar {
	struct vb_rebar_bar bars[VB_REBAR_MAX];
	size_t n; /* 0: the device has no such capability */
};

/*
 * The resizable BARs of the device whose config space is cfg (len bytes, the first at offset
 * 0). 0 with ret->n == 0 when the extended capability list holds no Resizable BAR capability.
 * Errors, ret->n then 0:
 *   -ENODATA   len does not reach the extended capabilities (0x100 and on): sysfs gives only
 *              the first 64 bytes to who is not root, 256 for a conventional PCI device
 *   -EBADMSG   a number of BARs of 0 or above 6, a BAR index above 5, a current size beyond
 *              8 EiB, a capability list that loops or points back into the first 256 bytes
 *   -EOVERFLOW the capability runs past len (a short read)
 */
int vb_rebar_parse(const uint8_t *cfg, size_t len, struct vb_rebar *ret);

/* Bytes of size n (1 MiB << n); 0 for n >= VB_REBAR_SIZES. */
uint64_t vb_rebar_bytes(unsigned n);
