// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <limits.h>

#include "escape.h"
#include "util.h"

static bool plain_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == ':' || c == '_' || c == '.';
}

static char *escape_char(char c, char *t)
{
	static const char hex[] = "0123456789abcdef";

	*t++ = '\\';
	*t++ = 'x';
	*t++ = hex[(unsigned char)c >> 4];
	*t++ = hex[(unsigned char)c & 15];
	return t;
}

int vb_escape_unit(const char *s, char **ret)
{
	char *buf, *t;

	/* Every byte may become four. */
	buf = malloc(strlen(s) * 4 + 1);
	if (!buf)
		return -ENOMEM;
	t = buf;
	/* A leading '.' would make a hidden file of the unit. */
	if (*s == '.')
		t = escape_char(*s++, t);
	for (; *s; s++) {
		if (*s == '/')
			*t++ = '-';
		else if (plain_char(*s))
			*t++ = *s;
		else
			t = escape_char(*s, t);
	}
	*t = '\0';
	*ret = buf;
	return 0;
}

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -EINVAL;
}

int vb_unescape_unit(const char *s, char **ret)
{
	_cleanup_free_ char *buf = malloc(strlen(s) + 1);
	char *t = buf;

	if (!buf)
		return -ENOMEM;
	for (; *s; s++) {
		if (*s == '-')
			*t++ = '/';
		else if (*s == '\\') {
			int a, b;

			if (s[1] != 'x')
				return -EINVAL;
			a = unhex(s[2]);
			if (a < 0)
				return -EINVAL;
			b = unhex(s[3]);
			if (b < 0)
				return -EINVAL;
			/* A NUL would cut the name short: never a name anyone meant. */
			if (a == 0 && b == 0)
				return -EINVAL;
			*t++ = (char)(a << 4 | b);
			s += 3;
		} else
			*t++ = *s;
	}
	*t = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

/* Drops empty and "." components and the trailing slash; refuses "..", as systemd does. */
static int simplify_path(const char *path, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	const char *p = path;
	char *t;

	if (path[0] != '/' || strlen(path) >= PATH_MAX)
		return -EINVAL;
	buf = malloc(strlen(path) + 1);
	if (!buf)
		return -ENOMEM;
	t = buf;
	for (;;) {
		size_t n;

		p += strspn(p, "/");
		if (!*p)
			break;
		n = strcspn(p, "/");
		if (n > NAME_MAX)
			return -EINVAL;
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return -EINVAL;
		if (!(n == 1 && p[0] == '.')) {
			*t++ = '/';
			memcpy(t, p, n);
			t += n;
		}
		p += n;
	}
	*t = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

int vb_escape_path(const char *path, char **ret)
{
	_cleanup_free_ char *simple = NULL;
	int r;

	r = simplify_path(path, &simple);
	if (r < 0)
		return r;
	if (!*simple) {
		*ret = strdup("-");
		return *ret ? 0 : -ENOMEM;
	}
	return vb_escape_unit(simple + 1, ret);
}

int vb_unit_instance(const char *prefix, const char *instance, const char *suffix, size_t max,
		     char **ret)
{
	_cleanup_free_ char *esc = NULL, *name = NULL;
	int r;

	if (!*instance)
		return -EINVAL;
	r = vb_escape_unit(instance, &esc);
	if (r < 0)
		return r;
	r = asprintf_safe(&name, "%s@%s.%s", prefix, esc, suffix);
	if (r < 0)
		return r;
	if (strlen(name) > max)
		return -ENAMETOOLONG;
	*ret = TAKE_PTR(name);
	return 0;
}

int vb_unit_from_path(const char *path, const char *suffix, char **ret)
{
	_cleanup_free_ char *esc = NULL, *name = NULL;
	int r;

	r = vb_escape_path(path, &esc);
	if (r < 0)
		return r;
	r = asprintf_safe(&name, "%s.%s", esc, suffix);
	if (r < 0)
		return r;
	if (strlen(name) > VB_UNIT_NAME_MAX)
		return -ENAMETOOLONG;
	*ret = TAKE_PTR(name);
	return 0;
}

int vb_escape_comment(const char *s, char **ret)
{
	char *buf, *t;

	buf = malloc(strlen(s) * 4 + 1);
	if (!buf)
		return -ENOMEM;
	t = buf;
	while (*s) {
		unsigned char c = *s;
		size_t n;

		if (c >= ' ' && c < 0x7f) {
			*t++ = *s++;
		} else if (c >= 0x80 && (n = utf8_char_len(s))) {
			memcpy(t, s, n);
			t += n;
			s += n;
		} else
			t = escape_char(*s++, t);
	}
	*t = '\0';
	*ret = buf;
	return 0;
}

void vb_unescape_octal(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else
			*o++ = *s;
	}
	*o = '\0';
}
