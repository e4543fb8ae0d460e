/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * PCI by section: at every start the runner makes the domain's PCI hostdevs for its
 * `devices =` sections the devices claimed for those sections at this boot. A hostdev it added
 * carries the mark of lib/alias.h (section and index); one the user wrote has none and stays as
 * written. hd_decide() is the decision alone, over plain data, so that it can be tested without
 * libvirt; runner_hostdev_sync() reads, decides, logs and writes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest.h"
#include "pci.h"
#include "runner-lifecycle.h"

/* A device claimed for a section at this boot: the index-th, by address, of section. */
struct hd_want {
	const char *section;
	unsigned index;
	char addr[VB_ADDR_MAX];
	uint16_t vendor, device; /* 0:0 when sysfs no longer has it */
};

/* A PCI hostdev of the domain's persistent definition. */
struct hd_have {
	bool ours;	     /* it has our mark: section and index below */
	const char *section; /* of the mark */
	unsigned index;
	const char *addr;	 /* its source address */
	bool present;		 /* sysfs has a device there: vendor, device */
	uint16_t vendor, device; /* of the device there */
};

/* What section names the domain's guest lists, and whether its claim could be read. */
struct hd_section {
	const char *name;
	bool claimed; /* status claimed: its devices are in the wants */
};

enum hd_kind {
	HD_MOVE,     /* ours, pointed at want's address; its guest address stays */
	HD_ADD,	     /* a new hostdev for want */
	HD_REMOVE,   /* ours, for a section no longer listed, an index beyond it, or a double */
	HD_COVERED,  /* want is named by the user's hostdev have: nothing to add */
	HD_CONFLICT, /* the user's hostdev have holds a device like want's, elsewhere */
};

struct hd_change {
	enum hd_kind kind;
	size_t have; /* index into the hostdevs; SIZE_MAX for HD_ADD */
	size_t want; /* index into the wants; SIZE_MAX for HD_REMOVE */
};

/*
 * The changes that make the hostdevs match the wants, in *ret (malloc'd; none: NULL, 0).
 * A marked hostdev of a section that is listed but not claimed is left alone: the checks
 * explain that section. Returns 0 or -ENOMEM.
 */
int hd_decide(const struct hd_section *sections, size_t n_sections, const struct hd_want *want,
	      size_t n_want, const struct hd_have *have, size_t n_have, struct hd_change **ret,
	      size_t *n_ret);

/*
 * Makes the persistent definition of w's domain hold the devices of wait's sections, as
 * above, logging each change (dry_run: prints each on stdout instead, and defines nothing).
 * A conflict (HD_CONFLICT) is logged as a refusal and nothing is defined. *planned is set
 * (malloc'd) to the XML the checks must look at when it is not the domain's definition as
 * libvirt has it (a dry run or a refusal with changes), else NULL. Returns how many refusals
 * there are (0: the checks may go on), or a negative errno (logged).
 */
int runner_hostdev_sync(struct watch *w, const struct vb_guest_wait *wait, bool dry_run,
			char **planned);
