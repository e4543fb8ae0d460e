// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which devices a selector picks, what it cannot tell for a device it cannot read whole, and
 * its canonical form.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pci.h"
#include "selector.h"
#include "util.h"

#include "selector-test.h"

/* ---- vb_selector_match ---- */

static struct vb_pci_dev gpu(void)
{
	struct vb_pci_dev d = {
		.addr = "0000:02:00.0",
		.a = {0, 2, 0, 0},
		.vendor = 0x1234,
		.device = 0x1111,
		.sub_vendor = 0x1af4,
		.sub_device = 0x1100,
		.class_code = 0x030000,
		.header_type = 0,
		.boot_vga = 0,
		.iommu_group = 2,
		.path = (char *)"0000:00:02.0/00.0",
		.slot = (char *)"2",
	};
	return d;
}

static bool matches(const char *text, const struct vb_pci_dev *d)
{
	parse_ok(text);
	return vb_selector_match(&sel, d);
}

static void test_match_each_term(void **state)
{
	struct vb_pci_dev d = gpu();

	(void)state;
	assert_true(matches("address=0000:02:00.0", &d));
	assert_false(matches("address=0000:02:00.1", &d));
	assert_false(matches("address=0001:02:00.0", &d));
	assert_true(matches("id=1234:1111", &d));
	assert_false(matches("id=1234:1112", &d));
	assert_false(matches("id=1235:1111", &d));
	assert_true(matches("subsystem=1AF4:1100", &d));
	assert_false(matches("subsystem=1af4:1101", &d));
	assert_true(matches("slot=2", &d));
	assert_false(matches("slot=20", &d));
	assert_true(matches("path=00:02.0/00.0", &d));
}

static void test_match_hex_any_case(void **state)
{
	struct vb_pci_dev d = gpu();

	(void)state;
	d.vendor = 0x10de;
	d.device = 0x2bcd;
	d.a = (struct vb_pci_addr){0, 0xa, 0x1c, 0};
	assert_true(matches("id=10DE:2BCD", &d));
	assert_true(matches("id=10de:2bcd", &d));
	assert_true(matches("address=0000:0A:1C.0", &d));
}

static void test_match_all_terms_must_hold(void **state)
{
	struct vb_pci_dev d = gpu();

	(void)state;
	assert_true(matches("id=1234:1111 class=0300 boot_vga=0", &d));
	assert_false(matches("id=1234:1111 class=0403", &d));
	assert_false(matches("id=1234:1111 boot_vga=1", &d));
	assert_false(matches("id=1234:1111 address=0000:01:00.0", &d));
}

static void test_match_class_prefix(void **state)
{
	struct vb_pci_dev d = gpu();

	(void)state;
	d.class_code = 0x030000;
	assert_true(matches("class=0300", &d));
	assert_true(matches("class=030000", &d));
	assert_false(matches("class=030001", &d));
	d.class_code = 0x030001;
	assert_true(matches("class=0300", &d));
	assert_false(matches("class=030000", &d));
	/* 0380 ("other display") is not a VGA controller. */
	d.class_code = 0x038000;
	assert_false(matches("class=0300", &d));
	assert_true(matches("class=0380", &d));
	/* The prefix is the first four digits, not any four. */
	d.class_code = 0x000300;
	assert_false(matches("class=0300", &d));
	assert_true(matches("class=0003", &d));

	/* Six digits match exactly: xHCI only, not EHCI or a vendor-specific USB. */
	d.class_code = 0x0c0330;
	assert_true(matches("class=0c0330", &d));
	assert_true(matches("class=0C03", &d));
	d.class_code = 0x0c0320;
	assert_false(matches("class=0c0330", &d));
	assert_true(matches("class=0c03", &d));
	d.class_code = 0x0c0331;
	assert_false(matches("class=0c0330", &d));
}

static void test_match_path_equality(void **state)
{
	struct vb_pci_dev d = gpu();

	(void)state;
	d.path = (char *)"0000:00:1c.4/00.0/02.0/00.0";
	assert_true(matches("path=0000:00:1c.4/00.0/02.0/00.0", &d));
	assert_true(matches("path=00:1C.4/00.0/02.0/00.0", &d));
	/* Neither an ancestor nor a descendant nor a sibling is the device. */
	assert_false(matches("path=0000:00:1c.4/00.0/02.0", &d));
	assert_false(matches("path=0000:00:1c.4/00.0/02.0/00.0/00.0", &d));
	assert_false(matches("path=0000:00:1c.4/00.0/02.0/00.1", &d));
	assert_false(matches("path=0001:00:1c.4/00.0/02.0/00.0", &d));
	d.path = NULL;
	assert_false(matches("path=0000:00:1c.4/00.0/02.0/00.0", &d));
}

static void test_match_slot_absent(void **state)
{
	struct vb_pci_dev d = gpu();

	(void)state;
	d.slot = NULL;
	assert_false(matches("slot=2", &d));
}

/*
 * vfio-boot.conf(5): "boot_vga=0 matches every other device". The kernel has boot_vga only on
 * VGA-class devices, so "every other" must include devices without the attribute (-1): else
 * `match = id=... boot_vga=0` would never select a 3D controller (class 0302) or the audio
 * function it is meant to take along by address. boot_vga=1 is only ever the boot display.
 */
static void test_match_boot_vga(void **state)
{
	struct vb_pci_dev d = gpu();

	(void)state;
	d.boot_vga = 0;
	assert_true(matches("boot_vga=0", &d));
	assert_false(matches("boot_vga=1", &d));
	d.boot_vga = 1;
	assert_false(matches("boot_vga=0", &d));
	assert_true(matches("boot_vga=1", &d));
	d.boot_vga = -1;
	assert_true(matches("boot_vga=0", &d));
	assert_false(matches("boot_vga=1", &d));
}

/* ---- vb_selector_format ---- */

static void test_format_round_trip(void **state)
{
	static const char *const inputs[] = {
		"path=00:1C.4/00.0 class=0C03 id=1234:ABCD boot_vga=0 address=0000:0A:00.0 "
		"subsystem=1AF4:1100 slot=slot-5",
		"class=0300",
		"class=000000",
		"class=0c0330",
		"boot_vga=1",
		"id=0000:ffff",
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(inputs); i++) {
		struct vb_selector first;
		_cleanup_free_ char *a = NULL, *b = NULL;

		parse_ok(inputs[i]);
		first = sel;
		assert_int_equal(vb_selector_format(&sel, &a), 0);
		sel = (struct vb_selector){0};
		parse_ok(a);
		assert_int_equal(vb_selector_format(&sel, &b), 0);
		assert_string_equal(a, b);
		assert_int_equal(sel.terms, first.terms);
		assert_int_equal(sel.class_code, first.class_code);
		assert_int_equal(sel.class_digits, first.class_digits);
		assert_memory_equal(&sel.addr, &first.addr, sizeof(sel.addr));
		assert_int_equal(sel.vendor, first.vendor);
		assert_int_equal(sel.device, first.device);
		assert_int_equal(sel.sub_vendor, first.sub_vendor);
		assert_int_equal(sel.sub_device, first.sub_device);
		assert_int_equal(sel.boot_vga, first.boot_vga);
		assert_true(streq_ptr(sel.path, first.path));
		assert_true(streq_ptr(sel.slot, first.slot));
		vb_selector_done(&first);
	}
}

static void test_format_canonical(void **state)
{
	_cleanup_free_ char *s = NULL;

	(void)state;
	parse_ok("path=00:1C.4/00.0 class=0C03 id=1234:ABCD boot_vga=0 address=0000:0A:00.0 "
		 "subsystem=1AF4:1100 slot=slot-5");
	assert_int_equal(vb_selector_format(&sel, &s), 0);
	assert_string_equal(s, "address=0000:0a:00.0 id=1234:abcd subsystem=1af4:1100 class=0c03 "
			       "path=0000:00:1c.4/00.0 slot=slot-5 boot_vga=0");
}

static void test_eval_unknown_terms(void **state)
{
	struct vb_pci_dev d = gpu();
	const char *unknown;

	(void)state;
	d.unknown = VB_PCI_UNKNOWN_IDS;
	parse_ok("id=1234:1111");
	assert_int_equal(vb_selector_eval(&sel, &d, &unknown), -ENODATA);
	assert_string_equal(unknown, "id");
	assert_false(vb_selector_match(&sel, &d));
	vb_selector_done(&sel);
	parse_ok("address=0000:02:00.1 class=0300");
	assert_int_equal(vb_selector_eval(&sel, &d, &unknown), 0);
	vb_selector_done(&sel);
	parse_ok("address=0000:02:00.0 subsystem=1af4:1100");
	assert_int_equal(vb_selector_eval(&sel, &d, &unknown), -ENODATA);
	assert_string_equal(unknown, "subsystem");
	vb_selector_done(&sel);

	d = gpu();
	d.boot_vga = VB_BOOT_VGA_UNKNOWN;
	parse_ok("id=1234:1111 boot_vga=0");
	assert_int_equal(vb_selector_eval(&sel, &d, &unknown), -ENODATA);
	assert_string_equal(unknown, "boot_vga");
	vb_selector_done(&sel);
	parse_ok("id=1234:1112 boot_vga=1");
	assert_int_equal(vb_selector_eval(&sel, &d, &unknown), 0);
	vb_selector_done(&sel);

	d = gpu();
	d.unknown = VB_PCI_UNKNOWN_PATH;
	d.path = NULL;
	parse_ok("path=00:02.0/00.0");
	assert_int_equal(vb_selector_eval(&sel, &d, &unknown), -ENODATA);
	vb_selector_done(&sel);
	parse_ok("slot=2 id=1234:1111");
	assert_int_equal(vb_selector_eval(&sel, &d, &unknown), 1);
	vb_selector_done(&sel);
	/* The device's own device and function, or domain, rule a path out: no path needed. */
	parse_ok("path=00:02.0/01.0");
	assert_int_equal(vb_selector_eval(&sel, &d, &unknown), 0);
	vb_selector_done(&sel);
	parse_ok("path=0001:00:02.0/00.0");
	assert_int_equal(vb_selector_eval(&sel, &d, &unknown), 0);
	vb_selector_done(&sel);
}

/* A path that is not read yet: -EAGAIN when only it can tell, an answer when anything else can. */
static void test_eval_path_unread(void **state)
{
	struct vb_pci_dev d = gpu();
	const char *unknown;

	(void)state;
	d.path_unread = true;
	d.path = NULL;
	parse_ok("path=00:02.0/00.0");
	assert_int_equal(vb_selector_eval(&sel, &d, &unknown), -EAGAIN);
	assert_false(vb_selector_match(&sel, &d));
	vb_selector_done(&sel);
	parse_ok("path=0000:02:00.0");
	assert_int_equal(vb_selector_eval(&sel, &d, &unknown), -EAGAIN);
	vb_selector_done(&sel);
	parse_ok("path=0000:02:00.1");
	assert_int_equal(vb_selector_eval(&sel, &d, &unknown), 0);
	vb_selector_done(&sel);
	parse_ok("path=00:02.0/00.0 id=1234:1112");
	assert_int_equal(vb_selector_eval(&sel, &d, &unknown), 0);
	vb_selector_done(&sel);
	parse_ok("path=00:02.0/00.1");
	assert_int_equal(vb_selector_eval(&sel, &d, &unknown), 0);
	vb_selector_done(&sel);
	d.unknown = VB_PCI_UNKNOWN_IDS;
	parse_ok("path=00:02.0/00.0 id=1234:1111");
	assert_int_equal(vb_selector_eval(&sel, &d, &unknown), -ENODATA);
	assert_string_equal(unknown, "id");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_match_each_term),
		T(test_match_hex_any_case),
		T(test_match_all_terms_must_hold),
		T(test_match_class_prefix),
		T(test_match_path_equality),
		T(test_match_slot_absent),
		T(test_match_boot_vga),
		T(test_eval_unknown_terms),
		T(test_eval_path_unread),
		T(test_format_round_trip),
		T(test_format_canonical),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
