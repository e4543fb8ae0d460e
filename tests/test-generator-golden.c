// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The golden cases of tests/generator, run by tests/generator/check.sh on the sanitized
 * generator, bridge writer and devices check.
 */
#include "generator-test.h"
#include "../generator/paths.h"

static void test_golden_cases(void **state)
{
	/* With systemd-analyze there, every unit made is verified too (as check-generator does). */
	bool verify = access("/usr/bin/systemd-analyze", X_OK) == 0 ||
		      access("/bin/systemd-analyze", X_OK) == 0;
	const char *argv[] = {VB_SRCDIR "/tests/generator/check.sh",
			      verify ? "--verify" : "--",
			      prog("vfio-boot-generator"),
			      prog("vfio-boot-netcfg"),
			      prog("vfio-boot-claimed"),
			      NULL};
	const char *env[] = {"UNITDIR=" VB_UNITDIR, "LIBEXECDIR=" VB_LIBEXECDIR, NULL};
	int r;

	(void)state;
	if (geteuid() != 0)
		skip(); /* the config must be owned by root */
	if (!verify)
		print_message("no systemd-analyze: golden trees only, units not verified\n");
	r = run(argv, env);
	if (r != 0) {
		_cleanup_free_ char *out = slurp("stdout"), *err = slurp("stderr");
		print_message("%s%s", out, err);
	}
	assert_int_equal(r, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_golden_cases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
