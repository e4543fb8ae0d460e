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

#include "claim.h"
#include "cmdline.h"
#include "config.h"
#include "contract.h"
#include "log.h"
#include "modules.h"
#include "pci.h"
#include "plan.h"
#include "record.h"
#include "sysroot.h"
#include "util.h"

#ifndef VERSION
#define VERSION "0.1"
#endif

#define WATCHDOG_SLACK_SEC 10
#define RESCAN_USEC	   100000

#define KMSG_LINES_PER_OPEN 8

static int kmsg_fd = -1;
static unsigned kmsg_lines;
static int deadline_fd = -1; /* the child tells the supervisor its time limit here */
static bool mirror_stderr;

static void sink(void *userdata _unused_, int level, const char *msg)
{
	char buf[1100];
	int n;

	n = snprintf(buf, sizeof(buf), "<%d>vfio-boot: %s\n", level, msg);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	/*
	 * The kernel lets each open of /dev/kmsg write 10 lines per 5 s and silently drops the
	 * rest (unless printk.devkmsg=on); a fresh open every few lines keeps every message.
	 */
	if (kmsg_fd >= 0 && ++kmsg_lines > KMSG_LINES_PER_OPEN) {
		int fd = vb_open_kmsg();
		if (fd >= 0) {
			dup3(fd, kmsg_fd, O_CLOEXEC);
			close(fd);
		}
		kmsg_lines = 1;
	}
	if (kmsg_fd >= 0 && write(kmsg_fd, buf, n) == n && !mirror_stderr)
		return;
	fprintf(stderr, "vfio-boot: %s\n", msg);
}

static void watchdog(int sig _unused_)
{
	static const char msg[] =
		"<3>vfio-boot: watchdog: still running after its time limit (a sysfs write or module load hangs?); exiting so that boot goes on\n";

	if (kmsg_fd >= 0)
		(void)!write(kmsg_fd, msg, sizeof(msg) - 1);
	_exit(0);
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void kmsg_raw(const char *msg)
{
	if (kmsg_fd < 0 || write(kmsg_fd, msg, strlen(msg)) < 0)
		fputs(msg + 3, stderr);
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
	uint64_t start = now_usec();
	uint64_t deadline = start + (VB_WAIT_MAX_USEC / 1000000 + WATCHDOG_SLACK_SEC) * 1000000;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	uint32_t sec;

	for (;;) {
		uint64_t now = now_usec();
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
			return r < 0 || !WIFEXITED(status) ? 0 : WEXITSTATUS(status);
		snprintf(
			msg, sizeof(msg),
			"<2>vfio-boot: the binder crashed (signal %d): please report it; boot goes on, devices not yet handled stay with their host drivers\n",
			WTERMSIG(status));
		kmsg_raw(msg);
		return 0;
	}
	kill(pid, SIGKILL);
	kmsg_raw(
		"<3>vfio-boot: watchdog: the binder hangs (a sysfs write or module load that does not return?); leaving it behind so that boot goes on\n");
	return 0;
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
		"  -v, --verbose      log debug messages, and copy them to standard error\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n"
		"\n"
		"See vfio-boot-binder(8) and vfio-boot.conf(5).\n");
}

struct options {
	const char *root, *config;
	bool dry_run, verbose;
};

/* Returns 1 to go on, 0 to exit successfully, negative on a usage error. */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"root", required_argument, NULL, 'r'},
		{"config", required_argument, NULL, 'c'},
		{"dry-run", no_argument, NULL, 'n'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{},
	};
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
		default:
			fprintf(stderr, "Try 'vfio-boot-binder --help' for more information.\n");
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vfio-boot-binder: unexpected argument \"%s\"\n", argv[optind]);
		return -EINVAL;
	}
	return 1;
}

struct run {
	struct options opt;
	struct vb_cmdline cmd;
	struct vb_config cfg;
	bool have_cfg;
	struct vb_pci pci;
	struct vb_plan plan;
	unsigned claimed, failed, refused;
};

static void record_status(const struct run *run, enum vb_run_state state)
{
	struct vb_record rec = {0};
	int r;

	if (run->opt.dry_run)
		return;
	vb_record_add(&rec, VB_KEY_VERSION, "1");
	vb_record_add(&rec, VB_KEY_STATE, "%s", vb_run_state_to_string(state));
	vb_record_add(&rec, VB_KEY_CLAIMED, "%u", run->claimed);
	vb_record_add(&rec, VB_KEY_FAILED, "%u", run->failed);
	vb_record_add(&rec, VB_KEY_SECTIONS, "%zu", run->plan.n_sections);
	vb_record_add(&rec, VB_KEY_REFUSED, "%u", run->refused);
	vb_record_add(&rec, VB_KEY_CONFIG_ERRORS, "%u", run->cfg.n_errors);
	r = vb_record_write(&rec, NULL, VB_RECORD_STATUS);
	if (r < 0)
		log_err(r, "writing %s/status: %m", VB_RUN_DIR);
}

/* Sections the config parser threw out still get a record, so `status` can say why. */
static void record_invalid_sections(const struct run *run)
{
	for (size_t i = 0; i < run->cfg.n_sections; i++) {
		const struct vb_section *s = &run->cfg.sections[i];
		struct vb_record rec = {0};
		int r;

		if (s->type != VB_SEC_DEVICE || !s->bad)
			continue;
		vb_record_add(&rec, VB_KEY_NAME, "%s", s->name);
		vb_record_add(&rec, VB_KEY_SOURCE, "%s:%u", s->file, s->line);
		vb_record_add(&rec, VB_KEY_STATUS, "%s",
			      vb_section_status_to_string(VB_SECTION_INVALID));
		vb_record_add(&rec, VB_KEY_REASON,
			      "the section has errors (see the kernel log); it was skipped");
		vb_record_add(&rec, VB_KEY_DEVICES, "%s", "");
		r = vb_record_write(&rec, VB_RECORD_SECTIONS, s->name);
		if (r < 0)
			log_err(r, "writing %s/sections/%s: %m", VB_RUN_DIR, s->name);
	}
}

static void log_section(const struct vb_plan_section *s)
{
	char src[300];
	int level;

	vb_plan_section_source(s, src, sizeof(src));
	switch (s->status) {
	case VB_PLAN_OK:
	case VB_PLAN_NONE:
		level = LOG_INFO;
		break;
	default:
		level = LOG_ERR;
		break;
	}
	vb_log_full(level, 0, "[device %s] %s: %s", s->name, src, s->why);
	for (size_t i = 0; i < s->n_details; i++)
		vb_log_full(level, 0, "[device %s]   %s", s->name, s->details[i]);
}

static void print_section(const struct run *run, const struct vb_plan_section *s)
{
	char src[300], desc[160];

	vb_plan_section_source(s, src, sizeof(src));
	printf("[device %s] %s: %s: %s\n", s->name, src, vb_section_status_to_string(s->status),
	       s->why);
	for (size_t i = 0; i < s->n_details; i++)
		printf("  seen: %s\n", s->details[i]);
	for (size_t i = 0; i < s->n_devs && s->status == VB_PLAN_OK; i++) {
		vb_pci_describe(&run->pci.devs[s->devs[i].dev], desc, sizeof(desc));
		printf("  claim %s (%s)\n", desc, s->devs[i].reason);
	}
}

static int scan_and_plan(struct run *run)
{
	int r;

	vb_plan_free(&run->plan);
	vb_pci_free(&run->pci);
	r = vb_pci_scan(&run->pci);
	if (r < 0)
		return log_err(r, "reading %s/sys/bus/pci/devices: %m; claiming nothing",
			       vb_root());
	r = vb_plan_build(&run->plan, run->have_cfg ? &run->cfg : NULL, &run->cmd, &run->pci);
	if (r < 0)
		return log_err(r, "planning: %m; claiming nothing");
	return 0;
}

/* Thunderbolt and slow buses show up late: rescan until they do or the wait is over. */
static int plan_with_wait(struct run *run)
{
	uint64_t deadline = now_usec() + run->cfg.wait_usec;
	int r;

	for (;;) {
		r = scan_and_plan(run);
		if (r < 0)
			return r;
		if (!vb_plan_waiting(&run->plan) || now_usec() >= deadline)
			return 0;
		log_debug("devices missing, rescanning");
		usleep(RESCAN_USEC);
	}
}

static void record_device(const struct vb_plan_section *s, const struct vb_plan_dev *pd,
			  const struct vb_pci_dev *d, const struct claim_result *res)
{
	struct vb_record rec = {0};
	int r;

	vb_record_add(&rec, VB_KEY_ADDRESS, "%s", d->addr);
	vb_record_add(&rec, VB_KEY_ID, "%04x:%04x", d->vendor, d->device);
	vb_record_add(&rec, VB_KEY_SUBSYSTEM, "%04x:%04x", d->sub_vendor, d->sub_device);
	vb_record_add(&rec, VB_KEY_CLASS, "0x%06x", d->class_code);
	vb_record_add(&rec, VB_KEY_SECTION, "%s", s->name);
	vb_record_add(&rec, VB_KEY_REASON, "%s", pd->reason);
	vb_record_add(&rec, VB_KEY_OUTCOME, "%s", vb_device_outcome_to_string(res->outcome));
	vb_record_add(&rec, VB_KEY_DRIVER_BEFORE, "%s", strna(res->driver_before));
	vb_record_add(&rec, VB_KEY_DRIVER, "%s", strna(res->driver_after));
	if (res->outcome == VB_OUTCOME_FAILED)
		vb_record_add(&rec, VB_KEY_ERROR, "%s", res->error);
	r = vb_record_write(&rec, VB_RECORD_DEVICES, d->addr);
	if (r < 0)
		log_err(r, "writing %s/devices/%s: %m", VB_RUN_DIR, d->addr);
}

static void record_section(const struct vb_plan_section *s, const struct vb_pci *pci,
			   enum vb_section_status status, const char *reason)
{
	struct vb_record rec = {0};
	char src[300], devs[1024] = "";
	size_t n = 0;
	int r;

	vb_plan_section_source(s, src, sizeof(src));
	for (size_t i = 0; i < s->n_devs && n < sizeof(devs); i++)
		n += snprintf(devs + n, sizeof(devs) - n, "%s%s", n ? " " : "",
			      pci->devs[s->devs[i].dev].addr);
	vb_record_add(&rec, VB_KEY_NAME, "%s", s->name);
	vb_record_add(&rec, VB_KEY_SOURCE, "%s", src);
	vb_record_add(&rec, VB_KEY_STATUS, "%s", vb_section_status_to_string(status));
	vb_record_add(&rec, VB_KEY_REASON, "%s", reason);
	vb_record_add(&rec, VB_KEY_DEVICES, "%s", devs);
	r = vb_record_write(&rec, VB_RECORD_SECTIONS, s->name);
	if (r < 0)
		log_err(r, "writing %s/sections/%s: %m", VB_RUN_DIR, s->name);
}

static bool seen_before(const struct vb_plan *plan, size_t sec, size_t dev)
{
	for (size_t i = 0; i < sec; i++)
		if (plan->sections[i].status == VB_PLAN_OK)
			for (size_t j = 0; j < plan->sections[i].n_devs; j++)
				if (plan->sections[i].devs[j].dev == dev)
					return true;
	return false;
}

static void claim_section(struct run *run, const struct vb_plan_section *s)
{
	unsigned ok = 0, bad = 0;
	char reason[512];

	for (size_t i = 0; i < s->n_devs; i++) {
		const struct vb_plan_dev *pd = &s->devs[i];
		const struct vb_pci_dev *d = &run->pci.devs[pd->dev];
		struct claim_result res;

		if (seen_before(&run->plan, s - run->plan.sections, pd->dev)) {
			ok++;
			continue;
		}
		if (run->opt.dry_run) {
			char desc[160];
			vb_pci_describe(d, desc, sizeof(desc));
			printf("  %s (%s):\n", desc, pd->reason);
		}
		(void)claim_device(d, run->opt.dry_run, &res);
		if (res.outcome == VB_OUTCOME_FAILED) {
			char src[300];
			vb_plan_section_source(s, src, sizeof(src));
			log_err(0, "[device %s] %s: %s [%04x:%04x] not claimed: %s", s->name, src,
				d->addr, d->vendor, d->device, res.error);
			bad++;
			run->failed++;
		} else {
			ok++;
			if (res.outcome != VB_OUTCOME_PLANNED)
				run->claimed++;
			if (res.outcome == VB_OUTCOME_CLAIMED)
				log_notice("[device %s] claimed %s [%04x:%04x] (%s), was %s",
					   s->name, d->addr, d->vendor, d->device, pd->reason,
					   strna(res.driver_before));
			else if (res.outcome == VB_OUTCOME_ALREADY)
				log_info("[device %s] %s is already on vfio-pci", s->name, d->addr);
		}
		if (!run->opt.dry_run)
			record_device(s, pd, d, &res);
		claim_result_done(&res);
	}
	if (run->opt.dry_run)
		return;
	snprintf(reason, sizeof(reason), "%u of %zu devices on vfio-pci", ok, s->n_devs);
	record_section(s, &run->pci,
		       bad == 0 ? VB_SECTION_CLAIMED
		       : ok	? VB_SECTION_PARTIAL
				: VB_SECTION_FAILED,
		       reason);
	if (bad && ok)
		log_err(0,
			"[device %s] only partly claimed: %u of %zu devices; the guest cannot use it as it is",
			s->name, ok, s->n_devs);
}

static void refuse_all(struct run *run, const char *why)
{
	for (size_t i = 0; i < run->plan.n_sections; i++) {
		const struct vb_plan_section *s = &run->plan.sections[i];
		if (s->status == VB_PLAN_OK) {
			run->refused++;
			if (!run->opt.dry_run)
				record_section(s, &run->pci, VB_SECTION_FAILED, why);
		}
	}
}

static enum vb_run_state run_binder(struct run *run)
{
	static const char *const modules[] = {"vfio_iommu_type1", "vfio_pci", NULL};
	bool any = false;
	int r;

	r = vb_cmdline_load(&run->cmd);
	if (r < 0)
		log_warn(r, "reading %s/proc/cmdline: %m; going on without it", vb_root());
	if (run->cmd.debug)
		vb_log_set_max_level(LOG_DEBUG);
	if (run->cmd.off) {
		log_notice("vfio_boot=off on the kernel command line: claiming nothing");
		return VB_STATE_OFF;
	}

	r = vb_config_load(&run->cfg, run->opt.config);
	if (r == -EPERM)
		return VB_STATE_CONFIG_REFUSED;
	if (r == -ENOENT && run->cmd.n_claims == 0) {
		log_info("no %s: nothing to claim",
			 run->opt.config ? run->opt.config : VB_CONFIG_FILE);
		return VB_STATE_NO_CONFIG;
	}
	if (r < 0 && r != -ENOENT) {
		log_err(r, "reading the config: %m; claiming nothing");
		return VB_STATE_CONFIG_REFUSED;
	}
	run->have_cfg = r == 0;
	set_deadline(run->cfg.wait_usec / 1000000 + WATCHDOG_SLACK_SEC);
	if (run->cfg.n_errors)
		log_err(0,
			"%u error%s in the config: the sections with errors are skipped, the rest applies",
			run->cfg.n_errors, run->cfg.n_errors == 1 ? "" : "s");
	if (!run->opt.dry_run)
		record_invalid_sections(run);

	if (plan_with_wait(run) < 0)
		return VB_STATE_ERROR;

	for (size_t i = 0; i < run->plan.n_sections; i++) {
		const struct vb_plan_section *s = &run->plan.sections[i];
		/* A dry run prints the plan; the log would only say it again. */
		if (run->opt.dry_run)
			print_section(run, s);
		else
			log_section(s);
		if (s->status == VB_PLAN_OK && s->n_devs)
			any = true;
		else if (s->status != VB_PLAN_OK) {
			if (s->status != VB_PLAN_NONE)
				run->refused++;
			if (!run->opt.dry_run)
				record_section(s, &run->pci, s->status, s->why);
		}
	}
	if (!any)
		return VB_STATE_DONE;

	r = modules_ensure(modules, run->opt.dry_run);
	if (r < 0 && !vb_exists("/sys/bus/pci/drivers/vfio-pci")) {
		log_err(r,
			"vfio-pci is not available: claiming nothing, the devices stay with their host drivers");
		refuse_all(run, "vfio-pci could not be loaded");
		return VB_STATE_NO_VFIO;
	}
	if (!run->opt.dry_run && !vb_exists("/sys/bus/pci/drivers/vfio-pci")) {
		log_err(-ENOENT,
			"module vfio_pci is there, but %s/sys/bus/pci/drivers/vfio-pci is not: claiming nothing",
			vb_root());
		refuse_all(run, "the vfio-pci driver is not registered");
		return VB_STATE_NO_VFIO;
	}

	for (size_t i = 0; i < run->plan.n_sections; i++) {
		const struct vb_plan_section *s = &run->plan.sections[i];
		if (s->status != VB_PLAN_OK || !s->n_devs)
			continue;
		if (run->opt.dry_run)
			printf("[device %s] writes:\n", s->name);
		claim_section(run, s);
	}
	return VB_STATE_DONE;
}

int main(int argc, char **argv)
{
	struct run run = {0};
	uint64_t start = now_usec();
	enum vb_run_state state;
	int r;

	r = parse_args(argc, argv, &run.opt);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	r = vb_root_set(run.opt.root);
	if (r < 0) {
		fprintf(stderr, "vfio-boot-binder: --root needs an absolute path\n");
		return 2;
	}

	if (!run.opt.dry_run)
		kmsg_fd = vb_open_kmsg();
	mirror_stderr = run.opt.verbose;
	vb_log_set_sink(sink, NULL);
	vb_log_set_max_level(run.opt.verbose ? LOG_DEBUG : LOG_INFO);

	if (!run.opt.dry_run) {
		int fds[2];
		pid_t pid;

		if (pipe2(fds, O_CLOEXEC) < 0)
			log_warn(-errno, "pipe: %m; running without a supervisor");
		else if ((pid = fork()) < 0) {
			log_warn(-errno, "fork: %m; running without a supervisor");
			close(fds[0]);
			close(fds[1]);
		} else if (pid > 0) {
			close(fds[1]);
			return supervise(pid, fds[0]);
		} else {
			close(fds[0]);
			deadline_fd = fds[1];
		}
	}
	/* The config's wait is read later; until then allow for the longest one. */
	signal(SIGALRM, watchdog);
	set_deadline(VB_WAIT_MAX_USEC / 1000000 + WATCHDOG_SLACK_SEC);

	log_info("vfio-boot-binder %s starting", VERSION);
	if (!run.opt.dry_run) {
		r = vb_record_reset();
		if (r < 0)
			log_err(r,
				"removing the previous boot's records in %s: %m; what is left there may be taken for this boot's",
				VB_RUN_DIR);
	}
	state = run_binder(&run);
	record_status(&run, state);
	log_info("done in %llu ms: %u claimed, %u failed, %u section%s refused (%s)",
		 (unsigned long long)(now_usec() - start) / 1000, run.claimed, run.failed,
		 run.refused, run.refused == 1 ? "" : "s", vb_run_state_to_string(state));

	vb_plan_free(&run.plan);
	vb_pci_free(&run.pci);
	vb_config_free(&run.cfg);
	vb_cmdline_free(&run.cmd);
	return 0;
}
