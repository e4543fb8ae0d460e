// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>

#include "plan-internal.h"
#include "plan.h"
#include "selector.h"
#include "util.h"

void vb_plan_section_source(const struct vb_plan_section *s, char *buf, size_t size)
{
	if (s->file)
		snprintf(buf, size, "%s:%u", s->file, s->line);
	else
		snprintf(buf, size, "kernel command line");
}

void vb_pci_describe(const struct vb_pci_dev *d, char *buf, size_t size)
{
	if (d->unknown & VB_PCI_UNKNOWN_IDS)
		snprintf(buf, size, "%s [unknown ids], driver %s%s", d->addr, strna(d->driver),
			 d->driver_gone ? " (gone)" : "");
	else
		snprintf(buf, size, "%s [%04x:%04x] class %06x, driver %s%s%s", d->addr, d->vendor,
			 d->device, d->class_code, strna(d->driver),
			 d->driver_gone ? " (gone)" : "",
			 d->boot_vga == 1		      ? ", boot display"
			 : d->boot_vga == VB_BOOT_VGA_UNKNOWN ? ", maybe the boot display"
							      : "");
}

/* What of d could not be read, as seen. */
static const char *unreadable_what(const struct vb_pci_dev *d)
{
	if (d->unreadable)
		return d->unreadable;
	if (d->boot_vga == VB_BOOT_VGA_UNKNOWN && d->boot_vga_seen)
		return d->boot_vga_seen;
	return "nothing unreadable";
}

/* When nothing matched, say what is there instead: that is how a changed card is noticed. */
static int explain_absent(struct vb_plan_section *s, struct vb_pci *pci)
{
	const struct vb_selector *sel = &s->cfg->sel;
	char desc[160], addr[VB_ADDR_MAX];
	int r = 0;

	if (sel->terms & VB_SEL_ADDRESS) {
		const struct vb_pci_dev *d;
		vb_pci_addr_format(&sel->addr, addr);
		d = vb_pci_find(pci, addr);
		if (d) {
			vb_pci_describe(d, desc, sizeof(desc));
			r = vb_plan_add_detail(s, "at %s now: %s%s", addr, desc,
					       vb_pci_is_bridge(d) ? " (a bridge: never claimed)"
								   : "");
		} else {
			r = vb_plan_add_detail(s, "no device at %s", addr);
		}
		if (r < 0)
			return r;
	}
	if (sel->terms & VB_SEL_ID) {
		for (size_t i = 0; i < pci->n && r >= 0; i++) {
			struct vb_pci_dev *d = &pci->devs[i];
			if (d->vendor != sel->vendor || d->device != sel->device)
				continue;
			r = vb_pci_load_path(d);
			if (r < 0)
				return r;
			vb_pci_describe(d, desc, sizeof(desc));
			r = vb_plan_add_detail(s, "with id %04x:%04x: %s (path %s)", sel->vendor,
					       sel->device, desc, d->path);
		}
	}
	return r;
}

/*
 * Adds every device the selector matches; *undecided is the first one it cannot tell about,
 * and *term what of it is unknown. Returns how many matched, or a negative errno.
 */
static ssize_t add_matches(struct vb_plan_section *s, struct vb_pci *pci,
			   const struct vb_pci_dev **undecided, const char **term)
{
	ssize_t n = 0;
	int r;

	for (size_t i = 0; i < pci->n; i++) {
		const struct vb_pci_dev *d = &pci->devs[i];
		const char *unknown;
		if (vb_pci_is_bridge(d))
			continue;
		r = vb_selector_eval_load(&s->cfg->sel, &pci->devs[i], &unknown);
		if (r < 0 && r != -ENODATA)
			return r;
		if (r == -ENODATA) {
			/* It may match or not: either way the count would be a guess. */
			r = vb_plan_add_detail(
				s, "cannot tell whether %s matches: its %s is unknown (%s)",
				d->addr, unknown, unreadable_what(d));
			if (r < 0)
				return r;
			if (!*undecided)
				*undecided = d, *term = unknown;
			continue;
		}
		if (r <= 0)
			continue;
		r = vb_plan_add_dev(s, i, VB_PLAN_REASON_MATCHED);
		if (r < 0)
			return r;
		n++;
	}
	return n;
}

/* n devices matched sel where count wants another number: say which, claim none. */
static int refuse_count(struct vb_plan_section *s, struct vb_pci *pci, const char *sel, size_t n)
{
	char desc[160];
	int r;

	for (size_t i = 0; i < s->n_devs; i++) {
		r = vb_pci_load_path(&pci->devs[s->devs[i].dev]);
		if (r < 0)
			return r;
		vb_pci_describe(&pci->devs[s->devs[i].dev], desc, sizeof(desc));
		r = vb_plan_add_detail(s, "matched: %s (path %s)", desc,
				       pci->devs[s->devs[i].dev].path);
		if (r < 0)
			return r;
	}
	if (n == 0) {
		r = explain_absent(s, pci);
		if (r < 0)
			return r;
		r = vb_plan_set_status(
			s, VB_PLAN_ABSENT,
			"no device matches \"%s\": claiming nothing for it; if the card moved or changed, update the match",
			sel);
	} else {
		r = vb_plan_set_status(
			s, n < (size_t)s->cfg->count ? VB_PLAN_TOO_FEW : VB_PLAN_AMBIGUOUS,
			"%zu devices match \"%s\", expected %d: claiming none of them; narrow the match (address=, path=, boot_vga=) or set count",
			n, sel, s->cfg->count);
	}
	vb_plan_drop_devs(s);
	return r;
}

/*
 * A hot-plug section's count is the most devices it takes: those it holds already (held, from
 * its record, on a plan of part of the tree) and those that match now. Fewer is pending: the
 * ones here are claimed, the rest when they appear.
 */
static int match_hotplug(struct vb_plan_section *s, struct vb_pci *pci, const char *sel, size_t n,
			 unsigned held, char **pending)
{
	int count = s->cfg->count;
	size_t total = n + held;
	int r;

	if (count >= 0 && total > (size_t)count && held) {
		r = refuse_count(s, pci, sel, n);
		if (r < 0)
			return r;
		return vb_plan_set_status(
			s, VB_PLAN_AMBIGUOUS,
			"%zu device%s match%s \"%s\" and the section holds %u already: more than its count of %d: claiming none of them; raise count, or release one of those it holds",
			n, n == 1 ? "" : "s", n == 1 ? "es" : "", sel, held, count);
	}
	if (count >= 0 && total > (size_t)count)
		return refuse_count(s, pci, sel, n);
	r = vb_plan_set_status(s, VB_PLAN_OK, "%zu device%s match%s \"%s\"%s", n, n == 1 ? "" : "s",
			       n == 1 ? "es" : "", sel, held ? " besides those it holds" : "");
	if (r < 0 || (count < 0 && total > 0) || total == (size_t)count)
		return r;
	if (count < 0)
		return asprintf_safe(
			pending,
			"no device matches \"%s\" yet: a hot-plug section, whose devices are claimed when they appear",
			sel);
	return asprintf_safe(
		pending,
		"%zu of %d devices of a hot-plug section are here (%zu match \"%s\"%s): %s; waiting for %zu more, claimed when they appear",
		total, count, n, sel, held ? ", the others it holds" : "",
		n ? "those are claimed now" : "nothing to claim yet", count - total);
}

static int match_section(struct vb_plan_section *s, struct vb_pci *pci, unsigned held,
			 char **pending)
{
	const struct vb_device *c = s->cfg;
	_cleanup_free_ char *sel = NULL;
	const struct vb_pci_dev *undecided = NULL;
	const char *term = NULL;
	ssize_t n;
	int r;

	n = add_matches(s, pci, &undecided, &term);
	if (n < 0)
		return n;
	r = vb_selector_format(&c->sel, &sel);
	if (r < 0)
		return r;
	if (undecided) {
		vb_plan_drop_devs(s);
		return vb_plan_set_status(
			s, VB_PLAN_UNREADABLE,
			"cannot tell whether %s matches \"%s\": its %s could not be read (%s): claiming nothing for this section; see why the device cannot be read, or narrow the match (address=, path=) to leave it out",
			undecided->addr, sel, term, unreadable_what(undecided));
	}
	if (c->hotplug)
		return match_hotplug(s, pci, sel, n, held, pending);
	if (c->count < 0 && n == 0)
		return vb_plan_set_status(
			s, VB_PLAN_NONE, "no device matches \"%s\" (count = any): nothing to claim",
			sel);
	if (c->count < 0 || n == c->count)
		return vb_plan_set_status(s, VB_PLAN_OK, "%zd device%s match%s \"%s\"", n,
					  n == 1 ? "" : "s", n == 1 ? "es" : "", sel);
	return refuse_count(s, pci, sel, n);
}

/*
 * The other functions of each matched device's slot. A VF is a device of its own: it has no
 * functions, and is no function of its PF nor of the VFs beside it. Only the matched devices
 * and their slot mates learn whether they are VFs: the scan stays as cheap as it was. One
 * that cannot tell is taken, and refuses the section as unreadable.
 */
static int expand_functions(struct vb_plan_section *s, struct vb_pci *pci)
{
	size_t n = s->n_devs;
	int r;

	for (size_t i = 0; i < n; i++) {
		struct vb_pci_dev *m = &pci->devs[s->devs[i].dev];
		r = vb_pci_load_sriov(m);
		if (r < 0)
			return r;
		if (*m->physfn)
			continue;
		for (size_t j = 0; j < pci->n; j++) {
			struct vb_pci_dev *d = &pci->devs[j];
			if (d == m || !vb_pci_same_slot(d, m) || vb_pci_is_bridge(d))
				continue;
			r = vb_pci_load_sriov(d);
			if (r < 0)
				return r;
			if (*d->physfn)
				continue;
			r = vb_plan_add_dev(s, j, "function of %s", m->addr);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int expand_groups(struct vb_plan_section *s, const struct vb_pci *pci)
{
	/* Devices added here are not expanded again: a group is closed under itself. */
	size_t n = s->n_devs;

	for (size_t i = 0; i < n; i++) {
		const struct vb_pci_dev *m = &pci->devs[s->devs[i].dev];
		if (m->iommu_group < 0)
			continue;
		for (size_t j = 0; j < pci->n; j++) {
			const struct vb_pci_dev *d = &pci->devs[j];
			int r;
			if ((d->iommu_group != m->iommu_group &&
			     d->iommu_group != VB_GROUP_UNKNOWN) ||
			    vb_pci_is_bridge(d))
				continue;
			r = vb_plan_add_dev(
				s, j,
				d->iommu_group == VB_GROUP_UNKNOWN
					? "maybe in IOMMU group %d of %s: its group is unknown"
					: "IOMMU group %d of %s",
				m->iommu_group, m->addr);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int resolve(struct vb_plan_section *s, struct vb_pci *pci, unsigned held)
{
	/* Why the section waits for more: said once its guards have passed what is here. */
	_cleanup_free_ char *pending = NULL;
	int r;

	/* A VF section's count counts PFs; what it holds are VFs. */
	r = match_section(s, pci, s->cfg->vfs ? 0 : held, &pending);
	if (r < 0 || s->status != VB_PLAN_OK)
		return r;
	if (s->cfg->vfs) {
		r = vb_plan_take_vfs(s, pci, &pending);
		if (r < 0 || s->status != VB_PLAN_OK)
			return r;
	}
	if (!s->cfg->functions_only) {
		r = expand_functions(s, pci);
		if (r < 0)
			return r;
	}
	r = vb_plan_check_unreadable(s, pci);
	if (r < 0 || s->status != VB_PLAN_OK)
		return r;
	r = vb_plan_check_iommu(s, pci);
	if (r < 0 || s->status != VB_PLAN_OK)
		return r;
	if (s->cfg->group_claim) {
		r = expand_groups(s, pci);
		if (r < 0)
			return r;
		r = vb_plan_check_unreadable(s, pci);
		if (r < 0 || s->status != VB_PLAN_OK)
			return r;
	}
	r = vb_plan_check_guards(s, pci);
	if (r < 0 || s->status != VB_PLAN_OK || !pending)
		return r;
	return vb_plan_set_status(s, VB_SECTION_PENDING, "%s", pending);
}

static int add_section(struct vb_plan *plan, struct vb_plan_section **ret)
{
	int r = GROW(plan->sections, plan->alloc_sections, plan->n_sections + 1);
	if (r < 0)
		return r;
	*ret = &plan->sections[plan->n_sections++];
	**ret = (struct vb_plan_section){0};
	return 0;
}

static int build(struct vb_plan *plan, const struct vb_config *cfg, const struct vb_cmdline *cmd,
		 struct vb_pci *pci, const unsigned *held)
{
	struct vb_plan_section *s;
	int r;

	*plan = (struct vb_plan){.pci = pci, .held = held};
	for (size_t i = 0; cfg && i < cfg->n_devices; i++) {
		r = add_section(plan, &s);
		if (r < 0)
			goto fail;
		s->cfg = &cfg->devices[i];
		s->file = cfg->devices[i].file;
		s->line = cfg->devices[i].line;
		s->name = strdup(cfg->devices[i].name);
		if (!s->name) {
			r = -ENOMEM;
			goto fail;
		}
	}
	/* A claim from the command line is a one-device section with the defaults' caution. */
	for (size_t i = 0; cmd && i < cmd->n_claims; i++) {
		r = add_section(plan, &s);
		if (r < 0)
			goto fail;
		s->cmdline = (struct vb_device){
			.name = "vfio_boot.claim", .count = 1, .functions_only = true};
		s->cmdline.sel.terms = VB_SEL_ADDRESS;
		vb_pci_addr_parse(cmd->claims[i], &s->cmdline.sel.addr);
		r = asprintf_safe(&s->name, VB_CMDLINE_CLAIM_SECTION "%s", cmd->claims[i]);
		if (r < 0)
			goto fail;
	}
	/* cfg pointers of command-line sections point into the array: set them once it stands. */
	for (size_t i = 0; i < plan->n_sections; i++)
		if (!plan->sections[i].cfg)
			plan->sections[i].cfg = &plan->sections[i].cmdline;

	for (size_t i = 0; i < plan->n_sections; i++) {
		/* The config's sections come first, in its order: held[i] is section i's. */
		bool from_cfg = cfg && i < cfg->n_devices;
		r = resolve(&plan->sections[i], pci, held && from_cfg ? held[i] : 0);
		if (r < 0)
			goto fail;
	}
	r = vb_plan_check_groups(plan);
	if (r < 0)
		goto fail;
	return 0;
fail:
	vb_plan_free(plan);
	return r;
}

int vb_plan_build(struct vb_plan *plan, const struct vb_config *cfg, const struct vb_cmdline *cmd,
		  struct vb_pci *pci)
{
	return build(plan, cfg, cmd, pci, NULL);
}

int vb_plan_build_part(struct vb_plan *plan, const struct vb_config *cfg, struct vb_pci *pci,
		       const unsigned *held)
{
	return build(plan, cfg, NULL, pci, held);
}

bool vb_plan_waiting(const struct vb_plan *plan)
{
	for (size_t i = 0; i < plan->n_sections; i++)
		if (plan->sections[i].status == VB_PLAN_ABSENT ||
		    plan->sections[i].status == VB_PLAN_TOO_FEW)
			return true;
	return false;
}

void vb_plan_free(struct vb_plan *plan)
{
	for (size_t i = 0; i < plan->n_sections; i++) {
		struct vb_plan_section *s = &plan->sections[i];
		for (size_t j = 0; j < s->n_devs; j++)
			free(s->devs[j].reason);
		for (size_t j = 0; j < s->n_details; j++)
			free(s->details[j]);
		free(s->devs);
		free(s->details);
		free(s->why);
		free(s->name);
	}
	free(plan->sections);
	*plan = (struct vb_plan){0};
}
