/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VB_ADDR_MAX 16 /* "dddd:bb:dd.f" */

/* iommu_group: the link is there but cannot be read, so the device may be in any group. */
#define VB_GROUP_UNKNOWN (-2)
/* boot_vga: unreadable or neither "0" nor "1": the device may be the boot display. */
#define VB_BOOT_VGA_UNKNOWN 2

/* What of a device could not be read (vb_pci_dev.unknown). */
enum {
	VB_PCI_UNKNOWN_IDS = 1 << 0, /* vendor, device, subsystem, class */
	VB_PCI_UNKNOWN_PATH = 1 << 1,
	VB_PCI_UNKNOWN_GROUP = 1 << 2,
	VB_PCI_UNKNOWN_DRIVER = 1 << 3,
	VB_PCI_UNKNOWN_SRIOV = 1 << 4, /* physfn: whether it is a VF, and whose */
};

struct vb_pci_addr {
	unsigned domain, bus, dev, fn;
};

/* One PCI function as sysfs shows it. */
struct vb_pci_dev {
	char addr[VB_ADDR_MAX];
	struct vb_pci_addr a;
	uint16_t vendor, device;
	uint16_t sub_vendor, sub_device;
	uint32_t class_code;
	int header_type; /* low 7 bits of config byte 0x0e; -1 when config is unreadable */
	/* boot_vga or boot_display: 0, 1, VB_BOOT_VGA_UNKNOWN; -1 when it has none (not VGA) */
	int boot_vga;
	char *boot_vga_seen; /* VB_BOOT_VGA_UNKNOWN: what was read, or why nothing was */
	int iommu_group;     /* -1 when the device has no group (no IOMMU); VB_GROUP_UNKNOWN */
	char *driver;	     /* bound driver, NULL when none */
	bool driver_gone;    /* the driver link points to no driver (unloaded meanwhile) */
	char *path;	     /* topology path in pci= syntax, "0000:00:02.0/00.0" */
	bool path_unread;    /* path is left to vb_pci_load_path() */
	char *slot;	     /* physical slot name, NULL when none */
	/*
	 * SR-IOV, read by vb_pci_load_sriov() when sriov_read is false: a VF (physfn set) is a
	 * device of its own, never a function of its PF nor of the VFs beside it.
	 */
	bool sriov_read;
	char physfn[VB_ADDR_MAX]; /* a VF's PF, "" when it is no VF */
	int vf_index;		  /* a VF's N in its PF's virtfnN; -1 when it is no VF */
	/*
	 * A device that cannot be fully read stays in the scan, so that what depends on it (its
	 * IOMMU group, a match) is refused rather than decided without it. unknown says which
	 * fields are not known; unreadable says what was seen, "ATTR: what", NULL when all was
	 * read.
	 */
	unsigned unknown;
	char *unreadable;
};

struct vb_pci {
	struct vb_pci_dev *devs;
	size_t n, alloc;
};

int vb_pci_addr_parse(const char *s, struct vb_pci_addr *ret);
/* "VVVV:DDDD", four hex digits each: ids as uevent and match = write them. */
bool vb_pci_id_pair_parse(const char *s, uint16_t *a, uint16_t *b);
void vb_pci_addr_format(const struct vb_pci_addr *a, char buf[VB_ADDR_MAX]);

/*
 * Reads /sys/bus/pci/devices below the root, sorted by address. Devices that cannot be read
 * are kept, marked unreadable; only those gone from sysfs meanwhile are left out.
 */
int vb_pci_scan(struct vb_pci *pci);
void vb_pci_free(struct vb_pci *pci);

struct vb_pci_dev *vb_pci_find(const struct vb_pci *pci, const char *addr);

/*
 * The scan reads each function's uevent (ids, class, bound driver) and group link. The
 * topology path costs one readlink more per function: it is read for one device when a
 * path= selector needs it, or for all by what lists them. vb_pci_load_links() also reads
 * each driver link, which says more than the uevent when sysfs is not as the kernel makes it
 * (a link to a driver that is not there, a link that cannot be read).
 */
int vb_pci_load_path(struct vb_pci_dev *d);
int vb_pci_load_links(struct vb_pci *pci);

/*
 * Re-reads the driver link of one device: -ENOENT when it has none, -ENOLINK when the link
 * points to a driver that is not there (*ret still names it).
 */
int vb_pci_read_driver(const char *addr, char **ret);

/*
 * The device's config space as sysfs gives it, whole (at most 4096 bytes: more is -EFBIG):
 * 256 bytes for a conventional device, 64 to who lacks CAP_SYS_ADMIN.
 */
#define VB_PCI_CONFIG_MAX   4096 /* PCI_CFG_SPACE_EXP_SIZE */
#define VB_PCI_CONFIG_PLAIN 256	 /* PCI_CFG_SPACE_SIZE: a conventional device, no extended space */
int vb_pci_read_config(const char *addr, char **ret, size_t *len);

/* PCI-to-PCI bridges are never claimed and never make a group unviable. */
bool vb_pci_is_bridge(const struct vb_pci_dev *d);
bool vb_pci_is_storage(const struct vb_pci_dev *d);
bool vb_pci_same_slot(const struct vb_pci_dev *a, const struct vb_pci_dev *b);

/*
 * SR-IOV, for the devices that need it (the scan reads none of it): fills d->physfn and
 * d->vf_index once, from the physfn link and the PF's virtfnN link back. A physfn link that
 * cannot be read, or whose PF has no link back, marks d unreadable (VB_PCI_UNKNOWN_SRIOV):
 * whether it is a VF is then unknown. Returns 0, or -ENOMEM.
 */
int vb_pci_load_sriov(struct vb_pci_dev *d);
/* A PF's sriov_totalvfs and sriov_numvfs: -ENOENT when it has no SR-IOV, -EBADMSG when unread. */
int vb_pci_sriov_totalvfs(const char *pf, unsigned *ret);
int vb_pci_sriov_numvfs(const char *pf, unsigned *ret);
/* A PF's sriov_drivers_autoprobe (0: its new VFs bind no driver until told); as above. */
int vb_pci_sriov_autoprobe(const char *pf, unsigned *ret);
/* The address of a PF's VF n (its virtfnN link): -ENOENT when there is none. */
int vb_pci_sriov_vf(const char *pf, unsigned n, char addr[VB_ADDR_MAX]);
