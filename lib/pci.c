// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>

#include "pci.h"
#include "sysroot.h"
#include "util.h"

int vb_pci_addr_parse(const char *s, struct vb_pci_addr *ret)
{
	unsigned d, b, v, f;
	int n = 0;

	if (sscanf(s, "%4x:%2x:%2x.%1x%n", &d, &b, &v, &f, &n) != 4 || s[n] != '\0')
		return -EINVAL;
	/* sscanf takes "+1" and " 1"; the kernel's names are exactly 12 hex digits wide. */
	if (n != 12 || s[4] != ':' || s[7] != ':' || s[10] != '.')
		return -EINVAL;
	for (int i = 0; i < n; i++)
		if (i != 4 && i != 7 && i != 10 && !strchr("0123456789abcdefABCDEF", s[i]))
			return -EINVAL;
	if (v > 0x1f || f > 7)
		return -EINVAL;
	*ret = (struct vb_pci_addr){d, b, v, f};
	return 0;
}

void vb_pci_addr_format(const struct vb_pci_addr *a, char buf[VB_ADDR_MAX])
{
	snprintf(buf, VB_ADDR_MAX, "%04x:%02x:%02x.%x", a->domain & 0xffff, a->bus & 0xff,
		 a->dev & 0x1f, a->fn & 7);
}

/*
 * A sysfs attribute is at most a page and always comes in one read: one open, one read, one
 * close, which matters when a host has a thousand functions.
 */
static int read_attr_at(int dirfd, const char *dev, const char *attr, char *buf, size_t size)
{
	char rel[VB_ADDR_MAX + 32];
	_cleanup_close_ int fd = -EBADF;
	ssize_t n;

	snprintf(rel, sizeof(rel), "%s/%s", dev, attr);
	fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return -errno;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 0;
}

static int read_hex_at(int dirfd, const char *dev, const char *attr, unsigned long max,
		       unsigned long *ret)
{
	char s[64], *end;
	unsigned long v;
	int r;

	r = read_attr_at(dirfd, dev, attr, s, sizeof(s));
	if (r < 0)
		return r;
	errno = 0;
	v = strtoul(s, &end, 16);
	if (errno || end == s || *end || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int read_bool_at(int dirfd, const char *dev, const char *attr, int *ret)
{
	char s[8];
	int r;

	r = read_attr_at(dirfd, dev, attr, s, sizeof(s));
	if (r < 0)
		return r;
	if (!streq(s, "0") && !streq(s, "1"))
		return -EINVAL;
	*ret = s[0] - '0';
	return 0;
}

static int read_header_type(int dirfd, const char *dev)
{
	char rel[VB_ADDR_MAX + 8];
	_cleanup_close_ int fd = -EBADF;
	unsigned char b;

	snprintf(rel, sizeof(rel), "%s/config", dev);
	fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (pread(fd, &b, 1, 0x0e) != 1)
		return -1;
	return b & 0x7f;
}

static int readlink_at(int dirfd, const char *rel, char *buf, size_t size)
{
	ssize_t n = readlinkat(dirfd, rel, buf, size - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static const char *basename_of(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static bool uevent_hex(const char *ev, const char *key, unsigned long *ret)
{
	const char *p = strstr(ev, key);
	char *end;

	/* Keys start a line; "PCI_ID=" must not be found inside "PCI_SUBSYS_ID=". */
	if (!p || (p != ev && p[-1] != '\n'))
		return false;
	*ret = strtoul(p + strlen(key), &end, 16);
	return end != p + strlen(key);
}

/* The uevent attribute holds class and ids in one read; the separate files are the fallback. */
static int read_ids(int dirfd, const char *dev, struct vb_pci_dev *d)
{
	char ev[4096];
	unsigned long cls, v;
	int r;

	if (read_attr_at(dirfd, dev, "uevent", ev, sizeof(ev)) == 0 &&
	    uevent_hex(ev, "PCI_CLASS=", &cls) && uevent_hex(ev, "PCI_ID=", &v)) {
		const char *id = strstr(ev, "PCI_ID=") + 7, *sub = strstr(ev, "PCI_SUBSYS_ID=");
		d->class_code = cls & 0xffffff;
		d->vendor = v;
		d->device = strtoul(id + 5, NULL, 16);
		if (sub && uevent_hex(ev, "PCI_SUBSYS_ID=", &v)) {
			d->sub_vendor = v;
			d->sub_device = strtoul(sub + 19, NULL, 16);
		}
		return 0;
	}

	r = read_hex_at(dirfd, dev, "vendor", 0xffff, &v);
	if (r < 0)
		return r;
	d->vendor = v;
	r = read_hex_at(dirfd, dev, "device", 0xffff, &v);
	if (r < 0)
		return r;
	d->device = v;
	r = read_hex_at(dirfd, dev, "class", 0xffffff, &v);
	if (r < 0)
		return r;
	d->class_code = v;
	/* Bridges have no subsystem ids in config space; sysfs then shows 0x0000. */
	d->sub_vendor = read_hex_at(dirfd, dev, "subsystem_vendor", 0xffff, &v) < 0 ? 0 : v;
	d->sub_device = read_hex_at(dirfd, dev, "subsystem_device", 0xffff, &v) < 0 ? 0 : v;
	return 0;
}

/*
 * The topology path in pci= syntax comes from where the kernel put the device:
 * /sys/devices/pci0000:00/0000:00:02.0/0000:02:00.0 is "0000:00:02.0/00.0".
 */
static int topology_path(const char *real, char **ret)
{
	char buf[PATH_MAX], *out = NULL;
	size_t len = 0;
	bool first = true;
	char *save = NULL;

	if (strlen(real) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, real);
	for (char *tok = strtok_r(buf, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		struct vb_pci_addr a;
		char *p;

		if (vb_pci_addr_parse(tok, &a) < 0) {
			if (!first)
				break; /* a non-PCI node below a PCI device: not ours */
			continue;
		}
		p = realloc(out, len + VB_ADDR_MAX + 2);
		if (!p) {
			free(out);
			return -ENOMEM;
		}
		out = p;
		if (first)
			len += sprintf(out + len, "%s", tok);
		else
			len += sprintf(out + len, "/%02x.%x", a.dev, a.fn);
		first = false;
	}
	if (!out)
		return -EINVAL;
	*ret = out;
	return 0;
}

static void dev_done(struct vb_pci_dev *d)
{
	free(d->driver);
	free(d->path);
	free(d->slot);
}

static int dev_read(int dirfd, const char *name, struct vb_pci_dev *d)
{
	char link[PATH_MAX], rel[VB_ADDR_MAX + 16];
	int r;

	r = vb_pci_addr_parse(name, &d->a);
	if (r < 0)
		return r;
	vb_pci_addr_format(&d->a, d->addr);
	r = read_ids(dirfd, name, d);
	if (r < 0)
		return r;

	/* Only bridges and displays have what these read: spare the other functions the syscalls. */
	d->header_type = (d->class_code >> 16) == 0x06 ? read_header_type(dirfd, name) : -1;
	d->boot_vga = -1;
	if ((d->class_code >> 16) == 0x03 &&
	    read_bool_at(dirfd, name, "boot_vga", &d->boot_vga) < 0 &&
	    read_bool_at(dirfd, name, "boot_display", &d->boot_vga) < 0)
		d->boot_vga = -1;

	d->iommu_group = -1;
	snprintf(rel, sizeof(rel), "%s/iommu_group", name);
	if (readlink_at(dirfd, rel, link, sizeof(link)) == 0) {
		const char *g = basename_of(link);
		char *end;
		long n = strtol(g, &end, 10);
		if (!*end && end != g && n >= 0 && n < INT_MAX)
			d->iommu_group = n;
	}

	snprintf(rel, sizeof(rel), "%s/driver", name);
	r = readlink_at(dirfd, rel, link, sizeof(link));
	if (r == 0) {
		d->driver = strdup(basename_of(link));
		if (!d->driver)
			return -ENOMEM;
	} else if (r != -ENOENT) {
		return r;
	}

	/* The bus's link names the whole chain of bridges: no need to resolve it hop by hop. */
	if (readlink_at(dirfd, name, link, sizeof(link)) == 0)
		return topology_path(link, &d->path);
	{
		_cleanup_free_ char *abs = NULL, *p = NULL, *real = NULL;
		r = asprintf_safe(&abs, "/sys/bus/pci/devices/%s", name);
		if (r < 0)
			return r;
		r = vb_path(abs, &p);
		if (r < 0)
			return r;
		real = realpath(p, NULL);
		if (!real)
			return -errno;
		return topology_path(real + strlen(vb_root()), &d->path);
	}
}

static int cmp_dev(const void *a, const void *b)
{
	const struct vb_pci_dev *x = a, *y = b;
	return strcmp(x->addr, y->addr);
}

/* /sys/bus/pci/slots/NAME/address is "dddd:bb:dd": every function there sits in that slot. */
static int scan_slots(struct vb_pci *pci)
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
		_cleanup_free_ char *f = NULL, *addr = NULL;
		if (de->d_name[0] == '.')
			continue;
		if (asprintf_safe(&f, "/sys/bus/pci/slots/%s/address", de->d_name) < 0)
			return -ENOMEM;
		if (vb_read_file(f, &addr) < 0)
			continue;
		for (size_t i = 0; i < pci->n; i++) {
			struct vb_pci_dev *d = &pci->devs[i];
			if (strncmp(d->addr, addr, 10) != 0 || strlen(addr) != 10 || d->slot)
				continue;
			d->slot = strdup(de->d_name);
			if (!d->slot)
				return -ENOMEM;
		}
	}
	return 0;
}

int vb_pci_scan(struct vb_pci *pci)
{
	_cleanup_free_ char *p = NULL;
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;
	int r;

	*pci = (struct vb_pci){0};
	r = vb_path("/sys/bus/pci/devices", &p);
	if (r < 0)
		return r;
	dir = opendir(p);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		struct vb_pci_dev d = {0};

		if (de->d_name[0] == '.')
			continue;
		r = dev_read(dirfd(dir), de->d_name, &d);
		if (r < 0) {
			dev_done(&d);
			if (r == -ENOMEM)
				goto fail;
			continue; /* hot-unplugged while we looked, or not a PCI function */
		}
		r = GROW(pci->devs, pci->alloc, pci->n + 1);
		if (r < 0) {
			dev_done(&d);
			goto fail;
		}
		pci->devs[pci->n++] = d;
	}
	if (pci->n)
		qsort(pci->devs, pci->n, sizeof(*pci->devs), cmp_dev);
	r = scan_slots(pci);
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
		dev_done(&pci->devs[i]);
	free(pci->devs);
	*pci = (struct vb_pci){0};
}

struct vb_pci_dev *vb_pci_find(const struct vb_pci *pci, const char *addr)
{
	for (size_t i = 0; i < pci->n; i++)
		if (strcasecmp(pci->devs[i].addr, addr) == 0)
			return &pci->devs[i];
	return NULL;
}

int vb_pci_read_driver(const char *addr, char **ret)
{
	_cleanup_free_ char *link = NULL;
	int r;

	*ret = NULL;
	r = asprintf_safe(&link, "/sys/bus/pci/devices/%s/driver", addr);
	if (r < 0)
		return r;
	return vb_readlink_base(link, ret);
}

bool vb_pci_is_bridge(const struct vb_pci_dev *d)
{
	if (d->header_type >= 0)
		return d->header_type == 1;
	return (d->class_code >> 8) == 0x0604;
}

bool vb_pci_is_storage(const struct vb_pci_dev *d)
{
	return (d->class_code >> 16) == 0x01;
}

bool vb_pci_same_slot(const struct vb_pci_dev *a, const struct vb_pci_dev *b)
{
	return a->a.domain == b->a.domain && a->a.bus == b->a.bus && a->a.dev == b->a.dev;
}
