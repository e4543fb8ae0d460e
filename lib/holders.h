/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Which processes hold a device file open (a VFIO group's /dev/vfio/N), from the links of
 * /proc/PID/fd through the sysroot layer. Bounded: a process or an fd that cannot be read is
 * skipped and counted, never waited for; at most VB_HOLDERS_MAX holders are kept.
 */
#define VB_HOLDERS_MAX 16

struct vb_holder {
	pid_t pid;
	char comm[32]; /* /proc/PID/comm, "?" when it cannot be read */
};

struct vb_holders {
	struct vb_holder v[VB_HOLDERS_MAX];
	size_t n;	   /* holders kept */
	size_t more;	   /* holders found beyond VB_HOLDERS_MAX */
	size_t unreadable; /* processes whose fds could not be read */
};

/*
 * What every process holds open below /dev/, read once from /proc, so that the holders of
 * many devices' files cost one scan (/proc of a busy host is thousands of fd links). On a
 * tree (--root), a process of this machine that holds the tree's own file (ROOT/dev/vfio/7)
 * holds /dev/vfio/7.
 */
struct vb_proc_fd {
	pid_t pid;
	char *target; /* "/dev/vfio/7" */
};

struct vb_proc_fds {
	struct vb_proc_fd *v; /* each process's fds together */
	size_t n, alloc;
	size_t unreadable; /* processes whose fds could not be read */
	size_t procs;	   /* processes seen: none means /proc is no live one (a capture) */
};

int vb_proc_fds_scan(struct vb_proc_fds *s);
void vb_proc_fds_free(struct vb_proc_fds *s);
/* ret[k]: the holders of paths[k] in the scan. */
void vb_holders_lookup(const struct vb_proc_fds *s, const char *const paths[], size_t n,
		       struct vb_holders ret[]);

/* Scans /proc for fds linking to path (absolute, as the kernel shows it: "/dev/vfio/7"). */
int vb_holders_find(const char *path, struct vb_holders *ret);

/* The same for n paths in one scan of /proc: ret[k] for paths[k]. */
int vb_holders_find_many(const char *const paths[], size_t n, struct vb_holders ret[]);

/*
 * The files through which a process reaches one PCI device: its IOMMU group's /dev/vfio/N,
 * its own VFIO file (iommufd's /dev/vfio/devices/vfioM), its DRM nodes (/dev/dri/cardN,
 * renderDN) and NVIDIA's /dev/nvidiaN (the "Device Minor" of
 * /proc/driver/nvidia/gpus/ADDR/information). What exists and cannot be read is named in
 * unreadable, so that the caller does not take "none" for an answer.
 */
#define VB_DEV_FILES_MAX 8

enum vb_dev_file_kind { VB_DEV_FILE_GROUP, VB_DEV_FILE_CDEV, VB_DEV_FILE_DRM, VB_DEV_FILE_NVIDIA };

struct vb_dev_file {
	enum vb_dev_file_kind kind;
	char path[64];
};

struct vb_dev_files {
	struct vb_dev_file v[VB_DEV_FILES_MAX];
	size_t n;
	int group;	      /* the IOMMU group, -1 when none or unreadable */
	int group_err;	      /* 0, -ENOENT without an IOMMU, or why iommu_group cannot be read */
	char unreadable[160]; /* "" or what could not be read, with why */
};

void vb_dev_files(const char *addr, struct vb_dev_files *ret);

/* Whether the file gives the device to a guest (its group's file or its own VFIO file). */
static inline bool vb_dev_file_is_vfio(const struct vb_dev_file *f)
{
	return f->kind == VB_DEV_FILE_GROUP || f->kind == VB_DEV_FILE_CDEV;
}

/* "PID 42 (qemu-system-x86)" for each, ", "-separated, into buf. */
void vb_holders_format(const struct vb_holders *h, char *buf, size_t size);
/* "42 77": the PIDs alone, for a kill command. */
void vb_holders_format_pids(const struct vb_holders *h, char *buf, size_t size);
