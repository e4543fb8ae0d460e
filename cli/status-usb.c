// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What vfio-boot status reads of the guests: each guest's unit, the PCI devices of its
 * devices = at this boot (the addresses its sections' records hold, which are what its runner
 * attaches), and each [usb] section: the devices that match it now and what the guest runner
 * recorded of it (/run/vfio-boot/usb/NAME).
 */
#include <errno.h>

#include "log.h"
#include "readonly.h"
#include "record.h"
#include "status.h"
#include "sysroot.h"
#include "util.h"

static int guest_pci(struct guest_status *gs, const struct vb_guest *g)
{
	gs->attach_devices = g->attach_devices;
	gs->pci = calloc(g->n_devices + 1, sizeof(*gs->pci));
	if (!gs->pci)
		return -ENOMEM;
	for (size_t k = 0; k < g->n_devices; k++) {
		struct guest_pci *p = &gs->pci[gs->n_pci++];

		p->section = g->devices[k];
		/* No record is said as such: the binder did not run, or skipped the section. */
		(void)vb_record_get(VB_RECORD_SECTIONS, p->section, VB_KEY_STATUS, &p->record);
		(void)vb_record_get(VB_RECORD_SECTIONS, p->section, VB_KEY_DEVICES, &p->devices);
	}
	return 0;
}

int status_collect_guests(struct status *st)
{
	int r;

	r = vb_bridges_resolve(&st->cfg, &st->bridges);
	if (r >= 0)
		r = vb_guests_resolve(&st->cfg, &st->bridges, &st->guests);
	if (r < 0)
		return log_err(r, "reading the [guest] sections: %m");
	st->gs = calloc(st->guests.n + 1, sizeof(*st->gs));
	if (!st->gs)
		return log_err(-ENOMEM, "out of memory");
	for (size_t i = 0; i < st->guests.n; i++) {
		const struct vb_guest *g = &st->guests.v[i];
		struct guest_status *gs = &st->gs[st->n_gs++];

		gs->name = g->name;
		gs->unit = g->unit;
		if (!g->unit || g->bad)
			gs->why_unknown = "the section has errors in the config";
		else if (!vb_root_is_host())
			gs->why_unknown = "--root is not the running system";
		else if ((r = unit_state(g->unit, &gs->state)) < 0)
			gs->why_unknown = "systemd could not be asked over D-Bus";
		if (guest_pci(gs, g) < 0)
			return log_err(-ENOMEM, "out of memory");
	}
	return 0;
}

static void usb_record(struct usb_status *u)
{
	const char *name = u->sec->name;

	(void)vb_record_get(VB_RECORD_USB, name, VB_KEY_STATUS, &u->record);
	(void)vb_record_get(VB_RECORD_USB, name, VB_KEY_REASON, &u->reason);
	(void)vb_record_get(VB_RECORD_USB, name, VB_KEY_TIME, &u->time);
	(void)vb_record_get(VB_RECORD_USB, name, VB_KEY_GUEST, &u->guest);
	(void)vb_record_get(VB_RECORD_USB, name, VB_KEY_DEVICES, &u->attached);
	for (const char *p = u->attached; p && *p; p += strspn(p, " ")) {
		u->n_attached++;
		p += strcspn(p, " ");
	}
}

int status_collect_usb(struct status *st)
{
	int r;

	/* A config without [usb] sections reads nothing of USB, and shows nothing of it. */
	if (!st->cfg.n_usbs)
		return 0;
	r = vb_usb_scan(&st->usb);
	if (r < 0)
		return log_err(r, "reading %s/sys/bus/usb/devices: %m", vb_root());
	st->us = calloc(st->cfg.n_usbs, sizeof(*st->us));
	if (!st->us)
		return log_err(-ENOMEM, "out of memory");
	for (size_t i = 0; i < st->cfg.n_usbs; i++) {
		struct usb_status *u = &st->us[st->n_us++];

		u->sec = &st->cfg.usbs[i];
		/* Ambiguous or not, match holds every device that surely matches: to name them. */
		u->select = vb_usb_select(u->sec, &st->usb, &u->match, &u->n_match);
		if (u->select == -ENOMEM)
			return log_err(-ENOMEM, "out of memory");
		usb_record(u);
	}
	return 0;
}

void status_free_guests_usb(struct status *st)
{
	for (size_t i = 0; i < st->n_gs; i++) {
		for (size_t k = 0; k < st->gs[i].n_pci; k++) {
			free(st->gs[i].pci[k].record);
			free(st->gs[i].pci[k].devices);
		}
		free(st->gs[i].pci);
		free(st->gs[i].state);
	}
	free(st->gs);
	for (size_t i = 0; i < st->n_us; i++) {
		free(st->us[i].match);
		free(st->us[i].record);
		free(st->us[i].reason);
		free(st->us[i].time);
		free(st->us[i].guest);
		free(st->us[i].attached);
	}
	free(st->us);
	vb_usb_free(&st->usb);
}

bool status_any_guest_pci(const struct status *st)
{
	for (size_t i = 0; i < st->n_gs; i++)
		if (st->gs[i].n_pci)
			return true;
	return false;
}

const char *status_usb_now(const struct usb_status *u)
{
	if (u->select == -E2BIG)
		return "ambiguous";
	if (u->select < 0)
		return "unreadable";
	return u->n_match ? "present" : "absent";
}
