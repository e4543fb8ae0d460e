/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A guest's [usb] sections on its running domain: each present device a section selects is
 * attached live, by bus and device number (exact: two identical devices stay apart), with the
 * mark of lib/alias.h; one that went away or re-enumerated is detached, and attached again
 * once it is back and ready. Never into the persistent definition: a USB device's bus and
 * device numbers hold only until it is unplugged. Every change is logged and written to
 * /run/vfio-boot/usb/NAME.
 */

#include <libvirt/libvirt.h>

#include "guest.h"
#include "runner-lifecycle.h"

/*
 * The libvirt calls the watch makes. libvirt's test driver has no live attach or detach, so
 * the tests put their own in its place; NULL puts libvirt's back.
 */
struct usb_ops {
	char *(*live_xml)(virDomainPtr dom);
	int (*attach)(virDomainPtr dom, const char *xml, unsigned flags);
	int (*detach)(virDomainPtr dom, const char *alias, unsigned flags);
};
void usb_set_ops(const struct usb_ops *ops);

/* guest start: attaches what wait's [usb] sections select now, once, and writes the records. */
void usb_attach_present(struct watch *w, const struct vb_guest_wait *wait);

struct usb_watch;

/*
 * guest run: attaches what is present and keeps attaching and detaching as devices come and
 * go, while the runner sleeps in libvirt's event loop (watch_wait). *ret is NULL when wait has
 * no [usb] section. 0 or a negative errno (logged).
 */
int usb_watch_start(struct watch *w, const struct vb_guest_wait *wait, struct usb_watch **ret);

/* The guest stopped: stops watching, and the records say detached. NULL is fine. */
void usb_watch_end(struct usb_watch *uw);

/* guest stop: the records of wait's [usb] sections say detached. */
void usb_records_detached(const char *guest, const struct vb_guest_wait *wait);
