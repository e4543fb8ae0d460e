// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>

#include "escape.h"
#include "guest.h"
#include "log.h"
#include "record.h"
#include "util.h"

static void guest_error(struct vb_config *cfg, struct vb_guest *g, const char *file, unsigned line,
			const char *fmt, ...) _printf_(5, 6);

static void guest_error(struct vb_config *cfg, struct vb_guest *g, const char *file, unsigned line,
			const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cfg->n_errors++;
	g->bad = true;
	log_err(0, "%s:%u: %s", file, line, buf);
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * Splits a list on white space; "double quotes" keep a guest name with spaces in one word.
 * Duplicates are dropped. Returns -EINVAL for an unterminated quote or an empty "".
 */
static int split_words(const char *s, char ***ret, size_t *ret_n)
{
	char **v = NULL;
	size_t n = 0, alloc = 0;
	int r;

	for (;;) {
		const char *start;
		size_t len;
		bool dup = false;
		char *w;

		s += strspn(s, " \t");
		if (!*s)
			break;
		if (*s == '"') {
			const char *end = strchr(s + 1, '"');
			if (!end || end == s + 1) {
				r = -EINVAL;
				goto fail;
			}
			start = s + 1;
			len = end - start;
			s = end + 1;
		} else {
			start = s;
			len = strcspn(s, " \t\"");
			s += len;
		}
		w = strndup(start, len);
		if (!w) {
			r = -ENOMEM;
			goto fail;
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
			goto fail;
		}
		v[n++] = w;
	}
	*ret = v;
	*ret_n = n;
	return 0;
fail:
	free_list(v, n);
	return r;
}

static bool is_guest(const struct vb_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_sections; i++)
		if (cfg->sections[i].type == VB_SEC_GUEST && streq(cfg->sections[i].name, name))
			return true;
	return false;
}

static const struct vb_section *find_device(const struct vb_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_sections; i++)
		if (cfg->sections[i].type == VB_SEC_DEVICE && streq(cfg->sections[i].name, name))
			return &cfg->sections[i];
	return NULL;
}

static bool device_resolved(const struct vb_config *cfg, const struct vb_section *sec)
{
	for (size_t i = 0; i < cfg->n_devices; i++)
		if (&cfg->sections[cfg->devices[i].section] == sec)
			return true;
	return false;
}

static int parse_time(struct vb_config *cfg, struct vb_guest *g, const struct vb_setting *st,
		      uint64_t *usec)
{
	int r = vb_parse_duration(st->value, usec);

	if (r == -ERANGE)
		*usec = UINT64_MAX;
	else if (r < 0) {
		guest_error(cfg, g, st->file, st->line,
			    "%s = \"%s\": expected a duration such as 500ms, 30s or 2min", st->key,
			    st->value);
		return r;
	}
	if (*usec > VB_GUEST_TIME_MAX) {
		cfg->n_warnings++;
		log_warn(0, "%s:%u: %s = %s is longer than 60min: using 60min", st->file, st->line,
			 st->key, st->value);
		*usec = VB_GUEST_TIME_MAX;
	}
	return 0;
}

static int parse_guest(struct vb_config *cfg, const struct vb_bridges *bridges, struct vb_guest *g,
		       const struct vb_section *sec)
{
	const struct vb_setting *st;
	int r;

	/* The domain's XML is /etc/libvirt/qemu/NAME.xml: libvirt cannot have a '/' there. */
	if (strchr(g->name, '/'))
		guest_error(cfg, g, sec->file, sec->line,
			    "[guest %s]: a libvirt domain name cannot contain '/'", g->name);
	else {
		r = vb_unit_instance(VB_GUEST_UNIT_PREFIX, g->name, "service",
				     VB_UNIT_NAME_DROPIN_MAX, &g->unit);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			guest_error(
				cfg, g, sec->file, sec->line,
				"[guest %s]: the name is too long for a systemd unit once escaped (at most %d bytes of \"vfio-boot-guest@NAME.service\", every byte other than letters, digits, ':', '_' and '.' counting 4): rename the domain",
				g->name, VB_UNIT_NAME_DROPIN_MAX);
	}

	st = vb_section_get(sec, "autostart");
	if (st) {
		r = vb_parse_bool(st->value);
		if (r < 0)
			guest_error(cfg, g, st->file, st->line,
				    "autostart = \"%s\": expected yes or no", st->value);
		g->autostart = r > 0;
	}

	st = vb_section_get(sec, "after");
	if (st) {
		r = split_words(st->value, &g->after, &g->n_after);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			guest_error(
				cfg, g, st->file, st->line,
				"after = %s: expected guest names separated by spaces, a name with spaces in \"double quotes\"",
				st->value);
		for (size_t i = 0; i < g->n_after; i++) {
			if (streq(g->after[i], g->name))
				guest_error(cfg, g, st->file, st->line,
					    "after: [guest %s] cannot start after itself", g->name);
			else if (!is_guest(cfg, g->after[i]))
				guest_error(cfg, g, st->file, st->line,
					    "after: no [guest %s] in the configuration",
					    g->after[i]);
		}
	}

	st = vb_section_get(sec, "devices");
	if (st) {
		r = split_words(st->value, &g->devices, &g->n_devices);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			guest_error(
				cfg, g, st->file, st->line,
				"devices = %s: expected [device] section names separated by spaces",
				st->value);
		for (size_t i = 0; i < g->n_devices; i++) {
			const struct vb_section *d = find_device(cfg, g->devices[i]);

			if (!d)
				guest_error(cfg, g, st->file, st->line,
					    "devices: no [device %s] in the configuration",
					    g->devices[i]);
			else if (!device_resolved(cfg, d))
				guest_error(
					cfg, g, st->file, st->line,
					"devices: [device %s] (%s:%u) is skipped, so this guest could never start",
					g->devices[i], d->file, d->line);
		}
	}

	st = vb_section_get(sec, "bridge");
	if (st) {
		const struct vb_bridge *b = vb_bridge_find(bridges, st->value);

		if (!b)
			guest_error(cfg, g, st->file, st->line,
				    "bridge: no [bridge %s] in the configuration", st->value);
		else if (b->bad)
			guest_error(cfg, g, st->file, st->line,
				    "bridge: [bridge %s] (%s:%u) is skipped", st->value, b->file,
				    b->line);
		g->bridge = st->value;
	}

	st = vb_section_get(sec, "start-delay");
	if (st)
		(void)parse_time(cfg, g, st, &g->start_delay_usec);

	g->shutdown_timeout_usec = VB_SHUTDOWN_TIMEOUT_DEFAULT;
	st = vb_section_get(sec, "shutdown-timeout");
	if (st && parse_time(cfg, g, st, &g->shutdown_timeout_usec) == 0 &&
	    g->shutdown_timeout_usec < 1000000)
		guest_error(
			cfg, g, st->file, st->line,
			"shutdown-timeout = %s: expected at least 1s for the guest to shut down",
			st->value);

	st = vb_section_get(sec, "restart");
	if (st) {
		if (streq(st->value, "no") || streq(st->value, "on-failure"))
			g->restart_on_failure = streq(st->value, "on-failure");
		else
			guest_error(cfg, g, st->file, st->line,
				    "restart = \"%s\": expected no or on-failure", st->value);
	}
	return 0;
}

/* Marks good guests that start after a bad one; returns whether any was marked. */
static bool cascade(struct vb_config *cfg, struct vb_guests *gs)
{
	bool changed = false;

	for (size_t i = 0; i < gs->n; i++) {
		struct vb_guest *g = &gs->v[i];

		for (size_t j = 0; j < g->n_after && !g->bad; j++) {
			const struct vb_guest *o = vb_guest_find(gs, g->after[j]);

			if (o && o->bad) {
				guest_error(
					cfg, g, g->file, g->line,
					"[guest %s] starts after [guest %s] (%s:%u), which is skipped",
					g->name, o->name, o->file, o->line);
				changed = true;
			}
		}
	}
	return changed;
}

/* Depth-first search for a circle of `after`; marks its members. Returns true if found. */
static bool find_cycle(struct vb_config *cfg, struct vb_guests *gs, size_t i, unsigned char *color,
		       size_t *stack, size_t depth)
{
	struct vb_guest *g = &gs->v[i];

	color[i] = 1;
	stack[depth] = i;
	for (size_t j = 0; j < g->n_after; j++) {
		const struct vb_guest *o = vb_guest_find(gs, g->after[j]);
		size_t k;

		if (!o || o->bad)
			continue;
		k = o - gs->v;
		if (color[k] == 1) {
			/* The circle is the stack from k up to here. */
			size_t from = depth;
			while (stack[from] != k)
				from--;
			for (size_t m = from; m <= depth; m++) {
				struct vb_guest *c = &gs->v[stack[m]];
				guest_error(
					cfg, c, c->file, c->line,
					"[guest %s] is in a circle of `after`: %s starts after %s",
					c->name, c->name,
					gs->v[stack[m == depth ? from : m + 1]].name);
			}
			return true;
		}
		if (color[k] == 0 && find_cycle(cfg, gs, k, color, stack, depth + 1))
			return true;
	}
	color[i] = 2;
	return false;
}

static int check_order(struct vb_config *cfg, struct vb_guests *gs)
{
	_cleanup_free_ unsigned char *color = NULL;
	_cleanup_free_ size_t *stack = NULL;
	bool found;

	if (gs->n == 0)
		return 0;
	color = calloc(gs->n, 1);
	stack = calloc(gs->n, sizeof(*stack));
	if (!color || !stack)
		return -ENOMEM;
	do {
		while (cascade(cfg, gs))
			;
		found = false;
		memset(color, 0, gs->n);
		for (size_t i = 0; i < gs->n && !found; i++)
			if (!gs->v[i].bad && color[i] == 0)
				found = find_cycle(cfg, gs, i, color, stack, 0);
	} while (found);
	return 0;
}

int vb_guests_resolve(struct vb_config *cfg, const struct vb_bridges *bridges,
		      struct vb_guests *ret)
{
	int r;

	*ret = (struct vb_guests){0};
	for (size_t i = 0; i < cfg->n_sections; i++) {
		const struct vb_section *sec = &cfg->sections[i];
		struct vb_guest *g;

		if (sec->type != VB_SEC_GUEST)
			continue;
		r = GROW(ret->v, ret->alloc, ret->n + 1);
		if (r < 0)
			goto fail;
		g = &ret->v[ret->n++];
		*g = (struct vb_guest){
			.section = i, .name = sec->name, .file = sec->file, .line = sec->line};
		g->bad = sec->bad;
		r = parse_guest(cfg, bridges, g, sec);
		if (r < 0)
			goto fail;
	}
	r = check_order(cfg, ret);
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < ret->n; i++)
		if (ret->v[i].bad)
			log_err(0, "%s:%u: skipping [guest %s]: no unit is made for it",
				ret->v[i].file, ret->v[i].line, ret->v[i].name);
	return 0;
fail:
	vb_guests_free(ret);
	return r;
}

const struct vb_guest *vb_guest_find(const struct vb_guests *g, const char *name)
{
	for (size_t i = 0; i < g->n; i++)
		if (streq(g->v[i].name, name))
			return &g->v[i];
	return NULL;
}

void vb_guests_free(struct vb_guests *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->v[i].unit);
		free_list(g->v[i].after, g->v[i].n_after);
		free_list(g->v[i].devices, g->v[i].n_devices);
	}
	free(g->v);
	*g = (struct vb_guests){0};
}

int vb_section_claimed(const char *section, char **status)
{
	_cleanup_free_ char *s = NULL;
	int r;

	/* Section names are plain ([A-Za-z0-9_.-]); anything else cannot have a record. */
	if (!*section || strchr(section, '/') || section[0] == '.') {
		*status = strdup("missing");
		return *status ? 0 : -ENOMEM;
	}
	r = vb_record_get("sections", section, "status", &s);
	if (r == -ENOENT) {
		*status = strdup("missing");
		return *status ? 0 : -ENOMEM;
	}
	if (r < 0)
		return r;
	if (streq(s, "claimed")) {
		*status = TAKE_PTR(s);
		return 1;
	}
	*status = TAKE_PTR(s);
	return 0;
}

unsigned long vb_usec_to_sec_ceil(uint64_t usec)
{
	return (unsigned long)((usec + 999999) / 1000000);
}
