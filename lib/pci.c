// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "pci-internal.h"
#include "pci-parse.h"
#include "pci.h"
#include "sysroot.h"
#include "util.h"

const char *vb_pci_attr_path(char *buf, size_t size, const char *dev, const char *attr)
{
	size_t d = strnlen(dev, NAME_MAX), a = strlen(attr);

	if (d + 1 + a >= size)
		a = size - d - 2;
	memcpy(buf, dev, d);
	buf[d] = '/';
	memcpy(buf + d + 1, attr, a);
	buf[d + 1 + a] = '\0';
	return buf;
}

/*
 * A sysfs attribute is at most a page and always comes in one read: one open, one read, one
 * close, which matters when a host has a thousand functions. Returns the length, trailing
 * newlines stripped; -EFBIG when it fills the buffer (cut short), -EILSEQ when it holds a NUL.
 */
static int read_attr_at(int dirfd, const char *dev, const char *attr, char *buf, size_t size)
{
	char rel[NAME_MAX + 32];
	_cleanup_close_ int fd = -EBADF;
	ssize_t n;

	fd = openat(dirfd, vb_pci_attr_path(rel, sizeof(rel), dev, attr),
		    O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if ((size_t)n == size - 1)
		return -EFBIG;
	if (strlen(buf) != (size_t)n)
		return -EILSEQ;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return n;
}

/*
 * The sysfs attributes: "0x1234". An attribute that is missing or does not parse makes the
 * device unreadable; returns 0 then too, < 0 only when out of memory.
 */
static int read_hex_at(int dirfd, const char *dev, const char *attr, size_t digits,
		       struct vb_pci_dev *d, unsigned long *ret)
{
	char s[64], seen[64];
	const char *p;
	int r;

	r = read_attr_at(dirfd, dev, attr, s, sizeof(s));
	if (r < 0)
		return vb_pci_mark(d, VB_PCI_UNKNOWN_IDS, "%s: %s", attr, strerror(-r));
	p = startswith(s, "0x");
	if (!p || !vb_pci_hex_parse(p, digits, ret)) {
		vb_pci_shown(s, seen, sizeof(seen));
		return vb_pci_mark(d, VB_PCI_UNKNOWN_IDS, "%s: \"%s\" is not 0x and %zu hex digits",
				   attr, seen, digits);
	}
	return 0;
}

static int read_header_type(int dirfd, const char *dev)
{
	char rel[NAME_MAX + 32];
	_cleanup_close_ int fd = -EBADF;
	unsigned char b;

	fd = openat(dirfd, vb_pci_attr_path(rel, sizeof(rel), dev, "config"),
		    O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (pread(fd, &b, 1, 0x0e) != 1)
		return -1;
	return b & 0x7f;
}

int vb_pci_readlink_at(int dirfd, const char *rel, char *buf, size_t size)
{
	ssize_t n = readlinkat(dirfd, rel, buf, size - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

const char *vb_pci_basename(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/*
 * The uevent attribute holds class, ids and the bound driver in one read; the separate files
 * (and the driver link) are the fallback when it is missing. A uevent that is there but
 * malformed makes the device unreadable: its ids are not guessed. Returns 1 when the uevent
 * was taken, driver included; 0 when the driver is still to be read from its link.
 */
static int read_ids(int dirfd, const char *dev, struct vb_pci_dev *d)
{
	const struct {
		const char *name;
		size_t digits;
		uint16_t *id; /* NULL: the class */
	} attrs[] = {
		{"vendor", 4, &d->vendor},
		{"device", 4, &d->device},
		{"class", 6, NULL},
		{"subsystem_vendor", 4, &d->sub_vendor},
		{"subsystem_device", 4, &d->sub_device},
	};
	_cleanup_free_ char *why = NULL;
	char ev[4096];
	unsigned long v = 0;
	int r;

	r = read_attr_at(dirfd, dev, "uevent", ev, sizeof(ev));
	if (r >= 0) {
		r = vb_pci_uevent_parse(ev, dev, d, &why);
		if (r < 0)
			return r;
		if (!why)
			return 1;
		d->vendor = d->device = d->sub_vendor = d->sub_device = 0;
		d->class_code = 0;
		return vb_pci_mark(d, VB_PCI_UNKNOWN_IDS, "%s", why);
	}
	if (r != -ENOENT)
		return vb_pci_mark(d, VB_PCI_UNKNOWN_IDS, "uevent: %s",
				   r == -EFBIG ? "longer than a page" : strerror(-r));

	for (size_t i = 0; i < ELEMENTSOF(attrs); i++) {
		r = read_hex_at(dirfd, dev, attrs[i].name, attrs[i].digits, d, &v);
		if (r < 0)
			return r;
		if (attrs[i].id)
			*attrs[i].id = v;
		else
			d->class_code = v;
	}
	if (d->unknown & VB_PCI_UNKNOWN_IDS)
		d->vendor = d->device = d->sub_vendor = d->sub_device = d->class_code = 0;
	return 0;
}

/*
 * Only "0" says a device is not the boot display. boot_vga exists on every VGA device;
 * boot_display (newer kernels) on other display devices that can be the boot display. For a
 * VGA device whose boot_vga is missing or unreadable, or any device showing something other
 * than "0" or "1", nobody can say it is not the boot display.
 */
static int read_boot_vga(int dirfd, const char *dev, struct vb_pci_dev *d)
{
	static const char *const attrs[] = {"boot_vga", "boot_display"};
	char s[16], seen[64];
	int r = -ENOENT;

	d->boot_vga = -1;
	if ((d->class_code >> 16) != 0x03 && !(d->unknown & VB_PCI_UNKNOWN_IDS) &&
	    !vb_pci_is_vga(d))
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(attrs); i++) {
		r = read_attr_at(dirfd, dev, attrs[i], s, sizeof(s));
		if (r == -ENOENT)
			continue;
		if (r >= 0 && (streq(s, "0") || streq(s, "1"))) {
			d->boot_vga = s[0] - '0';
			return 0;
		}
		d->boot_vga = VB_BOOT_VGA_UNKNOWN;
		if (r >= 0) {
			vb_pci_shown(s, seen, sizeof(seen));
			return asprintf_safe(&d->boot_vga_seen, "%s reads \"%s\"", attrs[i], seen);
		}
		return asprintf_safe(&d->boot_vga_seen, "%s cannot be read: %s", attrs[i],
				     r == -EFBIG ? "too long" : strerror(-r));
	}
	/*
	 * Neither attribute: a display device that is not VGA never was the boot display. One
	 * whose class is unknown is refused as unreadable anyway.
	 */
	if (!vb_pci_is_vga(d) || (d->unknown & VB_PCI_UNKNOWN_IDS))
		return 0;
	d->boot_vga = VB_BOOT_VGA_UNKNOWN;
	return asprintf_safe(&d->boot_vga_seen, "a VGA device without boot_vga");
}

void vb_pci_dev_done(struct vb_pci_dev *d)
{
	free(d->unreadable);
	free(d->boot_vga_seen);
	free(d->driver);
	free(d->path);
	free(d->slot);
}

static int read_group(int dirfd, const char *name, struct vb_pci_dev *d)
{
	char link[PATH_MAX], rel[NAME_MAX + 32], seen[80];
	const char *g;
	char *end;
	long n;
	int r;

	d->iommu_group = -1;
	vb_pci_attr_path(rel, sizeof(rel), name, "iommu_group");
	r = vb_pci_readlink_at(dirfd, rel, link, sizeof(link));
	if (r == -ENOENT)
		return 0; /* no IOMMU */
	d->iommu_group = VB_GROUP_UNKNOWN;
	if (r < 0)
		return vb_pci_mark(d, VB_PCI_UNKNOWN_GROUP, "iommu_group: %s", strerror(-r));
	g = vb_pci_basename(link);
	errno = 0;
	n = strtol(g, &end, 10);
	if (errno || *end || end == g || *g == '-' || *g == '+' || n > INT_MAX) {
		vb_pci_shown(link, seen, sizeof(seen));
		return vb_pci_mark(d, VB_PCI_UNKNOWN_GROUP,
				   "iommu_group: link to \"%s\" names no group", seen);
	}
	d->iommu_group = n;
	return 0;
}

/*
 * Returns -ENODEV for what is not a PCI function or is gone meanwhile, -ENOMEM; otherwise 0,
 * whatever could not be read noted in d->unreadable. The topology path is left to
 * vb_pci_load_path(): only path= selectors and the listings need it.
 */
int vb_pci_dev_read(struct vb_pci_scan *sc, const char *name, struct vb_pci_dev *d)
{
	char link[PATH_MAX];
	const char *devlink;
	struct stat st;
	bool have_driver;
	int r;

	r = vb_pci_addr_parse(name, &d->a);
	if (r < 0)
		return -ENODEV;
	vb_pci_addr_format(&d->a, d->addr);
	d->path_unread = true;
	d->vf_index = -1; /* vb_pci_load_sriov() says whether it is a VF */
	r = read_ids(sc->dirfd, name, d);
	if (r < 0)
		return r;
	have_driver = r > 0;
	/* Hot-unplugged while we looked: nothing left to claim or to be in a group. */
	if (d->unknown && fstatat(sc->dirfd, name, &st, 0) < 0 && errno == ENOENT)
		return -ENODEV;

	/* Only bridges and displays have what these read: spare the other functions the syscalls. */
	d->header_type = (d->class_code >> 16) == 0x06 ? read_header_type(sc->dirfd, name) : -1;
	r = read_boot_vga(sc->dirfd, name, d);
	if (r < 0)
		return r;
	r = read_group(sc->dirfd, name, d);
	if (r < 0)
		return r;
	if (have_driver) {
		d->driver_gone = d->driver && vb_pci_driver_dir_gone(sc, d->driver);
		return 0;
	}
	devlink = vb_pci_readlink_at(sc->dirfd, name, link, sizeof(link)) == 0 ? link : NULL;
	return vb_pci_driver_link_read(sc, name, devlink, d);
}

static int cmp_dev(const void *a, const void *b)
{
	const struct vb_pci_dev *x = a, *y = b;
	return strcmp(x->addr, y->addr);
}

/* The first device whose address sorts at or after prefix. */
static size_t first_at_or_after(const struct vb_pci *pci, const char *prefix)
{
	size_t lo = 0, hi = pci->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strncmp(pci->devs[mid].addr, prefix, 10) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* /sys/bus/pci/slots/NAME/address is "dddd:bb:dd": every function there sits in that slot. */
int vb_pci_scan_slots(struct vb_pci *pci)
{
	_cleanup_free_ char *p = NULL;
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;
	int r;

	r = vb_path("/sys/bus/pci/slots", &p);
	if (r < 0)
		return r;
	dir = opendir(p);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		char addr[64];

		if (de->d_name[0] == '.')
			continue;
		/* One open, read and close for each slot: a server has dozens. */
		if (read_attr_at(dirfd(dir), de->d_name, "address", addr, sizeof(addr)) < 0)
			continue;
		if (strlen(addr) != 10)
			continue;
		/* The devices are sorted by address: the slot's functions are one run of them. */
		for (size_t i = first_at_or_after(pci, addr);
		     i < pci->n && strncmp(pci->devs[i].addr, addr, 10) == 0; i++) {
			struct vb_pci_dev *d = &pci->devs[i];

			if (d->slot)
				continue;
			d->slot = strdup(de->d_name);
			if (!d->slot)
				return -ENOMEM;
		}
	}
	return 0;
}

int vb_pci_scan_open(struct vb_pci_scan *sc, DIR **dir)
{
	int r = vb_opendir("/sys/bus/pci/devices", dir);

	if (r >= 0)
		sc->dirfd = dirfd(*dir);
	return r;
}

int vb_pci_scan(struct vb_pci *pci)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;
	struct vb_pci_scan sc = {0};
	int r;

	*pci = (struct vb_pci){0};
	r = vb_pci_scan_open(&sc, &dir);
	if (r < 0)
		return r;
	while ((de = readdir(dir))) {
		struct vb_pci_dev d = {0};

		if (de->d_name[0] == '.')
			continue;
		r = vb_pci_dev_read(&sc, de->d_name, &d);
		if (r < 0) {
			vb_pci_dev_done(&d);
			if (r == -ENODEV)
				continue;
			goto fail;
		}
		r = GROW(pci->devs, pci->alloc, pci->n + 1);
		if (r < 0) {
			vb_pci_dev_done(&d);
			goto fail;
		}
		pci->devs[pci->n++] = d;
	}
	if (pci->n)
		qsort(pci->devs, pci->n, sizeof(*pci->devs), cmp_dev);
	r = vb_pci_scan_slots(pci);
	if (r < 0)
		goto fail;
	return 0;
fail:
	vb_pci_free(pci);
	return r;
}

void vb_pci_free(struct vb_pci *pci)
{
	for (size_t i = 0; i < pci->n; i++)
		vb_pci_dev_done(&pci->devs[i]);
	free(pci->devs);
	*pci = (struct vb_pci){0};
}

int vb_pci_read_config(const char *addr, char **ret, size_t *len)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	r = vb_pathf(&path, "/sys/bus/pci/devices/%s/config", addr);
	if (r < 0)
		return r;
	fd = vb_open_regular(path, NULL);
	if (fd < 0)
		return fd;
	/* vb_read_fd()'s bound counts the NUL it adds: one more lets exactly 4096 bytes in. */
	r = vb_read_fd(fd, VB_PCI_CONFIG_MAX + 1, ret, len);
	if (r >= 0 && *len > VB_PCI_CONFIG_MAX) {
		free(*ret);
		*ret = NULL;
		return -EFBIG;
	}
	return r;
}
