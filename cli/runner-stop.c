// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot guest stop, and how run's guest ended: the domain is asked to shut down the way it
 * can hear, forced off after the timeout; a domain that stopped by itself is told apart by
 * libvirt's reason, so that the unit's result is the guest's.
 */
#include <errno.h>
#include <limits.h>

#include <libvirt/libvirt.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "runner.h"

#define DESTROY_WAIT_MS 30000

static int destroy_guest(struct watch *w)
{
	if (virDomainDestroy(w->dom) < 0 && watch_active(w))
		return log_err(-EIO, "guest %s: cannot force it off: %s", w->name, lc_error());
	if (watch_wait(w, DESTROY_WAIT_MS, false) != WAIT_INACTIVE)
		return log_err(-ETIMEDOUT, "guest %s: still not off %d s after forcing it off",
			       w->name, DESTROY_WAIT_MS / 1000);
	return RUNNER_FORCED;
}

/* Asks for a shutdown the way the guest can hear it; returns the way that worked, or NULL. */
static const char *request_shutdown(struct watch *w, bool has_agent)
{
	if (has_agent) {
		if (virDomainShutdownFlags(w->dom, VIR_DOMAIN_SHUTDOWN_GUEST_AGENT) == 0)
			return "through the guest agent";
		log_notice(
			"guest %s: the guest agent did not take the shutdown request (%s); pressing the ACPI power button instead",
			w->name, lc_error());
	}
	if (virDomainShutdownFlags(w->dom, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN) == 0)
		return "with the ACPI power button";
	/* Drivers without a choice of method (the test driver) take the plain request. */
	log_debug("guest %s: ACPI shutdown: %s", w->name, lc_error());
	if (virDomainShutdown(w->dom) == 0)
		return "the hypervisor's default way";
	return NULL;
}

int runner_stop(struct watch *w, unsigned timeout_s)
{
	struct dom_info d = {0};
	const char *how;
	int r;

	if (!watch_active(w)) {
		log_notice("guest %s is not running; nothing to stop", w->name);
		return RUNNER_DONE;
	}
	(void)sd_notify(0, "STOPPING=1");
	/* Without the XML there is no agent to know of: ACPI is then the way. */
	(void)runner_read_domain(w, &d);
	how = request_shutdown(w, d.has_agent);
	dom_info_free(&d);
	if (!how) {
		if (!watch_active(w)) {
			log_notice("guest %s stopped", w->name);
			return RUNNER_DONE;
		}
		log_warn(0, "guest %s: cannot ask it to shut down (%s); forcing it off", w->name,
			 lc_error());
		return destroy_guest(w);
	}
	log_notice("guest %s: asked it to shut down %s; forcing it off after %u s", w->name, how,
		   timeout_s);
	switch (watch_wait(w, timeout_s > INT_MAX / 1000 ? INT_MAX : (int)(timeout_s * 1000),
			   false)) {
	case WAIT_INACTIVE:
		log_notice("guest %s shut down", w->name);
		return RUNNER_DONE;
	case WAIT_TIMEOUT:
		log_warn(
			0,
			"guest %s did not shut down within %u s%s; forcing it off (as pulling the plug: unsaved data in it is lost). If it needs longer, raise shutdown-timeout in its [guest] section",
			w->name, timeout_s,
			w->shutdown_seen
				? " (it began to)"
				: " (no sign that it heard the request: does it handle ACPI, or run the guest agent?)");
		r = destroy_guest(w);
		if (r == RUNNER_FORCED)
			log_notice("guest %s forced off", w->name);
		return r;
	default:
		/* watch_wait logged why. */
		return -EIO;
	}
}

/* A domain that is shut off: libvirt's reason, told to the journal, as the runner's end. */
static int shutoff_end(struct watch *w, int reason)
{
	switch (reason) {
	case VIR_DOMAIN_SHUTOFF_SHUTDOWN:
		log_notice("guest %s shut down", w->name);
		return RUNNER_DONE;
	case VIR_DOMAIN_SHUTOFF_DESTROYED:
		log_err(0,
			"guest %s was forced off (virsh destroy, or vfio-boot guest stop after its timeout)",
			w->name);
		return RUNNER_DESTROYED;
	case VIR_DOMAIN_SHUTOFF_MIGRATED:
		log_notice("guest %s was migrated to another host", w->name);
		return RUNNER_DONE;
	case VIR_DOMAIN_SHUTOFF_SAVED:
		log_notice("guest %s was saved to disk (virsh save or managedsave)", w->name);
		return RUNNER_DONE;
	case VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT:
		log_notice("guest %s was stopped to revert to a snapshot", w->name);
		return RUNNER_DONE;
	case VIR_DOMAIN_SHUTOFF_CRASHED:
		log_err(0, "guest %s crashed: its emulator died (see /var/log/libvirt/qemu/%s.log)",
			w->name, w->name);
		return RUNNER_CRASHED;
	case VIR_DOMAIN_SHUTOFF_FAILED:
		log_err(0,
			"guest %s failed: its emulator stopped (see /var/log/libvirt/qemu/%s.log)",
			w->name, w->name);
		return RUNNER_CRASHED;
	default:
		log_err(0, "guest %s stopped for a reason libvirt does not tell (%d)", w->name,
			reason);
		return RUNNER_CRASHED;
	}
}

int runner_stopped(struct watch *w)
{
	int state, reason;

	if (watch_state(w, &state, &reason) < 0)
		return log_err(-EIO, "guest %s: stopped; cannot tell how: %s", w->name, lc_error());
	if (state == VIR_DOMAIN_CRASHED) {
		log_err(0,
			"guest %s crashed; it is kept for inspection (on_crash); virsh destroy %s to clear it",
			w->name, w->name);
		return RUNNER_CRASHED;
	}
	return shutoff_end(w, reason);
}
