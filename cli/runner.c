// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot guest start|stop|run NAME: the guest runner the vfio-boot-guest@.service units
 * call. It starts a libvirt domain only when the host really let go of everything the domain
 * takes, follows the domain while it runs, and stops it gracefully but surely. This file holds
 * its options, the guest's [guest] settings and the one mapping to the exit status; the verbs
 * are in runner-start.c and runner-stop.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>

#include <systemd/sd-daemon.h>

#include "cli.h"
#include "guest.h"
#include "log.h"
#include "name.h"
#include "runner-network.h"
#include "runner-usb.h"
#include "runner.h"
#include "sysroot.h"
#include "util.h"

#define DEFAULT_URI	  "qemu:///system"
#define DEFAULT_TIMEOUT_S 120
#define MAX_TIMEOUT_S	  (24 * 3600)

enum { OPT_CONFIG = 0x100, OPT_DRY_RUN };

struct guest_opts {
	const char *uri;
	const char *config;
	char *bridge;
	struct vb_guest_wait wait; /* the [device] sections to wait for, device-wait */
	unsigned timeout_s;
	bool timeout_set;
	bool dry_run; /* start --dry-run */
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
		"      --dry-run          start: say what would change in the domain's PCI\n"
		"                         hostdevs and whether it would start; change nothing\n"
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

/* One option: 0, or -EINVAL (logged) when its value is no good, 1 after --help. */
static int parse_option(int c, struct guest_opts *o)
{
	switch (c) {
	case 'c':
		o->uri = optarg;
		return 0;
	case 't':
		if (parse_seconds(optarg, &o->timeout_s) < 0)
			return log_err(-EINVAL, "--timeout %s: expected whole seconds, at most %d",
				       optarg, MAX_TIMEOUT_S);
		o->timeout_set = true;
		return 0;
	case 'b':
		if (!vb_ifname_valid(optarg))
			return log_err(
				-EINVAL,
				"--bridge %s: expected an interface name (letters, digits, '_', '-' and '.', at most 15 characters, not all digits)",
				optarg);
		free(o->bridge);
		o->bridge = strdup(optarg);
		return o->bridge ? 0 : log_err(-ENOMEM, "out of memory");
	case OPT_CONFIG:
		o->config = optarg;
		return 0;
	case OPT_DRY_RUN:
		o->dry_run = true;
		return 0;
	case 'r':
		if (vb_root_set(optarg) < 0)
			return log_err(-EINVAL, "--root %s: expected an absolute path", optarg);
		return 0;
	case 'v':
		vb_log_set_max_level(LOG_DEBUG);
		return 0;
	case 'h':
		guest_usage(stdout);
		return 1;
	case 'V':
		cli_version();
		return 1;
	default:
		guest_usage(stderr);
		return -EINVAL;
	}
}

/* 0 to go on, 1 after --help, -EINVAL on a usage error (told), -ENOMEM. */
static int parse_args(int argc, char **argv, struct guest_opts *o, const char **verb,
		      const char **name)
{
	static const struct option longopts[] = {
		{"uri", required_argument, NULL, 'c'},
		{"timeout", required_argument, NULL, 't'},
		{"bridge", required_argument, NULL, 'b'},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"dry-run", no_argument, NULL, OPT_DRY_RUN},
		{"root", required_argument, NULL, 'r'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	int c, r;

	/*
	 * 0: callable more than once in one process (the tests do). Options may follow the verb
	 * ("stop --timeout 5 -- NAME"); "--" lets a domain name start with '-'.
	 */
	optind = 0;
	while ((c = getopt_long(argc, argv, "c:t:b:r:vh", longopts, NULL)) >= 0) {
		r = parse_option(c, o);
		if (r != 0)
			return r;
	}
	if (argc - optind != 2) {
		guest_usage(stderr);
		return -EINVAL;
	}
	*verb = argv[optind];
	*name = argv[optind + 1];
	if (!streq(*verb, "start") && !streq(*verb, "stop") && !streq(*verb, "run")) {
		log_err(0, "guest %s: expected start, stop or run", *verb);
		guest_usage(stderr);
		return -EINVAL;
	}
	if (!**name)
		return log_err(-EINVAL, "guest: the domain name is empty");
	if (o->dry_run && !streq(*verb, "start"))
		return log_err(-EINVAL, "guest %s: --dry-run goes with start only", *verb);
	return 0;
}

/*
 * The guest's [guest] settings where the command line left them: 0, or -EINVAL (the cause
 * logged with its own errno) when they cannot be used, a usage error like a bad option.
 */
static int read_settings(struct guest_opts *o, const char *name)
{
	uint64_t timeout_usec = DEFAULT_TIMEOUT_S * 1000000ULL;
	int r;

	r = vb_guest_runner_settings(o->config, name, &timeout_usec, &o->bridge, &o->wait);
	if (r < 0) {
		log_err(r, "guest %s: cannot read its [guest] section: %m", name);
		return -EINVAL;
	}
	if (o->bridge && !vb_ifname_valid(o->bridge))
		return log_err(-EINVAL, "guest %s: bridge = %s: expected an interface name", name,
			       o->bridge);
	if (!o->timeout_set)
		o->timeout_s = timeout_usec / 1000000ULL > MAX_TIMEOUT_S
				       ? MAX_TIMEOUT_S
				       : (unsigned)(timeout_usec / 1000000ULL);
	return 0;
}

static int run_guest(struct watch *w, const struct guest_opts *o)
{
	int r = runner_start(w, o->bridge, &o->wait);
	struct usb_watch *usb = NULL;
	enum wait_result res;

	if (r != RUNNER_DONE)
		return r;
	/* With Type=notify the guest unit is "started" only once the guest runs, so After= means it. */
	(void)sd_notify(0, "READY=1\nSTATUS=Guest running");
	/* Without it the guest still runs, only without its USB devices (logged). */
	(void)usb_watch_start(w, &o->wait, &usb);
	res = watch_wait(w, -1, true);
	/* Before the stop: nothing is attached to a guest on its way down. */
	usb_watch_end(usb);
	switch (res) {
	case WAIT_SIGNAL:
		log_notice("guest %s: stopping, as asked by a signal", w->name);
		return runner_stop(w, o->timeout_s);
	case WAIT_INACTIVE:
		return runner_stopped(w);
	default:
		/* watch_wait logged why. */
		return -EIO;
	}
}

static int run_verb(const struct guest_opts *o, const char *verb, const char *name)
{
	struct watch w;
	int r;

	r = lc_init();
	if (r < 0)
		return log_err(r, "cannot set up libvirt's event loop: %s", lc_error());
	r = watch_open(&w, o->uri, name);
	if (r == 0) {
		if (streq(verb, "start") && o->dry_run)
			r = runner_start_dry_run(&w, o->bridge, &o->wait);
		else if (streq(verb, "start"))
			r = runner_start(&w, o->bridge, &o->wait);
		else if (streq(verb, "stop")) {
			r = runner_stop(&w, o->timeout_s);
			if (r >= 0)
				usb_records_detached(name, &o->wait);
		} else
			r = run_guest(&w, o);
	}
	watch_close(&w);
	return r;
}

/* The one place where what the runner returned becomes its exit status (runner.h). */
static int exit_status(int r)
{
	switch (r) {
	case RUNNER_DONE:
		return EXIT_OK;
	case RUNNER_FORCED:
		return EXIT_FORCED;
	case RUNNER_CRASHED:
		return EXIT_CRASHED;
	case RUNNER_DESTROYED:
		return EXIT_DESTROYED;
	case -EINVAL:
		return EXIT_USAGE;
	case -ENOENT:
	case -EPERM:
	case -ENOLCK:
		return EXIT_PROBLEM;
	default:
		return EXIT_ERROR;
	}
}

int guest_main(int argc, char **argv)
{
	struct guest_opts o = {.uri = DEFAULT_URI};
	const char *verb = NULL, *name = NULL;
	int r;

	r = parse_args(argc, argv, &o, &verb, &name);
	if (r == 0)
		r = read_settings(&o, name);
	if (r == 0)
		r = run_verb(&o, verb, name);
	else if (r > 0) /* --help */
		r = RUNNER_DONE;
	free(o.bridge);
	vb_guest_wait_free(&o.wait);
	return exit_status(r);
}
