// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel command line parameters of the spec: vfio_boot=off (the rescue switch),
 * vfio_boot.claim=ADDR[,ADDR...] and vfio_boot.debug, parsed the way the kernel splits its
 * own command line.
 */
#include <errno.h>
#include <fcntl.h>
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
#include "log.h"
#include "logcapture.h"
#include "sysroot.h"
#include "util.h"

static struct vb_cmdline cmd;

static int setup(void **state)
{
	(void)state;
	memset(&cmd, 0, sizeof(cmd));
	logcap_start();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vb_cmdline_free(&cmd);
	return 0;
}

static void parse(const char *line)
{
	vb_cmdline_free(&cmd);
	n_msgs = 0;
	assert_int_equal(vb_cmdline_parse(&cmd, line), 0);
}

static void test_off_values(void **state)
{
	static const char *const off[] = {"vfio_boot=off", "vfio_boot=0", "vfio_boot=no",
					  "vfio_boot=false"};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(off); i++) {
		char line[128];

		snprintf(line, sizeof(line), "BOOT_IMAGE=/vmlinuz root=/dev/sda1 %s quiet", off[i]);
		parse(line);
		if (!cmd.off)
			print_message("\"%s\" did not switch off\n", off[i]);
		assert_true(cmd.off);
		assert_int_equal(n_msgs, 0);
	}
}

static void test_on_values_do_not_switch_off(void **state)
{
	(void)state;
	parse("vfio_boot=on");
	assert_false(cmd.off);
	assert_int_equal(n_msgs, 0);
	parse("vfio_boot=1");
	assert_false(cmd.off);
	assert_int_equal(n_msgs, 0);
	parse("root=/dev/sda1 quiet");
	assert_false(cmd.off);
	assert_false(cmd.debug);
	assert_int_equal(cmd.n_claims, 0);
}

static void test_bad_value_warns_and_stays_on(void **state)
{
	(void)state;
	parse("vfio_boot=maybe");
	assert_false(cmd.off);
	assert_msg(LOG_WARNING, "vfio_boot=maybe");
	assert_msg(LOG_WARNING, "expected off or on");

	parse("vfio_boot=");
	assert_false(cmd.off);
	assert_msg(LOG_WARNING, "expected off or on");

	parse("vfio_boot=offline");
	assert_false(cmd.off);
	assert_msg(LOG_WARNING, "offline");
}

static void test_dash_in_name(void **state)
{
	(void)state;
	/* The kernel treats '-' and '_' alike in parameter names. */
	parse("vfio-boot=off");
	assert_true(cmd.off);
	parse("vfio-boot.claim=0000:02:00.0 vfio-boot.debug");
	assert_int_equal(cmd.n_claims, 1);
	assert_true(cmd.debug);
}

static void test_claim_canonicalised(void **state)
{
	(void)state;
	parse("vfio_boot.claim=0000:0A:00.0,0000:0b:1F.1");
	assert_false(cmd.off);
	assert_int_equal(cmd.n_claims, 2);
	assert_string_equal(cmd.claims[0], "0000:0a:00.0");
	assert_string_equal(cmd.claims[1], "0000:0b:1f.1");
	assert_int_equal(n_msgs, 0);
}

static void test_claim_invalid_dropped(void **state)
{
	(void)state;
	parse("vfio_boot.claim=0000:02:00.0,garbage,02:00.1,0000:02:00.8,,0000:03:00.0,"
	      "0000:02:00.0-long-garbage-that-does-not-fit");
	assert_int_equal(cmd.n_claims, 2);
	assert_string_equal(cmd.claims[0], "0000:02:00.0");
	assert_string_equal(cmd.claims[1], "0000:03:00.0");
	assert_msg(LOG_ERR, "\"garbage\" is not an address");
	assert_msg(LOG_ERR, "\"02:00.1\" is not an address");
	assert_msg(LOG_ERR, "\"0000:02:00.8\" is not an address");
	assert_msg(LOG_ERR, "\"\" is not an address");
	assert_msg(LOG_ERR, "long-garbage");
	assert_int_equal(count_msgs(LOG_ERR, "expected DDDD:BB:DD.F"), 5);
}

static void test_claim_without_value(void **state)
{
	(void)state;
	parse("vfio_boot.claim vfio_boot.claim=");
	assert_int_equal(cmd.n_claims, 0);
	assert_false(cmd.off);
}

static void test_quoted_values(void **state)
{
	(void)state;
	parse("vfio_boot.claim=\"0000:02:00.0,0000:02:00.1\" quiet");
	assert_int_equal(cmd.n_claims, 2);
	assert_string_equal(cmd.claims[1], "0000:02:00.1");

	parse("vfio_boot=\"off\"");
	assert_true(cmd.off);

	/* Inside another parameter's quotes, vfio_boot=off is that parameter's text. */
	parse("dyndbg=\"file foo.c vfio_boot=off +p\" vfio_boot.claim=\"0000:02:00.0\"");
	assert_false(cmd.off);
	assert_int_equal(cmd.n_claims, 1);

	parse("acpi_osi=\"Windows 2015\" vfio_boot=off");
	assert_true(cmd.off);
}

static void test_debug(void **state)
{
	(void)state;
	parse("vfio_boot.debug");
	assert_true(cmd.debug);
	assert_false(cmd.off);
	parse("vfio_boot.debug=1");
	assert_true(cmd.debug);
	parse("vfio_boot.debug=0");
	assert_false(cmd.debug);
	parse("quiet debug");
	assert_false(cmd.debug);
}

static void test_words_after_double_dash_ignored(void **state)
{
	(void)state;
	/* What follows "--" is for init. */
	parse("root=/dev/sda1 -- vfio_boot=off vfio_boot.claim=0000:02:00.0 vfio_boot.debug");
	assert_false(cmd.off);
	assert_false(cmd.debug);
	assert_int_equal(cmd.n_claims, 0);

	parse("vfio_boot.claim=0000:02:00.0 -- single");
	assert_int_equal(cmd.n_claims, 1);

	/* Only "--" as a word of its own ends the kernel's part. */
	parse("--foo vfio_boot=off");
	assert_true(cmd.off);
}

static void test_other_parameters_ignored(void **state)
{
	(void)state;
	parse("vfio_boot_off vfio_bootoff=1 novfio_boot=off vfio_boot.off=1 vfio_boot.claimx=0000:02:00.0 "
	      "xvfio_boot.claim=0000:02:00.0 vfio_boot.claim.x=0000:02:00.0 vfio-pci.ids=1234:1111 "
	      "vfio_boots=off VFIO_BOOT=off");
	assert_false(cmd.off);
	assert_false(cmd.debug);
	assert_int_equal(cmd.n_claims, 0);
	assert_int_equal(n_msgs, 0);
}

static void test_whitespace(void **state)
{
	(void)state;
	parse("  \tquiet\t\tvfio_boot.claim=0000:02:00.0\n");
	assert_int_equal(cmd.n_claims, 1);
	parse("");
	assert_int_equal(cmd.n_claims, 0);
	assert_false(cmd.off);
	parse("   \n");
	assert_false(cmd.off);
}

/* ---- vb_cmdline_load ---- */

static char root[64];

static int setup_tree(void **state)
{
	char p[128];

	setup(state);
	snprintf(root, sizeof(root), "/tmp/vb-test-cmdline-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/proc", root);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(vb_root_set(root), 0);
	return 0;
}

static int teardown_tree(void **state)
{
	char cmdbuf[128];

	teardown(state);
	vb_root_set(NULL);
	snprintf(cmdbuf, sizeof(cmdbuf), "rm -rf '%s'", root);
	assert_int_equal(system(cmdbuf), 0);
	return 0;
}

static void write_cmdline(const char *text)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/proc/cmdline", root);
	f = fopen(p, "we");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void test_load_from_tree(void **state)
{
	(void)state;
	write_cmdline("BOOT_IMAGE=/boot/vmlinuz-6.1.0-13-amd64 root=UUID=1234 ro quiet "
		      "intel_iommu=on vfio_boot.claim=0000:02:00.0,0000:02:00.1 vfio_boot.debug\n");
	assert_int_equal(vb_cmdline_load(&cmd), 0);
	assert_false(cmd.off);
	assert_true(cmd.debug);
	assert_int_equal(cmd.n_claims, 2);
	assert_string_equal(cmd.claims[0], "0000:02:00.0");
	assert_string_equal(cmd.claims[1], "0000:02:00.1");
	vb_cmdline_free(&cmd);

	write_cmdline("root=/dev/sda1 vfio_boot=off\n");
	assert_int_equal(vb_cmdline_load(&cmd), 0);
	assert_true(cmd.off);
}

static void test_load_missing(void **state)
{
	(void)state;
	cmd.off = true;
	assert_int_equal(vb_cmdline_load(&cmd), -ENOENT);
	/* A command line that could not be read says nothing: not off, no claims. */
	assert_false(cmd.off);
	assert_int_equal(cmd.n_claims, 0);
}

#define T(f)  cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TL(f) cmocka_unit_test_setup_teardown(f, setup_tree, teardown_tree)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_off_values),
		T(test_on_values_do_not_switch_off),
		T(test_bad_value_warns_and_stays_on),
		T(test_dash_in_name),
		T(test_claim_canonicalised),
		T(test_claim_invalid_dropped),
		T(test_claim_without_value),
		T(test_quoted_values),
		T(test_debug),
		T(test_words_after_double_dash_ignored),
		T(test_other_parameters_ignored),
		T(test_whitespace),
		TL(test_load_from_tree),
		TL(test_load_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
