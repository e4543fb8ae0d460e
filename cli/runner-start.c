// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot guest start: the domain starts only when the host really let go of everything it
 * takes, checked and started under one lock across every runner.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "log.h"
#include "runner-checks.h"
#include "runner-hostdev.h"
#include "runner-network.h"
#include "runner-usb.h"
#include "runner.h"
#include "sysroot.h"
#include "util.h"

/* Below the unit's TimeoutStartSec (300 s), so that the refusal, not systemd, says why. */
#define START_LOCK_WAIT_S 240

int runner_read_domain(struct watch *w, struct dom_info *d)
{
	char *xml = virDomainGetXMLDesc(w->dom, 0);
	int r;

	if (!xml)
		return log_err(-EIO, "guest %s: cannot read its XML: %s", w->name, lc_error());
	r = dom_parse(xml, d);
	free(xml);
	if (r < 0)
		return log_err(r, "guest %s: cannot make sense of its XML: %m", w->name);
	return 0;
}

/* Why the lock could not be opened, for the message, when the file itself is the problem. */
static const char *lock_open_hint(int r)
{
	if (r == -ELOOP || r == -EBADFD || r == -ENOTDIR)
		return "; it must be a regular file in a directory, no link: remove what is there";
	return "";
}

/*
 * The start lock (runner-lifecycle.h) in *fd. Each way of not getting it is logged with its
 * own errno; the caller hears -ENOLCK for all of them, a refusal.
 */
static int take_start_lock(struct watch *w, int *fd)
{
	_cleanup_free_ char *path = NULL;
	int r;

	if (vb_path(LC_START_LOCK_DIR "/" LC_START_LOCK_NAME, &path) < 0) {
		log_err(-ENOMEM, "guest %s: out of memory", w->name);
		return -ENOLCK;
	}
	*fd = lc_start_lock_open();
	if (*fd < 0) {
		log_err(*fd,
			"guest %s: not started: cannot open %s, the lock that keeps two runners from checking and starting guests at once (%m)%s",
			w->name, path, lock_open_hint(*fd));
		return -ENOLCK;
	}
	r = lc_start_lock_wait(*fd, 0);
	if (r == -EWOULDBLOCK) {
		log_notice(
			"guest %s: waiting for another guest runner to check and start its guest",
			w->name);
		r = lc_start_lock_wait(*fd, START_LOCK_WAIT_S * 1000);
	}
	if (r == 0)
		return 0;
	close(*fd);
	*fd = -1;
	if (r == -ETIMEDOUT)
		log_err(r,
			"guest %s: not started: another guest runner has held %s for %d s, checking and starting its guest (fuser -v %s tells which). Start %s again once it is done",
			w->name, path, START_LOCK_WAIT_S, path, w->name);
	else if (r == -EINTR)
		log_notice("guest %s: not started: stopped while waiting to start", w->name);
	else
		log_err(r, "guest %s: not started: cannot lock %s: %m", w->name, path);
	return -ENOLCK;
}

/*
 * The guest's PCI hostdevs made those of its sections (unless attach-devices = no), then the
 * checks, with the bridge made ready first: 0, or -EPERM when any refused (each logged). A dry
 * run changes nothing: it checks the definition as it would be, and leaves the bridge alone.
 */
static int check_domain(struct watch *w, const char *bridge, const struct vb_guest_wait *wait,
			bool dry_run)
{
	_cleanup_free_ char *planned = NULL;
	struct dom_info d;
	int r, refused = 0;

	if (wait && wait->attach && wait->n_devices) {
		refused = runner_hostdev_sync(w, wait, dry_run, &planned);
		if (refused < 0)
			return refused;
	}
	if (planned) {
		r = dom_parse(planned, &d);
		if (r < 0)
			return log_err(r, "guest %s: cannot make sense of its new XML: %m",
				       w->name);
	} else {
		r = runner_read_domain(w, &d);
		if (r < 0)
			return r;
	}
	if (bridge && !dry_run) {
		r = net_ensure_bridge(w->conn, w->name, bridge);
		if (r < 0) {
			dom_info_free(&d);
			return r;
		}
	}
	r = precheck_domain(w->conn, w->name, &d, bridge) + refused;
	dom_info_free(&d);
	if (r > 0)
		return log_err(-EPERM, "guest %s: not %s: %d problem%s above", w->name,
			       dry_run ? "startable" : "started", r, r == 1 ? "" : "s");
	return 0;
}

/*
 * The check and the start are one step under the start lock: a guest that another runner
 * starts meanwhile is running, and its disks seen, by the time this one checks.
 */
int runner_start(struct watch *w, const char *bridge, const struct vb_guest_wait *wait)
{
	_cleanup_close_ int lock = -1;
	int r;

	if (watch_active(w)) {
		log_notice("guest %s is already running; nothing to start", w->name);
		return RUNNER_DONE;
	}
	/* Before the start lock: other guests need not wait for this one's devices. */
	if (wait && wait->n_devices) {
		r = wait_devices(w->name, wait);
		if (r > 0)
			return log_err(-EPERM,
				       "guest %s: not started: %d [device] section%s pending",
				       w->name, r, r == 1 ? " is still" : "s are still");
	}
	r = take_start_lock(w, &lock);
	if (r < 0)
		return r;
	r = check_domain(w, bridge, wait, false);
	if (r < 0)
		return r;
	if (virDomainCreate(w->dom) < 0) {
		/* Someone else may have started it in the meantime: that is fine. */
		if (watch_active(w)) {
			log_notice("guest %s was started by someone else meanwhile", w->name);
			return RUNNER_DONE;
		}
		return log_err(-EIO, "guest %s: libvirt could not start it: %s", w->name,
			       lc_error());
	}
	log_notice("guest %s started", w->name);
	usb_attach_present(w, wait);
	return RUNNER_DONE;
}

/*
 * start --dry-run: what start would change and whether it would start, without the lock (it
 * changes nothing) and without waiting for pending sections (they are reported as they are).
 */
int runner_start_dry_run(struct watch *w, const char *bridge, const struct vb_guest_wait *wait)
{
	int r, pending = 0;

	if (watch_active(w)) {
		printf("guest %s is already running; start would do nothing\n", w->name);
		return RUNNER_DONE;
	}
	if (wait && wait->n_devices) {
		struct vb_guest_wait now = *wait;

		now.usec = 0;
		pending = wait_devices(w->name, &now);
	}
	r = check_domain(w, bridge, wait, true);
	if (r < 0 && r != -EPERM)
		return r;
	if (r < 0 || pending > 0) {
		printf("guest %s: would not start (see the problems above)\n", w->name);
		return -EPERM;
	}
	printf("guest %s: would start\n", w->name);
	return RUNNER_DONE;
}
