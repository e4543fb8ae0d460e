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

static int read_hex_at(int dirfd, const char *attr, unsigned long max, unsigned long *ret)
{
	_cleanup_free_ char *s = NULL;
	unsigned long v;
	char *end;
	int r;

	r = vb_read_file_at(dirfd, attr, &s);
	if (r < 0)
		return r;
	errno = 0;
	v = strtoul(s, &end, 16);
	if (errno || end == s || *end || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int read_int_at(int dirfd, const char *attr, int *ret)
{
	_cleanup_free_ char *s = NULL;
	int r;

	r = vb_read_file_at(dirfd, attr, &s);
	if (r < 0)
		return r;
	if (streq(s, "0") || streq(s, "1")) {
		*ret = s[0] - '0';
		return 0;
	}
	return -EINVAL;
}

static int read_header_type(int dirfd)
{
	_cleanup_close_ int fd = openat(dirfd, "config", O_RDONLY | O_CLOEXEC);
	unsigned char b;

	if (fd < 0)
		return -1;
	if (pread(fd, &b, 1, 0x0e) != 1)
		return -1;
	return b & 0x7f;
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
	_cleanup_free_ char *link = NULL, *real = NULL, *abs = NULL;
	unsigned long v;
	int r;

	r = vb_pci_addr_parse(name, &d->a);
	if (r < 0)
		return r;
	vb_pci_addr_format(&d->a, d->addr);

	r = read_hex_at(dirfd, "vendor", 0xffff, &v);
	if (r < 0)
		return r;
	d->vendor = v;
	r = read_hex_at(dirfd, "device", 0xffff, &v);
	if (r < 0)
		return r;
	d->device = v;
	r = read_hex_at(dirfd, "class", 0xffffff, &v);
	if (r < 0)
		return r;
	d->class_code = v;
	/* Bridges have no subsystem ids in config space; sysfs then shows 0x0000. */
	d->sub_vendor = read_hex_at(dirfd, "subsystem_vendor", 0xffff, &v) < 0 ? 0 : v;
	d->sub_device = read_hex_at(dirfd, "subsystem_device", 0xffff, &v) < 0 ? 0 : v;
	d->header_type = read_header_type(dirfd);
	if (read_int_at(dirfd, "boot_vga", &d->boot_vga) < 0 &&
	    read_int_at(dirfd, "boot_display", &d->boot_vga) < 0)
		d->boot_vga = -1;

	r = asprintf_safe(&link, "/sys/bus/pci/devices/%s/iommu_group", name);
	if (r < 0)
		return r;
	{
		_cleanup_free_ char *g = NULL;
		char *end;
		d->iommu_group = -1;
		if (vb_readlink_base(link, &g) == 0) {
			long n = strtol(g, &end, 10);
			if (!*end && end != g && n >= 0 && n < INT_MAX)
				d->iommu_group = n;
		}
	}
	r = vb_pci_read_driver(d->addr, &d->driver);
	if (r < 0 && r != -ENOENT)
		return r;

	r = asprintf_safe(&abs, "/sys/bus/pci/devices/%s", name);
	if (r < 0)
		return r;
	free(link);
	r = vb_path(abs, &link);
	if (r < 0)
		return r;
	real = realpath(link, NULL);
	if (!real)
		return -errno;
	return topology_path(real + strlen(vb_root()), &d->path);
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
		_cleanup_close_ int fd = -EBADF;
		struct vb_pci_dev d = {0};

		if (de->d_name[0] == '.')
			continue;
		fd = openat(dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue; /* hot-unplugged while we looked */
		r = dev_read(fd, de->d_name, &d);
		if (r < 0) {
			dev_done(&d);
			if (r == -ENOMEM)
				goto fail;
			continue;
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
