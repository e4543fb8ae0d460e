// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where the guest runner's USB watch hears of devices (runner-usb.h): udev on the real root,
 * inotify below a --root tree, through a libvirt event handle, and the retry timer. Each
 * event is drained and only says "look again" (usb_reconcile, runner-usb.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <libudev.h>

#include "log.h"
#include "runner-usb-internal.h"
#include "sysroot.h"
#include "util.h"

static struct usb_watch *watch_new(struct watch *w, const struct vb_guest_wait *wait)
{
	struct usb_watch *uw = calloc(1, sizeof(*uw));

	if (!uw)
		return NULL;
	uw->sec = calloc(wait->n_usb, sizeof(*uw->sec));
	if (!uw->sec) {
		free(uw);
		return NULL;
	}
	for (size_t i = 0; i < wait->n_usb; i++)
		uw->sec[i].state = -1;
	uw->w = w;
	uw->wait = wait;
	uw->fd = uw->handle = uw->timer = -1;
	return uw;
}

static void watch_free(struct usb_watch *uw)
{
	if (uw->handle >= 0)
		virEventRemoveHandle(uw->handle);
	if (uw->timer >= 0)
		virEventRemoveTimeout(uw->timer);
	if (uw->mon)
		udev_monitor_unref(uw->mon);
	else if (uw->fd >= 0)
		close(uw->fd);
	if (uw->udev)
		udev_unref(uw->udev);
	for (size_t i = 0; i < uw->wait->n_usb; i++) {
		free(uw->sec[i].reason);
		free(uw->sec[i].devices);
	}
	free(uw->sec);
	free(uw->seen);
	free(uw);
}

void usb_attach_present(struct watch *w, const struct vb_guest_wait *wait)
{
	struct usb_watch *uw;

	if (!wait || !wait->n_usb)
		return;
	uw = watch_new(w, wait);
	if (!uw) {
		log_err(-ENOMEM, "guest %s: out of memory", w->name);
		return;
	}
	usb_reconcile(uw);
	watch_free(uw);
}

static void on_event(int handle _unused_, int fd, int events _unused_, void *opaque)
{
	struct usb_watch *uw = opaque;
	char buf[4096];

	if (uw->mon) {
		struct udev_device *dev;

		while ((dev = udev_monitor_receive_device(uw->mon)))
			udev_device_unref(dev);
	} else
		while (read(fd, buf, sizeof(buf)) > 0)
			;
	usb_reconcile(uw);
}

static void on_retry(int timer _unused_, void *opaque)
{
	usb_reconcile(opaque);
}

/*
 * On the real root, udev says when a USB device comes, goes, or is bound. Below a --root
 * tree, the runner must never hear (nor act on) the running system's devices: it watches the
 * tree's /sys/bus/usb/devices instead, where a device appears and disappears as the kernel's
 * does.
 */
static int open_source(struct usb_watch *uw)
{
	_cleanup_free_ char *dir = NULL;
	int r;

	if (vb_root_is_host()) {
		uw->udev = udev_new();
		uw->mon = uw->udev ? udev_monitor_new_from_netlink(uw->udev, "udev") : NULL;
		if (!uw->mon ||
		    udev_monitor_filter_add_match_subsystem_devtype(uw->mon, "usb", "usb_device") <
			    0 ||
		    udev_monitor_enable_receiving(uw->mon) < 0)
			return -EIO;
		uw->fd = udev_monitor_get_fd(uw->mon);
		return 0;
	}
	r = vb_path("/sys/bus/usb/devices", &dir);
	if (r < 0)
		return r;
	uw->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (uw->fd < 0)
		return -errno;
	if (inotify_add_watch(uw->fd, dir, IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM) < 0)
		return -errno;
	return 0;
}

int usb_watch_start(struct watch *w, const struct vb_guest_wait *wait, struct usb_watch **ret)
{
	struct usb_watch *uw;
	int r;

	*ret = NULL;
	if (!wait || !wait->n_usb)
		return 0;
	uw = watch_new(w, wait);
	if (!uw)
		return log_err(-ENOMEM, "guest %s: out of memory", w->name);
	uw->watching = true;
	r = open_source(uw);
	if (r < 0) {
		log_err(r, "guest %s: cannot listen for USB devices: %m", w->name);
		watch_free(uw);
		return r;
	}
	uw->handle = virEventAddHandle(uw->fd, VIR_EVENT_HANDLE_READABLE, on_event, uw, NULL);
	uw->timer = virEventAddTimeout(-1, on_retry, uw, NULL);
	if (uw->handle < 0 || uw->timer < 0) {
		watch_free(uw);
		return log_err(-EIO, "guest %s: cannot listen for USB devices: %s", w->name,
			       lc_error());
	}
	/* After the source is open: a device that comes meanwhile is seen either way. */
	usb_reconcile(uw);
	*ret = uw;
	return 0;
}

void usb_watch_end(struct usb_watch *uw)
{
	if (!uw)
		return;
	for (size_t i = 0; i < uw->wait->n_usb; i++)
		usb_write_detached(uw->w->name, &uw->wait->usb[i], &uw->sec[i]);
	watch_free(uw);
}
