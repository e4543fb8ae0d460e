// SPDX-License-Identifier: GPL-2.0-or-later
/* vfio-boot export proxmox: placeholder, filled in by its own change. */
#include <errno.h>

#include "export.h"

int export_proxmox(const struct export *e, FILE *f)
{
	(void)e;
	(void)f;
	return -EOPNOTSUPP;
}
