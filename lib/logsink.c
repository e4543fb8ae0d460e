// SPDX-License-Identifier: GPL-2.0-or-later
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "logsink.h"
#include "sysroot.h"

/*
 * The kernel lets each open of /dev/kmsg write 10 lines per 5 s and silently drops the rest
 * (unless printk.devkmsg=on); a fresh open every few lines keeps every message.
 */
#define KMSG_LINES_PER_OPEN 8

static struct {
	const char *ident;
	int kmsg_fd;
	unsigned kmsg_lines;
	bool with_pid, mirror, to_journal;
} st = {.ident = "vfio-boot", .kmsg_fd = -1};

static void to_stderr(int level, const char *msg)
{
	/* "<3>" lets journald store the priority; on a terminal it is noise. */
	if (st.to_journal)
		fprintf(stderr, "<%d>%s\n", level, msg);
	else
		fprintf(stderr, "%s: %s\n", st.ident, msg);
}

static void kmsg_reopen_if_due(void)
{
	int fd;

	if (++st.kmsg_lines <= KMSG_LINES_PER_OPEN)
		return;
	st.kmsg_lines = 1;
	fd = vb_open_kmsg();
	if (fd < 0)
		return;
	dup3(fd, st.kmsg_fd, O_CLOEXEC);
	close(fd);
}

static void kmsg_sink(void *userdata _unused_, int level, const char *msg)
{
	char buf[1200], pid[24] = "";
	int n;

	if (st.kmsg_fd >= 0) {
		if (st.with_pid)
			snprintf(pid, sizeof(pid), "[%d]", (int)getpid());
		n = snprintf(buf, sizeof(buf), "<%d>%s%s: %s\n", level, st.ident, pid, msg);
		if (n >= (int)sizeof(buf))
			n = sizeof(buf) - 1;
		kmsg_reopen_if_due();
		if (write(st.kmsg_fd, buf, n) == n && !st.mirror)
			return;
	}
	to_stderr(level, msg);
}

static void stderr_sink(void *userdata _unused_, int level, const char *msg)
{
	to_stderr(level, msg);
}

bool vb_stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat s;

	/* systemd sets JOURNAL_STREAM=DEV:INODE to the stream it connected stderr to. */
	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &s) < 0)
		return false;
	return s.st_dev == dev && s.st_ino == ino;
}

void vb_logsink_kmsg(const char *ident, bool with_pid, bool mirror_stderr)
{
	vb_logsink_close();
	st.ident = ident;
	st.with_pid = with_pid;
	st.mirror = mirror_stderr;
	st.to_journal = false;
	st.kmsg_fd = vb_open_kmsg();
	st.kmsg_lines = 0;
	vb_log_set_sink(kmsg_sink, NULL);
}

void vb_logsink_stderr(const char *ident)
{
	vb_logsink_close();
	st.ident = ident;
	st.to_journal = vb_stderr_is_journal();
	setvbuf(stderr, NULL, _IOLBF, 0);
	vb_log_set_sink(stderr_sink, NULL);
}

void vb_logsink_raw(const char *line)
{
	size_t n = strlen(line);

	if (st.kmsg_fd >= 0 && write(st.kmsg_fd, line, n) == (ssize_t)n)
		return;
	/* Skip "<N>": stderr is read by people, or by a journal that would take it as text. */
	if (line[0] == '<' && n >= 3 && line[2] == '>')
		line += 3, n -= 3;
	(void)!write(STDERR_FILENO, line, n);
}

void vb_logsink_close(void)
{
	if (st.kmsg_fd >= 0)
		close(st.kmsg_fd);
	st.kmsg_fd = -1;
}
