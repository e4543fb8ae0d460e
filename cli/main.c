// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot: the command for everything after the binder. Each subcommand lives in its own
 * file and parses its own options; this file only dispatches.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "change.h"
#include "cli.h"
#include "readonly.h"
#include "log.h"
#include "logsink.h"
#include "util.h"

struct subcommand {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{"guest", guest_main, "start, stop or run a guest (vfio-boot-guest(8))"},
	{"list", list_main, "PCI devices by IOMMU group"},
	{"plan", plan_main, "what the binder would claim at the next boot, and why"},
	{"status", status_main, "whether the configured devices are on vfio-pci, and why not"},
	{"claim", claim_main, "move a section's devices to vfio-pci now, with the binder's guards"},
	{"release", release_main, "give a section's devices back to their host drivers"},
	{"check", check_main, "whether this host and each device are ready for the guest"},
};

/*
 * Run at exit: a report cut short by a full disk must not pass for a whole one. A reader that
 * went away (EPIPE, as with `| head`) is no error of ours.
 */
static void close_stdout(void)
{
	bool failed_before = ferror(stdout);
	int r = 0;

	/* The errno of a write that failed before is gone; fclose's own failure still has it. */
	if (fclose(stdout) != 0)
		r = -errno;
	if (r == -EPIPE || (!failed_before && r == 0))
		return;
	if (r < 0)
		log_err(r, "writing the output: %m");
	else
		log_err(0, "writing the output failed");
	_exit(EXIT_OUTPUT);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: vfio-boot COMMAND [OPTIONS] ARGS...\n"
		   "       vfio-boot --help | --version\n"
		   "\n"
		   "Commands:\n");
	for (size_t i = 0; i < ELEMENTSOF(subcommands); i++)
		fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(f, "\n'vfio-boot COMMAND --help' tells more.\n");
}

int main(int argc, char **argv)
{
	vb_logsink_stderr("vfio-boot");
	atexit(close_stdout);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (streq(argv[1], "--version")) {
		printf("vfio-boot %s\n", VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < ELEMENTSOF(subcommands); i++)
		if (streq(argv[1], subcommands[i].name))
			return subcommands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "vfio-boot: unknown command \"%s\"\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
