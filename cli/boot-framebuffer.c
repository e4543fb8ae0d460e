// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Whether a firmware framebuffer still holds a device's memory: efifb, simplefb, simpledrm
 * and vesafb claim the boot framebuffer's range in /proc/iomem without binding the PCI
 * device, so vfio-pci can bind and the guest still fails to map the BAR. The ranges of the
 * device come from its sysfs `resource` file; the holders' names from /proc/iomem. Declared
 * in inspect.h, for `vfio-boot status`.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "boot-framebuffer.h"
#include "readonly.h"
#include "sysroot.h"
#include "util.h"

static const char *const fb_names[] = {"efifb",	 "simplefb", "simpledrm",
				       "vesafb", "BOOTFB",   "simple-framebuffer"};

static bool is_fb(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(fb_names); i++)
		if (startswith(name, fb_names[i]))
			return true;
	return false;
}

int boot_framebuffer_fix(const char *holder, char **ret)
{
	return asprintf_safe(ret,
			     "make another card the firmware's boot display, or keep %s off this "
			     "card (video=efifb:off, or initcall_blacklist= of its driver)",
			     holder);
}

void boot_framebuffer_done(struct boot_framebuffer *fb)
{
	free(fb->holder);
	*fb = (struct boot_framebuffer){0};
}

int boot_framebuffer_holder(const char *addr, struct boot_framebuffer *ret)
{
	bool any_address = false;
	_cleanup_free_ char *res = NULL, *iomem = NULL;
	uint64_t bar_start[17], bar_end[17];
	size_t n = 0;
	int r;

	*ret = (struct boot_framebuffer){0};
	r = vb_readf(&res, "/sys/bus/pci/devices/%s/resource", addr);
	if (r < 0)
		return r;
	for (char *save = NULL, *l = strtok_r(res, "\n", &save); l && n < ELEMENTSOF(bar_start);
	     l = strtok_r(NULL, "\n", &save)) {
		uint64_t s, e, flags;

		/* Memory BARs only (IORESOURCE_MEM): framebuffers are not in I/O space. */
		if (sscanf(l, "%" SCNx64 " %" SCNx64 " %" SCNx64, &s, &e, &flags) == 3 && e > s &&
		    (flags & 0x200)) {
			bar_start[n] = s;
			bar_end[n++] = e;
		}
	}
	r = vb_read_file("/proc/iomem", &iomem);
	if (r < 0)
		return r;
	for (char *save = NULL, *l = strtok_r(iomem, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		uint64_t s, e;
		char *name = strstr(l, " : ");

		if (!name || sscanf(l, " %" SCNx64 "-%" SCNx64, &s, &e) != 2)
			continue;
		if (e)
			any_address = true;
		name += 3;
		if (!is_fb(name))
			continue;
		for (size_t i = 0; i < n; i++)
			if (s <= bar_end[i] && e >= bar_start[i]) {
				*ret = (struct boot_framebuffer){strdup(name), s, e};
				return ret->holder ? 1 : -ENOMEM;
			}
	}
	return any_address ? 0 : -EACCES;
}
