// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

void strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (b->error)
		return;
	/* Room for a line or two at once: most strings never grow, and a print into no room is
	 * one vsnprintf() too many. */
	if (!b->s && GROW(b->s, b->alloc, 256) < 0) {
		b->error = -ENOMEM;
		return;
	}
	for (;;) {
		size_t room = b->alloc - b->len;

		va_copy(aq, ap);
		n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, aq);
		va_end(aq);
		if (n < 0) {
			b->error = -EINVAL;
			return;
		}
		if ((size_t)n < room) {
			b->len += n;
			return;
		}
		if (GROW(b->s, b->alloc, b->len + n + 1) < 0) {
			b->error = -ENOMEM;
			return;
		}
	}
}

void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

int strbuf_take(struct strbuf *b, char **ret)
{
	int r = b->error;

	if (r == 0 && !b->s) {
		b->s = strdup("");
		if (!b->s)
			r = -ENOMEM;
	}
	if (r < 0) {
		strbuf_done(b);
		return r;
	}
	*ret = b->s;
	*b = (struct strbuf){0};
	return 0;
}

void strbuf_done(struct strbuf *b)
{
	free(b->s);
	*b = (struct strbuf){0};
}

int vb_strv_push(char ***v, size_t *n, size_t *alloc, char *s)
{
	if (!s || GROW(*v, *alloc, *n + 1) < 0) {
		free(s);
		return -ENOMEM;
	}
	(*v)[(*n)++] = s;
	return 0;
}

int vb_strv_add(char ***v, size_t *n, size_t *alloc, const char *s)
{
	return vb_strv_push(v, n, alloc, strdup(s));
}

bool vb_strv_contains(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (streq(v[i], s))
			return true;
	return false;
}

void vb_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
