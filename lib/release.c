// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "claim.h"
#include "holders.h"
#include "log.h"
#include "pci.h"
#include "release.h"
#include "sysroot.h"
#include "util.h"

#define VFIO_DRIVER "vfio-pci"

void vb_release_result_done(struct vb_release_result *res)
{
	free(res->driver_after);
	*res = (struct vb_release_result){.group = -1};
}

static int fail(struct vb_release_result *res, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(struct vb_release_result *res, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->error, sizeof(res->error), fmt, ap);
	va_end(ap);
	return r;
}

/* Whoever holds dev: -EBUSY, with them named in res->error. */
static int held(const char *addr, const char *dev, const char *what, struct vb_release_result *res)
{
	char who[400];
	int r;

	r = vb_holders_find(dev, &res->holders);
	if (r < 0)
		return fail(res, r, "%s/proc cannot be read (%s): cannot tell who holds %s",
			    vb_root(), strerror(-r), dev);
	if (res->holders.unreadable)
		log_notice("%s: %zu processes could not be inspected for %s (skipped)", addr,
			   res->holders.unreadable, dev);
	if (res->holders.n == 0)
		return 0;
	vb_holders_format(&res->holders, who, sizeof(who));
	return fail(res, -EBUSY,
		    "%s holds %s (%s): stop it (shut the guest down) and release again", who, dev,
		    what);
}

int vb_release_check(const char *addr, struct vb_release_result *res)
{
	struct vb_dev_files files;
	char what[64];
	int r;

	*res = (struct vb_release_result){.group = -1};
	vb_dev_files(addr, &files);
	for (size_t k = 0; k < files.n; k++) {
		if (files.v[k].kind != VB_DEV_FILE_CDEV)
			continue;
		r = held(addr, files.v[k].path, "the device's own VFIO file", res);
		if (r < 0)
			return r;
	}
	if (files.group_err == -ENOENT)
		return 0; /* no IOMMU: no group file to hold */
	if (files.group_err < 0)
		return fail(res, files.group_err, "its IOMMU group cannot be read (%s)",
			    strerror(-files.group_err));
	res->group = files.group;
	snprintf(what, sizeof(what), "IOMMU group %d", files.group);
	for (size_t k = 0; k < files.n; k++)
		if (files.v[k].kind == VB_DEV_FILE_GROUP)
			return held(addr, files.v[k].path, what, res);
	return 0;
}

int vb_release_device(const char *addr, FILE *dry_run, struct vb_release_result *res)
{
	_cleanup_free_ char *before = NULL;
	int r;

	r = vb_pci_read_driver(addr, &before);
	if (r < 0 && r != -ENOENT) {
		*res = (struct vb_release_result){.group = -1};
		return fail(res, r, "reading its driver link failed (%s); not touched",
			    strerror(-r));
	}
	if (!streq_ptr(before, VFIO_DRIVER)) {
		*res = (struct vb_release_result){.group = -1};
		res->driver_after = before ? strdup(before) : NULL;
		return fail(res, -EALREADY,
			    "it is not on vfio-pci (driver: %s): nothing to give back",
			    strna(before));
	}
	r = vb_release_check(addr, res);
	if (r < 0)
		return r;

	/* The override first: without it, the probe below would pick vfio-pci again. */
	r = vb_claim_write(dry_run, "\n", "/sys/bus/pci/devices/%s/driver_override", addr);
	if (r < 0)
		return fail(res, r, "clearing driver_override failed (%s); it stays on vfio-pci",
			    strerror(-r));
	r = vb_claim_write(dry_run, addr, "/sys/bus/pci/drivers/" VFIO_DRIVER "/unbind", NULL);
	if (r < 0)
		return fail(res, r, "vfio-pci would not let go of it (unbind: %s)", strerror(-r));
	r = vb_claim_write(dry_run, addr, "/sys/bus/pci/drivers_probe", NULL);
	if (dry_run)
		return 0;
	if (r < 0)
		log_debug("%s: drivers_probe: %s", addr, strerror(-r));
	r = vb_pci_read_driver(addr, &res->driver_after);
	if (r < 0 && r != -ENOENT)
		return fail(res, r, "reading its driver link after the probe failed (%s)",
			    strerror(-r));
	if (streq_ptr(res->driver_after, VFIO_DRIVER))
		return fail(
			res, -EIO,
			"vfio-pci took it again after the probe (a vfio-pci ids= option or a new_id?)");
	return 0;
}
