// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The generator as a program: an unsafe config and the initrd give nothing, a FIFO as a
 * domain XML does not block it, and its exit statuses.
 */
#include "generator-test.h"

static void test_unsafe_config_gives_nothing(void **state)
{
	_cleanup_free_ char *root = path("root"), *out = path("out"), *err = NULL;
	const char *argv[] = {prog("vfio-boot-generator"), out, NULL};
	char env_root[512];
	const char *env[] = {env_root, NULL};

	(void)state;
	if (geteuid() != 0)
		skip();
	put("root/etc/vfio-boot/vfio-boot.conf", "[guest vm]\nautostart = yes\n", 0666);
	mkdirs("out");
	snprintf(env_root, sizeof(env_root), "VFIO_BOOT_ROOT=%s", root);
	assert_int_equal(run(argv, env), 0);
	assert_int_equal(count_entries("out"), 0);
	err = slurp("stderr");
	assert_non_null(strstr(err, "writable by group or others"));
}

static void test_initrd_gives_nothing(void **state)
{
	_cleanup_free_ char *root = path("root"), *out = path("out");
	const char *argv[] = {prog("vfio-boot-generator"), out, NULL};
	char env_root[512];
	const char *env[] = {env_root, NULL, NULL};
	_cleanup_free_ char *err = NULL;

	(void)state;
	if (geteuid() != 0)
		skip();
	put("root/etc/vfio-boot/vfio-boot.conf", "[guest vm]\nautostart = yes\n", 0644);
	mkdirs("out");
	snprintf(env_root, sizeof(env_root), "VFIO_BOOT_ROOT=%s", root);

	env[1] = "SYSTEMD_IN_INITRD=1";
	assert_int_equal(run(argv, env), 0);
	assert_int_equal(count_entries("out"), 0);

	/* Without systemd saying so, /etc/initrd-release tells. */
	env[1] = NULL;
	put("root/etc/initrd-release", "NAME=initramfs\n", 0644);
	assert_int_equal(run(argv, env), 0);
	assert_int_equal(count_entries("out"), 0);

	/* systemd's word wins over a stray file. */
	env[1] = "SYSTEMD_IN_INITRD=0";
	assert_int_equal(run(argv, env), 0);
	assert_int_equal(count_entries("out"), 2);
	err = slurp("stderr");
	assert_non_null(strstr(err, "no /etc/libvirt/qemu/vm.xml"));
}

/* A FIFO as a guest's domain XML: the generator reads nothing from it and ends by itself. */
static void test_domain_fifo_does_not_block(void **state)
{
	_cleanup_free_ char *root = path("root"), *out = path("out"),
			    *fifo = path("root/etc/libvirt/qemu/vm.xml"), *err = NULL;
	const char *argv[] = {"/usr/bin/timeout",	   "-s", "KILL", "30",
			      prog("vfio-boot-generator"), out,	 NULL};
	char env_root[512];
	const char *env[] = {env_root, NULL};

	(void)state;
	if (geteuid() != 0)
		skip();
	put("root/etc/vfio-boot/vfio-boot.conf", "[guest vm]\nautostart = yes\n", 0644);
	put("root/etc/libvirt/qemu/.keep", "", 0644);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	mkdirs("out");
	snprintf(env_root, sizeof(env_root), "VFIO_BOOT_ROOT=%s", root);
	assert_int_equal(run(argv, env), 0);
	assert_int_equal(count_entries("out"), 2);
	err = slurp("stderr");
	assert_non_null(strstr(err, "cannot read /etc/libvirt/qemu/vm.xml (not a regular file)"));
}

static void test_usage_and_bad_output_dir(void **state)
{
	_cleanup_free_ char *missing = path("missing"), *err = NULL;
	const char *noargs[] = {prog("vfio-boot-generator"), NULL};
	const char *three[] = {prog("vfio-boot-generator"), "a", "b", NULL};
	const char *argv[] = {prog("vfio-boot-generator"), missing, NULL};
	const char *env[] = {"VFIO_BOOT_ROOT=relative", NULL};

	(void)state;
	assert_int_equal(run(noargs, NULL), 1);
	assert_int_equal(run(three, NULL), 1);
	err = slurp("stderr");
	assert_non_null(strstr(err, "Usage: vfio-boot-generator"));
	assert_int_equal(run(argv, env), 1);
	free(err);
	err = slurp("stderr");
	assert_non_null(strstr(err, "VFIO_BOOT_ROOT must be an absolute path"));
}

static void test_missing_output_dir(void **state)
{
	_cleanup_free_ char *root = path("root"), *missing = path("missing"), *err = NULL;
	const char *argv[] = {prog("vfio-boot-generator"), missing, NULL};
	char env_root[512];
	const char *env[] = {env_root, NULL};

	(void)state;
	put("root/etc/hostname", "x\n", 0644);
	snprintf(env_root, sizeof(env_root), "VFIO_BOOT_ROOT=%s", root);
	assert_int_equal(run(argv, env), 1);
	err = slurp("stderr");
	assert_non_null(strstr(err, "output directory"));
}

/* Each program of the generator's side says its version and ends, writing nothing. */
static void test_version(void **state)
{
	static const char *const names[] = {"vfio-boot-generator", "vfio-boot-netcfg",
					    "vfio-boot-claimed"};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *argv[] = {prog(names[i]), "--version", NULL};
		_cleanup_free_ char *out = NULL, *want = NULL;

		assert_int_equal(run(argv, NULL), 0);
		out = slurp("stdout");
		assert_true(asprintf(&want, "%s %s\n", names[i], VERSION) > 0);
		assert_string_equal(out, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_unsafe_config_gives_nothing), T(test_initrd_gives_nothing),
		T(test_domain_fifo_does_not_block),  T(test_usage_and_bad_output_dir),
		T(test_missing_output_dir),	     T(test_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
