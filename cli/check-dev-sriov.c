// SPDX-License-Identifier: GPL-2.0-or-later
/* PLACEHOLDER: written by the sriov helper. */
#include "check.h"

void check_dev_sriov(struct check *c, const struct check_dev *d)
{
	(void)c;
	(void)d;
}

void check_overrides(struct check *c)
{
	(void)c;
}
