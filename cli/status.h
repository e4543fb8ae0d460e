/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "bridge.h"
#include "cmdline.h"
#include "config.h"
#include "contract.h"
#include "guest.h"
#include "pci.h"
#include "plan.h"

/*
 * vfio-boot status, in parts: the command (status.c), what it reads from the records, the plan
 * and the units (status-read.c), and its three outputs: the text report (status-text.c),
 * --json (status-json.c) and --prometheus (status-prometheus.c).
 */

#define REASONS_MAX 6

struct dev_status {
	char addr[VB_ADDR_MAX];
	char *driver;
	bool on_vfio, present;
	bool released; /* its record says vfio-boot release (or a rolled back claim) gave it back */
	char *time, *by; /* its record's, when written after boot; NULL: none */
	char *reasons[REASONS_MAX];
	size_t n_reasons;
};

struct section_status {
	const char *name;
	char *record;	 /* the binder's status for it at boot, NULL: no record */
	char *reason;	 /* the record's reason= (a pending section: what it waits for) */
	char *time, *by; /* the record's, when written after boot; NULL: none */
	enum vb_section_status plan; /* what vb_plan_build says of it now */
	const char *why;	     /* the plan's reason when it claims nothing */
	struct dev_status *devs;
	size_t n_devs;
};

struct guest_status {
	const char *name, *unit;
	char *state; /* NULL: unknown */
	const char *why_unknown;
};

struct status {
	struct vb_config cfg;
	struct vb_pci pci;
	struct vb_plan plan;
	struct vb_cmdline cmd;
	struct vb_bridges bridges;
	struct vb_guests guests;
	char *binder_state; /* /run/vfio-boot/status state=, NULL: no record */
	struct section_status *secs;
	size_t n_secs;
	struct guest_status *gs;
	size_t n_gs;
	bool have_cfg;
};

/* Reads the config, the tree, the plan, the records and the guests' units; logs its errors. */
int status_collect(struct status *st, const char *config);
void status_free(struct status *st);

/* Its devices come later (VFs, hot-plug): not an error, whatever the plan says now. */
bool status_section_pending(const struct section_status *ss);

void status_print_text(const struct status *st);
void status_print_json(const struct status *st);
void status_print_prometheus(const struct status *st);
