/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Reads an initramfs image as the kernel unpacks it: concatenated cpio "newc" archives,
 * usually an uncompressed early-microcode part first, then one compressed with gzip, xz,
 * zstd or lz4 (legacy or frame format), itself holding one or more archives.
 *
 * cb is called for each regular file with its name as in the archive, "./" and "/" stripped;
 * returning non-zero stops the walk and is returned.
 */
typedef int (*initrd_file_cb)(void *userdata, const char *name, const uint8_t *data, size_t size,
			      uint32_t mode);

/*
 * Decompressed bytes one image may unpack to, all its streams together: real images unpack to
 * a few hundred MB; beyond this, -EFBIG.
 */
#define INITRD_OUT_MAX (1ULL << 30)

/*
 * 0, the callback's non-zero value, or negative errno (-EBADMSG: not an image we can read,
 * -EFBIG: it unpacks to more than INITRD_OUT_MAX, -EBADFD: path is not a regular file).
 */
int initrd_walk(const char *path, initrd_file_cb cb, void *userdata);
/* The same on an image in memory, unpacking at most max_out bytes. */
int initrd_walk_mem(const uint8_t *p, size_t len, size_t max_out, initrd_file_cb cb,
		    void *userdata);
