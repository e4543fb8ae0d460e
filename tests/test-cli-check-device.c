// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot check's per-device frame on the q35 stand-in: which devices get checked (each
 * device of each section once, or the SECTION or ADDRESS given), that every item reports
 * about each of them, how their lines name the device and section in text and JSON, and what
 * an argument that names nothing gives.
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

#include "fixture.h"

static const char *const items[] = {"reset", "power",	"framebuffer", "rom",
				    "bars",  "holders", "sriov"};

static const char *cli(void)
{
	const char *c = getenv("TEST_CLI");
	return c ? c : "build/test/cli/vfio-boot";
}

struct out {
	int status;
	char *out, *err;
};

/* vfio-boot check --root TREE [a] [b] */
static struct out run(struct fx *fx, const char *a, const char *b)
{
	const char *argv[] = {cli(), "check", "--root", fx_root(fx), a, b, NULL};
	struct out o;

	o.status = fx_run(fx, argv);
	o.out = fx_read(fx, ".mock/stdout");
	o.err = fx_read(fx, ".mock/stderr");
	if (!o.out)
		o.out = strdup("");
	if (!o.err)
		o.err = strdup("");
	return o;
}

static void out_free(struct out *o)
{
	free(o->out);
	free(o->err);
}

static void expect(const char *text, const char *what)
{
	if (!strstr(text, what))
		fail_msg("output lacks \"%s\":\n%s", what, text);
}

static void expect_not(const char *text, const char *what)
{
	if (strstr(text, what))
		fail_msg("output has \"%s\":\n%s", what, text);
}

/* How many lines start with prefix. */
static unsigned lines_starting(const char *text, const char *prefix)
{
	unsigned n = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		n += strncmp(l, prefix, strlen(prefix)) == 0;
	return n;
}

/* Each item has a line about the device, naming it as the printer does. */
static void expect_every_item(const char *text, const char *who)
{
	for (size_t k = 0; k < sizeof(items) / sizeof(items[0]); k++) {
		char want[160];
		bool found = false;

		for (const char *lvl = "PASS\0WARN\0FAIL\0"; *lvl && !found;
		     lvl += strlen(lvl) + 1) {
			snprintf(want, sizeof(want), "%s %s: %s: ", lvl, who, items[k]);
			found = strstr(text, want) != NULL;
		}
		if (!found)
			fail_msg("no %s line about %s:\n%s", items[k], who, text);
	}
}

static int setup(void **state)
{
	struct fx *fx = fx_new();

	fx_q35_two_gpus(fx);
	fx_write(fx, "proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vme vmx sse\n", 0644);
	fx_write(fx, "proc/iomem", "00000000-00000fff : Reserved\n", 0444);
	fx_write(fx, "etc/vfio-boot/vfio-boot.conf",
		 "[device gpu]\nmatch = id=1234:1111 boot_vga=0\n"
		 "[device nics]\nmatch = id=8086:100e\ncount = 2\n",
		 0644);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

/* No argument: the host's lines, then every device of every section, each item about each. */
static void test_all_sections(void **state)
{
	struct out o = run(*state, NULL, NULL);

	expect(o.out, "CPU virtualisation");
	expect_every_item(o.out, "0000:02:00.0 [device gpu]");
	expect_every_item(o.out, "0000:03:01.0 [device nics]");
	expect_every_item(o.out, "0000:03:02.0 [device nics]");
	/* The host's boot display is in no section: not checked as a guest's device. */
	expect_not(o.out, "0000:01:00.0 [device");
	out_free(&o);
}

/* One section: its devices only, no host line. */
static void test_one_section(void **state)
{
	struct out o = run(*state, "nics", NULL);

	expect_every_item(o.out, "0000:03:01.0 [device nics]");
	expect_every_item(o.out, "0000:03:02.0 [device nics]");
	expect_not(o.out, "[device gpu]");
	expect_not(o.out, "CPU virtualisation");
	expect_not(o.out, "IOMMU groups");
	assert_int_equal(lines_starting(o.out, "PASS ") + lines_starting(o.out, "WARN ") +
				 lines_starting(o.out, "FAIL "),
			 lines_starting(o.out, "PASS 0000:03:0") +
				 lines_starting(o.out, "WARN 0000:03:0") +
				 lines_starting(o.out, "FAIL 0000:03:0"));
	out_free(&o);
}

/*
 * An address: that device, under the section that selects it; one no section selects (the
 * boot display) is checked too, with no section named.
 */
static void test_address(void **state)
{
	struct out o = run(*state, "0000:02:00.0", NULL);

	expect_every_item(o.out, "0000:02:00.0 [device gpu]");
	expect_not(o.out, "0000:03:");
	out_free(&o);

	o = run(*state, "0000:01:00.0", "--json");
	expect(o.out, "\"device\": \"0000:01:00.0\"");
	expect(o.out, "\"section\": null");
	expect(o.out, "\"item\": \"framebuffer\"");
	expect_not(o.out, "\"device\": \"0000:02:00.0\"");
	out_free(&o);

	o = run(*state, "0000:01:00.0", NULL);
	expect_every_item(o.out, "0000:01:00.0");
	out_free(&o);
}

/* A device two sections select is checked once, under the first. */
static void test_device_in_two_sections(void **state)
{
	struct fx *fx = *state;
	struct out o;

	fx_write(fx, "etc/vfio-boot/vfio-boot.conf",
		 "[device gpu]\nmatch = id=1234:1111 boot_vga=0\n"
		 "[device again]\nmatch = address=0000:02:00.0\n",
		 0644);
	o = run(fx, NULL, NULL);
	assert_int_equal(lines_starting(o.out, "PASS 0000:02:00.0 [device gpu]: reset: ") +
				 lines_starting(o.out, "WARN 0000:02:00.0 [device gpu]: reset: ") +
				 lines_starting(o.out, "FAIL 0000:02:00.0 [device gpu]: reset: "),
			 1);
	expect_not(o.out, "[device again]: reset");
	out_free(&o);
}

/* A section that selects nothing at this boot says so, with the plan's reason. */
static void test_section_selects_nothing(void **state)
{
	struct fx *fx = *state;
	struct out o;

	fx_write(fx, "etc/vfio-boot/vfio-boot.conf", "[device ghost]\nmatch = id=10de:2204\n",
		 0644);
	o = run(fx, "ghost", NULL);
	expect(o.out, "WARN [device ghost]: selects no device at this boot: no device matches");
	expect(o.out, "     fix: see `vfio-boot plan`");
	out_free(&o);
}

/* What names nothing is a usage error (exit 1) that says what was looked for. */
static void test_names_nothing(void **state)
{
	struct out o = run(*state, "nosuch", NULL);

	assert_int_equal(o.status, 1);
	expect(o.err, "no [device nosuch] section in the config and no such address");
	out_free(&o);

	o = run(*state, "0000:09:00.0", NULL);
	assert_int_equal(o.status, 1);
	expect(o.err, "no PCI device 0000:09:00.0 below ");
	out_free(&o);

	o = run(*state, "gpu", "nics");
	assert_int_equal(o.status, 1);
	expect(o.err, "expected at most one SECTION or ADDRESS");
	out_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_all_sections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_section, setup, teardown),
		cmocka_unit_test_setup_teardown(test_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_in_two_sections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_section_selects_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_nothing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
