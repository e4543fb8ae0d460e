// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Match lines, pci= topology paths and PCI addresses against the "match =" rules of
 * vfio-boot.conf(5): what is accepted, what is rejected and what the rejection says.
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

/* ---- vb_selector_parse ---- */

static void test_term_address(void **state)
{
	(void)state;
	parse_ok("address=0000:02:00.0");
	assert_int_equal(sel.terms, VB_SEL_ADDRESS);
	assert_int_equal(sel.addr.domain, 0);
	assert_int_equal(sel.addr.bus, 2);
	assert_int_equal(sel.addr.dev, 0);
	assert_int_equal(sel.addr.fn, 0);

	parse_ok("address=000A:Bc:1F.7");
	assert_int_equal(sel.addr.domain, 0xa);
	assert_int_equal(sel.addr.bus, 0xbc);
	assert_int_equal(sel.addr.dev, 0x1f);
	assert_int_equal(sel.addr.fn, 7);

	/* The domain is required in address= (unlike in path=). */
	parse_bad("address=02:00.0", 0, "address=DDDD:BB:DD.F");
	parse_bad("address=0000:02:00.8", 0, "address=DDDD:BB:DD.F");
	parse_bad("address=0000:02:20.0", 0, "address=DDDD:BB:DD.F");
	parse_bad("address=0000:02:00", 0, "address=DDDD:BB:DD.F");
}

static void test_term_id_and_subsystem(void **state)
{
	(void)state;
	parse_ok("id=10DE:2204");
	assert_int_equal(sel.terms, VB_SEL_ID);
	assert_int_equal(sel.vendor, 0x10de);
	assert_int_equal(sel.device, 0x2204);

	parse_ok("subsystem=1af4:1100");
	assert_int_equal(sel.terms, VB_SEL_SUBSYSTEM);
	assert_int_equal(sel.sub_vendor, 0x1af4);
	assert_int_equal(sel.sub_device, 0x1100);

	parse_ok("id=abcd:EF01 subsystem=FfFf:0000");
	assert_int_equal(sel.vendor, 0xabcd);
	assert_int_equal(sel.device, 0xef01);
	assert_int_equal(sel.sub_vendor, 0xffff);
	assert_int_equal(sel.sub_device, 0);

	parse_bad("id=1234:111", 0, "id=VVVV:DDDD");
	parse_bad("id=12345:1111", 0, "id=VVVV:DDDD");
	parse_bad("id=1234-1111", 0, "id=VVVV:DDDD");
	parse_bad("id=123g:1111", 0, "id=VVVV:DDDD");
	parse_bad("id=0x12:1111", 0, "id=VVVV:DDDD");
	parse_bad("subsystem=1af4", 0, "subsystem=VVVV:DDDD");
}

static void test_term_class(void **state)
{
	(void)state;
	parse_ok("class=0300");
	assert_int_equal(sel.terms, VB_SEL_CLASS);
	assert_int_equal(sel.class_code, 0x0300);
	assert_int_equal(sel.class_digits, 4);

	parse_ok("class=0C0330");
	assert_int_equal(sel.class_code, 0x0c0330);
	assert_int_equal(sel.class_digits, 6);

	parse_bad("class=03", 0, "class=CCSS");
	parse_bad("class=030", 0, "class=CCSS");
	parse_bad("class=03000", 0, "class=CCSS");
	parse_bad("class=0300000", 0, "class=CCSS");
	parse_bad("class=03x0", 0, "class=CCSS");
}

static void test_term_path(void **state)
{
	(void)state;
	parse_ok("path=0000:00:02.0/00.0");
	assert_int_equal(sel.terms, VB_SEL_PATH);
	assert_string_equal(sel.path, "0000:00:02.0/00.0");

	/* Stored canonically, so that it compares equal to what the scan computes. */
	parse_ok("path=00:1C.4/00.0/1F.7");
	assert_string_equal(sel.path, "0000:00:1c.4/00.0/1f.7");

	parse_bad("path=0000:00:02.0/", 0, "path=");
	parse_bad("path=bus2", 0, "path=");
}

static void test_term_slot(void **state)
{
	(void)state;
	parse_ok("slot=5");
	assert_int_equal(sel.terms, VB_SEL_SLOT);
	assert_string_equal(sel.slot, "5");

	parse_ok("slot=PCIe-x16_1");
	assert_string_equal(sel.slot, "PCIe-x16_1");

	/* A slot is one directory name under /sys/bus/pci/slots. */
	parse_bad("slot=../1", 0, "slot=NAME");
}

static void test_term_boot_vga(void **state)
{
	(void)state;
	parse_ok("boot_vga=0");
	assert_int_equal(sel.terms, VB_SEL_BOOT_VGA);
	assert_int_equal(sel.boot_vga, 0);
	parse_ok("boot_vga=1");
	assert_int_equal(sel.boot_vga, 1);

	parse_bad("boot_vga=2", 0, "boot_vga=0 or boot_vga=1");
	parse_bad("boot_vga=yes", 0, "boot_vga=0 or boot_vga=1");
	parse_bad("boot_vga=01", 0, "boot_vga=0 or boot_vga=1");
}

static void test_all_terms_together(void **state)
{
	(void)state;
	parse_ok("  address=0000:02:00.0\tid=1234:1111  subsystem=1af4:1100 class=0300 "
		 "path=00:02.0/00.0 slot=2 boot_vga=0\t");
	assert_int_equal(sel.terms, VB_SEL_ADDRESS | VB_SEL_ID | VB_SEL_SUBSYSTEM | VB_SEL_CLASS |
					    VB_SEL_PATH | VB_SEL_SLOT | VB_SEL_BOOT_VGA);
}

static void test_duplicate_terms_rejected(void **state)
{
	(void)state;
	/* bad points at the repeated term, not the first one. */
	parse_bad("id=1234:1111 id=1234:1111", 13, "at most once");
	parse_bad("class=0300 id=1234:1111 class=0c03", 24, "at most once");
	parse_bad("path=00:02.0/00.0 path=00:03.0/00.0", 18, "at most once");
	parse_bad("slot=1 slot=2", 7, "at most once");
	parse_bad("boot_vga=0 boot_vga=0", 11, "at most once");
	parse_bad("address=0000:02:00.0 address=0000:02:00.0", 21, "at most once");
	parse_bad("subsystem=1af4:1100 subsystem=1af4:1100", 20, "at most once");
}

static void test_empty_match_rejected(void **state)
{
	(void)state;
	parse_bad("", 0, "at least one term");
	parse_bad(" \t ", 0, "at least one term");
}

static void test_bad_terms_named(void **state)
{
	(void)state;
	parse_bad("id=1234:1111 colour=red", 13, "KEY=VALUE");
	parse_bad("id=1234:1111 colour=red", 13,
		  "address, id, subsystem, class, path, slot, boot_vga");
	parse_bad("1234:1111", 0, "KEY=VALUE");
	parse_bad("id=", 0, "KEY=VALUE");
	parse_bad("=1234:1111", 0, "KEY=VALUE");
	parse_bad("class=0300 vendor=1234", 11, "KEY=VALUE");
	/* White space around '=' splits a term in two: neither half is a term. */
	parse_bad("id = 1234:1111", 0, "KEY=VALUE");
	/* The good terms before a bad one are not kept. */
	parse_bad("slot=1 path=00:02.0/00.0 id=12", 25, "id=VVVV:DDDD");
}

/* ---- vb_path_parse ---- */

static void path_ok(const char *in, const char *want)
{
	_cleanup_free_ char *out = NULL;
	int r = vb_path_parse(in, &out);

	if (r < 0)
		print_message("path \"%s\" rejected\n", in);
	assert_int_equal(r, 0);
	assert_string_equal(out, want);
}

static void path_bad(const char *in)
{
	char *out = NULL;
	int r = vb_path_parse(in, &out);

	if (r == 0) {
		print_message("path \"%s\" accepted as \"%s\"\n", in, out);
		free(out);
	}
	assert_int_equal(r, -EINVAL);
}

static void test_path_forms(void **state)
{
	(void)state;
	path_ok("0000:00:02.0/00.0", "0000:00:02.0/00.0");
	path_ok("00:02.0/00.0", "0000:00:02.0/00.0");
	path_ok("0000:00:02.0", "0000:00:02.0");
	path_ok("00:1f.3", "0000:00:1f.3");
	path_ok("0000:00:1c.4/00.0/02.0/00.0", "0000:00:1c.4/00.0/02.0/00.0");
	path_ok("0001:00:01.0/00.0", "0001:00:01.0/00.0");
	path_ok("00:1C.4/1F.7/0a.1", "0000:00:1c.4/1f.7/0a.1");
	path_ok("FFFF:FF:1F.7/1F.7", "ffff:ff:1f.7/1f.7");
}

static void test_path_bad_forms(void **state)
{
	(void)state;
	/* missing function */
	path_bad("0000:00:02/00.0");
	path_bad("0000:00:02.0/00");
	path_bad("0000:00:02.0/00.");
	path_bad("00:02");
	/* device above 1f, function above 7 */
	path_bad("0000:00:20.0/00.0");
	path_bad("0000:00:02.0/20.0");
	path_bad("0000:00:02.0/ff.0");
	path_bad("0000:00:02.8/00.0");
	path_bad("0000:00:02.0/00.8");
	path_bad("0000:00:02.0/00.0/00.9");
	/* trailing or doubled slash */
	path_bad("0000:00:02.0/");
	path_bad("0000:00:02.0/00.0/");
	path_bad("0000:00:02.0//00.0");
	/* garbage */
	path_bad("");
	path_bad("/");
	path_bad("/00.0");
	path_bad("garbage");
	path_bad("0000:00:02.0/00.0x");
	path_bad("0000:00:02.0/00.0 ");
	path_bad(" 0000:00:02.0/00.0");
	path_bad("0000:00:02.0/+0.0");
	path_bad("0000:00:02.0/0x.0");
	path_bad("0:00:02.0/00.0");
	path_bad("00000:00:02.0/00.0");
	path_bad("0000:00:02.0\\00.0");
	path_bad("0000:00:02.0/00:0");
}

/* ---- vb_pci_addr_parse ---- */

static void addr_bad(const char *s)
{
	struct vb_pci_addr a = {1, 2, 3, 4};

	if (vb_pci_addr_parse(s, &a) == 0)
		print_message("address \"%s\" accepted\n", s);
	assert_int_equal(vb_pci_addr_parse(s, &a), -EINVAL);
	/* A rejected address leaves the output alone. */
	assert_int_equal(a.domain, 1);
	assert_int_equal(a.fn, 4);
}

static void test_addr_parse(void **state)
{
	struct vb_pci_addr a;
	char buf[VB_ADDR_MAX];

	(void)state;
	assert_int_equal(vb_pci_addr_parse("0000:0A:1F.7", &a), 0);
	assert_int_equal(a.domain, 0);
	assert_int_equal(a.bus, 0xa);
	assert_int_equal(a.dev, 0x1f);
	assert_int_equal(a.fn, 7);
	vb_pci_addr_format(&a, buf);
	assert_string_equal(buf, "0000:0a:1f.7");

	assert_int_equal(vb_pci_addr_parse("ffff:ff:1f.7", &a), 0);
	vb_pci_addr_format(&a, buf);
	assert_string_equal(buf, "ffff:ff:1f.7");

	assert_int_equal(vb_pci_addr_parse("0000:00:00.0", &a), 0);
	vb_pci_addr_format(&a, buf);
	assert_string_equal(buf, "0000:00:00.0");
}

static void test_addr_parse_rejects(void **state)
{
	(void)state;
	/* too short, no domain */
	addr_bad("0000:00:02");
	addr_bad("00:02.0");
	addr_bad("0:00:02.0");
	addr_bad("");
	/* what sscanf alone would take */
	addr_bad("+000:00:02.0");
	addr_bad("0000:+0:02.0");
	addr_bad("0000:00:+2.0");
	addr_bad("-000:00:02.0");
	addr_bad(" 000:00:02.0");
	addr_bad("0000: 0:02.0");
	addr_bad("0000:00: 2.0");
	addr_bad("0x00:00:02.0");
	addr_bad("0000:0x:02.0");
	/* trailing bytes */
	addr_bad("0000:00:02.0 ");
	addr_bad("0000:00:02.0\n");
	addr_bad("0000:00:02.00");
	addr_bad("00000:00:02.0");
	/* out of range */
	addr_bad("0000:00:02.8");
	addr_bad("0000:00:02.f");
	addr_bad("0000:00:20.0");
	/* wrong separators, not hex */
	addr_bad("0000.00:02.0");
	addr_bad("0000:00.02.0");
	addr_bad("0000:00:02:0");
	addr_bad("000g:00:02.0");
}

/*
 * A term that cannot be told on a device (it could not be fully read) leaves the match
 * undecided unless another term is false: it never counts as a match, nor as none.
 */

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_term_address),
		T(test_term_id_and_subsystem),
		T(test_term_class),
		T(test_term_path),
		T(test_term_slot),
		T(test_term_boot_vga),
		T(test_all_terms_together),
		T(test_duplicate_terms_rejected),
		T(test_empty_match_rejected),
		T(test_bad_terms_named),
		T(test_path_forms),
		T(test_path_bad_forms),
		T(test_addr_parse),
		T(test_addr_parse_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
