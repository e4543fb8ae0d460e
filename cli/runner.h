/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What the guest runner's files share: runner.c (options, the [guest] settings, the exit
 * status), runner-start.c (the checks and the start), runner-stop.c (the stop, and how a guest
 * that stopped by itself ended).
 *
 * Each verb returns how the guest ended (enum runner_end) or a negative errno it has logged;
 * runner.c alone turns that into the exit status. The errnos that say the runner refused, so
 * that restarting does not help until the host or the domain's definition is changed:
 *
 *   -ENOENT  libvirt has no domain of that name
 *   -EPERM   the checks found a reason not to start it (each one logged)
 *   -ENOLCK  the start lock could not be had
 *
 * -EINVAL is a usage error (the command line or the guest's [guest] section); every other
 * errno is libvirt (or the host) failing, which a restart may mend.
 */

#include "domxml.h"
#include "guest.h"
#include "runner-lifecycle.h"

/* How a verb ended when nothing failed. */
enum runner_end {
	RUNNER_DONE = 0,  /* started, stopped, shut down, or nothing to do */
	RUNNER_FORCED,	  /* forced off after the shutdown timeout */
	RUNNER_CRASHED,	  /* crashed, or its emulator died or failed */
	RUNNER_DESTROYED, /* forced off by someone else */
};

/* The domain's XML, read from libvirt and parsed; 0 or a negative errno, logged. */
int runner_read_domain(struct watch *w, struct dom_info *d);

/*
 * Checks and starts the domain unless it runs; bridge (or NULL) is made ready first, and the
 * [device] sections of wait (or NULL) still pending are waited for first.
 */
int runner_start(struct watch *w, const char *bridge, const struct vb_guest_wait *wait);

/*
 * What runner_start would change in the domain's definition and whether it would start it,
 * printed; changes nothing. RUNNER_DONE when it would start, -EPERM when it would refuse.
 */
int runner_start_dry_run(struct watch *w, const char *bridge, const struct vb_guest_wait *wait);

/* Shuts the domain down, forcing it off after timeout_s: RUNNER_DONE or RUNNER_FORCED. */
int runner_stop(struct watch *w, unsigned timeout_s);

/* After run's domain stopped by itself: how it ended, logged. */
int runner_stopped(struct watch *w);
