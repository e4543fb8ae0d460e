// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "claim.h"
#include "log.h"
#include "sysroot.h"
#include "util.h"

#define VFIO_DRIVER "vfio-pci"

void vb_claim_result_done(struct vb_claim_result *res)
{
	free(res->driver_before);
	free(res->driver_after);
	*res = (struct vb_claim_result){0};
}

int vb_claim_write(FILE *dry_run, const char *value, const char *fmt, const char *arg)
{
	char path[256];

	snprintf(path, sizeof(path), fmt, arg);
	if (dry_run) {
		fprintf(dry_run, "    write \"%s\" to %s\n", value, path);
		return 0;
	}
	log_debug("writing \"%s\" to %s", value, path);
	return vb_write_file(path, value);
}

char *vb_claim_driver_module(const char *drv)
{
	char *mod = NULL;

	if (vb_readlink_basef(&mod, "/sys/bus/pci/drivers/%s/module", drv) < 0)
		return strdup(drv);
	return mod;
}

static int write_override(const struct vb_pci_dev *d, const char *value, FILE *dry_run)
{
	return vb_claim_write(dry_run, value, "/sys/bus/pci/devices/%s/driver_override", d->addr);
}

static int probe(const struct vb_pci_dev *d)
{
	return vb_claim_write(NULL, d->addr, "/sys/bus/pci/drivers_probe", NULL);
}

/* Gives the device back: without an override the kernel picks its host driver again. */
static void release(const struct vb_pci_dev *d)
{
	int r;

	r = write_override(d, "\n", NULL);
	if (r < 0)
		log_err(r,
			"%s: clearing driver_override: %m; the device stays without a driver until the next boot",
			d->addr);
	else
		(void)probe(d);
}

static int fail(struct vb_claim_result *res, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(struct vb_claim_result *res, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->error, sizeof(res->error), fmt, ap);
	va_end(ap);
	res->outcome = VB_OUTCOME_FAILED;
	return r;
}

static int unbind(const struct vb_pci_dev *d, const char *driver, FILE *dry_run)
{
	char path[160];

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/unbind", driver);
	return vb_claim_write(dry_run, d->addr, "%s", path);
}

int vb_claim_device(const struct vb_pci_dev *d, FILE *dry_run, struct vb_claim_result *res)
{
	int r;

	*res = (struct vb_claim_result){0};
	r = vb_pci_read_driver(d->addr, &res->driver_before);
	if (r == -ENOLINK)
		return fail(
			res, r,
			"its driver link points to %s, which is not there (no /sys/bus/pci/drivers/%s): the driver was removed or unloaded while it held the device; not touched; after boot, remove and rescan the device (echo 1 > /sys/bus/pci/devices/%s/remove; echo 1 > /sys/bus/pci/rescan) and check that its driver loads",
			res->driver_before, res->driver_before, d->addr);
	if (r < 0 && r != -ENOENT)
		return fail(res, r, "reading its driver link failed (%s); not touched",
			    strerror(-r));
	if (streq_ptr(res->driver_before, VFIO_DRIVER)) {
		res->outcome = VB_OUTCOME_ALREADY;
		res->driver_after = strdup(VFIO_DRIVER);
		return 0;
	}

	r = write_override(d, VFIO_DRIVER, dry_run);
	if (r < 0)
		return fail(res, r, "the kernel refused driver_override (%s); it stays with %s",
			    strerror(-r), strna(res->driver_before));

	if (res->driver_before) {
		r = unbind(d, res->driver_before, dry_run);
		if (r < 0) {
			release(d);
			return fail(
				res, r,
				"%s would not let go of it (unbind: %s); it stays with %s; the binder must run before %s loads: rebuild the initramfs",
				res->driver_before, strerror(-r), res->driver_before,
				res->driver_before);
		}
	}

	if (dry_run) {
		vb_claim_write(dry_run, d->addr, "/sys/bus/pci/drivers_probe", NULL);
		res->outcome = VB_OUTCOME_PLANNED;
		return 0;
	}

	r = probe(d);
	if (r < 0)
		log_debug("%s: drivers_probe: %s", d->addr, strerror(-r));
	r = vb_pci_read_driver(d->addr, &res->driver_after);
	if (r == -ENOENT) {
		/* Some kernels take drivers_probe but do not attach: ask vfio-pci directly. */
		r = vb_claim_write(NULL, d->addr, "/sys/bus/pci/drivers/" VFIO_DRIVER "/bind",
				   NULL);
		if (r < 0)
			log_debug("%s: vfio-pci/bind: %s", d->addr, strerror(-r));
		r = vb_pci_read_driver(d->addr, &res->driver_after);
	}
	if (streq_ptr(res->driver_after, VFIO_DRIVER)) {
		res->outcome = VB_OUTCOME_CLAIMED;
		return 0;
	}

	/* Hand it back: the driver that won goes, the override goes, the kernel probes again. */
	{
		_cleanup_free_ char *won = TAKE_PTR(res->driver_after);

		if (won)
			(void)unbind(d, won, NULL);
		release(d);
		(void)vb_pci_read_driver(d->addr, &res->driver_after);
		return fail(
			res, -EIO,
			"after probing, its driver was %s, not vfio-pci (see vfio-pci's messages in the kernel log); driver_override cleared, it is now with %s",
			strna(won), strna(res->driver_after));
	}
}
