/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "guest.h"

/* File name of the drop-in the generator adds to each guest's unit. */
#define GUEST_DROPIN_NAME "50-vfio-boot.conf"

/*
 * The drop-in for guest g (all: every guest, to name the units of those in `after`). Reads the
 * domain's XML for its disks; what it cannot use there is logged as a warning and left out.
 */
int guest_dropin(const struct vb_guest *g, const struct vb_guests *all, char **ret);

/* What many guests have in common, to be said once for all of them rather than for each. */
struct guest_notes {
	char **no_xml; /* guests without a domain XML */
	size_t n_no_xml, alloc_no_xml;
};

/* guest_dropin(), noting in notes what guest_dropin() warns of at once. */
int guest_dropin_noting(const struct vb_guest *g, const struct vb_guests *all,
			struct guest_notes *notes, char **ret);
/* Says what notes hold, once, and empties it. */
void guest_notes_flush(struct guest_notes *notes, const struct vb_guests *all);
