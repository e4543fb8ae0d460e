// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <time.h>

#include "log.h"
#include "record.h"
#include "run-record.h"
#include "sriov.h"
#include "util.h"

/* A record written after boot says who wrote it and when. */
static void add_after_boot(struct vb_record *rec, const struct vb_run *run)
{
	char when[32] = "";
	struct tm tm;
	time_t now = time(NULL);

	if (!run->after_boot)
		return;
	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	vb_record_add(rec, VB_KEY_TIME, "%s", when);
	vb_record_add(rec, VB_KEY_BY, "%s", strna(vb_record_by_to_string(run->by)));
}

/* Whether the space-separated list has addr. */
static bool list_has(const char *list, const char *addr)
{
	size_t n = strlen(addr);

	for (const char *p = list; p && *p;) {
		if (strncmp(p, addr, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return true;
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return false;
}

void vb_run_record_status(const struct vb_run *run, enum vb_run_state state)
{
	struct vb_record rec = {0};
	int r;

	if (!run->records)
		return;
	vb_record_add(&rec, VB_KEY_VERSION, "1");
	vb_record_add(&rec, VB_KEY_STATE, "%s", vb_run_state_to_string(state));
	vb_record_add(&rec, VB_KEY_CLAIMED, "%u", run->claimed);
	vb_record_add(&rec, VB_KEY_FAILED, "%u", run->failed);
	vb_record_add(&rec, VB_KEY_SECTIONS, "%zu", run->plan.n_sections);
	vb_record_add(&rec, VB_KEY_REFUSED, "%u", run->refused);
	vb_record_add(&rec, VB_KEY_CONFIG_ERRORS, "%u", run->cfg.n_errors);
	r = vb_record_write(&rec, NULL, VB_RECORD_STATUS);
	if (r < 0)
		log_err(r, "writing %s/status: %m", VB_RUN_DIR);
}

void vb_run_record_invalid_sections(const struct vb_config *cfg)
{
	for (size_t i = 0; i < cfg->n_sections; i++) {
		const struct vb_section *s = &cfg->sections[i];
		struct vb_record rec = {0};
		int r;

		if (s->type != VB_SEC_DEVICE || !s->bad)
			continue;
		vb_record_add(&rec, VB_KEY_NAME, "%s", s->name);
		vb_record_add(&rec, VB_KEY_SOURCE, "%s:%u", s->file, s->line);
		vb_record_add(&rec, VB_KEY_STATUS, "%s",
			      vb_section_status_to_string(VB_SECTION_INVALID));
		vb_record_add(&rec, VB_KEY_REASON,
			      "the section has errors (see the kernel log); it was skipped");
		vb_record_add(&rec, VB_KEY_DEVICES, "%s", "");
		r = vb_record_write(&rec, VB_RECORD_SECTIONS, s->name);
		if (r < 0)
			log_err(r, "writing %s/sections/%s: %m", VB_RUN_DIR, s->name);
	}
}

void vb_run_record_section(const struct vb_run *run, const struct vb_plan_section *s,
			   enum vb_section_status status, const char *reason)
{
	const struct vb_pci *pci = &run->pci;
	_cleanup_free_ char *held = NULL;
	struct vb_record rec = {0};
	char src[300], devs[1024] = "";
	size_t n = 0;
	int r;

	/*
	 * After boot the plan sees part of the tree: what the section held before stays in its
	 * record beside what it takes now. A refusal then leaves a record that holds devices as
	 * it is: the log says why the new device was not taken.
	 */
	if (run->after_boot) {
		r = vb_record_get(VB_RECORD_SECTIONS, s->name, VB_KEY_DEVICES, &held);
		if (r < 0 && r != -ENOENT)
			log_warn(r, "reading %s/sections/%s: %m", VB_RUN_DIR, s->name);
		if (held && *held && status < VB_SECTION_CLAIMED)
			return;
		if (held)
			n = snprintf(devs, sizeof(devs), "%s", held);
	}
	vb_plan_section_source(s, src, sizeof(src));
	for (size_t i = 0; i < s->n_devs && n < sizeof(devs); i++) {
		const char *a = pci->devs[s->devs[i].dev].addr;

		if (!list_has(devs, a))
			n += snprintf(devs + n, sizeof(devs) - n, "%s%s", n ? " " : "", a);
	}
	vb_record_add(&rec, VB_KEY_NAME, "%s", s->name);
	vb_record_add(&rec, VB_KEY_SOURCE, "%s", src);
	vb_record_add(&rec, VB_KEY_STATUS, "%s", vb_section_status_to_string(status));
	vb_record_add(&rec, VB_KEY_REASON, "%s", reason);
	vb_record_add(&rec, VB_KEY_DEVICES, "%s", devs);
	add_after_boot(&rec, run);
	r = vb_record_write(&rec, VB_RECORD_SECTIONS, s->name);
	if (r < 0)
		log_err(r, "writing %s/sections/%s: %m", VB_RUN_DIR, s->name);
}

void vb_run_record_device(const struct vb_run *run, const struct vb_plan_section *s,
			  const struct vb_plan_dev *pd, const struct vb_pci_dev *d,
			  const struct vb_claim_result *res)
{
	struct vb_record rec = {0};
	char pf[VB_ADDR_MAX];
	int r, index;

	vb_record_add(&rec, VB_KEY_ADDRESS, "%s", d->addr);
	vb_record_add(&rec, VB_KEY_ID, "%04x:%04x", d->vendor, d->device);
	vb_record_add(&rec, VB_KEY_SUBSYSTEM, "%04x:%04x", d->sub_vendor, d->sub_device);
	vb_record_add(&rec, VB_KEY_CLASS, "0x%06x", d->class_code);
	vb_record_add(&rec, VB_KEY_SECTION, "%s", s->name);
	vb_record_add(&rec, VB_KEY_REASON, "%s", pd->reason);
	vb_record_add(&rec, VB_KEY_OUTCOME, "%s", vb_device_outcome_to_string(res->outcome));
	vb_record_add(&rec, VB_KEY_DRIVER_BEFORE, "%s", strna(res->driver_before));
	vb_record_add(&rec, VB_KEY_DRIVER, "%s", strna(res->driver_after));
	if (res->outcome == VB_OUTCOME_FAILED)
		vb_record_add(&rec, VB_KEY_ERROR, "%s", res->error);
	add_after_boot(&rec, run);
	if (run->after_boot && vb_sriov_vf_of(d->addr, pf, &index) >= 0) {
		vb_record_add(&rec, VB_KEY_PF, "%s", pf);
		vb_record_add(&rec, VB_KEY_VF_INDEX, "%d", index);
	}
	r = vb_record_write(&rec, VB_RECORD_DEVICES, d->addr);
	if (r < 0)
		log_err(r, "writing %s/devices/%s: %m", VB_RUN_DIR, d->addr);
}
