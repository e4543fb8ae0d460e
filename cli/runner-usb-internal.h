/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Inside the guest runner's USB watch (runner-usb.h): what its event source
 * (runner-usb-watch.c) and its reconcile (runner-usb.c) share.
 */

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "runner-usb.h"
#include "usb.h"

struct udev;
struct udev_monitor;

/* udev announces a device before it is bound and has its node: look again this often. */
#define RETRY_MS 200

/* What was last written for a section, so that a record changes only when this does. */
struct usb_sec {
	int state; /* enum vb_usb_state; -1 before the first record */
	char *reason, *devices;
	time_t since;
};

/* A device a section selects that was not ready when first seen. */
struct usb_seen {
	char name[VB_USB_NAME_MAX];
	unsigned busnum, devnum;
	uint64_t first_usec;
	bool present; /* seen in this reconcile */
};

struct usb_watch {
	struct watch *w;
	const struct vb_guest_wait *wait;
	struct usb_sec *sec;
	struct usb_seen *seen;
	size_t n_seen, alloc_seen;
	bool watching; /* guest run: another look comes on the next event */
	bool retry;    /* a device is not ready yet, for a while yet */
	int fd, handle, timer;
	struct udev *udev;
	struct udev_monitor *mon;
};

/* Looks at the whole picture again: attaches, detaches, writes the records that changed. */
void usb_reconcile(struct usb_watch *uw);

/* The guest stopped: sec's record says detached. */
void usb_write_detached(const char *guest, const struct vb_usb_section *s, struct usb_sec *sec);
