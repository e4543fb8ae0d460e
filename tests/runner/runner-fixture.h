/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host side of the guest runner's tests: the q35 stand-in of tests/mock/fixture.h plus block
 * devices, mounts, swaps and bridges written as plain files below the fake root, the way
 * lib/blockdev.c reads them. Header-only: each test-runner*.c is its own program.
 *
 * Disks of rf_setup():
 *   sda 8:0  (sda1 8:1 mounted on / as ext4): the host's own, unrelated
 *   sdb 8:16 (sdb1 8:17 holding an ext2 file system labelled "data", sdb2 8:18)
 *            /dev/disk/by-id/ata-GUEST_DISK_1 -> ../../sdb
 *   sdc 8:32
 *   sdd 8:48 (sdd1 8:49): /dev/disk/by-id/ata-SHARED_DISK -> ../../sdd
 */
#ifndef VFIO_BOOT_TESTS_RUNNER_FIXTURE_H
#define VFIO_BOOT_TESTS_RUNNER_FIXTURE_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fixture.h"

#define RF_GPU0	  "0000:01:00.0"
#define RF_GPU1	  "0000:02:00.0"
#define RF_AUDIO1 "0000:02:00.1"

static inline void rf_mkdir(struct fx *fx, const char *rel)
{
	char *p = fx_path(fx, rel);
	char *s;

	for (s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
	free(p);
}

static inline void rf_symlink(struct fx *fx, const char *rel, const char *target)
{
	char *p = fx_path(fx, rel);

	unlink(p);
	if (symlink(target, p) < 0) {
		fprintf(stderr, "symlink %s: %s\n", p, strerror(errno));
		abort();
	}
	free(p);
}

/* A whole disk: /sys/class/block/NAME/{dev,holders/} and /dev/NAME. */
static inline void rf_disk(struct fx *fx, const char *name, const char *majmin)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "sys/class/block/%s/holders", name);
	rf_mkdir(fx, rel);
	snprintf(rel, sizeof(rel), "sys/class/block/%s/dev", name);
	fx_write(fx, rel, majmin, 0444);
	snprintf(rel, sizeof(rel), "dev/%s", name);
	fx_write(fx, rel, "", 0644);
}

/* A partition, inside its disk's directory as in sysfs, and linked from /sys/class/block. */
static inline void rf_part(struct fx *fx, const char *disk, const char *name, const char *majmin)
{
	char rel[256], target[256];

	snprintf(rel, sizeof(rel), "sys/class/block/%s/%s/holders", disk, name);
	rf_mkdir(fx, rel);
	snprintf(rel, sizeof(rel), "sys/class/block/%s/%s/dev", disk, name);
	fx_write(fx, rel, majmin, 0444);
	snprintf(rel, sizeof(rel), "sys/class/block/%s/%s/partition", disk, name);
	fx_write(fx, rel, "1", 0444);
	snprintf(rel, sizeof(rel), "sys/class/block/%s", name);
	snprintf(target, sizeof(target), "%s/%s", disk, name);
	rf_symlink(fx, rel, target);
	snprintf(rel, sizeof(rel), "dev/%s", name);
	fx_write(fx, rel, "", 0644);
}

/* holder stacked on dev (sysfs has a symlink; a directory entry is all the runner reads). */
static inline void rf_holder(struct fx *fx, const char *dev, const char *holder)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "sys/class/block/%s/holders/%s", dev, holder);
	rf_mkdir(fx, rel);
}

/* An ext2 superblock with a label at /dev/NAME, enough for libblkid to name it. */
static inline void rf_ext2(struct fx *fx, const char *name, const char *label)
{
	static unsigned char img[4096];
	char rel[64], *p;
	FILE *f;

	memset(img, 0, sizeof(img));
	img[1024 + 0] = 16;			      /* s_inodes_count */
	img[1024 + 4] = 64;			      /* s_blocks_count */
	img[1024 + 56] = 0x53, img[1024 + 57] = 0xef; /* s_magic */
	img[1024 + 76] = 1;			      /* s_rev_level */
	memcpy(img + 1024 + 120, label, strlen(label));
	snprintf(rel, sizeof(rel), "dev/%s", name);
	p = fx_path(fx, rel);
	f = fopen(p, "w");
	if (!f || fwrite(img, sizeof(img), 1, f) != 1 || fclose(f) != 0)
		abort();
	free(p);
}

/* A loop device bound to backing (a path as the host sees it). */
static inline void rf_loop(struct fx *fx, const char *name, const char *majmin, const char *backing)
{
	char rel[256];

	rf_disk(fx, name, majmin);
	snprintf(rel, sizeof(rel), "sys/class/block/%s/loop", name);
	rf_mkdir(fx, rel);
	snprintf(rel, sizeof(rel), "sys/class/block/%s/loop/backing_file", name);
	fx_write(fx, rel, backing, 0444);
}

/*
 * A disk whose device number is that of the file system the fake tree lives on: a file of the
 * tree is then a file on this disk, as a loop device's backing file would be.
 */
static inline void rf_disk_under_tree(struct fx *fx, const char *name)
{
	struct stat st;
	char majmin[32], *root = fx_path(fx, "");

	if (stat(root, &st) < 0)
		abort();
	free(root);
	snprintf(majmin, sizeof(majmin), "%u:%u", major(st.st_dev), minor(st.st_dev));
	rf_disk(fx, name, majmin);
}

/* An md v1.2 superblock at /dev/NAME, as mdadm writes it: a member of an unassembled array. */
static inline void rf_md_member(struct fx *fx, const char *name)
{
	static unsigned char img[8192];
	unsigned char *sb = img + 4096;
	uint64_t sum = 0;
	uint32_t v;
	char rel[64], *p;
	FILE *f;

	memset(img, 0, sizeof(img));
#define RF_LE32(off, val)                                                \
	do {                                                             \
		v = (val);                                               \
		for (int b_ = 0; b_ < 4; b_++)                           \
			sb[(off) + b_] = (unsigned char)(v >> (8 * b_)); \
	} while (0)
	RF_LE32(0, 0xa92b4efc); /* magic */
	RF_LE32(4, 1);		/* major_version */
	for (int i = 0; i < 16; i++)
		sb[16 + i] = (unsigned char)(i + 1); /* set_uuid */
	memcpy(sb + 32, "host:vbtest", 11);	     /* set_name */
	RF_LE32(72, 1);				     /* level */
	RF_LE32(144, 8);			     /* super_offset: 4 KiB, in sectors */
	for (int i = 0; i < 256; i += 4)
		sum += (uint32_t)sb[i] | (uint32_t)sb[i + 1] << 8 | (uint32_t)sb[i + 2] << 16 |
		       (uint32_t)sb[i + 3] << 24;
	RF_LE32(216, (uint32_t)((sum & 0xffffffff) + (sum >> 32))); /* sb_csum */
#undef RF_LE32
	snprintf(rel, sizeof(rel), "dev/%s", name);
	p = fx_path(fx, rel);
	f = fopen(p, "w");
	/* Sparse, but as large as a member would be: blkid skips md on very small devices. */
	if (!f || fwrite(img, sizeof(img), 1, f) != 1 || ftruncate(fileno(f), 16 << 20) < 0 ||
	    fclose(f) != 0)
		abort();
	free(p);
}

static inline void rf_mounts(struct fx *fx, const char *extra)
{
	char buf[2048];

	snprintf(buf, sizeof(buf),
		 "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
		 "23 22 0:21 / /proc rw,nosuid shared:12 - proc proc rw\n"
		 "24 22 0:5 / /dev rw,nosuid shared:2 - devtmpfs udev rw,size=100k\n%s",
		 extra ? extra : "");
	fx_write(fx, "proc/self/mountinfo", buf, 0444);
}

static inline void rf_swaps(struct fx *fx, const char *extra)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n%s",
		 extra ? extra : "");
	fx_write(fx, "proc/swaps", buf, 0444);
}

/* Moves addr from whatever driver it has to drv (NULL: none). */
static inline void rf_rebind(struct fx *fx, const char *addr, const char *drv)
{
	fx_unbind(fx, addr);
	if (drv)
		fx_bind(fx, addr, drv);
}

static inline void rf_bridge(struct fx *fx, const char *name)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "sys/class/net/%s/bridge", name);
	rf_mkdir(fx, rel);
}

/* The stand-in machine with its disks; nothing is on vfio-pci yet. */
static inline struct fx *rf_setup(void)
{
	struct fx *fx = fx_new();

	fx_q35_two_gpus(fx);
	fx_driver(fx, "vfio-pci", "vfio_pci");
	rf_disk(fx, "sda", "8:0");
	rf_part(fx, "sda", "sda1", "8:1");
	rf_disk(fx, "sdb", "8:16");
	rf_part(fx, "sdb", "sdb1", "8:17");
	rf_part(fx, "sdb", "sdb2", "8:18");
	rf_ext2(fx, "sdb1", "data");
	rf_disk(fx, "sdc", "8:32");
	rf_disk(fx, "sdd", "8:48");
	rf_part(fx, "sdd", "sdd1", "8:49");
	rf_mkdir(fx, "dev/disk/by-id");
	rf_symlink(fx, "dev/disk/by-id/ata-SHARED_DISK", "../../sdd");
	rf_symlink(fx, "dev/disk/by-id/ata-GUEST_DISK_1-part1", "../../sdb1");
	rf_symlink(fx, "dev/disk/by-id/ata-GUEST_DISK_1", "../../sdb");
	rf_symlink(fx, "dev/disk/by-id/wwn-0x5000c500a1b2c3d4", "../../sdb");
	rf_symlink(fx, "dev/disk/by-id/ata-HOST_DISK", "../../sda");
	rf_mounts(fx, NULL);
	rf_swaps(fx, NULL);
	return fx;
}

/* Both functions of the second GPU on vfio-pci: group 2 is viable. */
static inline void rf_claim_gpu1(struct fx *fx)
{
	rf_rebind(fx, RF_GPU1, "vfio-pci");
	rf_rebind(fx, RF_AUDIO1, "vfio-pci");
}

#endif
