// SPDX-License-Identifier: GPL-2.0-or-later
/* vfio-boot status --json. */
#include "json.h"
#include "status.h"

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
		json_close(&j, '}');
	}
	json_close(&j, ']');
	json_close(&j, '}');
	json_end(&j);
}
