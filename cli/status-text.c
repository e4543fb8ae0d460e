// SPDX-License-Identifier: GPL-2.0-or-later
/* vfio-boot status's text report. */
#include "status.h"
#include "util.h"

void status_print_text(const struct status *st)
{
	if (!st->have_cfg) {
		printf("no %s: no device is configured\n", VB_CONFIG_FILE);
		return;
	}
	printf("binder at boot: %s\n",
	       st->binder_state ? st->binder_state : "no record (it did not run at this boot)");
	for (size_t i = 0; i < st->n_secs; i++) {
		const struct section_status *ss = &st->secs[i];

		printf("[device %s] boot record: %s; plan now: %s\n", ss->name,
		       ss->record ? ss->record : "none", vb_section_status_to_string(ss->plan));
		if (ss->by)
			printf("  record written after boot by %s at %s\n", ss->by,
			       ss->time ? ss->time : "an unknown time");
		if (status_section_pending(ss))
			printf("  pending, not an error: %s\n",
			       ss->reason ? ss->reason : "its devices come later");
		else if (!ss->n_devs)
			printf("  no device: %s\n", ss->why);
		for (size_t k = 0; k < ss->n_devs; k++) {
			const struct dev_status *d = &ss->devs[k];

			if (d->released)
				printf("  %s: released, now on %s\n", d->addr, strna(d->driver));
			else
				printf("  %s: %s\n", d->addr,
				       d->on_vfio ? "on vfio-pci" : "NOT on vfio-pci");
			for (size_t n = 0; n < d->n_reasons; n++)
				printf("    %s\n", d->reasons[n]);
		}
	}
	for (size_t i = 0; i < st->n_gs; i++) {
		const struct guest_status *g = &st->gs[i];

		printf("[guest %s] %s: %s", g->name, strna(g->unit),
		       g->state ? g->state : "unknown");
		if (g->why_unknown)
			printf(" (%s)", g->why_unknown);
		printf("\n");
	}
}
