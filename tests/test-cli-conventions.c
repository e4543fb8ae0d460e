// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The command's conventions: --root and --config before the command as after it (as
 * `systemctl --root` takes them), and --version before any command and after each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli-test.h"

#define GPU_CONF "[device gpu]\nmatch = id=1234:1111 boot_vga=0\n"

/* What one run printed, with its status, for comparing two runs. */
static char *run_text(struct fx *fx, const char *const argv[])
{
	char *out, *text;
	int status = fx_run(fx, argv);

	out = fx_read(fx, ".mock/stdout");
	assert_non_null(out);
	assert_true(asprintf(&text, "exit %d\n%s", status, out) > 0);
	free(out);
	return text;
}

/* Both runs print the same and end the same; what they printed. */
static char *same(struct fx *fx, const char *const before[], const char *const after[])
{
	char *a = run_text(fx, before), *b = run_text(fx, after);

	assert_string_equal(a, b);
	free(b);
	return a;
}

/* Global options before the command give what they give after it. */
static void test_global_options_before(void **state)
{
	struct fx *fx = *state;
	char *conf = fx_path(fx, "other.conf"), *root_eq = NULL, *text;
	const char *root = fx_root(fx);

	fx_write(fx, "other.conf", GPU_CONF, 0644);
	assert_true(asprintf(&root_eq, "--root=%s", root) > 0);

	text = same(fx, (const char *[]){cli(), "--root", root, "list", NULL},
		    (const char *[]){cli(), "list", "--root", root, NULL});
	if (!strstr(text, "0000:02:00.0"))
		fail_msg("list before and after gave no device:\n%s", text);
	free(text);

	text = same(fx, (const char *[]){cli(), root_eq, "--config", conf, "plan", "--json", NULL},
		    (const char *[]){cli(), "plan", "--json", "--config", conf, root_eq, NULL});
	if (!strstr(text, "\"gpu\""))
		fail_msg("the --config given before plan was not read:\n%s", text);
	free(text);

	free(same(fx,
		  (const char *[]){cli(), "--root", root, "check", "gpu", "--config", conf, NULL},
		  (const char *[]){cli(), "check", "gpu", "--config", conf, "--root", root, NULL}));
	free(root_eq);
	free(conf);
}

/* A global option without its value is a usage error that names it. */
static void test_global_option_without_value(void **state)
{
	struct fx *fx = *state;
	const char *argv[] = {cli(), "--root", NULL};
	char *err;

	assert_int_equal(fx_run(fx, argv), 1);
	err = fx_read(fx, ".mock/stderr");
	assert_non_null(err);
	if (!strstr(err, "--root needs a value"))
		fail_msg("stderr lacks \"--root needs a value\":\n%s", err);
	free(err);
}

/* --version before any command, and after each: the version, exit 0. */
static void test_version_everywhere(void **state)
{
	static const char *const commands[] = {NULL,	"list",	 "plan",    "status",
					       "check", "claim", "release", "guest"};
	struct fx *fx = *state;
	char want[64];

	snprintf(want, sizeof(want), "exit 0\nvfio-boot %s\n", VERSION);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const char *argv[] = {cli(), commands[i] ? commands[i] : "--version",
				      commands[i] ? "--version" : NULL, NULL};
		const char *global[] = {cli(), "--root", fx_root(fx), "--version", NULL};
		char *text = run_text(fx, commands[i] ? argv : global);

		if (strcmp(text, want) != 0)
			fail_msg("vfio-boot %s --version gave:\n%s",
				 commands[i] ? commands[i] : "(none)", text);
		free(text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_global_options_before, cli_setup_q35,
						cli_teardown),
		cmocka_unit_test_setup_teardown(test_global_option_without_value, cli_setup_q35,
						cli_teardown),
		cmocka_unit_test_setup_teardown(test_version_everywhere, cli_setup_q35,
						cli_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
