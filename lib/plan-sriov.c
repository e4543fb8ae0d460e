// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A section with `vfs = N`: its match selects PFs, and what it claims are the VFs of each that
 * vf-index names. The PF itself is never claimed, and the number of VFs is never changed.
 */
#include <errno.h>
#include <stdlib.h>

#include "plan-internal.h"
#include "util.h"

static bool wanted(const struct vb_device *c, unsigned i)
{
	return c->vf_index[i / 64] >> (i % 64) & 1;
}

static bool all_wanted(const struct vb_device *c)
{
	for (unsigned i = 0; i < c->vfs; i++)
		if (!wanted(c, i))
			return false;
	return true;
}

/* The VFs of pf that the section claims, once they are there. */
static int add_vfs(struct vb_plan_section *s, struct vb_pci *pci, const struct vb_pci_dev *pf)
{
	for (unsigned i = 0; i < s->cfg->vfs; i++) {
		char addr[VB_ADDR_MAX];
		struct vb_pci_dev *d = NULL;
		int r;

		if (!wanted(s->cfg, i))
			continue;
		r = vb_pci_sriov_vf(pf->addr, i, addr);
		if (r == -ENOMEM)
			return r;
		if (r == 0)
			d = vb_pci_find(pci, addr);
		/* Its record names its PF and index: both come from the VF's own link back. */
		if (d && vb_pci_load_sriov(d) < 0)
			return -ENOMEM;
		if (r < 0)
			return vb_plan_set_status(
				s, VB_PLAN_UNREADABLE,
				"VF %u of %s: its link virtfn%u cannot be read (%s) though sriov_numvfs is %u: claiming nothing for this section; its VFs may be changing: see what writes sriov_numvfs",
				i, pf->addr, i, strerror(-r), s->cfg->vfs);
		if (!d)
			return vb_plan_set_status(
				s, VB_PLAN_UNREADABLE,
				"VF %u of %s is %s, which is not among the devices read: claiming nothing for this section",
				i, pf->addr, addr);
		if (!streq(d->physfn, pf->addr) || d->vf_index != (int)i)
			return vb_plan_set_status(
				s, VB_PLAN_UNREADABLE,
				"VF %u of %s is %s, whose physfn does not lead back to it (%s): claiming nothing for this section; vfio-boot takes no VF whose PF it cannot tell",
				i, pf->addr, addr, d->unreadable ? d->unreadable : "another PF");
		r = vb_plan_add_dev(s, d - pci->devs, "VF %u of %s", i, pf->addr);
		if (r < 0)
			return r;
	}
	return 0;
}

static int take_pf(struct vb_plan_section *s, struct vb_pci *pci, struct vb_pci_dev *pf,
		   char **pending)
{
	unsigned want = s->cfg->vfs, total, num;
	char desc[VB_PCI_DESCRIBE_MAX];
	int r;

	r = vb_pci_load_sriov(pf);
	if (r < 0)
		return r;
	vb_pci_describe(pf, desc, sizeof(desc));
	if (pf->unknown & VB_PCI_UNKNOWN_SRIOV)
		return vb_plan_set_status(
			s, VB_PLAN_UNREADABLE,
			"whether %s is a PF or a VF cannot be told (%s): claiming nothing for this section",
			pf->addr, pf->unreadable);
	if (*pf->physfn)
		return vb_plan_set_status(
			s, VB_PLAN_GUARDED,
			"%s is VF %d of %s, not a PF: a section with `vfs =` selects PFs and claims their VFs: claiming nothing for this section; match the PF %s, or remove `vfs =` to claim this VF as it is",
			pf->addr, pf->vf_index, pf->physfn, pf->physfn);
	r = vb_pci_sriov_totalvfs(pf->addr, &total);
	if (r == -ENOENT)
		return vb_plan_set_status(
			s, VB_PLAN_GUARDED,
			"%s has no SR-IOV (no sriov_totalvfs) (%s): it cannot make VFs: claiming nothing for this section; match a PF that has SR-IOV (some need it enabled in the firmware), or remove `vfs =` to claim the device itself",
			pf->addr, desc);
	if (r == -ENOMEM)
		return r;
	if (r == 0 && want > total)
		return vb_plan_set_status(
			s, VB_PLAN_GUARDED,
			"%s can make %u VFs (sriov_totalvfs), the section asks for %u (%s): claiming nothing for this section; set `vfs =` to at most %u",
			pf->addr, total, want, desc, total);
	if (r == 0)
		r = vb_pci_sriov_numvfs(pf->addr, &num);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return vb_plan_set_status(
			s, VB_PLAN_UNREADABLE,
			"%s has SR-IOV, but how many VFs it has or can have cannot be read (%s): claiming nothing for this section",
			pf->addr, strerror(-r));
	if (num == 0) {
		r = vb_plan_add_detail(s, "%s has no VFs yet (%s)", pf->addr, desc);
		if (r < 0 || *pending)
			return r;
		return asprintf_safe(
			pending,
			"the VFs of %s are not made yet: vfio-boot makes %u once its host driver (%s) has bound, and claims %s of them then",
			pf->addr, want, pf->driver ? pf->driver : "no driver yet",
			all_wanted(s->cfg) ? "each" : "those vf-index names");
	}
	if (num != want)
		return vb_plan_set_status(
			s, VB_PLAN_GUARDED,
			"%s has %u VFs already, the section asks for %u: claiming nothing for this section; vfio-boot never changes the number, which would destroy VFs a guest may use; set `vfs = %u`, or change it by hand once nothing uses them: echo 0 > /sys/bus/pci/devices/%s/sriov_numvfs, then echo %u to it",
			pf->addr, num, want, num, pf->addr, want);
	return add_vfs(s, pci, pf);
}

int vb_plan_take_vfs(struct vb_plan_section *s, struct vb_pci *pci, char **pending)
{
	struct vb_plan_dev *pfs = s->devs;
	size_t n = s->n_devs;
	int r = 0;

	/* The PFs make way for their VFs: a PF is never a device of the plan. */
	s->devs = NULL;
	s->n_devs = s->alloc_devs = 0;
	for (size_t i = 0; i < n && r >= 0 && s->status == VB_PLAN_OK; i++)
		r = take_pf(s, pci, &pci->devs[pfs[i].dev], pending);
	for (size_t i = 0; i < n; i++)
		free(pfs[i].reason);
	free(pfs);
	if (r >= 0 && s->status != VB_PLAN_OK)
		vb_plan_drop_devs(s);
	if (r < 0 || s->status != VB_PLAN_OK || !s->n_devs)
		return r;
	/* What the match said of the PFs, and what is taken of them. */
	{
		_cleanup_free_ char *matched = TAKE_PTR(s->why);
		return vb_plan_set_status(s, VB_PLAN_OK, "%s: claiming %zu of their VFs", matched,
					  s->n_devs);
	}
}
