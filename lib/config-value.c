// SPDX-License-Identifier: GPL-2.0-or-later
/* The config's kinds of value, and their parsers for the schema's tables. */
#include <ctype.h>
#include <errno.h>
#include <strings.h>

#include "config-schema.h"
#include "log.h"
#include "util.h"

/* Whether s is word, give or take the blanks around it. */
static bool blank_eq(const char *s, const char *word)
{
	size_t n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return n == strlen(word) && strncmp(s, word, n) == 0;
}

int vb_parse_duration(const char *s, uint64_t *usec)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {
		{"us", 1},	    {"ms", 1000},	  {"s", 1000000}, {"sec", 1000000},
		{"m", 60000000ULL}, {"min", 60000000ULL}, {"", 1000000},
	};
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	for (size_t i = 0; i < ELEMENTSOF(units); i++) {
		if (!blank_eq(end, units[i].suffix))
			continue;
		if (v > UINT64_MAX / units[i].mult)
			return -ERANGE;
		*usec = v * units[i].mult;
		return 0;
	}
	return -EINVAL;
}

int vb_parse_bool(const char *s)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -EINVAL;
}

int vb_mac_parse(const char *s, char out[VB_MAC_LEN])
{
	unsigned char sep = 0;
	char *t = out;

	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
			return -EINVAL;
		*t++ = tolower((unsigned char)s[0]);
		*t++ = tolower((unsigned char)s[1]);
		s += 2;
		if (i == 5)
			break;
		if (*s != ':' && *s != '-')
			return -EINVAL;
		/* One separator throughout: "aa:bb-cc..." is a typo, not a MAC. */
		if (sep && *s != sep)
			return -EINVAL;
		sep = *s++;
		*t++ = ':';
	}
	*t = '\0';
	return *s ? -EINVAL : 0;
}

static bool mac_usable(const char *mac)
{
	/* Multicast (bit 0 of the first octet) and all-zero addresses are no interface's. */
	return !(strtoul((char[]){mac[0], mac[1], 0}, NULL, 16) & 1) &&
	       !streq(mac, "00:00:00:00:00:00");
}

int vb_key_mac(struct vb_apply *a, const struct vb_key *k, const struct vb_setting *st, void *dst)
{
	(void)a;
	(void)k;
	return vb_mac_parse(st->value, dst) < 0 || !mac_usable(dst) ? -EINVAL : 0;
}

/* A value not understood leaves the default. */
int vb_key_bool(struct vb_apply *a, const struct vb_key *k, const struct vb_setting *st, void *dst)
{
	int r = vb_parse_bool(st->value);

	(void)a;
	(void)k;
	if (r < 0)
		return r;
	*(bool *)dst = r;
	return 0;
}

int vb_key_choice(struct vb_apply *a, const struct vb_key *k, const struct vb_setting *st,
		  void *dst)
{
	(void)a;
	if (!streq(st->value, k->words[0]) && !streq(st->value, k->words[1]))
		return -EINVAL;
	*(bool *)dst = streq(st->value, k->words[1]);
	return 0;
}

/* The value as written, pointing into the config; checks say whether it names anything. */
int vb_key_string(struct vb_apply *a, const struct vb_key *k, const struct vb_setting *st,
		  void *dst)
{
	(void)a;
	(void)k;
	*(const char **)dst = st->value;
	return 0;
}

int vb_key_duration(struct vb_apply *a, const struct vb_key *k, const struct vb_setting *st,
		    void *dst)
{
	uint64_t usec;
	int r = vb_parse_duration(st->value, &usec);

	if (r == -ERANGE)
		usec = UINT64_MAX; /* cut below, like any other long time */
	else if (r < 0)
		return r;
	if (usec > k->max) {
		vb_config_report(a->cfg, NULL, LOG_WARNING, st->file, st->line, "%s = %s %s",
				 k->name, st->value, k->cut);
		usec = k->max;
	}
	*(uint64_t *)dst = usec;
	return 0;
}

void vb_words_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The next word of s, or NULL at its end; -EINVAL in *r for an open or empty quote. */
static const char *next_word(const char **s, size_t *len, int *r)
{
	const char *p = *s + strspn(*s, " \t"), *end;

	*r = 0;
	if (!*p)
		return NULL;
	if (*p != '"') {
		*len = strcspn(p, " \t\"");
		*s = p + *len;
		return p;
	}
	end = strchr(p + 1, '"');
	if (!end || end == p + 1) {
		*r = -EINVAL;
		return NULL;
	}
	*len = end - p - 1;
	*s = end + 1;
	return p + 1;
}

/*
 * A list split on white space; "double quotes" keep a guest name with spaces in one word.
 * Duplicates are dropped. An unterminated quote or an empty "" is -EINVAL.
 */
int vb_key_words(struct vb_apply *a, const struct vb_key *k, const struct vb_setting *st, void *dst)
{
	const char *s = st->value, *start;
	char **v = NULL;
	size_t n = 0, alloc = 0, len;
	int r = 0;

	while ((start = next_word(&s, &len, &r))) {
		bool dup = false;
		char *w = strndup(start, len);

		if (!w) {
			r = -ENOMEM;
			break;
		}
		for (size_t i = 0; i < n && !dup; i++)
			dup = streq(v[i], w);
		if (dup) {
			free(w);
			continue;
		}
		r = GROW(v, alloc, n + 1);
		if (r < 0) {
			free(w);
			break;
		}
		v[n++] = w;
	}
	if (r < 0) {
		vb_words_free(v, n);
		return r;
	}
	*(char ***)dst = v;
	*(size_t *)((char *)a->obj + k->count_offset) = n;
	return 0;
}
