/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The name of the section, and of its record, that each vfio_boot.claim= address makes. */
#define VB_CMDLINE_CLAIM_SECTION "vfio_boot.claim="

/* What the kernel command line says to vfio-boot. */
struct vb_cmdline {
	bool off;      /* vfio_boot=off: the rescue switch */
	bool debug;    /* vfio_boot.debug */
	char **claims; /* vfio_boot.claim=ADDR,...: valid addresses only */
	size_t n_claims, alloc_claims;
};

/* Parses a command line; bad claim addresses are logged and dropped. */
int vb_cmdline_parse(struct vb_cmdline *c, const char *line);

/* Reads /proc/cmdline below the root. */
int vb_cmdline_load(struct vb_cmdline *c);

void vb_cmdline_free(struct vb_cmdline *c);
