// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "claim.h"
#include "engine.h"
#include "log.h"
#include "run-record.h"
#include "pci-part.h"
#include "sriov.h"
#include "sysroot.h"
#include "util.h"

#define RESCAN_USEC 100000
#define VFIO_DRIVER "/sys/bus/pci/drivers/vfio-pci"

/* The config, or the state in which the run stops for want of one; -1 to go on. */
static int load_config(struct vb_run *run)
{
	bool must = run->config && run->config_must_exist;
	int r;

	r = vb_config_load(&run->cfg, run->config);
	run->error = r < 0 ? r : 0;
	if (r == -EPERM)
		return VB_STATE_CONFIG_REFUSED;
	if (r == -ENOENT && !must && run->cmd.n_claims == 0)
		return VB_STATE_NO_CONFIG;
	if (r < 0 && (r != -ENOENT || must))
		return VB_STATE_CONFIG_REFUSED;
	run->error = 0;
	run->have_cfg = r == 0;
	return -1;
}

static int scan_and_plan(struct vb_run *run)
{
	int r;

	vb_plan_free(&run->plan);
	vb_pci_free(&run->pci);
	r = vb_pci_scan(&run->pci);
	if (r < 0) {
		snprintf(run->failed_at, sizeof(run->failed_at), "reading %s/sys/bus/pci/devices",
			 vb_root());
		return r;
	}
	r = vb_plan_build(&run->plan, run->have_cfg ? &run->cfg : NULL, &run->cmd, &run->pci);
	if (r < 0)
		snprintf(run->failed_at, sizeof(run->failed_at), "planning");
	return r;
}

/* Thunderbolt and slow buses show up late: rescan until they do or the wait is over. */
static int plan_with_wait(struct vb_run *run)
{
	uint64_t deadline = vb_now_usec() + (run->wait ? run->cfg.wait_usec : 0);
	int r;

	for (;;) {
		r = scan_and_plan(run);
		if (r < 0)
			return r;
		if (!vb_plan_waiting(&run->plan) || vb_now_usec() >= deadline)
			return 0;
		log_debug("devices missing, rescanning");
		usleep(RESCAN_USEC);
	}
}

enum vb_run_state vb_run_prepare(struct vb_run *run)
{
	int r;

	r = vb_cmdline_load(&run->cmd);
	if (r < 0)
		log_warn(r, "reading %s/proc/cmdline: %m; going on without it", vb_root());
	if (run->follow_debug && run->cmd.debug)
		vb_log_set_max_level(LOG_DEBUG);
	if (run->cmd.off)
		return VB_STATE_OFF;

	r = load_config(run);
	if (r >= 0)
		return r;
	if (run->config_loaded)
		run->config_loaded(run, run->userdata);
	if (run->records)
		vb_run_record_invalid_sections(&run->cfg);

	r = plan_with_wait(run);
	if (r < 0) {
		run->error = r;
		return VB_STATE_ERROR;
	}
	return VB_STATE_DONE;
}

static void log_section(const struct vb_plan_section *s)
{
	char src[300];
	int level;

	vb_plan_section_source(s, src, sizeof(src));
	switch (s->status) {
	case VB_PLAN_OK:
	case VB_PLAN_NONE:
	case VB_SECTION_PENDING: /* its devices come later: no error */
		level = LOG_INFO;
		break;
	default:
		level = LOG_ERR;
		break;
	}
	vb_log_full(level, 0, "[device %s] %s: %s", s->name, src, s->why);
	for (size_t i = 0; i < s->n_details; i++)
		vb_log_full(level, 0, "[device %s]   %s", s->name, s->details[i]);
}

/*
 * Says each section (a dry run prints the plan; the log would only say it again), records
 * the ones that claim nothing, counts the refused and the pending ones; whether any claims.
 * A pending section with some of its devices here claims those.
 */
static bool report_plan(struct vb_run *run)
{
	bool any = false;

	for (size_t i = 0; i < run->plan.n_sections; i++) {
		const struct vb_plan_section *s = &run->plan.sections[i];

		if (run->dry_run)
			(void)vb_plan_print_section(run->out, &run->pci, s);
		else
			log_section(s);
		if (vb_plan_section_claims(s) && s->n_devs)
			any = true;
		else if (!vb_plan_section_claims(s)) {
			if (s->status == VB_SECTION_PENDING)
				run->pending++;
			else if (s->status != VB_PLAN_NONE)
				run->refused++;
			if (run->records)
				vb_run_record_section(run, s, s->status, s->why);
		}
	}
	return any;
}

static void refuse_all(struct vb_run *run, const char *why)
{
	for (size_t i = 0; i < run->plan.n_sections; i++) {
		const struct vb_plan_section *s = &run->plan.sections[i];
		if (vb_plan_section_claims(s)) {
			run->refused++;
			if (run->records)
				vb_run_record_section(run, s, VB_SECTION_FAILED, why);
		}
	}
}

/*
 * On a tree, the modules would go into the running kernel, not the tree's: each that the
 * tree lacks is only said. A dry run says what it would do at boot, as on the host.
 */
static int load_modules(const struct vb_run *run)
{
	static const char *const modules[] = {"vfio_iommu_type1", "vfio_pci", NULL};
	int r = 0;

	if (!run->load_modules)
		return -EOPNOTSUPP;
	if (vb_root_is_host() || run->dry_run || run->load_on_tree)
		return run->load_modules(modules, run->dry_run);
	for (const char *const *m = modules; *m; m++) {
		if (vb_existsf("/sys/module/%s", *m))
			continue;
		log_notice("not loading module %s: %s is not the running system", *m, vb_root());
		r = -EOPNOTSUPP;
	}
	return r;
}

int vb_run_need_vfio(struct vb_run *run)
{
	int r = load_modules(run);

	if (r < 0 && !vb_exists(VFIO_DRIVER)) {
		log_err(r,
			"vfio-pci is not available: claiming nothing, the devices stay with their host drivers");
		refuse_all(run, "vfio-pci could not be loaded");
		return r;
	}
	if (!run->dry_run && !vb_exists(VFIO_DRIVER)) {
		log_err(-ENOENT,
			"module vfio_pci is there, but %s/sys/bus/pci/drivers/vfio-pci is not: claiming nothing",
			vb_root());
		refuse_all(run, "the vfio-pci driver is not registered");
		return -ENOENT;
	}
	return 0;
}

/* A device an earlier section of the plan claims already: this one has it too. */
static bool seen_before(const struct vb_plan *plan, size_t sec, size_t dev)
{
	for (size_t i = 0; i < sec; i++)
		if (vb_plan_section_claims(&plan->sections[i]) &&
		    vb_plan_section_has(&plan->sections[i], dev))
			return true;
	return false;
}

static void claim_one(struct vb_run *run, const struct vb_plan_section *s,
		      const struct vb_plan_dev *pd, struct vb_claim_result *res)
{
	const struct vb_pci_dev *d = &run->pci.devs[pd->dev];

	if (run->dry_run) {
		char desc[VB_PCI_DESCRIBE_MAX];
		vb_pci_describe(d, desc, sizeof(desc));
		fprintf(run->out, "  %s (%s):\n", desc, pd->reason);
	}
	(void)vb_claim_device(d, run->dry_run ? run->out : NULL, res);
	if (res->outcome == VB_OUTCOME_FAILED) {
		char src[300];
		vb_plan_section_source(s, src, sizeof(src));
		log_err(0, "[device %s] %s: %s [%04x:%04x] not claimed: %s", s->name, src, d->addr,
			d->vendor, d->device, res->error);
		run->failed++;
		return;
	}
	if (res->outcome != VB_OUTCOME_PLANNED)
		run->claimed++;
	if (res->outcome == VB_OUTCOME_CLAIMED)
		log_notice("[device %s] claimed %s [%04x:%04x] (%s), was %s", s->name, d->addr,
			   d->vendor, d->device, pd->reason, strna(res->driver_before));
	else if (res->outcome == VB_OUTCOME_ALREADY)
		log_info("[device %s] %s is already on vfio-pci", s->name, d->addr);
}

static void claim_devs(struct vb_run *run, const struct vb_plan_section *s)
{
	unsigned ok = 0, bad = 0;
	char reason[512];

	for (size_t i = 0; i < s->n_devs; i++) {
		const struct vb_plan_dev *pd = &s->devs[i];
		struct vb_claim_result res;

		if (seen_before(&run->plan, s - run->plan.sections, pd->dev)) {
			ok++;
			continue;
		}
		claim_one(run, s, pd, &res);
		if (res.outcome == VB_OUTCOME_FAILED)
			bad++;
		else
			ok++;
		if (run->records)
			vb_run_record_device(run, s, pd, &run->pci.devs[pd->dev], &res);
		vb_claim_result_done(&res);
	}
	if (run->dry_run)
		return;
	snprintf(reason, sizeof(reason), "%u of %zu devices on vfio-pci", ok, s->n_devs);
	/* All that is here is claimed, and more is to come: the record says what it waits for. */
	if (bad == 0 && s->status == VB_SECTION_PENDING) {
		snprintf(reason, sizeof(reason), "%u of %zu devices on vfio-pci; %s", ok, s->n_devs,
			 s->why);
		run->pending++;
	}
	if (run->records)
		vb_run_record_section(run, s,
				      bad == 0 && s->status == VB_SECTION_PENDING
					      ? VB_SECTION_PENDING
				      : bad == 0 ? VB_SECTION_CLAIMED
				      : ok	 ? VB_SECTION_PARTIAL
						 : VB_SECTION_FAILED,
				      reason);
	if (bad && ok)
		log_err(0,
			"[device %s] only partly claimed: %u of %zu devices; the guest cannot use it as it is",
			s->name, ok, s->n_devs);
}

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

static bool vf_chosen(const struct vb_device *c, unsigned i)
{
	return i < VB_VFS_MAX && (c->vf_index[i / 64] >> (i % 64)) & 1;
}

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

		if (vf_chosen(s->cfg, i) || vb_sriov_vf_addr(pf->addr, i, vf) < 0)
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

static void claim_vfs(struct vb_run *run, size_t idx)
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
		r = run->rescan ? run->rescan(run) : scan_and_plan(run);
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
	} else if (s->status == VB_PLAN_OK && s->n_devs) {
		claim_devs(run, s);
	} else if (s->status != VB_PLAN_OK) {
		log_section(s);
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

void vb_run_claim_section(struct vb_run *run, const struct vb_plan_section *s)
{
	if (s->cfg->vfs)
		claim_vfs(run, s - run->plan.sections);
	else
		claim_devs(run, s);
}

enum vb_run_state vb_run_claim(struct vb_run *run)
{
	if (!report_plan(run))
		return VB_STATE_DONE;
	if (vb_run_need_vfio(run) < 0)
		return VB_STATE_NO_VFIO;
	for (size_t i = 0; i < run->plan.n_sections; i++) {
		const struct vb_plan_section *s = &run->plan.sections[i];

		if (!vb_plan_section_claims(s) || !s->n_devs)
			continue;
		if (run->dry_run)
			fprintf(run->out, "[device %s] writes:\n", s->name);
		vb_run_claim_section(run, s);
	}
	return VB_STATE_DONE;
}

void vb_run_free(struct vb_run *run)
{
	vb_plan_free(&run->plan);
	vb_pci_free(&run->pci);
	vb_config_free(&run->cfg);
	vb_cmdline_free(&run->cmd);
}
