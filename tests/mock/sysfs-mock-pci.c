// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PCI devices and drivers in the kernel double's fake sysfs: binding, unbinding and
 * attaching as the PCI driver core does.
 */
#include "sysfs-mock.h"

/* ------------------------------------------------------------------------ */
/* PCI devices and drivers in the fake sysfs.                               */

int find_dev(const char *addr, struct pcidev *d)
{
	char path[PATH_MAX];

	if (!mock_is_pci_addr(addr))
		return -ENODEV;
	if (real_realpath(at_root(path, "sys/bus/pci/devices/%s", addr), d->dir) == NULL)
		return -ENODEV;
	copy_str(d->addr, sizeof(d->addr), addr);
	return 0;
}

void dev_driver(const struct pcidev *d, char *out, size_t size)
{
	char path[PATH_MAX];

	path_join(path, d->dir, "driver");
	link_basename(path, out, size);
}

static void dev_override(const struct pcidev *d, char *out, size_t size)
{
	char path[PATH_MAX];

	path_join(path, d->dir, "driver_override");
	if (read_file(path, out, size) < 0)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	if (strcmp(out, "(null)") == 0)
		out[0] = '\0';
}

bool driver_exists(const char *drv)
{
	char path[PATH_MAX];

	return mock_is_plain_name(drv) && is_dir(at_root(path, "sys/bus/pci/drivers/%s", drv));
}

/*
 * The driver whose id table matches @d: natural-drivers names it by address, or by
 * "VENDOR:DEVICE" for devices that do not exist yet when the test starts (VFs, hot-added).
 */
static bool natural_driver(const struct pcidev *d, char *out, size_t size)
{
	char path[PATH_MAX], vendor[16], device[16], ids[32];

	if (lookup_pair(MOCK_NATURAL, d->addr, out, size))
		return true;
	if (read_file(path_join(path, d->dir, "vendor"), vendor, sizeof(vendor)) < 7 ||
	    read_file(path_join(path, d->dir, "device"), device, sizeof(device)) < 7)
		return false;
	/* "0x8086\n" -> "8086:10ca" */
	snprintf(ids, sizeof(ids), "%.4s:%.4s", vendor + 2, device + 2);
	return lookup_pair(MOCK_NATURAL, ids, out, size);
}

/* pci_bus_match(): driver_override decides alone; else the id tables do. */
bool dev_matches(const struct pcidev *d, const char *drv)
{
	char want[256];

	dev_override(d, want, sizeof(want));
	if (want[0] == '\0' && !natural_driver(d, want, sizeof(want)))
		return false;
	return strcmp(want, drv) == 0;
}

/* A driver's probe() ran for @d: ADDR\tDRV in probes.log, so tests can say "never probed". */
static void log_probe(const struct pcidev *d, const char *drv)
{
	char path[PATH_MAX], line[300];

	snprintf(line, sizeof(line), "%s\t%s\n", d->addr, drv);
	write_file(at_root(path, MOCK_PROBES_LOG), line, O_APPEND);
}

static void dev_group(const struct pcidev *d, char *out, size_t size)
{
	char path[PATH_MAX];

	path_join(path, d->dir, "iommu_group");
	link_basename(path, out, size);
}

/* vfio creates /dev/vfio/GROUP while a device of the group is bound to vfio-pci. */
static void update_vfio_node(const struct pcidev *d)
{
	char group[64], path[PATH_MAX], node[PATH_MAX], drv[256];
	struct dirent *e;
	bool used = false;
	DIR *dir;

	dev_group(d, group, sizeof(group));
	if (group[0] == '\0')
		return;
	dir = REAL(opendir)(at_root(path, "sys/kernel/iommu_groups/%s/devices", group));
	if (dir != NULL) {
		while ((e = readdir(dir)) != NULL) {
			struct pcidev member;

			if (!mock_is_pci_addr(e->d_name) || find_dev(e->d_name, &member) < 0)
				continue;
			dev_driver(&member, drv, sizeof(drv));
			used = used || strcmp(drv, "vfio-pci") == 0;
		}
		closedir(dir);
	}
	at_root(node, "dev/vfio/%s", group);
	if (used && !exists(node)) {
		mkdir_p(at_root(path, "dev/vfio"));
		write_file(node, "", O_TRUNC);
	} else if (!used) {
		REAL(unlink)(node);
	}
}

/* uevent's DRIVER= follows the binding, as the kernel's does at every read. */
static void update_uevent(const struct pcidev *d, const char *drv)
{
	char path[PATH_MAX], text[4096];
	ssize_t n;

	path_join(path, d->dir, "uevent");
	n = read_file(path, text, sizeof(text));
	if (n < 0 || (size_t)n >= sizeof(text) - 1)
		return;
	text[n] = '\0';
	if (mock_uevent_set_driver(text, sizeof(text), drv) == 0)
		write_file(path, text, O_TRUNC);
}

int dev_bind(const struct pcidev *d, const char *drv)
{
	char drvdir[PATH_MAX], link[PATH_MAX], target[PATH_MAX];

	log_probe(d, drv);
	at_root(drvdir, "sys/bus/pci/drivers/%s", drv);
	path_join(link, d->dir, "driver");
	if (mock_relpath(d->dir, drvdir, target, sizeof(target)) < 0 ||
	    REAL(symlink)(target, link) < 0)
		return -errno ?: -ENAMETOOLONG;
	path_join(link, drvdir, d->addr);
	if (mock_relpath(drvdir, d->dir, target, sizeof(target)) < 0 ||
	    REAL(symlink)(target, link) < 0)
		return -errno ?: -ENAMETOOLONG;
	update_uevent(d, drv);
	update_vfio_node(d);
	return 0;
}

void dev_unbind(const struct pcidev *d, const char *drv)
{
	char path[PATH_MAX];

	path_join(path, d->dir, "driver");
	REAL(unlink)(path);
	REAL(unlink)(at_root(path, "sys/bus/pci/drivers/%s/%s", drv, d->addr));
	update_uevent(d, NULL);
	update_vfio_node(d);
}

/*
 * "probe ADDR noop": the driver named by driver_override says yes and binds
 * nothing.  Host drivers found through their id tables still bind, so a
 * device given back (override cleared, probed again) returns to its driver.
 */
bool override_probe_is_noop(const struct pcidev *d)
{
	char want[256], value[16];

	dev_override(d, want, sizeof(want));
	if (want[0] == '\0' || !inject_find("probe", d->addr, value, sizeof(value)) ||
	    strcmp(value, "noop") != 0)
		return false;
	log_probe(d, want);
	return true;
}

/* device_attach()/driver_attach() for an unbound device; never fails. */
void dev_attach(const struct pcidev *d, enum attach_mode mode, const char *drv)
{
	char want[256], winner[256];

	if (mode == ATTACH_REGISTER && !dev_matches(d, drv))
		return;
	if (!vf_can_probe(d))
		return;
	if (override_probe_is_noop(d))
		return;
	if (inject_find("bind", d->addr, winner, sizeof(winner))) {
		if (driver_exists(winner))
			dev_bind(d, winner);
		return;
	}
	dev_override(d, want, sizeof(want));
	if (want[0] == '\0' && !natural_driver(d, want, sizeof(want)))
		return;
	if (driver_exists(want))
		dev_bind(d, want);
}
