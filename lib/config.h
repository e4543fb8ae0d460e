/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "selector.h"

#define VB_CONFIG_FILE	  "/etc/vfio-boot/vfio-boot.conf"
#define VB_CONFIG_DIR	  "/etc/vfio-boot"
#define VB_CONFIG_DROPINS "/etc/vfio-boot/conf.d"
#define VB_WAIT_MAX_USEC  (60ULL * 1000000ULL)
#define VB_VFS_MAX	  256 /* the most VFs a section may ask of one PF */

enum vb_section_type {
	VB_SEC_BINDER,
	VB_SEC_DEVICE,
	VB_SEC_BRIDGE,
	VB_SEC_GUEST,
	VB_SEC_USB,
};

struct vb_setting {
	char *key, *value;
	const char *file; /* owned by vb_config.files */
	unsigned line;
};

/* A section as written, with every assignment in order; later ones override earlier ones. */
struct vb_section {
	enum vb_section_type type;
	char *name; /* NULL for [binder] */
	const char *file;
	unsigned line;
	struct vb_setting *settings;
	size_t n_settings, alloc;
	bool bad;
};

enum {
	VB_ALLOW_BOOT_DISPLAY = 1 << 0,
	VB_ALLOW_STORAGE = 1 << 1,
};

/* A [device] section made sense of. */
struct vb_device {
	size_t section; /* index into vb_config.sections */
	const char *name, *file;
	unsigned line;
	struct vb_selector sel;
	int count; /* -1: any */
	bool functions_only;
	bool group_claim;
	unsigned allow;
	/*
	 * vfs = N: the match selects PFs; N VFs are made on each once its host driver has bound,
	 * and the ones in vf_index (vf-index =; all N when it is not set) are claimed. 0: not a
	 * VF section.
	 */
	unsigned vfs;
	uint64_t vf_index[VB_VFS_MAX / 64]; /* bit I: claim the PF's virtfnI */
	/* hotplug = yes: devices that match it after boot are claimed when they appear. */
	bool hotplug;
};

/*
 * A [usb NAME] section made sense of: which USB devices it selects. Every key given must hold
 * (an AND); at least one of id, serial and port is required.
 */
struct vb_usb_section {
	size_t section; /* index into vb_config.sections */
	const char *name, *file;
	unsigned line;
	bool has_id; /* id = VVVV:PPPP */
	uint16_t vendor, product;
	char *serial; /* serial = STRING, as the device's `serial` attribute; NULL: any */
	char *port;   /* port = 1-2.3, the device's name in /sys/bus/usb/devices; NULL: any */
	int count;    /* count = N (default 1) or any (-1): the most devices it takes */
	/* The [guest] whose usb = names it (set by vb_guests_resolve); NULL: none. */
	const char *guest;
};

struct vb_config {
	char **files;
	size_t n_files, alloc_files;
	struct vb_section *sections;
	size_t n_sections, alloc_sections;
	struct vb_device *devices;
	size_t n_devices, alloc_devices;
	struct vb_usb_section *usbs; /* the good [usb] sections */
	size_t n_usbs, alloc_usbs;
	uint64_t wait_usec;
	unsigned n_errors, n_warnings;
	/* vb_config_load_quiet(): the messages are counted (and refused kept), not logged. */
	bool quiet;
	/* Why the whole config was refused, naming the file; "" when it was not. */
	char refused[512];
	/* Sections by type and name: a header finds its section in constant time. */
	size_t *index, index_size;
};

/*
 * Loads /etc/vfio-boot/vfio-boot.conf and conf.d/NAME.conf below the root, or only `file` when it
 * is given (not below the root). Returns -ENOENT when there is no config at all, and -EPERM when
 * the whole config is refused: a file or directory that someone other than root may change, an
 * entry that is not a regular file (a FIFO, a directory, a link that leads nowhere or in a
 * circle) or cannot be read, a file over 1 MiB. A refusal is logged once, naming the file, and
 * kept in cfg->refused; nothing is then to be claimed. Syntax and value errors are logged with
 * file:line, counted, and the bad section skipped.
 */
int vb_config_load(struct vb_config *cfg, const char *file);
/*
 * The same, logging nothing: for a run once per udev event, where the same errors said for each
 * device would flood the kernel log. The caller says n_errors (or refused) once, if it matters.
 */
int vb_config_load_quiet(struct vb_config *cfg, const char *file);

/*
 * The one way to open a config file (path as opened, shown as the user knows it): it never
 * blocks, as opening a FIFO would until a writer comes, and hands back only a regular file.
 * Returns the descriptor, -ENOENT when nothing is there (a link that leads nowhere is
 * something: -ENOLINK), or another negative errno with why (when not NULL) saying what is
 * wrong, naming shown and, for a link that leads nowhere, its target. Logs nothing.
 */
int vb_config_open(const char *path, const char *shown, char *why, size_t why_size);

/* Parses one file's contents; the name is for messages. */
int vb_config_parse(struct vb_config *cfg, const char *fname, const char *buf, size_t len);

/* Interprets [binder], [device] and [usb] sections and checks [bridge] and [guest] keys. */
int vb_config_resolve(struct vb_config *cfg);

void vb_config_free(struct vb_config *cfg);

/* The good [usb] section name, NULL when there is none (or it was skipped). */
const struct vb_usb_section *vb_usb_section_find(const struct vb_config *cfg, const char *name);

/* Whether the section claims its PFs' VF i (vf-index, or every VF below vfs). */
bool vb_device_vf_chosen(const struct vb_device *d, int i);
const struct vb_setting *vb_section_get(const struct vb_section *sec, const char *key);
const char *vb_section_type_name(enum vb_section_type t);

/* "500ms", "5s", "2min", "3" (seconds). -ERANGE when it does not fit. */
int vb_parse_duration(const char *s, uint64_t *usec);

/* yes/no, true/false, on/off, 1/0, any case. Returns 1, 0, or -EINVAL. */
int vb_parse_bool(const char *s);

/* "aa:bb:cc:dd:ee:ff" and its NUL. */
#define VB_MAC_LEN 18

/* Parses "aa:bb:cc:dd:ee:ff" (or with '-'), any case, into lower case with ':'. */
int vb_mac_parse(const char *s, char out[VB_MAC_LEN]);
