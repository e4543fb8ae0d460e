/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "engine.h"

/* What engine.c and engine-vfs.c share; no program calls these. */

/* Scans the whole tree and plans it again (run->failed_at says where it failed). */
int vb_run_scan_and_plan(struct vb_run *run);
/* Logs what the plan says of a section: an error when it refuses, info when not. */
void vb_run_log_section(const struct vb_plan_section *s);
/* Claims a planned section's devices, and records them and the section. */
void vb_run_claim_devs(struct vb_run *run, const struct vb_plan_section *s);
/* A `vfs = N` section (index idx of the plan): makes its VFs, then claims the chosen ones. */
void vb_run_claim_vfs(struct vb_run *run, size_t idx);
