/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <libvirt/libvirt.h>

#include "domxml.h"
#include "guest.h"

/*
 * Logs every reason not to start guest and returns how many there are (0: it may start).
 * extra_bridge (or NULL) is a bridge the guest reaches through a libvirt network.
 */
int precheck_domain(virConnectPtr conn, const char *guest, const struct dom_info *d,
		    const char *extra_bridge);

/*
 * Waits, at most wait->usec in all, for each [device] section of the guest whose record says
 * pending (its devices come after boot); logs each that is still pending at the end and
 * returns how many (0: the checks may go on).
 */
int wait_devices(const char *guest, const struct vb_guest_wait *wait);
