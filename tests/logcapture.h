/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tests/logcapture: what lib/ logged during a test, captured through its log sink, and the
 * assertions on it that the unit tests share.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

#define LOGCAP_MAX 256

struct msg {
	int level;
	char text[1024];
};

/* The first LOGCAP_MAX messages; n_msgs counts every one, and a test may reset it to 0. */
extern struct msg msgs[LOGCAP_MAX];
extern size_t n_msgs;

/* Forgets what was captured and captures from now on, every level up to LOG_DEBUG. */
void logcap_start(void);
void dump_msgs(void);

/* The first message at level (any level when -1) holding every needle, or NULL. */
const struct msg *find_msg_v(int level, const char *needle, va_list ap);
/* How many messages at level hold needle (any text when NULL). */
size_t count_msgs(int level, const char *needle);

/* One message at level must hold every needle; fails the test otherwise. */
void assert_msg_(int level, const char *needle, ...);
#define assert_msg(level, ...) assert_msg_(level, __VA_ARGS__, NULL)
void assert_no_msg_(int level, const char *needle, ...);
#define assert_no_msg(level, ...) assert_no_msg_(level, __VA_ARGS__, NULL)

/* The spec: errors name file:line. Every message captured starts with FILE:LINE:. */
void assert_all_msgs_located(void);
