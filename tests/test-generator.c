// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The generator, the bridge writer and the devices check as programs (their sanitized
 * builds): the golden cases of tests/generator, then what the cases cannot show: nothing is
 * written outside the output directory whatever the names, symlinks planted in the output
 * directory are not followed, an unsafe config gives nothing, the initrd gives nothing,
 * messages go to /dev/kmsg, and the exit statuses.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "../generator/paths.h"
#include "generated-keys.h"
#include "util.h"

#ifndef VB_SRCDIR
#define VB_SRCDIR "."
#endif
#ifndef VB_TEST_BINDIR
#define VB_TEST_BINDIR "build/test/generator"
#endif

static char tmp[256];

static const char *prog(const char *name)
{
	static char buf[3][512];
	static int next;
	char *b = buf[next++ % 3];

	snprintf(b, sizeof(buf[0]), "%s/%s", VB_TEST_BINDIR, name);
	return b;
}

static char *path(const char *rel)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", tmp, rel) > 0);
	return p;
}

static void mkdirs(const char *rel)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", tmp, rel);
	assert_int_equal(system(cmd), 0);
}

static void put(const char *rel, const char *text, mode_t mode)
{
	_cleanup_free_ char *p = path(rel);
	char *slash;
	FILE *f;

	if (strchr(rel, '/')) {
		struct stat st;

		slash = strrchr(p, '/');
		*slash = '\0';
		if (stat(p, &st) < 0)
			mkdirs(p + strlen(tmp) + 1);
		*slash = '/';
	}
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(p, mode), 0);
}

static char *slurp(const char *rel)
{
	_cleanup_free_ char *p = path(rel);
	char *buf = calloc(1, 65536);
	int fd = open(p, O_RDONLY);
	ssize_t n;

	assert_non_null(buf);
	if (fd < 0)
		return buf;
	n = read(fd, buf, 65535);
	close(fd);
	assert_true(n >= 0);
	return buf;
}

/*
 * Runs argv with the given NAME=VALUE environment additions (NULL-terminated), stdout and
 * stderr to TMP/stdout and TMP/stderr. Returns the exit status, or 128 + signal.
 */
static int run(const char *const argv[], const char *const env[])
{
	_cleanup_free_ char *out = path("stdout"), *err = path("stderr");
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(o, 1);
		dup2(e, 2);
		unsetenv("SYSTEMD_IN_INITRD");
		unsetenv("VFIO_BOOT_ROOT");
		for (; env && *env; env++)
			putenv((char *)*env);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(tmp, sizeof(tmp), "%s/vb-test-generator.XXXXXX", t && *t ? t : "/tmp");
	assert_non_null(mkdtemp(tmp));
	return 0;
}

static int teardown(void **state)
{
	char cmd[512];

	(void)state;
	if (getenv("VFIO_MOCK_KEEP"))
		return 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- the golden cases ---- */

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

/* ---- nothing outside the output directory ---- */

static char *snapshot;
static size_t snapshot_len;
static const char *snapshot_skip;

static int snap_one(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	char line[1024];
	int n;

	(void)type;
	(void)ftw;
	if (snapshot_skip && strncmp(p, snapshot_skip, strlen(snapshot_skip)) == 0)
		return 0;
	n = snprintf(line, sizeof(line), "%s %o %lld %lld.%09ld\n", p, st->st_mode,
		     (long long)st->st_size, (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	snapshot = realloc(snapshot, snapshot_len + n + 1);
	assert_non_null(snapshot);
	memcpy(snapshot + snapshot_len, line, n + 1);
	snapshot_len += n;
	return 0;
}

/* Every file below dir but skip, with mode, size and mtime. */
static char *take_snapshot(const char *dir, const char *skip_prefix)
{
	snapshot = NULL;
	snapshot_len = 0;
	snapshot_skip = skip_prefix;
	assert_int_equal(nftw(dir, snap_one, 16, FTW_PHYS), 0);
	return snapshot;
}

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

static void test_nothing_written_outside(void **state)
{
	_cleanup_free_ char *root = path("root"), *out = path("out"), *before = NULL, *after = NULL,
			    *listing = NULL, *skipdir = NULL, *err = NULL;
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

	/* Only the output directory's contents (and the two capture files) changed. */
	{
		char *a = before, *b = after;
		_cleanup_free_ char *so = path("stdout"), *se = path("stderr");
		size_t n_a = 0, n_b = 0;

		for (char *line = strtok_r(a, "\n", &a); line; line = strtok_r(NULL, "\n", &a)) {
			if (strncmp(line, so, strlen(so)) == 0 ||
			    strncmp(line, se, strlen(se)) == 0)
				continue;
			if (strncmp(line, out, strlen(out)) == 0 && line[strlen(out)] == ' ')
				continue; /* the directory itself: its mtime changes */
			if (!strstr(after, line)) {
				print_message("changed or gone: %s\n", line);
				fail();
			}
			n_a++;
		}
		for (char *line = strtok_r(b, "\n", &b); line; line = strtok_r(NULL, "\n", &b)) {
			if (strncmp(line, so, strlen(so)) == 0 ||
			    strncmp(line, se, strlen(se)) == 0 ||
			    (strncmp(line, out, strlen(out)) == 0 && line[strlen(out)] == ' '))
				continue;
			n_b++;
		}
		if (n_a != n_b) {
			print_message("%zu entries before, %zu after, outside %s\n", n_a, n_b, out);
			fail();
		}
	}

	/* And inside it, every name is one escaped path component. */
	{
		const char *lsargv[] = {"/usr/bin/find", out,	    "-mindepth", "1",
					"-printf",	 "%P %y\n", NULL};
		assert_int_equal(run(lsargv, NULL), 0);
		listing = slurp("stdout");
	}
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
	{
		_cleanup_free_ char *dropin =
			slurp("out/vfio-boot-guest@\\x2e..service.d/50-vfio-boot.conf");
		assert_non_null(strstr(
			err,
			"[guest ../../../../../../tmp/evil]: a libvirt domain name cannot contain '/'"));
		assert_non_null(
			strstr(err, "[guest ../decoy]: a libvirt domain name cannot contain '/'"));
		assert_non_null(strstr(err, "too long for a systemd unit"));
		assert_non_null(strstr(
			err,
			"disk \"/dev/../../etc/shadow\" is not an absolute path without \"..\""));
		assert_null(strstr(dropin, "shadow"));
		assert_null(strstr(dropin, "x y"));
	}
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

/* ---- when the generator does nothing ---- */

/* Entries of a directory; hidden: dot files too (but "." and ".."). */
static int count_in(const char *rel, bool hidden)
{
	_cleanup_free_ char *p = path(rel);
	DIR *d = opendir(p);
	int n = 0;

	assert_non_null(d);
	for (struct dirent *de; (de = readdir(d));)
		n += hidden ? !streq(de->d_name, ".") && !streq(de->d_name, "..")
			    : de->d_name[0] != '.';
	closedir(d);
	return n;
}

static int count_entries(const char *rel)
{
	return count_in(rel, false);
}

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

static void test_logs_to_kmsg(void **state)
{
	_cleanup_free_ char *root = path("root"), *out = path("out"), *err = NULL, *kmsg = NULL;
	const char *argv[] = {prog("vfio-boot-generator"), out, NULL};
	char env_root[512];
	const char *env[] = {env_root, NULL};

	(void)state;
	if (geteuid() != 0)
		skip();
	put("root/etc/vfio-boot/vfio-boot.conf", "[guest vm]\nrestart = always\n", 0644);
	put("root/dev/kmsg", "", 0644);
	mkdirs("out");
	snprintf(env_root, sizeof(env_root), "VFIO_BOOT_ROOT=%s", root);
	assert_int_equal(run(argv, env), 0);
	err = slurp("stderr");
	assert_string_equal(err, "");
	kmsg = slurp("root/dev/kmsg");
	assert_non_null(strstr(kmsg, "<3>vfio-boot-generator["));
	assert_non_null(strstr(kmsg, "]: /etc/vfio-boot/vfio-boot.conf:2: restart = \"always\""));
}

/* Lines of text that hold needle. */
static int count_lines_with(const char *text, const char *needle)
{
	int n = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *end = strchrnul(l, '\n'), *hit = strstr(l, needle);

		n += hit && hit < end;
	}
	return n;
}

/*
 * 200 guests on 4 bridges, each after the one before, half of them with a domain XML: every
 * unit is made, and the hundred guests without one are one warning, not a hundred. (How long
 * this takes is measured by bench/generator.sh, not asserted here.)
 */
static void test_many_without_domain_xml_one_message(void **state)
{
	_cleanup_free_ char *root = path("root"), *out = path("out"), *err = NULL, *d0 = NULL;
	const char *argv[] = {prog("vfio-boot-generator"), out, NULL};
	char env_root[512], *conf = NULL, name[64], xml[512];
	const char *env[] = {env_root, NULL};
	size_t len = 0;
	FILE *f = open_memstream(&conf, &len);

	(void)state;
	if (geteuid() != 0)
		skip();
	for (int i = 0; i < 4; i++)
		fprintf(f, "[bridge br%d]\nuplink = eth%d\n", i, i);
	for (int i = 0; i < 200; i++) {
		fprintf(f, "[guest vm%03d]\nautostart = yes\nbridge = br%d\n", i, i % 4);
		if (i)
			fprintf(f, "after = vm%03d\n", i - 1);
		if (i % 2)
			continue;
		snprintf(name, sizeof(name), "root/etc/libvirt/qemu/vm%03d.xml", i);
		snprintf(xml, sizeof(xml),
			 "<domain><name>vm%03d</name><devices><disk type='block'>"
			 "<source dev='/dev/disk/by-id/nvme-disk-%03d'/></disk></devices></domain>",
			 i, i);
		put(name, xml, 0600);
	}
	fclose(f);
	put("root/etc/vfio-boot/vfio-boot.conf", conf, 0644);
	free(conf);
	mkdirs("out");
	snprintf(env_root, sizeof(env_root), "VFIO_BOOT_ROOT=%s", root);
	assert_int_equal(run(argv, env), 0);
	assert_int_equal(count_entries("out"), 201);
	assert_int_equal(count_entries("out/multi-user.target.wants"), 204);
	d0 = slurp("out/vfio-boot-guest@vm000.service.d/50-vfio-boot.conf");
	assert_non_null(strstr(d0, "Requires=dev-disk-by\\x2did-nvme\\x2ddisk\\x2d000.device\n"));

	err = slurp("stderr");
	if (count_lines_with(err, "no /etc/libvirt/qemu/vm") != 0 ||
	    count_lines_with(err, "have no domain XML") != 1)
		fail_msg("not one message for the guests without a domain XML:\n%.2000s", err);
	assert_int_equal(count_lines_with(err, "vfio-boot-generator: 100 guests have no domain XML "
					       "in /etc/libvirt/qemu (domains not defined yet, or "
					       "not in qemu:///system): not ordered after their "
					       "disks: vm001, vm003, vm005, vm007, vm009, vm011, "
					       "vm013, vm015, vm017, vm019 and 90 more"),
			 1);
}

/* ---- vfio-boot-claimed ---- */

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

/* ---- vfio-boot-netcfg ---- */

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

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_golden_cases),
		T(test_nothing_written_outside),
		T(test_planted_symlinks_not_followed),
		T(test_unsafe_config_gives_nothing),
		T(test_initrd_gives_nothing),
		T(test_domain_fifo_does_not_block),
		T(test_usage_and_bad_output_dir),
		T(test_missing_output_dir),
		T(test_logs_to_kmsg),
		T(test_many_without_domain_xml_one_message),
		T(test_claimed),
		T(test_netcfg_never_both_never_etc),
		T(test_netcfg_errors),
		T(test_netcfg_planted_not_followed),
		T(test_newline_in_file_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
