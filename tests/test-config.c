// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The config parser against vfio-boot.conf(5) and the "Config" section of the spec: syntax,
 * every key and its default, what an error skips and what it leaves standing, and the
 * loading rules (file order, permissions) on a real directory tree.
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

/* ---- config helpers ---- */

static struct vb_config cfg;

static int setup(void **state)
{
	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	logcap_start();
	return 0;
}

/* Every test that parses text also checks that whatever it logged names file:line. */
static int teardown_located(void **state)
{
	(void)state;
	vb_config_free(&cfg);
	assert_all_msgs_located();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vb_config_free(&cfg);
	return 0;
}

static void parse_file(const char *fname, const char *text)
{
	assert_int_equal(vb_config_parse(&cfg, fname, text, strlen(text)), 0);
}

static void parse(const char *text)
{
	parse_file("t.conf", text);
	assert_int_equal(vb_config_resolve(&cfg), 0);
}

static const struct vb_device *device(const char *name)
{
	for (size_t i = 0; i < cfg.n_devices; i++)
		if (streq(cfg.devices[i].name, name))
			return &cfg.devices[i];
	return NULL;
}

static const struct vb_section *section(enum vb_section_type t, const char *name)
{
	for (size_t i = 0; i < cfg.n_sections; i++)
		if (cfg.sections[i].type == t && streq_ptr(cfg.sections[i].name, name))
			return &cfg.sections[i];
	return NULL;
}

/* ---- [device] keys ---- */

static void test_device_defaults(void **state)
{
	const struct vb_device *d;

	(void)state;
	parse("[device gpu]\nmatch = id=1234:1111\n");
	assert_int_equal(cfg.n_devices, 1);
	d = device("gpu");
	assert_non_null(d);
	assert_int_equal(d->count, 1);
	assert_false(d->functions_only);
	assert_false(d->group_claim);
	assert_int_equal(d->allow, 0);
	assert_string_equal(d->file, "t.conf");
	assert_int_equal(d->line, 1);
	assert_int_equal(d->sel.terms, VB_SEL_ID);
	assert_int_equal(d->sel.vendor, 0x1234);
	assert_int_equal(d->sel.device, 0x1111);
	assert_int_equal(cfg.n_errors, 0);
	assert_int_equal(cfg.n_warnings, 0);
	assert_int_equal(n_msgs, 0);
}

static void test_device_all_keys_set(void **state)
{
	const struct vb_device *d;

	(void)state;
	parse("[device nic]\n"
	      "match = address=0000:03:01.0 class=0200\n"
	      "count = 2\n"
	      "functions = only\n"
	      "group = claim\n"
	      "allow = boot-display storage\n");
	d = device("nic");
	assert_non_null(d);
	assert_int_equal(d->count, 2);
	assert_true(d->functions_only);
	assert_true(d->group_claim);
	assert_int_equal(d->allow, VB_ALLOW_BOOT_DISPLAY | VB_ALLOW_STORAGE);
	assert_int_equal(d->sel.terms, VB_SEL_ADDRESS | VB_SEL_CLASS);
	assert_int_equal(cfg.n_errors, 0);
}

static void test_device_explicit_defaults(void **state)
{
	const struct vb_device *d;

	(void)state;
	parse("[device a]\nmatch = id=1234:1111\ncount = 1\nfunctions = all\ngroup = refuse\n"
	      "allow =\n");
	d = device("a");
	assert_non_null(d);
	assert_int_equal(d->count, 1);
	assert_false(d->functions_only);
	assert_false(d->group_claim);
	assert_int_equal(d->allow, 0);
	assert_int_equal(cfg.n_errors, 0);
}

static void test_count_any_and_range(void **state)
{
	(void)state;
	parse("[device a]\nmatch = id=1234:1111\ncount = any\n"
	      "[device b]\nmatch = id=1234:1111\ncount = 4096\n"
	      "[device c]\nmatch = id=1234:1111\ncount = 7\n");
	assert_int_equal(cfg.n_devices, 3);
	assert_int_equal(device("a")->count, -1);
	assert_int_equal(device("b")->count, 4096);
	assert_int_equal(device("c")->count, 7);
	assert_int_equal(cfg.n_errors, 0);
}

static void test_count_bad_values_skip_section(void **state)
{
	static const char *const bad[] = {"0",	"4097", "-1",  "+1", "two",
					  "2x", "1.5",	"ANY", "",   "99999999999999999999999"};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		char text[256];

		n_msgs = 0;
		snprintf(text, sizeof(text), "[device a]\nmatch = id=1234:1111\ncount = %s\n",
			 bad[i]);
		parse(text);
		if (cfg.n_devices != 0)
			print_message("count = \"%s\" was accepted\n", bad[i]);
		assert_int_equal(cfg.n_devices, 0);
		assert_msg(LOG_ERR, "t.conf:3: ", "count",
			   "expected a number from 1 to 4096, or any");
		assert_msg(LOG_ERR, "t.conf:1: ", "skipping [device a]");
		assert_all_msgs_located();
		vb_config_free(&cfg);
	}
}

static void test_functions_and_group_values(void **state)
{
	(void)state;
	parse("[device a]\nmatch = id=1234:1111\nfunctions = some\n"
	      "[device b]\nmatch = id=1234:1111\ngroup = maybe\n"
	      "[device c]\nmatch = id=1234:1111\nfunctions = ONLY\n"
	      "[device ok]\nmatch = id=1234:1111\nfunctions = only\ngroup = claim\n");
	assert_int_equal(cfg.n_devices, 1);
	assert_non_null(device("ok"));
	assert_msg(LOG_ERR, "t.conf:3: ", "\"some\"", "expected all or only");
	assert_msg(LOG_ERR, "t.conf:6: ", "\"maybe\"", "expected refuse or claim");
	assert_msg(LOG_ERR, "t.conf:9: ", "\"ONLY\"", "expected all or only");
	assert_int_equal(cfg.n_errors, 3);
}

static void test_allow_lists(void **state)
{
	(void)state;
	parse("[device a]\nmatch = id=1234:1111\nallow = storage\n"
	      "[device b]\nmatch = id=1234:1111\nallow = boot-display\n"
	      "[device c]\nmatch = id=1234:1111\nallow = \tstorage   boot-display\t\n"
	      "[device d]\nmatch = id=1234:1111\nallow = storage gpu\n"
	      "[device e]\nmatch = id=1234:1111\nallow = boot_display\n");
	assert_int_equal(device("a")->allow, VB_ALLOW_STORAGE);
	assert_int_equal(device("b")->allow, VB_ALLOW_BOOT_DISPLAY);
	assert_int_equal(device("c")->allow, VB_ALLOW_STORAGE | VB_ALLOW_BOOT_DISPLAY);
	/* A misspelt allowance must not quietly leave the guard up and claim the rest. */
	assert_null(device("d"));
	assert_null(device("e"));
	assert_msg(LOG_ERR, "t.conf:12: ", "\"gpu\"", "expected boot-display and/or storage");
	assert_msg(LOG_ERR, "t.conf:15: ", "\"boot_display\"");
}

static void test_match_required(void **state)
{
	(void)state;
	parse("[device a]\ncount = 1\n[device b]\nmatch = id=1234:1111\n");
	assert_int_equal(cfg.n_devices, 1);
	assert_non_null(device("b"));
	assert_msg(LOG_ERR, "t.conf:1: ", "[device a]", "match", "expected");
}

static void test_match_bad_term_named(void **state)
{
	(void)state;
	parse("[device a]\nmatch = id=1234:1111 colour=red\n"
	      "[device b]\nmatch = id=1234:111\n"
	      "[device c]\nmatch =\n"
	      "[device d]\nmatch = id=1234:1111 id=1234:1111\n");
	assert_int_equal(cfg.n_devices, 0);
	assert_msg(LOG_ERR, "t.conf:2: ", "\"colour=red\"", "expected KEY=VALUE");
	assert_msg(LOG_ERR, "t.conf:4: ", "\"id=1234:111\"", "expected id=VVVV:DDDD");
	assert_msg(LOG_ERR, "t.conf:6: ", "expected at least one term");
	assert_msg(LOG_ERR, "t.conf:8: ", "at most once");
}

/* ---- unknown keys and sections ---- */

static void test_unknown_device_key_skips_section(void **state)
{
	(void)state;
	parse("[device typo]\nmatch = id=1234:1111\ncuont = 2\n"
	      "[device fine]\nmatch = id=8086:100e\n");
	assert_null(device("typo"));
	assert_non_null(device("fine"));
	assert_int_equal(cfg.n_devices, 1);
	assert_msg(LOG_ERR, "t.conf:3: ", "unknown key \"cuont\"", "[device typo]", "count");
	assert_msg(LOG_ERR, "t.conf:1: ", "skipping [device typo]");
	assert_true(section(VB_SEC_DEVICE, "typo")->bad);
}

static void test_unknown_bridge_guest_key_warns(void **state)
{
	const struct vb_section *br, *g;

	(void)state;
	parse("[bridge br0]\nuplink = eth0\ncolour = red\n"
	      "[guest win11]\nautostart = yes\nflavour = sweet\n");
	br = section(VB_SEC_BRIDGE, "br0");
	g = section(VB_SEC_GUEST, "win11");
	assert_non_null(br);
	assert_non_null(g);
	assert_false(br->bad);
	assert_false(g->bad);
	assert_string_equal(vb_section_get(br, "uplink")->value, "eth0");
	assert_string_equal(vb_section_get(g, "autostart")->value, "yes");
	assert_int_equal(cfg.n_errors, 0);
	assert_int_equal(cfg.n_warnings, 2);
	assert_msg(LOG_WARNING, "t.conf:3: ", "unknown key \"colour\"", "[bridge br0]");
	assert_msg(LOG_WARNING, "t.conf:6: ", "unknown key \"flavour\"", "[guest win11]");
	assert_int_equal(count_msgs(LOG_ERR, NULL), 0);
}

static void test_unknown_section_type_is_error(void **state)
{
	(void)state;
	parse("[vm win11]\nmatch = id=1234:1111\n[device after]\nmatch = id=8086:100e\n");
	assert_msg(LOG_ERR, "t.conf:1: ", "unknown section type \"vm\"",
		   "expected binder, device, bridge or guest");
	assert_int_equal(cfg.n_sections, 1);
	assert_int_equal(cfg.n_devices, 1);
	assert_non_null(device("after"));
	/* The bad section's own keys are not reported again as keys outside a section. */
	assert_int_equal(cfg.n_errors, 1);
}

static void test_bad_headers(void **state)
{
	(void)state;
	parse("[device gpu\nmatch = id=1234:1111\n"
	      "[device gpu] count = 2\nmatch = id=1234:1111\n"
	      "[binder fast]\nwait = 5s\n"
	      "[device]\nmatch = id=1234:1111\n"
	      "[device ok] # a comment after a header is fine\nmatch = id=1234:1111\n");
	assert_int_equal(cfg.n_devices, 1);
	assert_non_null(device("ok"));
	assert_int_equal(cfg.wait_usec, 0);
	assert_msg(LOG_ERR, "t.conf:1: ", "missing `]`");
	assert_msg(LOG_ERR, "t.conf:3: ", "after `]`");
	assert_msg(LOG_ERR, "t.conf:5: ", "[binder] takes no name");
	assert_msg(LOG_ERR, "t.conf:7: ", "[device NAME]");
	assert_int_equal(cfg.n_errors, 4);
}

/* ---- [binder] ---- */

struct wait_case {
	const char *value;
	uint64_t usec;
	int level; /* what is logged: 0 nothing, else the level */
};

static void test_binder_wait(void **state)
{
	static const struct wait_case cases[] = {
		{"500ms", 500000, 0},
		{"5s", 5000000, 0},
		{"3", 3000000, 0},
		{"0", 0, 0},
		{"60s", 60000000, 0},
		{"1min", 60000000, 0},
		{"2min", 60000000, LOG_WARNING},
		{"61", 60000000, LOG_WARNING},
		{"3600s", 60000000, LOG_WARNING},
		{"garbage", 0, LOG_ERR},
		{"5 seconds", 0, LOG_ERR},
		{"-5s", 0, LOG_ERR},
		{"1.5s", 0, LOG_ERR},
		{"5h", 0, LOG_ERR},
		{"", 0, LOG_ERR},
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		char text[128];

		n_msgs = 0;
		snprintf(text, sizeof(text), "[binder]\nwait = %s\n", cases[i].value);
		parse(text);
		if (cfg.wait_usec != cases[i].usec)
			print_message("wait = \"%s\"\n", cases[i].value);
		assert_int_equal(cfg.wait_usec, cases[i].usec);
		if (cases[i].level == 0) {
			assert_int_equal(n_msgs, 0);
		} else {
			assert_true(count_msgs(cases[i].level, NULL) >= 1);
			assert_msg(cases[i].level, "t.conf:2: ", "wait");
		}
		if (cases[i].level == LOG_WARNING)
			assert_msg(LOG_WARNING, "60s");
		if (cases[i].level == LOG_ERR)
			assert_msg(LOG_ERR, "expected a duration");
		assert_all_msgs_located();
		vb_config_free(&cfg);
	}
}

static void test_binder_default_and_unknown_key(void **state)
{
	(void)state;
	parse("[binder]\n");
	assert_int_equal(cfg.wait_usec, 0);
	assert_int_equal(n_msgs, 0);
	vb_config_free(&cfg);

	/* [binder] is strict like [device]: a typo is an error and its defaults stay. */
	parse("[binder]\nwait = 5s\nwiat = 10s\n");
	assert_int_equal(cfg.wait_usec, 0);
	assert_msg(LOG_ERR, "t.conf:3: ", "unknown key \"wiat\"");
}

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

/* Static, so that a failing assertion (which jumps out of the test) leaks nothing. */
static char bigbuf[(1 << 20) + 64];

static const char *repeat(char c, size_t n)
{
	assert_true(n < sizeof(bigbuf));
	memset(bigbuf, c, n);
	bigbuf[n] = '\0';
	return bigbuf;
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

/* ---- vb_config_load on a tree ---- */

static char root[64];

static void mkdir_in_root(const char *rel, mode_t mode)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(mkdir(p, mode), 0);
	assert_int_equal(chmod(p, mode), 0);
}

/* Absolute (outside the root) when rel starts with '/'. */
static void write_file(const char *rel, const char *text, mode_t mode)
{
	char p[256];
	int fd;

	if (rel[0] == '/')
		snprintf(p, sizeof(p), "%s", rel);
	else
		snprintf(p, sizeof(p), "%s/%s", root, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	/* The umask must not decide what a permission test tests. */
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void rel_chmod(const char *rel, mode_t mode)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(chmod(p, mode), 0);
}

static int setup_tree(void **state)
{
	setup(state);
	snprintf(root, sizeof(root), "/tmp/vb-test-config-XXXXXX");
	assert_non_null(mkdtemp(root));
	assert_int_equal(chmod(root, 0755), 0);
	mkdir_in_root("etc", 0755);
	mkdir_in_root("etc/vfio-boot", 0755);
	mkdir_in_root("etc/vfio-boot/conf.d", 0755);
	assert_int_equal(vb_root_set(root), 0);
	return 0;
}

static int teardown_tree(void **state)
{
	char cmd[128];

	teardown(state);
	vb_root_set(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void test_load_main_then_dropins_in_order(void **state)
{
	const struct vb_device *d;

	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf",
		   "[device gpu]\nmatch = id=1234:1111\ncount = 2\nfunctions = only\n", 0644);
	/* Written in reverse so that directory order is not lexical order by luck. */
	write_file("etc/vfio-boot/conf.d/20-b.conf", "[device gpu]\ncount = 3\n", 0644);
	write_file("etc/vfio-boot/conf.d/10-a.conf",
		   "[device gpu]\ncount = 1\n[binder]\nwait = 2s\n", 0600);
	write_file("etc/vfio-boot/conf.d/99-z.conf.bak", "[device gpu]\ncount = 9\n", 0644);
	write_file("etc/vfio-boot/conf.d/README", "this is not a config file\n", 0644);
	write_file("etc/vfio-boot/conf.d/.hidden.conf", "[device gpu]\ncount = 8\n", 0644);

	assert_int_equal(vb_config_load(&cfg, NULL), 0);
	assert_int_equal(cfg.n_files, 3);
	assert_string_equal(cfg.files[0], "/etc/vfio-boot/vfio-boot.conf");
	assert_string_equal(cfg.files[1], "/etc/vfio-boot/conf.d/10-a.conf");
	assert_string_equal(cfg.files[2], "/etc/vfio-boot/conf.d/20-b.conf");
	d = device("gpu");
	assert_non_null(d);
	assert_int_equal(d->count, 3);
	assert_true(d->functions_only);
	assert_int_equal(cfg.wait_usec, 2000000);
	assert_int_equal(cfg.n_errors, 0);
}

static void test_load_errors_name_path_without_root(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/conf.d/10-a.conf",
		   "[device gpu]\nmatch = id=1234:1111\ncount = 0\n", 0644);
	assert_int_equal(vb_config_load(&cfg, NULL), 0);
	assert_int_equal(cfg.n_devices, 0);
	/* The user knows the file by its path on the host, not below a test root. */
	assert_msg(LOG_ERR, "/etc/vfio-boot/conf.d/10-a.conf:3: ");
	assert_no_msg(-1, root);
}

static void test_load_only_dropins(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/conf.d/50-usb.conf", "[device usb]\nmatch = class=0c0330\n",
		   0644);
	assert_int_equal(vb_config_load(&cfg, NULL), 0);
	assert_non_null(device("usb"));
}

static void test_load_nothing_is_enoent(void **state)
{
	(void)state;
	/* The directories exist but hold no config. */
	write_file("etc/vfio-boot/conf.d/README", "not a config\n", 0644);
	assert_int_equal(vb_config_load(&cfg, NULL), -ENOENT);
	assert_int_equal(cfg.n_devices, 0);
	vb_config_free(&cfg);

	/* No /etc/vfio-boot at all. */
	assert_int_equal(vb_root_set("/nonexistent-vfio-boot-root"), 0);
	assert_int_equal(vb_config_load(&cfg, NULL), -ENOENT);
	assert_int_equal(cfg.n_devices, 0);
}

static void expect_refused(const char *needle)
{
	assert_int_equal(vb_config_load(&cfg, NULL), -EPERM);
	/* Refused whole: not even the sections of good files survive. */
	assert_int_equal(cfg.n_devices, 0);
	assert_msg(LOG_ERR, needle);
}

static void rel_symlink(const char *target, const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(symlink(target, p), 0);
}

/* Whatever a refusal is about, the config is refused whole and the message names the file. */
static void expect_refused_naming(const char *file, const char *why)
{
	assert_int_equal(vb_config_load(&cfg, NULL), -EPERM);
	assert_int_equal(cfg.n_devices, 0);
	assert_msg(LOG_ERR, file, why);
	/* -EPERM tells the programs that the reason was logged: nothing is to add to it. */
	assert_int_equal(n_msgs, 1);
}

static void test_load_refuses_group_writable_file(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0664);
	expect_refused("/etc/vfio-boot/vfio-boot.conf is writable by group or others");
}

static void test_load_refuses_world_writable_dropin(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	write_file("etc/vfio-boot/conf.d/10-a.conf", "[device usb]\nmatch = class=0c0330\n", 0646);
	expect_refused("/etc/vfio-boot/conf.d/10-a.conf is writable");
}

static void test_load_refuses_dropin_not_owned_by_root(void **state)
{
	char p[256];

	(void)state;
	if (geteuid() != 0)
		skip();
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	write_file("etc/vfio-boot/conf.d/20-b.conf", "[device usb]\nmatch = class=0c0330\n", 0644);
	snprintf(p, sizeof(p), "%s/etc/vfio-boot/conf.d/20-b.conf", root);
	assert_int_equal(chown(p, 65534, -1), 0);
	expect_refused("/etc/vfio-boot/conf.d/20-b.conf is owned by uid 65534");
}

static void test_load_refuses_main_not_owned_by_root(void **state)
{
	char p[256];

	(void)state;
	if (geteuid() != 0)
		skip();
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	snprintf(p, sizeof(p), "%s/etc/vfio-boot/vfio-boot.conf", root);
	assert_int_equal(chown(p, 65534, 65534), 0);
	expect_refused("/etc/vfio-boot/vfio-boot.conf is owned by uid 65534");
}

static void test_load_refuses_writable_dropin_dir(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	write_file("etc/vfio-boot/conf.d/10-a.conf", "[device usb]\nmatch = class=0c0330\n", 0644);
	rel_chmod("etc/vfio-boot/conf.d", 0757);
	expect_refused("/etc/vfio-boot/conf.d is writable");
}

static void test_load_refuses_writable_config_dir(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	rel_chmod("etc/vfio-boot", 0775);
	expect_refused("/etc/vfio-boot is writable");
}

static void test_load_refuses_non_regular_dropin(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	mkdir_in_root("etc/vfio-boot/conf.d/30-dir.conf", 0755);
	assert_true(vb_config_load(&cfg, NULL) < 0);
	assert_int_equal(cfg.n_devices, 0);
	assert_msg(LOG_ERR, "30-dir.conf is a directory, not a regular file");
	/* One message, and -EPERM: the programs then add no second, vaguer one. */
	vb_config_free(&cfg);
	logcap_start();
	expect_refused_naming("/etc/vfio-boot/conf.d/30-dir.conf", "not a regular file");
}

static void test_load_refuses_file_over_1mib(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", repeat('#', (1 << 20) + 1), 0644);
	write_file("etc/vfio-boot/conf.d/10-a.conf", "[device usb]\nmatch = class=0c0330\n", 0644);
	assert_true(vb_config_load(&cfg, NULL) < 0);
	assert_int_equal(cfg.n_devices, 0);
	assert_msg(LOG_ERR, "larger than 1 MiB");
}

static void test_load_explicit_file(void **state)
{
	char p[256];

	(void)state;
	/* --config FILE: that file only, by its own path, not below the root, no drop-ins. */
	write_file("etc/vfio-boot/conf.d/10-a.conf", "[device gpu]\ncount = 2\n", 0644);
	snprintf(p, sizeof(p), "%s/elsewhere.conf", root);
	write_file(
		p,
		"[device gpu]\nmatch = id=1234:1111\nallow = bogus\n[device b]\nmatch = id=8086:100e\n",
		0600);
	assert_int_equal(vb_config_load(&cfg, p), 0);
	assert_int_equal(cfg.n_files, 1);
	assert_string_equal(cfg.files[0], p);
	assert_null(device("gpu"));
	assert_non_null(device("b"));
	assert_msg(LOG_ERR, p, ":3: ");
}

static void test_load_explicit_file_missing_or_writable(void **state)
{
	char p[256];

	(void)state;
	snprintf(p, sizeof(p), "%s/missing.conf", root);
	assert_int_equal(vb_config_load(&cfg, p), -ENOENT);
	assert_msg(LOG_ERR, p);
	vb_config_free(&cfg);

	snprintf(p, sizeof(p), "%s/open.conf", root);
	write_file(p, "[device b]\nmatch = id=8086:100e\n", 0666);
	assert_int_equal(vb_config_load(&cfg, p), -EPERM);
	assert_int_equal(cfg.n_devices, 0);
	assert_msg(LOG_ERR, p, "writable");
}

/* A FIFO opened for reading waits for a writer: the load must neither wait nor read it. */
static void test_load_refuses_fifo_dropin_without_blocking(void **state)
{
	char p[256];

	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	snprintf(p, sizeof(p), "%s/etc/vfio-boot/conf.d/20-fifo.conf", root);
	assert_int_equal(mkfifo(p, 0644), 0);
	/* Were it to block, the test dies here instead of hanging the suite. */
	alarm(10);
	expect_refused_naming("/etc/vfio-boot/conf.d/20-fifo.conf", "FIFO");
	alarm(0);
}

static void test_load_refuses_fifo_main_without_blocking(void **state)
{
	char p[256];

	(void)state;
	snprintf(p, sizeof(p), "%s/etc/vfio-boot/vfio-boot.conf", root);
	assert_int_equal(mkfifo(p, 0644), 0);
	alarm(10);
	expect_refused_naming("/etc/vfio-boot/vfio-boot.conf", "FIFO");
	alarm(0);
}

/* A drop-in that narrowed a match must not vanish and leave the wider match to be claimed. */
static void test_load_refuses_dangling_dropin(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	rel_symlink("/srv/narrow-gpu.conf", "etc/vfio-boot/conf.d/40-narrow.conf");
	expect_refused_naming("/etc/vfio-boot/conf.d/40-narrow.conf", "/srv/narrow-gpu.conf");
}

static void test_load_refuses_dangling_main(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/conf.d/10-a.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	rel_symlink("gone.conf", "etc/vfio-boot/vfio-boot.conf");
	expect_refused_naming("/etc/vfio-boot/vfio-boot.conf", "gone.conf");
}

static void test_load_refuses_self_looping_dropin(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	rel_symlink("30-loop.conf", "etc/vfio-boot/conf.d/30-loop.conf");
	expect_refused_naming("/etc/vfio-boot/conf.d/30-loop.conf", "links");
}

/* Any entry that cannot be opened: here a link through a file, which no one can open. */
static void test_load_refuses_unreadable_dropin(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	rel_symlink("../vfio-boot.conf/x", "etc/vfio-boot/conf.d/35-through.conf");
	expect_refused_naming("/etc/vfio-boot/conf.d/35-through.conf", "Not a directory");
}

/* A dangling link may be removed while the directory is read, and a vanished file is not one. */
static void test_load_dropin_link_to_regular_file(void **state)
{
	char p[256];

	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	snprintf(p, sizeof(p), "%s/usb.conf", root);
	write_file(p, "[device usb]\nmatch = class=0c0330\n", 0644);
	rel_symlink(p, "etc/vfio-boot/conf.d/50-usb.conf");
	assert_int_equal(vb_config_load(&cfg, NULL), 0);
	assert_non_null(device("usb"));
	assert_int_equal(n_msgs, 0);
}

/*
 * One rule for names: every name the config takes can be recorded (else the section is claimed
 * and its guest never starts), and no record is made under a name the config would refuse.
 */
static void test_accepted_names_can_be_recorded(void **state)
{
	static const char *const names[] = {
		"gpu",	"Gpu-1_x.y", ".gpu", "..",    ".",    "...", "-gpu", "gpu.",
		"a..b", "_",	     "a b",  "gpu:0", "a\\b", "a*b", NULL,
	};

	(void)state;
	for (size_t i = 0; names[i]; i++) {
		struct vb_record rec = {0};
		char text[128];
		int r;

		vb_config_free(&cfg);
		snprintf(text, sizeof(text), "[device %s]\nmatch = id=1234:1111\n", names[i]);
		parse(text);
		vb_record_add(&rec, "status", "claimed");
		r = vb_record_write(&rec, "sections", names[i]);
		if (cfg.n_devices == 1 && r < 0)
			fail_msg("[device %s] is accepted, but its record is refused: %s", names[i],
				 strerror(-r));
		if (cfg.n_devices == 0 && r == 0)
			fail_msg("[device %s] is refused, but a record is made for it", names[i]);
	}
	/* Devices are recorded by their PCI address, which is no section name. */
	{
		struct vb_record rec = {0};

		vb_record_add(&rec, "section", "gpu");
		assert_int_equal(vb_record_write(&rec, "devices", "0000:01:00.0"), 0);
	}
}

#define T(f)  cmocka_unit_test_setup_teardown(f, setup, teardown_located)
#define TL(f) cmocka_unit_test_setup_teardown(f, setup_tree, teardown_tree)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_device_defaults),
		T(test_device_all_keys_set),
		T(test_device_explicit_defaults),
		T(test_count_any_and_range),
		T(test_count_bad_values_skip_section),
		T(test_functions_and_group_values),
		T(test_allow_lists),
		T(test_match_required),
		T(test_match_bad_term_named),
		T(test_unknown_device_key_skips_section),
		T(test_unknown_bridge_guest_key_warns),
		T(test_unknown_section_type_is_error),
		T(test_bad_headers),
		T(test_binder_wait),
		T(test_binder_default_and_unknown_key),
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
		TL(test_load_main_then_dropins_in_order),
		TL(test_load_errors_name_path_without_root),
		TL(test_load_only_dropins),
		TL(test_load_nothing_is_enoent),
		TL(test_load_refuses_group_writable_file),
		TL(test_load_refuses_world_writable_dropin),
		TL(test_load_refuses_dropin_not_owned_by_root),
		TL(test_load_refuses_main_not_owned_by_root),
		TL(test_load_refuses_writable_dropin_dir),
		TL(test_load_refuses_writable_config_dir),
		TL(test_load_refuses_non_regular_dropin),
		TL(test_load_refuses_file_over_1mib),
		TL(test_load_explicit_file),
		TL(test_load_explicit_file_missing_or_writable),
		TL(test_load_refuses_dangling_dropin),
		TL(test_load_refuses_dangling_main),
		TL(test_load_refuses_self_looping_dropin),
		TL(test_load_refuses_unreadable_dropin),
		TL(test_load_dropin_link_to_regular_file),
		TL(test_accepted_names_can_be_recorded),
		/* Last: before the fix they block until the alarm ends the program. */
		TL(test_load_refuses_fifo_dropin_without_blocking),
		TL(test_load_refuses_fifo_main_without_blocking),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
