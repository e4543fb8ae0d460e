/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cmdline.h"
#include "config.h"
#include "contract.h"
#include "pci.h"

/*
 * reason= of a device the section's match took itself, not as a function or a group member of
 * one: what a hot-plug section's count counts, in the plan and in the records read back.
 */
#define VB_PLAN_REASON_MATCHED "matched"

struct vb_plan_dev {
	size_t dev; /* index into pci->devs */
	char *reason;
};

struct vb_plan_section {
	char *name;
	const char *file; /* NULL: from the kernel command line */
	unsigned line;
	const struct vb_device *cfg;
	struct vb_device cmdline;      /* the section for a vfio_boot.claim= address */
	enum vb_section_status status; /* a VB_PLAN_ value */
	char *why;		       /* one line: what happened and what to do */
	char **details;		       /* one line each: what was seen */
	size_t n_details, alloc_details;
	struct vb_plan_dev *devs;
	size_t n_devs, alloc_devs;
};

struct vb_plan {
	const struct vb_pci *pci;
	/*
	 * A plan of part of the tree (the udev path: a device that appeared, its slot and its
	 * IOMMU group): held[i] is how many devices cfg->devices[i] already holds, from its
	 * record, so that a hot-plug section's count is kept without a scan of the whole tree.
	 * NULL: the whole tree was scanned.
	 */
	const unsigned *held;
	struct vb_plan_section *sections;
	size_t n_sections, alloc_sections;
};

int vb_plan_build(struct vb_plan *plan, const struct vb_config *cfg, const struct vb_cmdline *cmd,
		  struct vb_pci *pci);
/*
 * The same on a partial scan; held as in struct vb_plan (one per cfg->devices). held counts
 * toward a hot-plug section's count: more than count is VB_PLAN_AMBIGUOUS, fewer is
 * VB_SECTION_PENDING with the devices here claimed. A section with vfs ignores it: its count
 * counts PFs, what it holds are VFs.
 */
int vb_plan_build_part(struct vb_plan *plan, const struct vb_config *cfg, struct vb_pci *pci,
		       const unsigned *held);
void vb_plan_free(struct vb_plan *plan);

/* Whether the section takes pci->devs[dev]. */
bool vb_plan_section_has(const struct vb_plan_section *s, size_t dev);
/*
 * Whether its devices are claimed: it goes ahead (VB_PLAN_OK), or it is pending
 * (VB_SECTION_PENDING: more devices come later) with some of them here already.
 */
bool vb_plan_section_claims(const struct vb_plan_section *s);
/*
 * Whether a later scan could still find what a section is missing. A pending section is not
 * waited for: its devices come after boot, when its VFs are made or its cards plugged in.
 */
bool vb_plan_waiting(const struct vb_plan *plan);

/* "/etc/vfio-boot/vfio-boot.conf:3" or "kernel command line". */
void vb_plan_section_source(const struct vb_plan_section *s, char *buf, size_t size);

/*
 * "0000:01:00.0 [1234:1111] class 030000, driver bochs-drm"; what could not be read is said
 * at the end; VB_PCI_DESCRIBE_MAX bytes hold it for any driver name of common length.
 */
#define VB_PCI_DESCRIBE_MAX 200
void vb_pci_describe(const struct vb_pci_dev *d, char *buf, size_t size);

/*
 * A section of the plan as `vfio-boot plan` and a dry run of the binder show it: its status and
 * why, what was seen, and each device it would claim. Returns how many it would claim.
 */
size_t vb_plan_print_section(FILE *f, const struct vb_pci *pci, const struct vb_plan_section *s);
