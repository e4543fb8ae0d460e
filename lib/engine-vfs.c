// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine's part for sections with `vfs = N`: the VFs are made on each PF whose host driver
 * has bound (autoprobe off, so no host driver takes one first), the part of the tree that now
 * has them is planned again, the chosen ones are claimed and the others given to the host.
 */
#include <errno.h>
#include <stdint.h>

#include "engine-internal.h"
#include "log.h"
#include "pci-part.h"
#include "run-record.h"
#include "sriov.h"
#include "sysroot.h"
#include "util.h"

/* A PF a VF section's match selects: the match holds and it is no VF itself. */
static bool selects_pf(const struct vb_plan_section *s, struct vb_pci_dev *d)
{
	if (vb_pci_is_bridge(d) || vb_existsf("/sys/bus/pci/devices/%s/physfn", d->addr))
		return false;
	return vb_pci_part_matches(&s->cfg->sel, d);
}

struct pf_made {
	char addr[VB_ADDR_MAX];
	struct vb_sriov_made made;
	int r;
	uint64_t written; /* when sriov_numvfs was written */
};

/* The VFs made and not chosen go to the host: their probe was held back only for the claim. */
static void give_back_vfs(const struct vb_plan_section *s, const struct pf_made *pf)
{
	int r = vb_sriov_autoprobe_restore(pf->addr, &pf->made);

	if (r < 0)
		log_warn(r, "[device %s] setting sriov_drivers_autoprobe of %s back to 1: %m",
			 s->name, pf->addr);
	for (unsigned i = 0; i < s->cfg->vfs; i++) {
		_cleanup_free_ char *drv = NULL;
		char vf[VB_ADDR_MAX];

		if (vb_device_vf_chosen(s->cfg, i) || vb_pci_sriov_vf(pf->addr, i, vf) < 0)
			continue;
		r = vb_sriov_probe_host(vf, &drv);
		if (r < 0)
			log_warn(r, "[device %s] probing %s (VF %u of %s) for its host driver: %m",
				 s->name, vf, i, pf->addr);
		else
			log_info("[device %s] %s (VF %u of %s) not chosen: %s", s->name, vf, i,
				 pf->addr, drv ? drv : "no host driver took it");
	}
}

/* The section's PFs in the scan, with the VFs made on each; how many. */
static int make_vfs(struct vb_run *run, const struct vb_plan_section *s, struct pf_made **ret)
{
	struct pf_made *pfs = NULL;
	size_t n = 0, alloc = 0;

	for (size_t i = 0; i < run->pci.n; i++) {
		struct vb_pci_dev *d = &run->pci.devs[i];
		struct pf_made *p;

		if (!selects_pf(s, d))
			continue;
		if (GROW(pfs, alloc, n + 1) < 0) {
			free(pfs);
			return -ENOMEM;
		}
		p = &pfs[n++];
		*p = (struct pf_made){0};
		snprintf(p->addr, sizeof(p->addr), "%s", d->addr);
		if (run->dry_run) {
			fprintf(run->out,
				"  %s: %u VFs (sriov_drivers_autoprobe 0, sriov_numvfs %u)\n",
				d->addr, s->cfg->vfs, s->cfg->vfs);
			p->r = -EAGAIN;
			continue;
		}
		p->r = vb_sriov_make(d->addr, s->cfg->vfs, &p->made);
		p->written = vb_now_usec() - p->made.usec;
		if (p->r == -EAGAIN)
			log_info("[device %s] %s", s->name, p->made.why);
		else if (p->r < 0)
			log_err(p->r, "[device %s] %s", s->name, p->made.why);
		else if (p->made.made)
			log_info(
				"[device %s] made %u VFs on %s: the last one showed up %llu ms after sriov_numvfs was written",
				s->name, s->cfg->vfs, d->addr,
				(unsigned long long)p->made.usec / 1000);
	}
	*ret = pfs;
	return n;
}

void vb_run_claim_vfs(struct vb_run *run, size_t idx)
{
	const struct vb_plan_section *s = &run->plan.sections[idx];
	_cleanup_free_ struct pf_made *pfs = NULL;
	bool made = false, refused = false;
	unsigned there = 0;
	char why[300] = "";
	int n, r;

	n = make_vfs(run, s, &pfs);
	if (n < 0) {
		log_err(n, "[device %s] making its VFs: %m", s->name);
		return;
	}
	for (int i = 0; i < n; i++) {
		made |= pfs[i].made.made;
		there += pfs[i].r >= 0;
		if (pfs[i].r == -EAGAIN && !why[0])
			snprintf(why, sizeof(why), "%s", pfs[i].made.why);
		if (pfs[i].r < 0 && pfs[i].r != -EAGAIN && !refused) {
			refused = true;
			snprintf(why, sizeof(why), "%s", pfs[i].made.why);
		}
	}
	if (run->dry_run)
		return;
	if (made) {
		r = run->rescan ? run->rescan(run) : vb_run_scan_and_plan(run);
		if (r < 0) {
			log_err(r, "[device %s] %s after making its VFs: %m", s->name,
				run->failed_at[0] ? run->failed_at : "scanning");
			return;
		}
		s = &run->plan.sections[idx];
	}
	if (refused) {
		run->refused++;
		if (run->records)
			vb_run_record_section(run, s, VB_SECTION_FAILED, why);
	} else if (n > 0 && !there) {
		/* Every PF still waits for its driver: its bind comes back here. */
		if (run->records)
			vb_run_record_section(run, s, VB_SECTION_PENDING, why);
	} else if (s->status == VB_PLAN_OK && s->n_devs && !made && run->after_boot &&
		   vb_run_section_on_vfio(run, s)) {
		/* A VF's own add event, after its PF's run claimed it: that record stays. */
		log_debug("[device %s] its VFs are on vfio-pci already", s->name);
	} else if (s->status == VB_PLAN_OK && s->n_devs) {
		vb_run_claim_devs(run, s);
	} else if (s->status != VB_PLAN_OK) {
		vb_run_log_section(s);
		if (run->records)
			vb_run_record_section(run, s, s->status, s->why);
	}
	for (int i = 0; i < n; i++) {
		if (!pfs[i].made.made)
			continue;
		if (!refused && s->status == VB_PLAN_OK && s->n_devs)
			log_info(
				"[device %s] VFs of %s: the last chosen VF verified on vfio-pci %llu ms after sriov_numvfs was written",
				s->name, pfs[i].addr,
				(unsigned long long)(vb_now_usec() - pfs[i].written) / 1000);
		give_back_vfs(s, &pfs[i]);
	}
}
