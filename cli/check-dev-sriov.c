// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Items "sriov" and "override": what earlier configs and hand-made changes left behind. A
 * section with `vfs = N` claims VFs the binder made; the number of VFs, and which driver
 * each VF is on, can drift from what the config says. A driver_override stays set until it
 * is cleared (the kernel shows "(null)" when it is not set), and decides the next probe of
 * the device alone, whatever driver would otherwise take it.
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "selector.h"
#include "strbuf.h"
#include "sysroot.h"
#include "util.h"

static bool on_vfio(const struct vb_pci_dev *d)
{
	return d->driver && streq(d->driver, "vfio-pci");
}

/* The section with `vfs =` whose match selects dev: d's own, else the first that does. */
static const struct vb_plan_section *vfs_section(struct check *c, const struct check_dev *d)
{
	struct vb_pci_dev *dev = &c->pci.devs[d->i];
	const char *unknown;

	if (d->plan && d->plan->cfg && d->plan->cfg->vfs)
		return d->plan;
	for (size_t s = 0; s < c->plan.n_sections; s++) {
		const struct vb_plan_section *sec = &c->plan.sections[s];

		if (sec->cfg && sec->cfg->vfs &&
		    vb_selector_eval_load(&sec->cfg->sel, dev, &unknown) == 1)
			return sec;
	}
	return NULL;
}

/* The PF's VFs against the sections that claim them and against each other. */
static void pf_vfs(struct check *c, const struct check_dev *d, unsigned num)
{
	const struct vb_pci_dev *pf = check_pci_dev(c, d);
	struct strbuf host = {0}, unclaimed = {0}, unclaimed_addrs = {0};
	const char *first_driver = NULL;
	bool mixed = false;
	char fix[512];

	for (unsigned i = 0; i < num; i++) {
		char addr[VB_ADDR_MAX];
		const struct vb_pci_dev *vf;
		bool claimed;

		if (vb_pci_sriov_vf(pf->addr, i, addr) < 0 || !(vf = vb_pci_find(&c->pci, addr))) {
			check_report_dev(c, d, WARN, "sriov", "see `vfio-boot list`",
					 "sriov: VF %u of %s cannot be found (no virtfn%u link, or "
					 "not among the devices read)",
					 i, pf->addr, i);
			continue;
		}
		claimed = check_claimed(c, (size_t)(vf - c->pci.devs));
		if (claimed && !on_vfio(vf)) {
			snprintf(fix, sizeof(fix),
				 "see `vfio-boot status` for why, then vfio-boot claim %s",
				 vf->addr);
			check_report_dev(c, d, FAIL, "sriov", fix,
					 "sriov: VF %u (%s) is claimed but on %s, not vfio-pci", i,
					 vf->addr, vf->driver ? vf->driver : "no driver");
		} else if (!claimed && on_vfio(vf)) {
			snprintf(fix, sizeof(fix),
				 "vfio-boot release %s, or echo > "
				 "/sys/bus/pci/devices/%s/driver_override and echo %s > "
				 "/sys/bus/pci/drivers/vfio-pci/unbind and echo %s > "
				 "/sys/bus/pci/drivers_probe",
				 vf->addr, vf->addr, vf->addr, vf->addr);
			check_report_dev(
				c, d, WARN, "sriov", fix,
				"sriov: VF %u (%s) is on vfio-pci but no section claims it: "
				"left from an earlier config or by hand",
				i, vf->addr);
		}
		if (vf->driver && !on_vfio(vf))
			strbuf_printf(&host, "%s%s (%s)", host.len ? ", " : "", vf->addr,
				      vf->driver);
		if (!claimed) {
			const char *drv = vf->driver ? vf->driver : "no driver";

			strbuf_printf(&unclaimed, "%s%s (%s)", unclaimed.len ? ", " : "", vf->addr,
				      drv);
			strbuf_printf(&unclaimed_addrs, "%s%s", unclaimed_addrs.len ? " " : "",
				      vf->addr);
			if (first_driver && !streq(first_driver, drv))
				mixed = true;
			if (!first_driver)
				first_driver = drv;
		}
	}
	if (mixed) {
		struct strbuf f = {0};

		strbuf_printf(&f,
			      "for vf in %s; do echo > /sys/bus/pci/devices/$vf/driver_override; "
			      "[ -e /sys/bus/pci/devices/$vf/driver ] && echo $vf > "
			      "/sys/bus/pci/devices/$vf/driver/unbind; echo $vf > "
			      "/sys/bus/pci/drivers_probe; done (each on the driver its PF's VFs "
			      "take), or claim them in a section",
			      unclaimed_addrs.s);
		check_report_dev(
			c, d, WARN, "sriov", f.s,
			"sriov: the VFs of %s no section claims are on different drivers: %s",
			pf->addr, unclaimed.s);
		strbuf_done(&f);
	}
	if (on_vfio(pf) && host.len) {
		snprintf(fix, sizeof(fix),
			 "give the PF back to its host driver (vfio-boot release %s), or its VFs "
			 "to vfio-pci too",
			 pf->addr);
		check_report_dev(c, d, WARN, "sriov", fix,
				 "sriov: the PF %s is on vfio-pci while its VFs are on host "
				 "drivers: %s; whoever owns the PF controls those VFs",
				 pf->addr, host.s);
	}
	strbuf_done(&host);
	strbuf_done(&unclaimed);
	strbuf_done(&unclaimed_addrs);
}

/* A PF: how many VFs it has against its section's `vfs =`, then the VFs themselves. */
static void check_pf(struct check *c, const struct check_dev *d, unsigned total)
{
	const struct vb_pci_dev *pf = check_pci_dev(c, d);
	const struct vb_plan_section *s = vfs_section(c, d);
	unsigned num, want;
	char fix[512];
	int r;

	r = vb_pci_sriov_numvfs(pf->addr, &num);
	if (r < 0) {
		check_report_dev(c, d, WARN, "sriov", "check that sysfs is mounted and readable",
				 "sriov: a PF, but sriov_numvfs cannot be read (%s)", strerror(-r));
		return;
	}
	if (!s)
		check_report_dev(c, d, PASS, "sriov", NULL,
				 "sriov: a PF with %u of %u VFs; no section makes VFs of it", num,
				 total);
	else if ((want = s->cfg->vfs) > num) {
		snprintf(fix, sizeof(fix),
			 "see what the binder recorded (`vfio-boot status`); once nothing uses "
			 "the VFs: echo 0 > /sys/bus/pci/devices/%s/sriov_numvfs, then echo %u to "
			 "it",
			 pf->addr, want);
		check_report_dev(c, d, FAIL, "sriov", fix,
				 "sriov: %u VF%s, [device %s] asks for %u (vfs = %u): the VFs it "
				 "claims do not exist",
				 num, num == 1 ? "" : "s", s->name, want, want);
	} else if (want < num) {
		snprintf(fix, sizeof(fix),
			 "set vfs = %u in [device %s], or once nothing uses the VFs: echo 0 > "
			 "/sys/bus/pci/devices/%s/sriov_numvfs, then echo %u to it",
			 num, s->name, pf->addr, want);
		check_report_dev(c, d, WARN, "sriov", fix,
				 "sriov: %u VF%s, [device %s] asks for %u (vfs = %u): vfio-boot "
				 "claims nothing of it while they differ",
				 num, num == 1 ? "" : "s", s->name, want, want);
	} else
		check_report_dev(c, d, PASS, "sriov", NULL, "sriov: %u VF%s, as [device %s] asks",
				 num, num == 1 ? "" : "s", s->name);
	pf_vfs(c, d, num);
}

/* A VF exists only while its PF's driver keeps SR-IOV on. */
static void check_vf(struct check *c, const struct check_dev *d)
{
	const struct vb_pci_dev *vf = check_pci_dev(c, d);
	const struct vb_pci_dev *pf = vb_pci_find(&c->pci, vf->physfn);
	char fix[256];

	if (pf && pf->driver) {
		check_report_dev(c, d, PASS, "sriov", NULL,
				 "sriov: VF %d of %s, whose driver is %s", vf->vf_index, vf->physfn,
				 pf->driver);
		return;
	}
	snprintf(fix, sizeof(fix),
		 "bind the PF to its host driver (echo %s > /sys/bus/pci/drivers_probe) before "
		 "the guest starts",
		 vf->physfn);
	check_report_dev(c, d, WARN, "sriov", fix,
			 "sriov: VF %d of %s, which has no driver: the VF goes away when SR-IOV "
			 "is turned off, and its PF's driver keeps it on",
			 vf->vf_index, vf->physfn);
}

void check_dev_sriov(struct check *c, const struct check_dev *d)
{
	struct vb_pci_dev *dev = &c->pci.devs[d->i];
	unsigned total;
	int r;

	if (vb_pci_load_sriov(dev) < 0)
		return;
	if (dev->unknown & VB_PCI_UNKNOWN_SRIOV) {
		check_report_dev(c, d, WARN, "sriov", "see `vfio-boot list`",
				 "sriov: whether it is a VF cannot be told (%s)",
				 strna(dev->unreadable));
		return;
	}
	if (*dev->physfn) {
		check_vf(c, d);
		return;
	}
	r = vb_pci_sriov_totalvfs(dev->addr, &total);
	if (r == -ENOENT)
		check_report_dev(c, d, PASS, "sriov", NULL, "sriov: not an SR-IOV device");
	else if (r < 0)
		check_report_dev(c, d, WARN, "sriov", "check that sysfs is mounted and readable",
				 "sriov: sriov_totalvfs cannot be read (%s)", strerror(-r));
	else
		check_pf(c, d, total);
}

static bool selected(const struct check *c, size_t i)
{
	for (size_t s = 0; s < c->plan.n_sections; s++)
		if (vb_plan_section_has(&c->plan.sections[s], i))
			return true;
	return false;
}

void check_overrides(struct check *c)
{
	size_t n_warn = 0;

	for (size_t i = 0; i < c->pci.n; i++) {
		const struct vb_pci_dev *dev = &c->pci.devs[i];
		struct check_dev d = {i, NULL, false, NULL};
		_cleanup_free_ char *ov = NULL, *fix = NULL;
		int r;

		r = vb_readf(&ov, "/sys/bus/pci/devices/%s/driver_override", dev->addr);
		/* No attribute: a kernel before it (3.16), where nothing can be overridden. */
		if (r == -ENOENT)
			continue;
		if (r < 0) {
			n_warn++;
			check_report_dev(
				c, &d, WARN, "override", "check that sysfs is mounted and readable",
				"override: driver_override cannot be read (%s)", strerror(-r));
			continue;
		}
		if (!*ov || streq(ov, "(null)") || selected(c, i))
			continue;
		n_warn++;
		/* Bound to the override's driver now: only an unbind makes the probe run again. */
		if (dev->driver && streq(dev->driver, ov))
			r = asprintf_safe(
				&fix,
				"echo > /sys/bus/pci/devices/%s/driver_override; echo %s > "
				"/sys/bus/pci/devices/%s/driver/unbind; echo %s > "
				"/sys/bus/pci/drivers_probe",
				dev->addr, dev->addr, dev->addr, dev->addr);
		else
			r = asprintf_safe(
				&fix,
				"echo > /sys/bus/pci/devices/%s/driver_override; echo %s > "
				"/sys/bus/pci/drivers_probe",
				dev->addr, dev->addr);
		if (r < 0)
			continue;
		check_report_dev(
			c, &d, WARN, "override", fix,
			"override: driver_override is %s on %04x:%04x (driver %s), which no "
			"section selects: its next probe binds it to %s, not its own driver",
			ov, dev->vendor, dev->device, strna(dev->driver), ov);
	}
	if (!n_warn)
		check_report(c, PASS, "override", NULL,
			     "override: no driver_override left on a device no section selects");
}
