/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <libvirt/libvirt.h>

#include "domxml.h"

/*
 * Logs every reason not to give guest the disk: missing, used by the host (mounted, swap,
 * held, an XFS log, behind a loop device, busy for the kernel) or by another running domain
 * of conn, or not askable; warns of a kernel name and of an unassembled member. Returns how
 * many reasons there are (0: the disk may be given).
 */
unsigned runner_check_disk(virConnectPtr conn, const char *guest, const struct dom_disk *disk);
