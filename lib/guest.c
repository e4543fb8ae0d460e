// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>

#include "contract.h"
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

static int parse_guest(struct vb_config *cfg, const struct vb_bridges *bridges,
		       const struct vb_guests *gs, struct vb_guest *g, const struct vb_section *sec)
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
			else if (!vb_guest_find(gs, g->after[i]))
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

/*
 * The `after` graph, by index: edge[first[i]..first[i + 1]) are the guests guest i starts
 * after, rev[rfirst[o]..rfirst[o + 1]) the guests that start after guest o, in index order.
 */
struct order {
	size_t *first, *edge, *rfirst, *rev;
	size_t *queue, n_queue;
	size_t *stack, *pos;
	unsigned char *color;
};

static void order_free(struct order *o)
{
	free(o->first);
	free(o->edge);
	free(o->rfirst);
	free(o->rev);
	free(o->queue);
	free(o->stack);
	free(o->pos);
	free(o->color);
}

static int order_build(const struct vb_guests *gs, struct order *o)
{
	size_t n = gs->n, m = 0, k = 0;

	for (size_t i = 0; i < n; i++)
		m += gs->v[i].n_after;
	o->first = calloc(n + 1, sizeof(size_t));
	o->edge = calloc(m + 1, sizeof(size_t));
	o->rfirst = calloc(n + 2, sizeof(size_t));
	o->rev = calloc(m + 1, sizeof(size_t));
	o->queue = calloc(n + 1, sizeof(size_t));
	o->stack = calloc(n + 1, sizeof(size_t));
	o->pos = calloc(n + 1, sizeof(size_t));
	o->color = calloc(n + 1, 1);
	if (!o->first || !o->edge || !o->rfirst || !o->rev || !o->queue || !o->stack || !o->pos ||
	    !o->color)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		o->first[i] = k;
		for (size_t j = 0; j < gs->v[i].n_after; j++) {
			const struct vb_guest *t = vb_guest_find(gs, gs->v[i].after[j]);

			/* A name that is no guest made this one bad already. */
			if (t)
				o->edge[k++] = t - gs->v;
		}
	}
	o->first[n] = k;
	/* Counting sort by target keeps each target's sources in index order. */
	for (size_t e = 0; e < k; e++)
		o->rfirst[o->edge[e] + 2]++;
	for (size_t i = 2; i < n + 2; i++)
		o->rfirst[i] += o->rfirst[i - 1];
	for (size_t i = 0; i < n; i++)
		for (size_t e = o->first[i]; e < o->first[i + 1]; e++)
			o->rev[o->rfirst[o->edge[e] + 1]++] = i;
	return 0;
}

/* Marks every good guest that starts, at any remove, after one queued; empties the queue. */
static void cascade(struct vb_config *cfg, struct vb_guests *gs, struct order *o)
{
	for (size_t head = 0; head < o->n_queue; head++) {
		size_t b = o->queue[head];
		const struct vb_guest *bad = &gs->v[b];

		for (size_t e = o->rfirst[b]; e < o->rfirst[b + 1]; e++) {
			struct vb_guest *g = &gs->v[o->rev[e]];

			if (g->bad)
				continue;
			guest_error(cfg, g, g->file, g->line,
				    "[guest %s] starts after [guest %s] (%s:%u), which is skipped",
				    g->name, bad->name, bad->file, bad->line);
			o->queue[o->n_queue++] = o->rev[e];
		}
	}
	o->n_queue = 0;
}

/*
 * Depth-first from guest i for a circle of `after`; marks its members, and what starts after
 * them, bad. Every guest left on the stack then starts after a member, so is bad too: the
 * search from i ends there. Guests done (color 2) reach no circle and stay done.
 */
static void find_cycle(struct vb_config *cfg, struct vb_guests *gs, struct order *o, size_t i)
{
	size_t depth = 0;

	o->stack[0] = i;
	o->pos[0] = o->first[i];
	o->color[i] = 1;
	while (true) {
		size_t g = o->stack[depth], k;

		if (o->pos[depth] == o->first[g + 1]) {
			o->color[g] = 2;
			if (depth == 0)
				return;
			depth--;
			continue;
		}
		k = o->edge[o->pos[depth]++];
		if (gs->v[k].bad || o->color[k] == 2)
			continue;
		if (o->color[k] == 0) {
			o->color[k] = 1;
			o->stack[++depth] = k;
			o->pos[depth] = o->first[k];
			continue;
		}
		/* The circle is the stack from k up to here. */
		size_t from = depth;
		while (o->stack[from] != k)
			from--;
		for (size_t m = from; m <= depth; m++) {
			struct vb_guest *c = &gs->v[o->stack[m]];

			guest_error(cfg, c, c->file, c->line,
				    "[guest %s] is in a circle of `after`: %s starts after %s",
				    c->name, c->name,
				    gs->v[o->stack[m == depth ? from : m + 1]].name);
			o->queue[o->n_queue++] = o->stack[m];
		}
		cascade(cfg, gs, o);
		return;
	}
}

static int check_order(struct vb_config *cfg, struct vb_guests *gs)
{
	struct order o = {0};
	int r;

	r = order_build(gs, &o);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < gs->n; i++)
		if (gs->v[i].bad)
			o.queue[o.n_queue++] = i;
	cascade(cfg, gs, &o);
	for (size_t i = 0; i < gs->n; i++)
		if (!gs->v[i].bad && o.color[i] == 0)
			find_cycle(cfg, gs, &o, i);
out:
	order_free(&o);
	return r;
}

static int cmp_by_name(const void *a, const void *b, void *v)
{
	const struct vb_guest *g = v;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(g[i].name, g[j].name);

	/* The first of equal names wins, as a linear search would find it. */
	return c ? c : (i > j) - (i < j);
}

/* The guests' indices sorted by name, for vb_guest_find. */
static int index_names(struct vb_guests *gs)
{
	free(gs->by_name);
	gs->by_name = calloc(gs->n + 1, sizeof(size_t));
	if (!gs->by_name)
		return -ENOMEM;
	for (size_t i = 0; i < gs->n; i++)
		gs->by_name[i] = i;
	qsort_r(gs->by_name, gs->n, sizeof(size_t), cmp_by_name, gs->v);
	return 0;
}

int vb_guests_resolve(struct vb_config *cfg, const struct vb_bridges *bridges,
		      struct vb_guests *ret)
{
	int r;

	*ret = (struct vb_guests){0};
	/* All guests first: `after` may name one further down. */
	for (size_t i = 0; i < cfg->n_sections; i++) {
		const struct vb_section *sec = &cfg->sections[i];

		if (sec->type != VB_SEC_GUEST)
			continue;
		r = GROW(ret->v, ret->alloc, ret->n + 1);
		if (r < 0)
			goto fail;
		ret->v[ret->n++] = (struct vb_guest){.section = i,
						     .name = sec->name,
						     .file = sec->file,
						     .line = sec->line,
						     .bad = sec->bad};
	}
	r = index_names(ret);
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < ret->n; i++) {
		r = parse_guest(cfg, bridges, ret, &ret->v[i], &cfg->sections[ret->v[i].section]);
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
	size_t lo = 0, hi = g->n;

	if (!g->by_name) {
		for (size_t i = 0; i < g->n; i++)
			if (streq(g->v[i].name, name))
				return &g->v[i];
		return NULL;
	}
	/* The first index whose name is not less than name. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(g->v[g->by_name[mid]].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < g->n && streq(g->v[g->by_name[lo]].name, name))
		return &g->v[g->by_name[lo]];
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
	free(g->by_name);
	*g = (struct vb_guests){0};
}

int vb_section_claimed(const char *section, char **status)
{
	_cleanup_free_ char *s = NULL;
	int r;

	if (vb_record_name_valid(section))
		r = vb_record_get(VB_RECORD_SECTIONS, section, VB_KEY_STATUS, &s);
	else
		r = -ENOENT;
	if (r == -ENOENT) {
		*status = strdup(vb_section_status_to_string(VB_SECTION_MISSING));
		return *status ? 0 : -ENOMEM;
	}
	if (r < 0)
		return r;
	r = vb_section_status_from_string(s) == VB_SECTION_CLAIMED;
	*status = TAKE_PTR(s);
	return r;
}

unsigned long vb_usec_to_sec_ceil(uint64_t usec)
{
	return (unsigned long)((usec + 999999) / 1000000);
}
