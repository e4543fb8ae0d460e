/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdio.h>

#include "contract.h"
#include "pci.h"

struct vb_claim_result {
	enum vb_device_outcome outcome;
	char *driver_before, *driver_after;
	char error[256];
};

/*
 * Moves one device to vfio-pci: driver_override, unbind, probe, verify. On failure the
 * override is cleared and the device probed again, so it can go back to its host driver.
 * dry_run: write nothing, say each write it would make there instead (outcome "planned").
 */
int vb_claim_device(const struct vb_pci_dev *d, FILE *dry_run, struct vb_claim_result *res);
/*
 * One sysfs write of value to the path fmt makes of arg (fmt a path with one %s); dry_run: say
 * it there ("    write ..."), write nothing. Claim and release say their writes alike.
 */
int vb_claim_write(FILE *dry_run, const char *value, const char *fmt, const char *arg);

void vb_claim_result_done(struct vb_claim_result *res);

/*
 * The module a PCI driver belongs to (its drivers/DRV/module link), as modprobe.d names it;
 * the driver's own name when it has no such link. NULL only when out of memory.
 */
char *vb_claim_driver_module(const char *drv);
