/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the test-generator-* programs share: a scratch directory per test, files put in it and
 * read back, the sanitized programs run with their output captured, a snapshot of a tree, and
 * counts of a directory's entries.
 */
#ifndef VFIO_BOOT_TESTS_GENERATOR_TEST_H
#define VFIO_BOOT_TESTS_GENERATOR_TEST_H

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

#include "util.h"

/* Told by generator/rules.mk: the source tree and the sanitized programs. */
#ifndef VB_SRCDIR
#define VB_SRCDIR "."
#endif
#ifndef VB_TEST_BINDIR
#define VB_TEST_BINDIR "build/test/generator"
#endif

static char tmp[256];

static inline const char *prog(const char *name)
{
	static char buf[3][512];
	static int next;
	char *b = buf[next++ % 3];

	snprintf(b, sizeof(buf[0]), "%s/%s", VB_TEST_BINDIR, name);
	return b;
}

static inline char *path(const char *rel)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", tmp, rel) > 0);
	return p;
}

static inline void mkdirs(const char *rel)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", tmp, rel);
	assert_int_equal(system(cmd), 0);
}

static inline void put(const char *rel, const char *text, mode_t mode)
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

static inline char *slurp(const char *rel)
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
static inline int run(const char *const argv[], const char *const env[])
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

static inline int setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(tmp, sizeof(tmp), "%s/vb-test-generator.XXXXXX", t && *t ? t : "/tmp");
	assert_non_null(mkdtemp(tmp));
	return 0;
}

static inline int teardown(void **state)
{
	char cmd[512];

	(void)state;
	if (getenv("VFIO_MOCK_KEEP"))
		return 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}
/* ---- what a tree holds ---- */

static char *snapshot;
static size_t snapshot_len;
static const char *snapshot_skip;

static inline int snap_one(const char *p, const struct stat *st, int type, struct FTW *ftw)
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
static inline char *take_snapshot(const char *dir, const char *skip_prefix)
{
	snapshot = NULL;
	snapshot_len = 0;
	snapshot_skip = skip_prefix;
	assert_int_equal(nftw(dir, snap_one, 16, FTW_PHYS), 0);
	return snapshot;
}
/* Entries of a directory; hidden: dot files too (but "." and ".."). */
static inline int count_in(const char *rel, bool hidden)
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

static inline int count_entries(const char *rel)
{
	return count_in(rel, false);
}
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

#endif
