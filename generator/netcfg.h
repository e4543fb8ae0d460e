/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "bridge.h"

#define NETWORKD_DIR "/run/systemd/network"
#define NM_DIR	     "/run/NetworkManager/system-connections"

enum netcfg_backend {
	NETCFG_NONE,
	NETCFG_NETWORKD,
	NETCFG_NM,
};

/*
 * The network daemon that will bring the bridge up: the one enabled (a .wants or .requires
 * link in /etc, /run or /usr/lib systemd/system, and not masked). NetworkManager when both
 * are, with a warning; NETCFG_NONE when neither is.
 */
enum netcfg_backend netcfg_detect(void);
const char *netcfg_backend_name(enum netcfg_backend b);

/* One file to write below the root. */
struct netcfg_file {
	char *path; /* absolute, e.g. /run/systemd/network/00-vfio-boot-br0.netdev */
	char *content;
	unsigned mode;
};

struct netcfg_files {
	struct netcfg_file v[4];
	size_t n;
};

/* The files for bridge b; mac is the bridge's MAC, "" when it is to be left to the kernel. */
int netcfg_networkd(const struct vb_bridge *b, const char *mac, struct netcfg_files *out);
int netcfg_nm(const struct vb_bridge *b, const char *mac, struct netcfg_files *out);

/* Every file either backend may write for bridge name, to clear before writing. */
int netcfg_all_paths(const char *name, char ***ret, size_t *n);

void netcfg_files_free(struct netcfg_files *f);

struct strbuf;
/*
 * Adds a file at path (taken: freed on failure; NULL means out of memory) with s's content
 * (taken too) to out. Returns 0 or a negative errno.
 */
int netcfg_files_add(struct netcfg_files *out, char *path, unsigned mode, struct strbuf *s);
/* The comment that opens every file: where it comes from, with the file name escaped. */
void netcfg_header(struct strbuf *s, const struct vb_bridge *b);
