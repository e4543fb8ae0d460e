/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "pci.h"

/*
 * The USB model: the devices in /sys/bus/usb/devices below the root (not their interfaces,
 * not the root hubs), read for what a [usb] section selects by and what libvirt attaches by.
 */

#define VB_USB_NAME_MAX 32 /* "1-2.3.4.5.6.7", the port path the kernel names a device by */

struct vb_usb_dev {
	char name[VB_USB_NAME_MAX];   /* its port: busnum-port.port..., stable while it stays put */
	unsigned busnum, devnum;      /* devnum changes at every plug and re-enumeration */
	uint16_t vendor, product;     /* idVendor, idProduct */
	char *serial;		      /* NULL: it has none */
	char *driver;		      /* NULL: none bound ("usb" once the USB core took it) */
	char controller[VB_ADDR_MAX]; /* its host controller's PCI address; "" when not PCI */
	bool unreadable;	      /* an attribute it needs could not be read */
	unsigned unknown;	      /* which: VB_USB_UNKNOWN_* */
};

enum {
	VB_USB_UNKNOWN_ID = 1 << 0,	/* idVendor or idProduct */
	VB_USB_UNKNOWN_SERIAL = 1 << 1, /* there, but not readable */
	VB_USB_UNKNOWN_NUM = 1 << 2,	/* busnum or devnum */
	VB_USB_UNKNOWN_DRIVER = 1 << 3,
};

/* Most devices a scan takes: a bus has at most 127, a machine a few dozen buses. */
#define VB_USB_DEVS_MAX 4096

struct vb_usb {
	struct vb_usb_dev *v;
	size_t n, alloc;
};

/*
 * Whether s is a port path as the kernel names USB devices, "B-P[.P...]" (B and each P decimal,
 * no leading zero), shorter than VB_USB_NAME_MAX: the one rule for port = and for the scan.
 */
bool vb_usb_port_valid(const char *s);

/*
 * Reads every USB device below the root, sorted by name; 0 (none when the machine has no USB)
 * or a negative errno, -ENOBUFS beyond VB_USB_DEVS_MAX. An entry that is no device the kernel
 * made (its name no port path, its link not into /sys/devices) is left out.
 */
int vb_usb_scan(struct vb_usb *ret);
void vb_usb_free(struct vb_usb *u);
const struct vb_usb_dev *vb_usb_find(const struct vb_usb *u, const char *name);

/* Whether section s selects d: each of id, serial and port that s sets holds. */
bool vb_usb_matches(const struct vb_usb_section *s, const struct vb_usb_dev *d);

/*
 * The devices of u that s selects, as indices into u->v in *ret (malloc'd, NULL when none) and
 * their number in *n. Returns 0 when they are at most s->count (none included: an unplugged
 * device is not an error), -E2BIG when more match than count (ambiguous: the caller takes
 * none of them), -EIO when a device that may match cannot be read (what could be read does not
 * rule it out), -ENOMEM. *ret holds the devices that surely match in every case but -ENOMEM, so
 * that the caller can name them.
 */
int vb_usb_select(const struct vb_usb_section *s, const struct vb_usb *u, size_t **ret, size_t *n);

/*
 * Whether QEMU can open d now: the USB core has bound it and its node,
 * /dev/bus/usb/BBB/DDD, exists below the root. udev announces a device before both hold.
 */
bool vb_usb_ready(const struct vb_usb_dev *d);

/* "/dev/bus/usb/001/005" for d. */
int vb_usb_node_path(const struct vb_usb_dev *d, char *buf, size_t size);

/* "1-2.3 (046d:c52b, serial X, bus 1 device 5)": d for messages, into buf. */
const char *vb_usb_describe(const struct vb_usb_dev *d, char *buf, size_t size);
