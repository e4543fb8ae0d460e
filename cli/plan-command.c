// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot plan: what the binder would claim at the next boot, from the installed config,
 * /proc/cmdline and the devices present now. It runs vb_run_prepare and prints with
 * vb_plan_print_section, as the binder does, so the two cannot disagree; only the binder's
 * wait for late devices is left out.
 */
#include <errno.h>

#include "contract.h"
#include "engine.h"
#include "readonly.h"
#include "json.h"
#include "log.h"
#include "plan.h"
#include "plan-usb.h"
#include "sysroot.h"
#include "util.h"

static const char usage[] =
	"Usage: vfio-boot plan [--root DIR] [--config FILE] [--json] [--verbose]\n"
	"\n"
	"What the binder would claim at the next boot, section by section,\n"
	"and why a section would claim nothing. --verbose also says why a guest\n"
	"with usb = gets no hint to pass a whole USB controller.\n";

struct plan_ctx {
	struct vb_run run;
	enum vb_run_state state; /* as the binder's status record */
	char why[700];		 /* the state said in words, with the reason for a refusal */
};

/* The binder's run up to the plan (vb_run_prepare), without changing anything. */
static int build(struct plan_ctx *c, const char *config)
{
	struct vb_run *run = &c->run;

	run->config = config;
	/* A config file named on the command line that is not there refuses it. */
	run->config_must_exist = true;
	c->state = vb_run_prepare(run);
	if (c->state == VB_STATE_ERROR)
		return log_err(run->error, "%s: %m", run->failed_at);
	if (c->state == VB_STATE_CONFIG_REFUSED)
		/* Said here whole, even when the log went elsewhere or said nothing. */
		snprintf(c->why, sizeof(c->why),
			 "the config is refused (%s): the binder would claim nothing",
			 *run->cfg.refused ? run->cfg.refused : strerror(-run->error));
	return 0;
}

static const char *state_text(const struct plan_ctx *c)
{
	switch (c->state) {
	case VB_STATE_OFF:
		return "vfio_boot=off is on the kernel command line: the binder would claim nothing";
	case VB_STATE_NO_CONFIG:
		return "there is no " VB_CONFIG_FILE ": the binder would claim nothing";
	case VB_STATE_CONFIG_REFUSED:
		return c->why;
	default:
		return NULL;
	}
}

/* Pending is no refusal: its devices come later. */
static bool section_refused(const struct vb_plan_section *s)
{
	return s->status != VB_PLAN_OK && s->status != VB_PLAN_NONE &&
	       s->status != VB_SECTION_PENDING;
}

static void print_text(const struct plan_ctx *c)
{
	const struct vb_plan *p = &c->run.plan;
	const struct vb_config *cfg = &c->run.cfg;
	size_t claim = 0;
	unsigned refused = 0, pending = 0;

	if (state_text(c)) {
		printf("%s\n", state_text(c));
		return;
	}
	for (size_t i = 0; i < p->n_sections; i++) {
		claim += vb_plan_print_section(stdout, &c->run.pci, &p->sections[i]);
		refused += section_refused(&p->sections[i]);
		pending += p->sections[i].status == VB_SECTION_PENDING;
	}
	for (size_t i = 0; c->run.have_cfg && i < cfg->n_sections; i++) {
		const struct vb_section *s = &cfg->sections[i];

		if (s->type == VB_SEC_DEVICE && s->bad) {
			printf("[device %s] %s:%u: %s: the section has errors (see above); the binder would skip it\n",
			       s->name, s->file, s->line,
			       vb_section_status_to_string(VB_SECTION_INVALID));
			refused++;
		}
	}
	printf("\n%zu section%s: %zu device%s to claim, %u section%s refused", p->n_sections,
	       p->n_sections == 1 ? "" : "s", claim, claim == 1 ? "" : "s", refused,
	       refused == 1 ? "" : "s");
	if (pending)
		printf(", %u pending", pending);
	printf("\n");
}

static void json_dev(struct json *j, const struct vb_pci_dev *d, const char *reason)
{
	char buf[16];

	json_open(j, NULL, '{');
	json_str(j, "address", d->addr);
	snprintf(buf, sizeof(buf), "%04x:%04x", d->vendor, d->device);
	json_str(j, "id", buf);
	snprintf(buf, sizeof(buf), "%06x", d->class_code);
	json_str(j, "class", buf);
	json_str(j, "driver", d->driver);
	json_str(j, "reason", reason);
	/* The plan read it for each VF it takes. */
	if (d->sriov_read && *d->physfn) {
		json_str(j, "pf", d->physfn);
		json_int(j, "vf_index", d->vf_index);
	}
	json_close(j, '}');
}

static void print_json(const struct plan_ctx *c)
{
	const struct vb_plan *p = &c->run.plan;
	const struct vb_config *cfg = &c->run.cfg;
	char src[300];
	struct json j;

	json_init(&j, stdout);
	json_open(&j, NULL, '{');
	json_str(&j, "state", vb_run_state_to_string(c->state));
	json_str(&j, "why", state_text(c));
	json_int(&j, "config_errors", c->run.have_cfg ? cfg->n_errors : 0);
	json_open(&j, "sections", '[');
	for (size_t i = 0; i < p->n_sections; i++) {
		const struct vb_plan_section *s = &p->sections[i];

		vb_plan_section_source(s, src, sizeof(src));
		json_open(&j, NULL, '{');
		json_str(&j, "name", s->name);
		json_str(&j, "source", src);
		json_str(&j, "status", vb_section_status_to_string(s->status));
		json_bool(&j, "claims", vb_plan_section_claims(s) && s->n_devs > 0);
		json_str(&j, "why", s->why);
		json_open(&j, "details", '[');
		for (size_t k = 0; k < s->n_details; k++)
			json_str(&j, NULL, s->details[k]);
		json_close(&j, ']');
		/* Only a section that goes ahead or waits for more claims: the binder's rule. */
		json_open(&j, "devices", '[');
		for (size_t k = 0; k < s->n_devs && vb_plan_section_claims(s); k++)
			json_dev(&j, &c->run.pci.devs[s->devs[k].dev], s->devs[k].reason);
		json_close(&j, ']');
		json_close(&j, '}');
	}
	for (size_t i = 0; c->run.have_cfg && i < cfg->n_sections; i++) {
		const struct vb_section *s = &cfg->sections[i];

		if (s->type != VB_SEC_DEVICE || !s->bad)
			continue;
		snprintf(src, sizeof(src), "%s:%u", s->file, s->line);
		json_open(&j, NULL, '{');
		json_str(&j, "name", s->name);
		json_str(&j, "source", src);
		json_str(&j, "status", vb_section_status_to_string(VB_SECTION_INVALID));
		json_bool(&j, "claims", false);
		json_str(&j, "why", "the section has errors; the binder would skip it");
		json_open(&j, "details", '[');
		json_close(&j, ']');
		json_open(&j, "devices", '[');
		json_close(&j, ']');
		json_close(&j, '}');
	}
	json_close(&j, ']');
	json_close(&j, '}');
	json_end(&j);
}

int plan_main(int argc, char **argv)
{
	struct plan_ctx c = {0};
	struct inspect_opts o;
	int r, ret = EXIT_OK;

	r = cli_parse(argc, argv, usage, OPT_JSON | OPT_VERBOSE, &o);
	if (r >= 0)
		return r;
	if (build(&c, o.config) < 0) {
		vb_run_free(&c.run);
		return EXIT_ERROR;
	}
	if (o.json)
		print_json(&c);
	else
		print_text(&c);
	/* A hint, after the plan: it changes neither what the binder would do nor the exit. */
	if (!o.json && !state_text(&c) && (r = plan_usb_hints(&c.run, o.verbose, stdout)) < 0)
		log_err(r, "the USB controller hint: %m");
	for (size_t i = 0; i < c.run.plan.n_sections; i++)
		if (section_refused(&c.run.plan.sections[i]))
			ret = EXIT_PROBLEM;
	if (c.state == VB_STATE_CONFIG_REFUSED || (c.run.have_cfg && c.run.cfg.n_errors))
		ret = EXIT_PROBLEM;
	vb_run_free(&c.run);
	return ret;
}
