// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot check, item "reset", on the q35 stand-in: the methods reset_method offers, what a
 * bus reset touches (claimed or not), no reset at all, an unreadable reset_method, a kernel
 * without it, and the families lib/reset-quirks.c names as broken.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "cli-test.h"
#include "reset-quirks.h"

#define GPU "[device gpu]\nmatch = id=1234:1111 boot_vga=0\n"

static void reset_method(struct fx *fx, const char *addr, const char *methods)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/reset_method", addr);
	fx_write(fx, rel, methods, 0644);
}

/* A card alone below a root port of its own, 0000:00:05.0, with only a bus reset. */
static void card_alone(struct fx *fx, unsigned vendor, unsigned device, unsigned class)
{
	fx_port(fx, "0000:00:05.0", NULL, 6);
	fx_device(fx, "0000:05:00.0",
		  &(struct fx_dev){.parent = "0000:00:05.0",
				   .vendor = vendor,
				   .device = device,
				   .class = class,
				   .group = 6,
				   .reset_method = "bus"});
}

static void test_flr(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx, GPU);
	reset_method(fx, "0000:02:00.0", "flr bus\n");
	o = run(fx, "check", "gpu", NULL);
	expect_out(&o, "PASS 0000:02:00.0 [device gpu]: reset: flr bus; a reset touches this "
		       "device only\n");
	out_free(&o);
	/* The kernel lists the platform's _RST before flr: it resets this device alone too. */
	reset_method(fx, "0000:02:00.0", "acpi flr bus\n");
	o = run(fx, "check", "gpu", NULL);
	expect_out(&o, "PASS 0000:02:00.0 [device gpu]: reset: acpi flr bus; a reset touches this "
		       "device only\n");
	out_free(&o);
}

/* The card's audio function is below the same root port and stays on the host. */
static void test_bus_unclaimed(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx, "[device gpu]\nmatch = id=1234:1111 boot_vga=0\nfunctions = only\n");
	o = run(fx, "check", "0000:02:00.0", NULL);
	expect_out(&o, "WARN 0000:02:00.0 [device gpu]: reset: bus; a bus reset of 0000:00:02.0 "
		       "also resets 0000:02:00.1 (snd_hda_intel), not claimed");
	expect_out(&o, "     fix: claim them too");
	out_free(&o);
}

static void test_bus_all_claimed(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx, GPU "\n[device audio]\nmatch = id=8086:293e path=00:02.0/00.1\n");
	o = run(fx, "check", "gpu", NULL);
	expect_out(&o, "PASS 0000:02:00.0 [device gpu]: reset: bus; a bus reset of 0000:00:02.0 "
		       "also resets 0000:02:00.1, claimed too (QEMU resets them together when they "
		       "are all in one guest)\n");
	out_free(&o);
}

/* A card alone below its own root port. */
static void test_bus_alone(void **state)
{
	struct fx *fx = *state;
	struct out o;

	card_alone(fx, 0x8086, 0x10d3, 0x020000);
	config(fx, "[device nic]\nmatch = id=8086:10d3\n");
	o = run(fx, "check", "nic", NULL);
	expect_out(&o, "PASS 0000:05:00.0 [device nic]: reset: bus; a bus reset of 0000:00:05.0, "
		       "nothing else below 0000:00:05.0\n");
	out_free(&o);
}

static void test_none(void **state)
{
	struct fx *fx = *state;
	char *p = fx_path(fx, "sys/bus/pci/devices/0000:02:00.0/reset");
	struct out o;

	config(fx, GPU);
	reset_method(fx, "0000:02:00.0", "\n");
	o = run(fx, "check", "gpu", NULL);
	/* No method of its own: a bus reset remains, with the audio function the section claims. */
	expect_out(&o, "PASS 0000:02:00.0 [device gpu]: reset: none of its own (reset_method is "
		       "empty); a bus reset of 0000:00:02.0 also resets 0000:02:00.1, claimed too");
	out_free(&o);

	/* A kernel before reset_method: the reset file alone says a method exists. */
	{
		char *m = fx_path(fx, "sys/bus/pci/devices/0000:02:00.0/reset_method");

		assert_int_equal(unlink(m), 0);
		free(m);
	}
	o = run(fx, "check", "gpu", NULL);
	expect_out(&o, "0000:02:00.0 [device gpu]: reset: a method this kernel does not name (no "
		       "reset_method); a bus reset of 0000:00:02.0 also resets 0000:02:00.1");
	out_free(&o);

	assert_int_equal(unlink(p), 0);
	o = run(fx, "check", "gpu", NULL);
	expect_out(&o, "PASS 0000:02:00.0 [device gpu]: reset: none of its own (no reset_method, "
		       "no reset file); a bus reset of 0000:00:02.0 also resets 0000:02:00.1, "
		       "claimed too");
	out_free(&o);
	free(p);
}

/*
 * A card whose functions have no reset of their own, as the kernel shows a GPU and its audio
 * function without FLR: the audio function has no method, yet with both claimed QEMU resets
 * the bus below their port. A device on a root bus has no bridge to reset: none at all.
 */
static void test_none_whole_card(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx, "[device gpu]\nmatch = id=1234:1111 boot_vga=0\ncount = 1\n"
		   "[device audio]\nmatch = address=0000:02:00.1\n");
	reset_method(fx, "0000:02:00.0", "bus\n");
	reset_method(fx, "0000:02:00.1", "\n");
	o = run(fx, "check", "audio", NULL);
	expect_out(&o, "PASS 0000:02:00.1 [device audio]: reset: none of its own (reset_method is "
		       "empty); a bus reset of 0000:00:02.0 also resets 0000:02:00.0, claimed too");
	out_free(&o);

	reset_method(fx, "0000:00:1f.3", "\n");
	o = run(fx, "check", "0000:00:1f.3", NULL);
	expect_out(&o, "WARN 0000:00:1f.3: reset: none of its own (reset_method is empty), but "
		       "0000:00:1f.3 is on a root bus: there is no bridge above it to reset");
	out_free(&o);
}

static void test_unreadable(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx, GPU);
	reset_method(fx, "0000:02:00.0", "flr\n");
	{
		char *p = fx_path(fx, "sys/bus/pci/devices/0000:02:00.0/reset_method");

		assert_int_equal(unlink(p), 0);
		assert_int_equal(mkdir(p, 0755), 0);
		free(p);
	}
	o = run(fx, "check", "gpu", NULL);
	expect_out(&o, "WARN 0000:02:00.0 [device gpu]: reset: reset_method cannot be read (Is a "
		       "directory)");
	expect_no_out(&o, "PASS 0000:02:00.0 [device gpu]: reset");
	out_free(&o);
}

/* An RX 580 (Polaris 10): bus first is the AMD reset bug; vendor-reset's method first is not. */
static void test_quirk(void **state)
{
	struct fx *fx = *state;
	struct out o;

	card_alone(fx, 0x1002, 0x67df, 0x030000);
	config(fx, "[device amd]\nmatch = id=1002:67df\n");
	o = run(fx, "check", "amd", NULL);
	expect_status(&o, 2);
	expect_out(&o, "FAIL 0000:05:00.0 [device amd]: reset: bus; the AMD Polaris 10 family's "
		       "reset is known broken (https://github.com/gnif/vendor-reset/");
	expect_out(&o, "     fix: install vendor-reset (https://github.com/gnif/vendor-reset), "
		       "load it in the initramfs, and before the guest starts: echo "
		       "device_specific > /sys/bus/pci/devices/0000:05:00.0/reset_method (it "
		       "must come first)\n");
	out_free(&o);

	reset_method(fx, "0000:05:00.0", "device_specific bus\n");
	o = run(fx, "check", "amd", NULL);
	expect_out(&o, "PASS 0000:05:00.0 [device amd]: reset: device_specific bus; "
		       "device_specific first, as the AMD Polaris 10 family needs");
	out_free(&o);
}

/* Every entry names its source and fix, and the lookup finds each id and nothing else. */
static void test_quirk_table(void **state)
{
	const struct vb_reset_quirk *t;
	size_t n;

	(void)state;
	t = vb_reset_quirks(&n);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		assert_true(t[i].n_devices > 0);
		assert_non_null(t[i].family);
		assert_non_null(strstr(t[i].source, "://"));
		assert_non_null(t[i].fix);
		for (size_t k = 0; k < t[i].n_devices; k++)
			assert_ptr_equal(vb_reset_quirk_find(t[i].vendor, t[i].devices[k]), &t[i]);
	}
	assert_null(vb_reset_quirk_find(0x1002, 0x0000));
	assert_null(vb_reset_quirk_find(0x10de, 0x67df));
	assert_string_equal(vb_reset_quirk_find(0x1002, 0x731f)->family, "AMD Navi 10");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_flr, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_bus_unclaimed, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_bus_all_claimed, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_bus_alone, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_none, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_none_whole_card, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_unreadable, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_quirk, cli_setup_q35, cli_teardown),
		cmocka_unit_test(test_quirk_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
