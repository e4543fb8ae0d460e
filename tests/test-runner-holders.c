// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guest runner and the processes holding its devices: a group file or a device's own VFIO
 * file held by a real process (tests/holder-test.h) refuses the start, naming the process;
 * what vfio-boot check says of a device besides (a DRM node held, processes that cannot be
 * read) is logged as a warning and the guest starts. The real (sanitized) vfio-boot against
 * libvirt's test driver and a fake host tree, as in test-runner-refuse.c.
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
#include "holder-test.h"
#include "runner/runner-fixture.h"
#include "runner/runner-cli.h"

/* A stale QEMU holds group 2: start and run refuse, naming it; once it is gone, it starts. */
static void test_refuse_group_held(void **state)
{
	struct fx *fx = *state;
	struct result r;
	char text[512];
	pid_t pid;

	rf_claim_gpu1(fx);
	pid = ht_hold(fx, "dev/vfio/2", "qemu-system-x86");
	r = run_cli(fx, NULL, "start", "gpu-only", NULL);
	expect_status(&r, 2);
	snprintf(text, sizeof(text),
		 "guest gpu-only: PCI device " RF_GPU1 " (hostdev): /dev/vfio/2 is held by PID %d "
		 "(qemu-system-x86): another guest or a stale QEMU has the device, and QEMU would "
		 "fail with \"Device or resource busy\". Shut that guest down (virsh list shows "
		 "which), or, if no guest should have it, stop that process: kill %d",
		 (int)pid, (int)pid);
	expect_err(&r, text);
	expect_err(&r, "guest gpu-only: not started: 1 problem above");
	/* The refusal says it once: the holders line of vfio-boot check is not repeated. */
	expect_no_err(&r, "device " RF_GPU1 ": holders:");
	result_free(&r);

	r = run_cli(fx, NULL, "run", "gpu-only", NULL);
	expect_status(&r, 2);
	expect_err(&r, text);
	result_free(&r);

	ht_release(fx, pid);
	r = run_cli(fx, NULL, "start", "gpu-only", NULL);
	expect_status(&r, 0);
	expect_err(&r, "guest gpu-only started");
	expect_no_err(&r, "held");
	result_free(&r);
}

/* With iommufd, the device's own file: the same. */
static void test_refuse_cdev_held(void **state)
{
	struct fx *fx = *state;
	struct result r;
	char text[256];
	pid_t pid;

	rf_claim_gpu1(fx);
	fx_write(fx, "sys/bus/pci/devices/" RF_GPU1 "/vfio-dev/vfio3/dev", "511:3\n", 0644);
	pid = ht_hold(fx, "dev/vfio/devices/vfio3", "qemu-system-x86");
	r = run_cli(fx, NULL, "start", "gpu-only", NULL);
	expect_status(&r, 2);
	snprintf(text, sizeof(text),
		 "guest gpu-only: PCI device " RF_GPU1 " (hostdev): /dev/vfio/devices/vfio3 is "
		 "held by PID %d (qemu-system-x86)",
		 (int)pid);
	expect_err(&r, text);
	result_free(&r);
	ht_release(fx, pid);
}

/*
 * What vfio-boot check warns of is logged, with its fix, and does not keep the guest from
 * starting: processes whose files cannot be read, a DRM node the host holds.
 */
static void test_warnings_not_fatal(void **state)
{
	struct fx *fx = *state;
	struct result r;
	char text[512];
	pid_t pid;

	rf_claim_gpu1(fx);
	fx_write(fx, "proc/999/fd", "not a directory\n", 0644);
	r = run_cli(fx, NULL, "start", "gpu-only", NULL);
	expect_status(&r, 0);
	expect_err(&r, "guest gpu-only: device " RF_GPU1 ": holders: the open files of 1 process "
		       "could not be read: cannot tell whether they hold /dev/vfio/2; fix: run "
		       "vfio-boot check as root");
	expect_err(&r, "guest gpu-only started");
	result_free(&r);

	fx_write(fx, "sys/bus/pci/devices/" RF_GPU1 "/drm/card1/dev", "226:1\n", 0644);
	pid = ht_hold(fx, "dev/dri/card1", "Xorg");
	r = run_cli(fx, NULL, "start", "gpu-only", NULL);
	expect_status(&r, 0);
	snprintf(text, sizeof(text),
		 "guest gpu-only: device " RF_GPU1 ": holders: /dev/dri/card1 held by PID %d "
		 "(Xorg): the host uses this device; vfio-boot can neither take it nor hand it "
		 "back cleanly while they run; fix: stop them first (the display manager: "
		 "systemctl stop display-manager; others: kill %d)",
		 (int)pid, (int)pid);
	expect_err(&r, text);
	result_free(&r);
	ht_release(fx, pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refuse_group_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_cdev_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_warnings_not_fatal, setup, teardown),
	};

	if (runner_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
