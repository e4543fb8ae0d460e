// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot check: is this host ready for vfio-boot? One PASS, WARN or FAIL line per item,
 * each failure with what to do about it. Everything is read below --root, so a captured
 * tree gives the same answers as the machine it came from.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "check.h"
#include "readonly.h"
#include "json.h"
#include "log.h"
#include "plan.h"
#include "sysroot.h"
#include "util.h"

static const char usage[] =
	"Usage: vfio-boot check [--root DIR] [--config FILE] [--json|--prometheus]\n"
	"                       [SECTION|ADDRESS]\n"
	"\n"
	"Host readiness: CPU virtualisation, IOMMU, interrupt remapping, vfio\n"
	"modules, /dev/kvm, /dev/vfio/vfio, initramfs images, leftover\n"
	"vfio-pci.ids, IOMMU groups, stray driver_override; then each device of\n"
	"each section: reset, power state,\n"
	"firmware framebuffer, option ROM, BAR sizes, holders, SR-IOV.\n"
	"With SECTION or ADDRESS, only that device's (or section's) checks.\n"
	"Exits 2 when a line is FAIL.\n";

static void report(struct check *c, const struct check_dev *d, enum level level, const char *item,
		   const char *fix, const char *fmt, va_list ap)
{
	struct result *r;

	if (GROW(c->v, c->alloc, c->n + 1) < 0)
		return;
	r = &c->v[c->n++];
	*r = (struct result){level, strdup(item), NULL, fix ? strdup(fix) : NULL};
	if (d) {
		r->device = strdup(check_pci_dev(c, d)->addr);
		r->section = d->section ? strdup(d->section) : NULL;
	}
	if (vasprintf(&r->text, fmt, ap) < 0)
		r->text = NULL;
}

void check_report(struct check *c, enum level level, const char *item, const char *fix,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(c, NULL, level, item, fix, fmt, ap);
	va_end(ap);
}

void check_report_dev(struct check *c, const struct check_dev *d, enum level level,
		      const char *item, const char *fix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(c, d, level, item, fix, fmt, ap);
	va_end(ap);
}

/* Entries of a directory below the root, NULL-terminated and sorted; NULL when unreadable. */
char **check_dir_list(const char *abs, const char *pattern)
{
	_cleanup_free_ char *p = NULL;
	struct dirent **ents;
	char **v;
	int n, k = 0;

	if (vb_path(abs, &p) < 0)
		return NULL;
	n = scandir(p, &ents, NULL, alphasort);
	if (n < 0)
		return NULL;
	v = calloc(n + 1, sizeof(*v));
	for (int i = 0; i < n; i++) {
		if (v && ents[i]->d_name[0] != '.' &&
		    (!pattern || fnmatch(pattern, ents[i]->d_name, 0) == 0))
			v[k++] = strdup(ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return v;
}

void check_list_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

size_t check_list_len(char **v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

void check_free(struct check *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].item);
		free(c->v[i].text);
		free(c->v[i].fix);
		free(c->v[i].device);
		free(c->v[i].section);
	}
	free(c->v);
	vb_plan_free(&c->plan);
	vb_proc_fds_free(&c->fds);
	vb_cmdline_free(&c->cmd);
	vb_pci_free(&c->pci);
	vb_config_free(&c->cfg);
	free(c->proc_cmdline);
}

bool check_claimed(const struct check *c, size_t i)
{
	for (size_t s = 0; s < c->plan.n_sections; s++)
		if (vb_plan_section_claims(&c->plan.sections[s]) &&
		    vb_plan_section_has(&c->plan.sections[s], i))
			return true;
	return false;
}

int check_holders(struct check *c, const char *const paths[], size_t n, struct vb_holders ret[])
{
	if (c->fds_read == 0) {
		int r = vb_proc_fds_scan(&c->fds);

		c->fds_read = r < 0 ? r : 1;
	}
	if (c->fds_read < 0)
		return c->fds_read;
	/* Not even this process: a /proc without processes, as a captured tree has. */
	if (c->fds.procs == 0)
		return -ESRCH;
	vb_holders_lookup(&c->fds, paths, n, ret);
	return 0;
}

/* The config, the PCI devices and the plan, which several checks read. */
static void check_load(struct check *c, const struct inspect_opts *o)
{
	int r;

	(void)vb_read_file("/proc/cmdline", &c->proc_cmdline);
	(void)vb_cmdline_load(&c->cmd);
	r = inspect_load_config(o->config, &c->cfg, &c->have_cfg);
	if (r < 0)
		check_report(c, FAIL, "config", "see the messages above; vfio-boot.conf(5)",
			     "config: refused or unreadable: %s", strerror(-r));
	else if (c->have_cfg && c->cfg.n_errors)
		check_report(c, FAIL, "config", "fix the errors above; vfio-boot.conf(5)",
			     "config: %u error%s", c->cfg.n_errors,
			     c->cfg.n_errors == 1 ? "" : "s");
	if (vb_pci_scan(&c->pci) < 0)
		check_report(c, WARN, "pci", NULL, "cannot read %s/sys/bus/pci/devices", vb_root());
	else if (c->have_cfg && vb_plan_build(&c->plan, &c->cfg, &c->cmd, &c->pci) < 0)
		check_report(c, WARN, "groups", NULL, "cannot plan");
}

int check_main(int argc, char **argv)
{
	struct check c = {0};
	struct inspect_opts o;
	int r;

	r = cli_parse(argc, argv, usage, OPT_JSON | OPT_PROMETHEUS | OPT_TARGET_OPT, &o);
	if (r >= 0)
		return r;
	c.target = o.target;
	check_load(&c, &o);
	if (!c.target) {
		check_cpu(&c);
		check_iommu(&c);
		check_modules(&c);
		check_host_nodes(&c);
		check_images(&c);
		check_leftover_ids(&c);
		check_groups(&c);
		check_overrides(&c);
	}
	if (check_devices(&c) < 0) {
		check_free(&c);
		return EXIT_USAGE;
	}
	r = check_print(&c, o.json ? CHECK_JSON : o.prometheus ? CHECK_PROMETHEUS : CHECK_TEXT);
	check_free(&c);
	return r;
}
