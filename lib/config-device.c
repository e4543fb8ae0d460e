// SPDX-License-Identifier: GPL-2.0-or-later
/* What a [device] section means: which functions it claims, how many, and what it allows. */
#include <ctype.h>
#include <errno.h>

#include "config-schema.h"
#include "log.h"
#include "util.h"

static int parse_match(struct vb_apply *a, const struct vb_key *k, const struct vb_setting *st,
		       void *dst)
{
	const char *bad, *expected;
	int n;

	(void)k;
	if (vb_selector_parse(dst, st->value, &bad, &expected) == 0)
		return 0;
	/* A runaway term must not push what was expected out of the message. */
	n = strcspn(bad, " \t");
	vb_apply_error(a, st, "match: bad term \"%.*s%s\": expected %s", n > 64 ? 64 : n, bad,
		       n > 64 ? "..." : "", expected);
	return -EINVAL;
}

static int parse_count(struct vb_apply *a, const struct vb_key *k, const struct vb_setting *st,
		       void *dst)
{
	unsigned long n;
	char *end;

	(void)a;
	(void)k;
	errno = 0;
	n = strtoul(st->value, &end, 10);
	if (streq(st->value, "any"))
		*(int *)dst = -1;
	else if (isdigit((unsigned char)st->value[0]) && !*end && !errno && n >= 1 && n <= 4096)
		*(int *)dst = n;
	else
		return -EINVAL;
	return 0;
}

/* Every word is checked, and each one not known is named. */
static int parse_allow(struct vb_apply *a, const struct vb_key *k, const struct vb_setting *st,
		       void *dst)
{
	unsigned *allow = dst;
	const char *p = st->value;
	int r = 0;

	(void)k;
	while (*(p += strspn(p, " \t"))) {
		size_t n = strcspn(p, " \t");

		if (n == 4 && strncmp(p, "none", n) == 0)
			; /* the default, written out */
		else if (n == 12 && strncmp(p, "boot-display", n) == 0)
			*allow |= VB_ALLOW_BOOT_DISPLAY;
		else if (n == 7 && strncmp(p, "storage", n) == 0)
			*allow |= VB_ALLOW_STORAGE;
		else {
			vb_apply_error(
				a, st,
				"allow: unknown \"%.*s\": expected boot-display and/or storage, or none",
				(int)n, p);
			r = -EINVAL;
		}
		p += n;
	}
	return r;
}

static const struct vb_key device_keys[] = {
	{
		.name = "match",
		.parse = parse_match,
		.offset = offsetof(struct vb_device, sel),
	},
	{
		.name = "count",
		.parse = parse_count,
		.offset = offsetof(struct vb_device, count),
		.expected = "a number from 1 to 4096, or any",
	},
	{
		.name = "functions",
		.parse = vb_key_choice,
		.offset = offsetof(struct vb_device, functions_only),
		.expected = "all or only",
		.words = (const char *const[]){"all", "only"},
	},
	{
		.name = "group",
		.parse = vb_key_choice,
		.offset = offsetof(struct vb_device, group_claim),
		.expected = "refuse or claim",
		.words = (const char *const[]){"refuse", "claim"},
	},
	{
		.name = "allow",
		.parse = parse_allow,
		.offset = offsetof(struct vb_device, allow),
	},
};

const struct vb_schema vb_device_schema = {
	.type = VB_SEC_DEVICE,
	.keys = device_keys,
	.n_keys = ELEMENTSOF(device_keys),
	.strict = true,
};

int vb_device_resolve(struct vb_config *cfg, size_t idx)
{
	struct vb_section *sec = &cfg->sections[idx];
	struct vb_device d = {.section = idx,
			      .name = sec->name,
			      .file = sec->file,
			      .line = sec->line,
			      .count = 1};
	struct vb_apply a = {.cfg = cfg, .sec = sec, .obj = &d, .bad = &sec->bad};
	int r;

	if (!vb_section_get(sec, "match"))
		vb_config_report(
			cfg, &sec->bad, LOG_ERR, sec->file, sec->line,
			"[device %s] has no `match =`: expected at least one of address=, id=, subsystem=, class=, path=, slot=, boot_vga=",
			sec->name);
	else {
		r = vb_schema_apply(&a, &vb_device_schema);
		if (r < 0) {
			vb_selector_done(&d.sel);
			return r;
		}
	}
	if (sec->bad) {
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
