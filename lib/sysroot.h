/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "util.h"

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
 * again after it, so that nothing swapped in meanwhile is read. Returns the fd (O_NONBLOCK, which
 * reads of a regular file ignore),
 * or -errno: -EISDIR for a directory, -EBADFD for anything else that is not a regular file, in
 * which case *st (when given) holds what was found.
 */
int vb_open_regular(const char *path, struct stat *st);

/*
 * Reads fd to its end into *ret (malloc'd, NUL added), byte for byte; its length in *len
 * (when given). -EFBIG beyond max bytes.
 */
int vb_read_fd(int fd, size_t max, char **ret, size_t *len);

/* Reads a small regular file (vb_open_regular), trailing newlines stripped. */
int vb_read_file(const char *abs, char **ret);
int vb_read_file_at(int dirfd, const char *rel, char **ret);

/* One write(2) of value, as sysfs attributes want it. */
int vb_write_file(const char *abs, const char *value);

/* Basename of a symlink's target, e.g. the driver of a device. */
int vb_readlink_base(const char *abs, char **ret);

bool vb_exists(const char *abs);

/*
 * The same for a path formatted with printf's arguments, as util-linux's ul_path_*f: the root
 * is prefixed after formatting, so that vb_openf(O_RDONLY, "/sys/block/%s/holders", name)
 * opens ROOT/sys/block/NAME/holders. Each keeps the guarantees of the one it is built on.
 */
int vb_pathf(char **ret, const char *fmt, ...) _printf_(2, 3);
int vb_openf(int flags, const char *fmt, ...) _printf_(2, 3);
int vb_readf(char **ret, const char *fmt, ...) _printf_(2, 3);
bool vb_existsf(const char *fmt, ...) _printf_(1, 2);
int vb_readlink_basef(char **ret, const char *fmt, ...) _printf_(2, 3);

/* A symlink's target as it is written, e.g. "../../devices/.../block/sdb/sdb1". */
int vb_readlinkf(char **ret, const char *fmt, ...) _printf_(2, 3);

/* Opens a file below the root for reading lines (vb_open, then a read-only stream). */
int vb_fopen(const char *abs, FILE **ret);

/* Opens a directory below the root for reading entries; a symlink to it is followed. */
int vb_opendir(const char *abs, DIR **ret);
int vb_opendirf(DIR **ret, const char *fmt, ...) _printf_(2, 3);

/*
 * Reads a small regular file (vb_open_regular) into buf, trailing newlines stripped, without
 * allocating: -EFBIG when it does not fit in size - 1 bytes, -EILSEQ when it holds a NUL.
 */
int vb_read_buf(const char *abs, char *buf, size_t size);
int vb_readf_buf(char *buf, size_t size, const char *fmt, ...) _printf_(3, 4);

/*
 * Resolves abs as the kernel would if the root were "/": every symlink on the way is followed
 * (at most 40), and an absolute target or a ".." is taken below the root, never out of it.
 * *ret (malloc'd) is the path below the root, without the root, starting with '/'; *st (when
 * given) is what lstat(2) says of it. -ENOENT, -ENOTDIR... as lstat says of a component.
 */
int vb_resolve(const char *abs, char **ret, struct stat *st);

/* Writes all of buf, through short writes and EINTR. */
int vb_write_all(int fd, const void *buf, size_t len);

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
