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
};

struct vb_usb {
	struct vb_usb_dev *v;
	size_t n, alloc;
};

/* Reads every USB device below the root, sorted by name; 0 or a negative errno. */
int vb_usb_scan(struct vb_usb *ret);
void vb_usb_free(struct vb_usb *u);
const struct vb_usb_dev *vb_usb_find(const struct vb_usb *u, const char *name);

/* Whether section s selects d: each of id, serial and port that s sets holds. */
bool vb_usb_matches(const struct vb_usb_section *s, const struct vb_usb_dev *d);

/*
 * The devices of u that s selects, as indices into u->v in *ret (malloc'd, NULL when none) and
 * their number in *n. Returns 0 when they are at most s->count (none included: an unplugged
 * device is not an error), -E2BIG when more match than count (ambiguous: the caller takes
 * none of them), -EIO when a device that may match cannot be read, -ENOMEM.
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
