/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdio.h>

#include "holders.h"

struct vb_release_result {
	char *driver_after; /* the driver that took the device, NULL: none */
	int group;	    /* its IOMMU group, -1 when it has none */
	struct vb_holders holders;
	char error[512];
};

/*
 * Gives one device on vfio-pci back to its host driver: clears driver_override, unbinds it
 * from vfio-pci, probes, reads which driver took it (none is allowed: the result says so).
 * Never unloads a module. Returns 0; -EALREADY when the device is not on vfio-pci (nothing
 * written); -EBUSY while a process holds its group's /dev/vfio/N (res->holders, nothing
 * written); another negative errno when a write fails (res->error says which). dry_run: write
 * nothing, say each write there.
 */
int vb_release_device(const char *addr, FILE *dry_run, struct vb_release_result *res);

/* Who holds addr's group file, as vb_release_device checks it: -EBUSY when someone does. */
int vb_release_check(const char *addr, struct vb_release_result *res);

void vb_release_result_done(struct vb_release_result *res);
