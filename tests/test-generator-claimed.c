// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot-claimed: its exit statuses and what it says of sections not claimed.
 */
#include "generator-test.h"

static void test_claimed(void **state)
{
	_cleanup_free_ char *root = path("root"), *err = NULL;
	const char *ok[] = {prog("vfio-boot-claimed"), "--", "gpu", "-dash", NULL};
	const char *partial[] = {prog("vfio-boot-claimed"), "gpu", "usb", "ghost", NULL};
	const char *none[] = {prog("vfio-boot-claimed"), NULL};
	char env_root[512];
	const char *env[] = {env_root, NULL};

	(void)state;
	put("root/run/vfio-boot/sections/gpu", "version=1\nstatus=claimed\n", 0644);
	put("root/run/vfio-boot/sections/-dash", "version=1\nstatus=claimed\n", 0644);
	put("root/run/vfio-boot/sections/usb", "version=1\nstatus=partial\n", 0644);
	snprintf(env_root, sizeof(env_root), "VFIO_BOOT_ROOT=%s", root);

	assert_int_equal(run(ok, env), 0);
	err = slurp("stderr");
	assert_string_equal(err, "");
	free(err);

	assert_int_equal(run(partial, env), 2);
	err = slurp("stderr");
	assert_non_null(strstr(
		err, "[device usb] was not claimed for vfio-pci at this boot (status=partial"));
	assert_non_null(strstr(err, "[device ghost] has no record"));
	assert_non_null(strstr(err, "not starting the guest: 2 of its [device] sections are not"));
	assert_null(strstr(err, "[device gpu]"));

	assert_int_equal(run(none, env), 1);
}

/* A pending section (its devices come after boot) is left to the runner, which waits for it. */
static void test_claimed_pending(void **state)
{
	_cleanup_free_ char *root = path("root"), *err = NULL;
	const char *argv[] = {prog("vfio-boot-claimed"), "--", "gpu", "vf", NULL};
	char env_root[512];
	const char *env[] = {env_root, NULL};

	(void)state;
	put("root/run/vfio-boot/sections/gpu", "version=1\nstatus=claimed\n", 0644);
	put("root/run/vfio-boot/sections/vf", "version=1\nstatus=pending\n", 0644);
	snprintf(env_root, sizeof(env_root), "VFIO_BOOT_ROOT=%s", root);
	assert_int_equal(run(argv, env), 0);
	err = slurp("stderr");
	assert_non_null(strstr(err, "[device vf] is pending: the guest runner waits for it"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_claimed),
		T(test_claimed_pending),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
