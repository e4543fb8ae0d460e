/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "pci.h"

/* The longest vb_sriov_make() waits for the kernel to show the VFs it asked for. */
#define VB_SRIOV_WAIT_USEC (5ULL * 1000000ULL)

struct vb_sriov_made {
	bool made;     /* this call wrote sriov_numvfs; false: the VFs were there already */
	int autoprobe; /* sriov_drivers_autoprobe before it was set to 0: 0, 1; -1 unknown */
	uint64_t usec; /* made: from the write of sriov_numvfs to the last VF seen */
	char why[256]; /* on failure: what was found and what to do */
};

/*
 * Makes n VFs on the PF pf, never changing a number already set: with the PF's host driver
 * bound, sets sriov_drivers_autoprobe to 0 (so that no host driver binds a new VF before it is
 * claimed) and writes n to sriov_numvfs, then waits (at most VB_SRIOV_WAIT_USEC) for its
 * virtfn0..n-1 to be there. n VFs there already: nothing to write, 0. Returns 0, or: -EAGAIN
 * the PF has no driver yet (nothing to do now: its bind will come), -EOPNOTSUPP it has no
 * SR-IOV (no sriov_totalvfs), -ERANGE n is above sriov_totalvfs, -EEXIST another number of
 * VFs is there, -ETIMEDOUT they did not all show up; res->why says it for the log.
 */
int vb_sriov_make(const char *pf, unsigned n, struct vb_sriov_made *res);

/* Puts sriov_drivers_autoprobe back as it was before vb_sriov_make() set it to 0. */
int vb_sriov_autoprobe_restore(const char *pf, const struct vb_sriov_made *res);

/* The address of the PF's virtfnI into buf; -ENOENT when it has none. */
int vb_sriov_vf_addr(const char *pf, unsigned i, char buf[VB_ADDR_MAX]);

/* A VF's PF and its index there; -ENOENT when addr is no VF. */
int vb_sriov_vf_of(const char *addr, char pf[VB_ADDR_MAX], int *index);

/*
 * Asks the kernel to bind a host driver to addr (/sys/bus/pci/drivers_probe); *driver is the
 * driver bound after it, NULL when none took it.
 */
int vb_sriov_probe_host(const char *addr, char **driver);
