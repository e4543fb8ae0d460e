/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
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

/*
 * Whether section s of a plan of the whole tree as it is now, a section that claims after boot,
 * is settled at this boot, for what orders the engines that take vfio-pci devices when they
 * start (vfio-boot-late.service): its record says how it ended (anything but pending or no
 * record), or every device the plan gives it now is on vfio-pci (a hot-plug section with fewer
 * devices than its count stays pending: the absent ones are not waited for), or nothing of it
 * is here to come (no device matches; a PF that cannot make its VFs). It is still to come while
 * a device it takes is here and not on vfio-pci yet, or while its PF waits for its host driver
 * to bind and its VFs to be made. 1 settled, 0 to come; why says what was seen. Negative errno
 * when the record cannot be read.
 */
int vb_late_settled(const struct vb_plan *plan, const struct vb_plan_section *s, char *why,
		    size_t size);

/*
 * Waits until each section named is settled (vb_late_settled) on plans of the tree as it is now,
 * polling, at most wait_usec. Says once, for each section it waits for, what it waits for, and
 * when the wait is over first, each section still to come and what it saw. 0 when all settled,
 * -ETIMEDOUT (said already), or another negative errno (scanning, planning: said already).
 */
int vb_late_wait(const struct vb_config *cfg, const struct vb_cmdline *cmd,
		 const char *const *sections, size_t n, uint64_t wait_usec);
