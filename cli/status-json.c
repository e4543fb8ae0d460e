// SPDX-License-Identifier: GPL-2.0-or-later
/* vfio-boot status --json. */
#include <errno.h>

#include "json.h"
#include "status.h"
#include "util.h"

/* A space-separated list as an array of strings; NULL or "" is []. */
static void json_words(struct json *j, const char *key, const char *list)
{
	json_open(j, key, '[');
	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, " ");
		char *w = n ? strndup(p, n) : NULL;

		if (w)
			json_str(j, NULL, w);
		free(w);
		p += n + strspn(p + n, " ");
	}
	json_close(j, ']');
}

static void json_guest_pci(struct json *j, const struct guest_status *g)
{
	json_bool(j, "attach_devices", g->attach_devices);
	json_open(j, "pci", '[');
	for (size_t k = 0; k < g->n_pci; k++) {
		json_open(j, NULL, '{');
		json_str(j, "section", g->pci[k].section);
		json_str(j, "boot_status", g->pci[k].record);
		json_words(j, "addresses", g->pci[k].devices);
		json_close(j, '}');
	}
	json_close(j, ']');
}

static void json_usb_dev(struct json *j, const struct vb_usb_dev *d)
{
	char buf[256];

	json_open(j, NULL, '{');
	json_str(j, "port", d->name);
	snprintf(buf, sizeof(buf), "%04x:%04x", d->vendor, d->product);
	json_str(j, "id", buf);
	json_str(j, "serial", d->serial);
	json_int(j, "bus", d->busnum);
	json_int(j, "device", d->devnum);
	json_str(j, "controller", *d->controller ? d->controller : NULL);
	json_str(j, "driver", d->driver);
	json_str(j, "description", vb_usb_describe(d, buf, sizeof(buf)));
	json_close(j, '}');
}

static void json_usb(struct json *j, const struct status *st)
{
	json_open(j, "usb", '[');
	for (size_t i = 0; i < st->n_us; i++) {
		const struct usb_status *u = &st->us[i];

		json_open(j, NULL, '{');
		json_str(j, "name", u->sec->name);
		json_str(j, "guest", u->sec->guest);
		json_str(j, "now", status_usb_now(u));
		json_bool(j, "present", u->n_match > 0);
		json_bool(j, "ambiguous", u->select == -E2BIG);
		/* null: count = any. */
		if (u->sec->count < 0)
			json_null(j, "count");
		else
			json_int(j, "count", u->sec->count);
		json_open(j, "matches", '[');
		for (size_t k = 0; k < u->n_match; k++)
			json_usb_dev(j, &st->usb.v[u->match[k]]);
		json_close(j, ']');
		json_str(j, "status", u->record);
		json_str(j, "reason", u->reason);
		json_str(j, "time", u->time);
		json_str(j, "record_guest", u->guest);
		json_words(j, "attached", u->attached);
		json_close(j, '}');
	}
	json_close(j, ']');
}

void status_print_json(const struct status *st)
{
	struct json j;

	json_init(&j, stdout);
	json_open(&j, NULL, '{');
	json_bool(&j, "configured", st->have_cfg);
	json_str(&j, "binder_state", st->binder_state);
	json_open(&j, "sections", '[');
	for (size_t i = 0; i < st->n_secs; i++) {
		const struct section_status *ss = &st->secs[i];

		json_open(&j, NULL, '{');
		json_str(&j, "name", ss->name);
		json_str(&j, "boot_status", ss->record);
		json_str(&j, "reason", ss->reason);
		json_str(&j, "time", ss->time);
		json_str(&j, "by", ss->by);
		json_bool(&j, "pending", status_section_pending(ss));
		json_str(&j, "plan", vb_section_status_to_string(ss->plan));
		json_str(&j, "why", ss->why);
		json_open(&j, "devices", '[');
		for (size_t k = 0; k < ss->n_devs; k++) {
			const struct dev_status *d = &ss->devs[k];

			json_open(&j, NULL, '{');
			json_str(&j, "address", d->addr);
			json_bool(&j, "present", d->present);
			json_str(&j, "driver", d->driver);
			json_bool(&j, "on_vfio", d->on_vfio);
			json_bool(&j, "released", d->released);
			json_str(&j, "time", d->time);
			json_str(&j, "by", d->by);
			json_open(&j, "reasons", '[');
			for (size_t n = 0; n < d->n_reasons; n++)
				json_str(&j, NULL, d->reasons[n]);
			json_close(&j, ']');
			json_close(&j, '}');
		}
		json_close(&j, ']');
		json_close(&j, '}');
	}
	json_close(&j, ']');
	json_open(&j, "guests", '[');
	for (size_t i = 0; i < st->n_gs; i++) {
		json_open(&j, NULL, '{');
		json_str(&j, "name", st->gs[i].name);
		json_str(&j, "unit", st->gs[i].unit);
		json_str(&j, "state", st->gs[i].state);
		json_str(&j, "why_unknown", st->gs[i].why_unknown);
		json_guest_pci(&j, &st->gs[i]);
		json_close(&j, '}');
	}
	json_close(&j, ']');
	json_usb(&j, st);
	json_close(&j, '}');
	json_end(&j);
}
