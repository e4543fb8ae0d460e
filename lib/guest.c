// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>

#include "contract.h"
#include "escape.h"
#include "guest-internal.h"
#include "log.h"
#include "record.h"
#include "strbuf.h"
#include "util.h"

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

static int check_after(struct vb_apply *a, const struct vb_setting *st)
{
	const struct guest_env *env = a->env;
	const struct vb_guest *g = a->obj;

	for (size_t i = 0; i < g->n_after; i++) {
		if (streq(g->after[i], g->name))
			vb_apply_error(a, st, "after: [guest %s] cannot start after itself",
				       g->name);
		else if (!vb_guest_find(env->guests, g->after[i]))
			vb_apply_error(a, st, "after: no [guest %s] in the configuration",
				       g->after[i]);
	}
	return 0;
}

static int check_devices(struct vb_apply *a, const struct vb_setting *st)
{
	const struct vb_guest *g = a->obj;

	for (size_t i = 0; i < g->n_devices; i++) {
		const struct vb_section *d = find_device(a->cfg, g->devices[i]);

		if (!d)
			vb_apply_error(a, st, "devices: no [device %s] in the configuration",
				       g->devices[i]);
		else if (!device_resolved(a->cfg, d))
			vb_apply_error(
				a, st,
				"devices: [device %s] (%s:%u) is skipped, so this guest could never start",
				g->devices[i], d->file, d->line);
	}
	return 0;
}

static int check_bridge(struct vb_apply *a, const struct vb_setting *st)
{
	const struct guest_env *env = a->env;
	const struct vb_bridge *b = vb_bridge_find(env->bridges, st->value);

	if (!b)
		vb_apply_error(a, st, "bridge: no [bridge %s] in the configuration", st->value);
	else if (b->bad)
		vb_apply_error(a, st, "bridge: [bridge %s] (%s:%u) is skipped", st->value, b->file,
			       b->line);
	return 0;
}

static int check_shutdown_timeout(struct vb_apply *a, const struct vb_setting *st)
{
	const struct vb_guest *g = a->obj;

	if (g->shutdown_timeout_usec < 1000000)
		vb_apply_error(
			a, st,
			"shutdown-timeout = %s: expected at least 1s for the guest to shut down",
			st->value);
	return 0;
}

/* Indices into guest_keys, for the bits of vb_guest.refused. */
enum {
	GUEST_AUTOSTART,
	GUEST_AFTER,
	GUEST_DEVICES,
	GUEST_BRIDGE,
	GUEST_START_DELAY,
	GUEST_SHUTDOWN_TIMEOUT,
	GUEST_RESTART,
	GUEST_DEVICE_WAIT,
	GUEST_ATTACH_DEVICES,
	GUEST_USB,
};

#define GUEST_TIME(key, field, check_fn)                                                           \
	{                                                                                          \
		.name = key, .parse = vb_key_duration, .offset = offsetof(struct vb_guest, field), \
		.expected = "a duration such as 500ms, 30s or 2min", .max = VB_GUEST_TIME_MAX,     \
		.cut = "is longer than 60min: using 60min", .check = check_fn,                     \
	}

static const struct vb_key guest_keys[] = {
	[GUEST_AUTOSTART] = {.name = "autostart",
			     .parse = vb_key_bool,
			     .offset = offsetof(struct vb_guest, autostart),
			     .expected = "yes or no"},
	[GUEST_AFTER] =
		{.name = "after",
		 .parse = vb_key_words,
		 .offset = offsetof(struct vb_guest, after),
		 .count_offset = offsetof(struct vb_guest, n_after),
		 .expected =
			 "guest names separated by spaces, a name with spaces in \"double quotes\"",
		 .bare = true,
		 .check = check_after},
	[GUEST_DEVICES] = {.name = "devices",
			   .parse = vb_key_words,
			   .offset = offsetof(struct vb_guest, devices),
			   .count_offset = offsetof(struct vb_guest, n_devices),
			   .expected = "[device] section names separated by spaces",
			   .bare = true,
			   .check = check_devices},
	[GUEST_BRIDGE] = {.name = "bridge",
			  .parse = vb_key_string,
			  .offset = offsetof(struct vb_guest, bridge),
			  .check = check_bridge},
	[GUEST_START_DELAY] = GUEST_TIME("start-delay", start_delay_usec, NULL),
	[GUEST_SHUTDOWN_TIMEOUT] =
		GUEST_TIME("shutdown-timeout", shutdown_timeout_usec, check_shutdown_timeout),
	[GUEST_RESTART] = {.name = "restart",
			   .parse = vb_key_choice,
			   .offset = offsetof(struct vb_guest, restart_on_failure),
			   .expected = "no or on-failure",
			   .words = (const char *const[]){"no", "on-failure"}},
	[GUEST_DEVICE_WAIT] = {.name = "device-wait",
			       .parse = vb_key_duration,
			       .offset = offsetof(struct vb_guest, device_wait_usec),
			       .expected = "a duration such as 30s or 2min",
			       .max = VB_DEVICE_WAIT_MAX,
			       .cut = "is longer than 10min: using 10min"},
	[GUEST_ATTACH_DEVICES] = {.name = "attach-devices",
				  .parse = vb_key_bool,
				  .offset = offsetof(struct vb_guest, attach_devices),
				  .expected = "yes or no"},
	[GUEST_USB] = {.name = "usb",
		       .parse = vb_key_words,
		       .offset = offsetof(struct vb_guest, usb),
		       .count_offset = offsetof(struct vb_guest, n_usb),
		       .expected = "[usb] section names separated by spaces",
		       .bare = true,
		       .check = vb_guest_check_usb},
};

const struct vb_schema vb_guest_schema = {
	.type = VB_SEC_GUEST,
	.keys = guest_keys,
	.n_keys = ELEMENTSOF(guest_keys),
};

/* The domain's XML is /etc/libvirt/qemu/NAME.xml, and its unit vfio-boot-guest@NAME.service. */
static int check_name(struct vb_config *cfg, struct vb_guest *g, const struct vb_section *sec)
{
	int r;

	if (strchr(g->name, '/')) {
		vb_config_report(cfg, &g->bad, LOG_ERR, sec->file, sec->line,
				 "[guest %s]: a libvirt domain name cannot contain '/'", g->name);
		return 0;
	}
	r = vb_unit_instance(VB_GUEST_UNIT_PREFIX, g->name, "service", VB_UNIT_NAME_DROPIN_MAX,
			     &g->unit);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		vb_config_report(
			cfg, &g->bad, LOG_ERR, sec->file, sec->line,
			"[guest %s]: the name is too long for a systemd unit once escaped (at most %d bytes of \"vfio-boot-guest@NAME.service\", every byte other than letters, digits, ':', '_' and '.' counting 4): rename the domain",
			g->name, VB_UNIT_NAME_DROPIN_MAX);
	return 0;
}

static int parse_guest(struct vb_config *cfg, const struct guest_env *env, struct vb_guest *g,
		       const struct vb_section *sec)
{
	struct vb_apply a = {.cfg = cfg,
			     .sec = sec,
			     .obj = g,
			     .bad = &g->bad,
			     .refused = &g->refused,
			     .env = env};
	int r;

	r = check_name(cfg, g, sec);
	if (r < 0)
		return r;
	g->shutdown_timeout_usec = VB_SHUTDOWN_TIMEOUT_DEFAULT;
	g->device_wait_usec = VB_DEVICE_WAIT_DEFAULT;
	g->attach_devices = true;
	return vb_schema_apply(&a, &vb_guest_schema);
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
	struct guest_env env = {.bridges = bridges, .guests = ret};
	int r;

	*ret = (struct vb_guests){0};
	/* Who has each [usb] section is decided here, afresh at every resolve. */
	for (size_t i = 0; i < cfg->n_usbs; i++)
		cfg->usbs[i].guest = NULL;
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
		r = parse_guest(cfg, &env, &ret->v[i], &cfg->sections[ret->v[i].section]);
		if (r < 0)
			goto fail;
	}
	r = vb_guests_check_order(cfg, ret);
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
		vb_words_free(g->v[i].after, g->v[i].n_after);
		vb_words_free(g->v[i].devices, g->v[i].n_devices);
		vb_words_free(g->v[i].usb, g->v[i].n_usb);
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

int vb_section_wait(const char *section, uint64_t wait_usec, const char *guest, char **status)
{
	uint64_t deadline = vb_now_usec() + wait_usec;
	bool said = false;
	int r;

	for (;;) {
		_cleanup_free_ char *reason = NULL;

		r = vb_section_claimed(section, status);
		if (r != 0 || vb_section_status_from_string(*status) != VB_SECTION_PENDING ||
		    vb_now_usec() >= deadline)
			return r;
		if (!said) {
			(void)vb_record_get(VB_RECORD_SECTIONS, section, VB_KEY_REASON, &reason);
			log_notice("guest %s: waiting up to %lu s (device-wait) for [device %s], "
				   "pending: %s",
				   guest, vb_usec_to_sec_ceil(wait_usec), section,
				   reason ? reason : "its devices come later");
			said = true;
		}
		free(*status);
		*status = NULL;
		usleep(VB_SECTION_POLL_USEC);
	}
}

unsigned long vb_usec_to_sec_ceil(uint64_t usec)
{
	return (unsigned long)((usec + 999999) / 1000000);
}

/*
 * The guest's settings as the generator resolves them, bad sections aside; *bad_st is the
 * shutdown-timeout that is no duration.
 */
static int runner_settings(struct vb_config *cfg, const char *name, uint64_t *timeout_usec,
			   char **bridge, struct vb_guest_wait *wait,
			   const struct vb_setting **bad_st)
{
	struct vb_bridges bs;
	struct vb_guests gs = {0};
	const struct vb_guest *g;
	const struct vb_setting *st;
	int r;

	r = vb_bridges_resolve(cfg, &bs);
	if (r >= 0)
		r = vb_guests_resolve(cfg, &bs, &gs);
	if (r < 0)
		goto out;
	g = vb_guest_find(&gs, name);
	if (!g || cfg->sections[g->section].bad)
		goto out;
	st = vb_section_get(&cfg->sections[g->section], "shutdown-timeout");
	if (st && (g->refused & 1u << GUEST_SHUTDOWN_TIMEOUT)) {
		*bad_st = st;
		r = -EINVAL;
	} else if (st)
		*timeout_usec = g->shutdown_timeout_usec;
	if (r >= 0 && g->bridge && !*bridge) {
		*bridge = strdup(g->bridge);
		if (!*bridge)
			r = -ENOMEM;
	}
	if (r >= 0 && wait) {
		wait->usec = g->device_wait_usec;
		wait->attach = g->attach_devices;
		for (size_t i = 0; r >= 0 && i < g->n_devices; i++)
			r = vb_strv_add(&wait->devices, &wait->n_devices, &wait->alloc,
					g->devices[i]);
		if (r >= 0)
			r = vb_guest_usb_copies(cfg, g, wait);
	}
out:
	vb_guests_free(&gs);
	vb_bridges_free(&bs);
	return r;
}

int vb_guest_runner_settings(const char *file, const char *name, uint64_t *timeout_usec,
			     char **bridge, struct vb_guest_wait *wait)
{
	_cleanup_(vb_config_free) struct vb_config cfg = {0};
	const struct vb_setting *st = NULL;
	int level = vb_log_get_max_level(), r;

	vb_log_set_max_level(LOG_CRIT);
	r = vb_config_load(&cfg, file);
	if (r >= 0)
		r = runner_settings(&cfg, name, timeout_usec, bridge, wait, &st);
	vb_log_set_max_level(level);
	if (r == -ENOENT && !file)
		return 0;
	if (st)
		return log_err(r, "%s:%u: shutdown-timeout = \"%s\": not a duration", st->file,
			       st->line, st->value);
	return r;
}

void vb_guest_wait_free(struct vb_guest_wait *w)
{
	vb_strv_free(w->devices, w->n_devices);
	vb_guest_usb_copies_free(w);
	*w = (struct vb_guest_wait){0};
}
