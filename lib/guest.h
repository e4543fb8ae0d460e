/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bridge.h"
#include "config.h"

#define VB_GUEST_UNIT_PREFIX	    "vfio-boot-guest"
#define VB_BRIDGE_UNIT_PREFIX	    "vfio-boot-bridge"
#define VB_SHUTDOWN_TIMEOUT_DEFAULT (120ULL * 1000000ULL)
/* How long a guest waits for a pending [device] section (device-wait), at most. */
#define VB_DEVICE_WAIT_DEFAULT (60ULL * 1000000ULL)
#define VB_DEVICE_WAIT_MAX     (10ULL * 60ULL * 1000000ULL)
/* How often its record is read meanwhile. */
#define VB_SECTION_POLL_USEC 200000
/* Longer start delays and shutdown timeouts are cut to this. */
#define VB_GUEST_TIME_MAX (60ULL * 60ULL * 1000000ULL)

/* A [guest NAME] section made sense of; name, file and bridge point into the config. */
struct vb_guest {
	size_t section; /* index into vb_config.sections */
	const char *name, *file;
	unsigned line;
	char *unit; /* vfio-boot-guest@ESCAPED.service, NULL when the name cannot be one */
	bool autostart;
	char **after; /* guest names */
	size_t n_after;
	char **devices; /* [device] section names */
	size_t n_devices;
	/*
	 * attach-devices = yes (the default): the runner makes the domain's PCI hostdevs of
	 * `devices` the devices claimed for them at this boot; no: it only checks them.
	 */
	bool attach_devices;
	char **usb; /* usb = [usb] section names; each belongs to this guest alone */
	size_t n_usb;
	const char *bridge; /* NULL: none */
	uint64_t start_delay_usec, shutdown_timeout_usec;
	uint64_t device_wait_usec; /* how long to wait for a pending [device] section */
	bool restart_on_failure;
	bool bad;
	uint32_t refused; /* bit i: the value of the schema's key i was not understood */
};

struct vb_guests {
	struct vb_guest *v;
	size_t n, alloc;
	size_t *by_name; /* indices into v sorted by name (first of equal names first) */
};

/*
 * Interprets every [guest] section against the rest of the config: `after` must name other
 * [guest] sections, `devices` good [device] sections, `bridge` a good [bridge] section, and
 * `after` must not go round in a circle. A guest that fails any of this is logged with
 * file:line and marked bad, and so is every guest that starts after a bad one. Returns 0, or
 * -ENOMEM.
 */
int vb_guests_resolve(struct vb_config *cfg, const struct vb_bridges *bridges,
		      struct vb_guests *ret);

/*
 * Marks bad every guest in a circle of `after` and every guest that starts, at any remove,
 * after a bad one, logging why. Returns 0 or -ENOMEM.
 */
int vb_guests_check_order(struct vb_config *cfg, struct vb_guests *gs);

/* The guest named name, bad or not, or NULL. */
const struct vb_guest *vb_guest_find(const struct vb_guests *g, const char *name);

void vb_guests_free(struct vb_guests *g);

/*
 * Whether the binder claimed every device of [device section] at this boot: 1 when its
 * record in /run/vfio-boot/sections says status=claimed, else 0 with the status it has
 * ("missing" when there is no record) in *status (malloc'd). Negative on other errors.
 */
int vb_section_claimed(const char *section, char **status);

/*
 * vb_section_claimed(), waiting while the record says pending (VFs or hot-plugged devices not
 * there yet), polling every VB_SECTION_POLL_USEC, at most wait_usec; says once that guest waits
 * and for what. Returns as vb_section_claimed() once the status is another, or the wait is over
 * (0, *status "pending").
 */
int vb_section_wait(const char *section, uint64_t wait_usec, const char *guest, char **status);

/* Whole seconds, rounded up, for the guest runner's --timeout. */
unsigned long vb_usec_to_sec_ceil(uint64_t usec);

/*
 * What the runner needs of a guest's devices: its [device] sections (waited for, device-wait,
 * and attached unless attach-devices = no) and its [usb] sections (copies, for the USB watch).
 */
struct vb_guest_wait {
	char **devices;
	size_t n_devices, alloc;
	uint64_t usec;
	bool attach;		    /* attach-devices */
	struct vb_usb_section *usb; /* name, serial and port malloc'd; file NULL, section 0 */
	size_t n_usb;
};
void vb_guest_wait_free(struct vb_guest_wait *w);

/*
 * The [guest NAME] settings the guest runner uses, from vfio-boot.conf(5) below the root (or
 * file): shutdown-timeout, bridge and (wait, when not NULL) devices, device-wait,
 * attach-devices and its [usb] sections. Leaves
 * *timeout_usec, *bridge and *wait alone when unset. A
 * missing config is no error: the guest then runs with the defaults and the command line's
 * options. Problems elsewhere in the config are the generator's to report, and are not logged.
 */
int vb_guest_runner_settings(const char *file, const char *name, uint64_t *timeout_usec,
			     char **bridge, struct vb_guest_wait *wait);
