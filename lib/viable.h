/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "pci.h"

/*
 * Whether a device can be handed to a guest through VFIO: the kernel lets a group be used
 * only when every endpoint in it is on a VFIO driver or has no driver at all (it also
 * accepts pci-stub). PCI-to-PCI bridges never count: pcieport stays on them.
 */
struct vb_viable {
	int group;		    /* -1 when the device has no IOMMU group */
	char blocker[VB_ADDR_MAX];  /* first endpoint that makes the group unviable */
	const char *blocker_driver; /* its driver; points into the vb_pci it came from */
	/* -EIO: what of the blocker could not be read (its group or driver), from the vb_pci */
	const char *blocker_unreadable;
	unsigned n_endpoints; /* endpoints in the group, the device included */
};

/*
 * Returns 0 when the group of addr is viable; -ENODEV when addr is not in pci, -ENXIO when it
 * has no IOMMU group (IOMMU off), -EBUSY when an endpoint of its group is on a host driver
 * (ret->blocker names it), -EIO when that cannot be told: its own group link cannot be read
 * (ret->blocker empty), or an endpoint that is or may be in its group (its group link cannot
 * be read) has a driver that cannot be read or is a host driver (ret->blocker names it,
 * ret->blocker_unreadable says what was seen).
 */
int vb_group_viable(const struct vb_pci *pci, const char *addr, struct vb_viable *ret);

/* Drivers an endpoint may have in a viable group. */
bool vb_driver_vfio_ok(const char *driver);
