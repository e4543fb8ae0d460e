// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/logsink.c: the programs' sinks. The kmsg sink reopens /dev/kmsg every few lines (the
 * kernel drops what one open writes beyond its rate limit), the stderr sink tells the journal
 * from a terminal by the stream's device and inode, and raw lines lose their level on stderr.
 * /dev/kmsg is a plain file in a temporary root here: a reopen shows as lines reaching a file
 * put in the old one's place.
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
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "logsink.h"
#include "sysroot.h"
#include "util.h"

static char root[] = "/tmp/test-logsink.XXXXXX";

static char *slurp(const char *path)
{
	static char buf[16384];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static unsigned count(const char *s, const char *what)
{
	unsigned n = 0;

	while (s && (s = strstr(s, what)))
		n++, s += strlen(what);
	return n;
}

static void kmsg_path(char *p, size_t size, const char *name)
{
	snprintf(p, size, "%s/dev/%s", root, name);
}

static void new_kmsg(void)
{
	char p[256];
	int fd;

	kmsg_path(p, sizeof(p), "kmsg");
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	close(fd);
}

static int setup(void **state _unused_)
{
	char p[256];

	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/dev", root);
	assert_int_equal(mkdir(p, 0755), 0);
	new_kmsg();
	assert_int_equal(vb_root_set(root), 0);
	return 0;
}

static int teardown(void **state _unused_)
{
	char cmd[300];

	vb_logsink_close();
	vb_log_set_sink(NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

/* Twenty lines, with the file swapped after the first: all but the first reach the new one
 * once the sink reopens, so no more than a few may be lost to the old file. */
static void test_kmsg_reopens(void **state _unused_)
{
	char old[256], cur[256];
	const char *s;

	vb_logsink_kmsg("vfio-boot-test", false, false);
	log_notice("line 0");
	kmsg_path(old, sizeof(old), "kmsg.old");
	kmsg_path(cur, sizeof(cur), "kmsg");
	assert_int_equal(rename(cur, old), 0);
	new_kmsg();
	for (int i = 1; i < 20; i++)
		log_notice("line %d", i);

	s = slurp(old);
	assert_non_null(strstr(s, "<5>vfio-boot-test: line 0\n"));
	assert_true(count(s, "vfio-boot-test: line") <= 8);
	s = slurp(cur);
	assert_non_null(strstr(s, "<5>vfio-boot-test: line 19\n"));
	assert_true(count(s, "vfio-boot-test: line") >= 12);
}

static void test_kmsg_pid(void **state _unused_)
{
	char want[64], p[256];

	vb_logsink_kmsg("vfio-boot-generator", true, false);
	log_err(-EIO, "cannot: %m");
	snprintf(want, sizeof(want), "<3>vfio-boot-generator[%d]: cannot: ", (int)getpid());
	kmsg_path(p, sizeof(p), "kmsg");
	assert_non_null(strstr(slurp(p), want));
}

/* The journal is told by JOURNAL_STREAM naming stderr's device and inode, not by the
 * variable's presence: a child that inherits it with another stderr is not the journal. */
static void test_journal_by_inode(void **state _unused_)
{
	struct stat st;
	char v[64];

	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	assert_true(vb_stderr_is_journal());
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", v, 1);
	assert_false(vb_stderr_is_journal());
	setenv("JOURNAL_STREAM", "junk", 1);
	assert_false(vb_stderr_is_journal());
	unsetenv("JOURNAL_STREAM");
	assert_false(vb_stderr_is_journal());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kmsg_reopens),
		cmocka_unit_test(test_kmsg_pid),
		cmocka_unit_test(test_journal_by_inode),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
