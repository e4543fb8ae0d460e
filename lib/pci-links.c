// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The links of a PCI function the scan leaves alone when uevent says enough: the driver link
 * (the fallback without uevent, the listings, the claim's re-reads) and the bus's link to the
 * device, which gives the topology path.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "pci-internal.h"
#include "pci-parse.h"
#include "pci.h"
#include "sysroot.h"
#include "util.h"

bool vb_pci_driver_dir_gone(struct vb_pci_scan *sc, const char *name)
{
	struct stat st;
	char p[NAME_MAX + 16];
	bool gone;

	for (size_t i = 0; i < sc->ndrv; i++)
		if (streq(sc->drv[i].name, name))
			return sc->drv[i].gone;
	vb_pci_attr_path(p, sizeof(p), "../drivers", name);
	gone = fstatat(sc->dirfd, p, &st, 0) < 0 && errno == ENOENT;
	/* A full cache only costs a stat per device from then on. */
	if (sc->ndrv < ELEMENTSOF(sc->drv)) {
		strcpy(sc->drv[sc->ndrv].name, name);
		sc->drv[sc->ndrv++].gone = gone;
	}
	return gone;
}

/*
 * A driver link of the kernel's form is there when /sys/bus/pci/drivers/NAME is; anything
 * else is stat()ed as it is.
 */
static bool driver_gone(struct vb_pci_scan *sc, const char *rel, const char *devlink,
			const char *link)
{
	const char *name = vb_pci_driver_link_name(devlink, link);
	struct stat st;

	if (!name)
		return fstatat(sc->dirfd, rel, &st, 0) < 0 && errno == ENOENT;
	return vb_pci_driver_dir_gone(sc, name);
}

int vb_pci_driver_link_read(struct vb_pci_scan *sc, const char *name, const char *devlink,
			    struct vb_pci_dev *d)
{
	char link[PATH_MAX], rel[NAME_MAX + 32];
	int r;

	vb_pci_attr_path(rel, sizeof(rel), name, "driver");
	r = vb_pci_readlink_at(sc->dirfd, rel, link, sizeof(link));
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return vb_pci_mark(d, VB_PCI_UNKNOWN_DRIVER, "driver: %s", strerror(-r));
	d->driver = strdup(vb_pci_basename(link));
	if (!d->driver)
		return -ENOMEM;
	d->driver_gone = driver_gone(sc, rel, devlink, link);
	return 0;
}

static int read_path(const char *name, const char *devlink, struct vb_pci_dev *d)
{
	_cleanup_free_ char *p = NULL, *real = NULL;
	int r;

	/* The bus's link names the whole chain of bridges: no need to resolve it hop by hop. */
	if (devlink) {
		r = vb_pci_topology_path(devlink, &d->path);
	} else {
		r = vb_pathf(&p, "/sys/bus/pci/devices/%s", name);
		if (r < 0)
			return r;
		real = realpath(p, NULL);
		r = real ? vb_pci_topology_path(real + strlen(vb_root()), &d->path) : -errno;
	}
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return vb_pci_mark(d, VB_PCI_UNKNOWN_PATH, "topology path: %s", strerror(-r));
	return 0;
}

int vb_pci_load_path(struct vb_pci_dev *d)
{
	_cleanup_free_ char *link = NULL;

	if (!d->path_unread)
		return 0;
	d->path_unread = false;
	return read_path(d->addr,
			 vb_readlinkf(&link, "/sys/bus/pci/devices/%s", d->addr) == 0 ? link : NULL,
			 d);
}

int vb_pci_load_links(struct vb_pci *pci)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct vb_pci_scan sc = {0};
	int r;

	r = vb_pci_scan_open(&sc, &dir);
	if (r < 0)
		return r;
	for (size_t i = 0; i < pci->n; i++) {
		struct vb_pci_dev *d = &pci->devs[i];
		char link[PATH_MAX];
		const char *devlink;

		devlink = vb_pci_readlink_at(sc.dirfd, d->addr, link, sizeof(link)) == 0 ? link
											 : NULL;
		if (d->path_unread) {
			d->path_unread = false;
			r = read_path(d->addr, devlink, d);
			if (r < 0)
				return r;
		}
		/* Its link was read already, and could not be. */
		if (d->unknown & VB_PCI_UNKNOWN_DRIVER)
			continue;
		free(d->driver);
		d->driver = NULL;
		d->driver_gone = false;
		r = vb_pci_driver_link_read(&sc, d->addr, devlink, d);
		if (r < 0)
			return r;
	}
	return 0;
}

int vb_pci_read_driver(const char *addr, char **ret)
{
	_cleanup_free_ char *link = NULL;
	int r;

	*ret = NULL;
	r = asprintf_safe(&link, "/sys/bus/pci/devices/%s/driver", addr);
	if (r < 0)
		return r;
	r = vb_readlink_base(link, ret);
	if (r < 0)
		return r;
	return vb_exists(link) ? 0 : -ENOLINK;
}
