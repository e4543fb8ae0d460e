/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* A growing string; the first allocation failure sticks, so callers check once at the end. */
struct strbuf {
	char *s;
	size_t len, alloc;
	int error;
};

void strbuf_printf(struct strbuf *b, const char *fmt, ...) _printf_(2, 3);
void strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap) _printf_(2, 0);
/* Hands the string out (never NULL on success) and resets b; returns b's error. */
int strbuf_take(struct strbuf *b, char **ret);
void strbuf_done(struct strbuf *b);

/*
 * Vectors of strings, as the structures keep them: an array, its length and its allocation,
 * three fields of their own. vb_strv_push() takes s, and frees it when it fails;
 * vb_strv_add() copies s. Both return 0 or -ENOMEM.
 */
int vb_strv_push(char ***v, size_t *n, size_t *alloc, char *s);
int vb_strv_add(char ***v, size_t *n, size_t *alloc, const char *s);
bool vb_strv_contains(char *const *v, size_t n, const char *s);
void vb_strv_free(char **v, size_t n);
