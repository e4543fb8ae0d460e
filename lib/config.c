// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "config.h"
#include "log.h"
#include "name.h"
#include "sysroot.h"
#include "util.h"

#define LINE_MAX_LEN 4096

static const char *const type_names[] = {
	[VB_SEC_BINDER] = "binder",
	[VB_SEC_DEVICE] = "device",
	[VB_SEC_BRIDGE] = "bridge",
	[VB_SEC_GUEST] = "guest",
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

static void config_msg(struct vb_config *cfg, int level, const char *file, unsigned line,
		       const char *fmt, ...) _printf_(5, 6);

static void config_msg(struct vb_config *cfg, int level, const char *file, unsigned line,
		       const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	if (level <= LOG_ERR)
		cfg->n_errors++;
	else
		cfg->n_warnings++;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	vb_log_full(level, 0, "%s:%u: %s", file, line, buf);
}

#define config_error(cfg, file, line, ...) config_msg(cfg, LOG_ERR, file, line, __VA_ARGS__)
#define config_warn(cfg, file, line, ...)  config_msg(cfg, LOG_WARNING, file, line, __VA_ARGS__)

static bool valid_name(enum vb_section_type t, const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		return false;
	switch (t) {
	case VB_SEC_DEVICE:
		return vb_name_valid(s, VB_NAME_MAX);
	case VB_SEC_BRIDGE:
		return vb_name_valid(s, 15);
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
			"unknown section type \"%.*s\": expected binder, device, bridge or guest",
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
				: "[%s NAME] needs a name of letters, digits, '_', '-' and '.', not starting with '.' (at most %d characters)",
			type_names[t], t == VB_SEC_BRIDGE ? 15 : VB_NAME_MAX);
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
		if (n > LINE_MAX_LEN || memchr(p, '\0', n)) {
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
				cur = NULL;
				in_section = true;
			} else if (n > LINE_MAX_LEN)
				config_error(cfg, name, lineno, "line longer than %d bytes",
					     LINE_MAX_LEN);
			else
				config_error(cfg, name, lineno,
					     "NUL byte in the line: expected text");
			if (cur)
				cur->bad = true;
		} else {
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
	end = strip(end);
	for (size_t i = 0; i < ELEMENTSOF(units); i++) {
		if (!streq(end, units[i].suffix))
			continue;
		if (v > UINT64_MAX / units[i].mult)
			return -ERANGE;
		*usec = v * units[i].mult;
		return 0;
	}
	return -EINVAL;
}

const struct vb_setting *vb_section_get(const struct vb_section *sec, const char *key)
{
	for (size_t i = sec->n_settings; i > 0; i--)
		if (streq(sec->settings[i - 1].key, key))
			return &sec->settings[i - 1];
	return NULL;
}

static bool key_known(const char *const *keys, const char *key)
{
	for (; *keys; keys++)
		if (streq(*keys, key))
			return true;
	return false;
}

static const char *const binder_keys[] = {"wait", NULL};
static const char *const device_keys[] = {"match", "count", "functions", "group", "allow", NULL};
static const char *const bridge_keys[] = {"uplink",  "uplink-mac", "dhcp", "address",
					  "gateway", "stp",	   "mac",  NULL};
static const char *const guest_keys[] = {"autostart", "after",	     "devices",
					 "bridge",    "start-delay", "shutdown-timeout",
					 "restart",   NULL};

static const char *const *known_keys(enum vb_section_type t)
{
	switch (t) {
	case VB_SEC_BINDER:
		return binder_keys;
	case VB_SEC_DEVICE:
		return device_keys;
	case VB_SEC_BRIDGE:
		return bridge_keys;
	default:
		return guest_keys;
	}
}

/* Unknown keys are errors where a typo could claim the wrong device, warnings elsewhere. */
static void check_keys(struct vb_config *cfg, struct vb_section *sec)
{
	const char *const *keys = known_keys(sec->type);
	bool strict = sec->type == VB_SEC_BINDER || sec->type == VB_SEC_DEVICE;

	for (size_t i = 0; i < sec->n_settings; i++) {
		const struct vb_setting *st = &sec->settings[i];
		char list[256] = "";
		size_t n = 0;

		if (key_known(keys, st->key))
			continue;
		for (const char *const *k = keys; *k; k++)
			n += snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "", *k);
		config_msg(cfg, strict ? LOG_ERR : LOG_WARNING, st->file, st->line,
			   "unknown key \"%s\" in [%s%s%s]: expected one of %s", st->key,
			   type_names[sec->type], sec->name ? " " : "", sec->name ? sec->name : "",
			   list);
		if (strict)
			sec->bad = true;
	}
}

static int resolve_binder(struct vb_config *cfg, struct vb_section *sec)
{
	const struct vb_setting *st = vb_section_get(sec, "wait");
	uint64_t usec;
	int r;

	if (!st)
		return 0;
	r = vb_parse_duration(st->value, &usec);
	if (r == -ERANGE)
		usec = UINT64_MAX; /* clamped below, like any other long wait */
	else if (r < 0) {
		config_error(cfg, st->file, st->line,
			     "wait = \"%s\": expected a duration such as 500ms, 5s or 1min",
			     st->value);
		sec->bad = true;
		return 0;
	}
	if (usec > VB_WAIT_MAX_USEC) {
		config_warn(
			cfg, st->file, st->line,
			"wait = %s is longer than the 60s the binder may hold up boot: waiting 60s",
			st->value);
		usec = VB_WAIT_MAX_USEC;
	}
	cfg->wait_usec = usec;
	return 0;
}

static bool parse_device_keys(struct vb_config *cfg, struct vb_section *sec, struct vb_device *d)
{
	const struct vb_setting *st;
	const char *bad, *expected;
	bool ok = true;

	st = vb_section_get(sec, "match");
	if (!st) {
		config_error(
			cfg, sec->file, sec->line,
			"[device %s] has no `match =`: expected at least one of address=, id=, subsystem=, class=, path=, slot=, boot_vga=",
			sec->name);
		return false;
	}
	if (vb_selector_parse(&d->sel, st->value, &bad, &expected) < 0) {
		/* A runaway term must not push what was expected out of the message. */
		int n = strcspn(bad, " \t");
		config_error(cfg, st->file, st->line, "match: bad term \"%.*s%s\": expected %s",
			     n > 64 ? 64 : n, bad, n > 64 ? "..." : "", expected);
		ok = false;
	}

	d->count = 1;
	st = vb_section_get(sec, "count");
	if (st) {
		char *end;
		unsigned long n;

		errno = 0;
		n = strtoul(st->value, &end, 10);
		if (streq(st->value, "any"))
			d->count = -1;
		else if (isdigit((unsigned char)st->value[0]) && !*end && !errno && n >= 1 &&
			 n <= 4096)
			d->count = n;
		else {
			config_error(cfg, st->file, st->line,
				     "count = \"%s\": expected a number from 1 to 4096, or any",
				     st->value);
			ok = false;
		}
	}

	st = vb_section_get(sec, "functions");
	if (st) {
		if (streq(st->value, "all") || streq(st->value, "only"))
			d->functions_only = streq(st->value, "only");
		else {
			config_error(cfg, st->file, st->line,
				     "functions = \"%s\": expected all or only", st->value);
			ok = false;
		}
	}

	st = vb_section_get(sec, "group");
	if (st) {
		if (streq(st->value, "refuse") || streq(st->value, "claim"))
			d->group_claim = streq(st->value, "claim");
		else {
			config_error(cfg, st->file, st->line,
				     "group = \"%s\": expected refuse or claim", st->value);
			ok = false;
		}
	}

	st = vb_section_get(sec, "allow");
	if (st) {
		const char *p = st->value;
		while (*(p += strspn(p, " \t"))) {
			size_t n = strcspn(p, " \t");
			if (n == 4 && strncmp(p, "none", n) == 0)
				; /* the default, written out */
			else if (n == 12 && strncmp(p, "boot-display", n) == 0)
				d->allow |= VB_ALLOW_BOOT_DISPLAY;
			else if (n == 7 && strncmp(p, "storage", n) == 0)
				d->allow |= VB_ALLOW_STORAGE;
			else {
				config_error(
					cfg, st->file, st->line,
					"allow: unknown \"%.*s\": expected boot-display and/or storage, or none",
					(int)n, p);
				ok = false;
			}
			p += n;
		}
	}
	return ok;
}

static int resolve_device(struct vb_config *cfg, size_t idx)
{
	struct vb_section *sec = &cfg->sections[idx];
	struct vb_device d = {
		.section = idx, .name = sec->name, .file = sec->file, .line = sec->line};
	int r;

	if (!parse_device_keys(cfg, sec, &d) || sec->bad) {
		sec->bad = true;
		vb_selector_done(&d.sel);
		vb_log_full(LOG_ERR, 0, "%s:%u: skipping [device %s]: nothing of it is claimed",
			    sec->file, sec->line, sec->name);
		return 0;
	}
	r = GROW(cfg->devices, cfg->alloc_devices, cfg->n_devices + 1);
	if (r < 0) {
		vb_selector_done(&d.sel);
		return r;
	}
	cfg->devices[cfg->n_devices++] = d;
	return 0;
}

int vb_config_resolve(struct vb_config *cfg)
{
	int r;

	for (size_t i = 0; i < cfg->n_sections; i++) {
		struct vb_section *sec = &cfg->sections[i];

		check_keys(cfg, sec);
		switch (sec->type) {
		case VB_SEC_BINDER:
			if (sec->bad) {
				vb_log_full(LOG_ERR, 0,
					    "%s:%u: ignoring [binder]: using its defaults",
					    sec->file, sec->line);
				break;
			}
			r = resolve_binder(cfg, sec);
			if (r < 0)
				return r;
			break;
		case VB_SEC_DEVICE:
			r = resolve_device(cfg, i);
			if (r < 0)
				return r;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Refuses the whole config: logged once, and kept for those who report it later. */
static int config_refuse(struct vb_config *cfg, const char *fmt, ...) _printf_(2, 3);

static int config_refuse(struct vb_config *cfg, const char *fmt, ...)
{
	char buf[sizeof(cfg->refused)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!*cfg->refused)
		memcpy(cfg->refused, buf, sizeof(buf));
	return log_err(-EPERM, "%s", buf);
}

/* Root must own what decides which devices leave the host, and no one else may write it. */
static int check_owner(struct vb_config *cfg, const char *shown, const struct stat *st)
{
	if (st->st_uid != 0)
		return config_refuse(
			cfg,
			"%s is owned by uid %u, not root: refusing the whole config, claiming nothing; fix: chown root:root %s",
			shown, (unsigned)st->st_uid, shown);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return config_refuse(
			cfg,
			"%s is writable by group or others (mode %04o): refusing the whole config, claiming nothing; fix: chmod go-w %s",
			shown, (unsigned)(st->st_mode & 07777), shown);
	return 0;
}

static const char *file_type(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	default:
		return "of an unknown type";
	}
}

int vb_config_open(const char *path, const char *shown, char *why, size_t why_size)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	if (!why)
		why_size = 0;
	fd = vb_open_regular(path, &st);
	if (fd >= 0)
		return fd;
	if (fd == -ENOENT) {
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			return -ENOENT;
		target[n] = '\0';
		snprintf(why, why_size, "%s is a link to %s, which does not exist", shown, target);
		return -ENOLINK;
	}
	if (fd == -EISDIR || fd == -EBADFD)
		snprintf(why, why_size, "%s is %s, not a regular file", shown,
			 file_type(st.st_mode));
	else if (fd == -ELOOP)
		snprintf(
			why, why_size,
			"%s: too many levels of symbolic links (a link that leads back to itself?)",
			shown);
	else
		snprintf(why, why_size, "%s: %s", shown, strerror(-fd));
	return fd;
}

static int load_file(struct vb_config *cfg, const char *path, const char *shown)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	char why[sizeof(cfg->refused) - 64];
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int r;

	fd = vb_config_open(path, shown, why, sizeof(why));
	if (fd == -ENOENT || fd == -ENOMEM)
		return fd;
	if (fd < 0)
		return config_refuse(cfg, "%s: refusing the whole config, claiming nothing", why);
	if (fstat(fd, &st) < 0)
		return config_refuse(cfg, "%s: %s: refusing the whole config, claiming nothing",
				     shown, strerror(errno));
	r = check_owner(cfg, shown, &st);
	if (r < 0)
		return r;
	if (st.st_size > 1 << 20)
		return config_refuse(
			cfg, "%s is larger than 1 MiB: refusing the whole config, claiming nothing",
			shown);
	buf = malloc(st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return config_refuse(cfg,
					     "%s: %s: refusing the whole config, claiming nothing",
					     shown, strerror(errno));
		if (n == 0)
			break;
		len += n;
	}
	return vb_config_parse(cfg, shown, buf, len);
}

static int check_dir(struct vb_config *cfg, const char *abs)
{
	_cleanup_free_ char *p = NULL;
	struct stat st;
	int r;

	r = vb_path(abs, &p);
	if (r < 0)
		return r;
	if (stat(p, &st) < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return config_refuse(cfg, "%s: %s: refusing the whole config, claiming nothing",
				     abs, strerror(errno));
	}
	return check_owner(cfg, abs, &st);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dropins(struct vb_config *cfg)
{
	_cleanup_free_ char *dirpath = NULL;
	_cleanup_closedir_ DIR *dir = NULL;
	char **names = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	int r = 0;

	r = vb_path(VB_CONFIG_DROPINS, &dirpath);
	if (r < 0)
		return r;
	dir = opendir(dirpath);
	if (!dir)
		return errno == ENOENT
			       ? 0
			       : config_refuse(
					 cfg, "%s: %s: refusing the whole config, claiming nothing",
					 VB_CONFIG_DROPINS, strerror(errno));
	r = check_dir(cfg, VB_CONFIG_DROPINS);
	if (r < 0)
		return r;
	while ((de = readdir(dir))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 6 || !streq(de->d_name + len - 5, ".conf"))
			continue;
		r = GROW(names, alloc, n + 1);
		if (r < 0)
			goto out;
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			r = -ENOMEM;
			goto out;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *shown = NULL, *path = NULL;
		r = asprintf_safe(&shown, "%s/%s", VB_CONFIG_DROPINS, names[i]);
		if (r < 0)
			goto out;
		r = vb_path(shown, &path);
		if (r < 0)
			goto out;
		r = load_file(cfg, path, shown);
		if (r == -ENOENT)
			r = 0; /* removed while we read the directory */
		if (r < 0)
			goto out;
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

int vb_config_load(struct vb_config *cfg, const char *file)
{
	_cleanup_free_ char *path = NULL;
	int r;

	*cfg = (struct vb_config){0};
	if (file) {
		r = load_file(cfg, file, file);
		if (r == -ENOENT)
			return log_err(r, "%s: no such file", file);
		if (r < 0)
			return r;
		return vb_config_resolve(cfg);
	}

	r = check_dir(cfg, VB_CONFIG_DIR);
	if (r < 0)
		return r;
	r = vb_path(VB_CONFIG_FILE, &path);
	if (r < 0)
		return r;
	r = load_file(cfg, path, VB_CONFIG_FILE);
	if (r < 0 && r != -ENOENT)
		return r;
	r = load_dropins(cfg);
	if (r < 0)
		return r;
	if (cfg->n_files == 0)
		return -ENOENT;
	return vb_config_resolve(cfg);
}

void vb_config_free(struct vb_config *cfg)
{
	for (size_t i = 0; i < cfg->n_devices; i++)
		vb_selector_done(&cfg->devices[i].sel);
	free(cfg->devices);
	for (size_t i = 0; i < cfg->n_sections; i++) {
		struct vb_section *s = &cfg->sections[i];
		for (size_t j = 0; j < s->n_settings; j++) {
			free(s->settings[j].key);
			free(s->settings[j].value);
		}
		free(s->settings);
		free(s->name);
	}
	free(cfg->sections);
	free(cfg->index);
	for (size_t i = 0; i < cfg->n_files; i++)
		free(cfg->files[i]);
	free(cfg->files);
	*cfg = (struct vb_config){0};
}
