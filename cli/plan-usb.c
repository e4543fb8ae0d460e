// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The controller hint of vfio-boot plan. A USB device a guest gets through its [usb] sections
 * is the host's: its runner attaches it again after every replug or reset, and whatever the
 * device does meanwhile is seen by the host first. A USB controller passed whole keeps that
 * inside the guest, which is why, when a guest's USB devices all sit below one controller that
 * can go to it alone, the plan says so.
 */
#include <errno.h>
#include <stdarg.h>

#include "bridge.h"
#include "guest.h"
#include "log.h"
#include "plan-usb.h"
#include "readonly.h"
#include "strbuf.h"
#include "usb.h"
#include "util.h"

#define PCI_CLASS_USB 0x0c03 /* base class and subclass: a USB host controller */

/* The plan's section that takes pci->devs[dev], or NULL. */
static const struct vb_plan_section *taken_by(const struct vb_plan *plan, size_t dev)
{
	for (size_t i = 0; i < plan->n_sections; i++)
		if (vb_plan_section_claims(&plan->sections[i]) &&
		    vb_plan_section_has(&plan->sections[i], dev))
			return &plan->sections[i];
	return NULL;
}

#define WHY_MAX 256

/* Says into why (WHY_MAX) why there is no hint, and returns r. */
static int why_not(char *why, int r, const char *fmt, ...) _printf_(3, 4);
static int why_not(char *why, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, WHY_MAX, fmt, ap);
	va_end(ap);
	return r;
}

/*
 * Whether the IOMMU group of the controller ctl could go to guest g whole: each endpoint in it
 * a USB controller, on vfio-pci, or taken by a section of g, and none the boot display or
 * storage. The controller must not be taken already: its devices would not be the host's.
 * *others: the group holds endpoints besides the controller that no section of g takes. When
 * it could not, why says why.
 */
static bool group_for_guest(const struct vb_run *run, const struct vb_guest *g, size_t ctl,
			    bool *others, char *why)
{
	const struct vb_pci_dev *c = &run->pci.devs[ctl];
	const struct vb_plan_section *s = taken_by(&run->plan, ctl);

	if (c->iommu_group < 0)
		return why_not(why, false, "the USB controller %s has no IOMMU group", c->addr);
	if (s)
		return why_not(why, false, "the USB controller %s is claimed by [device %s]",
			       c->addr, s->name);
	for (size_t i = 0; i < run->pci.n; i++) {
		const struct vb_pci_dev *d = &run->pci.devs[i];

		if (vb_pci_is_bridge(d))
			continue;
		/* A device whose group cannot be read may be in this one. */
		if (d->iommu_group == VB_GROUP_UNKNOWN)
			return why_not(why, false, "the IOMMU group of %s cannot be read", d->addr);
		if (d->iommu_group != c->iommu_group)
			continue;
		if (inspect_guard(d))
			return why_not(why, false, "IOMMU group %d of %s holds %s, the %s",
				       c->iommu_group, c->addr, d->addr, inspect_guard(d));
		s = taken_by(&run->plan, i);
		if (s && !vb_strv_contains(g->devices, g->n_devices, s->name))
			return snprintf(why, WHY_MAX,
					"IOMMU group %d of %s holds %s, which [device %s] claims",
					c->iommu_group, c->addr, d->addr, s->name),
			       false;
		if (!s && !streq_ptr(d->driver, "vfio-pci") &&
		    ((d->unknown & VB_PCI_UNKNOWN_IDS) || d->class_code >> 8 != PCI_CLASS_USB))
			return snprintf(why, WHY_MAX,
					"IOMMU group %d of %s holds %s, no USB controller, on %s",
					c->iommu_group, c->addr, d->addr, strna(d->driver)),
			       false;
		if (!s && i != ctl)
			*others = true;
	}
	return true;
}

/*
 * The one controller every present device of g's [usb] sections sits below, as an index into
 * the plan's PCI devices: -ENOENT when none is present, or they sit below several controllers
 * (or one that is not PCI, or cannot be told), and why says why; -ENOMEM.
 */
static int one_controller(const struct vb_run *run, const struct vb_guest *g,
			  const struct vb_usb *usb, size_t *ret, char *why)
{
	const char *ctl = NULL;
	const struct vb_pci_dev *c;

	for (size_t k = 0; k < g->n_usb; k++) {
		const struct vb_usb_section *s = vb_usb_section_find(&run->cfg, g->usb[k]);
		_cleanup_free_ size_t *sel = NULL;
		size_t n;
		int r;

		if (!s)
			return why_not(why, -ENOENT, "[usb %s] has errors", g->usb[k]);
		/* Ambiguous or not, sel holds every device that matches. */
		r = vb_usb_select(s, usb, &sel, &n);
		if (r == -ENOMEM)
			return r;
		/* A device that cannot be read may sit anywhere. */
		if (r == -EIO)
			return why_not(why, -ENOENT,
				       "a USB device [usb %s] may match cannot be read", s->name);
		for (size_t i = 0; i < n; i++) {
			const struct vb_usb_dev *d = &usb->v[sel[i]];

			if (!*d->controller)
				return why_not(why, -ENOENT, "%s is below no PCI controller",
					       d->name);
			if (ctl && !streq(ctl, d->controller))
				return snprintf(
					       why, WHY_MAX,
					       "its USB devices sit below several controllers (%s, %s)",
					       ctl, d->controller),
				       -ENOENT;
			ctl = d->controller;
		}
	}
	if (!ctl)
		return why_not(why, -ENOENT, "none of its USB devices is present");
	c = vb_pci_find(&run->pci, ctl);
	if (!c)
		return why_not(why, -ENOENT, "its USB controller %s is not in the PCI scan", ctl);
	*ret = c - run->pci.devs;
	return 0;
}

static void print_hint(struct vb_run *run, const struct vb_guest *g, size_t ctl, bool others,
		       FILE *out)
{
	struct vb_pci_dev *c = &run->pci.devs[ctl];
	bool path = vb_pci_load_path(c) >= 0 && c->path;

	fprintf(out, "\n[guest %s] %s:%u: every USB device of its [usb] sections (", g->name,
		g->file, g->line);
	for (size_t k = 0; k < g->n_usb; k++)
		fprintf(out, "%s%s", k ? ", " : "", g->usb[k]);
	fprintf(out,
		") is below the USB controller %s, whose IOMMU group %d it could have whole.\n"
		"  Passing the whole controller is the sturdier choice: resets and replugs then stay "
		"inside the guest. To do so, add\n"
		"    [device %s-usb]\n"
		"    match = %s=%s\n"
		"%s"
		"  name %s-usb in its devices =, and remove its usb =.\n",
		c->addr, c->iommu_group, g->name, path ? "path" : "address",
		path ? c->path : c->addr, others ? "    group = claim\n" : "", g->name);
}

int plan_usb_hints(struct vb_run *run, bool verbose, FILE *out)
{
	struct vb_bridges bridges = {0};
	struct vb_guests guests = {0};
	struct vb_usb usb = {0};
	int r;

	if (!run->have_cfg || !run->cfg.n_usbs)
		return 0;
	r = vb_usb_scan(&usb);
	if (r >= 0)
		r = vb_bridges_resolve(&run->cfg, &bridges);
	if (r >= 0)
		r = vb_guests_resolve(&run->cfg, &bridges, &guests);
	for (size_t i = 0; r >= 0 && i < guests.n; i++) {
		const struct vb_guest *g = &guests.v[i];
		char why[WHY_MAX] = "";
		bool others = false;
		size_t ctl = 0;

		if (g->bad || !g->n_usb)
			continue;
		r = one_controller(run, g, &usb, &ctl, why);
		if (r >= 0 && group_for_guest(run, g, ctl, &others, why))
			print_hint(run, g, ctl, others, out);
		else if (r >= 0 || r == -ENOENT) {
			r = 0;
			if (verbose)
				fprintf(out,
					"\n[guest %s] no hint to pass a whole USB controller: %s\n",
					g->name, why);
		}
	}
	vb_guests_free(&guests);
	vb_bridges_free(&bridges);
	vb_usb_free(&usb);
	return r;
}
