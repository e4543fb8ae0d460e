// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What refuses a section that matched: a device that cannot be read whole, no IOMMU, the boot
 * display or a storage controller, and IOMMU groups that hold devices no section claims.
 */
#include <errno.h>

#include "plan-internal.h"
#include "util.h"

/* A device the section would take that cannot be fully read refuses it. */
int vb_plan_check_unreadable(struct vb_plan_section *s, const struct vb_pci *pci)
{
	for (size_t i = 0; i < s->n_devs; i++) {
		const struct vb_pci_dev *d = &pci->devs[s->devs[i].dev];
		if (!d->unreadable)
			continue;
		return vb_plan_set_status(
			s, VB_PLAN_UNREADABLE,
			"%s (%s) could not be read: %s: claiming nothing for this section; vfio-boot takes no device it cannot identify",
			d->addr, s->devs[i].reason, d->unreadable);
	}
	return 0;
}

int vb_plan_check_guards(struct vb_plan_section *s, const struct vb_pci *pci)
{
	unsigned allow = s->cfg->allow;
	char desc[160];

	for (size_t i = 0; i < s->n_devs; i++) {
		const struct vb_pci_dev *d = &pci->devs[s->devs[i].dev];
		bool maybe = d->boot_vga == VB_BOOT_VGA_UNKNOWN;
		bool display = (d->boot_vga == 1 || maybe) && !(allow & VB_ALLOW_BOOT_DISPLAY);
		bool storage = vb_pci_is_storage(d) && !(allow & VB_ALLOW_STORAGE);

		if (!display && !storage)
			continue;
		vb_pci_describe(d, desc, sizeof(desc));
		if (display && maybe)
			return vb_plan_set_status(
				s, VB_PLAN_GUARDED,
				"%s may be the host's boot display (%s; only \"0\" says it is not) (%s): claiming nothing for this section; if the guest really is to have it, add `allow = boot-display`",
				d->addr, strna(d->boot_vga_seen), desc);
		return vb_plan_set_status(
			s, VB_PLAN_GUARDED,
			"%s is the host's %s (%s): claiming nothing for this section; if the guest really is to have it, add `allow = %s`",
			d->addr, display ? "boot display" : "storage controller", desc,
			display ? "boot-display" : "storage");
	}
	return 0;
}

int vb_plan_check_iommu(struct vb_plan_section *s, const struct vb_pci *pci)
{
	for (size_t i = 0; i < s->n_devs; i++) {
		const struct vb_pci_dev *d = &pci->devs[s->devs[i].dev];
		if (d->iommu_group != -1)
			continue;
		return vb_plan_set_status(
			s, VB_PLAN_NO_IOMMU,
			"%s has no IOMMU group, so vfio-pci cannot take it: claiming nothing for this section; enable the IOMMU (VT-d/AMD-Vi in the firmware, intel_iommu=on or amd_iommu=on)",
			d->addr);
	}
	return 0;
}

/* Claimed by a section still standing (pending ones too), or already on vfio-pci. */
static bool claimed(const struct vb_plan *plan, size_t dev)
{
	const struct vb_pci_dev *d = &plan->pci->devs[dev];

	if (streq_ptr(d->driver, "vfio-pci"))
		return true;
	for (size_t i = 0; i < plan->n_sections; i++)
		if (vb_plan_section_claims(&plan->sections[i]) &&
		    vb_plan_section_has(&plan->sections[i], dev))
			return true;
	return false;
}

/* Returns whether the section was refused. */
static int check_group(struct vb_plan *plan, struct vb_plan_section *s)
{
	const struct vb_pci *pci = plan->pci;
	const struct vb_pci_dev *unread = NULL, *unread_of = NULL;
	char desc[160];
	bool refused = false;
	int r;

	for (size_t i = 0; i < s->n_devs; i++) {
		const struct vb_pci_dev *m = &pci->devs[s->devs[i].dev];
		for (size_t j = 0; j < pci->n; j++) {
			const struct vb_pci_dev *d = &pci->devs[j];
			/* A device whose group cannot be read may be in any group. */
			bool maybe = d->iommu_group == VB_GROUP_UNKNOWN;
			if ((d->iommu_group != m->iommu_group && !maybe) || vb_pci_is_bridge(d) ||
			    claimed(plan, j))
				continue;
			vb_pci_describe(d, desc, sizeof(desc));
			r = vb_plan_add_detail(
				s, "IOMMU group %d of %s %s %s%s%s%s", m->iommu_group, m->addr,
				maybe ? "may hold" : "also holds", desc,
				d->unreadable ? " (could not be read: " : "",
				d->unreadable ? d->unreadable : "", d->unreadable ? ")" : "");
			if (r < 0)
				return r;
			if (d->unreadable && !unread)
				unread = d, unread_of = m;
			refused = true;
		}
	}
	if (!refused)
		return 0;
	if (unread)
		r = vb_plan_set_status(
			s, VB_PLAN_UNREADABLE,
			"IOMMU group %d of %s %s %s, which could not be read (%s): claiming nothing for this section; vfio-boot does not split a group it cannot see whole",
			unread_of->iommu_group, unread_of->addr,
			unread->iommu_group == VB_GROUP_UNKNOWN ? "may hold" : "holds",
			unread->addr, unread->unreadable);
	else
		r = vb_plan_set_status(
			s, VB_PLAN_GROUP,
			"an IOMMU group holds devices that no section claims: claiming nothing for this section; set `group = claim` to take them too, or claim them in a section of their own");
	return r < 0 ? r : 1;
}

/*
 * A section refused for its group no longer claims its devices, which can break another
 * section's group: repeat until nothing changes.
 */
int vb_plan_check_groups(struct vb_plan *plan)
{
	bool changed;

	do {
		changed = false;
		for (size_t i = 0; i < plan->n_sections; i++) {
			struct vb_plan_section *s = &plan->sections[i];
			int r;
			if (!vb_plan_section_claims(s) || s->cfg->group_claim)
				continue;
			r = check_group(plan, s);
			if (r < 0)
				return r;
			if (r > 0)
				changed = true;
		}
	} while (changed);
	return 0;
}
