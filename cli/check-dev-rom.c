// SPDX-License-Identifier: GPL-2.0-or-later
/* PLACEHOLDER: written by the rom helper. */
#include "check.h"

void check_dev_rom(struct check *c, const struct check_dev *d)
{
	(void)c;
	(void)d;
}
