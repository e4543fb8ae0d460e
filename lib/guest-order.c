// SPDX-License-Identifier: GPL-2.0-or-later
/* The `after` order of [guest] sections: what starts after a skipped guest, and circles. */
#include <errno.h>

#include "config-schema.h"
#include "guest.h"
#include "log.h"
#include "util.h"

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
			vb_config_report(
				cfg, &g->bad, LOG_ERR, g->file, g->line,
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

			vb_config_report(cfg, &c->bad, LOG_ERR, c->file, c->line,
					 "[guest %s] is in a circle of `after`: %s starts after %s",
					 c->name, c->name,
					 gs->v[o->stack[m == depth ? from : m + 1]].name);
			o->queue[o->n_queue++] = o->stack[m];
		}
		cascade(cfg, gs, o);
		return;
	}
}

int vb_guests_check_order(struct vb_config *cfg, struct vb_guests *gs)
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
