// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The config parser against vfio-boot.conf(5): every [device] and [binder] key with its
 * default, unknown keys and section types, bad headers, and what an error skips and what
 * it leaves standing.
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
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_value_refused("[device a]\nmatch = id=1234:1111\ncount = %s\n", bad[i],
				     "t.conf:3: ", "count",
				     "expected a number from 1 to 4096, or any");
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
		   "expected binder, device, bridge, guest or usb");
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

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown_located)

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
