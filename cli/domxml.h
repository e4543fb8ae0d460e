/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "pci.h"

/* What a domain's XML says the runner has to check before it starts the domain. */

struct dom_pci {
	char addr[VB_ADDR_MAX];
	const char *kind; /* "hostdev", "interface", "nvme disk" */
};

enum dom_disk_kind {
	DOM_DISK_BLOCK,	 /* <disk type='block'>: path */
	DOM_DISK_FILE,	 /* <disk type='file'>: path, checked when it is a block device */
	DOM_DISK_VOLUME, /* <disk type='volume'>: pool, volume; the path comes from libvirt */
	DOM_DISK_SCSI,	 /* <hostdev type='scsi'>: adapter "scsi_hostN" and bus:target:unit */
};

struct dom_disk {
	enum dom_disk_kind kind;
	char *path;
	char *target; /* the guest's name for it, "vda"; NULL for hostdevs */
	char *pool, *volume;
	char *adapter;
	unsigned bus, target_id, unit;
};

struct dom_info {
	struct dom_pci *pci;
	size_t n_pci, alloc_pci;
	struct dom_disk *disks;
	size_t n_disks, alloc_disks;
	char **bridges; /* <interface type='bridge'> source bridges */
	size_t n_bridges, alloc_bridges;
	char **networks; /* <interface type='network'> source networks */
	size_t n_networks, alloc_networks;
	bool has_agent; /* a qemu-guest-agent channel */
};

/* Parses a domain's XML (libxml2). -EBADMSG on XML that is not a domain. */
int dom_parse(const char *xml, struct dom_info *ret);
void dom_info_free(struct dom_info *d);

const char *dom_disk_kind_name(enum dom_disk_kind k);
