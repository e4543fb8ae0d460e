// SPDX-License-Identifier: GPL-2.0-or-later
/* The config's syntax: lines, [TYPE NAME] headers and `key = value` settings. */
#include <ctype.h>
#include <errno.h>

#include "config-schema.h"
#include "log.h"
#include "name.h"
#include "util.h"

#define LINE_MAX_LEN 4096

static const char *const type_names[] = {
	[VB_SEC_BINDER] = "binder", [VB_SEC_DEVICE] = "device", [VB_SEC_BRIDGE] = "bridge",
	[VB_SEC_GUEST] = "guest",   [VB_SEC_USB] = "usb",
};

const char *vb_section_type_name(enum vb_section_type t)
{
	return t < ELEMENTSOF(type_names) ? type_names[t] : "?";
}

static int type_from_name(const char *s, size_t n)
{
	for (size_t i = 0; i < ELEMENTSOF(type_names); i++)
		if (strlen(type_names[i]) == n && strncmp(type_names[i], s, n) == 0)
			return i;
	return -EINVAL;
}

#define config_error(cfg, file, line, ...) \
	vb_config_report(cfg, NULL, LOG_ERR, file, line, __VA_ARGS__)

static bool valid_name(enum vb_section_type t, const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		return false;
	switch (t) {
	case VB_SEC_DEVICE:
	case VB_SEC_USB:
		return vb_name_valid(s, VB_NAME_MAX);
	case VB_SEC_BRIDGE:
		/* It names the bridge interface: the interface-name rule holds too. */
		return vb_name_valid(s, 15) && vb_ifname_valid(s);
	case VB_SEC_GUEST:
		/* libvirt domain names are nearly free-form; the generator escapes them. */
		if (n > 200)
			return false;
		for (const char *p = s; *p; p++)
			if (iscntrl((unsigned char)*p))
				return false;
		return true;
	default:
		return false;
	}
}

/* FNV-1a over the type and the name. */
static size_t section_hash(enum vb_section_type t, const char *name)
{
	size_t h = 2166136261u ^ (size_t)t;

	for (const char *p = name ? name : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

static void index_insert(const struct vb_config *cfg, size_t *index, size_t size, size_t idx)
{
	const struct vb_section *s = &cfg->sections[idx];
	size_t i = section_hash(s->type, s->name) & (size - 1);

	while (index[i])
		i = (i + 1) & (size - 1);
	index[i] = idx + 1;
}

/* Open addressing, kept at most half full so that probes stay short. */
static int index_add(struct vb_config *cfg, size_t idx)
{
	if ((idx + 1) * 2 > cfg->index_size) {
		size_t size = cfg->index_size ? cfg->index_size * 2 : 64;
		size_t *index = calloc(size, sizeof(*index));

		if (!index)
			return -ENOMEM;
		for (size_t i = 0; i < cfg->index_size; i++)
			if (cfg->index[i])
				index_insert(cfg, index, size, cfg->index[i] - 1);
		free(cfg->index);
		cfg->index = index;
		cfg->index_size = size;
	}
	index_insert(cfg, cfg->index, cfg->index_size, idx);
	return 0;
}

static struct vb_section *find_section(struct vb_config *cfg, enum vb_section_type t,
				       const char *name)
{
	size_t mask = cfg->index_size - 1;

	if (!cfg->index_size)
		return NULL;
	for (size_t i = section_hash(t, name) & mask; cfg->index[i]; i = (i + 1) & mask) {
		struct vb_section *s = &cfg->sections[cfg->index[i] - 1];
		if (s->type == t && streq_ptr(s->name, name))
			return s;
	}
	return NULL;
}

static char *strip(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Returns the section the following lines belong to, or NULL when they are to be ignored. */
static int parse_header(struct vb_config *cfg, const char *fname, unsigned line, char *s,
			struct vb_section **cur)
{
	char *end = strchr(s, ']'), *rest, *type, *name;
	struct vb_section *sec;
	int t, r;

	*cur = NULL;
	if (!end) {
		config_error(cfg, fname, line, "expected `[TYPE NAME]`, missing `]`");
		return 0;
	}
	*end = '\0';
	rest = strip(end + 1);
	if (*rest && *rest != '#') {
		config_error(cfg, fname, line, "unexpected text after `]`: \"%s\"", rest);
		return 0;
	}
	type = strip(s + 1);
	name = type + strcspn(type, " \t");
	t = type_from_name(type, name - type);
	name = strip(name);
	if (t < 0) {
		config_error(
			cfg, fname, line,
			"unknown section type \"%.*s\": expected binder, device, bridge, guest or usb",
			(int)strcspn(type, " \t"), type);
		return 0;
	}
	if (t == VB_SEC_BINDER && *name) {
		config_error(cfg, fname, line, "[binder] takes no name");
		return 0;
	}
	if (t != VB_SEC_BINDER && !valid_name(t, name)) {
		config_error(
			cfg, fname, line,
			t == VB_SEC_GUEST
				? "[guest NAME] needs a libvirt domain name (at most 200 characters, no control characters)"
				: "[%s NAME] needs a name of letters, digits, '_', '-' and '.', not starting with '.' (at most %d characters)%s",
			type_names[t], t == VB_SEC_BRIDGE ? 15 : VB_NAME_MAX,
			t == VB_SEC_BRIDGE ? ", not all digits" : "");
		return 0;
	}

	sec = find_section(cfg, t, t == VB_SEC_BINDER ? NULL : name);
	if (!sec) {
		r = GROW(cfg->sections, cfg->alloc_sections, cfg->n_sections + 1);
		if (r < 0)
			return r;
		sec = &cfg->sections[cfg->n_sections];
		*sec = (struct vb_section){.type = t, .file = fname, .line = line};
		if (t != VB_SEC_BINDER) {
			sec->name = strdup(name);
			if (!sec->name)
				return -ENOMEM;
		}
		cfg->n_sections++;
		r = index_add(cfg, cfg->n_sections - 1);
		if (r < 0)
			return r;
	}
	*cur = sec;
	return 0;
}

static int add_setting(struct vb_section *sec, const char *fname, unsigned line, const char *key,
		       const char *value)
{
	struct vb_setting *st;
	int r;

	r = GROW(sec->settings, sec->alloc, sec->n_settings + 1);
	if (r < 0)
		return r;
	st = &sec->settings[sec->n_settings];
	*st = (struct vb_setting){.file = fname, .line = line};
	st->key = strdup(key);
	st->value = strdup(value);
	if (!st->key || !st->value) {
		free(st->key);
		free(st->value);
		return -ENOMEM;
	}
	sec->n_settings++;
	return 0;
}

static int parse_line(struct vb_config *cfg, const char *fname, unsigned line, char *s,
		      struct vb_section **cur, bool *in_section)
{
	char *eq, *key, *value, *hash;

	s = strip(s);
	if (!*s || *s == '#')
		return 0;
	if (*s == '[') {
		*in_section = true;
		return parse_header(cfg, fname, line, s, cur);
	}
	eq = strchr(s, '=');
	if (!eq) {
		config_error(cfg, fname, line,
			     "expected `key = value`, `[TYPE NAME]` or a # comment");
		goto bad;
	}
	*eq = '\0';
	key = strip(s);
	value = strip(eq + 1);
	/* A # starts a comment only after white space: values never need one there. */
	for (hash = value; (hash = strchr(hash, '#')); hash++)
		if (hash == value || hash[-1] == ' ' || hash[-1] == '\t') {
			*hash = '\0';
			value = strip(value);
			break;
		}
	if (!*key || key[strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_-")]) {
		config_error(
			cfg, fname, line,
			"expected a key of lower-case letters, digits, '_' and '-' before `=`");
		goto bad;
	}
	if (!*in_section) {
		config_error(cfg, fname, line,
			     "\"%s\" outside any section: expected a `[TYPE NAME]` line first",
			     key);
		return 0;
	}
	if (!*cur)
		return 0; /* in a section already reported as bad */
	return add_setting(*cur, fname, line, key, value);
bad:
	if (*cur)
		(*cur)->bad = true;
	return 0;
}

/* A line that cannot be read: too long, or with a NUL byte. */
static void bad_line(struct vb_config *cfg, const char *name, unsigned lineno, const char *p,
		     size_t n, struct vb_section **cur, bool *in_section)
{
	size_t k = 0;

	while (k < n && (p[k] == ' ' || p[k] == '\t'))
		k++;
	if (k < n && p[k] == '[') {
		/*
		 * A header that cannot be read starts a section nobody knows:
		 * what follows is not the previous section's to have.
		 */
		if (n > LINE_MAX_LEN)
			config_error(
				cfg, name, lineno,
				"section header longer than %d bytes: ignoring the lines up to the next header",
				LINE_MAX_LEN);
		else
			config_error(
				cfg, name, lineno,
				"NUL byte in a section header: ignoring the lines up to the next header");
		*cur = NULL;
		*in_section = true;
	} else if (n > LINE_MAX_LEN)
		config_error(cfg, name, lineno, "line longer than %d bytes", LINE_MAX_LEN);
	else
		config_error(cfg, name, lineno, "NUL byte in the line: expected text");
	if (*cur)
		(*cur)->bad = true;
}

int vb_config_parse(struct vb_config *cfg, const char *fname, const char *buf, size_t len)
{
	struct vb_section *cur = NULL;
	bool in_section = false;
	char line[LINE_MAX_LEN + 1];
	unsigned lineno = 0;
	const char *p = buf, *end = buf + len;
	const char *name;
	char *dup;
	int r;

	/* Sections and settings point at the file name: keep one copy per file. */
	dup = strdup(fname);
	if (!dup)
		return -ENOMEM;
	r = GROW(cfg->files, cfg->alloc_files, cfg->n_files + 1);
	if (r < 0) {
		free(dup);
		return r;
	}
	cfg->files[cfg->n_files++] = dup;
	name = dup;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		lineno++;
		if (n > LINE_MAX_LEN || memchr(p, '\0', n))
			bad_line(cfg, name, lineno, p, n, &cur, &in_section);
		else {
			memcpy(line, p, n);
			line[n] = '\0';
			/* Only a header grows the sections, and it hands back a fresh cur. */
			r = parse_line(cfg, name, lineno, line, &cur, &in_section);
			if (r < 0)
				return r;
		}
		p += n + 1;
	}
	return 0;
}

const struct vb_setting *vb_section_get(const struct vb_section *sec, const char *key)
{
	for (size_t i = sec->n_settings; i > 0; i--)
		if (streq(sec->settings[i - 1].key, key))
			return &sec->settings[i - 1];
	return NULL;
}
