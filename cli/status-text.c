// SPDX-License-Identifier: GPL-2.0-or-later
/* vfio-boot status's text report. */
#include <errno.h>

#include "status.h"
#include "util.h"

/* The addresses of a guest's sections at this boot: what its runner gives it. */
static void print_guest_pci(const struct guest_status *g)
{
	if (!g->n_pci)
		return;
	printf("  attach-devices: %s\n",
	       g->attach_devices ? "yes (its runner puts these devices in the domain)"
				 : "no (its runner only checks the domain's hostdevs)");
	for (size_t k = 0; k < g->n_pci; k++) {
		const struct guest_pci *p = &g->pci[k];

		if (p->devices && *p->devices)
			printf("  [device %s] %s: %s\n", p->section, strna(p->record), p->devices);
		else
			printf("  [device %s] %s: no device at this boot\n", p->section,
			       p->record ? p->record : "no record");
	}
}

static void print_usb(const struct status *st, const struct usb_status *u)
{
	char buf[256];

	printf("[usb %s] guest: %s; now: %s", u->sec->name,
	       u->sec->guest ? u->sec->guest : "none (no [guest] names it in usb =)",
	       status_usb_now(u));
	if (u->select == -E2BIG)
		printf(" (%zu devices match, count is %d: none is attached; tell them apart by serial = or port =)",
		       u->n_match, u->sec->count);
	printf("\n");
	for (size_t k = 0; k < u->n_match; k++)
		printf("  %s\n", vb_usb_describe(&st->usb.v[u->match[k]], buf, sizeof(buf)));
	if (!u->record) {
		printf("  guest runner: no record (none has run since boot)\n");
		return;
	}
	printf("  guest runner: %s since %s", u->record, u->time ? u->time : "an unknown time");
	if (u->guest && !streq_ptr(u->guest, u->sec->guest))
		printf(" (for guest %s)", u->guest);
	if (u->n_attached)
		printf(": %s", u->attached);
	printf("\n");
	if (u->reason && *u->reason)
		printf("    %s\n", u->reason);
}

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
		print_guest_pci(g);
	}
	for (size_t i = 0; i < st->n_us; i++)
		print_usb(st, &st->us[i]);
}
