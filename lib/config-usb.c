// SPDX-License-Identifier: GPL-2.0-or-later
/* What a [usb] section means: which USB devices it selects, and how many it takes. */
#include <errno.h>

#include "config-schema.h"
#include "log.h"
#include "pci.h"
#include "usb.h"
#include "util.h"

/* The longest serial a USB string descriptor holds (126 UTF-16 units) as UTF-8, and more. */
#define SERIAL_MAX 512

static int parse_id(struct vb_apply *a, const struct vb_key *k, const struct vb_setting *st,
		    void *dst)
{
	struct vb_usb_section *u = a->obj;

	(void)k;
	(void)dst;
	if (!vb_pci_id_pair_parse(st->value, &u->vendor, &u->product))
		return -EINVAL;
	u->has_id = true;
	return 0;
}

static int parse_serial(struct vb_apply *a, const struct vb_key *k, const struct vb_setting *st,
			void *dst)
{
	(void)a;
	(void)k;
	/* The kernel's attribute never has one, and "" would select nothing. */
	if (!*st->value || strnlen(st->value, SERIAL_MAX) >= SERIAL_MAX)
		return -EINVAL;
	*(char **)dst = strdup(st->value);
	return *(char **)dst ? 0 : -ENOMEM;
}

static int parse_port(struct vb_apply *a, const struct vb_key *k, const struct vb_setting *st,
		      void *dst)
{
	(void)a;
	(void)k;
	if (!vb_usb_port_valid(st->value))
		return -EINVAL;
	*(char **)dst = strdup(st->value);
	return *(char **)dst ? 0 : -ENOMEM;
}

static const struct vb_key usb_keys[] = {
	{
		.name = "id",
		.parse = parse_id,
		.offset = offsetof(struct vb_usb_section, has_id),
		.expected = "VVVV:PPPP, the vendor and product ids in hex (as lsusb shows them)",
	},
	{
		.name = "serial",
		.parse = parse_serial,
		.offset = offsetof(struct vb_usb_section, serial),
		.expected =
			"the device's serial as its `serial` attribute holds it (1 to 511 bytes)",
	},
	{
		.name = "port",
		.parse = parse_port,
		.offset = offsetof(struct vb_usb_section, port),
		.expected =
			"a port path such as 1-2 or 3-1.4 (the device's name in /sys/bus/usb/devices)",
	},
	{
		.name = "count",
		.parse = vb_key_count,
		.offset = offsetof(struct vb_usb_section, count),
		.expected = "a number from 1 to 4096, or any",
	},
};

const struct vb_schema vb_usb_schema = {
	.type = VB_SEC_USB,
	.keys = usb_keys,
	.n_keys = ELEMENTSOF(usb_keys),
	/* A typo must not widen what a section takes (a misspelt serial would select by id). */
	.strict = true,
};

static void usb_done(struct vb_usb_section *u)
{
	free(u->serial);
	free(u->port);
}

int vb_usb_section_resolve(struct vb_config *cfg, size_t idx)
{
	struct vb_section *sec = &cfg->sections[idx];
	struct vb_usb_section u = {.section = idx,
				   .name = sec->name,
				   .file = sec->file,
				   .line = sec->line,
				   .count = 1};
	struct vb_apply a = {.cfg = cfg, .sec = sec, .obj = &u, .bad = &sec->bad};
	int r;

	r = vb_schema_apply(&a, &vb_usb_schema);
	if (r < 0) {
		usb_done(&u);
		return r;
	}
	if (!vb_section_get(sec, "id") && !vb_section_get(sec, "serial") &&
	    !vb_section_get(sec, "port"))
		vb_config_report(
			cfg, &sec->bad, LOG_ERR, sec->file, sec->line,
			"[usb %s] selects nothing: expected at least one of id =, serial =, port =",
			sec->name);
	if (sec->bad) {
		usb_done(&u);
		if (!cfg->quiet)
			vb_log_full(
				LOG_ERR, 0,
				"%s:%u: skipping [usb %s]: no device of it is attached to a guest",
				sec->file, sec->line, sec->name);
		return 0;
	}
	r = GROW(cfg->usbs, cfg->alloc_usbs, cfg->n_usbs + 1);
	if (r < 0) {
		usb_done(&u);
		return r;
	}
	cfg->usbs[cfg->n_usbs++] = u;
	return 0;
}

const struct vb_usb_section *vb_usb_section_find(const struct vb_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_usbs; i++)
		if (streq(cfg->usbs[i].name, name))
			return &cfg->usbs[i];
	return NULL;
}

void vb_usb_sections_free(struct vb_config *cfg)
{
	for (size_t i = 0; i < cfg->n_usbs; i++)
		usb_done(&cfg->usbs[i]);
	free(cfg->usbs);
	cfg->usbs = NULL;
	cfg->n_usbs = cfg->alloc_usbs = 0;
}
