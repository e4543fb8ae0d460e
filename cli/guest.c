// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot guest start|stop|run NAME: the guest runner the vfio-boot-guest@.service units
 * call. It starts a libvirt domain only when the host really let go of everything the domain
 * takes, follows the domain while it runs, and stops it gracefully but surely.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <systemd/sd-daemon.h>

#include "cli.h"
#include "domxml.h"
#include "guestconf.h"
#include "lifecycle.h"
#include "log.h"
#include "network.h"
#include "runner-checks.h"
#include "sysroot.h"
#include "util.h"

#define DEFAULT_URI	  "qemu:///system"
#define DEFAULT_TIMEOUT_S 120
#define DESTROY_WAIT_MS	  30000
/* Below the unit's TimeoutStartSec (300 s), so that the refusal, not systemd, says why. */
#define START_LOCK_WAIT_S 240
#define MAX_TIMEOUT_S	  (24 * 3600)

struct guest_opts {
	const char *uri;
	const char *config;
	char *bridge;
	unsigned timeout_s;
	bool timeout_set;
};

void guest_usage(FILE *f)
{
	fprintf(f,
		"Usage: vfio-boot guest start|stop|run [OPTIONS] [--] NAME\n"
		"\n"
		"Start, stop or run the libvirt domain NAME, after checking that its PCI devices\n"
		"are on vfio-pci in viable IOMMU groups and that the host uses none of its disks.\n"
		"\n"
		"  start            check, then start the domain (nothing to do if it runs)\n"
		"  stop             shut it down gracefully; force it off after the timeout\n"
		"  run              start, then stay until the domain stops; SIGTERM stops it\n"
		"\n"
		"  -c, --uri URI          libvirt connection (default " DEFAULT_URI ")\n"
		"  -t, --timeout SECONDS  graceful shutdown limit (default: the guest's\n"
		"                         shutdown-timeout in vfio-boot.conf, else %d)\n"
		"  -b, --bridge NAME      define and start the libvirt network NAME (forward\n"
		"                         mode bridge) first (default: the guest's bridge =)\n"
		"      --config FILE      read FILE instead of /etc/vfio-boot/vfio-boot.conf\n"
		"  -r, --root DIR         read /sys, /proc, /dev and /etc below DIR\n"
		"  -v, --verbose          say more\n"
		"  -h, --help             show this help\n"
		"\n"
		"Exit status: 0 ok, 1 usage, 2 refused (a check failed, no such domain),\n"
		"3 libvirt error, 4 guest crashed, 5 guest forced off by someone else,\n"
		"6 guest did not shut down in time and was forced off. See vfio-boot-guest(8).\n",
		DEFAULT_TIMEOUT_S);
}

static int parse_seconds(const char *s, unsigned *ret)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > MAX_TIMEOUT_S)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Returns -1 to go on, else an exit code. */
static int parse_args(int argc, char **argv, struct guest_opts *o, const char **verb,
		      const char **name)
{
	enum { OPT_CONFIG = 0x100 };
	static const struct option longopts[] = {
		{"uri", required_argument, NULL, 'c'},
		{"timeout", required_argument, NULL, 't'},
		{"bridge", required_argument, NULL, 'b'},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"root", required_argument, NULL, 'r'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;

	/*
	 * 0: callable more than once in one process (the tests do). Options may follow the verb
	 * ("stop --timeout 5 -- NAME"); "--" lets a domain name start with '-'.
	 */
	optind = 0;
	while ((c = getopt_long(argc, argv, "c:t:b:r:vh", longopts, NULL)) >= 0) {
		switch (c) {
		case 'c':
			o->uri = optarg;
			break;
		case 't':
			if (parse_seconds(optarg, &o->timeout_s) < 0) {
				log_err(0, "--timeout %s: expected whole seconds, at most %d",
					optarg, MAX_TIMEOUT_S);
				return EXIT_USAGE;
			}
			o->timeout_set = true;
			break;
		case 'b':
			if (!net_name_valid(optarg)) {
				log_err(0,
					"--bridge %s: expected an interface name (at most 15 characters, no '/' or spaces)",
					optarg);
				return EXIT_USAGE;
			}
			free(o->bridge);
			o->bridge = strdup(optarg);
			if (!o->bridge)
				return EXIT_LIBVIRT;
			break;
		case OPT_CONFIG:
			o->config = optarg;
			break;
		case 'r':
			if (vb_root_set(optarg) < 0) {
				log_err(0, "--root %s: expected an absolute path", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'v':
			vb_log_set_max_level(LOG_DEBUG);
			break;
		case 'h':
			guest_usage(stdout);
			return EXIT_OK;
		default:
			guest_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		guest_usage(stderr);
		return EXIT_USAGE;
	}
	*verb = argv[optind];
	*name = argv[optind + 1];
	if (!streq(*verb, "start") && !streq(*verb, "stop") && !streq(*verb, "run")) {
		log_err(0, "guest %s: expected start, stop or run", *verb);
		guest_usage(stderr);
		return EXIT_USAGE;
	}
	if (!**name) {
		log_err(0, "guest: the domain name is empty");
		return EXIT_USAGE;
	}
	return -1;
}

static int read_domain(struct watch *w, struct dom_info *d)
{
	char *xml = virDomainGetXMLDesc(w->dom, 0);
	int r;

	if (!xml)
		return log_err(-EIO, "guest %s: cannot read its XML: %s", w->name, lc_error()),
		       EXIT_LIBVIRT;
	r = dom_parse(xml, d);
	free(xml);
	if (r < 0)
		return log_err(r, "guest %s: cannot make sense of its XML: %m", w->name),
		       EXIT_LIBVIRT;
	return EXIT_OK;
}

static bool is_active(struct watch *w, int *state)
{
	int reason;

	if (watch_state(w, state, &reason) < 0)
		return false;
	return *state != VIR_DOMAIN_SHUTOFF && *state != VIR_DOMAIN_CRASHED;
}

/* The start lock (lifecycle.h) in *fd, or an exit code when it cannot be had. */
static int take_start_lock(struct watch *w, int *fd)
{
	_cleanup_free_ char *path = NULL;
	int r;

	if (vb_path(LC_START_LOCK_DIR "/" LC_START_LOCK_NAME, &path) < 0)
		return log_err(-ENOMEM, "guest %s: out of memory", w->name), EXIT_REFUSED;
	*fd = lc_start_lock_open();
	if (*fd < 0)
		return log_err(*fd,
			       "guest %s: not started: cannot open %s, the lock that keeps two runners from checking and starting guests at once (%m)%s",
			       w->name, path,
			       *fd == -ELOOP || *fd == -EBADFD || *fd == -ENOTDIR
				       ? "; it must be a regular file in a directory, no link: remove what is there"
				       : ""),
		       EXIT_REFUSED;
	r = lc_start_lock_wait(*fd, 0);
	if (r == -EWOULDBLOCK) {
		log_notice(
			"guest %s: waiting for another guest runner to check and start its guest",
			w->name);
		r = lc_start_lock_wait(*fd, START_LOCK_WAIT_S * 1000);
	}
	if (r == 0)
		return EXIT_OK;
	close(*fd);
	*fd = -1;
	if (r == -ETIMEDOUT)
		return log_err(r,
			       "guest %s: not started: another guest runner has held %s for %d s, checking and starting its guest (fuser -v %s tells which). Start %s again once it is done",
			       w->name, path, START_LOCK_WAIT_S, path, w->name),
		       EXIT_REFUSED;
	if (r == -EINTR)
		return log_notice("guest %s: not started: stopped while waiting to start", w->name),
		       EXIT_REFUSED;
	return log_err(r, "guest %s: not started: cannot lock %s: %m", w->name, path), EXIT_REFUSED;
}

/*
 * Checks and starts the domain unless it runs already. The check and the start are one step
 * under the start lock: a guest that another runner starts meanwhile is running, and its
 * disks seen, by the time this one checks.
 */
static int start_guest(struct watch *w, const struct guest_opts *o)
{
	_cleanup_close_ int lock = -1;
	struct dom_info d;
	int state, r;

	if (is_active(w, &state)) {
		log_notice("guest %s is already running; nothing to start", w->name);
		return EXIT_OK;
	}
	r = take_start_lock(w, &lock);
	if (r != EXIT_OK)
		return r;
	r = read_domain(w, &d);
	if (r != EXIT_OK)
		return r;
	if (o->bridge) {
		r = net_ensure_bridge(w->conn, w->name, o->bridge);
		if (r != EXIT_OK) {
			dom_info_free(&d);
			return r;
		}
	}
	r = precheck_domain(w->conn, w->name, &d, o->bridge);
	dom_info_free(&d);
	if (r > 0)
		return log_err(0, "guest %s: not started: %d problem%s above", w->name, r,
			       r == 1 ? "" : "s"),
		       EXIT_REFUSED;
	if (virDomainCreate(w->dom) < 0) {
		/* Someone else may have started it in the meantime: that is fine. */
		if (is_active(w, &state)) {
			log_notice("guest %s was started by someone else meanwhile", w->name);
			return EXIT_OK;
		}
		return log_err(-EIO, "guest %s: libvirt could not start it: %s", w->name,
			       lc_error()),
		       EXIT_LIBVIRT;
	}
	log_notice("guest %s started", w->name);
	return EXIT_OK;
}

static int destroy_guest(struct watch *w)
{
	int state;

	if (virDomainDestroy(w->dom) < 0 && is_active(w, &state))
		return log_err(-EIO, "guest %s: cannot force it off: %s", w->name, lc_error()),
		       EXIT_LIBVIRT;
	if (watch_wait(w, DESTROY_WAIT_MS, false) != WAIT_INACTIVE)
		return log_err(-ETIMEDOUT, "guest %s: still not off %d s after forcing it off",
			       w->name, DESTROY_WAIT_MS / 1000),
		       EXIT_LIBVIRT;
	return EXIT_FORCED;
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

static int stop_guest(struct watch *w, unsigned timeout_s)
{
	struct dom_info d = {0};
	const char *how;
	int state, r;

	if (!is_active(w, &state)) {
		log_notice("guest %s is not running; nothing to stop", w->name);
		return EXIT_OK;
	}
	(void)sd_notify(0, "STOPPING=1");
	/* Without the XML there is no agent to know of: ACPI is then the way. */
	(void)read_domain(w, &d);
	how = request_shutdown(w, d.has_agent);
	dom_info_free(&d);
	if (!how) {
		if (!is_active(w, &state))
			return log_notice("guest %s stopped", w->name), EXIT_OK;
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
		return EXIT_OK;
	case WAIT_TIMEOUT:
		log_warn(
			0,
			"guest %s did not shut down within %u s%s; forcing it off (as pulling the plug: unsaved data in it is lost). If it needs longer, raise shutdown-timeout in its [guest] section",
			w->name, timeout_s,
			w->shutdown_seen
				? " (it began to)"
				: " (no sign that it heard the request: does it handle ACPI, or run the guest agent?)");
		r = destroy_guest(w);
		if (r == EXIT_FORCED)
			log_notice("guest %s forced off", w->name);
		return r;
	default:
		return EXIT_LIBVIRT;
	}
}

/* After run's domain stopped by itself: the unit's result tells how. */
static int stopped_exit(struct watch *w)
{
	int state, reason;

	if (watch_state(w, &state, &reason) < 0)
		return log_err(-EIO, "guest %s: stopped; cannot tell how: %s", w->name, lc_error()),
		       EXIT_LIBVIRT;
	if (state == VIR_DOMAIN_CRASHED)
		return log_err(0,
			       "guest %s crashed; it is kept for inspection (on_crash); virsh destroy %s to clear it",
			       w->name, w->name),
		       EXIT_CRASHED;
	switch (reason) {
	case VIR_DOMAIN_SHUTOFF_SHUTDOWN:
		log_notice("guest %s shut down", w->name);
		return EXIT_OK;
	case VIR_DOMAIN_SHUTOFF_DESTROYED:
		log_err(0,
			"guest %s was forced off (virsh destroy, or vfio-boot guest stop after its timeout)",
			w->name);
		return EXIT_DESTROYED;
	case VIR_DOMAIN_SHUTOFF_MIGRATED:
		log_notice("guest %s was migrated to another host", w->name);
		return EXIT_OK;
	case VIR_DOMAIN_SHUTOFF_SAVED:
		log_notice("guest %s was saved to disk (virsh save or managedsave)", w->name);
		return EXIT_OK;
	case VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT:
		log_notice("guest %s was stopped to revert to a snapshot", w->name);
		return EXIT_OK;
	case VIR_DOMAIN_SHUTOFF_CRASHED:
		log_err(0, "guest %s crashed: its emulator died (see /var/log/libvirt/qemu/%s.log)",
			w->name, w->name);
		return EXIT_CRASHED;
	case VIR_DOMAIN_SHUTOFF_FAILED:
		log_err(0,
			"guest %s failed: its emulator stopped (see /var/log/libvirt/qemu/%s.log)",
			w->name, w->name);
		return EXIT_CRASHED;
	default:
		log_err(0, "guest %s stopped for a reason libvirt does not tell (%d)", w->name,
			reason);
		return EXIT_CRASHED;
	}
}

static int run_guest(struct watch *w, const struct guest_opts *o)
{
	int r = start_guest(w, o);

	if (r != EXIT_OK)
		return r;
	/* With Type=notify the guest unit is "started" only once the guest runs, so After= means it. */
	(void)sd_notify(0, "READY=1\nSTATUS=Guest running");
	switch (watch_wait(w, -1, true)) {
	case WAIT_SIGNAL:
		log_notice("guest %s: stopping, as asked by a signal", w->name);
		return stop_guest(w, o->timeout_s);
	case WAIT_INACTIVE:
		return stopped_exit(w);
	default:
		return EXIT_LIBVIRT;
	}
}

int guest_main(int argc, char **argv)
{
	struct guest_opts o = {.uri = DEFAULT_URI};
	const char *verb = NULL, *name = NULL;
	uint64_t timeout_usec = DEFAULT_TIMEOUT_S * 1000000ULL;
	struct watch w;
	int r;

	r = parse_args(argc, argv, &o, &verb, &name);
	if (r >= 0)
		goto out;
	r = guestconf_read(o.config, name, &timeout_usec, &o.bridge);
	if (r < 0) {
		log_err(r, "guest %s: cannot read its [guest] section: %m", name);
		r = EXIT_USAGE;
		goto out;
	}
	if (o.bridge && !net_name_valid(o.bridge)) {
		log_err(0, "guest %s: bridge = %s: expected an interface name", name, o.bridge);
		r = EXIT_USAGE;
		goto out;
	}
	if (!o.timeout_set)
		o.timeout_s = timeout_usec / 1000000ULL > MAX_TIMEOUT_S
				      ? MAX_TIMEOUT_S
				      : (unsigned)(timeout_usec / 1000000ULL);
	if (lc_init() < 0) {
		log_err(-EIO, "cannot set up libvirt's event loop: %s", lc_error());
		r = EXIT_LIBVIRT;
		goto out;
	}
	r = watch_open(&w, o.uri, name);
	if (r == EXIT_OK) {
		if (streq(verb, "start"))
			r = start_guest(&w, &o);
		else if (streq(verb, "stop"))
			r = stop_guest(&w, o.timeout_s);
		else
			r = run_guest(&w, &o);
	}
	watch_close(&w);
out:
	free(o.bridge);
	return r;
}
