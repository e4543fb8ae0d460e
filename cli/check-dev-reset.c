// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Item "reset": can the device be reset between guests, and what else does the reset hit?
 * vfio-pci resets a device when a guest opens and closes it; the kernel tries the methods of
 * reset_method in order. A bus reset (secondary bus reset of the parent bridge) resets every
 * device below that bridge, so vfio-pci allows it only when all of them are assigned too.
 * The kernel names "bus" only for a device alone on its bus when it probes (function 0 of a
 * card is probed before its other functions exist, so it may name it anyway), and a device
 * with no method of its own is still reset that way: QEMU asks vfio for a hot reset of the
 * bus when every device on it is in the guest. So a bus reset is what is judged for bus,
 * for none, and for a kernel without reset_method.
 * reset_method appeared in Linux 5.15; before it, the write-only `reset` file says only that
 * some method exists.
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "reset-quirks.h"
#include "strbuf.h"
#include "sysroot.h"
#include "util.h"

/* The first word of the methods: the one the kernel tries first. */
static bool first_is(const char *methods, const char *m)
{
	const char *rest = startswith(methods, m);

	return rest && (*rest == '\0' || *rest == ' ');
}

/* acpi is the device's own _RST, which ACPI forbids to touch any other device. */
static bool only_this_device(const char *methods)
{
	return first_is(methods, "acpi") || first_is(methods, "flr") ||
	       first_is(methods, "af_flr") || first_is(methods, "device_specific") ||
	       first_is(methods, "pm");
}

static const char no_reset_fix[] =
	"shut the guest down cleanly; power-cycle the host when the device misbehaves after a "
	"guest reboot; or use a card that has FLR (function-level reset)";

/*
 * A secondary bus reset of the parent bridge: what else is below it, and whether the plan
 * claims each. what is how the methods were seen ("bus", or "a reset of unknown method").
 */
static void bus_reset(struct check *c, const struct check_dev *d, const char *what)
{
	struct vb_pci_dev *dev = &c->pci.devs[d->i];
	_cleanup_free_ char *prefix = NULL;
	struct strbuf others = {0}, unclaimed = {0};
	const char *bridge;
	size_t n_others = 0, n_unclaimed = 0;
	char *slash;

	if (vb_pci_load_links(&c->pci) < 0 || !dev->path) {
		check_report_dev(c, d, WARN, "reset", "see `vfio-boot list`",
				 "reset: %s; which devices share it cannot be told: the topology "
				 "path of %s cannot be read (%s)",
				 what, dev->addr, strna(dev->unreadable));
		return;
	}
	slash = strrchr(dev->path, '/');
	if (!slash) {
		check_report_dev(
			c, d, WARN, "reset", no_reset_fix,
			"reset: %s, but %s is on a root bus: there is no bridge above it "
			"to reset, so neither the kernel nor QEMU can reset it: the device "
			"keeps its state across guest reboots",
			what, dev->addr);
		return;
	}
	prefix = strndup(dev->path, (size_t)(slash - dev->path));
	if (!prefix)
		return;
	bridge = prefix;
	for (size_t i = 0; i < c->pci.n; i++) {
		const struct vb_pci_dev *o = &c->pci.devs[i];
		const char *below;

		if (o->path && streq(o->path, prefix))
			bridge = o->addr;
		if (i == d->i || !o->path)
			continue;
		below = startswith(o->path, prefix);
		if (!below || *below != '/')
			continue;
		strbuf_printf(&others, "%s%s", n_others++ ? ", " : "", o->addr);
		if (!check_claimed(c, i))
			strbuf_printf(&unclaimed, "%s%s (%s)", n_unclaimed++ ? ", " : "", o->addr,
				      o->driver ? o->driver : "no driver");
	}
	if (n_others == 0)
		check_report_dev(c, d, PASS, "reset", NULL,
				 "reset: %s; a bus reset of %s, nothing else below %s", what,
				 bridge, bridge);
	else if (n_unclaimed == 0)
		check_report_dev(c, d, PASS, "reset", NULL,
				 "reset: %s; a bus reset of %s also resets %s, claimed too (QEMU "
				 "resets them together when they are all in one guest)",
				 what, bridge, others.s);
	else
		check_report_dev(c, d, WARN, "reset",
				 "claim them too (a [device] section that selects them), or move "
				 "the card to a slot of its own, alone below its bridge",
				 "reset: %s; a bus reset of %s also resets %s, not claimed: "
				 "vfio-pci resets the device only when every device the reset "
				 "touches is assigned too, not in use by the host",
				 what, bridge, unclaimed.s);
	strbuf_done(&others);
	strbuf_done(&unclaimed);
}

void check_dev_reset(struct check *c, const struct check_dev *d)
{
	const struct vb_pci_dev *dev = check_pci_dev(c, d);
	const struct vb_reset_quirk *q = vb_reset_quirk_find(dev->vendor, dev->device);
	_cleanup_free_ char *methods = NULL, *fix = NULL;
	int r;

	r = vb_readf(&methods, "/sys/bus/pci/devices/%s/reset_method", dev->addr);
	if (q && r >= 0 && first_is(methods, "device_specific")) {
		check_report_dev(c, d, PASS, "reset", NULL,
				 "reset: %s; device_specific first, as the %s family needs (%s)",
				 methods, q->family, q->source);
		return;
	}
	if (q) {
		if (asprintf_safe(
			    &fix,
			    "install %s, load it in the initramfs, and before the guest starts: "
			    "echo device_specific > /sys/bus/pci/devices/%s/reset_method "
			    "(it must come first)",
			    q->fix, dev->addr) < 0)
			return;
		check_report_dev(c, d, FAIL, "reset", fix,
				 "reset: %s; the %s family's reset is known broken (%s): the card "
				 "hangs after the first guest stops, until the host powers off",
				 r >= 0 ? (*methods ? methods : "none") : "reset_method unread",
				 q->family, q->source);
		return;
	}
	if (r == -ENOENT) {
		if (vb_existsf("/sys/bus/pci/devices/%s/reset", dev->addr))
			bus_reset(c, d, "a method this kernel does not name (no reset_method)");
		else
			bus_reset(c, d, "none of its own (no reset_method, no reset file)");
		return;
	}
	if (r < 0) {
		check_report_dev(c, d, WARN, "reset", "check that sysfs is mounted and readable",
				 "reset: reset_method cannot be read (%s)", strerror(-r));
		return;
	}
	if (!*methods)
		bus_reset(c, d, "none of its own (reset_method is empty)");
	else if (only_this_device(methods))
		check_report_dev(c, d, PASS, "reset", NULL,
				 "reset: %s; a reset touches this device only", methods);
	else if (first_is(methods, "bus") || first_is(methods, "cxl_bus"))
		bus_reset(c, d, methods);
	else
		check_report_dev(c, d, WARN, "reset",
				 "see the kernel's sysfs-bus-pci documentation",
				 "reset: %s; the first method is not one vfio-boot knows", methods);
}
