// SPDX-License-Identifier: GPL-2.0-or-later
/* What a [device] section means: which functions it claims, how many, and what it allows. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>

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

/* A decimal number from 1 to max, nothing around it. */
static bool parse_number(const char *s, unsigned long max, unsigned long *ret)
{
	char *end;

	errno = 0;
	*ret = strtoul(s, &end, 10);
	return isdigit((unsigned char)s[0]) && !*end && !errno && *ret >= 1 && *ret <= max;
}

int vb_key_count(struct vb_apply *a, const struct vb_key *k, const struct vb_setting *st, void *dst)
{
	unsigned long n;

	(void)a;
	(void)k;
	if (streq(st->value, "any"))
		*(int *)dst = -1;
	else if (parse_number(st->value, 4096, &n))
		*(int *)dst = n;
	else
		return -EINVAL;
	return 0;
}

static int parse_vfs(struct vb_apply *a, const struct vb_key *k, const struct vb_setting *st,
		     void *dst)
{
	unsigned long n;

	(void)a;
	(void)k;
	if (!parse_number(st->value, VB_VFS_MAX, &n))
		return -EINVAL;
	*(unsigned *)dst = n;
	return 0;
}

/* One word of vf-index, "N" or "N-M", n bytes at p; NULL when it is good, else what is wrong. */
static const char *vf_range(const char *p, size_t n, unsigned vfs, unsigned long *lo,
			    unsigned long *hi)
{
	char word[32], *dash;

	if (n >= sizeof(word))
		return "not a number or a range N-M";
	memcpy(word, p, n);
	word[n] = '\0';
	dash = strchr(word, '-');
	if (dash)
		*dash = '\0';
	/* parse_number() starts at 1; an index starts at 0. */
	if (!(streq(word, "0") ? (*lo = 0, true) : parse_number(word, ULONG_MAX, lo)))
		return "not a number or a range N-M";
	*hi = *lo;
	if (dash &&
	    !(streq(dash + 1, "0") ? (*hi = 0, true) : parse_number(dash + 1, ULONG_MAX, hi)))
		return "not a number or a range N-M";
	if (*hi < *lo)
		return "a range must go up";
	if (*hi >= vfs)
		return "each index must be below vfs";
	return NULL;
}

bool vb_device_vf_chosen(const struct vb_device *d, int i)
{
	return i >= 0 && (unsigned)i < d->vfs && (d->vf_index[i / 64] >> (i % 64)) & 1;
}

/* vf-index needs vfs, applied before it (rank). Every word is checked. */
static int parse_vf_index(struct vb_apply *a, const struct vb_key *k, const struct vb_setting *st,
			  void *dst)
{
	const struct vb_device *d = a->obj;
	uint64_t *bits = dst;
	const char *p = st->value;
	int r = 0;

	(void)k;
	if (!vb_section_get(a->sec, "vfs")) {
		vb_apply_error(a, st,
			       "vf-index without vfs: set `vfs = N` to make N VFs of each PF");
		return -EINVAL;
	}
	/* vfs = BAD was reported already: the section is skipped, nothing to add. */
	if (!d->vfs)
		return -EINVAL;
	if (!*(p + strspn(p, " \t"))) {
		vb_apply_error(a, st,
			       "vf-index is empty: expected numbers or ranges such as 0 2-3");
		return -EINVAL;
	}
	while (*(p += strspn(p, " \t"))) {
		size_t n = strcspn(p, " \t");
		unsigned long lo, hi;
		const char *why = vf_range(p, n, d->vfs, &lo, &hi);

		if (why) {
			vb_apply_error(a, st, "vf-index: \"%.*s\": %s (vfs = %u)",
				       (int)(n > 64 ? 64 : n), p, why, d->vfs);
			r = -EINVAL;
		} else
			for (unsigned long i = lo; i <= hi; i++)
				bits[i / 64] |= UINT64_C(1) << (i % 64);
		p += n;
	}
	return r;
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
		.parse = vb_key_count,
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
	{
		.name = "vfs",
		.parse = parse_vfs,
		.offset = offsetof(struct vb_device, vfs),
		.expected = "a number of VFs from 1 to 256",
	},
	{
		.name = "vf-index",
		.parse = parse_vf_index,
		.offset = offsetof(struct vb_device, vf_index),
		.rank = 1, /* after vfs, which bounds it */
	},
	{
		.name = "hotplug",
		.parse = vb_key_bool,
		.offset = offsetof(struct vb_device, hotplug),
		.expected = "yes or no",
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
	/* Without vf-index, every VF made is claimed. */
	if (d.vfs && !vb_section_get(sec, "vf-index"))
		for (unsigned i = 0; i < d.vfs; i++)
			d.vf_index[i / 64] |= UINT64_C(1) << (i % 64);
	if (sec->bad) {
		vb_selector_done(&d.sel);
		if (!cfg->quiet)
			vb_log_full(LOG_ERR, 0,
				    "%s:%u: skipping [device %s]: nothing of it is claimed",
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
