// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What cannot be read counts against a claim: a uevent, group or driver link, or boot_vga
 * that is not as the kernel makes it leaves the device in the scan, marked, and refuses the
 * sections it could change (tests/mock/fixture.h builds the trees; the scan itself is in
 * test-plan-scan.c).
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

/* The attribute replaced by something else: a directory, a link, or text. */
static void replace_attr(const char *rel, const char *text, const char *link_to, bool dir)
{
	char *p = fx_path(fx, rel);

	assert_int_equal(unlink(p), 0);
	if (dir)
		assert_int_equal(mkdir(p, 0755), 0);
	else if (link_to)
		assert_int_equal(symlink(link_to, p), 0);
	free(p);
	if (text)
		fx_write(fx, rel, text, 0644);
}

/* Refused whatever the reason, with why naming each needle. */
static void assert_refused(const struct vb_plan_section *s, const char *needle, ...)
{
	va_list ap;

	if (s->status == VB_PLAN_OK || s->status == VB_PLAN_NONE) {
		print_message("section %s claims; it must be refused\n", s->name);
		dump_section(s);
		fail();
	}
	va_start(ap, needle);
	for (; needle; needle = va_arg(ap, const char *))
		assert_why(s, needle);
	va_end(ap);
}
#define assert_refused(s, ...) assert_refused(s, __VA_ARGS__, NULL)

/*
 * NIC2 shares IOMMU group 3 with NIC1. Its uevent names no id and its vendor file is garbage:
 * it must stay in the scan and keep NIC1 from being claimed alone.
 */
static void test_unparsable_group_member_refuses(void **state)
{
	(void)state;
	fx_q35_two_gpus(fx);
	fx_write(fx, DEV_ATTR(NIC2, "uevent"),
		 "PCI_CLASS=20000\nPCI_ID=zzzz:100e\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=" NIC2
		 "\n",
		 0644);
	fx_write(fx, DEV_ATTR(NIC2, "vendor"), "garbage\n", 0644);
	plan_for("[device nic]\nmatch = address=" NIC1 "\n", NULL);
	assert_refused(section("nic"), NIC2, "uevent", "PCI_ID=\"zzzz:100e\"");
	assert_int_equal(vb_section_status_to_string(section("nic")->status)[0],
			 'u'); /* unreadable */
	assert_non_null(vb_pci_find(&pci, NIC2));
}

/* A uevent id one digit short is not read as another id: the match cannot be told. */
static void test_short_uevent_id_is_no_id(void **state)
{
	(void)state;
	fx_q35_two_gpus(fx);
	fx_write(fx, DEV_ATTR(NIC2, "uevent"),
		 "PCI_CLASS=20000\nPCI_ID=8086:100\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=" NIC2
		 "\n",
		 0644);
	plan_for("[device nics]\nmatch = id=8086:0100\ngroup = claim\n", NULL);
	assert_refused(section("nics"), NIC2, "PCI_ID=\"8086:100\"", "id");
}

static void test_uevent_malformed_marks_unreadable(void **state)
{
	static const char *const bad[] = {
		"PCI_CLASS=20000\nPCI_ID=8086:100e\nPCI_SUBSYS_ID=1af4:1100\n", /* no slot name */
		"PCI_CLASS=1020000\nPCI_ID=8086:100e\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=" NIC2,
		"PCI_CLASS=20000\nPCI_ID=8086:100e\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=0000:00:00.0",
		"PCI_CLASS=20000\nPCI_ID=8086:100e\nPCI_ID=8086:100e\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=" NIC2,
		"PCI_CLASS=20000\nPCI_ID=+086:100e\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=" NIC2,
		"PCI_CLASS=20000\nPCI_ID=8086:100e\nPCI_SUBSYS_ID=1af4:1100 \nPCI_SLOT_NAME=" NIC2,
		"PCI_CLASS\nPCI_ID=8086:100e\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=" NIC2,
		"PCI_ID=8086",
	};
	const struct vb_pci_dev *d;

	(void)state;
	fx_q35_two_gpus(fx);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		fx_write(fx, DEV_ATTR(NIC2, "uevent"), bad[i], 0644);
		scan();
		assert_int_equal(pci.n, 14);
		d = vb_pci_find(&pci, NIC2);
		assert_non_null(d);
		if (!d->unreadable)
			print_message("uevent taken: %s\n", bad[i]);
		assert_non_null(d->unreadable);
		assert_true(d->unknown & VB_PCI_UNKNOWN_IDS);
		assert_int_equal(d->vendor, 0);
		assert_int_equal(d->iommu_group, 3);
	}
	/* The kernel's own, for contrast: upper-case hex, class without leading zeros. */
	fx_write(fx, DEV_ATTR(NIC2, "uevent"),
		 "DRIVER=e1000\nPCI_CLASS=20000\nPCI_ID=8086:100E\nPCI_SUBSYS_ID=1AF4:1100\n"
		 "PCI_SLOT_NAME=" NIC2
		 "\nMODALIAS=pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00\n",
		 0644);
	scan();
	d = vb_pci_find(&pci, NIC2);
	assert_null(d->unreadable);
	assert_int_equal(d->vendor, 0x8086);
	assert_int_equal(d->device, 0x100e);
	assert_int_equal(d->class_code, 0x020000);
}

/* Its group link names no group: NIC2 may be in NIC1's group. */
static void test_unreadable_group_link_refuses(void **state)
{
	(void)state;
	fx_q35_two_gpus(fx);
	replace_attr(DEV_ATTR(NIC2, "iommu_group"), NULL, "../../../../kernel/iommu_groups/x",
		     false);
	plan_for("[device nic]\nmatch = address=" NIC1 "\n", NULL);
	assert_refused(section("nic"), NIC2, "iommu_group");
}

/*
 * A driver "link" that is no link cannot say which driver holds NIC2: the scan reads it when
 * NIC2 has no uevent to say.
 */
static void test_unreadable_driver_link_refuses(void **state)
{
	char *p;

	(void)state;
	fx_q35_two_gpus(fx);
	p = fx_path(fx, DEV_ATTR(NIC2, "uevent"));
	assert_int_equal(unlink(p), 0);
	free(p);
	replace_attr(DEV_ATTR(NIC2, "driver"), "e1000\n", NULL, false);
	plan_for("[device nic]\nmatch = address=" NIC1 "\n", NULL);
	assert_refused(section("nic"), NIC2, "driver");
}

/*
 * The driver links (read for the listings) are asked once per driver whether it is there, for
 * links of the kernel's form; NIC2's link names the same driver as NIC1's but climbs one
 * level short, to no driver: it is gone for NIC2 alone.
 */
static void test_driver_link_short_of_sys_is_gone(void **state)
{
	(void)state;
	fx_q35_two_gpus(fx);
	replace_attr(DEV_ATTR(NIC2, "driver"), NULL, "../../../bus/pci/drivers/e1000", false);
	scan();
	assert_int_equal(vb_pci_load_links(&pci), 0);
	assert_string_equal(vb_pci_find(&pci, NIC1)->driver, "e1000");
	assert_false(vb_pci_find(&pci, NIC1)->driver_gone);
	assert_string_equal(vb_pci_find(&pci, NIC2)->driver, "e1000");
	assert_true(vb_pci_find(&pci, NIC2)->driver_gone);
}

/*
 * A DRIVER= line that is not the kernel's makes the uevent untrusted like any other: ids
 * unknown, and the driver read from the link.
 */
static void test_uevent_bad_driver_line(void **state)
{
	static const char *const bad[] = {
		"DRIVER=e1000/x\n",
		"DRIVER=\n",
		"DRIVER=..\n",
		"DRIVER=e1000\nDRIVER=e1000\n",
	};
	const struct vb_pci_dev *d;

	(void)state;
	fx_q35_two_gpus(fx);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		char *text;

		assert_true(asprintf(&text,
				     "%sPCI_CLASS=20000\nPCI_ID=8086:100E\n"
				     "PCI_SUBSYS_ID=1AF4:1100\nPCI_SLOT_NAME=" NIC2 "\n",
				     bad[i]) > 0);
		fx_write(fx, DEV_ATTR(NIC2, "uevent"), text, 0644);
		free(text);
		scan();
		d = vb_pci_find(&pci, NIC2);
		if (!d->unreadable)
			print_message("uevent taken: %s\n", bad[i]);
		assert_non_null(d->unreadable);
		assert_non_null(strstr(d->unreadable, "DRIVER="));
		assert_true(d->unknown & VB_PCI_UNKNOWN_IDS);
		assert_string_equal(d->driver, "e1000");
	}
}

/* Only "0" says a device is not the boot display. */
static void test_boot_vga_garbage_guarded(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	fx_q35_two_gpus(fx);
	fx_write(fx, DEV_ATTR(GPU2, "boot_vga"), "2\n", 0644);
	plan_for("[device gpu]\nmatch = address=" GPU2 "\n", NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_GUARDED);
	assert_refused(s, GPU2, "boot_vga reads \"2\"", "allow = boot-display");
}

static void test_boot_vga_unreadable_guarded(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	fx_q35_two_gpus(fx);
	replace_attr(DEV_ATTR(GPU2, "boot_vga"), NULL, NULL, true);
	plan_for("[device gpu]\nmatch = address=" GPU2 "\n"
		 "[device allowed]\nmatch = address=" GPU2 "\nallow = boot-display\n",
		 NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_GUARDED);
	assert_refused(s, GPU2, "boot_vga cannot be read", "Is a directory");
	/* Told to take it anyway, it takes it. */
	assert_status(section("allowed"), VB_PLAN_OK);
}

/* A VGA device without boot_vga at all: the kernel always makes one, so it is not known. */
static void test_boot_vga_missing_on_vga_guarded(void **state)
{
	(void)state;
	fx_q35_two_gpus(fx);
	replace_attr(DEV_ATTR(GPU2, "boot_vga"), NULL, NULL, false);
	plan_for("[device gpu]\nmatch = address=" GPU2 "\n", NULL);
	assert_refused(section("gpu"), GPU2, "without boot_vga");
}

/* boot_vga=0 cannot be told of a card whose boot_vga is garbage: the section claims none. */
static void test_boot_vga_selector_undecidable(void **state)
{
	(void)state;
	fx_q35_two_gpus(fx);
	fx_write(fx, DEV_ATTR(GPU2, "boot_vga"), "yes\n", 0644);
	plan_for("[device gpu]\nmatch = id=1234:1111 boot_vga=0\n", NULL);
	assert_refused(section("gpu"), GPU2, "boot_vga", "\"yes\"");
}

/* Gone meanwhile (the bus link points nowhere): left out, nothing else changes. */
static void test_hot_unplugged_left_out(void **state)
{
	char *p;

	(void)state;
	fx_q35_two_gpus(fx);
	p = fx_path(fx, "sys/bus/pci/devices/0000:09:00.0");
	assert_int_equal(symlink("../../../devices/pci0000:00/0000:09:00.0", p), 0);
	free(p);
	plan_for("[device nic]\nmatch = address=" NIC1 "\ngroup = claim\n", NULL);
	assert_int_equal(pci.n, 14);
	assert_status(section("nic"), VB_PLAN_OK);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest on_own_tree[] = {
		T(test_uevent_bad_driver_line),		  T(test_unparsable_group_member_refuses),
		T(test_short_uevent_id_is_no_id),	  T(test_uevent_malformed_marks_unreadable),
		T(test_unreadable_group_link_refuses),	  T(test_unreadable_driver_link_refuses),
		T(test_driver_link_short_of_sys_is_gone), T(test_boot_vga_garbage_guarded),
		T(test_boot_vga_unreadable_guarded),	  T(test_boot_vga_missing_on_vga_guarded),
		T(test_boot_vga_selector_undecidable),	  T(test_hot_unplugged_left_out),
	};

	return cmocka_run_group_tests(on_own_tree, NULL, NULL);
}
