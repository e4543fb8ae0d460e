// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Devices that come after the program started: a device hot-added through the kernel double,
 * and the id-table matches of devices that do not exist yet (VFs, hot-added cards).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "fixture-internal.h"
#include "mock-common.h"

void fx_id_driver(struct fx *fx, unsigned int vendor, unsigned int device, const char *drv)
{
	_cleanup_free_ char *line = NULL;

	if (!mock_is_plain_name(drv))
		fx_die("bad driver name '%s'", drv);
	line = fx_asprintf("%04x:%04x %s\n", vendor, device, drv);
	fx_append(fx, MOCK_NATURAL, line);
}

void fx_hot_add(struct fx *fx, const char *addr, const struct fx_dev *dev)
{
	int status;

	if (dev->bound)
		fx_die("hot-add %s: the kernel binds it, not the fixture (bound = false)", addr);
	fx_device(fx, addr, dev);
	status = fx_run(fx, (const char *const[]){fx_mock_write(), "hot-add", addr, NULL});
	if (status != 0)
		fx_die("hot-add %s: mock-write exited %d", addr, status);
}
