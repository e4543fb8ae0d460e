// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Planning against what was there and what is there now: changed cards, absent addresses
 * and ids, paths that survive renumbering, functions without an IOMMU group.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "cmdline.h"
#include "config.h"
#include "fixture.h"
#include "log.h"
#include "pci.h"
#include "plan.h"
#include "sysroot.h"
#include "util.h"
#include "plan-test.h"

/* ---- what was there, what is there now ---- */

static void test_changed_card_is_absent(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	/* Written for a GeForce that has since been swapped for the std-VGA card. */
	plan_for("[device gpu]\nmatch = address=" GPU2 " id=10de:2204\n", NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_ABSENT);
	assert_int_equal(s->n_devs, 0);
	assert_detail(s, "at " GPU2 " now", "1234:1111", "bochs-drm");
	assert_true(vb_plan_waiting(&plan));
}

static void test_absent_address_and_bridge_address(void **state)
{
	(void)state;
	plan_for("[device gone]\nmatch = address=0000:09:00.0\n"
		 "[device port]\nmatch = address=" PORT2 "\n"
		 "[device bridges]\nmatch = class=0604\ncount = any\n",
		 NULL);
	assert_status(section("gone"), VB_PLAN_ABSENT);
	assert_detail(section("gone"), "no device at 0000:09:00.0");
	/* A bridge is never claimed, not even when asked for by address. */
	assert_status(section("port"), VB_PLAN_ABSENT);
	assert_detail(section("port"), "bridge");
	assert_status(section("bridges"), VB_PLAN_NONE);
}

static void test_id_absent_lists_same_id_elsewhere(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	/* The wrong slot: the detail shows where cards of that id are, with their paths. */
	plan_for("[device gpu]\nmatch = id=1234:1111 path=0000:00:04.0/00.0\n", NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_ABSENT);
	assert_detail(s, GPU2, "0000:00:02.0/00.0");
	assert_detail(s, GPU1, "0000:00:01.0/00.0");
}

/*
 * The same two root ports, but a card with a bridge of its own now sits behind the first:
 * the bus numbers below the second port shift from 2 to 3. path= still finds the GPU, its
 * old address does not.
 */
static void test_path_survives_renumbering(void **state)
{
	static const char *const conf = "[device by-path]\nmatch = path=0000:00:02.0/00.0\n"
					"[device by-address]\nmatch = address=0000:02:00.0\n";

	(void)state;
	bridge("0000:00:01.0", NULL, 1);
	bridge("0000:01:00.0", "0000:00:01.0", 1);
	endpoint("0000:02:01.0", "0000:01:00.0", 0x8086, 0x100e, 0x020000, 1, "e1000");
	bridge("0000:00:02.0", NULL, 2);
	fx_device(fx, "0000:03:00.0",
		  &(struct fx_dev){.parent = "0000:00:02.0",
				   .vendor = 0x1234,
				   .device = 0x1111,
				   .class = 0x030000,
				   .boot_vga = 0,
				   .group = 2,
				   .host_driver = "bochs-drm",
				   .bound = true});
	endpoint("0000:03:00.1", "0000:00:02.0", 0x8086, 0x293e, 0x040300, 2, "snd_hda_intel");
	plan_for(conf, NULL);
	assert_status(section("by-path"), VB_PLAN_OK);
	assert_devs(section("by-path"), "0000:03:00.0", "0000:03:00.1");
	assert_status(section("by-address"), VB_PLAN_ABSENT);
	assert_detail(section("by-address"), "no device at 0000:02:00.0");
}

/* The same config on the machine before the renumbering: path= finds the card at bus 2. */
static void test_path_on_q35(void **state)
{
	(void)state;
	plan_for("[device by-path]\nmatch = path=0000:00:02.0/00.0\n", NULL);
	assert_status(section("by-path"), VB_PLAN_OK);
	assert_devs(section("by-path"), GPU2, AUDIO2);
}

static void test_no_iommu_group(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	endpoint("0000:00:05.0", NULL, 0x8086, 0x10d3, 0x020000, -1, "e1000e");
	endpoint("0000:00:06.0", NULL, 0x8086, 0x10d3, 0x020000, 6, "e1000e");
	plan_for("[device nic]\nmatch = address=0000:00:05.0\n"
		 "[device grouped]\nmatch = address=0000:00:06.0\n",
		 NULL);
	s = section("nic");
	assert_status(s, VB_PLAN_NO_IOMMU);
	assert_why(s, "IOMMU");
	assert_false(vb_plan_waiting(&plan));
	assert_status(section("grouped"), VB_PLAN_OK);
}

static void test_count_any(void **state)
{
	(void)state;
	plan_for("[device none]\nmatch = id=dead:beef\ncount = any\n"
		 "[device nics]\nmatch = id=8086:100e\ncount = any\n",
		 NULL);
	assert_status(section("none"), VB_PLAN_NONE);
	assert_int_equal(section("none")->n_devs, 0);
	/* Nothing is missing: no reason to hold up boot. */
	assert_false(vb_plan_waiting(&plan));
	/* Both e1000s: the section claims their whole group itself. */
	assert_status(section("nics"), VB_PLAN_OK);
	assert_devs(section("nics"), NIC1, NIC2);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TQ35(f) cmocka_unit_test_setup_teardown(f, setup_q35, teardown)

int main(void)
{
	const struct CMUnitTest on_q35[] = {
		TQ35(test_changed_card_is_absent),
		TQ35(test_absent_address_and_bridge_address),
		TQ35(test_id_absent_lists_same_id_elsewhere),
		TQ35(test_path_on_q35),
		TQ35(test_count_any),
	};
	const struct CMUnitTest on_own_tree[] = {
		T(test_path_survives_renumbering),
		T(test_no_iommu_group),
	};

	return run_plan_tests(on_q35, on_own_tree);
}
