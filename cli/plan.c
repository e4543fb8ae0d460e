// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot plan: what the binder would claim at the next boot, from the installed config,
 * /proc/cmdline and the devices present now. It runs vb_plan_build, the code the binder runs,
 * so the two cannot disagree; only the binder's wait for late devices is left out.
 */
#include <errno.h>

#include "contract.h"
#include "readonly.h"
#include "json.h"
#include "log.h"
#include "plan.h"
#include "sysroot.h"
#include "util.h"

static const char usage[] = "Usage: vfio-boot plan [--root DIR] [--config FILE] [--json]\n"
			    "\n"
			    "What the binder would claim at the next boot, section by section,\n"
			    "and why a section would claim nothing.\n";

struct plan_ctx {
	struct vb_cmdline cmd;
	struct vb_config cfg;
	struct vb_pci pci;
	struct vb_plan plan;
	enum vb_run_state state; /* as the binder's status record */
	bool have_cfg;
	char why[700]; /* the state said in words, with the reason for a refusal */
};

static void ctx_free(struct plan_ctx *c)
{
	vb_plan_free(&c->plan);
	vb_pci_free(&c->pci);
	vb_config_free(&c->cfg);
	vb_cmdline_free(&c->cmd);
}

/* The binder's run_binder() up to the plan, without changing anything. */
static int build(struct plan_ctx *c, const char *config)
{
	int r;

	r = vb_cmdline_load(&c->cmd);
	if (r < 0)
		log_warn(r, "reading %s/proc/cmdline: %m; going on without it", vb_root());
	if (c->cmd.off) {
		c->state = VB_STATE_OFF;
		return 0;
	}
	r = inspect_load_config(config, &c->cfg, &c->have_cfg);
	if (r < 0) {
		/* Said here whole, even when the log went elsewhere or said nothing. */
		c->state = VB_STATE_CONFIG_REFUSED;
		snprintf(c->why, sizeof(c->why),
			 "the config is refused (%s): the binder would claim nothing",
			 *c->cfg.refused ? c->cfg.refused : strerror(-r));
		return 0;
	}
	if (!c->have_cfg && c->cmd.n_claims == 0) {
		c->state = VB_STATE_NO_CONFIG;
		return 0;
	}
	r = vb_pci_scan(&c->pci);
	if (r < 0)
		return log_err(r, "reading %s/sys/bus/pci/devices: %m", vb_root());
	r = vb_plan_build(&c->plan, c->have_cfg ? &c->cfg : NULL, &c->cmd, &c->pci);
	if (r < 0)
		return log_err(r, "planning: %m");
	c->state = VB_STATE_DONE;
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

static bool section_refused(const struct vb_plan_section *s)
{
	return s->status != VB_PLAN_OK && s->status != VB_PLAN_NONE;
}

static void print_text(const struct plan_ctx *c)
{
	const struct vb_plan *p = &c->plan;
	unsigned claim = 0, refused = 0;
	char src[300], desc[200];

	if (state_text(c)) {
		printf("%s\n", state_text(c));
		return;
	}
	for (size_t i = 0; i < p->n_sections; i++) {
		const struct vb_plan_section *s = &p->sections[i];

		vb_plan_section_source(s, src, sizeof(src));
		printf("[device %s] %s: %s: %s\n", s->name, src,
		       vb_section_status_to_string(s->status), s->why);
		for (size_t k = 0; k < s->n_details; k++)
			printf("  seen: %s\n", s->details[k]);
		for (size_t k = 0; k < s->n_devs && s->status == VB_PLAN_OK; k++) {
			vb_pci_describe(&c->pci.devs[s->devs[k].dev], desc, sizeof(desc));
			printf("  claim %s (%s)\n", desc, s->devs[k].reason);
			claim++;
		}
		refused += section_refused(s);
	}
	for (size_t i = 0; c->have_cfg && i < c->cfg.n_sections; i++) {
		const struct vb_section *s = &c->cfg.sections[i];

		if (s->type == VB_SEC_DEVICE && s->bad) {
			printf("[device %s] %s:%u: %s: the section has errors (see above); the binder would skip it\n",
			       s->name, s->file, s->line,
			       vb_section_status_to_string(VB_SECTION_INVALID));
			refused++;
		}
	}
	printf("\n%zu section%s: %u device%s to claim, %u section%s refused\n", p->n_sections,
	       p->n_sections == 1 ? "" : "s", claim, claim == 1 ? "" : "s", refused,
	       refused == 1 ? "" : "s");
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
	json_close(j, '}');
}

static void print_json(const struct plan_ctx *c)
{
	const struct vb_plan *p = &c->plan;
	char src[300];
	struct json j;

	json_init(&j, stdout);
	json_open(&j, NULL, '{');
	json_str(&j, "state", vb_run_state_to_string(c->state));
	json_str(&j, "why", state_text(c));
	json_int(&j, "config_errors", c->have_cfg ? c->cfg.n_errors : 0);
	json_open(&j, "sections", '[');
	for (size_t i = 0; i < p->n_sections; i++) {
		const struct vb_plan_section *s = &p->sections[i];

		vb_plan_section_source(s, src, sizeof(src));
		json_open(&j, NULL, '{');
		json_str(&j, "name", s->name);
		json_str(&j, "source", src);
		json_str(&j, "status", vb_section_status_to_string(s->status));
		json_bool(&j, "claims", s->status == VB_PLAN_OK && s->n_devs > 0);
		json_str(&j, "why", s->why);
		json_open(&j, "details", '[');
		for (size_t k = 0; k < s->n_details; k++)
			json_str(&j, NULL, s->details[k]);
		json_close(&j, ']');
		/* Only a section that goes ahead claims its devices: the binder's rule. */
		json_open(&j, "devices", '[');
		for (size_t k = 0; k < s->n_devs && s->status == VB_PLAN_OK; k++)
			json_dev(&j, &c->pci.devs[s->devs[k].dev], s->devs[k].reason);
		json_close(&j, ']');
		json_close(&j, '}');
	}
	for (size_t i = 0; c->have_cfg && i < c->cfg.n_sections; i++) {
		const struct vb_section *s = &c->cfg.sections[i];

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

	r = inspect_parse(argc, argv, usage, false, &o);
	if (r >= 0)
		return r;
	if (build(&c, o.config) < 0) {
		ctx_free(&c);
		return EXIT_ERROR;
	}
	if (o.json)
		print_json(&c);
	else
		print_text(&c);
	for (size_t i = 0; i < c.plan.n_sections; i++)
		if (section_refused(&c.plan.sections[i]))
			ret = EXIT_PROBLEM;
	if (c.state == VB_STATE_CONFIG_REFUSED || (c.have_cfg && c.cfg.n_errors))
		ret = EXIT_PROBLEM;
	ctx_free(&c);
	return ret;
}
