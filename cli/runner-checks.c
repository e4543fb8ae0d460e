// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What must hold before a guest starts: its PCI devices are on vfio-pci in viable groups and
 * no process holds their group's file, its block devices are not used by the host, its bridges
 * exist. Every problem is reported, not only the first, so that one look at the journal tells
 * everything to fix; what vfio-boot check says of each device besides is logged as a warning.
 * The disks are runner-disks.c's.
 */
#include <errno.h>
#include <stdlib.h>

#include <libvirt/libvirt.h>

#include "check.h"
#include "contract.h"
#include "guest.h"
#include "holders.h"
#include "log.h"
#include "pci.h"
#include "runner-checks.h"
#include "runner-disks.h"
#include "record.h"
#include "sysroot.h"
#include "util.h"
#include "viable.h"

/*
 * The device's group file or its own VFIO file held by a process: another guest or a stale
 * QEMU has the device, and QEMU would fail with "Device or resource busy". Sets *held.
 */
static unsigned refuse_held(struct check *c, const char *guest, const char *addr, const char *kind,
			    bool *held)
{
	struct vb_holders h[VB_DEV_FILES_MAX];
	const char *paths[VB_DEV_FILES_MAX];
	struct vb_dev_files files;
	unsigned problems = 0;
	size_t n = 0;
	int r;

	*held = false;
	vb_dev_files(addr, &files);
	for (size_t k = 0; k < files.n; k++)
		if (vb_dev_file_is_vfio(&files.v[k]))
			paths[n++] = files.v[k].path;
	if (n == 0)
		return 0;
	r = check_holders(c, paths, n, h);
	if (r < 0) {
		/* What vfio-boot check says of it follows, as a warning. */
		log_warn(r,
			 "guest %s: cannot tell whether a process holds PCI device %s: %s/proc: %m",
			 guest, addr, vb_root());
		return 0;
	}
	for (size_t k = 0; k < n; k++) {
		char who[512], pids[160];

		if (h[k].n == 0)
			continue;
		vb_holders_format(&h[k], who, sizeof(who));
		vb_holders_format_pids(&h[k], pids, sizeof(pids));
		log_err(0,
			"guest %s: PCI device %s (%s): %s is held by %s: another guest or a stale QEMU has the device, and QEMU would fail with \"Device or resource busy\". Shut that guest down (virsh list shows which), or, if no guest should have it, stop that process: kill %s",
			guest, addr, kind, paths[k], who, pids);
		problems++;
		*held = true;
	}
	return problems;
}

/*
 * vfio-boot check's lines about the device (check_device_at()) that are not PASS, logged as
 * warnings: they may matter in the guest, but do not keep it from starting. When its holders
 * were refused above, their lines would only say it again.
 */
static void device_warnings(struct check *c, const char *guest, size_t i, bool held)
{
	size_t first = c->n;

	check_device_at(c, i);
	for (size_t k = first; k < c->n; k++) {
		const struct result *r = &c->v[k];

		if (r->level == PASS || (held && streq(r->item, "holders")))
			continue;
		log_warn(0, "guest %s: device %s: %s%s%s", guest, r->device, strna(r->text),
			 r->fix ? "; fix: " : "", strempty(r->fix));
	}
}

/*
 * The config and plan, for the checks that tell claimed devices from others (reset); without
 * them those checks see no section, which they say.
 */
static void load_plan(struct check *c)
{
	(void)vb_cmdline_load(&c->cmd);
	c->have_cfg = vb_config_load_quiet(&c->cfg, NULL) == 0;
	if (c->have_cfg && vb_plan_build(&c->plan, &c->cfg, &c->cmd, &c->pci) < 0)
		c->have_cfg = false;
}

static unsigned check_pci(const char *guest, const struct dom_info *d)
{
	_cleanup_free_ int *groups_seen = NULL;
	struct check c = {0};
	struct vb_pci *pci = &c.pci;
	unsigned problems = 0;
	size_t n_seen = 0;
	int r;

	if (d->n_pci == 0)
		return 0;
	groups_seen = calloc(d->n_pci, sizeof(int));
	if (!groups_seen)
		return log_err(-ENOMEM, "guest %s: out of memory", guest), 1;
	r = vb_pci_scan(pci);
	if (r < 0) {
		log_err(r, "guest %s: cannot read PCI devices from %s/sys/bus/pci: %m", guest,
			vb_root());
		return 1;
	}
	for (size_t i = 0; i < d->n_pci; i++) {
		const char *addr = d->pci[i].addr, *kind = d->pci[i].kind;
		const struct vb_pci_dev *dev = vb_pci_find(pci, addr);
		struct vb_viable v;
		bool seen = false;

		if (!dev) {
			log_err(0,
				"guest %s: PCI device %s (%s) does not exist on this host: fix the address in the domain XML (virsh edit %s)",
				guest, addr, kind, guest);
			problems++;
			continue;
		}
		if (!dev->driver) {
			log_err(0,
				"guest %s: PCI device %s (%s, %04x:%04x) has no driver, not vfio-pci: vfio-boot-binder did not claim it at boot. Add a [device] section for it to /etc/vfio-boot/vfio-boot.conf and reboot; /run/vfio-boot tells what the binder did",
				guest, addr, kind, dev->vendor, dev->device);
			problems++;
		} else if (!streq(dev->driver, "vfio-pci")) {
			log_err(0,
				"guest %s: PCI device %s (%s, %04x:%04x) is bound to %s, not vfio-pci: the host is using it. Add a [device] section for it to /etc/vfio-boot/vfio-boot.conf so that vfio-boot-binder claims it at boot, and reboot",
				guest, addr, kind, dev->vendor, dev->device, dev->driver);
			problems++;
		}

		r = vb_group_viable(pci, addr, &v);
		for (size_t j = 0; j < n_seen; j++)
			seen = seen || groups_seen[j] == v.group;
		if (r == 0 || seen)
			continue;
		if (v.group >= 0)
			groups_seen[n_seen++] = v.group;
		if (r == -ENXIO)
			log_err(0,
				"guest %s: PCI device %s (%s) is in no IOMMU group: the IOMMU is off. Turn it on in the firmware and with intel_iommu=on or amd_iommu=on on the kernel command line",
				guest, addr, kind);
		else if (r == -EBUSY && !streq(v.blocker, addr))
			log_err(0,
				"guest %s: IOMMU group %d of PCI device %s (%s) is not viable: %s in the same group is bound to %s. Every endpoint of a group must be on vfio-pci or have no driver; claim %s too (group = claim in the [device] section)",
				guest, v.group, addr, kind, v.blocker, v.blocker_driver, v.blocker);
		else if (r == -EBUSY)
			continue; /* its own driver: reported above */
		else if (r == -EIO && v.blocker[0])
			log_err(0,
				"guest %s: cannot tell whether IOMMU group %d of PCI device %s (%s) is viable: %s, which is or may be in it, cannot be read (%s); check it with `vfio-boot status`",
				guest, v.group, addr, kind, v.blocker, strna(v.blocker_unreadable));
		else
			log_err(r, "guest %s: cannot check the IOMMU group of %s: %m", guest, addr);
		problems++;
	}
	load_plan(&c);
	for (size_t i = 0; i < d->n_pci; i++) {
		const struct vb_pci_dev *dev = vb_pci_find(pci, d->pci[i].addr);
		bool held;

		if (!dev)
			continue; /* reported above */
		problems += refuse_held(&c, guest, dev->addr, d->pci[i].kind, &held);
		device_warnings(&c, guest, (size_t)(dev - pci->devs), held);
	}
	check_free(&c);
	return problems;
}

static unsigned check_bridge(const char *guest, const char *br)
{
	if (strchr(br, '/') || streq(br, "..") || !vb_existsf("/sys/class/net/%s/bridge", br)) {
		log_err(0,
			"guest %s: bridge %s does not exist, so the guest's network interface cannot be attached to it. Is vfio-boot-bridge@%s.service up? (systemctl status vfio-boot-bridge@%s)",
			guest, br, br, br);
		return 1;
	}
	return 0;
}

int precheck_domain(virConnectPtr conn, const char *guest, const struct dom_info *d,
		    const char *extra_bridge)
{
	unsigned problems = check_pci(guest, d);

	for (size_t i = 0; i < d->n_disks; i++)
		problems += runner_check_disk(conn, guest, &d->disks[i]);
	for (size_t i = 0; i < d->n_bridges; i++)
		problems += check_bridge(guest, d->bridges[i]);
	if (extra_bridge) {
		bool listed = false, used = false;

		for (size_t i = 0; i < d->n_bridges; i++)
			listed = listed || streq(d->bridges[i], extra_bridge);
		for (size_t i = 0; i < d->n_networks; i++)
			used = used || streq(d->networks[i], extra_bridge);
		if (!listed)
			problems += check_bridge(guest, extra_bridge);
		/* Not a refusal: the guest runs, only not where the config says it should. */
		if (!listed && !used)
			log_warn(
				0,
				"guest %s: bridge = %s, but no interface of the domain is on it: give it <interface type='network'><source network='%s'/></interface> (or type='bridge' with <source bridge='%s'/>) in its XML (virsh edit %s)",
				guest, extra_bridge, extra_bridge, extra_bridge, guest);
	}
	return (int)problems;
}

int wait_devices(const char *guest, const struct vb_guest_wait *wait)
{
	uint64_t deadline = vb_now_usec() + wait->usec;
	unsigned problems = 0;

	for (size_t i = 0; i < wait->n_devices; i++) {
		_cleanup_free_ char *status = NULL;
		uint64_t now = vb_now_usec();
		int r;

		r = vb_section_wait(wait->devices[i], deadline > now ? deadline - now : 0, guest,
				    &status);
		if (r < 0) {
			log_err(r, "guest %s: cannot read the record of [device %s]: %m", guest,
				wait->devices[i]);
			problems++;
		} else if (r == 0 && vb_section_status_from_string(status) == VB_SECTION_PENDING) {
			log_err(0,
				"guest %s: [device %s] is still %s after %lu s (device-wait): its devices did not come; see %s/sections/%s and `vfio-boot status`",
				guest, wait->devices[i], status, vb_usec_to_sec_ceil(wait->usec),
				VB_RUN_DIR, wait->devices[i]);
			problems++;
		}
		/* Any other status is for the PCI checks to explain, device by device. */
	}
	return (int)problems;
}
