// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/sysroot's printf-style helpers, its resolver and its write loop, on a fake tree: every
 * path is taken below the root, and the helpers keep the guarantees of those they build on.
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "runner/runner-fixture.h"
#include "sysroot.h"

static struct fx *fx;

static int setup(void **state)
{
	(void)state;
	fx = fx_new();
	fx_write(fx, "sys/block/sdb/size", "2048\n\n", 0444);
	rf_mkdir(fx, "sys/block/sdb/holders/dm-0");
	rf_mkdir(fx, "sys/devices/virtual/block/dm-0");
	rf_symlink(fx, "sys/vclass", "/sys/devices/virtual");
	assert_int_equal(vb_root_set(fx_root(fx)), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vb_root_set("/");
	fx_free(fx);
	return 0;
}

static const char *big_text(void)
{
	static char buf[4096];

	memset(buf, 'x', sizeof(buf) - 1);
	return buf;
}

static void test_formatted(void **state)
{
	_cleanup_free_ char *v = NULL, *p = NULL, *want = NULL;
	_cleanup_closedir_ DIR *d = NULL, *none = NULL;
	struct dirent *de;
	bool found = false;
	char buf[8];
	int fd;

	(void)state;
	assert_int_equal(vb_readf(&v, "/sys/block/%s/%s", "sdb", "size"), 0);
	assert_string_equal(v, "2048");
	assert_int_equal(vb_readf_buf(buf, sizeof(buf), "/sys/block/%s/size", "sdb"), 0);
	assert_string_equal(buf, "2048");
	assert_true(vb_existsf("/sys/block/%s/holders/dm-%d", "sdb", 0));
	assert_false(vb_existsf("/sys/block/%s/holders/dm-%d", "sdb", 1));

	fd = vb_openf(O_RDONLY, "/sys/block/%s/size", "sdb");
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	assert_int_equal(vb_openf(O_RDONLY, "/sys/block/%s/size", "sdz"), -ENOENT);

	assert_int_equal(vb_opendirf(&d, "/sys/block/%s/holders", "sdb"), 0);
	while ((de = readdir(d)))
		found = found || strcmp(de->d_name, "dm-0") == 0;
	assert_true(found);
	assert_int_equal(vb_opendirf(&none, "/sys/block/%s/size", "sdb"), -ENOTDIR);
	assert_null(none);

	assert_int_equal(vb_pathf(&p, "/sys/block/%s", "sdb"), 0);
	assert_int_equal(asprintf(&want, "%s/sys/block/sdb", fx_root(fx)) > 0, 1);
	assert_string_equal(p, want);
}

/* The f-helpers keep vb_open_regular's guarantees: no FIFO is ever opened for reading. */
static void test_formatted_regular_only(void **state)
{
	_cleanup_free_ char *v = NULL, *fifo = fx_path(fx, "sys/block/sdb/fifo");
	char buf[8];

	(void)state;
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(vb_readf(&v, "/sys/block/%s/fifo", "sdb"), -EBADFD);
	assert_null(v);
	assert_int_equal(vb_readf_buf(buf, sizeof(buf), "/sys/block/%s/fifo", "sdb"), -EBADFD);
	assert_int_equal(vb_readf(&v, "/sys/block/%s", "sdb"), -EISDIR);
}

static void test_read_buf_bounds(void **state)
{
	char buf[5];

	(void)state;
	/* "2048\n\n" is 6 bytes: cut short, even though the text would fit once stripped. */
	assert_int_equal(vb_read_buf("/sys/block/sdb/size", buf, sizeof(buf)), -EFBIG);
	fx_write(fx, "sys/block/sdb/ro", "0\n", 0444);
	assert_int_equal(vb_read_buf("/sys/block/sdb/ro", buf, 3), 0);
	assert_string_equal(buf, "0");
	fx_write(fx, "sys/block/sdb/four", "abcd", 0444);
	assert_int_equal(vb_read_buf("/sys/block/sdb/four", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "abcd");
	assert_int_equal(vb_read_buf("/sys/block/sdb/four", buf, 4), -EFBIG);
	fx_write(fx, "sys/block/sdb/nul", "a\0b", 0444);
	assert_int_equal(vb_read_buf("/sys/block/sdb/nul", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a"); /* fx_write writes up to the NUL */
}

/* Byte for byte, NULs and trailing newlines kept; max bounds what is read. */
static void test_read_fd(void **state)
{
	static const char text[] = "a\0b\n\n";
	_cleanup_free_ char *back = NULL, *none = NULL;
	int fds[2];
	size_t len;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(vb_write_all(fds[1], text, sizeof(text) - 1), 0);
	close(fds[1]);
	assert_int_equal(vb_read_fd(fds[0], 1024, &back, &len), 0);
	close(fds[0]);
	assert_int_equal(len, sizeof(text) - 1);
	assert_memory_equal(back, text, sizeof(text));

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(vb_write_all(fds[1], big_text(), 600), 0);
	close(fds[1]);
	assert_int_equal(vb_read_fd(fds[0], 512, &none, NULL), -EFBIG);
	assert_null(none);
	close(fds[0]);
}

static void test_resolve(void **state)
{
	_cleanup_free_ char *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL, *link = NULL;
	struct stat st;

	(void)state;
	/* An absolute link on the way is taken below the root. */
	assert_int_equal(vb_resolve("/sys/vclass/block/dm-0", &r1, &st), 0);
	assert_string_equal(r1, "/sys/devices/virtual/block/dm-0");
	assert_true(S_ISDIR(st.st_mode));

	rf_symlink(fx, "sys/block/sdb/up", "../../../../../../sys/block");
	assert_int_equal(vb_resolve("/sys/block/sdb/up/./sdb/size", &r2, &st), 0);
	assert_string_equal(r2, "/sys/block/sdb/size");
	assert_true(S_ISREG(st.st_mode));

	assert_int_equal(vb_resolve("/..", &r3, NULL), 0);
	assert_string_equal(r3, "/");

	/* The link itself is resolved, not only what is below it. */
	rf_symlink(fx, "sys/block/dm", "/sys/vclass/block/dm-0");
	assert_int_equal(vb_resolve("/sys/block/dm", &r4, NULL), 0);
	assert_string_equal(r4, "/sys/devices/virtual/block/dm-0");

	rf_symlink(fx, "sys/a", "b");
	rf_symlink(fx, "sys/b", "/sys/a");
	assert_int_equal(vb_resolve("/sys/a", &link, NULL), -ELOOP);
	assert_int_equal(vb_resolve("/sys/block/sdb/size/x", &link, NULL), -ENOTDIR);
	assert_int_equal(vb_resolve("/sys/none", &link, NULL), -ENOENT);
	assert_int_equal(vb_resolve("sys", &link, NULL), -EINVAL);

	assert_int_equal(vb_readlinkf(&link, "/sys/block/%s", "dm"), 0);
	assert_string_equal(link, "/sys/vclass/block/dm-0");
}

static void test_write_all(void **state)
{
	_cleanup_free_ char *back = NULL;
	static char big[1 << 17];
	int fds[2], status;
	ssize_t n;
	pid_t pid;
	size_t got = 0;

	(void)state;
	memset(big, 'x', sizeof(big));
	/* More than a pipe holds at once: the loop goes on while the reader drains it. */
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		_exit(vb_write_all(fds[1], big, sizeof(big)) == 0 ? 0 : 1);
	}
	close(fds[1]);
	back = malloc(sizeof(big));
	while ((n = read(fds[0], back + got, sizeof(big) - got)) > 0)
		got += n;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(got, sizeof(big));
	assert_memory_equal(back, big, sizeof(big));
	assert_int_equal(vb_write_all(-1, "x", 1), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_formatted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_formatted_regular_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_buf_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_all, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
