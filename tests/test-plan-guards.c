// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Planning per the [device] rules of the spec: identical GPUs and counts, the boot display
 * and storage guards, and IOMMU groups behind a PCI bridge.
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

/* ---- identical GPUs ---- */

static void test_identical_gpus_id_is_ambiguous(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device gpu]\nmatch = id=1234:1111\n", NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_AMBIGUOUS);
	assert_int_equal(s->n_devs, 0);
	assert_detail(s, GPU1, "boot display");
	assert_detail(s, GPU2);
	assert_why(s, "2 devices");
	assert_false(vb_plan_waiting(&plan));
}

static void test_identical_gpus_boot_vga_0_claims_pair(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device gpu]\nmatch = id=1234:1111 boot_vga=0\n", NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_OK);
	/* The root port shares the group but is a bridge: never claimed, never in the way. */
	assert_devs(s, GPU2, AUDIO2);
	assert_string_equal(dev_reason(s, GPU2), "matched");
	assert_non_null(strstr(dev_reason(s, AUDIO2), GPU2));
	assert_string_equal(s->file, "/etc/vfio-boot/vfio-boot.conf");
	assert_int_equal(s->line, 1);
}

static void test_functions_only_refused_for_group(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device gpu]\nmatch = id=1234:1111 boot_vga=0\nfunctions = only\n", NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_GROUP);
	assert_detail(s, AUDIO2, "snd_hda_intel");
	assert_no_detail(s, PORT2);
	assert_why(s, "group = claim");
}

static void test_functions_only_group_claim_takes_audio(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device gpu]\nmatch = id=1234:1111 boot_vga=0\nfunctions = only\ngroup = claim\n",
		 NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_OK);
	assert_devs(s, GPU2, AUDIO2);
}

static void test_count_too_few(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device gpu]\nmatch = id=1234:1111 boot_vga=0\ncount = 2\n", NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_TOO_FEW);
	assert_int_equal(s->n_devs, 0);
	assert_detail(s, GPU2);
	/* Fewer than expected may still be enumerating: the binder waits for it. */
	assert_true(vb_plan_waiting(&plan));
}

/* ---- guards ---- */

static void test_boot_display_guarded(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device gpu]\nmatch = address=" GPU1 "\n", NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_GUARDED);
	assert_why(s, "boot display");
	assert_why(s, "allow = boot-display");
	assert_false(vb_plan_waiting(&plan));
}

static void test_boot_display_allowed(void **state)
{
	(void)state;
	plan_for("[device gpu]\nmatch = address=" GPU1 "\nallow = boot-display\n", NULL);
	assert_status(section("gpu"), VB_PLAN_OK);
	assert_devs(section("gpu"), GPU1, AUDIO1);
}

static void test_boot_display_guard_covers_other_functions(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	/* Asking for the audio function brings its GPU along, and that is the boot display. */
	plan_for("[device audio]\nmatch = address=" AUDIO1 "\n", NULL);
	s = section("audio");
	assert_status(s, VB_PLAN_GUARDED);
	assert_why(s, GPU1);
}

static void test_storage_guarded(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device sata]\nmatch = address=" SATA "\n"
		 "[device sata-class]\nmatch = class=0106\nfunctions = only\n",
		 NULL);
	s = section("sata");
	assert_status(s, VB_PLAN_GUARDED);
	assert_why(s, "storage");
	assert_why(s, "allow = storage");
	assert_status(section("sata-class"), VB_PLAN_GUARDED);
}

static void test_storage_allowed_still_needs_its_group(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device sata]\nmatch = address=" SATA "\nallow = storage\nfunctions = only\n",
		 NULL);
	s = section("sata");
	assert_status(s, VB_PLAN_GROUP);
	assert_detail(s, LPC, "lpc_ich");
	assert_detail(s, SMBUS, "i801_smbus");
}

static void test_storage_guard_covers_group_members(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	/* group = claim would take the SATA controller along with the SMBus controller. */
	plan_for("[device smbus]\nmatch = address=" SMBUS "\nfunctions = only\ngroup = claim\n",
		 NULL);
	s = section("smbus");
	assert_status(s, VB_PLAN_GUARDED);
	assert_why(s, SATA);
}

/* ---- IOMMU groups behind the PCI bridge ---- */

static void test_group_refuse_behind_pci_bridge(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device nic]\nmatch = address=" NIC1 "\n", NULL);
	s = section("nic");
	assert_status(s, VB_PLAN_GROUP);
	assert_detail(s, NIC2, "e1000");
	/* The bridge is in the group too, but never blocks. */
	assert_no_detail(s, PCI_BRIDGE);
}

static void test_group_claim_behind_pci_bridge(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device nic]\nmatch = address=" NIC1 "\ngroup = claim\n", NULL);
	s = section("nic");
	assert_status(s, VB_PLAN_OK);
	assert_devs(s, NIC1, NIC2);
	assert_non_null(strstr(dev_reason(s, NIC2), "IOMMU group 3"));
}

static void test_two_sections_split_a_group(void **state)
{
	(void)state;
	plan_for("[device nic1]\nmatch = address=" NIC1 "\n"
		 "[device nic2]\nmatch = address=" NIC2 "\n",
		 NULL);
	assert_status(section("nic1"), VB_PLAN_OK);
	assert_status(section("nic2"), VB_PLAN_OK);
	assert_devs(section("nic1"), NIC1);
	assert_devs(section("nic2"), NIC2);
}

static void test_refused_section_does_not_count_as_claimed(void **state)
{
	(void)state;
	/* nic2 is refused (the card at its address is not a VGA controller), so nic1 is too. */
	plan_for("[device nic1]\nmatch = address=" NIC1 "\n"
		 "[device nic2]\nmatch = address=" NIC2 " class=0300\n",
		 NULL);
	assert_status(section("nic2"), VB_PLAN_ABSENT);
	assert_status(section("nic1"), VB_PLAN_GROUP);
	assert_detail(section("nic1"), NIC2);
}

/*
 * P and Q share group 20, R and S group 21. Section a claims P and counts on b for Q; b
 * claims Q and R and is refused for S. Only by going round again does a learn that Q is not
 * claimed after all: the spec's "its refusal can refuse the other section too".
 */
static void test_group_refusal_reaches_fixed_point(void **state)
{
	(void)state;
	bridge("0000:00:1c.0", NULL, 20);
	endpoint("0000:01:00.0", "0000:00:1c.0", 0x8086, 0x100e, 0x020000, 20, "e1000");  /* P */
	endpoint("0000:01:00.1", "0000:00:1c.0", 0x8086, 0x10d3, 0x020000, 20, "e1000e"); /* Q */
	bridge("0000:00:1d.0", NULL, 21);
	endpoint("0000:02:00.0", "0000:00:1d.0", 0x8086, 0x10d3, 0x020000, 21, "e1000e"); /* R */
	endpoint("0000:02:00.1", "0000:00:1d.0", 0x8086, 0x1f41, 0x020000, 21, "igb");	  /* S */
	plan_for("[device a]\nmatch = address=0000:01:00.0\nfunctions = only\n"
		 "[device b]\nmatch = id=8086:10d3\ncount = 2\nfunctions = only\n",
		 NULL);
	assert_status(section("b"), VB_PLAN_GROUP);
	assert_detail(section("b"), "0000:02:00.1", "igb");
	assert_status(section("a"), VB_PLAN_GROUP);
	assert_detail(section("a"), "0000:01:00.1");
}

static void test_device_on_vfio_pci_counts_as_claimed(void **state)
{
	(void)state;
	bridge("0000:00:02.0", NULL, 2);
	fx_device(fx, "0000:02:00.0",
		  &(struct fx_dev){.parent = "0000:00:02.0",
				   .vendor = 0x1234,
				   .device = 0x1111,
				   .class = 0x030000,
				   .boot_vga = 0,
				   .group = 2,
				   .host_driver = "bochs-drm",
				   .bound = true});
	endpoint("0000:02:00.1", "0000:00:02.0", 0x8086, 0x293e, 0x040300, 2, NULL);
	fx_driver(fx, "vfio-pci", "vfio_pci");
	fx_bind(fx, "0000:02:00.1", "vfio-pci");
	plan_for("[device gpu]\nmatch = address=0000:02:00.0\nfunctions = only\n", NULL);
	assert_status(section("gpu"), VB_PLAN_OK);
	assert_devs(section("gpu"), "0000:02:00.0");
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TQ35(f) cmocka_unit_test_setup_teardown(f, setup_q35, teardown)

int main(void)
{
	const struct CMUnitTest on_q35[] = {
		TQ35(test_identical_gpus_id_is_ambiguous),
		TQ35(test_identical_gpus_boot_vga_0_claims_pair),
		TQ35(test_functions_only_refused_for_group),
		TQ35(test_functions_only_group_claim_takes_audio),
		TQ35(test_count_too_few),
		TQ35(test_boot_display_guarded),
		TQ35(test_boot_display_allowed),
		TQ35(test_boot_display_guard_covers_other_functions),
		TQ35(test_storage_guarded),
		TQ35(test_storage_allowed_still_needs_its_group),
		TQ35(test_storage_guard_covers_group_members),
		TQ35(test_group_refuse_behind_pci_bridge),
		TQ35(test_group_claim_behind_pci_bridge),
		TQ35(test_two_sections_split_a_group),
		TQ35(test_refused_section_does_not_count_as_claimed),
	};
	const struct CMUnitTest on_own_tree[] = {
		T(test_group_refusal_reaches_fixed_point),
		T(test_device_on_vfio_pci_counts_as_claimed),
	};

	return run_plan_tests(on_q35, on_own_tree);
}
