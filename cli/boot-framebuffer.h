/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

/* What /proc/iomem says of a firmware framebuffer inside a device's BAR. */
struct boot_framebuffer {
	char *holder;	     /* efifb, simpledrm, BOOTFB ... */
	uint64_t start, end; /* its range, inclusive */
};

/*
 * 1 and the holder in *ret when a firmware framebuffer in /proc/iomem overlaps one of addr's
 * memory BARs; 0 when none does; negative when the device's resource file or /proc/iomem
 * cannot be read, -EACCES when /proc/iomem hides its addresses (read without
 * CAP_SYS_ADMIN, every range shows as zero).
 */
int boot_framebuffer_holder(const char *addr, struct boot_framebuffer *ret);
void boot_framebuffer_done(struct boot_framebuffer *fb);

/* What to do about holder on the card: the fix `status` and `check` both give. */
int boot_framebuffer_fix(const char *holder, char **ret);
