/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * The PCI Express extended capability list of a device, from its config space bytes as
 * sysfs' config file gives them (the first at offset 0): a chain of headers from 0x100 on,
 * each with its ID (bits 0..15) and the next one's offset (bits 20..31), walked as the
 * kernel's pci_find_next_ext_capability() walks it. Nothing is read past the buffer's length.
 */

#define VB_EXTCAP_START 0x100  /* PCI_CFG_SPACE_SIZE: the extended capabilities start here */
#define VB_EXTCAP_END	0x1000 /* PCI_CFG_SPACE_EXP_SIZE */
#define VB_DSN_ID	0x0003 /* Device Serial Number */
/* "xx-xx-xx-xx-xx-xx-xx-xx" and its NUL, as lspci prints it. */
#define VB_DSN_MAX 24

/* The little-endian dword at p, as config space holds every register. */
uint32_t vb_cfg_le32(const uint8_t *p);

/*
 * The offset of the first extended capability with this ID; 0 when the list holds none.
 * Errors:
 *   -ENODATA   len does not reach the extended capabilities (0x100 and on): sysfs gives only
 *              the first 64 bytes to who is not root, 256 for a conventional PCI device
 *   -EBADMSG   a list that loops or points back into the first 256 bytes
 *   -EOVERFLOW a header past len (a short read)
 */
int vb_extcap_find(const uint8_t *cfg, size_t len, unsigned id);

/*
 * The Device Serial Number capability (PCI Express Base Specification, "Device Serial Number
 * Extended Capability"): the 64-bit number in the two dwords after its header, low dword
 * first, into *ret. -ENOENT: the device has none; else vb_extcap_find()'s errors, and
 * -EOVERFLOW when the capability runs past len.
 */
int vb_dsn_parse(const uint8_t *cfg, size_t len, uint64_t *ret);

/* The number as lspci shows it: eight bytes, the most significant first, joined by '-'. */
void vb_dsn_format(uint64_t dsn, char buf[VB_DSN_MAX]);
