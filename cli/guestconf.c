// SPDX-License-Identifier: GPL-2.0-or-later
#include "guest.h"
#include "guestconf.h"

int guestconf_read(const char *file, const char *name, uint64_t *timeout_usec, char **bridge)
{
	return vb_guest_runner_settings(file, name, timeout_usec, bridge);
}
