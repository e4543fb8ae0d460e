// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot guest start: usage and exit statuses, the start lock, bridges and their
 * libvirt networks, errors in the guest's section, a start of a running guest. The real
 * (sanitized) executable against libvirt's test driver and a fake host tree (--root).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "runner/runner-fixture.h"
#include "runner/runner-cli.h"

static void test_usage(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(cli_status((const char *[]){NULL}, &out), 1);
	assert_non_null(strstr(out, "Usage: vfio-boot [--root DIR] [--config FILE] COMMAND"));
	free(out);
	assert_int_equal(cli_status((const char *[]){"frob", NULL}, &out), 1);
	assert_non_null(strstr(out, "unknown command \"frob\""));
	free(out);
	assert_int_equal(cli_status((const char *[]){"guest", "start", NULL}, &out), 1);
	free(out);
	assert_int_equal(cli_status((const char *[]){"guest", "reboot", "x", NULL}, &out), 1);
	assert_non_null(strstr(out, "expected start, stop or run"));
	free(out);
	assert_int_equal(
		cli_status((const char *[]){"guest", "stop", "--timeout", "soon", "x", NULL}, &out),
		1);
	assert_non_null(strstr(out, "--timeout soon"));
	free(out);
	assert_int_equal(cli_status((const char *[]){"guest", "--help", NULL}, &out), 0);
	assert_non_null(strstr(out, "Exit status: 0 ok"));
	free(out);
	assert_int_equal(cli_status((const char *[]){"--help", NULL}, &out), 0);
	assert_non_null(strstr(out, "guest"));
	free(out);
}

static void test_start(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 0);
	expect_err(&r, "guest gpu started");
	expect_no_err(&r, "kernel name"); /* named by id */
	result_free(&r);
}

/*
 * Checking the disks and starting the guest is one step across runners: while another runner
 * holds the start lock, this one waits, and starts once it is let go. (The test driver's
 * domains live in each process, so two runners cannot see each other's guests here: what is
 * shown is that the second one's check waits for the first one's step to end.)
 */
static void test_start_waits_for_lock(void **state)
{
	struct fx *fx = *state;
	char *lock = fx_path(fx, "run/vfio-boot/guest-start.lock");
	int ready[2], fd;
	struct result r;
	pid_t holder;
	char c;

	rf_mkdir(fx, "run/vfio-boot");
	assert_int_equal(pipe(ready), 0);
	fflush(NULL);
	holder = fork();
	assert_true(holder >= 0);
	if (holder == 0) {
		fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0 || flock(fd, LOCK_EX) < 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		usleep(1500 * 1000);
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	r = run_cli(fx, NULL, "start", "disks", NULL);
	waitpid(holder, NULL, 0);
	expect_status(&r, 0);
	expect_err(&r,
		   "guest disks: waiting for another guest runner to check and start its guest");
	expect_err(&r, "guest disks started");
	if (r.seconds < 1.0)
		fail_msg("started after %.2f s, while the lock was held for 1.5 s", r.seconds);
	result_free(&r);
	free(lock);
}

/* A link planted where the lock file goes is refused, not followed. */
static void test_start_lock_link_refused(void **state)
{
	struct fx *fx = *state;
	char *target = fx_path(fx, "planted-target");
	struct result r;

	rf_mkdir(fx, "run/vfio-boot");
	rf_symlink(fx, "run/vfio-boot/guest-start.lock", target);
	r = run_cli(fx, NULL, "start", "disks", NULL);
	expect_status(&r, 2);
	expect_err(&r, "guest-start.lock, the lock that keeps two runners from checking and "
		       "starting guests at once");
	expect_err(&r, "no link: remove what is there");
	expect_no_err(&r, "guest disks started");
	assert_int_equal(access(target, F_OK), -1);
	result_free(&r);
	free(target);
}

static void test_bridge(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "start", "bridged", NULL);

	expect_status(&r, 2);
	expect_err(&r, "bridge br0 does not exist");
	expect_err(&r, "vfio-boot-bridge@br0.service");
	result_free(&r);

	rf_bridge(fx, "br0");
	r = run_cli(fx, NULL, "start", "bridged", NULL);
	expect_status(&r, 0);
	result_free(&r);
}

/* [guest] bridge = br0: the libvirt network br0 is defined and started before the guest. */
static void test_bridge_network_from_config(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	fx_write(fx, "etc/vfio-boot/vfio-boot.conf",
		 "[bridge br0]\nuplink = eth0\n\n[guest gpu]\nbridge = br0\n", 0644);
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 2); /* the bridge itself is not up */
	expect_err(&r, "bridge br0 does not exist");
	result_free(&r);

	rf_bridge(fx, "br0");
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 0);
	expect_err(&r,
		   "guest gpu: defined libvirt network br0 (forward mode bridge, on bridge br0)");
	expect_err(&r, "guest gpu: started libvirt network br0");
	/* gpu has no interface at all: it runs, but the user is told it is not on br0 */
	expect_err(&r, "guest gpu: bridge = br0, but no interface of the domain is on it: give it "
		       "<interface type='network'><source network='br0'/></interface>");
	result_free(&r);

	/* On the network br0, or on the bridge br0 itself: nothing to say. */
	fx_write(fx, "etc/vfio-boot/vfio-boot.conf",
		 "[bridge br0]\nuplink = eth0\n\n[guest networked]\nbridge = br0\n\n"
		 "[guest bridged]\nbridge = br0\n",
		 0644);
	r = run_cli(fx, NULL, "start", "networked", NULL);
	expect_status(&r, 0);
	expect_no_err(&r, "no interface of the domain");
	result_free(&r);
	r = run_cli(fx, NULL, "start", "bridged", NULL);
	expect_status(&r, 0);
	expect_no_err(&r, "no interface of the domain");
	result_free(&r);

	/* The command line wins. */
	rf_bridge(fx, "br1");
	r = run_cli(fx, NULL, "start", "gpu", "--bridge", "br1", NULL);
	expect_status(&r, 0);
	expect_err(&r, "defined libvirt network br1");
	result_free(&r);
	r = run_cli(fx, NULL, "start", "gpu", "--bridge", "../x", NULL);
	expect_status(&r, 1);
	result_free(&r);
	/* The config's interface-name rule: a number is read as an ifindex by ip(8). */
	r = run_cli(fx, NULL, "start", "gpu", "--bridge", "100", NULL);
	expect_status(&r, 1);
	expect_err(&r, "--bridge 100: expected an interface name");
	result_free(&r);
}

/*
 * A [guest] section that cannot be used is a usage error (1), whatever the errno under it: a
 * missing --config file (ENOENT) must not pass for "no such domain" (2), nor a bad duration
 * for a libvirt failure (3).
 */
static void test_guest_section_errors_are_usage(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	r = run_cli(fx, NULL, "start", "gpu", "--config", "/nonexistent/vfio-boot.conf", NULL);
	expect_status(&r, 1);
	expect_err(&r, "guest gpu: cannot read its [guest] section");
	result_free(&r);

	fx_write(fx, "etc/vfio-boot/vfio-boot.conf", "[guest gpu]\nshutdown-timeout = soon\n",
		 0644);
	r = run_cli(fx, NULL, "stop", "gpu", NULL);
	expect_status(&r, 1);
	expect_err(&r, "shutdown-timeout = \"soon\": not a duration");
	result_free(&r);

	r = run_cli(fx, NULL, "start", "", NULL);
	expect_status(&r, 1);
	expect_err(&r, "the domain name is empty");
	result_free(&r);
}

static const char pending_config[] = "[device vf]\n"
				     "match = id=1234:1111 boot_vga=0\n"
				     "\n"
				     "[guest gpu]\n"
				     "devices = vf\n"
				     "device-wait = %s\n";

static void pending_record(struct fx *fx, const char *status)
{
	char text[256];

	snprintf(text, sizeof(text),
		 "name=vf\nstatus=%s\nreason=the PF 0000:03:00.0 has no driver yet: its VFs are "
		 "made once it binds\ndevices=\n",
		 status);
	fx_write(fx, "run/vfio-boot/sections/vf", text, 0644);
}

/*
 * A guest whose [device] section is pending (its VFs come after boot) waits for it, says once
 * what it waits for, and starts as soon as the record says claimed.
 */
static void test_start_waits_for_pending_section(void **state)
{
	struct fx *fx = *state;
	struct result r;
	char conf[256];
	pid_t pid;

	rf_claim_gpu1(fx);
	snprintf(conf, sizeof(conf), pending_config, "20s");
	fx_write(fx, "etc/vfio-boot/vfio-boot.conf", conf, 0644);
	pending_record(fx, "pending");
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		usleep(700000);
		pending_record(fx, "claimed");
		_exit(0);
	}
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	waitpid(pid, NULL, 0);
	expect_status(&r, 0);
	expect_err(&r, "guest gpu: waiting up to 20 s (device-wait) for [device vf], pending: the "
		       "PF 0000:03:00.0 has no driver yet");
	expect_err(&r, "guest gpu started");
	/* Said once, not at every poll. */
	assert_int_equal(strstr(strstr(r.err, "waiting up to") + 1, "waiting up to"), NULL);
	if (r.seconds < 0.6 || r.seconds > 15)
		fail_msg("started after %.2f s; the record changed after 0.7 s", r.seconds);
	result_free(&r);
}

/* Still pending when device-wait is over: refused (2), naming the section and its status. */
static void test_start_pending_section_times_out(void **state)
{
	struct fx *fx = *state;
	struct result r;
	char conf[256];

	rf_claim_gpu1(fx);
	snprintf(conf, sizeof(conf), pending_config, "1s");
	fx_write(fx, "etc/vfio-boot/vfio-boot.conf", conf, 0644);
	pending_record(fx, "pending");
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 2);
	expect_err(&r, "guest gpu: [device vf] is still pending after 1 s (device-wait)");
	expect_no_err(&r, "guest gpu started");
	if (r.seconds < 0.9)
		fail_msg("gave up after %.2f s, before device-wait = 1s", r.seconds);
	result_free(&r);
	/* A section that is not pending is not waited for. */
	pending_record(fx, "claimed");
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 0);
	expect_no_err(&r, "waiting up to");
	result_free(&r);
}

/* start on a running guest does nothing, and does not even look at its devices. */
static void test_start_idempotent(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "start", "running", NULL);

	expect_status(&r, 0);
	expect_err(&r, "guest running is already running; nothing to start");
	expect_no_err(&r, "bochs-drm");
	result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usage),
		cmocka_unit_test_setup_teardown(test_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_waits_for_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_lock_link_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bridge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bridge_network_from_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_section_errors_are_usage, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_start_waits_for_pending_section, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_start_pending_section_times_out, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_start_idempotent, setup, teardown),
	};

	if (runner_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
