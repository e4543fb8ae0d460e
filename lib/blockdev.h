/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether the host uses a block device that a guest is about to be given: two systems writing
 * one file system lose data. Everything is read below the root (sysroot.h): /dev for the node,
 * /sys/class/block for partitions and holders, /proc/self/mountinfo and /proc/swaps. No
 * libblkid here: every lib object is linked into the static binder; the CLI adds identity.
 */

enum vb_bdev_use {
	VB_BDEV_MOUNTED, /* where: mount point; what: file system type */
	VB_BDEV_SWAP,	 /* where: the swap's name in /proc/swaps; what: its type */
	VB_BDEV_HELD,	 /* where: the holder, "dm-0"; what: "LVM logical volume vg-lv" ... */
};

struct vb_bdev_user {
	enum vb_bdev_use use;
	char *dev;   /* kernel name of what is used: the device itself or one of its partitions */
	char *where; /* see enum */
	char *what;
};

struct vb_bdev {
	char *path;   /* as given */
	char *name;   /* kernel name, "sdb" */
	char *stable; /* a /dev/disk/by-id link to it, NULL when there is none */
	struct vb_bdev_user *users;
	size_t n_users, alloc_users;
};

/*
 * Finds the block device a /dev path names, following symlinks below the root. Returns 0,
 * -ENOENT when nothing is there, -ENOTBLK when it is not a block device (an image file).
 */
int vb_bdev_resolve(const char *path, struct vb_bdev *ret);

/* Fills b->users with every mount, swap and holder of the device and of its partitions. */
int vb_bdev_find_users(struct vb_bdev *b);

void vb_bdev_free(struct vb_bdev *b);

/* /dev/sdb, /dev/nvme0n1p2, /dev/dm-3: a kernel name, handed out in probe order at boot. */
bool vb_bdev_path_unstable(const char *path);

const char *vb_bdev_use_name(enum vb_bdev_use use);
