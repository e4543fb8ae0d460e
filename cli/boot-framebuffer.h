/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * 1 and the holder's name in *ret (efifb, simpledrm, ...) when a firmware framebuffer in
 * /proc/iomem overlaps one of addr's memory BARs; 0 when none does; negative when the
 * device's resource file or /proc/iomem cannot be read.
 */
int boot_framebuffer_holder(const char *addr, char **ret);
