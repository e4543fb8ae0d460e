// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>

#include "claim.h"
#include "log.h"
#include "sysroot.h"
#include "util.h"

#define VFIO_DRIVER "vfio-pci"

const char *claim_outcome_name(enum claim_outcome o)
{
	switch (o) {
	case CLAIM_CLAIMED:
		return "claimed";
	case CLAIM_ALREADY:
		return "already";
	case CLAIM_PLANNED:
		return "planned";
	default:
		return "failed";
	}
}

void claim_result_done(struct claim_result *res)
{
	free(res->driver_before);
	free(res->driver_after);
	*res = (struct claim_result){0};
}

static int sysfs_write(bool dry_run, const char *value, const char *fmt, const char *arg)
{
	char path[256];

	snprintf(path, sizeof(path), fmt, arg);
	if (dry_run) {
		printf("    write \"%s\" to %s\n", value, path);
		return 0;
	}
	log_debug("writing \"%s\" to %s", value, path);
	return vb_write_file(path, value);
}

static int write_override(const struct vb_pci_dev *d, const char *value, bool dry_run)
{
	return sysfs_write(dry_run, value, "/sys/bus/pci/devices/%s/driver_override", d->addr);
}

static int probe(const struct vb_pci_dev *d)
{
	return sysfs_write(false, d->addr, "/sys/bus/pci/drivers_probe", NULL);
}

/* Gives the device back: without an override the kernel picks its host driver again. */
static void release(const struct vb_pci_dev *d)
{
	int r;

	r = write_override(d, "\n", false);
	if (r < 0)
		log_err(r, "%s: clearing driver_override: %m; the device stays without a driver until the next boot",
			d->addr);
	else
		(void)probe(d);
}

static void set_error(struct claim_result *res, int r, const char *fmt, const char *arg)
{
	char what[160];

	snprintf(what, sizeof(what), fmt, arg);
	snprintf(res->error, sizeof(res->error), "%s: %s", what, strerror(-r));
	res->outcome = CLAIM_FAILED;
}

int claim_device(const struct vb_pci_dev *d, bool dry_run, struct claim_result *res)
{
	char unbind[128];
	int r;

	*res = (struct claim_result){0};
	r = vb_pci_read_driver(d->addr, &res->driver_before);
	if (r < 0 && r != -ENOENT) {
		set_error(res, r, "reading the driver link of %s", d->addr);
		return log_err(r, "%s: reading its driver link: %m; not touching it", d->addr);
	}
	if (streq_ptr(res->driver_before, VFIO_DRIVER)) {
		res->outcome = CLAIM_ALREADY;
		res->driver_after = strdup(VFIO_DRIVER);
		return 0;
	}

	r = write_override(d, VFIO_DRIVER, dry_run);
	if (r < 0) {
		set_error(res, r, "writing driver_override of %s", d->addr);
		return log_err(r, "%s: writing vfio-pci to driver_override: %m; not claimed, it stays with %s",
			       d->addr, strna(res->driver_before));
	}

	if (res->driver_before) {
		snprintf(unbind, sizeof(unbind), "/sys/bus/pci/drivers/%s/unbind", res->driver_before);
		r = sysfs_write(dry_run, d->addr, "%s", unbind);
		if (r < 0) {
			set_error(res, r, "unbinding from %s", res->driver_before);
			log_err(r, "%s: unbinding it from %s: %m; not claimed, it stays with %s",
				d->addr, res->driver_before, res->driver_before);
			release(d);
			return r;
		}
	}

	if (dry_run) {
		sysfs_write(true, d->addr, "/sys/bus/pci/drivers_probe", NULL);
		res->outcome = CLAIM_PLANNED;
		return 0;
	}

	r = probe(d);
	if (r < 0)
		log_debug("%s: drivers_probe: %s", d->addr, strerror(-r));
	r = vb_pci_read_driver(d->addr, &res->driver_after);
	if (r == -ENOENT) {
		/* Some kernels take drivers_probe but do not attach: ask vfio-pci directly. */
		r = sysfs_write(false, d->addr, "/sys/bus/pci/drivers/" VFIO_DRIVER "/bind", NULL);
		if (r < 0)
			log_debug("%s: vfio-pci/bind: %s", d->addr, strerror(-r));
		r = vb_pci_read_driver(d->addr, &res->driver_after);
	}
	if (streq_ptr(res->driver_after, VFIO_DRIVER)) {
		res->outcome = CLAIM_CLAIMED;
		return 0;
	}

	snprintf(res->error, sizeof(res->error), "after probing, its driver is %s, not vfio-pci",
		 strna(res->driver_after));
	res->outcome = CLAIM_FAILED;
	log_err(-EIO, "%s: %s; clearing driver_override so that it can go back to %s",
		d->addr, res->error, strna(res->driver_before));
	if (res->driver_after) {
		snprintf(unbind, sizeof(unbind), "/sys/bus/pci/drivers/%s/unbind", res->driver_after);
		(void)sysfs_write(false, d->addr, "%s", unbind);
	}
	release(d);
	free(res->driver_after);
	res->driver_after = NULL;
	(void)vb_pci_read_driver(d->addr, &res->driver_after);
	return -EIO;
}
