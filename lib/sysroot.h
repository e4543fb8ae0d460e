/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
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

/*
 * /dev/kmsg for writing, without ever blocking: only a character device (or, on a tree, a
 * regular file) is taken; -ENODEV for anything else.
 */
int vb_open_kmsg(void);

/*
 * Opens path (a path on this machine, the root already prefixed) for reading only when it is a
 * regular file, following links: the type is checked before the open, so that no FIFO (which
 * would wait for a writer) and no device node (a watchdog arms on open) is ever opened, and
 * again after it, so that nothing swapped in meanwhile is read. Returns the fd (blocking reads),
 * or -errno: -EISDIR for a directory, -EBADFD for anything else that is not a regular file, in
 * which case *st (when given) holds what was found.
 */
int vb_open_regular(const char *path, struct stat *st);

/* Reads a small regular file (vb_open_regular), trailing newlines stripped. */
int vb_read_file(const char *abs, char **ret);
int vb_read_file_at(int dirfd, const char *rel, char **ret);

/* One write(2) of value, as sysfs attributes want it. */
int vb_write_file(const char *abs, const char *value);

/* Basename of a symlink's target, e.g. the driver of a device. */
int vb_readlink_base(const char *abs, char **ret);

bool vb_exists(const char *abs);

/*
 * Creating files. Below the root, no symlink is followed: a directory component that is a
 * link is refused (ELOOP or ENOTDIR), and a file is always created new, with exactly the mode
 * asked for, so nothing planted beforehand decides where the content goes or who may read it.
 */

/* mkdir -p below the root. */
int vb_mkdir_p(const char *abs, mode_t mode);

/* Opens the directory abs below the root (O_DIRECTORY), following no link below the root. */
int vb_open_dir(const char *abs);

/* One path component: not empty, no '/', not "." or "..", at most NAME_MAX bytes. */
bool vb_path_component_ok(const char *name);

/* Opens (create: first makes) the subdirectory name of dirfd; a symlink there is refused. */
int vb_subdir_at(int dirfd, const char *name, mode_t mode, bool create);

/*
 * Writes a new file name (one path component) in dirfd with mode. replace: through a fresh
 * temporary renamed over whatever is there (a link there is replaced, not followed); else
 * name must not exist (EEXIST).
 */
int vb_create_at(int dirfd, const char *name, const char *content, mode_t mode, bool replace);

/* Writes a whole file atomically (vb_create_at with replace, in abs's directory). */
int vb_write_file_atomic(const char *abs, const char *content, mode_t mode);

/* Removes the file abs (not through a linked directory). */
int vb_unlink(const char *abs);
