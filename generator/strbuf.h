/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

#include "util.h"

/* A growing string; the first allocation failure sticks, so callers check once at the end. */
struct strbuf {
	char *s;
	size_t len, alloc;
	int error;
};

void strbuf_printf(struct strbuf *b, const char *fmt, ...) _printf_(2, 3);
/* Hands the string out (never NULL on success) and resets b; returns b's error. */
int strbuf_take(struct strbuf *b, char **ret);
void strbuf_done(struct strbuf *b);
