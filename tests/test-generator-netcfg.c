// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot-netcfg: one daemon's files at a time, never /etc, links planted where it writes
 * not followed, and its errors and exit statuses.
 */
#include "generator-test.h"

static void test_netcfg_never_both_never_etc(void **state)
{
	_cleanup_free_ char *root = path("root"), *before = NULL, *after = NULL,
			    *etc = path("root/etc");
	const char *nd[] = {
		prog("vfio-boot-netcfg"), "--root", root, "--backend", "networkd", "br0", NULL};
	const char *nm[] = {prog("vfio-boot-netcfg"), "-r",  root, "-b",
			    "NetworkManager",	      "br0", NULL};
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip();
	put("root/etc/vfio-boot/vfio-boot.conf", "[bridge br0]\nuplink = eth0\n", 0644);
	before = take_snapshot(etc, NULL);

	assert_int_equal(run(nm, NULL), 0);
	assert_true(count_entries("root/run/NetworkManager/system-connections") == 2);
	{
		_cleanup_free_ char *p = path(
			"root/run/NetworkManager/system-connections/vfio-boot-br0.nmconnection");
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
		assert_int_equal(st.st_uid, 0);
	}
	/* Then networkd: NetworkManager's files of this bridge go. */
	assert_int_equal(run(nd, NULL), 0);
	assert_int_equal(count_entries("root/run/NetworkManager/system-connections"), 0);
	assert_int_equal(count_entries("root/run/systemd/network"), 4);
	/* And back: networkd's go, and no .tmp is left behind. */
	assert_int_equal(run(nm, NULL), 0);
	assert_int_equal(count_entries("root/run/systemd/network"), 0);
	assert_int_equal(count_entries("root/run/NetworkManager/system-connections"), 2);

	after = take_snapshot(etc, NULL);
	assert_string_equal(before, after);
}

/*
 * Links and files planted where netcfg writes: a link is never followed (neither as a
 * temporary nor as a directory), and a file made is new, with the mode NetworkManager wants.
 */
static void test_netcfg_planted_not_followed(void **state)
{
	_cleanup_free_ char *root = path("root"), *victim = path("root/victim"),
			    *victimdir = path("root/victimdir"), *text = NULL,
			    *nmdir = path("root/run/NetworkManager/system-connections"),
			    *nddir = path("root/run/systemd/network"), *p = NULL, *q = NULL;
	const char *nd[] = {
		prog("vfio-boot-netcfg"), "--root", root, "--backend", "networkd", "br0", NULL};
	const char *nm[] = {prog("vfio-boot-netcfg"), "-r",  root, "-b",
			    "NetworkManager",	      "br0", NULL};
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip();
	put("root/etc/vfio-boot/vfio-boot.conf", "[bridge br0]\nuplink = eth0\n", 0644);
	put("root/victim", "precious\n", 0600);
	put("root/victimdir/keep", "", 0644);
	mkdirs("root/run/NetworkManager/system-connections");
	mkdirs("root/run/systemd");
	p = path("root/run/NetworkManager/system-connections/vfio-boot-br0.nmconnection.tmp");
	assert_int_equal(symlink(victim, p), 0);
	put("root/run/NetworkManager/system-connections/vfio-boot-br0-uplink.nmconnection.tmp", "",
	    0644);
	put("root/run/NetworkManager/system-connections/vfio-boot-br0-uplink.nmconnection", "",
	    0644);
	assert_int_equal(symlink(victimdir, nddir), 0);

	assert_int_equal(run(nm, NULL), 0);
	text = slurp("root/victim");
	assert_string_equal(text, "precious\n");
	for (int i = 0; i < 2; i++) {
		free(q);
		assert_true(asprintf(&q, "%s/vfio-boot-br0%s.nmconnection", nmdir,
				     i ? "-uplink" : "") > 0);
		assert_int_equal(lstat(q, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		assert_int_equal(st.st_mode & 07777, 0600);
	}
	/* The two keyfiles and the two planted files, nothing else. */
	assert_int_equal(count_in("root/run/NetworkManager/system-connections", true), 4);

	/* networkd's directory is a link: refused, nothing lands in its target. */
	assert_int_equal(run(nd, NULL), 1);
	assert_int_equal(count_in("root/victimdir", true), 1);
}

static void test_netcfg_errors(void **state)
{
	_cleanup_free_ char *root = path("root"), *err = NULL;
	const char *ghost[] = {
		prog("vfio-boot-netcfg"), "--root", root, "-b", "networkd", "br9", NULL};
	const char *bad[] = {
		prog("vfio-boot-netcfg"), "--root", root, "-b", "networkd", "bad", NULL};
	const char *badbackend[] = {prog("vfio-boot-netcfg"), "-b", "ifupdown", "br0", NULL};
	const char *noargs[] = {prog("vfio-boot-netcfg"), NULL};
	const char *relroot[] = {prog("vfio-boot-netcfg"), "--root", "rel", "br0", NULL};

	(void)state;
	if (geteuid() != 0)
		skip();
	put("root/etc/vfio-boot/vfio-boot.conf", "[bridge bad]\nuplink = a b\n", 0644);
	assert_int_equal(run(ghost, NULL), 1);
	err = slurp("stderr");
	assert_non_null(strstr(err, "no [bridge br9] in the config"));
	free(err);
	assert_int_equal(run(bad, NULL), 1);
	err = slurp("stderr");
	assert_non_null(strstr(err, "/etc/vfio-boot/vfio-boot.conf:2: uplink = \"a b\""));
	assert_non_null(strstr(err, "skipping [bridge bad]"));
	assert_int_equal(count_entries("root"), 1); /* etc only: nothing written */
	assert_int_equal(run(badbackend, NULL), 2);
	assert_int_equal(run(noargs, NULL), 2);
	assert_int_equal(run(relroot, NULL), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_netcfg_never_both_never_etc),
		T(test_netcfg_planted_not_followed),
		T(test_netcfg_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
