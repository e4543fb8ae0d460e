/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cmdline.h"
#include "config.h"
#include "pci.h"
#include "plan.h"
#include "util.h"

/*
 * vfio-boot check, in parts: the command and its report (check.c), the host's readiness
 * (check-host.c), the initramfs images against /etc (check-initramfs.c), and what the config
 * claims against what else would take the devices (check-claims.c).
 */

enum level { PASS, WARN, FAIL };

struct result {
	enum level level;
	char *item, *text, *fix;
};

/* What every check reads, loaded once; and the lines they report, in order. */
struct check {
	struct result *v;
	size_t n, alloc;
	struct vb_config cfg;
	bool have_cfg;
	struct vb_pci pci;
	struct vb_cmdline cmd;
	struct vb_plan plan;
	char *proc_cmdline;
};

/* Adds a line: fix (or NULL) is what to do about it, shown for WARN and FAIL. */
void check_report(struct check *c, enum level level, const char *item, const char *fix,
		  const char *fmt, ...) _printf_(5, 6);

/* Entries of a directory below the root, NULL-terminated and sorted; NULL when unreadable. */
char **check_dir_list(const char *abs, const char *pattern);
void check_list_free(char **v);
size_t check_list_len(char **v);

void check_cpu(struct check *c);
/* The IOMMU, then interrupt remapping, which needs it. */
void check_iommu(struct check *c);
void check_modules(struct check *c);
void check_images(struct check *c);
void check_leftover_ids(struct check *c);
void check_groups(struct check *c);
