/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "cmdline.h"
#include "config.h"
#include "pci.h"

/*
 * The read-only subcommands: list, plan, status and check. They share their options and
 * never change the host; their exit codes are EXIT_* (cli.h).
 */
struct inspect_opts {
	bool json;
	bool prometheus;
	bool dry_run;
	bool verbose;
	const char *config; /* --config FILE, NULL: the installed one */
	const char *target; /* the one argument of claim and release */
	const char *node;   /* export --node NAME */
	const char *prefix; /* export --prefix NAME */
};

/* What a command takes beyond --root, --config and --help (--json is the read-only ones'). */
enum {
	OPT_JSON = 1 << 0,
	OPT_PROMETHEUS = 1 << 1,
	OPT_DRY_RUN = 1 << 2,
	OPT_TARGET = 1 << 3, /* exactly one argument */
	OPT_VERBOSE = 1 << 4,
	OPT_TARGET_OPT = 1 << 5, /* at most one argument */
	OPT_EXPORT = 1 << 6,	 /* --node NAME and --prefix NAME */
};

/* The options of every command but guest: -1 to go on, else the exit code (usage said). */
int cli_parse(int argc, char **argv, const char *usage, unsigned allow, struct inspect_opts *o);

/*
 * Parses --root, --json, --config, --help (and --prometheus when allowed); prints usage
 * text on --help or a usage error. Returns -1 to go on, else the exit code.
 */
int inspect_parse(int argc, char **argv, const char *usage, bool prometheus,
		  struct inspect_opts *o);

/*
 * The config as the binder would read it (errors logged, bad sections skipped); *have false
 * when there is none. Returns negative on a refused or unreadable config.
 */
int inspect_load_config(const char *file, struct vb_config *cfg, bool *have);

/* Names from pci.ids (libpci); NULL when unknown. Each function has its own static buffer. */
const char *names_vendor(uint16_t vendor);
const char *names_device(uint16_t vendor, uint16_t device);
const char *names_subsystem(uint16_t vendor, uint16_t device, uint16_t sv, uint16_t sd);
const char *names_class(uint32_t class_code);
void names_free(void);

/* sysfs reset_method of a device, "" when it has none, NULL when the file is missing. */
char *inspect_reset_method(const char *addr);

/* Why a device is guarded from claiming: "boot display", "storage" or NULL. */
const char *inspect_guard(const struct vb_pci_dev *d);

int list_main(int argc, char **argv);
int plan_main(int argc, char **argv);
int status_main(int argc, char **argv);
int check_main(int argc, char **argv);
int export_main(int argc, char **argv);

/*
 * The ActiveState of a systemd unit ("active", "failed", ...) from the system manager over
 * D-Bus; "inactive" for a unit it has not loaded. Negative when systemd cannot be asked.
 */
int unit_state(const char *unit, char **ret);
