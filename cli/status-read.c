// SPDX-License-Identifier: GPL-2.0-or-later
/* What vfio-boot status reports, read once: the config, the tree, the plan, the records, the units. */
#include <errno.h>
#include <stdarg.h>

#include "boot-framebuffer.h"
#include "log.h"
#include "readonly.h"
#include "record.h"
#include "status.h"
#include "sysroot.h"
#include "util.h"
#include "viable.h"

static void add_reason(struct dev_status *d, const char *fmt, ...) _printf_(2, 3);
static void add_reason(struct dev_status *d, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (d->n_reasons >= REASONS_MAX)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) >= 0)
		d->reasons[d->n_reasons++] = s;
	va_end(ap);
}

/* Everything that keeps addr off vfio-pci, or 0 reasons when it is on it. */
static void examine(const struct vb_pci *pci, const char *addr, struct dev_status *d)
{
	_cleanup_free_ char *outcome = NULL, *error = NULL, *fb_fix = NULL;
	struct boot_framebuffer fb;
	const struct vb_pci_dev *pd = vb_pci_find(pci, addr);
	struct vb_viable v;
	int r;

	snprintf(d->addr, sizeof(d->addr), "%s", addr);
	d->present = pd != NULL;
	if (!pd) {
		add_reason(d, "not present: no such device in %s/sys/bus/pci/devices", vb_root());
		return;
	}
	d->driver = pd->driver ? strdup(pd->driver) : NULL;
	d->on_vfio = streq_ptr(pd->driver, "vfio-pci");
	(void)vb_record_get(VB_RECORD_DEVICES, addr, VB_KEY_TIME, &d->time);
	(void)vb_record_get(VB_RECORD_DEVICES, addr, VB_KEY_BY, &d->by);
	if (d->on_vfio)
		return;
	r = vb_record_get(VB_RECORD_DEVICES, addr, VB_KEY_OUTCOME, &outcome);
	if (r >= 0 && vb_device_outcome_from_string(outcome) == VB_OUTCOME_RELEASED) {
		_cleanup_free_ char *why = NULL;

		/* Given back on purpose: where it went is all there is to say. */
		d->released = true;
		(void)vb_record_get(VB_RECORD_DEVICES, addr, VB_KEY_REASON, &why);
		add_reason(d, "released%s%s%s%s: %s", d->by ? " by " : "", d->by ? d->by : "",
			   d->time ? " at " : "", d->time ? d->time : "", why ? why : "given back");
		return;
	}
	if (pd->driver_gone)
		add_reason(
			d,
			"its driver link points to %s, which is not there (no %s/sys/bus/pci/drivers/%s): the driver was removed or unloaded while it held the device; remove and rescan the device (echo 1 > /sys/bus/pci/devices/%s/remove; echo 1 > /sys/bus/pci/rescan) and check that its driver loads",
			pd->driver, vb_root(), pd->driver, addr);
	else
		add_reason(d, pd->driver ? "held by %s" : "no driver bound%s",
			   pd->driver ? pd->driver : "");
	if (r == -ENOENT)
		add_reason(d, "the binder did not act on it at boot (no %s/devices/%s)", VB_RUN_DIR,
			   addr);
	else if (r >= 0) {
		int o = vb_device_outcome_from_string(outcome);

		(void)vb_record_get(VB_RECORD_DEVICES, addr, VB_KEY_ERROR, &error);
		if (o == VB_OUTCOME_FAILED)
			add_reason(d, "the binder failed to claim it at boot: %s",
				   error && *error ? error : "no error recorded");
		else if (d->by)
			add_reason(d, "%s %s it at %s; something rebound it since", d->by,
				   o == VB_OUTCOME_ALREADY ? "found it on vfio-pci" : "claimed",
				   d->time ? d->time : "an unknown time");
		else
			add_reason(d, "the binder %s it at boot; something rebound it since",
				   o == VB_OUTCOME_ALREADY ? "found it on vfio-pci" : "claimed");
	}
	r = boot_framebuffer_holder(addr, &fb);
	if (r > 0 && boot_framebuffer_fix(fb.holder, &fb_fix) >= 0)
		add_reason(d, "firmware framebuffer %s holds its memory (/proc/iomem): %s",
			   fb.holder, fb_fix);
	boot_framebuffer_done(&fb);
	r = vb_group_viable(pci, addr, &v);
	if (r == -ENXIO)
		add_reason(d, "no IOMMU group: the IOMMU is off");
	else if (r == -EBUSY && !streq(v.blocker, addr))
		add_reason(d, "IOMMU group %d is not viable: %s is on %s", v.group, v.blocker,
			   strna(v.blocker_driver));
	else if (r == -EIO)
		add_reason(d, "IOMMU group %d cannot be shown viable: %s cannot be read (%s)",
			   v.group, v.blocker[0] ? v.blocker : addr, strna(v.blocker_unreadable));
}

/* The devices of a section: what the binder recorded, else what the plan would claim now. */
static int section_devices(const struct vb_pci *pci, const struct vb_plan_section *ps,
			   const char *name, char **list)
{
	size_t len = 0;
	int r = vb_record_get(VB_RECORD_SECTIONS, name, VB_KEY_DEVICES, list);

	if (r >= 0 && **list)
		return 0;
	free(*list);
	*list = NULL;
	if (r < 0 && r != -ENOENT)
		return r;
	if (!ps || ps->status != VB_PLAN_OK || !ps->n_devs)
		return 0;
	*list = calloc(ps->n_devs, VB_ADDR_MAX + 1);
	if (!*list)
		return -ENOMEM;
	for (size_t i = 0; i < ps->n_devs; i++)
		len += sprintf(*list + len, "%s%s", i ? " " : "", pci->devs[ps->devs[i].dev].addr);
	return 0;
}

static const struct vb_plan_section *plan_find(const struct vb_plan *plan, const char *name)
{
	for (size_t i = 0; i < plan->n_sections; i++)
		if (plan->sections[i].file && streq(plan->sections[i].name, name))
			return &plan->sections[i];
	return NULL;
}

int status_collect(struct status *st, const char *config)
{
	int r;

	r = inspect_load_config(config, &st->cfg, &st->have_cfg);
	if (r == -EPERM)
		return log_err(r, "the config is refused (%s)", st->cfg.refused);
	if (r < 0)
		return log_err(r, "reading the config: %m");
	r = vb_pci_scan(&st->pci);
	if (r >= 0)
		r = vb_pci_load_links(&st->pci);
	if (r < 0)
		return log_err(r, "reading %s/sys/bus/pci/devices: %m", vb_root());
	(void)vb_cmdline_load(&st->cmd);
	if (!st->have_cfg)
		return 0;
	r = vb_plan_build(&st->plan, &st->cfg, &st->cmd, &st->pci);
	if (r < 0)
		return log_err(r, "planning: %m");
	(void)vb_record_get_status(VB_KEY_STATE, &st->binder_state);

	st->secs = calloc(st->cfg.n_sections + 1, sizeof(*st->secs));
	if (!st->secs)
		return log_err(-ENOMEM, "out of memory");
	for (size_t i = 0; i < st->cfg.n_sections; i++) {
		const struct vb_section *sec = &st->cfg.sections[i];
		const struct vb_plan_section *ps;
		struct section_status *ss;
		_cleanup_free_ char *list = NULL;

		if (sec->type != VB_SEC_DEVICE)
			continue;
		ss = &st->secs[st->n_secs++];
		ss->name = sec->name;
		ps = sec->bad ? NULL : plan_find(&st->plan, sec->name);
		ss->plan = ps ? ps->status : VB_SECTION_INVALID;
		ss->why = ps ? ps->why : "the section has errors in the config";
		(void)vb_record_get(VB_RECORD_SECTIONS, sec->name, VB_KEY_STATUS, &ss->record);
		(void)vb_record_get(VB_RECORD_SECTIONS, sec->name, VB_KEY_REASON, &ss->reason);
		(void)vb_record_get(VB_RECORD_SECTIONS, sec->name, VB_KEY_TIME, &ss->time);
		(void)vb_record_get(VB_RECORD_SECTIONS, sec->name, VB_KEY_BY, &ss->by);
		r = section_devices(&st->pci, ps, sec->name, &list);
		if (r < 0)
			return log_err(r, "reading the records of [device %s]: %m", sec->name);
		ss->devs = calloc(list ? strlen(list) / 2 + 1 : 1, sizeof(*ss->devs));
		if (!ss->devs)
			return log_err(-ENOMEM, "out of memory");
		for (char *save = NULL, *a = list ? strtok_r(list, " ", &save) : NULL; a;
		     a = strtok_r(NULL, " ", &save))
			examine(&st->pci, a, &ss->devs[ss->n_devs++]);
	}

	r = status_collect_guests(st);
	if (r >= 0)
		r = status_collect_usb(st);
	return r;
}

void status_free(struct status *st)
{
	for (size_t i = 0; i < st->n_secs; i++) {
		for (size_t k = 0; k < st->secs[i].n_devs; k++) {
			free(st->secs[i].devs[k].driver);
			free(st->secs[i].devs[k].time);
			free(st->secs[i].devs[k].by);
			for (size_t n = 0; n < st->secs[i].devs[k].n_reasons; n++)
				free(st->secs[i].devs[k].reasons[n]);
		}
		free(st->secs[i].devs);
		free(st->secs[i].record);
		free(st->secs[i].reason);
		free(st->secs[i].time);
		free(st->secs[i].by);
	}
	free(st->secs);
	status_free_guests_usb(st);
	free(st->binder_state);
	vb_guests_free(&st->guests);
	vb_bridges_free(&st->bridges);
	vb_plan_free(&st->plan);
	vb_cmdline_free(&st->cmd);
	vb_pci_free(&st->pci);
	vb_config_free(&st->cfg);
}

bool status_section_pending(const struct section_status *ss)
{
	return (ss->record && vb_section_status_from_string(ss->record) == VB_SECTION_PENDING) ||
	       (!ss->n_devs && ss->plan == VB_SECTION_PENDING);
}
