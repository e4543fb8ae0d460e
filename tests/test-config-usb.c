// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * [usb NAME] sections against vfio-boot.conf(5): every key with its default, each bad value
 * refused at its file:line, a section that selects nothing, and names.
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

#include "config.h"
#include "log.h"
#include "logcapture.h"
#include "util.h"
#include "config-test.h"

static const struct vb_usb_section *usb(const char *name)
{
	return vb_usb_section_find(&cfg, name);
}

static void test_usb_keys(void **state)
{
	const struct vb_usb_section *u;

	(void)state;
	parse("[usb keyboard]\nid = 046D:c52b\n"
	      "[usb dongle]\nid = 0951:1666\nserial = AA BB-01\nport = 3-1.4\ncount = 2\n"
	      "[usb hub]\nport = 1-2\ncount = any\n"
	      "[usb stick]\nserial = 0123456789\n");
	assert_int_equal(cfg.n_errors, 0);
	assert_int_equal(cfg.n_usbs, 4);

	u = usb("keyboard");
	assert_non_null(u);
	assert_true(u->has_id);
	assert_int_equal(u->vendor, 0x046d);
	assert_int_equal(u->product, 0xc52b);
	assert_null(u->serial);
	assert_null(u->port);
	assert_int_equal(u->count, 1); /* the default */
	assert_null(u->guest);
	assert_string_equal(u->file, "t.conf");
	assert_int_equal(u->line, 1);
	assert_ptr_equal(&cfg.sections[u->section], section(VB_SEC_USB, "keyboard"));

	u = usb("dongle");
	assert_true(u->has_id);
	assert_string_equal(u->serial, "AA BB-01");
	assert_string_equal(u->port, "3-1.4");
	assert_int_equal(u->count, 2);

	u = usb("hub");
	assert_false(u->has_id);
	assert_string_equal(u->port, "1-2");
	assert_int_equal(u->count, -1);

	u = usb("stick");
	assert_false(u->has_id);
	assert_string_equal(u->serial, "0123456789");
	assert_null(vb_usb_section_find(&cfg, "nothing"));
}

/* One bad value: the section is skipped, the error at its line. */
static void refused(const char *key, const char *value, const char *says)
{
	char text[1024];

	n_msgs = 0;
	snprintf(text, sizeof(text), "[usb a]\nid = 1234:5678\n%s = %s\n[usb good]\nport = 1-1\n",
		 key, value);
	parse(text);
	if (usb("a"))
		print_message("%s = \"%s\" was accepted\n", key, value);
	assert_null(usb("a"));
	assert_non_null(usb("good"));
	assert_true(section(VB_SEC_USB, "a")->bad);
	assert_msg(LOG_ERR, "t.conf:3: ", key, says);
	assert_msg(LOG_ERR, "t.conf:1: ", "skipping [usb a]");
	assert_all_msgs_located();
	vb_config_free(&cfg);
}

static void test_usb_bad_values(void **state)
{
	static const char *const ids[] = {"1234",      "1234:",	     ":5678",	  "12345:5678",
					  "123:5678",  "12g4:5678",  "1234-5678", "1234 5678",
					  "0x12:5678", "1234:5678:9"};
	static const char *const ports[] = {"1",      "1-",
					    "0-1",    "1-0",
					    "01-2",   "1-2.",
					    "1-.2",   "1-2:1.0",
					    "usb1",   "1-2/3",
					    "a-b",    "1--2",
					    "1-2..3", "1-1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1"};
	static const char *const counts[] = {"0", "-1", "4097", "two", "ANY", "1.5", "+1"};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(ids); i++)
		refused("id", ids[i], "expected VVVV:PPPP");
	for (size_t i = 0; i < ELEMENTSOF(ports); i++)
		refused("port", ports[i], "expected a port path such as 1-2 or 3-1.4");
	for (size_t i = 0; i < ELEMENTSOF(counts); i++)
		refused("count", counts[i], "expected a number from 1 to 4096, or any");
	refused("serial", repeat('x', 600), "expected the device's serial");
}

static void test_usb_needs_a_selector(void **state)
{
	(void)state;
	parse("[usb a]\n\n[usb b]\ncount = any\n[usb c]\nserial = X\n");
	assert_null(usb("a"));
	assert_null(usb("b"));
	assert_non_null(usb("c"));
	assert_msg(LOG_ERR, "t.conf:1: ", "[usb a] selects nothing",
		   "at least one of id =, serial =, port =");
	assert_msg(LOG_ERR, "t.conf:3: ", "[usb b] selects nothing");
	assert_msg(LOG_ERR, "t.conf:3: ", "skipping [usb b]");
	assert_int_equal(cfg.n_usbs, 1);
}

static void test_usb_unknown_key_and_names(void **state)
{
	(void)state;
	parse("[usb typo]\nid = 1234:5678\nseriall = X\n"
	      "[usb]\nid = 1234:5678\n"
	      "[usb .hidden]\nid = 1234:5678\n"
	      "[usb two words]\nid = 1234:5678\n"
	      "[usb ok_1.2-x]\nid = 1234:5678\nid = 1234:5679\n");
	assert_null(usb("typo"));
	assert_msg(LOG_ERR, "t.conf:3: ", "unknown key \"seriall\"", "[usb typo]", "serial");
	assert_msg(LOG_ERR, "t.conf:4: ", "[usb NAME] needs a name");
	assert_msg(LOG_ERR, "t.conf:6: ", "[usb NAME] needs a name");
	assert_msg(LOG_ERR, "t.conf:8: ", "[usb NAME] needs a name");
	assert_int_equal(cfg.n_usbs, 1);
	/* The later assignment wins, as for every key. */
	assert_int_equal(usb("ok_1.2-x")->product, 0x5679);
}

/* A [usb] and a [device] may share a name: they are different things. */
static void test_usb_and_device_same_name(void **state)
{
	(void)state;
	parse("[device kb]\nmatch = id=1234:1111\n[usb kb]\nid = 046d:c52b\n");
	assert_int_equal(cfg.n_errors, 0);
	assert_int_equal(cfg.n_devices, 1);
	assert_int_equal(cfg.n_usbs, 1);
}

/* The same section over two files: the later file's keys win, and it stays one section. */
static void test_usb_over_two_files(void **state)
{
	(void)state;
	parse_file("a.conf", "[usb kb]\nid = 046d:c52b\n");
	parse_file("b.conf", "[usb kb]\nserial = S\n");
	assert_int_equal(vb_config_resolve(&cfg), 0);
	assert_int_equal(cfg.n_usbs, 1);
	assert_true(usb("kb")->has_id);
	assert_string_equal(usb("kb")->serial, "S");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown_located)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_usb_keys),
		T(test_usb_bad_values),
		T(test_usb_needs_a_selector),
		T(test_usb_unknown_key_and_names),
		T(test_usb_and_device_same_name),
		T(test_usb_over_two_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
