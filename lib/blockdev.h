/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether the host uses a block device that a guest is about to be given: two systems writing
 * one file system lose data. Everything is read below the root (sysroot.h): /dev for the node,
 * /sys/class/block for partitions, holders and loop devices, /proc/self/mountinfo and
 * /proc/swaps. On the real root the kernel is asked too: an exclusive open of a block device
 * fails with EBUSY while a file system (in any mount namespace), swap, md, dm, btrfs, ZFS or
 * an XFS log holds it; the lookups then name who. No libblkid here: every lib object is linked
 * into the static binder; the CLI adds identity.
 */

enum vb_bdev_use {
	VB_BDEV_MOUNTED, /* where: mount point; what: file system type */
	VB_BDEV_SWAP,	 /* where: the swap's name in /proc/swaps; what: its type */
	VB_BDEV_HELD,	 /* where: the holder, "dm-0"; what: "LVM logical volume vg-lv" ... */
	VB_BDEV_LOG,	 /* where: mount point of the XFS; what: "log" or "realtime device" */
	VB_BDEV_LOOP,	 /* where: the loop device, "loop3"; what: its backing file */
	VB_BDEV_BUSY,	 /* the kernel refuses an exclusive open and nothing above names why */
	VB_BDEV_DOMAIN,	 /* added by the caller: where: the domain; what: its disk */
};

struct vb_bdev_user {
	enum vb_bdev_use use;
	char *dev;   /* kernel name of what is used: the device, a partition or the parent */
	char *where; /* see enum */
	char *what;
	bool parent; /* dev is the whole disk that the device is a partition of */
};

struct vb_bdev {
	char *path;   /* as given */
	char *name;   /* kernel name, "sdb" */
	char *stable; /* a /dev/disk/by-id link to it, NULL when there is none */
	struct vb_bdev_user *users;
	size_t n_users, alloc_users;
	/* Filled by vb_bdev_find_users: */
	char *parent; /* the whole disk of a partition, NULL for a whole disk */
	char **parts; /* the device's partitions */
	size_t n_parts, alloc_parts;
	/*
	 * The device or a partition the kernel could not be asked about (an exclusive open that
	 * failed other than with EBUSY), and why (a negative errno). unasked_covered: it is only a
	 * partition whose node is missing from /dev, and the device's own exclusive open, which a
	 * claimed partition makes fail, succeeded; else the answer is unknown.
	 */
	char *unasked;
	int unasked_err;
	bool unasked_covered;
	bool kernel_asked; /* on the real root: every exclusive open was tried */
};

/*
 * Finds the block device a /dev path names, following symlinks below the root. Returns 0,
 * -ENOENT when nothing is there, -ENOTBLK when it is not a block device (an image file).
 */
int vb_bdev_resolve(const char *path, struct vb_bdev *ret);

/*
 * Fills b->users with every mount, swap, holder, XFS log or realtime use and loop device of the
 * device, of its partitions and of the whole disk it is a partition of; then, on the real root,
 * with each of the device and its partitions that an exclusive open finds busy for a reason
 * none of those names.
 */
int vb_bdev_find_users(struct vb_bdev *b);

/*
 * Whether the block device named name (a kernel name) is b's device, one of its partitions or
 * the whole disk it is on: that name, else NULL. After vb_bdev_find_users.
 */
const char *vb_bdev_overlap(const struct vb_bdev *b, const char *name);

/* Records a use found elsewhere (another domain's disk); dev as vb_bdev_overlap returned. */
int vb_bdev_add_user(struct vb_bdev *b, enum vb_bdev_use use, const char *dev, const char *where,
		     const char *what);

void vb_bdev_free(struct vb_bdev *b);

/* /dev/sdb, /dev/nvme0n1p2, /dev/dm-3: a kernel name, handed out in probe order at boot. */
bool vb_bdev_path_unstable(const char *path);

const char *vb_bdev_use_name(enum vb_bdev_use use);
