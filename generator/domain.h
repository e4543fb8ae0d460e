/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

#define VB_LIBVIRT_QEMU_DIR "/etc/libvirt/qemu"

/* What the generator needs of a libvirt domain's persistent XML. */
struct domain_disks {
	char **block; /* <disk type='block'><source dev=...>: device nodes */
	size_t n_block, alloc_block;
	char **file; /* <disk type='file'><source file=...>: image files */
	size_t n_file, alloc_file;
};

/*
 * Reads /etc/libvirt/qemu/NAME.xml below the root (no libvirt: generators must not talk to
 * daemons). -ENOENT when there is none, -EBADMSG when it is not a <domain> document.
 */
int domain_disks_read(const char *name, struct domain_disks *d);

void domain_disks_free(struct domain_disks *d);
