/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the files of the PCI scan (pci.c, pci-links.c); not API. */

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "pci.h"

/*
 * What one scan learns once and uses for every function: whether each driver that uevent or
 * a link names is there. Drivers are few and functions many; beyond the cache's size, each
 * asks the kernel itself.
 */
struct vb_pci_scan {
	int dirfd; /* /sys/bus/pci/devices */
	struct {
		char name[NAME_MAX + 1];
		bool gone;
	} drv[64];
	size_t ndrv;
};

/* Opens /sys/bus/pci/devices below the root for sc. */
int vb_pci_scan_open(struct vb_pci_scan *sc, DIR **dir);
/* "DEV/ATTR" into buf, which holds NAME_MAX + 32: both parts come from sysfs or from us. */
const char *vb_pci_attr_path(char *buf, size_t size, const char *dev, const char *attr);
int vb_pci_readlink_at(int dirfd, const char *rel, char *buf, size_t size);
const char *vb_pci_basename(const char *p);
/* Whether /sys/bus/pci/drivers/NAME is missing: one stat per driver and scan. */
bool vb_pci_driver_dir_gone(struct vb_pci_scan *sc, const char *name);
/*
 * The driver link of the device named name in sc's directory into d (devlink: the bus's link
 * to it, NULL when unreadable). Returns 0, whatever could not be read noted in d; -ENOMEM.
 */
int vb_pci_driver_link_read(struct vb_pci_scan *sc, const char *name, const char *devlink,
			    struct vb_pci_dev *d);

/*
 * One function named name in sc's directory into d, as the scan reads it. Returns -ENODEV for
 * what is not a PCI function or is gone meanwhile, -ENOMEM; otherwise 0, whatever could not be
 * read noted in d. vb_pci_dev_done() frees what it holds.
 */
int vb_pci_dev_read(struct vb_pci_scan *sc, const char *name, struct vb_pci_dev *d);
void vb_pci_dev_done(struct vb_pci_dev *d);
/* The physical slot of each device of pci, which must be sorted by address. */
int vb_pci_scan_slots(struct vb_pci *pci);
