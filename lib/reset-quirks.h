/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Device families whose reset is known broken: the kernel offers a method (often bus) that
 * leaves the device unusable for its next user, unless a device-specific reset takes over.
 * One table, each entry with where its ids come from; lib/ only looks them up, what to say
 * about them is the caller's.
 */
struct vb_reset_quirk {
	uint16_t vendor;
	const uint16_t *devices; /* the family's device ids, as its source lists them */
	size_t n_devices;
	const char *family;
	const char *source; /* where the ids and the breakage are documented */
	const char *fix;    /* the module (or other means) that gives it a working reset */
};

/* The entry that lists vendor:device, NULL when none does. */
const struct vb_reset_quirk *vb_reset_quirk_find(uint16_t vendor, uint16_t device);

/* The whole table, for its tests: *n entries. */
const struct vb_reset_quirk *vb_reset_quirks(size_t *n);
