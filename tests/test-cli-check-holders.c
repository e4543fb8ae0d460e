// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot check's holders item on fake trees: real processes (tests/holder-test.h) holding
 * the group's file, the device's own VFIO file, its DRM and NVIDIA nodes; nothing held;
 * processes and attributes that cannot be read (a WARN, never a PASS); and the same lines
 * through --json and --prometheus, read by Python's json and prometheus_client's parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli-test.h"
#include "fixture.h"
#include "holder-test.h"

#define GPU   "0000:02:00.0"
#define AUDIO "0000:02:00.1"
#define CONF  "[device gpu]\nmatch = id=1234:1111 boot_vga=0\n"

static int setup(void **state)
{
	int r = cli_setup_q35(state);

	config(*state, CONF);
	return r;
}

/* A second QEMU holds group 2: a WARN naming it, with the kill to type; no PASS. */
static void test_group_held(void **state)
{
	struct fx *fx = *state;
	pid_t pid = ht_hold(fx, "dev/vfio/2", "qemu-system-x86");
	char line[256];
	struct out o = run(fx, "check", "gpu", NULL);

	expect_status(&o, 0);
	snprintf(line, sizeof(line),
		 "WARN " GPU
		 " [device gpu]: holders: /dev/vfio/2 held by PID %d (qemu-system-x86): "
		 "no other guest can start with this device\n",
		 (int)pid);
	expect_out(&o, line);
	snprintf(line, sizeof(line),
		 "fix: if no guest should be using it (a stale QEMU, a second guest), stop that "
		 "process: kill %d\n",
		 (int)pid);
	expect_out(&o, line);
	expect_no_out(&o, "PASS " GPU " [device gpu]: holders");
	out_free(&o);
	ht_release(fx, pid);

	/* Gone, and no process left in the tree's /proc: a capture, where nothing can be told. */
	o = run(fx, "check", "gpu", NULL);
	expect_out(&o, "WARN " GPU " [device gpu]: holders: cannot tell who holds /dev/vfio/2: ");
	expect_out(&o, "/proc shows no process (a captured tree has none)\n"
		       "     fix: run vfio-boot check on the host itself\n");
	expect_no_out(&o, "holders: no process holds");
	out_free(&o);

	/* With a live process that holds nothing of it: nothing holds it any more. */
	ht_live(fx);
	o = run(fx, "check", "gpu", NULL);
	expect_out(&o, "PASS " GPU " [device gpu]: holders: no process holds /dev/vfio/2\n");
	out_free(&o);
}

/* With iommufd, the device's own file /dev/vfio/devices/vfio3. */
static void test_cdev_held(void **state)
{
	struct fx *fx = *state;
	pid_t pid;
	char line[256];
	struct out o;

	fx_write(fx, "sys/bus/pci/devices/" GPU "/vfio-dev/vfio3/dev", "511:3\n", 0644);
	pid = ht_hold(fx, "dev/vfio/devices/vfio3", "qemu-system-x86");
	o = run(fx, "check", GPU, NULL);
	snprintf(line, sizeof(line),
		 "WARN " GPU " [device gpu]: holders: /dev/vfio/devices/vfio3 held by PID %d "
		 "(qemu-system-x86): no other guest can start with this device\n",
		 (int)pid);
	expect_out(&o, line);
	expect_no_out(&o, "/dev/vfio/2 held");
	out_free(&o);
	ht_release(fx, pid);
}

/* The host's display server holds card1; renderD129, which nobody holds, is no line. */
static void test_drm_held(void **state)
{
	struct fx *fx = *state;
	pid_t pid;
	char line[512];
	struct out o;

	fx_write(fx, "sys/bus/pci/devices/" GPU "/drm/card1/dev", "226:1\n", 0644);
	fx_write(fx, "sys/bus/pci/devices/" GPU "/drm/renderD129/dev", "226:129\n", 0644);
	pid = ht_hold(fx, "dev/dri/card1", "Xorg");
	o = run(fx, "check", "gpu", NULL);
	expect_status(&o, 0);
	snprintf(line, sizeof(line),
		 "WARN " GPU " [device gpu]: holders: /dev/dri/card1 held by PID %d (Xorg): the "
		 "host uses this device; vfio-boot can neither take it nor hand it back cleanly "
		 "while they run\n     fix: stop them first (the display manager: systemctl stop "
		 "display-manager; others: kill %d)\n",
		 (int)pid, (int)pid);
	expect_out(&o, line);
	expect_no_out(&o, "renderD129 held");
	expect_no_out(&o, "PASS " GPU " [device gpu]: holders");
	out_free(&o);
	ht_release(fx, pid);

	ht_live(fx);
	o = run(fx, "check", "gpu", NULL);
	expect_out(&o, "PASS " GPU " [device gpu]: holders: no process holds /dev/vfio/2, "
		       "/dev/dri/card1, /dev/dri/renderD129\n");
	out_free(&o);
}

/* NVIDIA's driver: the node is /dev/nvidiaN, N its Device Minor. */
static void test_nvidia_held(void **state)
{
	struct fx *fx = *state;
	pid_t pid;
	char line[256];
	struct out o;

	fx_write(fx, "proc/driver/nvidia/gpus/" GPU "/information",
		 "Model: \t\t NVIDIA GeForce RTX 3080\nIRQ:   \t\t 140\nDevice Minor: \t 3\n",
		 0644);
	pid = ht_hold(fx, "dev/nvidia3", "nvidia-persiste");
	o = run(fx, "check", "gpu", NULL);
	snprintf(line, sizeof(line),
		 "WARN " GPU " [device gpu]: holders: /dev/nvidia3 held by PID %d "
		 "(nvidia-persiste): the host uses this device",
		 (int)pid);
	expect_out(&o, line);
	out_free(&o);
	ht_release(fx, pid);

	/* An information file without its minor cannot say which node: not a PASS. */
	fx_write(fx, "proc/driver/nvidia/gpus/" GPU "/information", "Model: \t\t ?\n", 0644);
	o = run(fx, "check", "gpu", NULL);
	expect_out(&o, "WARN " GPU " [device gpu]: holders: cannot tell all the device's files: "
		       "/proc/driver/nvidia information (Bad message) cannot be read\n");
	expect_no_out(&o, "PASS " GPU " [device gpu]: holders");
	out_free(&o);
}

/* A process whose fds cannot be read may hold the group: a WARN saying how many, no PASS. */
static void test_unreadable_process(void **state)
{
	struct fx *fx = *state;
	struct out o;

	fx_write(fx, "proc/999/fd", "not a directory\n", 0644);
	fx_write(fx, "proc/999/comm", "hidden\n", 0644);
	o = run(fx, "check", "gpu", NULL);
	expect_out(&o,
		   "WARN " GPU " [device gpu]: holders: the open files of 1 process could not "
		   "be read: cannot tell whether they hold /dev/vfio/2\n     fix: run vfio-boot "
		   "check as root\n");
	expect_no_out(&o, "PASS " GPU " [device gpu]: holders");
	out_free(&o);
}

/* An iommu_group that is no link cannot name the group file: a WARN. No group at all: a PASS. */
static void test_group_link(void **state)
{
	struct fx *fx = *state;
	char *link = fx_path(fx, "sys/bus/pci/devices/" GPU "/iommu_group");
	struct out o;

	assert_int_equal(unlink(link), 0);
	fx_write(fx, "sys/bus/pci/devices/" GPU "/iommu_group", "2\n", 0644);
	o = run(fx, "check", "gpu", NULL);
	expect_out(&o, "WARN " GPU " [device gpu]: holders: cannot tell all the device's files: "
		       "iommu_group (Invalid argument) cannot be read\n");
	expect_no_out(&o, "PASS " GPU " [device gpu]: holders");
	out_free(&o);

	assert_int_equal(unlink(link), 0);
	o = run(fx, "check", "gpu", NULL);
	expect_out(&o, "PASS " GPU " [device gpu]: holders: no IOMMU group and no VFIO, DRM or "
		       "NVIDIA node: no device file to hold\n");
	out_free(&o);
	free(link);
}

/*
 * The same lines through the parsers: the GPU's card held (WARN), its audio function, which
 * the section takes with it (its group), held by nobody (PASS).
 */
static void test_json_prometheus(void **state)
{
	struct fx *fx = *state;
	pid_t pid;
	struct out o;

	fx_write(fx, "sys/bus/pci/devices/" GPU "/drm/card1/dev", "226:1\n", 0644);
	pid = ht_hold(fx, "dev/dri/card1", "Xorg");
	o = run(fx, "check", "--json", NULL);
	expect_status(&o, 0);
	expect_json(fx, o.out, "check-holders");
	out_free(&o);
	o = run(fx, "check", "--prometheus", NULL);
	expect_status(&o, 0);
	expect_json(fx, o.out, "prometheus-check-holders");
	out_free(&o);
	ht_release(fx, pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_group_held, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_cdev_held, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_drm_held, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_nvidia_held, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_process, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_group_link, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_json_prometheus, setup, cli_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
