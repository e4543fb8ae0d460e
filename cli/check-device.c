// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The per-device checks: will this device work in the guest? Each device of each configured
 * section, or of the one SECTION or ADDRESS given, goes through every check_dev_*() in turn.
 * A device two sections select is checked once, under the first.
 */
#include <errno.h>

#include "check.h"
#include "log.h"
#include "selector.h"
#include "sysroot.h"
#include "util.h"

static void (*const dev_checks[])(struct check *c, const struct check_dev *d) = {
	check_dev_reset, check_dev_power,   check_dev_framebuffer, check_dev_rom,
	check_dev_bars,	 check_dev_holders, check_dev_sriov,
};

void check_device(struct check *c, const struct check_dev *d)
{
	for (size_t k = 0; k < ELEMENTSOF(dev_checks); k++)
		dev_checks[k](c, d);
}

/*
 * A section with `vfs =` claims VFs, never its PFs: the PFs are no devices of the plan, but
 * whether their VFs are what it asks for is theirs to say (check_dev_sriov), even when the
 * plan claims nothing because the number differs.
 */
static void section_pfs(struct check *c, const struct vb_plan_section *s, const bool *done)
{
	const char *unknown;

	if (!s->cfg || !s->cfg->vfs)
		return;
	for (size_t i = 0; i < c->pci.n; i++) {
		struct check_dev d = {i, s->name, false, s};

		if (!done[i] && vb_selector_eval_load(&s->cfg->sel, &c->pci.devs[i], &unknown) == 1)
			check_dev_sriov(c, &d);
	}
}

static void section_devices(struct check *c, const struct vb_plan_section *s, bool *done)
{
	if (s->n_devs == 0)
		check_report(c, WARN, "devices", "see `vfio-boot plan`",
			     "[device %s]: selects no device at this boot: %s", s->name,
			     strna(s->why));
	for (size_t k = 0; k < s->n_devs; k++) {
		size_t i = s->devs[k].dev;
		struct check_dev d = {i, s->name, vb_plan_section_claims(s), s};

		if (done[i])
			continue;
		done[i] = true;
		check_device(c, &d);
	}
	section_pfs(c, s, done);
}

void check_device_at(struct check *c, size_t i)
{
	struct check_dev d = {.i = i};

	for (size_t s = 0; s < c->plan.n_sections && !d.plan; s++)
		if (vb_plan_section_has(&c->plan.sections[s], i)) {
			d.plan = &c->plan.sections[s];
			d.section = d.plan->name;
			d.claimed = vb_plan_section_claims(d.plan);
		}
	check_device(c, &d);
}

/* The device at addr, under the first section that selects it. */
static int address_device(struct check *c, const char *addr)
{
	const struct vb_pci_dev *dev = vb_pci_find(&c->pci, addr);

	if (!dev)
		return -ENOENT;
	check_device_at(c, (size_t)(dev - c->pci.devs));
	return 0;
}

int check_devices(struct check *c)
{
	_cleanup_free_ bool *done = calloc(c->pci.n + 1, sizeof(*done));
	struct vb_pci_addr a;

	if (!done)
		return -ENOMEM;
	if (c->target && vb_pci_addr_parse(c->target, &a) >= 0) {
		char addr[VB_ADDR_MAX];

		vb_pci_addr_format(&a, addr);
		if (address_device(c, addr) < 0)
			return log_err(-ENOENT, "no PCI device %s below %s/sys/bus/pci/devices",
				       addr, vb_root());
		return 0;
	}
	for (size_t s = 0; s < c->plan.n_sections; s++) {
		const struct vb_plan_section *sec = &c->plan.sections[s];

		if (c->target && !streq(c->target, sec->name))
			continue;
		section_devices(c, sec, done);
		if (c->target)
			return 0;
	}
	if (c->target)
		return log_err(-ENOENT, "no [device %s] section in the config and no such address",
			       c->target);
	return 0;
}
