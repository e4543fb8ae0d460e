// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot-binder: runs in the initramfs before udev coldplug and moves the configured PCI
 * devices to vfio-pci before any host driver can take them. Whatever happens, it exits 0 in
 * bounded time: boot must go on.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>

#include "cmdline.h"
#include "config.h"
#include "contract.h"
#include "engine.h"
#include "late.h"
#include "log.h"
#include "logsink.h"
#include "modules.h"
#include "record.h"
#include "run-record.h"
#include "sysroot.h"
#include "util.h"

#ifndef VERSION
#define VERSION "0.1"
#endif

#define WATCHDOG_SLACK_SEC 10
/*
 * An event's run: the lock's wait, the VFs' wait and the claims, well inside udev's own limit
 * for a RUN program (3 minutes): udev must get its worker back.
 */
#define EVENT_DEADLINE_SEC 30

/* vfio-boot-binder(8), EXIT STATUS: boot goes on whatever happened, so only usage fails. */
enum binder_exit {
	BINDER_EXIT_OK = 0,
	BINDER_EXIT_USAGE = 2,
};

static int deadline_fd = -1; /* the child tells the supervisor its time limit here */

static void watchdog(int sig _unused_)
{
	static const char msg[] =
		"<3>vfio-boot: watchdog: still running after its time limit (a sysfs write or module load hangs?); exiting so that boot goes on\n";

	vb_logsink_raw(msg);
	_exit(BINDER_EXIT_OK);
}

/* Both the child's alarm and the supervisor enforce this; the child says when it knows wait. */
static void set_deadline(unsigned sec)
{
	uint32_t v = sec;

	alarm(sec);
	if (deadline_fd >= 0 && write(deadline_fd, &v, sizeof(v)) != sizeof(v))
		log_debug("telling the supervisor the deadline: %m");
}

/*
 * A process stuck in an uninterruptible sysfs write never sees its alarm. So the work runs in
 * a child, and the parent, which only polls a pipe, gives up on it at the deadline and lets
 * boot go on.
 */
static int supervise(pid_t pid, int fd)
{
	char msg[256];
	int status;
	uint64_t start = vb_now_usec();
	uint64_t deadline = start + (VB_WAIT_MAX_USEC / 1000000 + WATCHDOG_SLACK_SEC) * 1000000;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	uint32_t sec;

	for (;;) {
		uint64_t now = vb_now_usec();
		ssize_t n;
		int r;

		if (now >= deadline)
			break;
		r = poll(&p, 1, (deadline - now) / 1000 + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n = read(fd, &sec, sizeof(sec));
		if (n == sizeof(sec)) {
			deadline = start + (uint64_t)sec * 1000000;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		/* EOF: the child is done or dead; either way it is not stuck. */
		while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
			;
		if (r < 0 || !WIFSIGNALED(status))
			/* Non-zero only from a sanitizer's exit check: tests must see it. */
			return r < 0 || !WIFEXITED(status) ? BINDER_EXIT_OK : WEXITSTATUS(status);
		snprintf(
			msg, sizeof(msg),
			"<2>vfio-boot: the binder crashed (signal %d): please report it; boot goes on, devices not yet handled stay with their host drivers\n",
			WTERMSIG(status));
		vb_logsink_raw(msg);
		return BINDER_EXIT_OK;
	}
	kill(pid, SIGKILL);
	vb_logsink_raw(
		"<3>vfio-boot: watchdog: the binder hangs (a sysfs write or module load that does not return?); leaving it behind so that boot goes on\n");
	return BINDER_EXIT_OK;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vfio-boot-binder [OPTIONS]\n"
		"\n"
		"Claim the PCI devices selected in /etc/vfio-boot/vfio-boot.conf for vfio-pci.\n"
		"Run from the initramfs before udev coldplug; always exits 0.\n"
		"\n"
		"Options:\n"
		"  -r, --root DIR     resolve /sys, /proc, /etc, /run, /dev below DIR\n"
		"  -c, --config FILE  read FILE only, instead of the config and its conf.d\n"
		"  -n, --dry-run      print the plan and the writes it would make; change nothing\n"
		"      --load-modules with --root, load the vfio modules all the same (into the\n"
		"                     running kernel: only for a kernel double that acts on DIR)\n"
		"      --event=add|bind --device=ADDRESS\n"
		"                     after boot, from the udev rule: claim the device appeared or\n"
		"                     bound at ADDRESS for a hotplug or vfs section, make a PF's VFs\n"
		"  -v, --verbose      log debug messages, and copy them to standard error\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n"
		"\n"
		"See vfio-boot-binder(8) and vfio-boot.conf(5).\n");
}

struct options {
	const char *root, *config;
	const char *event, *device; /* --event: after boot, for the udev rule */
	bool dry_run, verbose, load_modules;
};

/* Returns 1 to go on, 0 to exit successfully, negative on a usage error. */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"root", required_argument, NULL, 'r'},	  {"config", required_argument, NULL, 'c'},
		{"dry-run", no_argument, NULL, 'n'},	  {"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},	  {"version", no_argument, NULL, 'V'},
		{"load-modules", no_argument, NULL, 'L'}, {"event", required_argument, NULL, 'E'},
		{"device", required_argument, NULL, 'D'}, {},
	};
	struct vb_pci_addr a;
	int c;

	while ((c = getopt_long(argc, argv, "r:c:nvhV", longopts, NULL)) >= 0) {
		switch (c) {
		case 'r':
			o->root = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vfio-boot-binder %s\n", VERSION);
			return 0;
		case 'L':
			o->load_modules = true;
			break;
		case 'E':
			o->event = optarg;
			break;
		case 'D':
			o->device = optarg;
			break;
		default:
			fprintf(stderr, "Try 'vfio-boot-binder --help' for more information.\n");
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vfio-boot-binder: unexpected argument \"%s\"\n", argv[optind]);
		return -EINVAL;
	}
	if (o->event && vb_late_action_from_string(o->event) < 0) {
		fprintf(stderr, "vfio-boot-binder: --event must be add or bind, not \"%s\"\n",
			o->event);
		return -EINVAL;
	}
	if (!o->event != !o->device) {
		fprintf(stderr, "vfio-boot-binder: --event and --device go together\n");
		return -EINVAL;
	}
	if (o->device && vb_pci_addr_parse(o->device, &a) < 0) {
		fprintf(stderr, "vfio-boot-binder: --device needs a PCI address, not \"%s\"\n",
			o->device);
		return -EINVAL;
	}
	return 1;
}

/* The watchdog's time limit follows the config's wait; errors are said once, here. */
static void config_loaded(const struct vb_run *run, void *userdata _unused_)
{
	set_deadline(run->cfg.wait_usec / 1000000 + WATCHDOG_SLACK_SEC);
	if (run->cfg.n_errors)
		log_err(0,
			"%u error%s in the config: the sections with errors are skipped, the rest applies",
			run->cfg.n_errors, run->cfg.n_errors == 1 ? "" : "s");
}

static enum vb_run_state run_binder(struct vb_run *run)
{
	enum vb_run_state state = vb_run_prepare(run);

	switch (state) {
	case VB_STATE_OFF:
		log_notice("vfio_boot=off on the kernel command line: claiming nothing");
		return state;
	case VB_STATE_NO_CONFIG:
		log_info("no %s: nothing to claim", run->config ? run->config : VB_CONFIG_FILE);
		return state;
	case VB_STATE_CONFIG_REFUSED:
		/* A config refused for its owner or mode has said why already. */
		if (run->error != -EPERM)
			log_err(run->error, "reading the config: %m; claiming nothing");
		return state;
	case VB_STATE_ERROR:
		log_err(run->error, "%s: %m; claiming nothing", run->failed_at);
		return state;
	default:
		return vb_run_claim(run);
	}
}

/*
 * Returns -1 in the process that goes on with the work, or the exit code of the supervisor
 * once the work is done (or given up).
 */
static int start_supervisor(void)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		log_warn(-errno, "pipe: %m; running without a supervisor");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		log_warn(-errno, "fork: %m; running without a supervisor");
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid > 0) {
		close(fds[1]);
		return supervise(pid, fds[0]);
	}
	close(fds[0]);
	deadline_fd = fds[1];
	return -1;
}

/*
 * After boot, for one device: the udev rule's run. It never clears the boot's records and
 * writes no status: what it did is in the records of the sections and devices it touched.
 */
static int run_event(const struct options *opt)
{
	struct vb_run run = {
		.config = opt->config,
		.follow_debug = true,
		.dry_run = opt->dry_run,
		.records = !opt->dry_run,
		.out = stdout,
		.load_modules = modules_ensure,
		.load_on_tree = opt->load_modules,
	};
	int r;

	set_deadline(EVENT_DEADLINE_SEC);
	r = vb_late_event(&run, vb_late_action_from_string(opt->event), opt->device);
	if (r < 0 && r != -ETIMEDOUT)
		log_err(r, "%s of %s: %s%s%m; leaving it as it is", opt->event, opt->device,
			run.failed_at, run.failed_at[0] ? ": " : "");
	vb_run_free(&run);
	return BINDER_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct options opt = {0};
	struct vb_run run = {0};
	uint64_t start = vb_now_usec();
	enum vb_run_state state;
	char pending[32];
	int r;

	r = parse_args(argc, argv, &opt);
	if (r <= 0)
		return r < 0 ? BINDER_EXIT_USAGE : BINDER_EXIT_OK;
	r = vb_root_set(opt.root);
	if (r < 0) {
		fprintf(stderr, "vfio-boot-binder: --root needs an absolute path\n");
		return BINDER_EXIT_USAGE;
	}

	/* A dry run is read by whoever runs it; a real one by the boot's log. */
	if (opt.dry_run)
		vb_logsink_stderr("vfio-boot");
	else
		vb_logsink_kmsg("vfio-boot", false, opt.verbose);
	vb_log_set_max_level(opt.verbose ? LOG_DEBUG : LOG_INFO);

	if (!opt.dry_run && (r = start_supervisor()) >= 0)
		return r;
	signal(SIGALRM, watchdog);
	if (opt.event)
		return run_event(&opt);
	/* The config's wait is read later; until then allow for the longest one. */
	set_deadline(VB_WAIT_MAX_USEC / 1000000 + WATCHDOG_SLACK_SEC);

	log_info("vfio-boot-binder %s starting", VERSION);
	if (!opt.dry_run) {
		r = vb_record_reset();
		if (r < 0)
			log_err(r,
				"removing the previous boot's records in %s: %m; what is left there may be taken for this boot's",
				VB_RUN_DIR);
	}
	run = (struct vb_run){
		.config = opt.config,
		.follow_debug = true,
		.wait = true,
		.dry_run = opt.dry_run,
		.records = !opt.dry_run,
		.out = stdout,
		.load_modules = modules_ensure,
		.load_on_tree = opt.load_modules,
		.config_loaded = config_loaded,
	};
	state = run_binder(&run);
	vb_run_record_status(&run, state);
	/* ", N pending" only when there are: what parses the line knows it without. */
	snprintf(pending, sizeof(pending), ", %u pending", run.pending);
	log_info("done in %llu ms: %u claimed, %u failed, %u section%s refused%s (%s)",
		 (unsigned long long)(vb_now_usec() - start) / 1000, run.claimed, run.failed,
		 run.refused, run.refused == 1 ? "" : "s", run.pending ? pending : "",
		 vb_run_state_to_string(state));
	vb_run_free(&run);
	return BINDER_EXIT_OK;
}
