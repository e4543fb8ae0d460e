/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "claim.h"
#include "contract.h"
#include "engine.h"
#include "plan.h"

/*
 * The records a run writes below /run/vfio-boot (contract.h has their keys, record.h the
 * file format). Each logs its own write error: a record that cannot be written must not stop
 * the run.
 */

/* status: the run's state and counts (nothing unless run->records). */
void vb_run_record_status(const struct vb_run *run, enum vb_run_state state);

/* sections/NAME for each [device] section the config parser threw out, so `status` says why. */
void vb_run_record_invalid_sections(const struct vb_config *cfg);

/*
 * A run after boot (run->after_boot) adds time= and by= to the two below, and pf= and
 * vf_index= to a VF's device record; its section record keeps the devices the section held
 * before (the plan saw only part of the tree), and a refusal does not overwrite a section
 * record that holds devices.
 */

/* sections/NAME: what became of a section of the plan, with its devices' addresses. */
void vb_run_record_section(const struct vb_run *run, const struct vb_plan_section *s,
			   enum vb_section_status status, const char *reason);

/* devices/ADDRESS: what claiming made of a device, and for which section. */
void vb_run_record_device(const struct vb_run *run, const struct vb_plan_section *s,
			  const struct vb_plan_dev *pd, const struct vb_pci_dev *d,
			  const struct vb_claim_result *res);
