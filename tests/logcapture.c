// SPDX-License-Identifier: GPL-2.0-or-later
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"
#include "logcapture.h"

struct msg msgs[LOGCAP_MAX];
size_t n_msgs;

static void sink(void *userdata, int level, const char *text)
{
	(void)userdata;
	if (n_msgs < LOGCAP_MAX) {
		msgs[n_msgs].level = level;
		snprintf(msgs[n_msgs].text, sizeof(msgs[n_msgs].text), "%s", text);
	}
	n_msgs++;
}

void logcap_start(void)
{
	n_msgs = 0;
	vb_log_set_sink(sink, NULL);
	vb_log_set_max_level(LOG_DEBUG);
}

void dump_msgs(void)
{
	for (size_t i = 0; i < n_msgs && i < LOGCAP_MAX; i++)
		print_message("  log <%d> %s\n", msgs[i].level, msgs[i].text);
}

const struct msg *find_msg_v(int level, const char *needle, va_list ap)
{
	for (size_t i = 0; i < n_msgs && i < LOGCAP_MAX; i++) {
		bool all = true;
		va_list aq;

		if (level >= 0 && msgs[i].level != level)
			continue;
		va_copy(aq, ap);
		for (const char *n = needle; n; n = va_arg(aq, const char *))
			if (!strstr(msgs[i].text, n)) {
				all = false;
				break;
			}
		va_end(aq);
		if (all)
			return &msgs[i];
	}
	return NULL;
}

size_t count_msgs(int level, const char *needle)
{
	size_t n = 0;

	for (size_t i = 0; i < n_msgs && i < LOGCAP_MAX; i++)
		if (msgs[i].level == level && (!needle || strstr(msgs[i].text, needle)))
			n++;
	return n;
}

void assert_msg_(int level, const char *needle, ...)
{
	const struct msg *m;
	va_list ap;

	va_start(ap, needle);
	m = find_msg_v(level, needle, ap);
	va_end(ap);
	if (!m) {
		print_message("no message at level %d containing \"%s\" (and the rest); got:\n",
			      level, needle);
		dump_msgs();
		fail();
	}
}

void assert_no_msg_(int level, const char *needle, ...)
{
	const struct msg *m;
	va_list ap;

	va_start(ap, needle);
	m = find_msg_v(level, needle, ap);
	va_end(ap);
	if (m) {
		print_message("unexpected message: %s\n", m->text);
		fail();
	}
}

void assert_all_msgs_located(void)
{
	regex_t re;

	assert_int_equal(regcomp(&re, "^[^: ]+:[1-9][0-9]*: ", REG_EXTENDED | REG_NOSUB), 0);
	for (size_t i = 0; i < n_msgs && i < LOGCAP_MAX; i++)
		if (regexec(&re, msgs[i].text, 0, NULL, 0) != 0) {
			print_message("message without FILE:LINE: \"%s\"\n", msgs[i].text);
			regfree(&re);
			fail();
		}
	regfree(&re);
}
