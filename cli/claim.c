// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot claim SECTION|ADDRESS: the binder's claim of one section, by hand, after boot: the
 * same plan and guards (vb_run_prepare), the same claim and records (vb_run_claim_section).
 * All or nothing: when a device of the section fails, every device this claim moved goes back
 * to the driver it had (release.h), and the records say so.
 */
#include <errno.h>

#include "change.h"
#include "cli.h"
#include "log.h"
#include "plan.h"
#include "record.h"
#include "release-record.h"
#include "release.h"
#include "sysroot.h"
#include "util.h"

static const char usage[] =
	"Usage: vfio-boot claim SECTION|ADDRESS [--dry-run] [--root DIR] [--config FILE]\n"
	"\n"
	"Moves the devices of a [device] section (or one device, as vfio_boot.claim=\n"
	"would) to vfio-pci now, with the binder's guards. If one fails, the devices\n"
	"moved are given back. Exits 2 when the plan refuses or the claim fails.\n";

/* Gives back what this claim moved; how many could not be given back. */
static unsigned roll_back(const struct vb_run *run, const struct vb_plan_section *s,
			  char *const *before, const char *failed)
{
	unsigned bad = 0;

	for (size_t i = 0; i < s->n_devs; i++) {
		const char *addr = run->pci.devs[s->devs[i].dev].addr;
		_cleanup_free_ char *now = NULL;
		struct vb_release_result res;
		char reason[512];
		int r;

		if (streq_ptr(before[i], "vfio-pci") || vb_pci_read_driver(addr, &now) < 0 ||
		    !streq_ptr(now, "vfio-pci"))
			continue;
		r = vb_release_device(addr, NULL, &res);
		if (r < 0) {
			log_err(r, "[device %s] %s: could not be given back: %s", s->name, addr,
				res.error);
			bad++;
		} else {
			log_notice("[device %s] %s given back to %s (it had %s)", s->name, addr,
				   strna(res.driver_after), strna(before[i]));
			snprintf(reason, sizeof(reason),
				 "given back: the claim of the section failed at %s", failed);
			if (run->records)
				vb_release_record_device(addr, s->name, reason, res.driver_after,
							 VB_BY_CLAIM);
		}
		vb_release_result_done(&res);
	}
	return bad;
}

/* The first device of s not on vfio-pci now: where the claim failed. */
static const char *first_failed(const struct vb_run *run, const struct vb_plan_section *s)
{
	for (size_t i = 0; i < s->n_devs; i++) {
		const char *addr = run->pci.devs[s->devs[i].dev].addr;
		_cleanup_free_ char *now = NULL;

		(void)vb_pci_read_driver(addr, &now);
		if (!streq_ptr(now, "vfio-pci"))
			return addr;
	}
	return "?";
}

static int claim(struct vb_run *run, struct vb_plan_section *s)
{
	_cleanup_free_ char **before = NULL;
	char src[300], reason[700];
	_cleanup_free_ char *error = NULL;
	const char *at;
	unsigned failed0 = run->failed, bad;
	bool records = run->records;
	int r;

	if (s->status != VB_PLAN_OK && s->status != VB_SECTION_PENDING) {
		vb_plan_print_section(stderr, &run->pci, s);
		log_err(0, "[device %s] refused (%s): claiming nothing", s->name,
			vb_section_status_to_string(s->status));
		return EXIT_PROBLEM;
	}
	if (s->status == VB_PLAN_OK && !s->n_devs) {
		printf("[device %s] %s\n", s->name, s->why);
		return EXIT_OK;
	}
	/* Only this section's record may say that vfio-pci could not be had. */
	run->records = false;
	r = vb_run_need_vfio(run);
	run->records = records;
	if (r < 0)
		return EXIT_PROBLEM;

	before = calloc(s->n_devs + 1, sizeof(*before));
	if (!before) {
		log_err(-ENOMEM, "out of memory");
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < s->n_devs; i++) {
		const struct vb_pci_dev *d = &run->pci.devs[s->devs[i].dev];
		before[i] = d->driver ? strdup(d->driver) : NULL;
	}
	if (run->dry_run)
		fprintf(run->out, "[device %s] writes:\n", s->name);
	vb_run_claim_section(run, s);
	if (run->dry_run || run->failed == failed0) {
		for (size_t i = 0; i < s->n_devs; i++)
			free(before[i]);
		if (!run->dry_run)
			printf("[device %s] claimed: %zu device%s on vfio-pci\n", s->name,
			       s->n_devs, s->n_devs == 1 ? "" : "s");
		return EXIT_OK;
	}

	at = first_failed(run, s);
	(void)vb_record_get(VB_RECORD_DEVICES, at, VB_KEY_ERROR, &error);
	bad = roll_back(run, s, before, at);
	for (size_t i = 0; i < s->n_devs; i++)
		free(before[i]);
	snprintf(reason, sizeof(reason), "the claim failed at %s (%s); %s", at,
		 error ? error : "see the log",
		 bad ? "some devices it moved could not be given back"
		     : "the devices it moved were given back");
	log_err(0, "[device %s] %s", s->name, reason);
	vb_plan_section_source(s, src, sizeof(src));
	if (run->records)
		vb_release_record_section(s->name, src, NULL, VB_SECTION_FAILED, reason,
					  VB_BY_CLAIM);
	return bad ? EXIT_ERROR : EXIT_PROBLEM;
}

int claim_main(int argc, char **argv)
{
	struct vb_run run = {.records = true, .load_modules = change_modprobe};
	struct change_opts o;
	enum vb_run_state state;
	struct vb_plan_section *s;
	int r;

	r = change_parse(argc, argv, usage, &o);
	if (r >= 0)
		return r;
	run.records = !o.dry_run;
	r = change_prepare(&run, &o, VB_BY_CLAIM, false, &state);
	if (r < 0 && state == VB_STATE_OFF) {
		log_err(0, "vfio_boot=off is on the kernel command line: it turns off every claim, "
			   "at boot and after; claiming nothing");
		r = EXIT_PROBLEM;
	} else if (r < 0) {
		s = change_find(&run, &o);
		if (!s) {
			log_err(0, "no [device %s] section in the config", o.target);
			r = EXIT_PROBLEM;
		} else
			r = claim(&run, s);
	}
	vb_run_free(&run);
	return r;
}
