/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <syslog.h>

#include "util.h"

/*
 * lib/ never prints: it hands each message to the program's sink. Levels are the kernel's
 * (LOG_ERR .. LOG_DEBUG) so the binder can pass them straight to /dev/kmsg.
 */
typedef void (*vb_log_sink)(void *userdata, int level, const char *msg);

void vb_log_set_sink(vb_log_sink sink, void *userdata);
void vb_log_set_max_level(int level);
int vb_log_get_max_level(void);

/* Logs at level and returns r, so that callers can log and return in one step. */
int vb_log_full(int level, int r, const char *fmt, ...) _printf_(3, 4);

#define log_err(r, ...)	 vb_log_full(LOG_ERR, (r), __VA_ARGS__)
#define log_warn(r, ...) vb_log_full(LOG_WARNING, (r), __VA_ARGS__)
#define log_notice(...)	 vb_log_full(LOG_NOTICE, 0, __VA_ARGS__)
#define log_info(...)	 vb_log_full(LOG_INFO, 0, __VA_ARGS__)
#define log_debug(...)	 vb_log_full(LOG_DEBUG, 0, __VA_ARGS__)
