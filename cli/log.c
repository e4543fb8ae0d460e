// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli.h"
#include "log.h"

static bool to_journal;

static void sink(void *userdata, int level, const char *msg)
{
	(void)userdata;
	/* "<3>" lets journald store the priority; on a terminal it is noise. */
	if (to_journal)
		fprintf(stderr, "<%d>%s\n", level, msg);
	else
		fprintf(stderr, "vfio-boot: %s\n", msg);
}

/* systemd sets JOURNAL_STREAM=DEV:INODE to the stream it connected stderr to. */
static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) < 0)
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

void cli_log_init(void)
{
	to_journal = stderr_is_journal();
	setvbuf(stderr, NULL, _IOLBF, 0);
	vb_log_set_sink(sink, NULL);
}
