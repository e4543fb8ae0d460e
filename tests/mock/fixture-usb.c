// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * USB devices in a fake tree, as the kernel lays them out: below their host controller's root
 * hub (usbBUS, itself on the bus as a device the scan must skip), a device behind a hub below
 * that hub's directory, each with one interface (NAME:1.0, also on the bus), bound to the USB
 * core, and its node in /dev/bus/usb.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fixture-internal.h"
#include "mock-common.h"

static void attr(const char *dir, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void attr(const char *dir, const char *name, const char *fmt, ...)
{
	_cleanup_free_ char *path = fx_asprintf("%s/%s", dir, name);
	_cleanup_free_ char *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		fx_die("out of memory");
	va_end(ap);
	fx_put_bytes(path, text, strlen(text), 0644, O_TRUNC);
}

/* The realpath of bus device @name, NULL when it is not there. */
static char *bus_dev(const struct fx *fx, const char *name)
{
	_cleanup_free_ char *link = fx_asprintf("%s/sys/bus/usb/devices/%s", fx->root, name);

	return realpath(link, NULL);
}

static void bus_link(const struct fx *fx, const char *name, const char *dir)
{
	_cleanup_free_ char *bus = fx_asprintf("%s/sys/bus/usb/devices", fx->root);
	_cleanup_free_ char *link = fx_asprintf("%s/%s", bus, name);

	fx_mkdirs(bus);
	unlink(link);
	fx_symlink_abs(link, dir);
}

static void driver_link(const struct fx *fx, const char *dir, const char *drv)
{
	_cleanup_free_ char *ddir = fx_asprintf("%s/sys/bus/usb/drivers/%s", fx->root, drv);
	_cleanup_free_ char *link = fx_asprintf("%s/driver", dir);

	fx_mkdirs(ddir);
	unlink(link);
	fx_symlink_abs(link, ddir);
}

static char *node_rel(unsigned int busnum, unsigned int devnum)
{
	return fx_asprintf("dev/bus/usb/%03u/%03u", busnum, devnum);
}

/* The root hub usbBUS below @controller (NULL: a platform controller), made once. */
static char *root_hub(struct fx *fx, const char *controller, unsigned int busnum)
{
	_cleanup_free_ char *hub = fx_asprintf("usb%u", busnum);
	char *dir = bus_dev(fx, hub);

	if (dir != NULL)
		return dir;
	if (controller != NULL && !mock_is_pci_addr(controller))
		fx_die("bad controller address '%s'", controller);
	dir = controller ? fx_asprintf("%s/sys/devices/pci0000:00/%s/%s", fx->root, controller, hub)
			 : fx_asprintf("%s/sys/devices/platform/xhci-hcd.0/%s", fx->root, hub);
	fx_mkdirs(dir);
	attr(dir, "idVendor", "1d6b\n");
	attr(dir, "idProduct", "0002\n");
	attr(dir, "busnum", "%u\n", busnum);
	attr(dir, "devnum", "1\n");
	attr(dir, "serial", "%s\n", controller ? controller : "xhci-hcd.0");
	driver_link(fx, dir, "usb");
	bus_link(fx, hub, dir);
	return dir;
}

void fx_usb_dev(struct fx *fx, const char *name, const char *controller, unsigned int busnum,
		unsigned int devnum, unsigned int vendor, unsigned int product, const char *serial)
{
	_cleanup_free_ char *hub = root_hub(fx, controller, busnum);
	_cleanup_free_ char *parent = NULL, *dir = NULL, *intf = NULL, *intf_name = NULL;
	_cleanup_free_ char *node = node_rel(busnum, devnum);
	char *dot;

	if (!mock_is_plain_name(name) || strchr(name, ':') != NULL)
		fx_die("bad USB device name '%s'", name);
	/* Behind a hub ("1-2.3" behind "1-2"): below the hub's directory, as the kernel puts it. */
	parent = fx_asprintf("%s", name);
	dot = strrchr(parent, '.');
	if (dot != NULL) {
		*dot = '\0';
		dir = bus_dev(fx, parent);
	}
	if (dir == NULL)
		dir = fx_asprintf("%s/%s", hub, name);
	else {
		char *under = fx_asprintf("%s/%s", dir, name);

		free(dir);
		dir = under;
	}
	fx_mkdirs(dir);
	attr(dir, "idVendor", "%04x\n", vendor);
	attr(dir, "idProduct", "%04x\n", product);
	attr(dir, "busnum", "%u\n", busnum);
	attr(dir, "devnum", "%u\n", devnum);
	attr(dir, "devpath", "%s\n", strchr(name, '-') ? strchr(name, '-') + 1 : name);
	if (serial != NULL)
		attr(dir, "serial", "%s\n", serial);
	driver_link(fx, dir, "usb");
	bus_link(fx, name, dir);

	intf_name = fx_asprintf("%s:1.0", name);
	intf = fx_asprintf("%s/%s", dir, intf_name);
	fx_mkdirs(intf);
	attr(intf, "bInterfaceClass", "03\n");
	bus_link(fx, intf_name, intf);

	fx_write(fx, node, "", 0600);
}

/* busnum and devnum as the tree says them, to find the node. */
static char *node_of(struct fx *fx, const char *dir)
{
	_cleanup_free_ char *b = fx_asprintf("%s/busnum", dir), *d = fx_asprintf("%s/devnum", dir);
	unsigned int busnum = 0, devnum = 0;
	FILE *f;

	f = fopen(b, "re");
	if (f == NULL || fscanf(f, "%u", &busnum) != 1)
		fx_die("no busnum in %s", dir);
	fclose(f);
	f = fopen(d, "re");
	if (f == NULL || fscanf(f, "%u", &devnum) != 1)
		fx_die("no devnum in %s", dir);
	fclose(f);
	{
		_cleanup_free_ char *rel = node_rel(busnum, devnum);

		return fx_path(fx, rel);
	}
}

void fx_usb_unready(struct fx *fx, const char *name)
{
	_cleanup_free_ char *dir = bus_dev(fx, name);
	_cleanup_free_ char *node = NULL, *link = NULL;

	if (dir == NULL)
		fx_die("no USB device %s", name);
	node = node_of(fx, dir);
	link = fx_asprintf("%s/driver", dir);
	unlink(link);
	unlink(node);
}

void fx_usb_remove(struct fx *fx, const char *name)
{
	_cleanup_free_ char *dir = bus_dev(fx, name);
	_cleanup_free_ char *node = NULL, *link = NULL, *intf = NULL;

	if (dir == NULL)
		fx_die("no USB device %s", name);
	node = node_of(fx, dir);
	unlink(node);
	link = fx_asprintf("%s/sys/bus/usb/devices/%s", fx->root, name);
	unlink(link);
	intf = fx_asprintf("%s:1.0", link);
	unlink(intf);
	fx_rm_rf(dir);
}
