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
