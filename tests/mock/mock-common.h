/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pieces shared by the preloaded kernel double (sysfs-mock.c) and the
 * fixture builder (fixture*.c): names of the state files under ROOT/.mock and
 * pure string helpers.  Nothing here may call a file system function, because
 * inside the preloaded library those calls would land in our own wrappers.
 */
#ifndef VFIO_BOOT_MOCK_COMMON_H
#define VFIO_BOOT_MOCK_COMMON_H

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Test-only state, next to the fake tree but outside what a kernel shows. */
#define MOCK_STATE_DIR	    ".mock"
#define MOCK_WRITES_LOG	    ".mock/writes.log"
#define MOCK_MODULES_LOG    ".mock/modules.log"
#define MOCK_UNLOADS_LOG    ".mock/unloads.log"
#define MOCK_INJECT	    ".mock/inject"
#define MOCK_NATURAL	    ".mock/natural-drivers"
#define MOCK_MODULE_DRIVERS ".mock/module-drivers"
#define MOCK_PROBES_LOG	    ".mock/probes.log"

/* What /proc/modules and /sys/module/NAME/coresize claim for a mocked module. */
#define MOCK_MODULE_SIZE 16384

/* Domain:bus:slot.function as the kernel names PCI devices, e.g. 0000:01:00.0. */
static inline bool mock_is_pci_addr(const char *s)
{
	static const char shape[] = "xxxx:xx:xx.x";

	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'x' ? !isxdigit((unsigned char)s[i]) : s[i] != shape[i])
			return false;
	}
	return s[sizeof(shape) - 1] == '\0';
}

/* A single path component we may glue into a path without escaping the tree. */
static inline bool mock_is_plain_name(const char *s)
{
	return s[0] != '\0' && strchr(s, '/') == NULL && strcmp(s, ".") != 0 &&
	       strcmp(s, "..") != 0;
}

/*
 * Relative symlink target leading from directory @from to @to, both
 * canonical absolute paths: sysfs links are relative, so the fake tree keeps
 * working wherever it lives.
 */
static inline int mock_relpath(const char *from, const char *to, char *out, size_t size)
{
	size_t common = 0, i, len = 0;
	int n;

	for (i = 0; from[i] != '\0' && from[i] == to[i]; i++) {
		if (from[i] == '/')
			common = i;
	}
	if (from[i] == '\0' && (to[i] == '/' || to[i] == '\0'))
		common = i;

	out[0] = '\0';
	for (i = common; from[i] != '\0'; i++) {
		if (from[i] != '/')
			continue;
		n = snprintf(out + len, size - len, "../");
		if (n < 0 || (size_t)n >= size - len)
			return -ENAMETOOLONG;
		len += (size_t)n;
	}
	n = snprintf(out + len, size - len, "%s",
		     to[common] == '/' ? to + common + 1 : to + common);
	if (n < 0 || (size_t)n >= size - len)
		return -ENAMETOOLONG;
	if (out[0] == '\0')
		snprintf(out, size, ".");
	return 0;
}

/*
 * A PCI function's uevent as the kernel makes it at each read: dev_uevent() puts DRIVER=name
 * first while a driver is bound, then the bus's keys. Rewrites @text (a uevent) in place for
 * @drv, NULL when unbound; -ENAMETOOLONG when @size cannot hold it.
 */
static inline int mock_uevent_set_driver(char *text, size_t size, const char *drv)
{
	char out[4096];
	size_t len = 0;
	int n;

	if (drv != NULL) {
		n = snprintf(out, sizeof(out), "DRIVER=%s\n", drv);
		if (n < 0 || (size_t)n >= sizeof(out))
			return -ENAMETOOLONG;
		len = (size_t)n;
	}
	for (const char *l = text, *end; *l != '\0'; l = *end != '\0' ? end + 1 : end) {
		end = strchrnul(l, '\n');
		if (strncmp(l, "DRIVER=", 7) == 0)
			continue;
		n = snprintf(out + len, sizeof(out) - len, "%.*s\n", (int)(end - l), l);
		if (n < 0 || (size_t)n >= sizeof(out) - len)
			return -ENAMETOOLONG;
		len += (size_t)n;
	}
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(text, out, len + 1);
	return 0;
}

/* "EBUSY" or "16" -> 16; 0 when the text names no errno. */
static inline int mock_errno_parse(const char *s)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return 0;
	v = strtol(s, &end, 10);
	if (*end == '\0')
		return v > 0 && v < 4096 ? (int)v : 0;
	for (int e = 1; e < 4096; e++) {
		const char *name = strerrorname_np(e);

		if (name != NULL && strcmp(name, s) == 0)
			return e;
	}
	return 0;
}

static inline const char *mock_errno_name(int e)
{
	const char *name = strerrorname_np(e);

	return name != NULL ? name : "EUNKNOWN";
}

#endif
