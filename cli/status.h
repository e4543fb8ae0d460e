/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "bridge.h"
#include "cmdline.h"
#include "config.h"
#include "contract.h"
#include "guest.h"
#include "pci.h"
#include "plan.h"
#include "usb.h"

/*
 * vfio-boot status, in parts: the command (status.c), what it reads from the records, the plan
 * and the units (status-read.c), and its three outputs: the text report (status-text.c),
 * --json (status-json.c) and --prometheus (status-prometheus.c).
 */

#define REASONS_MAX 6

struct dev_status {
	char addr[VB_ADDR_MAX];
	char *driver;
	bool on_vfio, present;
	bool released; /* its record says vfio-boot release (or a rolled back claim) gave it back */
	char *time, *by; /* its record's, when written after boot; NULL: none */
	char *reasons[REASONS_MAX];
	size_t n_reasons;
};

struct section_status {
	const char *name;
	char *record;	 /* the binder's status for it at boot, NULL: no record */
	char *reason;	 /* the record's reason= (a pending section: what it waits for) */
	char *time, *by; /* the record's, when written after boot; NULL: none */
	enum vb_section_status plan; /* what vb_plan_build says of it now */
	const char *why;	     /* the plan's reason when it claims nothing */
	struct dev_status *devs;
	size_t n_devs;
};

/* A [device] section of a guest's devices =, with the addresses its record gives at this boot. */
struct guest_pci {
	const char *section;
	char *record;  /* the section record's status=, NULL: no record */
	char *devices; /* its devices=, space-separated; NULL or "": none at this boot */
};

struct guest_status {
	const char *name, *unit;
	char *state; /* NULL: unknown */
	const char *why_unknown;
	bool attach_devices;
	struct guest_pci *pci; /* one for each section of its devices = */
	size_t n_pci;
};

/* A [usb] section: the devices that match it now, and what the guest runner recorded. */
struct usb_status {
	const struct vb_usb_section *sec;
	int select;    /* vb_usb_select(): 0, -E2BIG (ambiguous) or -EIO (unreadable) */
	size_t *match; /* indices into status.usb.v of the devices that match it now */
	size_t n_match;
	char *record;	/* the runner's status= (vb_usb_state), NULL: no record */
	char *reason;	/* its reason= */
	char *time;	/* its time=: since when it has this status */
	char *guest;	/* its guest= */
	char *attached; /* its devices=: "PORT:BUS:DEVNUM ..." */
	size_t n_attached;
};

struct status {
	struct vb_config cfg;
	struct vb_pci pci;
	struct vb_plan plan;
	struct vb_cmdline cmd;
	struct vb_bridges bridges;
	struct vb_guests guests;
	char *binder_state; /* /run/vfio-boot/status state=, NULL: no record */
	struct section_status *secs;
	size_t n_secs;
	struct guest_status *gs;
	size_t n_gs;
	struct vb_usb usb; /* read only when the config has [usb] sections */
	struct usb_status *us;
	size_t n_us;
	bool have_cfg;
};

/* Reads the config, the tree, the plan, the records and the guests' units; logs its errors. */
int status_collect(struct status *st, const char *config);
void status_free(struct status *st);

/* Its devices come later (VFs, hot-plug): not an error, whatever the plan says now. */
bool status_section_pending(const struct section_status *ss);

/* The guests and [usb] sections (status-usb.c): read after the [device] sections. */
int status_collect_guests(struct status *st);
int status_collect_usb(struct status *st);
void status_free_guests_usb(struct status *st);
/* Whether a guest has a devices = worth showing, and whether any guest has. */
bool status_any_guest_pci(const struct status *st);
/* "present", "absent", "ambiguous" or "unreadable": the state of a [usb] section's match now. */
const char *status_usb_now(const struct usb_status *u);

void status_print_text(const struct status *st);
void status_print_json(const struct status *st);
void status_print_prometheus(const struct status *st);
