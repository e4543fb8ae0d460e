// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/escape.c against systemd's own escaping: fixed vectors, then the real systemd-escape(1)
 * on hostile names (spaces, '/', "..", '%', newlines, UTF-8, every byte) and on random bytes,
 * and the length limits of unit names.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "escape.h"
#include "util.h"

static char *esc(const char *s)
{
	char *r = NULL;

	assert_int_equal(vb_escape_unit(s, &r), 0);
	return r;
}

static void assert_escape(const char *in, const char *want)
{
	_cleanup_free_ char *got = esc(in), *back = NULL;

	assert_string_equal(got, want);
	/* '/' comes back as '/', as %I shows it. */
	assert_int_equal(vb_unescape_unit(got, &back), 0);
	assert_string_equal(back, in);
}

static void test_vectors(void **state)
{
	(void)state;
	assert_escape("win11", "win11");
	assert_escape("a b/c-d%e.f\\g:h_i", "a\\x20b-c\\x2dd\\x25e.f\\x5cg:h_i");
	assert_escape(".hidden", "\\x2ehidden");
	assert_escape("..", "\\x2e.");
	assert_escape("a.b.", "a.b.");
	assert_escape("-x", "\\x2dx");
	assert_escape("\xc3\xbc\xe2\x82\xac", "\\xc3\\xbc\\xe2\\x82\\xac");
	assert_escape("a\nb\tc", "a\\x0ab\\x09c");
	assert_escape("/", "-");
	assert_escape("", "");
}

static void test_unescape_rejects(void **state)
{
	char *r = NULL;

	(void)state;
	assert_int_equal(vb_unescape_unit("a\\", &r), -EINVAL);
	assert_int_equal(vb_unescape_unit("a\\x", &r), -EINVAL);
	assert_int_equal(vb_unescape_unit("a\\x2", &r), -EINVAL);
	assert_int_equal(vb_unescape_unit("a\\xzz", &r), -EINVAL);
	assert_int_equal(vb_unescape_unit("a\\y20", &r), -EINVAL);
	/* A NUL would cut the name short. */
	assert_int_equal(vb_unescape_unit("a\\x00b", &r), -EINVAL);
	assert_int_equal(vb_unescape_unit("A\\x2D", &r), 0);
	assert_string_equal(r, "A-");
	free(r);
}

static void assert_path(const char *in, const char *want)
{
	_cleanup_free_ char *got = NULL;

	assert_int_equal(vb_escape_path(in, &got), 0);
	assert_string_equal(got, want);
}

static void test_path_vectors(void **state)
{
	char *r = NULL, longc[300];

	(void)state;
	assert_path("/", "-");
	assert_path("//", "-");
	assert_path("/dev/sda1", "dev-sda1");
	assert_path("/dev//disk/./by-id/ata-X_Y-part1/",
		    "dev-disk-by\\x2did-ata\\x2dX_Y\\x2dpart1");
	assert_path("/dev/disk/by-label/My\\x20Disk", "dev-disk-by\\x2dlabel-My\\x5cx20Disk");
	assert_path("/.snapshots/x", "\\x2esnapshots-x");
	assert_path("/dev/.", "dev");
	assert_int_equal(vb_escape_path("/dev/../etc", &r), -EINVAL);
	assert_int_equal(vb_escape_path("/dev/..", &r), -EINVAL);
	assert_int_equal(vb_escape_path("dev/sda", &r), -EINVAL);
	assert_int_equal(vb_escape_path("", &r), -EINVAL);
	memset(longc, 'x', sizeof(longc) - 1);
	longc[0] = '/';
	longc[sizeof(longc) - 1] = '\0';
	assert_int_equal(vb_escape_path(longc, &r), -EINVAL);
	/* ".." inside a name is not a component. */
	assert_path("/dev/a..b", "dev-a..b");
}

static void test_unit_names_and_limits(void **state)
{
	char name[300], *r = NULL;
	size_t room;

	(void)state;
	assert_int_equal(
		vb_unit_instance("vfio-boot-guest", "win 11", "service", VB_UNIT_NAME_MAX, &r), 0);
	assert_string_equal(r, "vfio-boot-guest@win\\x2011.service");
	free(r);
	assert_int_equal(vb_unit_instance("vfio-boot-guest", "", "service", VB_UNIT_NAME_MAX, &r),
			 -EINVAL);

	/* "vfio-boot-guest@" + NAME + ".service": 24 bytes around the name. */
	room = VB_UNIT_NAME_DROPIN_MAX - 24;
	memset(name, 'a', room);
	name[room] = '\0';
	assert_int_equal(
		vb_unit_instance("vfio-boot-guest", name, "service", VB_UNIT_NAME_DROPIN_MAX, &r),
		0);
	assert_int_equal(strlen(r), VB_UNIT_NAME_DROPIN_MAX);
	free(r);
	name[room] = 'a';
	name[room + 1] = '\0';
	assert_int_equal(
		vb_unit_instance("vfio-boot-guest", name, "service", VB_UNIT_NAME_DROPIN_MAX, &r),
		-ENAMETOOLONG);
	assert_int_equal(vb_unit_instance("vfio-boot-guest", name, "service", VB_UNIT_NAME_MAX, &r),
			 0);
	free(r);
	/* One space is four bytes once escaped. */
	memset(name, 'a', room);
	name[room - 3] = ' ';
	name[room] = '\0';
	assert_int_equal(
		vb_unit_instance("vfio-boot-guest", name, "service", VB_UNIT_NAME_DROPIN_MAX, &r),
		-ENAMETOOLONG);

	assert_int_equal(vb_unit_from_path("/dev/disk/by-id/x", "device", &r), 0);
	assert_string_equal(r, "dev-disk-by\\x2did-x.device");
	free(r);
	name[0] = '/';
	for (int i = 1; i < 250; i++)
		name[i] = i % 100 ? '-' : '/';
	name[250] = '\0';
	assert_int_equal(vb_unit_from_path(name, "device", &r), -ENAMETOOLONG);
}

/* ---- against the real systemd-escape ---- */

static const char *systemd_escape(void)
{
	static const char *const paths[] = {"/usr/bin/systemd-escape", "/bin/systemd-escape"};

	for (size_t i = 0; i < ELEMENTSOF(paths); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* Runs systemd-escape with args; returns its output without the newline, or NULL on failure. */
static char *run_escape(const char *const *args)
{
	const char *argv[80];
	char buf[8192];
	size_t len = 0, n = 0;
	int fds[2], status;
	pid_t pid;
	ssize_t k;

	argv[n++] = systemd_escape();
	for (; *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(fds[1], 1);
		dup2(devnull, 2);
		close(fds[0]);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	close(fds[1]);
	while ((k = read(fds[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += k;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return NULL;
	buf[len] = '\0';
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return strdup(buf);
}

static const char *const hostile[] = {
	"win11",
	"my vm",
	"a/b",
	"../../etc/passwd",
	"..",
	".",
	".hidden",
	"50%off",
	"%i%n%%",
	"line\nbreak",
	"tab\there",
	"quote\"d 'single'",
	"back\\slash",
	"semi;colon$(reboot)`id`|&<>*?[]{}~!#",
	"-leading-dash",
	"trailing-",
	"\xc3\xbctf-8 \xe2\x98\x83",
	"\xff\xfe invalid utf-8 \x80",
	"@at@",
	"a:b_c.d",
	"\x7f\x01\x1b[31m",
};

/* The i-th of the space-separated words of line (escaped names hold no spaces). */
static char *word(const char *line, size_t i)
{
	for (; i > 0; i--) {
		line = strchr(line, ' ');
		assert_non_null(line);
		line++;
	}
	return strndup(line, strcspn(line, " "));
}

static void test_hostile_like_systemd_escape(void **state)
{
	const char *args[ELEMENTSOF(hostile) + 2] = {"--"};
	_cleanup_free_ char *all = NULL;

	(void)state;
	if (!systemd_escape())
		skip();
	/* One run for all: systemd-escape prints each argument's escape, space-separated. */
	for (size_t i = 0; i < ELEMENTSOF(hostile); i++)
		args[i + 1] = hostile[i];
	all = run_escape(args);
	assert_non_null(all);
	for (size_t i = 0; i < ELEMENTSOF(hostile); i++) {
		const char *targs[] = {"--template=vfio-boot-guest@.service", "--", hostile[i],
				       NULL};
		_cleanup_free_ char *want = word(all, i), *got = esc(hostile[i]);
		_cleanup_free_ char *twant = run_escape(targs), *tgot = NULL;
		int r;

		assert_string_equal(got, want);
		r = vb_unit_instance("vfio-boot-guest", hostile[i], "service", VB_UNIT_NAME_MAX,
				     &tgot);
		/* systemd-escape refuses what no unit can be called; so must we. */
		if (!twant)
			assert_true(r < 0);
		else {
			assert_int_equal(r, 0);
			assert_string_equal(tgot, twant);
		}
	}
}

static void test_long_names_like_systemd_escape(void **state)
{
	char name[300];

	(void)state;
	if (!systemd_escape())
		skip();
	/* Around the 255-byte limit of a unit name. */
	for (size_t len = 225; len <= 236; len++) {
		const char *targs[] = {"--template=vfio-boot-guest@.service", "--", name, NULL};
		_cleanup_free_ char *want = NULL, *got = NULL;
		int r;

		memset(name, 'x', len);
		name[len] = '\0';
		want = run_escape(targs);
		r = vb_unit_instance("vfio-boot-guest", name, "service", VB_UNIT_NAME_MAX, &got);
		if (want) {
			assert_int_equal(r, 0);
			assert_string_equal(got, want);
		} else
			assert_int_equal(r, -ENAMETOOLONG);
	}
}

static void test_paths_like_systemd_escape(void **state)
{
	static const char *const paths[] = {
		"/",
		"//",
		"/dev/sda",
		"/dev//sda/",
		"/dev/./disk/by-id/nvme-Samsung_SSD-part3",
		"/dev/disk/by-label/My\\x20Disk",
		"/dev/mapper/vg-my&vm",
		"/dev/../etc/passwd",
		"/dev/..",
		"/dev/a..b",
		"/.snap/x y",
		"/dev/\xc3\xbc",
		"/dev/50%",
	};

	(void)state;
	if (!systemd_escape())
		skip();
	for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
		const char *args[] = {"--path", "--", paths[i], NULL};
		_cleanup_free_ char *want = run_escape(args), *got = NULL;
		int r = vb_escape_path(paths[i], &got);

		if (!want)
			assert_int_equal(r, -EINVAL);
		else {
			assert_int_equal(r, 0);
			assert_string_equal(got, want);
		}
	}
}

/* Every byte from 1 to 255, in random strings, as systemd-escape escapes them. */
static void test_random_bytes_like_systemd_escape(void **state)
{
	enum { ROUNDS = 64 };
	static char s[ROUNDS][41];
	const char *args[ROUNDS + 2] = {"--"};
	_cleanup_free_ char *all = NULL;
	unsigned seed = 4;

	(void)state;
	if (!systemd_escape())
		skip();
	for (int k = 0; k < ROUNDS; k++) {
		size_t len = 1 + rand_r(&seed) % 40;

		for (size_t i = 0; i < len; i++)
			s[k][i] = (char)(1 + rand_r(&seed) % 255);
		s[k][len] = '\0';
		args[k + 1] = s[k];
	}
	all = run_escape(args);
	assert_non_null(all);
	for (int k = 0; k < ROUNDS; k++) {
		_cleanup_free_ char *want = word(all, k), *got = esc(s[k]), *back = NULL;

		assert_string_equal(got, want);
		assert_int_equal(vb_unescape_unit(got, &back), 0);
		assert_string_equal(back, s[k]);
	}
}

/* Comments of generated files: one line, valid UTF-8, whatever they quote. */
static void test_comment(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{"/etc/vfio-boot/conf.d/a b.conf", "/etc/vfio-boot/conf.d/a b.conf"},
		{"x\nExecStartPre=evil\r\n", "x\\x0aExecStartPre=evil\\x0d\\x0a"},
		{"tab\there\x7f", "tab\\x09here\\x7f"},
		{"\xc3\xbctf-8 \xe2\x98\x83 \xf0\x9f\x90\xa7",
		 "\xc3\xbctf-8 \xe2\x98\x83 \xf0\x9f\x90\xa7"},
		{"bad \xff\xfe", "bad \\xff\\xfe"},
		{"overlong \xc0\xaf", "overlong \\xc0\\xaf"},
		{"surrogate \xed\xa0\x80", "surrogate \\xed\\xa0\\x80"},
		{"cut \xe2\x98", "cut \\xe2\\x98"},
		{"too high \xf4\x90\x80\x80", "too high \\xf4\\x90\\x80\\x80"},
		{"back\\slash", "back\\slash"},
		{"", ""},
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(v); i++) {
		_cleanup_free_ char *out = NULL;

		assert_int_equal(vb_escape_comment(v[i].in, &out), 0);
		assert_string_equal(out, v[i].out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_unescape_rejects),
		cmocka_unit_test(test_path_vectors),
		cmocka_unit_test(test_unit_names_and_limits),
		cmocka_unit_test(test_hostile_like_systemd_escape),
		cmocka_unit_test(test_long_names_like_systemd_escape),
		cmocka_unit_test(test_paths_like_systemd_escape),
		cmocka_unit_test(test_random_bytes_like_systemd_escape),
		cmocka_unit_test(test_comment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
