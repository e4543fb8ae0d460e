/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

#include "engine.h"

/*
 * What runs after boot for one PCI device, from the udev rule: a hot-plugged device that a
 * hotplug = yes section matches is claimed (unbound first when a host driver won the race), a
 * PF of a vfs = N section gets its VFs once its driver is bound, a VF its PF's section chooses
 * is claimed. Only the part of the tree around the device is read; a device no such section
 * wants costs the config read and a match.
 */

enum vb_late_action {
	VB_LATE_ADD,  /* the device appeared */
	VB_LATE_BIND, /* a driver bound it */
	_VB_LATE_ACTION_MAX,
};

/* "add", "bind"; -EINVAL for anything else. */
int vb_late_action_from_string(const char *s);

/* How long a run after boot waits for another to finish before it gives up. */
#define VB_LOCK_WAIT_USEC (10ULL * 1000000ULL)
#define VB_LOCK_FILE	  "/run/vfio-boot/lock"

/*
 * Takes the lock every run after boot holds while it claims or releases (flock on
 * VB_LOCK_FILE), waiting at most wait_usec: the fd to close to let it go, -ETIMEDOUT.
 */
int vb_late_lock(uint64_t wait_usec);

/*
 * The event for the device at addr. run is set up as for vb_run_prepare() (config,
 * load_modules, records...); the event sets after_boot, by and rescan itself. Returns 0 when
 * done or when there is nothing to do (vfio_boot=off, no config, no section for the device),
 * or a negative errno that the caller logs: -ETIMEDOUT for the lock (logged already), an error
 * reading the config or the device.
 */
int vb_late_event(struct vb_run *run, enum vb_late_action action, const char *addr);
