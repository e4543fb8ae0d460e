// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PCI devices and drivers in a fake tree: the device directories with their attributes and
 * config space bytes, bus links, IOMMU groups, slots, driver directories and bindings.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture-internal.h"
#include "mock-common.h"

static char *dev_dir(const struct fx *fx, const char *addr)
{
	_cleanup_free_ char *link = fx_asprintf("%s/sys/bus/pci/devices/%s", fx->root, addr);
	char *dir = realpath(link, NULL);

	if (dir == NULL)
		fx_die("no PCI device %s", addr);
	return dir;
}

static void touch(const char *dir, const char *name, mode_t mode)
{
	_cleanup_free_ char *path = fx_asprintf("%s/%s", dir, name);

	fx_put_bytes(path, "", 0, mode, O_TRUNC);
}

void fx_driver(struct fx *fx, const char *drv, const char *module)
{
	static const char *const attrs[] = {"bind", "unbind", "new_id", "remove_id", "uevent"};
	_cleanup_free_ char *dir = NULL, *mod = NULL, *link = NULL, *drivers = NULL, *back = NULL;

	if (!mock_is_plain_name(drv))
		fx_die("bad driver name '%s'", drv);
	dir = fx_asprintf("%s/sys/bus/pci/drivers/%s", fx->root, drv);
	if (access(dir, F_OK) == 0)
		return;
	fx_mkdirs(dir);
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		touch(dir, attrs[i], 0200);
	if (module == NULL)
		return;

	fx_module(fx, module, FX_LOADED);
	fx_module_provides(fx, module, drv);
	mod = fx_asprintf("%s/sys/module/%s", fx->root, module);
	link = fx_asprintf("%s/module", dir);
	fx_symlink_abs(link, mod);
	drivers = fx_asprintf("%s/drivers", mod);
	fx_mkdirs(drivers);
	back = fx_asprintf("%s/pci:%s", drivers, drv);
	fx_symlink_abs(back, dir);
}

/* uevent's DRIVER= follows the binding, as the kernel's does at every read. */
static void set_uevent_driver(const char *dir, const char *drv)
{
	_cleanup_free_ char *path = fx_asprintf("%s/uevent", dir);
	char text[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return; /* a test took it away */
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		fx_die("read %s: %m", path);
	text[n] = '\0';
	if (mock_uevent_set_driver(text, sizeof(text), drv) < 0)
		fx_die("%s: too long", path);
	fx_put_bytes(path, text, strlen(text), 0644, O_TRUNC);
}

void fx_bind(struct fx *fx, const char *addr, const char *drv)
{
	_cleanup_free_ char *dir = dev_dir(fx, addr);
	_cleanup_free_ char *drvdir = fx_asprintf("%s/sys/bus/pci/drivers/%s", fx->root, drv);
	_cleanup_free_ char *link = fx_asprintf("%s/driver", dir);
	_cleanup_free_ char *back = fx_asprintf("%s/%s", drvdir, addr);

	if (access(drvdir, F_OK) < 0)
		fx_die("bind %s: no driver %s (fx_driver first)", addr, drv);
	fx_symlink_abs(link, drvdir);
	fx_symlink_abs(back, dir);
	set_uevent_driver(dir, drv);
}

void fx_unbind(struct fx *fx, const char *addr)
{
	_cleanup_free_ char *dir = dev_dir(fx, addr);
	_cleanup_free_ char *drv = fx_driver_of(fx, addr);
	_cleanup_free_ char *link = fx_asprintf("%s/driver", dir);

	if (drv != NULL) {
		_cleanup_free_ char *back =
			fx_asprintf("%s/sys/bus/pci/drivers/%s/%s", fx->root, drv, addr);

		unlink(back);
	}
	unlink(link);
	set_uevent_driver(dir, NULL);
}

void fx_override(struct fx *fx, const char *addr, const char *drv)
{
	_cleanup_free_ char *dir = dev_dir(fx, addr);
	_cleanup_free_ char *path = fx_asprintf("%s/driver_override", dir);
	_cleanup_free_ char *text = fx_asprintf("%s\n", drv != NULL ? drv : "(null)");

	fx_put_bytes(path, text, strlen(text), 0644, O_TRUNC);
}

/* ------------------------------------------------------------------------ */
/* Devices.                                                                 */

static void put16(uint8_t *cfg, unsigned int off, unsigned int v)
{
	cfg[off] = v & 0xff;
	cfg[off + 1] = (v >> 8) & 0xff;
}

static void build_config(uint8_t cfg[256], unsigned int bus, const struct fx_dev *d)
{
	memset(cfg, 0, 256);
	put16(cfg, 0x00, d->vendor);
	put16(cfg, 0x02, d->device);
	put16(cfg, 0x04, 0x0003); /* I/O and memory decoding, as firmware leaves it */
	cfg[0x08] = d->revision & 0xff;
	cfg[0x09] = d->class & 0xff;
	cfg[0x0a] = (d->class >> 8) & 0xff;
	cfg[0x0b] = (d->class >> 16) & 0xff;
	cfg[0x0e] = d->header_type & 0x7f;
	if ((d->header_type & 0x7f) == 0) {
		put16(cfg, 0x2c, d->sub_vendor);
		put16(cfg, 0x2e, d->sub_device);
	} else {
		cfg[0x18] = bus & 0xff; /* primary bus; children fill in the rest */
	}
	cfg[0x3c] = d->irq & 0xff;
	cfg[0x3d] = d->irq ? 1 : 0; /* INTA */
}

static void patch_config(const char *devdir, void (*patch)(uint8_t *cfg, unsigned int arg),
			 unsigned int arg)
{
	_cleanup_free_ char *path = fx_asprintf("%s/config", devdir);
	uint8_t cfg[256];
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0 || pread(fd, cfg, sizeof(cfg), 0) != sizeof(cfg))
		fx_die("read %s: %m", path);
	patch(cfg, arg);
	if (pwrite(fd, cfg, sizeof(cfg), 0) != sizeof(cfg))
		fx_die("write %s: %m", path);
	close(fd);
}

static void set_multifunction(uint8_t *cfg, unsigned int unused)
{
	(void)unused;
	cfg[0x0e] |= 0x80;
}

static void set_secondary(uint8_t *cfg, unsigned int bus)
{
	cfg[0x19] = bus & 0xff;
	if (cfg[0x1a] < bus)
		cfg[0x1a] = bus & 0xff;
}

static void raise_subordinate(uint8_t *cfg, unsigned int bus)
{
	if (cfg[0x1a] < bus)
		cfg[0x1a] = bus & 0xff;
}

/* Bridges above the device route its bus: secondary/subordinate bus numbers. */
static void route_bus(const char *devdir, unsigned int bus)
{
	_cleanup_free_ char *dir = fx_asprintf("%s", devdir);
	bool direct = true;
	char *slash;

	while ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		slash = strrchr(dir, '/');
		if (slash == NULL || !mock_is_pci_addr(slash + 1))
			return;
		patch_config(dir, direct ? set_secondary : raise_subordinate, bus);
		direct = false;
	}
}

/* Functions of one slot share the multi-function bit in their header type. */
static void mark_slot_multifunction(struct fx *fx, const char *addr, bool force)
{
	_cleanup_free_ char *devices = fx_path(fx, "sys/bus/pci/devices");
	struct dirent **names = NULL;
	int n = scandir(devices, &names, NULL, alphasort), siblings = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < n; i++) {
			if (strncmp(names[i]->d_name, addr, 11) != 0)
				continue;
			if (pass == 0) {
				siblings++;
			} else if (force || siblings > 1) {
				_cleanup_free_ char *dir = dev_dir(fx, names[i]->d_name);

				patch_config(dir, set_multifunction, 0);
			}
		}
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void put_attr(const char *devdir, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void put_attr(const char *devdir, const char *name, const char *fmt, ...)
{
	_cleanup_free_ char *path = fx_asprintf("%s/%s", devdir, name);
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fx_put_bytes(path, text, strlen(text), 0644, O_TRUNC);
}

static void add_to_group(struct fx *fx, const char *addr, const char *devdir, int group)
{
	_cleanup_free_ char *gdir = fx_asprintf("%s/sys/kernel/iommu_groups/%d", fx->root, group);
	_cleanup_free_ char *type = fx_asprintf("%s/type", gdir);
	_cleanup_free_ char *member = fx_asprintf("%s/devices/%s", gdir, addr);
	_cleanup_free_ char *link = fx_asprintf("%s/iommu_group", devdir);

	fx_mkdirs(member);
	rmdir(member);
	if (access(type, F_OK) < 0)
		fx_put_bytes(type, "DMA\n", 4, 0644, O_TRUNC);
	fx_symlink_abs(member, devdir);
	fx_symlink_abs(link, gdir);
}

static void add_slot(struct fx *fx, const char *addr, const char *slot)
{
	_cleanup_free_ char *rel = fx_asprintf("sys/bus/pci/slots/%s/address", slot);
	_cleanup_free_ char *text = fx_asprintf("%.10s\n", addr);

	if (!mock_is_plain_name(slot))
		fx_die("bad slot name '%s'", slot);
	if (!fx_exists(fx, rel))
		fx_write(fx, rel, text, 0);
}

static void write_attrs(const char *dir, const char *addr, const struct fx_dev *d)
{
	unsigned int bus = (unsigned int)strtoul(addr + 5, NULL, 16);
	const char *reset = d->reset_method != NULL ? d->reset_method : "flr bus";
	uint8_t cfg[256];
	_cleanup_free_ char *cfgpath = fx_asprintf("%s/config", dir);

	put_attr(dir, "vendor", "0x%04x\n", d->vendor);
	put_attr(dir, "device", "0x%04x\n", d->device);
	put_attr(dir, "subsystem_vendor", "0x%04x\n", d->sub_vendor);
	put_attr(dir, "subsystem_device", "0x%04x\n", d->sub_device);
	put_attr(dir, "class", "0x%06x\n", d->class);
	put_attr(dir, "revision", "0x%02x\n", d->revision);
	put_attr(dir, "driver_override", "(null)\n");
	put_attr(dir, "enable", "%d\n", d->bound ? 1 : 0);
	put_attr(dir, "irq", "%u\n", d->irq);
	put_attr(dir, "numa_node", "-1\n");
	put_attr(dir, "modalias", "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n", d->vendor,
		 d->device, d->sub_vendor, d->sub_device, (d->class >> 16) & 0xff,
		 (d->class >> 8) & 0xff, d->class & 0xff);
	/* As the kernel's pci_uevent() shows it; fx_bind() and the double add DRIVER=. */
	put_attr(
		dir, "uevent",
		"PCI_CLASS=%X\nPCI_ID=%04X:%04X\nPCI_SUBSYS_ID=%04X:%04X\nPCI_SLOT_NAME=%s\nMODALIAS=pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n",
		d->class, d->vendor, d->device, d->sub_vendor, d->sub_device, addr, d->vendor,
		d->device, d->sub_vendor, d->sub_device, (d->class >> 16) & 0xff,
		(d->class >> 8) & 0xff, d->class & 0xff);
	if ((d->class >> 8) == 0x0300 && d->boot_vga >= 0)
		put_attr(dir, "boot_vga", "%d\n", d->boot_vga ? 1 : 0);
	if (reset[0] != '\0') {
		put_attr(dir, "reset_method", "%s\n", reset);
		touch(dir, "reset", 0200);
	}
	build_config(cfg, bus, d);
	fx_put_bytes(cfgpath, cfg, sizeof(cfg), 0644, O_TRUNC);
}

void fx_device(struct fx *fx, const char *addr, const struct fx_dev *d)
{
	_cleanup_free_ char *dir = NULL, *link = NULL, *pci = NULL;
	unsigned int bus;

	if (!mock_is_pci_addr(addr))
		fx_die("bad PCI address '%s'", addr);
	bus = (unsigned int)strtoul(addr + 5, NULL, 16);
	if (d->parent != NULL) {
		_cleanup_free_ char *up = dev_dir(fx, d->parent);

		dir = fx_asprintf("%s/%s", up, addr);
	} else {
		dir = fx_asprintf("%s/sys/devices/pci%.7s/%s", fx->root, addr, addr);
	}
	link = fx_asprintf("%s/sys/bus/pci/devices/%s", fx->root, addr);
	if (access(link, F_OK) == 0)
		fx_die("device %s exists", addr);
	fx_mkdirs(dir);
	write_attrs(dir, addr, d);

	fx_symlink_abs(link, dir);
	free(link);
	link = fx_asprintf("%s/subsystem", dir);
	pci = fx_asprintf("%s/sys/bus/pci", fx->root);
	fx_symlink_abs(link, pci);
	if (d->group >= 0)
		add_to_group(fx, addr, dir, d->group);
	if (d->slot != NULL)
		add_slot(fx, addr, d->slot);
	route_bus(dir, bus);
	mark_slot_multifunction(fx, addr, d->multifunction);

	if (d->host_driver != NULL) {
		_cleanup_free_ char *line = fx_asprintf("%s %s\n", addr, d->host_driver);

		fx_append(fx, MOCK_NATURAL, line);
	}
	if (d->bound) {
		_cleanup_free_ char *drvdir = NULL, *module = NULL;

		if (d->host_driver == NULL)
			fx_die("device %s: bound without host_driver", addr);
		drvdir = fx_asprintf("%s/sys/bus/pci/drivers/%s", fx->root, d->host_driver);
		if (access(drvdir, F_OK) < 0) {
			/* Most modules are named after their driver. */
			module = fx_asprintf("%s", d->host_driver);
			for (char *p = module; *p != '\0'; p++)
				*p = *p == '-' ? '_' : *p;
			fx_driver(fx, d->host_driver, module);
		}
		fx_bind(fx, addr, d->host_driver);
	}
}

void fx_port(struct fx *fx, const char *addr, const char *parent, int group)
{
	fx_device(fx, addr,
		  &(struct fx_dev){.parent = parent,
				   .vendor = 0x1b36,
				   .device = 0x000c,
				   .class = 0x060400,
				   .header_type = 1,
				   .group = group,
				   .host_driver = "pcieport",
				   .bound = true});
}
