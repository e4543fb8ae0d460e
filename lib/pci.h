/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VB_ADDR_MAX 16 /* "dddd:bb:dd.f" */

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
	int boot_vga;	 /* boot_vga or boot_display; -1 when neither exists */
	int iommu_group; /* -1 when the device has no group (no IOMMU) */
	char *driver;	 /* bound driver, NULL when none */
	char *path;	 /* topology path in pci= syntax, "0000:00:02.0/00.0" */
	char *slot;	 /* physical slot name, NULL when none */
};

struct vb_pci {
	struct vb_pci_dev *devs;
	size_t n, alloc;
};

int vb_pci_addr_parse(const char *s, struct vb_pci_addr *ret);
void vb_pci_addr_format(const struct vb_pci_addr *a, char buf[VB_ADDR_MAX]);

/* Reads /sys/bus/pci/devices below the root, sorted by address. */
int vb_pci_scan(struct vb_pci *pci);
void vb_pci_free(struct vb_pci *pci);

struct vb_pci_dev *vb_pci_find(const struct vb_pci *pci, const char *addr);

/* Re-reads the driver link of one device. */
int vb_pci_read_driver(const char *addr, char **ret);

/* PCI-to-PCI bridges are never claimed and never make a group unviable. */
bool vb_pci_is_bridge(const struct vb_pci_dev *d);
bool vb_pci_is_storage(const struct vb_pci_dev *d);
bool vb_pci_same_slot(const struct vb_pci_dev *a, const struct vb_pci_dev *b);
