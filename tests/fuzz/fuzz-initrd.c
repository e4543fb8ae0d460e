// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the initramfs reader of `vfio-boot check` (cli/initrd.c): any bytes as an
 * image, through the cpio walk and the gzip, xz, zstd and lz4 (legacy and frame) streams.
 *
 * The budget is 64 MiB of unpacked bytes instead of the real 2 GiB, so that a decompression
 * bomb ends in -EFBIG well inside libFuzzer's memory limit; the code that enforces it is the
 * same.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "initrd.h"

#define FUZZ_OUT_MAX (64u << 20)

/* Every byte a callback is given is read, so that ASan sees a member that runs past its image. */
static int file_cb(void *userdata, const char *name, const uint8_t *data, size_t size,
		   uint32_t mode)
{
	unsigned *sum = userdata;

	(void)mode;
	*sum += strlen(name);
	for (size_t i = 0; i < size; i++)
		*sum += data[i];
	/* The check stops at nothing: neither does this. */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned sum = 0;
	int r = initrd_walk_mem(data, size, FUZZ_OUT_MAX, file_cb, &sum);

	/* Only these come back: the callback never stops the walk. */
	if (r != 0 && r != -EBADMSG && r != -EFBIG && r != -ENOMEM)
		abort();
	return 0;
}
