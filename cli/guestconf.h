/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

/*
 * The [guest NAME] keys the runner uses (shutdown-timeout and bridge), resolved by lib/ as the
 * generator resolves them: vb_guest_runner_settings() in lib/guest.h.
 */
int guestconf_read(const char *file, const char *name, uint64_t *timeout_usec, char **bridge);
