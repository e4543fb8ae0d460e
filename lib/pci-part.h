/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "pci.h"

/*
 * A scan of part of the tree, for what happens after boot to one device: the device, its
 * slot's functions, its IOMMU group, a VF's PF, a PF's VFs. Reading a thousand functions to
 * claim one would cost as much as the boot's run. Each device is read as vb_pci_scan() reads
 * it, and pci stays sorted by address (indexes move as devices are added: look devices up by
 * address). Start from a zeroed struct vb_pci; vb_pci_free() frees it.
 */

/* Adds the device at addr unless it is there; its index, or -ENODEV when sysfs has none. */
ssize_t vb_pci_part_add(struct vb_pci *pci, const char *addr);
/* Adds the functions of addr's slot (dddd:bb:dd.0 to .7) that exist. */
int vb_pci_part_add_slot(struct vb_pci *pci, const char *addr);
/* Adds the members of IOMMU group group (/sys/kernel/iommu_groups/GROUP/devices). */
int vb_pci_part_add_group(struct vb_pci *pci, int group);
/* Adds addr with its slot's functions and the groups of all of them: what a plan needs. */
int vb_pci_part_add_around(struct vb_pci *pci, const char *addr);
/* The physical slots of the devices read (once the part is complete). */
int vb_pci_part_finish(struct vb_pci *pci);

struct vb_selector;
/* Whether sel matches d, its topology path read first when only that can tell. */
bool vb_pci_part_matches(const struct vb_selector *sel, struct vb_pci_dev *d);
