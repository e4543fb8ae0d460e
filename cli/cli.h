/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

/*
 * Exit codes of vfio-boot, one table for every subcommand, documented in vfio-boot(8) (and the
 * runner's in vfio-boot-guest(8)). 2 and 3 mean the same in each: 2 is an answer, the host or
 * the config must change first (restarting a guest unit does not help); 3 is a failure to find
 * out or to act (restarting may help).
 */
enum {
	EXIT_OK = 0,
	EXIT_USAGE = 1,
	/* guest: refused (a check failed, no such guest); plan: a section would be refused;
	   status: a device is not on vfio-pci; check: a FAIL line */
	EXIT_PROBLEM = 2,
	/* the host could not be read (sysfs, the config); guest: libvirt failed */
	EXIT_ERROR = 3,
	EXIT_CRASHED = 4,   /* run: the guest crashed or its emulator died */
	EXIT_DESTROYED = 5, /* run: someone else forced the guest off */
	EXIT_FORCED = 6,    /* stop: no shutdown within the timeout; forced off */
	EXIT_OUTPUT = 7,    /* the output could not be written whole (a full disk) */
};

/* "vfio-boot VERSION" on stdout: --version, before a command or after it. */
void cli_version(void);

/* vfio-boot guest ARGS...; argv[0] is "guest". */
int guest_main(int argc, char **argv);
void guest_usage(FILE *f);
