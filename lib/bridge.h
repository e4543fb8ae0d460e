/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "name.h"

/* A [bridge NAME] section made sense of; strings point into the config. */
struct vb_bridge {
	size_t section; /* index into vb_config.sections */
	const char *name, *file;
	unsigned line;
	const char *uplink;	     /* interface name, or NULL when uplink-mac is given */
	char uplink_mac[VB_MAC_LEN]; /* lower case; "" when uplink is given */
	char mac[VB_MAC_LEN];	     /* "" : the uplink's */
	bool dhcp, stp;
	const char *address, *gateway; /* CIDR and IP, or NULL */
	int family;		       /* of address: AF_INET, AF_INET6, or 0 */
	bool bad;
};

struct vb_bridges {
	struct vb_bridge *v;
	size_t n, alloc;
};

/*
 * Interprets every [bridge] section. Errors are logged with file:line and counted in cfg;
 * the section is then marked bad (and kept, so that guests using it can say why they are
 * skipped). Returns 0, or -ENOMEM.
 */
int vb_bridges_resolve(struct vb_config *cfg, struct vb_bridges *ret);

/* The bridge named name, bad or not, or NULL. */
const struct vb_bridge *vb_bridge_find(const struct vb_bridges *b, const char *name);

void vb_bridges_free(struct vb_bridges *b);
