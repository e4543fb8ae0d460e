// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot check, items "power" and "framebuffer", on the q35 stand-in: power_state,
 * d3cold_allowed and vfio-pci's disable_idle_d3 as the kernel shows them, missing and
 * unreadable; firmware framebuffers in /proc/iomem over the card's BAR, and what cannot be
 * told without the resource file or /proc/iomem's addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "cli-test.h"

#define GPU	 "[device gpu]\nmatch = id=1234:1111 boot_vga=0\n"
#define GPU_ATTR "sys/bus/pci/devices/0000:02:00.0/"

static struct out check_power(struct fx *fx, const char *state, const char *d3cold)
{
	fx_write(fx, GPU_ATTR "power_state", state, 0444);
	fx_write(fx, GPU_ATTR "d3cold_allowed", d3cold, 0644);
	return run(fx, "check", "gpu", NULL);
}

static void test_power_d0(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx, GPU);
	o = check_power(fx, "D0\n", "1\n");
	expect_out(&o, "PASS 0000:02:00.0 [device gpu]: power: D0 (d3cold_allowed 1, vfio-pci "
		       "disable_idle_d3 not loaded)\n");
	out_free(&o);

	/* Idle on vfio-pci, which may take it to D3cold: said, not warned about. */
	fx_driver(fx, "vfio-pci", NULL);
	rebind(fx, "0000:02:00.0", "vfio-pci");
	fx_write(fx, "sys/module/vfio_pci/parameters/disable_idle_d3", "N\n", 0644);
	o = check_power(fx, "D3hot\n", "1\n");
	expect_out(&o,
		   "PASS 0000:02:00.0 [device gpu]: power: D3hot (d3cold_allowed 1, vfio-pci "
		   "disable_idle_d3 N); vfio-pci may put it in D3cold while no guest uses it\n");
	out_free(&o);

	fx_write(fx, "sys/module/vfio_pci/parameters/disable_idle_d3", "Y\n", 0644);
	o = check_power(fx, "D0\n", "1\n");
	expect_out(&o, "PASS 0000:02:00.0 [device gpu]: power: D0 (d3cold_allowed 1, vfio-pci "
		       "disable_idle_d3 Y)\n");
	out_free(&o);
}

static void test_power_d3cold(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx, GPU);
	fx_driver(fx, "vfio-pci", NULL);
	rebind(fx, "0000:02:00.0", "vfio-pci");
	fx_write(fx, "sys/module/vfio_pci/parameters/disable_idle_d3", "N\n", 0644);
	o = check_power(fx, "D3cold\n", "1\n");
	expect_status(&o, 0);
	expect_out(&o, "WARN 0000:02:00.0 [device gpu]: power: D3cold now (d3cold_allowed 1, "
		       "vfio-pci disable_idle_d3 N); vfio-pci puts it there while no guest uses "
		       "it: some devices never wake from it (\"Unable to change power state from "
		       "D3cold to D0, device inaccessible\")");
	expect_out(&o, "     fix: options vfio-pci disable_idle_d3=1 in /etc/modprobe.d/vfio.conf "
		       "(then rebuild the initramfs and reboot), or echo 0 > "
		       "/sys/bus/pci/devices/0000:02:00.0/d3cold_allowed\n");
	out_free(&o);
}

static void test_power_unreachable(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx, GPU);
	o = check_power(fx, "error\n", "1\n");
	expect_status(&o, 2);
	expect_out(&o, "FAIL 0000:02:00.0 [device gpu]: power: power_state is error: the kernel "
		       "cannot reach the device");
	expect_out(&o, "     fix: power the host off and on again (a cold boot, not a reboot), "
		       "then set options vfio-pci disable_idle_d3=1");
	out_free(&o);

	o = check_power(fx, "unknown\n", "1\n");
	expect_status(&o, 2);
	expect_out(&o, "FAIL 0000:02:00.0 [device gpu]: power: power_state is unknown");
	out_free(&o);
}

/* A kernel before power_state, and one that cannot be read: never a PASS. */
static void test_power_unread(void **state)
{
	struct fx *fx = *state;
	char *p = fx_path(fx, GPU_ATTR "power_state");
	struct out o;

	config(fx, GPU);
	unlink(p);
	o = run(fx, "check", "gpu", NULL);
	expect_out(&o, "WARN 0000:02:00.0 [device gpu]: power: the power state cannot be told: "
		       "there is no power_state file (kernels show it since Linux 5.11)\n");
	out_free(&o);

	assert_int_equal(mkdir(p, 0755), 0);
	o = run(fx, "check", "gpu", NULL);
	expect_out(&o, "WARN 0000:02:00.0 [device gpu]: power: power_state cannot be read (Is a "
		       "directory)\n");
	expect_no_out(&o, "PASS 0000:02:00.0 [device gpu]: power");
	out_free(&o);
	free(p);
}

/* BAR 0 at c0000000-c0ffffff, BAR 2 at c1000000-c1000fff, as a std-VGA card has them. */
static void bars(struct fx *fx)
{
	fx_write(fx, GPU_ATTR "resource",
		 "0x00000000c0000000 0x00000000c0ffffff 0x0000000000042208\n"
		 "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		 "0x00000000c1000000 0x00000000c1000fff 0x0000000000040200\n",
		 0644);
}

static void test_framebuffer(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx, GPU);
	bars(fx);
	fx_write(fx, "proc/iomem",
		 "c0000000-c0ffffff : 0000:02:00.0\n"
		 "  c0000000-c02fffff : efifb\n"
		 "c1000000-c1000fff : 0000:02:00.0\n",
		 0644);
	o = run(fx, "check", "gpu", NULL);
	expect_status(&o, 2);
	expect_out(&o, "FAIL 0000:02:00.0 [device gpu]: framebuffer: efifb holds c0000000-c02fffff "
		       "inside its memory (/proc/iomem)");
	expect_out(&o, "     fix: make another card the firmware's boot display, or keep efifb off "
		       "this card (video=efifb:off, or initcall_blacklist= of its driver)\n");
	out_free(&o);

	/* The framebuffer on the other card. */
	fx_write(fx, "proc/iomem",
		 "b0000000-b0ffffff : 0000:01:00.0\n"
		 "  b0000000-b02fffff : simpledrm\n"
		 "c0000000-c0ffffff : 0000:02:00.0\n",
		 0644);
	o = run(fx, "check", "gpu", NULL);
	expect_status(&o, 0);
	expect_out(&o, "PASS 0000:02:00.0 [device gpu]: framebuffer: no firmware framebuffer in "
		       "its memory (/proc/iomem)\n");
	out_free(&o);
}

static void test_framebuffer_unread(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx, GPU);
	fx_write(fx, "proc/iomem", "c0000000-c0ffffff : 0000:02:00.0\n", 0644);
	o = run(fx, "check", "gpu", NULL);
	expect_out(&o, "WARN 0000:02:00.0 [device gpu]: framebuffer: cannot tell: its resource "
		       "file or /proc/iomem cannot be read (No such file or directory)\n");
	out_free(&o);

	/* /proc/iomem as a user without CAP_SYS_ADMIN sees it: every address zero. */
	bars(fx);
	fx_write(fx, "proc/iomem",
		 "00000000-00000000 : 0000:02:00.0\n"
		 "  00000000-00000000 : efifb\n",
		 0644);
	o = run(fx, "check", "gpu", NULL);
	expect_out(&o, "WARN 0000:02:00.0 [device gpu]: framebuffer: cannot tell: /proc/iomem "
		       "shows no addresses (not read as root)\n");
	expect_no_out(&o, "PASS 0000:02:00.0 [device gpu]: framebuffer");
	out_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_power_d0, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_power_d3cold, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_power_unreachable, cli_setup_q35,
						cli_teardown),
		cmocka_unit_test_setup_teardown(test_power_unread, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_framebuffer, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_framebuffer_unread, cli_setup_q35,
						cli_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
