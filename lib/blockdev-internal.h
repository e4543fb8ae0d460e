/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "blockdev.h"

/*
 * Shared by the parts of lib/blockdev: the naming of a device (blockdev.c), the candidates
 * and the kernel's answer (blockdev-users.c), the lookups of each kind of use
 * (blockdev-scan.c). Not for use outside them.
 */

/* The device, each of its partitions and its parent disk, with "MAJ:MIN" as sysfs gives it. */
struct bdev_cand {
	char *name, *dev;
	bool parent;
	bool busy; /* an exclusive open failed with EBUSY */
};

struct bdev_cands {
	struct bdev_cand *c;
	size_t n, alloc;
};

/* The kernel name of the block device at path, e.g. "sdb" for /dev/disk/by-id/ata-X. */
int bdev_kernel_name(const char *path, char **ret);

/* "MAJ:MIN" as sysfs writes it; 0 when it is not that. */
dev_t bdev_parse_dev(const char *majmin);

/* The candidate whose MAJ:MIN is dev, else the one the /dev path src names; or NULL. */
const struct bdev_cand *bdev_cands_match(const struct bdev_cands *cs, const char *dev,
					 const char *src);
const struct bdev_cand *bdev_cands_by_dev(const struct bdev_cands *cs, dev_t dev);

/* Records a use of c; takes what (malloc'd, NULL: out of memory). */
int bdev_add_use(struct vb_bdev *b, enum vb_bdev_use use, const struct bdev_cand *c,
		 const char *where, char *what);

/* Each fills b->users with one kind of use of a candidate. */
int bdev_scan_mounts(struct vb_bdev *b, const struct bdev_cands *cs);
int bdev_scan_swaps(struct vb_bdev *b, const struct bdev_cands *cs);
int bdev_scan_holders(struct vb_bdev *b, const struct bdev_cands *cs);
int bdev_scan_loops(struct vb_bdev *b, const struct bdev_cands *cs);
