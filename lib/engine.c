// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "claim.h"
#include "engine-internal.h"
#include "engine.h"
#include "log.h"
#include "run-record.h"
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

int vb_run_scan_and_plan(struct vb_run *run)
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
		r = vb_run_scan_and_plan(run);
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

void vb_run_log_section(const struct vb_plan_section *s)
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
			vb_run_log_section(s);
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

/*
 * At boot the binder runs before udev loads host drivers: one that holds a device already is
 * built into the kernel (it bound during the kernel's own start) or was loaded by something
 * that ran earlier (a hook that forces a driver in early). Said once the device is claimed.
 */
static void say_prebound(const struct vb_plan_section *s, const char *addr, const char *drv)
{
	_cleanup_free_ char *mod = vb_claim_driver_module(drv);

	if (!mod)
		return;
	if (vb_existsf("/sys/module/%s/initstate", mod))
		log_notice(
			"[device %s] %s was on %s before the binder ran: module %s was loaded already (by a hook or script that ran earlier); unbound it",
			s->name, addr, drv, mod);
	else
		log_notice(
			"[device %s] %s was on %s before the binder ran: %s is built into the kernel, so it bound the device while the kernel started; unbound it",
			s->name, addr, drv, mod);
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
	if (res->outcome == VB_OUTCOME_CLAIMED) {
		log_notice("[device %s] claimed %s [%04x:%04x] (%s), was %s", s->name, d->addr,
			   d->vendor, d->device, pd->reason, strna(res->driver_before));
		if (res->driver_before && !run->after_boot)
			say_prebound(s, d->addr, res->driver_before);
	} else if (res->outcome == VB_OUTCOME_ALREADY)
		log_info("[device %s] %s is already on vfio-pci", s->name, d->addr);
}

void vb_run_claim_devs(struct vb_run *run, const struct vb_plan_section *s)
{
	unsigned ok = 0, bad = 0;
	char reason[512], failed[384] = "";
	size_t nf = 0;

	for (size_t i = 0; i < s->n_devs; i++) {
		const struct vb_plan_dev *pd = &s->devs[i];
		struct vb_claim_result res;

		if (seen_before(&run->plan, s - run->plan.sections, pd->dev)) {
			ok++;
			continue;
		}
		/* A record after boot names a VF's PF and index. */
		if (run->after_boot)
			(void)vb_pci_load_sriov(&run->pci.devs[pd->dev]);
		claim_one(run, s, pd, &res);
		if (res.outcome == VB_OUTCOME_FAILED) {
			bad++;
			/* The record says which failed and why, as the log does. */
			if (nf < sizeof(failed))
				nf += snprintf(failed + nf, sizeof(failed) - nf,
					       "%s%s not claimed: %s", nf ? "; " : "",
					       run->pci.devs[pd->dev].addr, res.error);
		} else
			ok++;
		if (run->records)
			vb_run_record_device(run, s, pd, &run->pci.devs[pd->dev], &res);
		vb_claim_result_done(&res);
	}
	if (run->dry_run)
		return;
	snprintf(reason, sizeof(reason), "%u of %zu devices on vfio-pci%s%s", ok, s->n_devs,
		 bad ? "; " : "", failed);
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

void vb_run_claim_section(struct vb_run *run, const struct vb_plan_section *s)
{
	if (s->cfg->vfs)
		vb_run_claim_vfs(run, s - run->plan.sections);
	else
		vb_run_claim_devs(run, s);
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

bool vb_run_section_on_vfio(const struct vb_run *run, const struct vb_plan_section *s)
{
	for (size_t i = 0; i < s->n_devs; i++)
		if (!streq_ptr(run->pci.devs[s->devs[i].dev].driver, "vfio-pci"))
			return false;
	return true;
}

void vb_run_free(struct vb_run *run)
{
	vb_plan_free(&run->plan);
	vb_pci_free(&run->pci);
	vb_config_free(&run->cfg);
	vb_cmdline_free(&run->cmd);
}
