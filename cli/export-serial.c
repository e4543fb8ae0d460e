// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The PCI Device Serial Number of a device, read from its config space through the tree
 * (--root reads a capture's): what tells two devices with the same IDs apart when nothing
 * else about them differs, as lspci shows it so that it can be compared with `lspci -vv`.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "export.h"
#include "pci-extcap.h"
#include "pci.h"
#include "util.h"

int export_dev_serial(const char *addr, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	char s[VB_DSN_MAX];
	uint64_t dsn;
	size_t len = 0;
	int r;

	*ret = NULL;
	r = vb_pci_read_config(addr, &buf, &len);
	/* A tree without config files (a capture that left them out) shows no serial number. */
	if (r == -ENOENT)
		return -ENOENT;
	if (r < 0)
		return r;
	r = vb_dsn_parse((const uint8_t *)buf, len, &dsn);
	/* No extended space (conventional device), or only 64 bytes (not root): none shown. */
	if (r == -ENODATA)
		return -ENOENT;
	if (r < 0)
		return r;
	vb_dsn_format(dsn, s);
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}
