/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Everything the generator writes goes through here, relative to a directory descriptor of
 * the output directory: each name is one path component (no '/', not "." or ".."), files are
 * created new (O_EXCL) and nothing follows a symlink, so no name, however hostile, reaches
 * outside that directory.
 */

/* Creates (or reuses) the subdirectory name of dirfd; returns a descriptor for it. */
int out_subdir(int dirfd, const char *name);

/* Writes a new file name with mode 0644. */
int out_file(int dirfd, const char *name, const char *content);

/* Creates the symlink name -> target. */
int out_symlink(int dirfd, const char *name, const char *target);
