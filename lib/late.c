// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>

#include "claim.h"
#include "guest.h"
#include "late.h"
#include "log.h"
#include "pci-part.h"
#include "record.h"
#include "run-record.h"
#include "sriov.h"
#include "sysroot.h"
#include "util.h"

#define LOCK_POLL_USEC 20000

int vb_late_action_from_string(const char *s)
{
	if (streq_ptr(s, "add"))
		return VB_LATE_ADD;
	if (streq_ptr(s, "bind"))
		return VB_LATE_BIND;
	return -EINVAL;
}

int vb_late_lock(uint64_t wait_usec)
{
	uint64_t deadline = vb_now_usec() + wait_usec;
	_cleanup_close_ int fd = -EBADF;
	int r;

	r = vb_mkdir_p(VB_RUN_DIR, 0755);
	if (r < 0)
		return r;
	fd = vb_open(VB_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return fd;
	/* Polled, never a blocking flock: udev must get its worker back in bounded time. */
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		if (vb_now_usec() >= deadline)
			return -ETIMEDOUT;
		usleep(LOCK_POLL_USEC);
	}
	r = fd;
	fd = -EBADF;
	return r;
}

/* The sections this event is about; what the device is to them. */
struct late {
	enum vb_late_action action;
	char addr[VB_ADDR_MAX];
	char pf[VB_ADDR_MAX]; /* the device is a VF: its PF */
	int vf_index;
	bool *wants; /* per cfg->devices */
	bool any;
};

/* Which sections want the device d (read alone), and the rest of its slot for a hotplug one. */
static int find_sections(const struct vb_config *cfg, struct vb_pci *one, struct late *l)
{
	struct vb_pci_dev *d = &one->devs[0];
	bool slot_read = false;
	int r;

	for (size_t i = 0; i < cfg->n_devices; i++) {
		const struct vb_device *c = &cfg->devices[i];

		if (c->vfs && l->pf[0]) {
			/* A VF: its PF's section, when it chooses this index. */
			ssize_t k;

			if (l->action != VB_LATE_ADD || !vb_device_vf_chosen(c, l->vf_index))
				continue;
			k = vb_pci_part_add(one, l->pf);
			if (k < 0)
				continue;
			d = vb_pci_find(one, l->addr);
			l->wants[i] = vb_pci_part_matches(&c->sel, &one->devs[k]);
		} else if (c->vfs) {
			l->wants[i] = vb_pci_part_matches(&c->sel, d);
		} else if (c->hotplug && l->action == VB_LATE_ADD && !l->pf[0]) {
			l->wants[i] = vb_pci_part_matches(&c->sel, d);
			/* Another function of its slot may be what the section matched. */
			if (!l->wants[i] && !c->functions_only && d->a.fn != 0) {
				if (!slot_read) {
					r = vb_pci_part_add_slot(one, l->addr);
					if (r < 0)
						return r;
					slot_read = true;
					d = vb_pci_find(one, l->addr);
				}
				for (size_t j = 0; j < one->n && !l->wants[i]; j++)
					l->wants[i] = !vb_pci_is_bridge(&one->devs[j]) &&
						      vb_pci_part_matches(&c->sel, &one->devs[j]);
			}
		}
		l->any |= l->wants[i];
	}
	return 0;
}

/* addr and what a plan needs around it; a PF's VFs and a VF's PF with theirs. */
static int read_part(struct vb_pci *pci, const char *addr)
{
	char pf[VB_ADDR_MAX];
	struct vb_pci_dev *d;
	int r;

	r = vb_pci_part_add_around(pci, addr);
	if (r < 0)
		return r;
	d = vb_pci_find(pci, addr);
	if (!d)
		return -ENODEV;
	r = vb_pci_load_sriov(d);
	if (r < 0)
		return r;
	if (*d->physfn) {
		memcpy(pf, d->physfn, sizeof(pf));
		r = vb_pci_part_add_around(pci, pf);
		if (r < 0)
			return r;
		addr = pf;
	}
	for (unsigned i = 0;; i++) {
		char vf[VB_ADDR_MAX];

		if (vb_pci_sriov_vf(addr, i, vf) < 0)
			break;
		r = vb_pci_part_add_around(pci, vf);
		if (r < 0 && r != -ENODEV)
			return r;
	}
	return 0;
}

/*
 * How many devices each section already holds that this scan does not show, from its record:
 * those it matched (its functions and group members are not counted against count).
 */
static int held_counts(const struct vb_config *cfg, const struct vb_pci *pci, unsigned *held)
{
	for (size_t i = 0; i < cfg->n_devices; i++) {
		_cleanup_free_ char *devs = NULL;
		char *save = NULL;
		int r;

		held[i] = 0;
		if (!vb_record_name_valid(cfg->devices[i].name))
			continue;
		r = vb_record_get(VB_RECORD_SECTIONS, cfg->devices[i].name, VB_KEY_DEVICES, &devs);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		for (char *a = strtok_r(devs, " ", &save); a; a = strtok_r(NULL, " ", &save)) {
			_cleanup_free_ char *reason = NULL;

			if (vb_pci_find(pci, a) || !vb_record_name_valid(a))
				continue;
			if (vb_record_get(VB_RECORD_DEVICES, a, VB_KEY_REASON, &reason) >= 0 &&
			    streq(reason, VB_PLAN_REASON_MATCHED))
				held[i]++;
		}
	}
	return 0;
}

/* The plan's held counts are the late run's: the plan only points to them. */
static void plan_done(struct vb_run *run)
{
	free((void *)run->plan.held);
	vb_plan_free(&run->plan);
}

static int plan_part(struct vb_run *run, const char *const *seeds, size_t n)
{
	_cleanup_free_ unsigned *held = NULL;
	int r;

	plan_done(run);
	vb_pci_free(&run->pci);
	for (size_t i = 0; i < n; i++) {
		r = read_part(&run->pci, seeds[i]);
		if (r < 0 && r != -ENODEV) {
			snprintf(run->failed_at, sizeof(run->failed_at), "reading %s/sys around %s",
				 vb_root(), seeds[i]);
			return r;
		}
	}
	r = vb_pci_part_finish(&run->pci);
	if (r < 0)
		return r;
	held = calloc(run->cfg.n_devices + 1, sizeof(*held));
	if (!held)
		return -ENOMEM;
	r = held_counts(&run->cfg, &run->pci, held);
	if (r < 0) {
		snprintf(run->failed_at, sizeof(run->failed_at), "reading %s/sections", VB_RUN_DIR);
		return r;
	}
	r = vb_plan_build_part(&run->plan, &run->cfg, &run->pci, held);
	if (r < 0) {
		snprintf(run->failed_at, sizeof(run->failed_at), "planning");
		return r;
	}
	held = NULL; /* the plan's now */
	return 0;
}

/* Once VFs were made: the same part again, which now has them. */
static int rescan_part(struct vb_run *run)
{
	_cleanup_free_ char(*addrs)[VB_ADDR_MAX] = malloc(run->pci.n * VB_ADDR_MAX + 1);
	_cleanup_free_ const char **seeds = calloc(run->pci.n + 1, sizeof(*seeds));
	size_t n = run->pci.n;

	if (!addrs || !seeds)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		memcpy(addrs[i], run->pci.devs[i].addr, VB_ADDR_MAX);
		seeds[i] = addrs[i];
	}
	return plan_part(run, seeds, n);
}

/*
 * A host driver bound the device inside the kernel's device_add, before udev ran the rule:
 * its module was loaded already. Said once the device is claimed, with how to keep it out.
 */
static void say_race(const char *section, const char *addr, const char *drv)
{
	_cleanup_free_ char *now = NULL, *mod = NULL;

	if (vb_pci_read_driver(addr, &now) < 0 || !streq(now, "vfio-pci"))
		return;
	mod = vb_claim_driver_module(drv);
	log_warn(
		0,
		"[device %s] %s was bound to %s when it appeared (module %s was loaded already, so it probed the device before the udev rule ran): unbound it and claimed it; to keep %s off it, add \"softdep %s pre: vfio-pci\" to a file in /etc/modprobe.d, or blacklist %s",
		section, addr, drv, strna(mod), drv, strna(mod), strna(mod));
}

static void claim_hotplug(struct vb_run *run, size_t idx)
{
	const struct vb_plan_section *s = &run->plan.sections[idx];
	char **before;

	run->by = VB_BY_HOTPLUG;
	if (s->status != VB_PLAN_OK || !s->n_devs) {
		char src[300];

		vb_plan_section_source(s, src, sizeof(src));
		log_err(0, "[device %s] %s: %s", s->name, src, s->why);
		for (size_t i = 0; i < s->n_details; i++)
			log_err(0, "[device %s]   %s", s->name, s->details[i]);
		run->refused++;
		if (run->records)
			vb_run_record_section(run, s, s->status, s->why);
		return;
	}
	/* Coldplug replays add for what the binder claimed at boot: its records stay. */
	if (vb_run_section_on_vfio(run, s)) {
		log_debug("[device %s] its devices are on vfio-pci already", s->name);
		return;
	}
	before = calloc(s->n_devs, sizeof(*before));
	for (size_t i = 0; before && i < s->n_devs; i++) {
		const char *drv = run->pci.devs[s->devs[i].dev].driver;

		if (drv && !streq(drv, "vfio-pci"))
			before[i] = strdup(drv);
	}
	vb_run_claim_section(run, s);
	for (size_t i = 0; before && i < s->n_devs; i++) {
		if (before[i])
			say_race(s->name, run->pci.devs[s->devs[i].dev].addr, before[i]);
		free(before[i]);
	}
	free(before);
}

static int event_locked(struct vb_run *run, struct late *l)
{
	const char *seeds[] = {l->addr};
	bool claims = false;
	int r;

	run->have_cfg = true;
	run->rescan = rescan_part;
	r = plan_part(run, seeds, 1);
	if (r < 0)
		return r;
	/* Sections this event is not about stay out of this run, and out of its records. */
	for (size_t i = 0; i < run->plan.n_sections; i++) {
		struct vb_plan_section *s = &run->plan.sections[i];

		if (!l->wants[i])
			s->status = VB_PLAN_NONE;
		else if (s->cfg->vfs || (s->status == VB_PLAN_OK && s->n_devs))
			claims = true;
	}
	if (claims && vb_run_need_vfio(run) < 0)
		return 0;
	for (size_t i = 0; i < run->cfg.n_devices; i++) {
		if (!l->wants[i])
			continue;
		if (run->cfg.devices[i].vfs) {
			run->by = VB_BY_SRIOV;
			vb_run_claim_section(run, &run->plan.sections[i]);
		} else {
			claim_hotplug(run, i);
		}
	}
	return 0;
}

/*
 * The lock of runs after boot, or a negative errno, said here when another run holds it and
 * left in run->failed_at otherwise. A dry run writes nothing, the lock file included: it only
 * reads, as another run may.
 */
static int take_lock(struct vb_run *run, const char *addr)
{
	int lock;

	if (run->dry_run)
		return -EBADF;
	lock = vb_late_lock(VB_LOCK_WAIT_USEC);
	if (lock == -ETIMEDOUT)
		log_err(lock,
			"%s: waiting for %s: %m; another vfio-boot run holds it: leaving the device as it is (run `vfio-boot claim` by hand)",
			addr, VB_LOCK_FILE);
	/* Not another run's doing: the caller says what failed, once. */
	else if (lock < 0)
		snprintf(run->failed_at, sizeof(run->failed_at), "taking the lock %s%s", vb_root(),
			 VB_LOCK_FILE);
	return lock;
}

int vb_late_event(struct vb_run *run, enum vb_late_action action, const char *addr)
{
	_cleanup_close_ int lock = -EBADF;
	_cleanup_free_ bool *wants = NULL;
	struct vb_pci one = {0};
	struct late l = {.action = action, .vf_index = -1};
	bool any_late = false;
	ssize_t k;
	int r;

	run->after_boot = true;
	r = vb_cmdline_load(&run->cmd);
	if (r < 0)
		log_warn(r, "reading %s/proc/cmdline: %m; going on without it", vb_root());
	if (run->follow_debug && run->cmd.debug)
		vb_log_set_max_level(LOG_DEBUG);
	if (run->cmd.off) {
		log_debug("vfio_boot=off on the kernel command line: nothing for %s", addr);
		return 0;
	}
	/*
	 * Coldplug replays add for every PCI device: the config's messages, said here, would fill
	 * the kernel log once per device. The boot's run said them; an event says how many, once,
	 * and only when it concerns a section.
	 */
	r = vb_config_load_quiet(&run->cfg, run->config);
	if (r == -ENOENT && !(run->config && run->config_must_exist))
		return 0;
	if (r == -EPERM) {
		log_debug("%s: the config is refused (%s): nothing done", addr, run->cfg.refused);
		return 0;
	}
	if (r < 0)
		return r;
	for (size_t i = 0; i < run->cfg.n_devices; i++)
		any_late |= run->cfg.devices[i].hotplug || run->cfg.devices[i].vfs;
	if (!any_late)
		return 0;

	k = vb_pci_part_add(&one, addr);
	if (k < 0) {
		vb_pci_free(&one);
		return k == -ENODEV ? 0 : (int)k;
	}
	snprintf(l.addr, sizeof(l.addr), "%s", one.devs[k].addr);
	r = vb_pci_load_sriov(&one.devs[k]);
	memcpy(l.pf, one.devs[k].physfn, sizeof(l.pf));
	l.vf_index = one.devs[k].vf_index;
	wants = l.wants = calloc(run->cfg.n_devices + 1, sizeof(*wants));
	if (r >= 0)
		r = wants ? find_sections(&run->cfg, &one, &l) : -ENOMEM;
	vb_pci_free(&one);
	if (r < 0)
		return r;
	if (!l.any) {
		log_debug("%s: no hotplug or vfs section wants it", l.addr);
		return 0;
	}
	if (run->cfg.n_errors)
		log_err(0,
			"the config has %u error%s; `vfio-boot check` shows them (sections with errors are skipped)",
			run->cfg.n_errors, run->cfg.n_errors == 1 ? "" : "s");

	lock = take_lock(run, l.addr);
	if (lock < 0 && !run->dry_run)
		return lock;
	r = event_locked(run, &l);
	plan_done(run);
	return r;
}

int vb_late_settled(const struct vb_plan *plan, const struct vb_plan_section *s, char *why,
		    size_t size)
{
	_cleanup_free_ char *status = NULL;
	int st, r;

	r = vb_section_claimed(s->name, &status);
	if (r < 0)
		return r;
	st = vb_section_status_from_string(status);
	if (st != VB_SECTION_PENDING && st != VB_SECTION_MISSING) {
		snprintf(why, size, "its record says status=%s", status);
		return 1;
	}
	if (vb_plan_section_claims(s)) {
		for (size_t i = 0; i < s->n_devs; i++) {
			const struct vb_pci_dev *d = &plan->pci->devs[s->devs[i].dev];

			if (!streq_ptr(d->driver, "vfio-pci")) {
				snprintf(why, size,
					 "%s is here, on %s, not on vfio-pci yet (status=%s)",
					 d->addr, d->driver ? d->driver : "no driver", status);
				return 0;
			}
		}
		snprintf(why, size, "its %zu device%s here %s on vfio-pci (status=%s)", s->n_devs,
			 s->n_devs == 1 ? "" : "s", s->n_devs == 1 ? "is" : "are", status);
		return 1;
	}
	/* Its PF is here: its VFs come once the PF's host driver has bound. */
	if (s->cfg && s->cfg->vfs && s->status == VB_SECTION_PENDING) {
		snprintf(why, size, "%s", s->why);
		return 0;
	}
	snprintf(why, size, "nothing of it is here to claim: %s", s->why ? s->why : "no plan");
	return 1;
}

static const struct vb_plan_section *plan_section(const struct vb_plan *plan, const char *name)
{
	for (size_t i = 0; i < plan->n_sections; i++)
		if (streq(plan->sections[i].name, name))
			return &plan->sections[i];
	return NULL;
}

/* Whether every section named is settled on a plan of the tree now; says what it waits for. */
static int late_round(const struct vb_config *cfg, const struct vb_cmdline *cmd,
		      const char *const *sections, size_t n, bool *said, bool last,
		      uint64_t wait_usec)
{
	struct vb_pci pci = {0};
	struct vb_plan plan = {0};
	unsigned to_come = 0;
	int r;

	r = vb_pci_scan(&pci);
	if (r < 0) {
		log_err(r, "reading %s/sys/bus/pci/devices: %m", vb_root());
		goto out;
	}
	r = vb_plan_build(&plan, cfg, cmd, &pci);
	if (r < 0) {
		log_err(r, "planning: %m");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct vb_plan_section *s = plan_section(&plan, sections[i]);
		char why[600];

		if (!s) {
			if (!said[i])
				log_warn(0, "[device %s] is not in the config: not waiting for it",
					 sections[i]);
			said[i] = true;
			continue;
		}
		r = vb_late_settled(&plan, s, why, sizeof(why));
		if (r < 0) {
			log_err(r, "reading the record of [device %s] in %s/sections: %m", s->name,
				VB_RUN_DIR);
			goto out;
		}
		if (r > 0) {
			log_debug("[device %s] settled: %s", s->name, why);
			continue;
		}
		to_come++;
		if (last)
			log_err(0,
				"[device %s] is not settled after %lu s: %s; what is ordered after this starts anyway",
				s->name, vb_usec_to_sec_ceil(wait_usec), why);
		else if (!said[i])
			log_notice("waiting up to %lu s for [device %s]: %s",
				   vb_usec_to_sec_ceil(wait_usec), s->name, why);
		said[i] = true;
	}
	r = to_come ? 0 : 1;
out:
	vb_plan_free(&plan);
	vb_pci_free(&pci);
	return r;
}

int vb_late_wait(const struct vb_config *cfg, const struct vb_cmdline *cmd,
		 const char *const *sections, size_t n, uint64_t wait_usec)
{
	uint64_t deadline = vb_now_usec() + wait_usec, now;
	_cleanup_free_ bool *said = calloc(n + 1, sizeof(*said));
	int r;

	if (!said)
		return -ENOMEM;
	for (;;) {
		bool last = vb_now_usec() >= deadline;

		r = late_round(cfg, cmd, sections, n, said, last, wait_usec);
		if (r != 0)
			return r < 0 ? r : 0;
		if (last)
			return -ETIMEDOUT;
		now = vb_now_usec();
		/* The last round comes at the deadline, not up to a poll after it. */
		usleep(now >= deadline			       ? 0
		       : deadline - now < VB_SECTION_POLL_USEC ? deadline - now
							       : VB_SECTION_POLL_USEC);
	}
}
