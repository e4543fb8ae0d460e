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
	{"export", export_main, "the claimed devices as KubeVirt, Nova or Proxmox config"},
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
	fprintf(f, "Usage: vfio-boot [--root DIR] [--config FILE] COMMAND [OPTIONS] ARGS...\n"
		   "       vfio-boot --help | --version\n"
		   "\n"
		   "Commands:\n");
	for (size_t i = 0; i < ELEMENTSOF(subcommands); i++)
		fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(f, "\n--root and --config go before COMMAND or after it, as every command takes\n"
		   "them. 'vfio-boot COMMAND --help' tells more.\n");
}

/*
 * How many words of argv, from i, the global option there takes (1 or 2, "--root DIR" or
 * "--root=DIR"); 0 when argv[i] is none.
 */
static int global_option(int argc, char **argv, int i)
{
	static const char *const globals[] = {"--root", "--config"};

	for (size_t k = 0; k < ELEMENTSOF(globals); k++) {
		const char *rest = startswith(argv[i], globals[k]);

		if (rest && *rest == '=')
			return 1;
		if (rest && !*rest)
			return i + 1 < argc ? 2 : -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	_cleanup_free_ char **args = NULL;
	int first = 1, n;

	vb_logsink_stderr("vfio-boot");
	atexit(close_stdout);
	/* Global options before the command go to it, as it would take them after its name. */
	while (first < argc && (n = global_option(argc, argv, first)) != 0) {
		if (n < 0) {
			fprintf(stderr, "vfio-boot: %s needs a value\n\n", argv[first]);
			usage(stderr);
			return EXIT_USAGE;
		}
		first += n;
	}
	if (first >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (streq(argv[first], "--help") || streq(argv[first], "-h") ||
	    streq(argv[first], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (streq(argv[first], "--version")) {
		cli_version();
		return EXIT_OK;
	}
	/* COMMAND, the global options, then what followed COMMAND. */
	args = calloc(argc + 1, sizeof(*args));
	if (!args)
		return log_err(-ENOMEM, "out of memory"), EXIT_ERROR;
	args[0] = argv[first];
	for (int i = 1; i < first; i++)
		args[i] = argv[i];
	for (int i = first + 1; i < argc; i++)
		args[i - 1] = argv[i];
	for (size_t i = 0; i < ELEMENTSOF(subcommands); i++)
		if (streq(argv[first], subcommands[i].name))
			return subcommands[i].main(argc - 1, args);
	fprintf(stderr, "vfio-boot: unknown command \"%s\"\n\n", argv[first]);
	usage(stderr);
	return EXIT_USAGE;
}
