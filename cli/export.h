/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "status.h"

/*
 * vfio-boot export ENGINE: the devices claimed at this boot, in the words of the engine that
 * schedules VMs over many hosts, so that it takes exactly these devices and tells identical
 * ones apart. In parts: what is exported, read once (export.c), and one writer per engine
 * (export-kubevirt.c, export-sriov-dp.c, export-nova.c, export-proxmox.c), each holding the
 * engine's own naming and format rules.
 */

/* One claimed device: what identifies it to an engine. */
struct export_dev {
	const struct vb_pci_dev *pci; /* in export.st.pci: address, ids, subsystem, group, path */
	char *serial; /* the PCI Device Serial Number capability as lspci shows it, NULL: none */
};

/* A [device] section whose devices are on vfio-pci now: one resource of an engine. */
struct export_section {
	const char *name;
	struct export_dev *devs;
	size_t n_devs;
};

struct export
{
	struct status st;
	struct export_section *secs;
	size_t n_secs;
	size_t n_left_out;  /* configured devices not on vfio-pci now: warned of, not exported */
	char *node;	    /* the host's name (--node, else the tree's /etc/hostname) */
	const char *prefix; /* --prefix: the resource names' vendor part */
};

/* The engines, in the order the usage names them. */
struct export_engine {
	const char *name;
	const char *summary;
	int (*write)(const struct export *e, FILE *f);
	bool needs_node; /* its config names the host */
};
extern const struct export_engine export_engines[];
extern const size_t export_n_engines;

/* Reads config, tree and records; keeps the sections whose devices are on vfio-pci. */
int export_collect(struct export *e, const char *config);
void export_free(struct export *e);

/*
 * Each engine's writer: 0, or a negative errno that the caller reports. What an engine
 * cannot tell apart, or a name it would refuse, is said on stderr (log_warn), naming the
 * devices and what to do.
 */
int export_kubevirt(const struct export *e, FILE *f);
int export_sriov_dp(const struct export *e, FILE *f);
int export_nova(const struct export *e, FILE *f);
int export_proxmox(const struct export *e, FILE *f);

/*
 * One comment line naming d by all that identifies it (ids, subsystem, topology path, IOMMU
 * group, serial number), after lead ("# ").
 */
void export_identity(FILE *f, const char *lead, const struct export_dev *d);

/* The PCI Device Serial Number of addr from its config space; -ENOENT: it has none. */
int export_dev_serial(const char *addr, char **ret);
