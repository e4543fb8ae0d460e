/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the files that build the plan (plan.c, plan-section.c, plan-guard.c); not API. */

#include "plan.h"
#include "util.h"

int vb_plan_add_detail(struct vb_plan_section *s, const char *fmt, ...) _printf_(2, 3);
int vb_plan_set_status(struct vb_plan_section *s, enum vb_section_status st, const char *fmt, ...)
	_printf_(3, 4);
/* Adds pci->devs[dev] to the section once, with why it is taken. */
int vb_plan_add_dev(struct vb_plan_section *s, size_t dev, const char *fmt, ...) _printf_(3, 4);

/* A section that claims nothing keeps none of the devices it matched. */
void vb_plan_drop_devs(struct vb_plan_section *s);

/*
 * A section with `vfs =`: its devices, the PFs it matched, become the VFs it claims of each.
 * Refuses a PF that cannot give them as asked; sets *pending (malloc'd) when a PF has no VFs
 * yet. Returns 0 or a negative errno.
 */
int vb_plan_take_vfs(struct vb_plan_section *s, struct vb_pci *pci, char **pending);

/* Each sets the section's status and returns 0 when it refuses, or a negative errno. */
int vb_plan_check_unreadable(struct vb_plan_section *s, const struct vb_pci *pci);
int vb_plan_check_iommu(struct vb_plan_section *s, const struct vb_pci *pci);
int vb_plan_check_guards(struct vb_plan_section *s, const struct vb_pci *pci);
/* Across sections: refused ones free their devices, so it repeats until nothing changes. */
int vb_plan_check_groups(struct vb_plan *plan);
