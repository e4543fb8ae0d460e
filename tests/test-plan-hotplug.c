// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Planning hot-plug sections: fewer devices than count is pending, those here are claimed;
 * more is ambiguous, counting those a section already holds on a plan of part of the tree.
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

#include "cmdline.h"
#include "config.h"
#include "fixture.h"
#include "log.h"
#include "pci.h"
#include "plan.h"
#include "sysroot.h"
#include "util.h"
#include "plan-test.h"

/* Plans conf on the tree as the udev path does: a partial plan, held[i] per config section. */
static void plan_part(const char *conf, const unsigned *held)
{
	vb_plan_free(&plan);
	vb_config_free(&cfg);
	if (!pci.n)
		scan();
	assert_int_equal(vb_config_parse(&cfg, "/etc/vfio-boot/vfio-boot.conf", conf, strlen(conf)),
			 0);
	assert_int_equal(vb_config_resolve(&cfg), 0);
	assert_int_equal(cfg.n_errors, 0);
	assert_int_equal(vb_plan_build_part(&plan, &cfg, &pci, held), 0);
}

static void test_hotplug_none_here_is_pending(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device egpu]\nmatch = id=10de:2204\nhotplug = yes\n"
		 "[device any]\nmatch = id=10de:2205\nhotplug = yes\ncount = any\n",
		 NULL);
	s = section("egpu");
	assert_status(s, VB_SECTION_PENDING);
	assert_why(s, "0 of 1 devices of a hot-plug section are here");
	assert_why(s, "claimed when they appear");
	assert_int_equal(s->n_devs, 0);
	s = section("any");
	assert_status(s, VB_SECTION_PENDING);
	assert_why(s, "no device matches \"id=10de:2205\" yet");
	/* Not absent: nothing for the binder to wait for. */
	assert_false(vb_plan_waiting(&plan));
}

static void test_hotplug_fewer_than_count_claims_those_here(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device gpus]\nmatch = id=1234:1111 boot_vga=0\ncount = 3\nhotplug = yes\n",
		 NULL);
	s = section("gpus");
	assert_status(s, VB_SECTION_PENDING);
	assert_why(s, "1 of 3 devices");
	assert_why(s, "waiting for 2 more, claimed when they appear");
	/* The one here is claimed, with its slot's other function, under every guard. */
	assert_devs(s, GPU2, AUDIO2);
	assert_true(vb_plan_section_claims(s));
}

static void test_hotplug_guards_apply_to_those_here(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device gpus]\nmatch = id=1234:1111\ncount = 3\nhotplug = yes\n", NULL);
	s = section("gpus");
	assert_status(s, VB_PLAN_GUARDED);
	assert_why(s, "boot display");
	assert_false(vb_plan_section_claims(s));
}

static void test_hotplug_more_than_count_is_ambiguous(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device nics]\nmatch = id=8086:100e\nhotplug = yes\n", NULL);
	s = section("nics");
	assert_status(s, VB_PLAN_AMBIGUOUS);
	assert_int_equal(s->n_devs, 0);
}

static void test_hotplug_exactly_count_is_ok(void **state)
{
	(void)state;
	plan_for("[device nics]\nmatch = id=8086:100e\ncount = 2\nhotplug = yes\n", NULL);
	assert_status(section("nics"), VB_PLAN_OK);
	assert_devs(section("nics"), NIC1, NIC2);
}

static void test_held_counts_toward_count(void **state)
{
	const unsigned held_one[] = {1, 0}, held_two[] = {2, 0};
	const struct vb_plan_section *s;
	const char *conf =
		"[device gpus]\nmatch = id=1234:1111 boot_vga=0\ncount = 2\nhotplug = yes\n"
		"[device nic]\nmatch = address=" NIC1 "\nhotplug = yes\ngroup = claim\n";

	(void)state;
	/* One held, one new: the count is full. */
	plan_part(conf, held_one);
	s = section("gpus");
	assert_status(s, VB_PLAN_OK);
	assert_why(s, "besides those it holds");
	assert_devs(s, GPU2, AUDIO2);
	/* Two held and one more: more than count, naming both. */
	plan_part(conf, held_two);
	s = section("gpus");
	assert_status(s, VB_PLAN_AMBIGUOUS);
	assert_why(s, "the section holds 2 already: more than its count of 2");
	assert_int_equal(s->n_devs, 0);
	assert_status(section("nic"), VB_PLAN_OK);
	/* No held at all (a full scan) counts only what matches. */
	plan_part(conf, NULL);
	s = section("gpus");
	assert_status(s, VB_SECTION_PENDING);
	assert_why(s, "1 of 2 devices");
}

static void test_held_fewer_still_pending(void **state)
{
	const unsigned held[] = {1};
	const struct vb_plan_section *s;

	(void)state;
	plan_part("[device gpus]\nmatch = id=1234:1111 boot_vga=0\ncount = 3\nhotplug = yes\n",
		  held);
	s = section("gpus");
	assert_status(s, VB_SECTION_PENDING);
	assert_why(s, "2 of 3 devices");
	assert_why(s, "the others it holds");
	assert_devs(s, GPU2, AUDIO2);
}

static void test_pending_section_keeps_its_group_claimed(void **state)
{
	(void)state;
	/*
	 * GPU2's audio is claimed by a pending hot-plug section: another section taking the GPU
	 * alone finds its group whole.
	 */
	plan_for("[device gpu]\nmatch = address=" GPU2 "\nfunctions = only\n"
		 "[device audio]\nmatch = address=" AUDIO2 "\ncount = 2\nhotplug = yes\n"
		 "functions = only\n",
		 NULL);
	assert_status(section("audio"), VB_SECTION_PENDING);
	assert_status(section("gpu"), VB_PLAN_OK);
}

#define TQ35(f) cmocka_unit_test_setup_teardown(f, setup_q35, teardown)

int main(void)
{
	const struct CMUnitTest on_q35[] = {
		TQ35(test_hotplug_none_here_is_pending),
		TQ35(test_hotplug_fewer_than_count_claims_those_here),
		TQ35(test_hotplug_guards_apply_to_those_here),
		TQ35(test_hotplug_more_than_count_is_ambiguous),
		TQ35(test_hotplug_exactly_count_is_ok),
		TQ35(test_held_counts_toward_count),
		TQ35(test_held_fewer_still_pending),
		TQ35(test_pending_section_keeps_its_group_claimed),
	};

	return cmocka_run_group_tests(on_q35, group_setup_q35, group_teardown_q35);
}
