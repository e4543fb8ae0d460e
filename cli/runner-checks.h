/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <libvirt/libvirt.h>

#include "domxml.h"

/*
 * Logs every reason not to start guest and returns how many there are (0: it may start).
 * extra_bridge (or NULL) is a bridge the guest reaches through a libvirt network.
 */
int precheck_domain(virConnectPtr conn, const char *guest, const struct dom_info *d,
		    const char *extra_bridge);
