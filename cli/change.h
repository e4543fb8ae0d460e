/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "engine.h"

/*
 * What claim and release share: the commands that change the host, by section or by address.
 * Their exit codes are EXIT_* (cli.h).
 */
struct change_opts {
	const char *target; /* SECTION or ADDRESS */
	bool dry_run;
	const char *config; /* --config FILE, NULL: the installed one */
	bool is_addr;
	char addr[VB_ADDR_MAX]; /* is_addr: the address, canonical */
};

/* Parses SECTION|ADDRESS, --dry-run, --root, --config, --help. -1 to go on, else the exit code. */
int change_parse(int argc, char **argv, const char *usage, struct change_opts *o);

/*
 * vb_run_prepare() for a run after boot by `by`, with an ADDRESS added as the kernel command
 * line's vfio_boot.claim= would add it; *state is what it returned. Returns -1 to go on, else
 * the exit code (logged). plan_optional: no config, or a refused one, is no reason to stop
 * (release goes by the records then).
 */
int change_prepare(struct vb_run *run, const struct change_opts *o, enum vb_record_by by,
		   bool plan_optional, enum vb_run_state *state);

/* The section of the plan named o->target, or the one an ADDRESS made; NULL when none. */
struct vb_plan_section *change_find(struct vb_run *run, const struct change_opts *o);

/* Loads vfio-pci with modprobe(8) (vb_load_modules_fn): the command has no libkmod. */
int change_modprobe(const char *const *names, bool dry_run);

int claim_main(int argc, char **argv);
int release_main(int argc, char **argv);
