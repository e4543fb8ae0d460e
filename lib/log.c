// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>

#include "log.h"

static vb_log_sink log_sink;
static void *log_userdata;
static int log_max_level = LOG_INFO;

void vb_log_set_sink(vb_log_sink sink, void *userdata)
{
	log_sink = sink;
	log_userdata = userdata;
}

void vb_log_set_max_level(int level)
{
	log_max_level = level;
}

int vb_log_get_max_level(void)
{
	return log_max_level;
}

int vb_log_full(int level, int r, const char *fmt, ...)
{
	char buf[1024];
	int saved = errno;
	va_list ap;

	if (!log_sink || level > log_max_level)
		return r;

	/* %m in a message means r, not whatever errno happens to hold. */
	if (r < 0)
		errno = -r;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_sink(log_userdata, level, buf);
	errno = saved;
	return r;
}
