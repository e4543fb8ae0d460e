/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Inside [guest] sections: what lib/guest.c shares with lib/guest-usb.c. */

#include "config-schema.h"
#include "guest.h"

/* What the checks of a guest's keys compare against. */
struct guest_env {
	const struct vb_bridges *bridges;
	const struct vb_guests *guests;
};

/*
 * usb = : each section named gets this guest, unless one before it in file order has it.
 * The check of the key in guest_keys.
 */
int vb_guest_check_usb(struct vb_apply *a, const struct vb_setting *st);

/* wait->usb: copies of the [usb] sections g has (once; 0 or -ENOMEM). */
int vb_guest_usb_copies(const struct vb_config *cfg, const struct vb_guest *g,
			struct vb_guest_wait *wait);

/* Frees wait->usb and its copies. */
void vb_guest_usb_copies_free(struct vb_guest_wait *wait);
