// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Planning what vfio_boot.claim= on the kernel command line asks for, alone and beside
 * the config.
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

/* ---- vfio_boot.claim= ---- */

static void test_cmdline_claim_functions_only_group_refuse(void **state)
{
	const struct vb_plan_section *s;
	char src[64];

	(void)state;
	plan_for(NULL, "quiet vfio_boot.claim=" GPU2);
	assert_int_equal(plan.n_sections, 1);
	s = &plan.sections[0];
	assert_string_equal(s->name, "vfio_boot.claim=" GPU2);
	assert_null(s->file);
	vb_plan_section_source(s, src, sizeof(src));
	assert_string_equal(src, "kernel command line");
	/* functions only: the audio function stays out, and refuses the claim for the group. */
	assert_status(s, VB_PLAN_GROUP);
	assert_detail(s, AUDIO2, "snd_hda_intel");
}

static void test_cmdline_claims_split_a_group(void **state)
{
	(void)state;
	plan_for(NULL, "vfio_boot.claim=" GPU2 "," AUDIO2);
	assert_int_equal(plan.n_sections, 2);
	assert_status(section("vfio_boot.claim=" GPU2), VB_PLAN_OK);
	assert_devs(section("vfio_boot.claim=" GPU2), GPU2);
	assert_status(section("vfio_boot.claim=" AUDIO2), VB_PLAN_OK);
	assert_devs(section("vfio_boot.claim=" AUDIO2), AUDIO2);
}

static void test_cmdline_claim_guards(void **state)
{
	(void)state;
	plan_for(NULL, "vfio_boot.claim=" GPU1 "," AUDIO1 "," SATA "," NIC1);
	assert_status(section("vfio_boot.claim=" GPU1), VB_PLAN_GUARDED);
	/* The boot display is not claimed, so its audio function's group is not whole. */
	assert_status(section("vfio_boot.claim=" AUDIO1), VB_PLAN_GROUP);
	assert_status(section("vfio_boot.claim=" SATA), VB_PLAN_GUARDED);
	assert_status(section("vfio_boot.claim=" NIC1), VB_PLAN_GROUP);
}

static void test_cmdline_claim_with_config(void **state)
{
	(void)state;
	/* A config section and a command-line claim divide a group between them. */
	plan_for("[device gpu]\nmatch = address=" GPU2 "\nfunctions = only\n",
		 "vfio_boot.claim=0000:02:00.1");
	assert_int_equal(plan.n_sections, 2);
	assert_status(section("gpu"), VB_PLAN_OK);
	assert_status(section("vfio_boot.claim=" AUDIO2), VB_PLAN_OK);
}

static void test_cmdline_claim_absent(void **state)
{
	(void)state;
	plan_for(NULL, "vfio_boot.claim=0000:0a:00.0");
	assert_status(section("vfio_boot.claim=0000:0a:00.0"), VB_PLAN_ABSENT);
	assert_detail(section("vfio_boot.claim=0000:0a:00.0"), "no device at 0000:0a:00.0");
}

#define TQ35(f) cmocka_unit_test_setup_teardown(f, setup_q35, teardown)

int main(void)
{
	const struct CMUnitTest on_q35[] = {
		TQ35(test_cmdline_claim_functions_only_group_refuse),
		TQ35(test_cmdline_claims_split_a_group),
		TQ35(test_cmdline_claim_guards),
		TQ35(test_cmdline_claim_with_config),
		TQ35(test_cmdline_claim_absent),
	};

	return cmocka_run_group_tests(on_q35, group_setup_q35, group_teardown_q35);
}
