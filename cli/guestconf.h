/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

/*
 * The [guest NAME] keys the runner uses, from vfio-boot.conf(5) below the root (or file):
 * shutdown-timeout and bridge. Leaves *timeout_usec and *bridge alone when unset. A missing
 * config is no error: the guest then runs with the defaults and the command line's options.
 */
int guestconf_read(const char *file, const char *name, uint64_t *timeout_usec, char **bridge);
