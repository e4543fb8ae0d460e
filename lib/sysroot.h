/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Every path into /sys, /proc, /etc, /run, /dev and /lib/modules goes through here, so that
 * every program can run on a captured or generated tree (--root, VFIO_BOOT_ROOT).
 */

/* dir NULL: take VFIO_BOOT_ROOT from the environment, else the real root. */
int vb_root_set(const char *dir);
const char *vb_root(void);
bool vb_root_is_host(void);

/* Returns root + abs in *ret (malloc'd). abs must start with '/'. */
int vb_path(const char *abs, char **ret);

int vb_open(const char *abs, int flags, mode_t mode);

/* Reads a small file, trailing newlines stripped. */
int vb_read_file(const char *abs, char **ret);
int vb_read_file_at(int dirfd, const char *rel, char **ret);

/* One write(2) of value, as sysfs attributes want it. */
int vb_write_file(const char *abs, const char *value);

/* Basename of a symlink's target, e.g. the driver of a device. */
int vb_readlink_base(const char *abs, char **ret);

bool vb_exists(const char *abs);

/* mkdir -p below the root. */
int vb_mkdir_p(const char *abs, mode_t mode);

/* Writes a whole file atomically (temporary file, then rename). */
int vb_write_file_atomic(const char *abs, const char *content, mode_t mode);
