// SPDX-License-Identifier: GPL-2.0-or-later
/* The engine that applies each section type's table of keys, and the [binder] section. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "config-schema.h"
#include "log.h"

void vb_config_report(struct vb_config *cfg, bool *bad, int level, const char *file, unsigned line,
		      const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	if (level <= LOG_ERR) {
		cfg->n_errors++;
		if (bad)
			*bad = true;
	} else
		cfg->n_warnings++;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!cfg->quiet)
		vb_log_full(level, 0, "%s:%u: %s", file, line, buf);
}

static int apply_key(struct vb_apply *a, const struct vb_key *k, size_t i)
{
	const struct vb_setting *st = vb_section_get(a->sec, k->name);
	int r;

	if (!st)
		return 0;
	r = k->parse(a, k, st, (char *)a->obj + k->offset);
	if (r == -EINVAL) {
		if (a->refused)
			*a->refused |= 1u << i;
		if (k->expected)
			vb_config_report(
				a->cfg, a->bad, k->warn ? LOG_WARNING : LOG_ERR, st->file, st->line,
				k->bare ? "%s = %s: expected %s" : "%s = \"%s\": expected %s",
				k->name, st->value, k->expected);
		else if (!k->warn && a->bad)
			*a->bad = true;
		return 0;
	}
	if (r < 0)
		return r;
	return k->check ? k->check(a, st) : 0;
}

int vb_schema_apply(struct vb_apply *a, const struct vb_schema *s)
{
	unsigned ranks = 0;
	int r;

	for (size_t i = 0; i < s->n_keys; i++)
		if (s->keys[i].rank >= ranks)
			ranks = s->keys[i].rank + 1u;
	for (unsigned rank = 0; rank < ranks; rank++)
		for (size_t i = 0; i < s->n_keys; i++) {
			if (s->keys[i].rank != rank)
				continue;
			r = apply_key(a, &s->keys[i], i);
			if (r < 0)
				return r;
		}
	return 0;
}

static const struct vb_key binder_keys[] = {
	{
		.name = "wait",
		.parse = vb_key_duration,
		.offset = offsetof(struct vb_config, wait_usec),
		.expected = "a duration such as 500ms, 5s or 1min",
		.max = VB_WAIT_MAX_USEC,
		.cut = "is longer than the 60s the binder may hold up boot: waiting 60s",
	},
};

const struct vb_schema vb_binder_schema = {
	.type = VB_SEC_BINDER,
	.keys = binder_keys,
	.n_keys = ELEMENTSOF(binder_keys),
	.strict = true,
};

static const struct vb_schema *const schemas[] = {
	[VB_SEC_BINDER] = &vb_binder_schema, [VB_SEC_DEVICE] = &vb_device_schema,
	[VB_SEC_BRIDGE] = &vb_bridge_schema, [VB_SEC_GUEST] = &vb_guest_schema,
	[VB_SEC_USB] = &vb_usb_schema,
};

static bool key_known(const struct vb_schema *s, const char *key)
{
	for (size_t i = 0; i < s->n_keys; i++)
		if (streq(s->keys[i].name, key))
			return true;
	return false;
}

/* Unknown keys are errors where a typo could claim the wrong device, warnings elsewhere. */
static void check_keys(struct vb_config *cfg, struct vb_section *sec)
{
	const struct vb_schema *s = schemas[sec->type];

	for (size_t i = 0; i < sec->n_settings; i++) {
		const struct vb_setting *st = &sec->settings[i];
		char list[256] = "";
		size_t n = 0;

		if (key_known(s, st->key))
			continue;
		for (size_t k = 0; k < s->n_keys; k++)
			n += snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "",
				      s->keys[k].name);
		vb_config_report(cfg, s->strict ? &sec->bad : NULL,
				 s->strict ? LOG_ERR : LOG_WARNING, st->file, st->line,
				 "unknown key \"%s\" in [%s%s%s]: expected one of %s", st->key,
				 vb_section_type_name(sec->type), sec->name ? " " : "",
				 sec->name ? sec->name : "", list);
	}
}

int vb_config_resolve(struct vb_config *cfg)
{
	int r = 0;

	for (size_t i = 0; i < cfg->n_sections && r >= 0; i++) {
		struct vb_section *sec = &cfg->sections[i];
		struct vb_apply a = {.cfg = cfg, .sec = sec, .obj = cfg, .bad = &sec->bad};

		check_keys(cfg, sec);
		if (sec->type == VB_SEC_DEVICE)
			r = vb_device_resolve(cfg, i);
		else if (sec->type == VB_SEC_USB)
			r = vb_usb_section_resolve(cfg, i);
		else if (sec->type == VB_SEC_BINDER && sec->bad && !cfg->quiet)
			vb_log_full(LOG_ERR, 0, "%s:%u: ignoring [binder]: using its defaults",
				    sec->file, sec->line);
		else if (sec->type == VB_SEC_BINDER)
			r = vb_schema_apply(&a, &vb_binder_schema);
	}
	return r;
}
