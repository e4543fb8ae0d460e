/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

/*
 * Exit codes of vfio-boot, documented in vfio-boot-guest(8). A guest unit can tell a refusal
 * (restarting does not help until the host is changed) from a crash (restarting may).
 */
enum {
	EXIT_OK = 0,
	EXIT_USAGE = 1,
	EXIT_REFUSED = 2,   /* a precondition failed: device, group, disk, bridge, no such guest */
	EXIT_LIBVIRT = 3,   /* libvirt failed: no connection, start failed */
	EXIT_CRASHED = 4,   /* run: the guest crashed or its emulator died */
	EXIT_DESTROYED = 5, /* run: someone else forced the guest off */
	EXIT_FORCED = 6,    /* stop: no shutdown within the timeout; forced off */
	EXIT_OUTPUT = 7,    /* the output could not be written whole (a full disk) */
};

/* vfio-boot guest ARGS...; argv[0] is "guest". */
int guest_main(int argc, char **argv);
void guest_usage(FILE *f);
