// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the golden cases cannot show: nothing is written outside the output directory whatever
 * the names, symlinks planted in the output directory are not followed, and a newline in a
 * file name makes no setting in any file the generator or the bridge writer makes.
 */
#include "generator-test.h"
#include "generated-keys.h"

static const char hostile_conf[] =
	"[bridge br0]\nuplink = eth0\n"
	"[guest ../../../../../../tmp/evil]\nautostart = yes\n"
	"[guest ..]\nautostart = yes\nbridge = br0\n"
	"[guest .]\nautostart = yes\n"
	"[guest ../decoy]\n"
	"[guest my vm]\nautostart = yes\nafter = .. .\n"
	"[guest %n%s%x]\nautostart = yes\n"
	"[guest multi-user.target.wants]\nautostart = yes\n"
	"[guest \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9]\n";

static void hostile_root(void)
{
	put("root/etc/vfio-boot/vfio-boot.conf", hostile_conf, 0644);
	put("root/etc/libvirt/qemu/...xml",
	    "<domain><devices><disk type='block'><source dev='/dev/../../etc/shadow'/></disk>"
	    "<disk type='file'><source file='/../../x y'/></disk></devices></domain>",
	    0600);
	put("root/etc/libvirt/qemu/my vm.xml",
	    "<domain><devices><disk type='block'><source dev='/dev/disk/by-id/a b'/></disk>"
	    "</devices></domain>",
	    0600);
	/* Decoys: where a careless join of names would land. */
	mkdirs("decoy");
	mkdirs("tmp");
	mkdirs("out");
}

/* The two capture files, and the output directory itself (its mtime changes). */
static bool not_compared(const char *line, const char *so, const char *se, const char *out)
{
	return strncmp(line, so, strlen(so)) == 0 || strncmp(line, se, strlen(se)) == 0 ||
	       (strncmp(line, out, strlen(out)) == 0 && line[strlen(out)] == ' ');
}

/* Only the output directory's contents (and the two capture files) changed. */
static void assert_only_out_changed(char *before, char *after, const char *out)
{
	_cleanup_free_ char *so = path("stdout"), *se = path("stderr");
	char *a = before, *b = after;
	size_t n_a = 0, n_b = 0;

	for (char *line = strtok_r(a, "\n", &a); line; line = strtok_r(NULL, "\n", &a)) {
		if (not_compared(line, so, se, out))
			continue;
		if (!strstr(after, line)) {
			print_message("changed or gone: %s\n", line);
			fail();
		}
		n_a++;
	}
	for (char *line = strtok_r(b, "\n", &b); line; line = strtok_r(NULL, "\n", &b)) {
		if (not_compared(line, so, se, out))
			continue;
		n_b++;
	}
	if (n_a != n_b) {
		print_message("%zu entries before, %zu after, outside %s\n", n_a, n_b, out);
		fail();
	}
}

/* Inside the output directory, every name is one escaped path component. */
static void assert_names_escaped(const char *out)
{
	const char *lsargv[] = {"/usr/bin/find", out, "-mindepth", "1", "-printf", "%P %y\n", NULL};
	_cleanup_free_ char *listing = NULL;

	assert_int_equal(run(lsargv, NULL), 0);
	listing = slurp("stdout");
	assert_non_null(strstr(listing, "vfio-boot-guest@\\x2e..service.d d\n"));
	assert_non_null(strstr(listing, "vfio-boot-guest@\\x2e.service.d d\n"));
	assert_non_null(strstr(listing, "vfio-boot-guest@my\\x20vm.service.d d\n"));
	assert_non_null(strstr(listing, "vfio-boot-guest@\\x25n\\x25s\\x25x.service.d d\n"));
	assert_non_null(
		strstr(listing, "vfio-boot-guest@multi\\x2duser.target.wants.service.d d\n"));
	assert_non_null(
		strstr(listing, "multi-user.target.wants/vfio-boot-guest@\\x2e..service l\n"));
	assert_null(strstr(listing, "evil"));
	assert_null(strstr(listing, "decoy"));
}

static void test_nothing_written_outside(void **state)
{
	_cleanup_free_ char *root = path("root"), *out = path("out"), *before = NULL, *after = NULL,
			    *skipdir = NULL, *err = NULL, *dropin = NULL;
	const char *argv[] = {prog("vfio-boot-generator"), out, NULL};
	char env_root[512];
	const char *env[] = {env_root, NULL};
	int r;

	(void)state;
	if (geteuid() != 0)
		skip();
	hostile_root();
	snprintf(env_root, sizeof(env_root), "VFIO_BOOT_ROOT=%s", root);
	/* stdout and stderr are the test's own files: there before, left out of the comparison. */
	put("stdout", "", 0644);
	put("stderr", "", 0644);
	before = take_snapshot(tmp, NULL);
	r = run(argv, env);
	assert_int_equal(r, 0);
	err = slurp("stderr");
	assert_true(asprintf(&skipdir, "%s/", out) > 0);
	after = take_snapshot(tmp, skipdir);

	assert_only_out_changed(before, after, out);
	assert_names_escaped(out);

	dropin = slurp("out/vfio-boot-guest@\\x2e..service.d/50-vfio-boot.conf");
	assert_non_null(strstr(
		err,
		"[guest ../../../../../../tmp/evil]: a libvirt domain name cannot contain '/'"));
	assert_non_null(strstr(err, "[guest ../decoy]: a libvirt domain name cannot contain '/'"));
	assert_non_null(strstr(err, "too long for a systemd unit"));
	assert_non_null(strstr(
		err, "disk \"/dev/../../etc/shadow\" is not an absolute path without \"..\""));
	assert_null(strstr(dropin, "shadow"));
	assert_null(strstr(dropin, "x y"));
}

/* A symlink planted in the output directory is refused, not followed. */
static void test_planted_symlinks_not_followed(void **state)
{
	_cleanup_free_ char *root = path("root"), *out = path("out"), *decoy = path("decoy"),
			    *wants = path("out/multi-user.target.wants"),
			    *dropin = path("out/vfio-boot-guest@my\\x20vm.service.d"), *err = NULL;
	const char *argv[] = {prog("vfio-boot-generator"), out, NULL};
	char env_root[512];
	const char *env[] = {env_root, NULL};
	DIR *d;
	int n = 0;

	(void)state;
	if (geteuid() != 0)
		skip();
	hostile_root();
	assert_int_equal(symlink(decoy, wants), 0);
	assert_int_equal(symlink(decoy, dropin), 0);
	snprintf(env_root, sizeof(env_root), "VFIO_BOOT_ROOT=%s", root);
	assert_int_equal(run(argv, env), 1);
	err = slurp("stderr");
	assert_non_null(strstr(err, "multi-user.target.wants"));
	d = opendir(decoy);
	assert_non_null(d);
	for (struct dirent *de; (de = readdir(d));)
		n += de->d_name[0] != '.';
	closedir(d);
	assert_int_equal(n, 0);
}

/*
 * Whether every line of a generated file is a comment, a section header or KEY=VALUE with a
 * key of that file: a newline smuggled in from the config would make some other line.
 */
static void assert_lines_known(const char *text, const char *const keys[])
{
	_cleanup_free_ char *copy = strdup(text);
	char *save = NULL;

	assert_non_null(copy);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		const char *eq = strchr(l, '=');
		bool known = false;

		if (l[0] == '#' || (l[0] == '[' && l[strlen(l) - 1] == ']'))
			continue;
		for (size_t i = 0; eq && keys[i] && !known; i++)
			known = strlen(keys[i]) == (size_t)(eq - l) && !strncmp(l, keys[i], eq - l);
		if (!known) {
			print_message("unexpected line \"%s\" in:\n%s\n", l, text);
			fail();
		}
	}
}

/* A conf.d file name with newlines: it is quoted in comments, and makes no setting. */
static void test_newline_in_file_name(void **state)
{
	static const char evil[] = "root/etc/vfio-boot/conf.d/x\nExecStartPre=evil\nUser=root\n"
				   "dns=192.0.2.66\nName=evil\\\n.conf";
	_cleanup_free_ char *root = path("root"), *out = path("out"), *dropin = NULL, *nm = NULL,
			    *nd = NULL;
	const char *gen[] = {prog("vfio-boot-generator"), out, NULL};
	const char *nmcfg[] = {prog("vfio-boot-netcfg"), "-r",	root, "-b",
			       "NetworkManager",	 "br0", NULL};
	const char *ndcfg[] = {prog("vfio-boot-netcfg"), "-r", root, "-b", "networkd", "br0", NULL};
	char env_root[512];
	const char *env[] = {env_root, NULL};

	(void)state;
	if (geteuid() != 0)
		skip();
	put("root/etc/vfio-boot/vfio-boot.conf", "[binder]\n", 0644);
	put(evil, "[bridge br0]\nuplink = eth0\n[guest win]\nbridge = br0\n", 0644);
	mkdirs("out");
	snprintf(env_root, sizeof(env_root), "VFIO_BOOT_ROOT=%s", root);

	assert_int_equal(run(gen, env), 0);
	dropin = slurp("out/vfio-boot-guest@win.service.d/50-vfio-boot.conf");
	assert_non_null(strstr(dropin, "[guest win]"));
	assert_null(strstr(dropin, "\nExecStartPre=evil"));
	assert_null(strstr(dropin, "\nUser="));
	assert_lines_known(dropin, unit_keys);

	assert_int_equal(run(nmcfg, NULL), 0);
	nm = slurp("root/run/NetworkManager/system-connections/vfio-boot-br0.nmconnection");
	assert_non_null(strstr(nm, "[connection]"));
	assert_null(strstr(nm, "\ndns="));
	assert_lines_known(nm, keyfile_keys);

	assert_int_equal(run(ndcfg, NULL), 0);
	nd = slurp("root/run/systemd/network/00-vfio-boot-br0.netdev");
	assert_non_null(strstr(nd, "[NetDev]"));
	assert_null(strstr(nd, "\nName=evil"));
	assert_lines_known(nd, networkd_keys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_nothing_written_outside),
		T(test_planted_symlinks_not_followed),
		T(test_newline_in_file_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
