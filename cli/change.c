// SPDX-License-Identifier: GPL-2.0-or-later
/* What claim and release share: options, the run after boot, the section, the module loader. */
#include <errno.h>
#include <sys/wait.h>

#include "change.h"
#include "cli.h"
#include "log.h"
#include "readonly.h"
#include "sysroot.h"
#include "util.h"

int change_parse(int argc, char **argv, const char *usage, struct change_opts *o)
{
	struct inspect_opts io;
	struct vb_pci_addr a;
	int r;

	*o = (struct change_opts){0};
	r = cli_parse(argc, argv, usage, OPT_DRY_RUN | OPT_TARGET, &io);
	if (r >= 0)
		return r;
	o->target = io.target;
	o->dry_run = io.dry_run;
	o->config = io.config;
	if (vb_pci_addr_parse(o->target, &a) >= 0) {
		o->is_addr = true;
		vb_pci_addr_format(&a, o->addr);
	}
	return -1;
}

static int add_address(struct vb_run *run, const char *addr)
{
	struct vb_cmdline one;
	char line[64];
	int r;

	snprintf(line, sizeof(line), "vfio_boot.claim=%s", addr);
	r = vb_cmdline_parse(&one, line);
	if (r < 0 || one.n_claims != 1) {
		vb_cmdline_free(&one);
		return r < 0 ? r : -EINVAL;
	}
	r = GROW(run->cmd.claims, run->cmd.alloc_claims, run->cmd.n_claims + 1);
	if (r < 0) {
		vb_cmdline_free(&one);
		return r;
	}
	run->cmd.claims[run->cmd.n_claims++] = TAKE_PTR(one.claims[0]);
	one.n_claims = 0;
	vb_cmdline_free(&one);
	return 0;
}

int change_prepare(struct vb_run *run, const struct change_opts *o, enum vb_record_by by,
		   bool plan_optional, enum vb_run_state *state)
{
	int r;

	run->config = o->config;
	run->config_must_exist = o->config != NULL;
	run->after_boot = true;
	run->by = by;
	run->dry_run = o->dry_run;
	run->out = stdout;
	*state = vb_run_prepare(run);
	switch (*state) {
	case VB_STATE_DONE:
		break;
	case VB_STATE_OFF:
		return -1; /* each command says what it means to it */
	case VB_STATE_NO_CONFIG:
		if (o->is_addr)
			break;
		if (plan_optional)
			return -1;
		log_err(0, "there is no %s: no section \"%s\"", VB_CONFIG_FILE, o->target);
		return EXIT_PROBLEM;
	case VB_STATE_CONFIG_REFUSED:
		if (plan_optional)
			return -1; /* the records alone will do */
		log_err(run->error, "the config is refused (%s)",
			*run->cfg.refused ? run->cfg.refused : strerror(-run->error));
		return EXIT_PROBLEM;
	default:
		log_err(run->error, "%s: %m", run->failed_at);
		return EXIT_ERROR;
	}
	if (!o->is_addr)
		return -1;
	/* An address is a one-device section with the defaults' caution, as vfio_boot.claim=. */
	r = add_address(run, o->addr);
	if (r < 0) {
		log_err(r, "%s: %m", o->addr);
		return EXIT_ERROR;
	}
	vb_plan_free(&run->plan);
	if (!run->pci.devs) {
		r = vb_pci_scan(&run->pci);
		if (r < 0) {
			log_err(r, "reading %s/sys/bus/pci/devices: %m", vb_root());
			return EXIT_ERROR;
		}
	}
	r = vb_plan_build(&run->plan, run->have_cfg ? &run->cfg : NULL, &run->cmd, &run->pci);
	if (r < 0) {
		log_err(r, "planning: %m");
		return EXIT_ERROR;
	}
	*state = VB_STATE_DONE;
	return -1;
}

struct vb_plan_section *change_find(struct vb_run *run, const struct change_opts *o)
{
	char name[VB_ADDR_MAX + sizeof(VB_CMDLINE_CLAIM_SECTION)];

	snprintf(name, sizeof(name), "%s%s", o->is_addr ? VB_CMDLINE_CLAIM_SECTION : "",
		 o->is_addr ? o->addr : o->target);
	for (size_t i = 0; i < run->plan.n_sections; i++)
		if (streq(run->plan.sections[i].name, name))
			return &run->plan.sections[i];
	return NULL;
}

/*
 * modprobe(8) rather than a loader of our own: it reads modprobe.d (blacklists, softdeps,
 * vfio-pci's options) exactly as the rest of the system does, and the command stays free of
 * libkmod. Only what is not loaded yet is asked for.
 */
int change_modprobe(const char *const *names, bool dry_run)
{
	const char *argv[8] = {"modprobe", "-a"};
	size_t n = 2;
	int status;
	pid_t pid;

	for (const char *const *m = names; *m && n < ELEMENTSOF(argv) - 1; m++)
		if (!vb_existsf("/sys/module/%s", *m))
			argv[n++] = *m;
	if (n == 2)
		return 0;
	if (dry_run) {
		printf("  would run: modprobe -a");
		for (size_t i = 2; i < n; i++)
			printf(" %s", argv[i]);
		printf("\n");
		return 0;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return log_err(-errno, "starting modprobe: %m");
	if (pid == 0) {
		execvp("modprobe", (char **)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return log_err(-errno, "waiting for modprobe: %m");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return log_err(-ENOPKG,
			       "modprobe -a %s%s%s failed (status %d): load vfio-pci first",
			       argv[2], n > 3 ? " " : "", n > 3 ? argv[3] : "",
			       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
