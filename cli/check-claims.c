// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the config claims against what else would take the devices: vfio-pci.ids left on the
 * kernel command line or in /etc/modprobe.d, and IOMMU groups that the plan refuses.
 */
#include <errno.h>

#include "check.h"
#include "sysroot.h"
#include "util.h"

/* ids: "vvvv:dddd[:ssss:ssss],..." from vfio-pci.ids= or `options vfio-pci ids=`. */
static void judge_ids(struct check *c, const char *where, const char *ids, const char *fix)
{
	_cleanup_free_ char *shown = strndup(ids, strcspn(ids, " \t\n")), *copy = NULL;
	char other[VB_ADDR_MAX] = "";

	if (!shown || !(copy = strdup(shown)))
		return;
	for (char *save = NULL, *id = strtok_r(copy, ",", &save); id;
	     id = strtok_r(NULL, ",", &save)) {
		unsigned v, d;

		if (sscanf(id, "%x:%x", &v, &d) != 2)
			continue;
		for (size_t i = 0; i < c->pci.n && !*other; i++)
			if (c->pci.devs[i].vendor == v && c->pci.devs[i].device == d &&
			    !check_claimed(c, i))
				snprintf(other, sizeof(other), "%s", c->pci.devs[i].addr);
	}
	if (*other)
		check_report(c, FAIL, "leftover-ids", fix,
			     "%s: vfio-pci ids=%s also takes %s, which no [device] section claims",
			     where, shown, other);
	else
		check_report(c, WARN, "leftover-ids", fix,
			     "%s: vfio-pci ids=%s is redundant with vfio-boot's config", where,
			     shown);
}

void check_leftover_ids(struct check *c)
{
	char **confs = check_dir_list("/etc/modprobe.d", "*.conf");
	const char *p;
	size_t before = c->n;

	p = c->proc_cmdline ? strstr(c->proc_cmdline, "vfio-pci.ids=") : NULL;
	if (!p && c->proc_cmdline)
		p = strstr(c->proc_cmdline, "vfio_pci.ids=");
	if (p)
		judge_ids(
			c, "kernel command line", p + strlen("vfio-pci.ids="),
			"remove vfio-pci.ids= from the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub)");
	for (size_t i = 0; confs && confs[i]; i++) {
		_cleanup_free_ char *abs = NULL, *buf = NULL;
		unsigned line = 0;

		if (asprintf_safe(&abs, "/etc/modprobe.d/%s", confs[i]) < 0 ||
		    vb_read_file(abs, &buf) < 0)
			continue;
		for (char *l = buf, *nl; l; l = nl ? nl + 1 : NULL) {
			char where[400], fix[500];
			const char *q;

			nl = strchr(l, '\n');
			if (nl)
				*nl = '\0';
			line++;
			l += strspn(l, " \t");
			if (!(q = startswith(l, "options")) ||
			    (!strstr(q, "vfio-pci") && !strstr(q, "vfio_pci")) ||
			    !(q = strstr(q, "ids=")))
				continue;
			snprintf(where, sizeof(where), "%s:%u", abs, line);
			snprintf(fix, sizeof(fix),
				 "remove the line from %s, then regenerate the initramfs", abs);
			judge_ids(c, where, q + 4, fix);
		}
	}
	check_list_free(confs);
	if (c->n == before)
		check_report(c, PASS, "leftover-ids", NULL,
			     "no vfio-pci.ids= on the kernel command line or in /etc/modprobe.d");
}

/* The plan refuses what would take host-critical devices or split a group: say so here. */
void check_groups(struct check *c)
{
	size_t before = c->n;

	if (!c->have_cfg) {
		check_report(c, PASS, "groups", NULL, "IOMMU groups: no config, nothing to claim");
		return;
	}
	for (size_t i = 0; i < c->plan.n_sections; i++) {
		const struct vb_plan_section *s = &c->plan.sections[i];

		if (s->status == VB_PLAN_GROUP || s->status == VB_PLAN_GUARDED ||
		    s->status == VB_PLAN_UNREADABLE)
			check_report(c, FAIL, "groups", NULL, "[device %s]: %s", s->name, s->why);
	}
	if (c->n == before)
		check_report(
			c, PASS, "groups", NULL,
			"IOMMU groups: no configured device shares a group with a host-critical device");
}
