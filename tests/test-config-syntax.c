// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The config parser's syntax: comments, whitespace, keys outside sections, merging across
 * files, section names, line endings, long lines and NUL bytes, and the file:line each
 * setting keeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"
#include "logcapture.h"
#include "record.h"
#include "sysroot.h"
#include "util.h"
#include "config-test.h"

/* ---- syntax ---- */

static void test_comments(void **state)
{
	const struct vb_device *d;

	(void)state;
	parse("# a whole-line comment\n"
	      "   \t# an indented one\n"
	      "[device a]\n"
	      "match = slot=a#b # the slot is a#b\n"
	      "count = 2 # two cards\n"
	      "functions = only\t# tab before the hash\n"
	      "#count = 3\n");
	d = device("a");
	assert_non_null(d);
	assert_string_equal(d->sel.slot, "a#b");
	assert_int_equal(d->count, 2);
	assert_true(d->functions_only);
	assert_string_equal(vb_section_get(section(VB_SEC_DEVICE, "a"), "match")->value,
			    "slot=a#b");
	assert_int_equal(n_msgs, 0);
}

static void test_hash_without_space_is_value(void **state)
{
	(void)state;
	/* "2#x" is not "2": without white space the hash belongs to the value. */
	parse("[device a]\nmatch = id=1234:1111\ncount = 2#x\n");
	assert_null(device("a"));
	assert_msg(LOG_ERR, "t.conf:3: ", "\"2#x\"");
}

static void test_whitespace_around_equals(void **state)
{
	(void)state;
	parse("  [device a]  \n\tmatch=id=1234:1111\t\n  count\t=\t  2  \n");
	assert_non_null(device("a"));
	assert_int_equal(device("a")->count, 2);
	assert_int_equal(n_msgs, 0);
}

static void test_bad_key_syntax_skips_section(void **state)
{
	(void)state;
	parse("[device a]\nmatch = id=1234:1111\nCount = 2\n"
	      "[device b]\nmatch = id=1234:1111\nthis line has no equals sign\n"
	      "[device c]\nmatch = id=1234:1111\n= 2\n"
	      "[device ok]\nmatch = id=1234:1111\n");
	assert_int_equal(cfg.n_devices, 1);
	assert_non_null(device("ok"));
	assert_msg(LOG_ERR, "t.conf:3: ", "expected a key of lower-case letters");
	assert_msg(LOG_ERR, "t.conf:6: ", "expected `key = value`");
	assert_msg(LOG_ERR, "t.conf:9: ", "expected a key");
}

static void test_keys_outside_sections(void **state)
{
	(void)state;
	parse("match = id=1234:1111\n\n[device a]\nmatch = id=8086:100e\n");
	assert_msg(LOG_ERR, "t.conf:1: ", "\"match\" outside any section");
	assert_int_equal(cfg.n_devices, 1);
	assert_int_equal(device("a")->sel.vendor, 0x8086);
}

static void test_section_does_not_continue_into_next_file(void **state)
{
	(void)state;
	/* A drop-in's first lines must not land in the section the previous file ended in. */
	parse_file("a.conf", "[device a]\nmatch = id=1234:1111\n");
	parse_file("b.conf", "count = 2\n");
	assert_int_equal(vb_config_resolve(&cfg), 0);
	assert_int_equal(device("a")->count, 1);
	assert_msg(LOG_ERR, "b.conf:1: ", "\"count\" outside any section");
}

static void test_merge_across_files_later_wins(void **state)
{
	const struct vb_device *d;

	(void)state;
	parse_file("/etc/vfio-boot/vfio-boot.conf", "[binder]\nwait = 5s\n"
						    "[device gpu]\n"
						    "match = id=1234:1111 boot_vga=0\n"
						    "count = 2\n"
						    "functions = only\n");
	parse_file("/etc/vfio-boot/conf.d/50-gpu.conf", "[device gpu]\n"
							"count = 1\n"
							"[binder]\n"
							"wait = 1s\n");
	assert_int_equal(vb_config_resolve(&cfg), 0);
	assert_int_equal(cfg.n_devices, 1);
	d = device("gpu");
	assert_non_null(d);
	assert_int_equal(d->count, 1);
	/* Keys the drop-in does not set keep the main file's values. */
	assert_true(d->functions_only);
	assert_int_equal(d->sel.terms, VB_SEL_ID | VB_SEL_BOOT_VGA);
	assert_int_equal(cfg.wait_usec, 1000000);
	assert_int_equal(n_msgs, 0);
}

static void test_merge_match_replaced_whole(void **state)
{
	const struct vb_device *d;

	(void)state;
	parse_file("a.conf", "[device gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	parse_file("b.conf", "[device gpu]\nmatch = address=0000:02:00.0\n");
	assert_int_equal(vb_config_resolve(&cfg), 0);
	d = device("gpu");
	assert_non_null(d);
	assert_int_equal(d->sel.terms, VB_SEL_ADDRESS);
}

static void test_merge_error_names_later_file(void **state)
{
	(void)state;
	parse_file("a.conf", "[device gpu]\nmatch = id=1234:1111\n");
	parse_file("b.conf", "\n[device gpu]\ncount = lots\n");
	assert_int_equal(vb_config_resolve(&cfg), 0);
	assert_null(device("gpu"));
	assert_msg(LOG_ERR, "b.conf:3: ", "count = \"lots\"");
}

static void test_same_name_different_types_are_distinct(void **state)
{
	(void)state;
	parse("[device x]\nmatch = id=1234:1111\n[bridge x]\nuplink = eth0\n[guest x]\n");
	assert_int_equal(cfg.n_sections, 3);
	assert_int_equal(cfg.n_devices, 1);
	assert_int_equal(n_msgs, 0);
}

static void test_section_names(void **state)
{
	char name64[65], name65[66], text[1024];

	(void)state;
	memset(name64, 'a', 64);
	name64[64] = '\0';
	memset(name65, 'b', 65);
	name65[65] = '\0';
	snprintf(text, sizeof(text),
		 "[device Gpu-1_x.y]\nmatch = id=1234:1111\n"
		 "[device %s]\nmatch = id=1234:1111\n"
		 "[device %s]\nmatch = id=1234:1111\n"
		 "[device ..]\nmatch = id=1234:1111\n"
		 "[device .]\nmatch = id=1234:1111\n"
		 "[device a/b]\nmatch = id=1234:1111\n"
		 "[device a b]\nmatch = id=1234:1111\n"
		 "[device gpu:0]\nmatch = id=1234:1111\n"
		 "[device ...]\nmatch = id=1234:1111\n"
		 "[device .gpu]\nmatch = id=1234:1111\n"
		 "[device gpu.]\nmatch = id=1234:1111\n",
		 name64, name65);
	parse(text);
	assert_non_null(device("Gpu-1_x.y"));
	assert_non_null(device(name64));
	assert_non_null(device("gpu."));
	assert_int_equal(cfg.n_devices, 3);
	/* A leading dot would make a hidden record: such a name is refused here already. */
	for (unsigned line = 5; line <= 19; line += 2) {
		char where[32];
		snprintf(where, sizeof(where), "t.conf:%u: ", line);
		assert_msg(LOG_ERR, where, "[device NAME] needs a name");
	}
	assert_int_equal(cfg.n_errors, 8);
}

static void test_guest_and_bridge_names(void **state)
{
	char text[512], long_guest[202];

	(void)state;
	memset(long_guest, 'g', 201);
	long_guest[201] = '\0';
	snprintf(text, sizeof(text),
		 "[guest Windows 11 (gaming)]\nautostart = yes\n"
		 "[guest a\x01"
		 "b]\n"
		 "[guest %s]\n"
		 "[bridge br-lan.15xxxxxx]\n"
		 "[bridge br-lan.16xxxxxxx]\n"
		 "[bridge br 0]\n"
		 "[bridge 100]\n",
		 long_guest);
	parse(text);
	assert_non_null(section(VB_SEC_GUEST, "Windows 11 (gaming)"));
	assert_non_null(section(VB_SEC_BRIDGE, "br-lan.15xxxxxx"));
	assert_int_equal(cfg.n_sections, 2);
	assert_msg(LOG_ERR, "t.conf:3: ", "[guest NAME]");
	assert_msg(LOG_ERR, "t.conf:4: ", "[guest NAME]");
	assert_msg(LOG_ERR, "t.conf:6: ", "[bridge NAME]", "15");
	assert_msg(LOG_ERR, "t.conf:7: ", "[bridge NAME]");
	/* The kernel would take it, but ip(8) and networkd read a number as an ifindex. */
	assert_msg(LOG_ERR, "t.conf:8: ", "[bridge NAME]");
	assert_int_equal(cfg.n_errors, 5);
}

static void test_crlf(void **state)
{
	const struct vb_device *d;

	(void)state;
	parse("# written on Windows\r\n[device gpu]\r\nmatch = id=1234:1111 boot_vga=0\r\n"
	      "count = 2\r\nallow = storage\r\n\r\n[binder]\r\nwait = 5s\r\n");
	d = device("gpu");
	assert_non_null(d);
	assert_int_equal(d->count, 2);
	assert_int_equal(d->allow, VB_ALLOW_STORAGE);
	assert_int_equal(d->sel.boot_vga, 0);
	assert_int_equal(cfg.wait_usec, 5000000);
	assert_int_equal(n_msgs, 0);
}

static void test_no_trailing_newline(void **state)
{
	(void)state;
	parse("[device gpu]\nmatch = id=1234:1111\ncount = 3");
	assert_int_equal(device("gpu")->count, 3);
}

static void test_empty_file(void **state)
{
	(void)state;
	assert_int_equal(vb_config_parse(&cfg, "t.conf", "", 0), 0);
	assert_int_equal(vb_config_resolve(&cfg), 0);
	assert_int_equal(cfg.n_sections, 0);
	assert_int_equal(cfg.n_devices, 0);
	assert_int_equal(cfg.n_files, 1);
	assert_int_equal(n_msgs, 0);
	vb_config_free(&cfg);

	parse("\n\n# only comments\n   \n\t\n");
	assert_int_equal(cfg.n_sections, 0);
	assert_int_equal(n_msgs, 0);
}

static void test_long_lines(void **state)
{
	static char ok[4097], toolong[4098], text[9000];

	(void)state;
	/* "# xxx...": exactly 4096 bytes is allowed. */
	memset(ok, 'x', 4096);
	ok[0] = '#';
	memset(toolong, 'y', 4097);
	toolong[0] = '#';
	snprintf(text, sizeof(text),
		 "[device a]\nmatch = id=1234:1111\n%s\n"
		 "[device b]\nmatch = id=1234:1111\n%s\ncount = 1\n"
		 "[device c]\nbad line\n",
		 ok, toolong);
	parse(text);
	assert_non_null(device("a"));
	/* The section around the long line is skipped: what it said is unknown. */
	assert_null(device("b"));
	assert_msg(LOG_ERR, "t.conf:6: ", "longer than 4096");
	/* Line numbers after the long line still count it as one line. */
	assert_msg(LOG_ERR, "t.conf:9: ", "expected `key = value`");
}

/*
 * A term longer than any real value is rejected, not truncated into something else, and the
 * error still says what was expected: the term quoted in it must not crowd that out.
 */
static void test_long_bad_term_error_says_expected(void **state)
{
	static char text[1100];

	(void)state;
	snprintf(text, sizeof(text), "[device a]\nmatch = slot=%.1000s\n", repeat('s', 1000));
	parse(text);
	assert_null(device("a"));
	assert_msg(LOG_ERR, "t.conf:2: ", "bad term");
	assert_msg(LOG_ERR, "t.conf:2: ", "expected");
}

static void test_nul_bytes(void **state)
{
	static const char text[] = "[device a]\nmatch = id=1234:1111\ncount = 2\0 any\n"
				   "[device b]\nmatch = id=8086:100e\n"
				   "\0\n"
				   "[device c]\nmatch = id=8086:10d3\n";

	(void)state;
	assert_int_equal(vb_config_parse(&cfg, "t.conf", text, sizeof(text) - 1), 0);
	assert_int_equal(vb_config_resolve(&cfg), 0);
	/* "count = 2\0 any" must not be read as "count = 2". */
	assert_null(device("a"));
	assert_null(device("b"));
	assert_non_null(device("c"));
	assert_msg(LOG_ERR, "t.conf:3: ", "NUL");
	assert_msg(LOG_ERR, "t.conf:6: ", "NUL");
}

/*
 * A header that cannot be read opens a section nobody knows: what follows it belongs to that
 * unknown section, never to the one before, which it would otherwise widen or narrow.
 */
static void test_long_header_ends_previous_section(void **state)
{
	static char text[9000];

	(void)state;
	snprintf(text, sizeof(text),
		 "[device gpu]\nmatch = id=1234:1111\n[device %s]\ncount = any\nfunctions = only\n"
		 "[device usb]\nmatch = class=0c0330\n",
		 repeat('x', 4100));
	parse(text);
	assert_non_null(device("gpu"));
	assert_null(vb_section_get(section(VB_SEC_DEVICE, "gpu"), "count"));
	assert_int_equal(device("gpu")->count, 1);
	assert_false(device("gpu")->functions_only);
	assert_non_null(device("usb"));
	assert_msg(LOG_ERR, "t.conf:3: ", "header");
	assert_int_equal(cfg.n_errors, 1);
}

static void test_nul_header_ends_previous_section(void **state)
{
	static const char text[] = "[device gpu]\nmatch = id=1234:1111\n"
				   "  [device a\0b]\nmatch = id=8086:100e\ncount = 2\n"
				   "[device c]\nmatch = id=8086:10d3\n";

	(void)state;
	assert_int_equal(vb_config_parse(&cfg, "t.conf", text, sizeof(text) - 1), 0);
	assert_int_equal(vb_config_resolve(&cfg), 0);
	assert_non_null(device("gpu"));
	assert_int_equal(device("gpu")->sel.vendor, 0x1234);
	assert_int_equal(device("gpu")->count, 1);
	assert_non_null(device("c"));
	assert_int_equal(cfg.n_devices, 2);
	assert_msg(LOG_ERR, "t.conf:3: ", "header", "NUL");
	assert_int_equal(cfg.n_errors, 1);
}

static void test_settings_keep_file_and_line(void **state)
{
	const struct vb_section *s;
	const struct vb_setting *st;

	(void)state;
	parse_file("a.conf", "[device gpu]\nmatch = id=1234:1111\n");
	parse_file("b.conf", "# drop-in\n[device gpu]\ncount = 1\n");
	s = section(VB_SEC_DEVICE, "gpu");
	assert_non_null(s);
	st = vb_section_get(s, "count");
	assert_non_null(st);
	assert_string_equal(st->file, "b.conf");
	assert_int_equal(st->line, 3);
	st = vb_section_get(s, "match");
	assert_string_equal(st->file, "a.conf");
	assert_int_equal(st->line, 2);
	assert_null(vb_section_get(s, "allow"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown_located)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_comments),
		T(test_hash_without_space_is_value),
		T(test_whitespace_around_equals),
		T(test_bad_key_syntax_skips_section),
		T(test_keys_outside_sections),
		T(test_section_does_not_continue_into_next_file),
		T(test_merge_across_files_later_wins),
		T(test_merge_match_replaced_whole),
		T(test_merge_error_names_later_file),
		T(test_same_name_different_types_are_distinct),
		T(test_section_names),
		T(test_guest_and_bridge_names),
		T(test_crlf),
		T(test_no_trailing_newline),
		T(test_empty_file),
		T(test_long_lines),
		T(test_long_bad_term_error_says_expected),
		T(test_nul_bytes),
		T(test_long_header_ends_previous_section),
		T(test_nul_header_ends_previous_section),
		T(test_settings_keep_file_and_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
