/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "pci.h"

/*
 * The one reader of libvirt domain XML: what the runner checks before it starts a domain, and
 * the disks the generator orders a guest after. It links libxml2: the static binder never
 * references it, and lib/ is an archive, so only the programs that read domains pull it in.
 */

#define VB_LIBVIRT_QEMU_DIR "/etc/libvirt/qemu"

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

/* A <hostdev type='usb'>: the host device it names and the alias it carries (NULL: none). */
struct dom_usb {
	char *alias;
	unsigned bus, device; /* 0 when it names the device by vendor and product */
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
	struct dom_usb *usb;
	size_t n_usb, alloc_usb;
};

/*
 * Parses a domain's XML (libxml2, opened at the first call). -EBADMSG on XML that is not a
 * domain, -ELIBACC when libxml2 cannot be loaded.
 */
int dom_parse(const char *text, struct dom_info *ret);
/*
 * Reads VB_LIBVIRT_QEMU_DIR/NAME.xml below the root, as a generator must (no libvirt: it runs
 * before any daemon). -ENOENT when there is none, -EBADFD when it is not a regular file,
 * -EBADMSG when it is not a <domain> document.
 */
int dom_read(const char *name, struct dom_info *ret);
void dom_info_free(struct dom_info *d);

const char *dom_disk_kind_name(enum dom_disk_kind k);

/*
 * Editing a domain's PCI hostdevs: the guest runner makes those of its [device] sections the
 * devices claimed at this boot (cli/runner-hostdev.c decides what changes). Everything in the
 * hostdev that is not its source address is left as written, so a device that moved keeps its
 * guest address, ROM, driver and boot order.
 */
struct dom_doc;

/* A <hostdev mode='subsystem' type='pci'> of a document, in document order. */
struct dom_hostdev {
	char *alias;		      /* <alias name=.../>, NULL when none */
	char addr[VB_ADDR_MAX];	      /* its source address */
	char guest_addr[VB_ADDR_MAX]; /* <address type='pci'/> in the guest, "" when none */
	bool removed;
};

/*
 * Parses a domain's XML for editing: -EBADMSG when it is not a domain, or a PCI hostdev's
 * address cannot be read; -ELIBACC without libxml2. The hostdevs are in (*ret)->hostdevs.
 */
int dom_doc_parse(const char *text, struct dom_doc **ret);
void dom_doc_free(struct dom_doc *doc);
/* The PCI hostdevs of doc, each with its index for the calls below. */
const struct dom_hostdev *dom_doc_hostdevs(const struct dom_doc *doc, size_t *n);
/* Points hostdev i at the host device addr; the rest of it stays. */
int dom_doc_set_source(struct dom_doc *doc, size_t i, const char *addr);
void dom_doc_remove(struct dom_doc *doc, size_t i);
/*
 * Adds <hostdev mode='subsystem' type='pci' managed='no'> for addr with <alias name=alias/>;
 * libvirt gives it its guest address.
 */
int dom_doc_add(struct dom_doc *doc, const char *addr, const char *alias);
/* The document as text (malloc'd). */
int dom_doc_dump(struct dom_doc *doc, char **ret);
