/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

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

/* Scans /proc for fds linking to path (absolute, as the kernel shows it: "/dev/vfio/7"). */
int vb_holders_find(const char *path, struct vb_holders *ret);

/* "PID 42 (qemu-system-x86)" for each, ", "-separated, into buf. */
void vb_holders_format(const struct vb_holders *h, char *buf, size_t size);
