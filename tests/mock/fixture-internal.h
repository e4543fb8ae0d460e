/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the parts of the fake-tree builder (fixture*.c); not API: tests use fixture.h.
 * Every helper fails the running test rather than return an error (see fixture.h).
 */
#ifndef VFIO_BOOT_TESTS_FIXTURE_INTERNAL_H
#define VFIO_BOOT_TESTS_FIXTURE_INTERNAL_H

#include <stdlib.h>
#include <sys/types.h>

#include "fixture.h"

#define _cleanup_free_ __attribute__((cleanup(fx_free_ptr)))

struct fx {
	char *root; /* canonical, so it compares equal to what the kernel double sees */
};

static inline void fx_free_ptr(void *p)
{
	free(*(void **)p);
}

/* Fails the running test with "fixture: MSG". */
void fx_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
char *fx_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Absolute @path and its parents; ROOT/@rel and its parents. */
void fx_mkdirs(const char *path);
void fx_mkdir_rel(const struct fx *fx, const char *rel);
/* @len bytes at absolute @path (parents created), opened with @flags (O_TRUNC, O_APPEND). */
void fx_put_bytes(const char *path, const void *data, size_t len, mode_t mode, int flags);
void fx_append(const struct fx *fx, const char *rel, const char *text);
/* Removes absolute @path and all below it, following no link. */
void fx_rm_rf(const char *path);
/* A sysfs-style relative symlink at absolute @link to absolute @target. */
void fx_symlink_abs(const char *link, const char *target);

#endif
