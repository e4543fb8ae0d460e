/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "contract.h"
#include "pci.h"

struct claim_result {
	enum vb_device_outcome outcome;
	char *driver_before, *driver_after;
	char error[256];
};

/*
 * Moves one device to vfio-pci: driver_override, unbind, probe, verify. On failure the
 * override is cleared and the device probed again, so it can go back to its host driver.
 */
int claim_device(const struct vb_pci_dev *d, bool dry_run, struct claim_result *res);
void claim_result_done(struct claim_result *res);
