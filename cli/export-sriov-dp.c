// SPDX-License-Identifier: GPL-2.0-or-later
/* vfio-boot export sriov-dp: placeholder, filled in by its own change. */
#include <errno.h>

#include "export.h"

int export_sriov_dp(const struct export *e, FILE *f)
{
	(void)e;
	(void)f;
	return -EOPNOTSUPP;
}
