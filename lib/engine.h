/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "cmdline.h"
#include "config.h"
#include "contract.h"
#include "pci.h"
#include "plan.h"

/*
 * The binder's run as a library part: kernel command line, config, run state, plan, then
 * claiming what the plan allows, with the records of /run/vfio-boot. The binder drives it at
 * boot; `vfio-boot plan` runs it up to the plan; a program may claim one section of it with
 * the same guards and records (vb_run_need_vfio, then vb_run_claim_section).
 */

/*
 * Loads the modules named (NULL-terminated) that are not there yet; dry_run: only says so.
 * libkmod stays out of lib/: the program that may load modules hands in its loader.
 */
typedef int (*vb_load_modules_fn)(const char *const *names, bool dry_run);

struct vb_run {
	/* Set by the caller before vb_run_prepare(). */
	const char *config;	/* NULL: the installed config and its conf.d */
	bool config_must_exist; /* a missing config file named above refuses the config */
	bool follow_debug;	/* vfio_boot.debug on the command line turns on debug logs */
	bool wait;		/* rescan for late devices for as long as the config's wait */
	bool dry_run;		/* change nothing: say the plan and the writes to out */
	bool records;		/* write what the run did below /run/vfio-boot */
	/*
	 * A run after boot (the udev rule, `vfio-boot claim`, `release`): its records say who
	 * wrote them (by=) and when (time=), and it never clears the boot's records.
	 */
	bool after_boot;
	enum vb_record_by by;
	FILE *out; /* where a dry run says what it would do */
	/*
	 * Modules are loaded into the running kernel, never on a tree (a root other than "/")
	 * unless load_on_tree: a kernel double that acts on the tree, as the tests have.
	 */
	vb_load_modules_fn load_modules;
	bool load_on_tree;
	/*
	 * Scans and plans again once VFs were made; NULL: the whole tree. The udev path reads
	 * only the part of the tree around its device.
	 */
	int (*rescan)(struct vb_run *run);
	/* Called once the config is read, before the scan: the binder's watchdog wants it. */
	void (*config_loaded)(const struct vb_run *run, void *userdata);
	void *userdata;

	/* What the run found and did. */
	struct vb_cmdline cmd;
	struct vb_config cfg;
	bool have_cfg;
	struct vb_pci pci;
	struct vb_plan plan;
	int error;		       /* config-refused or error: the errno of what failed */
	char failed_at[PATH_MAX + 64]; /* error: what failed, "planning", "reading ROOT/sys/..." */
	unsigned claimed, failed, refused;
	unsigned pending; /* sections whose devices come later (VB_SECTION_PENDING): no error */
};

/*
 * Kernel command line -> config -> run state -> plan. Returns VB_STATE_DONE with a plan
 * made, or the state in which the run stops: off, no-config, config-refused (run->error; 0
 * when the config is refused for its owner or mode, which it logged), error (run->error,
 * run->failed_at). It logs nothing about the state itself: each program says it its way.
 */
enum vb_run_state vb_run_prepare(struct vb_run *run);

/*
 * After vb_run_prepare() made a plan: says or logs each section, records the refused ones,
 * loads vfio-pci, claims every section the plan allows. Returns VB_STATE_DONE or
 * VB_STATE_NO_VFIO.
 */
enum vb_run_state vb_run_claim(struct vb_run *run);

/*
 * Makes sure vfio-pci is there to claim with: loads the modules (see load_modules), checks
 * that the driver registered. On failure every section the plan allows is refused (and
 * recorded); returns negative.
 */
int vb_run_need_vfio(struct vb_run *run);

/*
 * Claims the devices of one section the plan allows, records them and the section.
 *
 * A VF section (cfg->vfs) is taken whatever its plan status: on each PF its match selects in
 * the scan, the VFs are made (sriov.h) when they are not there yet and the PF's driver is
 * bound, then the run scans and plans again (run->rescan) and claims the chosen VFs, and the
 * VFs it made and does not claim are probed so that the host driver takes them. A PF whose
 * driver has not bound yet leaves the section pending. It may plan again: a pointer into
 * run->plan taken before the call is stale after it (the sections keep their order).
 */
void vb_run_claim_section(struct vb_run *run, const struct vb_plan_section *s);

void vb_run_free(struct vb_run *run);
