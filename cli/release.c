// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot release SECTION|ADDRESS: gives the devices of a section (its record's, else the
 * plan's), or one device, back to their host drivers (release.h). Nothing is changed while a
 * process holds one of their group files: it is named instead. Never unloads a module.
 */
#include <errno.h>

#include "change.h"
#include "cli.h"
#include "log.h"
#include "plan.h"
#include "record.h"
#include "release-record.h"
#include "release.h"
#include "strbuf.h"
#include "sysroot.h"
#include "util.h"

static const char usage[] =
	"Usage: vfio-boot release SECTION|ADDRESS [--dry-run] [--root DIR] [--config FILE]\n"
	"\n"
	"Gives the devices of a [device] section (or one device) on vfio-pci back to\n"
	"their host drivers and says which driver took each. Refuses, naming the\n"
	"process, while one holds a device's /dev/vfio/N. Exits 2 when refused.\n";

struct target {
	char *section; /* the section its records go to, NULL: none */
	char *source;  /* the plan's file:line of it, NULL: none */
	char **addrs;
	size_t n_addrs, alloc_addrs;
};

static int add_addr(struct target *t, const char *addr)
{
	if (vb_strv_contains(t->addrs, t->n_addrs, addr))
		return 0;
	return vb_strv_add(&t->addrs, &t->n_addrs, &t->alloc_addrs, addr);
}

/* The devices: those of the section's record, then those the plan gives it now. */
static int collect(struct vb_run *run, const struct change_opts *o, struct target *t)
{
	_cleanup_free_ char *list = NULL;
	const struct vb_plan_section *s = change_find(run, o);
	int r;

	if (o->is_addr) {
		if (vb_record_get(VB_RECORD_DEVICES, o->addr, VB_KEY_SECTION, &t->section) < 0)
			t->section = NULL;
		return add_addr(t, o->addr);
	}
	t->section = strdup(o->target);
	if (!t->section)
		return -ENOMEM;
	r = vb_record_get(VB_RECORD_SECTIONS, o->target, VB_KEY_DEVICES, &list);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == -ENOENT && !s)
		return -ESRCH;
	for (char *save = NULL, *a = list ? strtok_r(list, " ", &save) : NULL; a;
	     a = strtok_r(NULL, " ", &save)) {
		r = add_addr(t, a);
		if (r < 0)
			return r;
	}
	if (s) {
		char src[300];

		vb_plan_section_source(s, src, sizeof(src));
		t->source = strdup(src);
		for (size_t i = 0; i < s->n_devs; i++) {
			r = add_addr(t, run->pci.devs[s->devs[i].dev].addr);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static bool on_vfio(const char *addr)
{
	_cleanup_free_ char *drv = NULL;

	(void)vb_pci_read_driver(addr, &drv);
	return streq_ptr(drv, "vfio-pci");
}

/* Whether every device of the section (its record's, else those released) is off vfio-pci. */
static bool section_all_off(const struct target *t)
{
	_cleanup_free_ char *list = NULL;

	if (vb_record_get(VB_RECORD_SECTIONS, t->section, VB_KEY_DEVICES, &list) < 0 || !*list) {
		for (size_t i = 0; i < t->n_addrs; i++)
			if (on_vfio(t->addrs[i]))
				return false;
		return true;
	}
	for (char *save = NULL, *a = strtok_r(list, " ", &save); a; a = strtok_r(NULL, " ", &save))
		if (on_vfio(a))
			return false;
	return true;
}

static int release(const struct target *t, bool dry_run)
{
	char reason[1024] = "", line[256];
	size_t n = 0, given = 0, held = 0, failed = 0;

	/* Nothing is touched while anything holds any of them. */
	for (size_t i = 0; i < t->n_addrs; i++) {
		struct vb_release_result res;

		if (!on_vfio(t->addrs[i]))
			continue;
		if (vb_release_check(t->addrs[i], &res) == -EBUSY) {
			log_err(0, "%s: %s", t->addrs[i], res.error);
			held++;
		}
		vb_release_result_done(&res);
	}
	if (held) {
		log_err(0, "releasing nothing: %zu device%s in use", held,
			held == 1 ? " is" : "s are");
		return EXIT_PROBLEM;
	}

	for (size_t i = 0; i < t->n_addrs; i++) {
		const char *addr = t->addrs[i];
		struct vb_release_result res;
		int r;

		if (dry_run && on_vfio(addr))
			printf("  %s:\n", addr);
		r = vb_release_device(addr, dry_run ? stdout : NULL, &res);
		if (r == -EALREADY) {
			printf("%s: not on vfio-pci (driver: %s): nothing to give back\n", addr,
			       strna(res.driver_after));
		} else if (r < 0) {
			log_err(r, "%s: not given back: %s", addr, res.error);
			failed++;
		} else if (!dry_run) {
			given++;
			if (res.driver_after)
				printf("%s: given back, now on %s\n", addr, res.driver_after);
			else
				printf("%s: given back; no driver took it (none is loaded for it, or "
				       "it has none)\n",
				       addr);
			snprintf(line, sizeof(line), "given back by vfio-boot release, now on %s",
				 strna(res.driver_after));
			vb_release_record_device(addr, t->section ? t->section : "", line,
						 res.driver_after, VB_BY_RELEASE);
			if (n < sizeof(reason))
				n += snprintf(reason + n, sizeof(reason) - n, "%s%s (%s)",
					      n ? ", " : "", addr, strna(res.driver_after));
		}
		vb_release_result_done(&res);
	}
	if (dry_run)
		return failed ? EXIT_ERROR : EXIT_OK;
	if (given && t->section && section_all_off(t)) {
		char why[1100];

		char devs[1024] = "";
		size_t k = 0;

		for (size_t i = 0; i < t->n_addrs && k < sizeof(devs); i++)
			k += snprintf(devs + k, sizeof(devs) - k, "%s%s", i ? " " : "",
				      t->addrs[i]);
		snprintf(why, sizeof(why), "given back to the host drivers: %s", reason);
		vb_release_record_section(t->section, t->source, devs, VB_SECTION_RELEASED, why,
					  VB_BY_RELEASE);
	}
	return failed ? EXIT_ERROR : EXIT_OK;
}

int release_main(int argc, char **argv)
{
	struct vb_run run = {0};
	struct target t = {0};
	struct change_opts o;
	enum vb_run_state state;
	int r;

	r = change_parse(argc, argv, usage, &o);
	if (r >= 0)
		return r;
	/* Only the plan is wanted of the run: the records are this command's own. */
	r = change_prepare(&run, &o, VB_BY_RELEASE, true, &state);
	if (r < 0) {
		r = collect(&run, &o, &t);
		if (r == -ESRCH) {
			log_err(0, "no [device %s] section in the config and no record of it",
				o.target);
			r = EXIT_PROBLEM;
		} else if (r < 0) {
			log_err(r, "reading the records of %s: %m", o.target);
			r = EXIT_ERROR;
		} else {
			if (o.dry_run)
				printf("%s writes:\n", o.target);
			r = release(&t, o.dry_run);
		}
	}
	free(t.section);
	free(t.source);
	vb_strv_free(t.addrs, t.n_addrs);
	vb_run_free(&run);
	return r;
}
