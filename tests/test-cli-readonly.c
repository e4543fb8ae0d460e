// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot list, plan and status on fake sysfs trees (tests/mock/fixture.h), run as the
 * sanitized command ($TEST_CLI, else build/test/cli/vfio-boot) with --root. Text outputs are
 * compared with golden files in tests/cli/golden/ (the tree's path replaced by ROOT);
 * VFIO_BOOT_UPDATE_GOLDEN=1 rewrites them. JSON outputs go through python3 -m json.tool, a
 * real parser, and their fields are checked with python3 (tests/cli/jsoncheck.py).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli-test.h"
#include "fixture.h"

static const char q35_config[] = "[device gpu]\n"
				 "match = id=1234:1111 boot_vga=0\n"
				 "\n"
				 "[device nic]\n"
				 "match = id=8086:100e\n"
				 "\n"
				 "[device usb]\n"
				 "match = id=1b36:000d\n"
				 "\n"
				 "[device sata]\n"
				 "match = id=8086:2922\n"
				 "\n"
				 "[device missing]\n"
				 "match = id=10de:1b80\n";

static void test_list_q35(void **state)
{
	struct fx *fx = *state;
	struct out o = run(fx, "list", NULL);

	expect_status(&o, 0);
	expect_golden("list-q35.txt", o.out);
	out_free(&o);
	o = run(fx, "list", "--json", NULL);
	expect_status(&o, 0);
	expect_json(fx, o.out, "list-q35");
	out_free(&o);
}

static void test_plan_q35(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx, q35_config);
	o = run(fx, "plan", NULL);
	expect_status(&o, 2);
	expect_golden("plan-q35.txt", o.out);
	out_free(&o);
	o = run(fx, "plan", "--json", NULL);
	expect_status(&o, 2);
	expect_json(fx, o.out, "plan-q35");
	out_free(&o);
}

static void test_plan_no_config(void **state)
{
	struct fx *fx = *state;
	struct out o = run(fx, "plan", NULL);

	expect_status(&o, 0);
	expect_golden("plan-none.txt", o.out);
	out_free(&o);
}

/* A refused config: plan says why, naming the file, whatever the log said or where it went. */
static void test_plan_refused_names_file(void **state)
{
	struct fx *fx = *state;
	char *link;
	struct out o;

	config(fx, q35_config);
	fx_write(fx, "etc/vfio-boot/conf.d/10-ok.conf", "", 0644);
	link = fx_path(fx, "etc/vfio-boot/conf.d/30-loop.conf");
	assert_int_equal(symlink("30-loop.conf", link), 0);
	free(link);
	o = run(fx, "plan", NULL);
	expect_status(&o, 2);
	if (!strstr(o.out, "/etc/vfio-boot/conf.d/30-loop.conf") || strstr(o.out, "see above"))
		fail_msg("plan does not say why the config is refused:\n%s", o.out);
	out_free(&o);
	o = run(fx, "plan", "--json", NULL);
	expect_status(&o, 2);
	if (!strstr(o.out, "/etc/vfio-boot/conf.d/30-loop.conf"))
		fail_msg("plan --json does not say why the config is refused:\n%s", o.out);
	out_free(&o);
}

/* Pending is no refusal: said, counted apart, exit 0; a VF's PF is named, in --json too. */
static void test_plan_pending_and_vf(void **state)
{
	struct fx *fx = *state;
	struct out o;

	fx_sriov_pf(fx, "0000:03:01.0", 2, 1);
	fx_vf(fx, "0000:03:01.0", 0, "0000:03:01.1", 0x8086, 0x10ca, 30);
	config(fx, "[device egpu]\nmatch = id=10de:2204\nhotplug = yes\n"
		   "[device vf]\nmatch = address=0000:03:01.0\nvfs = 1\n");
	o = run(fx, "plan", NULL);
	expect_status(&o, 0);
	if (!strstr(o.out, "[device egpu] /etc/vfio-boot/vfio-boot.conf:1: pending: ") ||
	    !strstr(o.out, "  claim 0000:03:01.1 [8086:10ca]") ||
	    !strstr(o.out, "(VF 0 of 0000:03:01.0)") ||
	    !strstr(o.out, "2 sections: 1 device to claim, 0 sections refused, 1 pending\n"))
		fail_msg("plan does not show the pending section and the VF:\n%s", o.out);
	out_free(&o);
	o = run(fx, "plan", "--json", NULL);
	expect_status(&o, 0);
	if (!strstr(o.out, "\"status\": \"pending\"") ||
	    !strstr(o.out, "\"pf\": \"0000:03:01.0\"") || !strstr(o.out, "\"vf_index\": 0"))
		fail_msg("plan --json does not show the pending section and the VF:\n%s", o.out);
	out_free(&o);
}

/* status on a refused config: the reason, naming the file, once; not a bare errno after it. */
static void test_status_refused_names_file(void **state)
{
	struct fx *fx = *state;
	char *link;
	struct out o;

	config(fx, q35_config);
	fx_write(fx, "etc/vfio-boot/conf.d/10-ok.conf", "", 0644);
	link = fx_path(fx, "etc/vfio-boot/conf.d/30-gone.conf");
	assert_int_equal(symlink("/srv/narrow.conf", link), 0);
	free(link);
	o = run(fx, "status", NULL);
	assert_int_not_equal(o.status, 0);
	if (!strstr(o.err, "the config is refused (") || !strstr(o.err, "conf.d/30-gone.conf") ||
	    strstr(o.err, "Operation not permitted"))
		fail_msg("status does not say once why the config is refused:\n%s", o.err);
	out_free(&o);
}

static const char status_config[] = "[device gpu]\n"
				    "match = id=1234:1111 boot_vga=0\n"
				    "\n"
				    "[device usb]\n"
				    "match = id=1b36:000d\n"
				    "\n"
				    "[guest win]\n"
				    "devices = gpu\n";

/* What the binder leaves in /run/vfio-boot after claiming gpu and failing usb. */
static void status_records(struct fx *fx)
{
	fx_write(fx, "run/vfio-boot/status", "version=1\nstate=done\nclaimed=2\nfailed=1\n", 0644);
	fx_write(fx, "run/vfio-boot/sections/gpu",
		 "name=gpu\nstatus=claimed\ndevices=0000:02:00.0 0000:02:00.1\n", 0644);
	fx_write(fx, "run/vfio-boot/sections/usb",
		 "name=usb\nstatus=failed\ndevices=0000:00:04.0\n", 0644);
	fx_write(fx, "run/vfio-boot/devices/0000:02:00.0", "outcome=claimed\n", 0644);
	fx_write(fx, "run/vfio-boot/devices/0000:02:00.1", "outcome=claimed\n", 0644);
	fx_write(fx, "run/vfio-boot/devices/0000:00:04.0",
		 "outcome=failed\nerror=bind: Device or resource busy\n", 0644);
}

static void test_status_claimed(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx, status_config);
	status_records(fx);
	fx_driver(fx, "vfio-pci", NULL);
	rebind(fx, "0000:02:00.0", "vfio-pci");
	rebind(fx, "0000:02:00.1", "vfio-pci");
	o = run(fx, "status", NULL);
	/* usb failed at boot: still on xhci_hcd. */
	expect_status(&o, 2);
	expect_golden("status-q35.txt", o.out);
	out_free(&o);
	o = run(fx, "status", "--json", NULL);
	expect_status(&o, 2);
	expect_json(fx, o.out, "status-q35");
	out_free(&o);
	o = run(fx, "status", "--prometheus", NULL);
	expect_status(&o, 2);
	expect_golden("status-q35.prom", o.out);
	out_free(&o);
	/* Only gpu configured: everything is on vfio-pci. */
	config(fx, "[device gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	o = run(fx, "status", NULL);
	expect_status(&o, 0);
	out_free(&o);
}

/* The card the binder never saw, under a firmware framebuffer, its audio on the host. */
static void test_status_framebuffer(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx, "[device gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	fx_write(fx, "sys/bus/pci/devices/0000:02:00.0/resource",
		 "0x00000000c0000000 0x00000000c0ffffff 0x0000000000042208\n"
		 "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		 "0x00000000c1000000 0x00000000c1000fff 0x0000000000040200\n",
		 0644);
	fx_write(fx, "proc/iomem",
		 "c0000000-c0ffffff : 0000:02:00.0\n"
		 "  c0000000-c02fffff : efifb\n"
		 "c1000000-c1000fff : 0000:02:00.0\n",
		 0644);
	o = run(fx, "status", NULL);
	expect_status(&o, 2);
	expect_golden("status-fb.txt", o.out);
	out_free(&o);
}

/*
 * Names need not be UTF-8: a driver's name comes from sysfs, a guest's from the config (which
 * takes any byte but control characters). Every --json document must still parse, each bad
 * byte shown as U+FFFD, and --prometheus label values must be UTF-8.
 */
static void test_invalid_utf8_names(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx,
	       "[device usb]\nmatch = id=1b36:000d\n\n[guest w\xffin\xc3\x28]\ndevices = usb\n");
	fx_driver(fx, "xhci\xfe\xed\"\\", NULL);
	rebind(fx, "0000:00:04.0", "xhci\xfe\xed\"\\");
	fx_write(fx, "run/vfio-boot/status", "version=1\nstate=d\xc0\xafne\n", 0644);
	o = run(fx, "status", "--json", NULL);
	expect_status(&o, 2);
	expect_json(fx, o.out, "status-utf8");
	out_free(&o);
	o = run(fx, "plan", "--json", NULL);
	expect_json(fx, o.out, "plan-utf8");
	out_free(&o);
	o = run(fx, "list", "--json", NULL);
	expect_status(&o, 0);
	expect_json(fx, o.out, "list-utf8");
	out_free(&o);
	o = run(fx, "status", "--prometheus", NULL);
	expect_status(&o, 2);
	expect_json(fx, o.out, "prometheus-utf8");
	out_free(&o);
}

static const char late_config[] = "[device gpu]\n"
				  "match = id=1234:1111 boot_vga=0\n"
				  "\n"
				  "[device usb]\n"
				  "match = id=1b36:000d\n"
				  "\n"
				  "[device vf]\n"
				  "match = id=8086:10ca\n";

/*
 * After boot: gpu given back by vfio-boot release, usb claimed by vfio-boot claim, vf waiting
 * for VFs that are not made yet. None of it is a problem.
 */
static void test_status_pending_released(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx, late_config);
	fx_write(fx, "run/vfio-boot/status", "version=1\nstate=done\nclaimed=3\nfailed=0\n", 0644);
	fx_write(fx, "run/vfio-boot/sections/gpu",
		 "name=gpu\nstatus=released\nreason=given back to the host drivers: 0000:02:00.0 "
		 "(bochs-drm), 0000:02:00.1 (snd_hda_intel)\ndevices=0000:02:00.0 0000:02:00.1\n"
		 "time=2026-01-02T03:04:05Z\nby=cli-release\n",
		 0644);
	fx_write(
		fx, "run/vfio-boot/devices/0000:02:00.0",
		"address=0000:02:00.0\nsection=gpu\nreason=given back by vfio-boot release, now on "
		"bochs-drm\noutcome=released\ndriver=bochs-drm\ntime=2026-01-02T03:04:05Z\n"
		"by=cli-release\n",
		0644);
	fx_write(fx, "run/vfio-boot/devices/0000:02:00.1",
		 "address=0000:02:00.1\nsection=gpu\noutcome=released\ndriver=snd_hda_intel\n"
		 "time=2026-01-02T03:04:05Z\nby=cli-release\n",
		 0644);
	fx_write(fx, "run/vfio-boot/sections/usb",
		 "name=usb\nstatus=claimed\nreason=1 of 1 devices on vfio-pci\n"
		 "devices=0000:00:04.0\ntime=2026-01-02T03:00:00Z\nby=cli-claim\n",
		 0644);
	fx_write(fx, "run/vfio-boot/devices/0000:00:04.0",
		 "outcome=claimed\ndriver=vfio-pci\ntime=2026-01-02T03:00:00Z\nby=cli-claim\n",
		 0644);
	fx_write(fx, "run/vfio-boot/sections/vf",
		 "name=vf\nstatus=pending\nreason=the PF 0000:03:01.0 has no driver yet: its VFs "
		 "are made once it binds\ndevices=\n",
		 0644);
	fx_driver(fx, "vfio-pci", NULL);
	rebind(fx, "0000:00:04.0", "vfio-pci");
	o = run(fx, "status", NULL);
	expect_status(&o, 0);
	expect_golden("status-late.txt", o.out);
	out_free(&o);
	o = run(fx, "status", "--json", NULL);
	expect_status(&o, 0);
	expect_json(fx, o.out, "status-late");
	out_free(&o);
	o = run(fx, "status", "--prometheus", NULL);
	expect_status(&o, 0);
	expect_golden("status-late.prom", o.out);
	out_free(&o);
	/* A device released is not on vfio-pci, and the binder's record of a failure still is one. */
	fx_write(fx, "run/vfio-boot/sections/vf", "name=vf\nstatus=absent\ndevices=\n", 0644);
	o = run(fx, "status", NULL);
	expect_status(&o, 2);
	out_free(&o);
}

/* The xHCI's driver link points to a driver that is gone: status says so and what to do. */
static void test_status_dangling_driver(void **state)
{
	struct fx *fx = *state;
	char *p = fx_path(fx, "sys/bus/pci/devices/0000:00:04.0/driver");
	struct out o;

	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("../../../../bus/pci/drivers/gone_hcd", p), 0);
	free(p);
	config(fx, "[device usb]\nmatch = id=1b36:000d\n");
	o = run(fx, "status", NULL);
	expect_status(&o, 2);
	if (!strstr(o.out, "its driver link points to gone_hcd, which is not there") ||
	    !strstr(o.out, "remove and rescan") || strstr(o.out, "held by"))
		fail_msg("status does not say the driver is gone:\n%s", o.out);
	out_free(&o);
}

static void test_usage(void **state)
{
	struct fx *fx = *state;
	struct out o = run(fx, "list", "--bogus", NULL);

	expect_status(&o, 1);
	out_free(&o);
	o = run(fx, "plan", "--prometheus", NULL);
	expect_status(&o, 1);
	out_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_q35, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_plan_q35, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_plan_no_config, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_plan_refused_names_file, cli_setup_q35,
						cli_teardown),
		cmocka_unit_test_setup_teardown(test_plan_pending_and_vf, cli_setup_q35,
						cli_teardown),
		cmocka_unit_test_setup_teardown(test_status_refused_names_file, cli_setup_q35,
						cli_teardown),
		cmocka_unit_test_setup_teardown(test_status_claimed, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_status_framebuffer, cli_setup_q35,
						cli_teardown),
		cmocka_unit_test_setup_teardown(test_usage, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_invalid_utf8_names, cli_setup_q35,
						cli_teardown),
		cmocka_unit_test_setup_teardown(test_status_dangling_driver, cli_setup_q35,
						cli_teardown),
		cmocka_unit_test_setup_teardown(test_status_pending_released, cli_setup_q35,
						cli_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
