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
 * devices and what to do; 1 when what it wrote gives a guest nothing until the config or
 * the cluster changes (exit status 2).
 */
int export_kubevirt(const struct export *e, FILE *f);
int export_sriov_dp(const struct export *e, FILE *f);
int export_nova(const struct export *e, FILE *f);
int export_proxmox(const struct export *e, FILE *f);

/*
 * All that identifies d (ids, subsystem, topology path, IOMMU group, serial number) in one
 * line: "0000:02:00.0 1234:1111 subsystem 1af4:1100, path 0000:00:02.0/00.0, IOMMU group 2[,
 * serial S]"; export_identity_line() writes it after lead ("# ") as a comment line.
 */
int export_identity(const struct export_dev *d, char **ret);
void export_identity_line(FILE *f, const char *lead, const struct export_dev *d);

/* The PCI Device Serial Number of addr from its config space; -ENOENT: it has none. */
int export_dev_serial(const char *addr, char **ret);

/*
 * KubeVirt and the SR-IOV network device plugin (export-k8s.c): one Kubernetes extended
 * resource name, PREFIX/NAME, for each section, the same in both, since KubeVirt's resourceName
 * of an external provider is the plugin's resourcePrefix/resourceName. NAME is the section's
 * name with leading and trailing '-', '_' and '.' dropped and each '.' left made '-' (what both take:
 * sriov-dp's ^[a-zA-Z0-9_-]+$, Kubernetes' qualified name part); two sections that come out
 * alike, or a name left empty, are refused, naming them. PREFIX is --prefix, checked as
 * Kubernetes checks an extended resource's domain, else EXPORT_K8S_PREFIX.
 */
#define EXPORT_K8S_PREFIX "vfio-boot.local"
int export_k8s_prefix(const struct export *e, const char **ret);
/* names[i] for e->secs[i]; free with export_k8s_names_free(names, e->n_secs). */
int export_k8s_names(const struct export *e, char ***ret);
void export_k8s_names_free(char **names, size_t n);
