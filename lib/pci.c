// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

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
 * close, which matters when a host has a thousand functions. Returns the length, trailing
 * newlines stripped; -EFBIG when it fills the buffer (cut short), -EILSEQ when it holds a NUL.
 */
static int read_attr_at(int dirfd, const char *dev, const char *attr, char *buf, size_t size)
{
	char rel[NAME_MAX + 32];
	_cleanup_close_ int fd = -EBADF;
	ssize_t n;

	snprintf(rel, sizeof(rel), "%s/%s", dev, attr);
	fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
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

/* What was read, fit for a message: printable ASCII as it is, the rest as \xNN, cut short. */
static void shown(const char *s, char *out, size_t size)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p && n + 8 < size; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\' && *p != '"')
			out[n++] = *p;
		else
			n += snprintf(out + n, size - n, "\\x%02x", *p);
	}
	if (*s && n + 8 >= size && strlen(s) > n)
		n += snprintf(out + n, size - n, "...");
	out[n] = '\0';
}

static int mark(struct vb_pci_dev *d, unsigned unknown, const char *fmt, ...) _printf_(3, 4);
static int mark(struct vb_pci_dev *d, unsigned unknown, const char *fmt, ...)
{
	_cleanup_free_ char *what = NULL;
	char *joined;
	va_list ap;
	int r;

	d->unknown |= unknown;
	va_start(ap, fmt);
	r = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	if (!d->unreadable) {
		d->unreadable = TAKE_PTR(what);
		return 0;
	}
	if (asprintf(&joined, "%s; %s", d->unreadable, what) < 0)
		return -ENOMEM;
	free(d->unreadable);
	d->unreadable = joined;
	return 0;
}

/* Exactly 1 to digits hex digits, nothing else. */
static bool parse_hex(const char *s, size_t digits, unsigned long *ret)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF");

	if (n == 0 || n > digits || s[n])
		return false;
	*ret = strtoul(s, NULL, 16);
	return true;
}

bool vb_pci_id_pair_parse(const char *s, uint16_t *a, uint16_t *b)
{
	static const char hex[] = "0123456789abcdefABCDEF";

	if (strlen(s) != 9 || s[4] != ':' || strspn(s, hex) != 4 || strspn(s + 5, hex) != 4)
		return false;
	*a = strtoul(s, NULL, 16);
	*b = strtoul(s + 5, NULL, 16);
	return true;
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
		return mark(d, VB_PCI_UNKNOWN_IDS, "%s: %s", attr, strerror(-r));
	p = startswith(s, "0x");
	if (!p || !parse_hex(p, digits, ret)) {
		shown(s, seen, sizeof(seen));
		return mark(d, VB_PCI_UNKNOWN_IDS, "%s: \"%s\" is not 0x and %zu hex digits", attr,
			    seen, digits);
	}
	return 0;
}

static int read_header_type(int dirfd, const char *dev)
{
	char rel[NAME_MAX + 32];
	_cleanup_close_ int fd = -EBADF;
	unsigned char b;

	snprintf(rel, sizeof(rel), "%s/config", dev);
	fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
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

/*
 * The kernel's pci_uevent(): PCI_CLASS=%X, PCI_ID=%04X:%04X, PCI_SUBSYS_ID=%04X:%04X,
 * PCI_SLOT_NAME=name, MODALIAS=... Each of the first four must be there once, well formed,
 * and the slot name must be the device's own: anything else is not the kernel's doing, and
 * no id is taken from it. Returns 0 with *why NULL, or with *why saying what was wrong.
 */
static int parse_uevent(char *ev, const char *dev, struct vb_pci_dev *d, char **why)
{
	enum { CLASS = 1, ID = 2, SUBSYS = 4, SLOT = 8, ALL = 15 };
	unsigned seen = 0;
	char s[80];

	*why = NULL;
	for (char *save = NULL, *l = strtok_r(ev, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(l, '=');
		unsigned key = 0;
		unsigned long cls;
		bool ok = false;

		if (!v) {
			shown(l, s, sizeof(s));
			return asprintf_safe(why, "uevent: line \"%s\" is not KEY=VALUE", s);
		}
		*v++ = '\0';
		if (streq(l, "PCI_CLASS")) {
			key = CLASS;
			ok = parse_hex(v, 6, &cls);
			if (ok)
				d->class_code = cls;
		} else if (streq(l, "PCI_ID")) {
			key = ID;
			ok = vb_pci_id_pair_parse(v, &d->vendor, &d->device);
		} else if (streq(l, "PCI_SUBSYS_ID")) {
			key = SUBSYS;
			ok = vb_pci_id_pair_parse(v, &d->sub_vendor, &d->sub_device);
		} else if (streq(l, "PCI_SLOT_NAME")) {
			key = SLOT;
			ok = strcasecmp(v, dev) == 0;
		} else {
			continue;
		}
		if (seen & key)
			return asprintf_safe(why, "uevent: %s= twice", l);
		seen |= key;
		if (!ok) {
			shown(v, s, sizeof(s));
			return asprintf_safe(why, "uevent: %s=\"%s\" is not %s", l, s,
					     key == CLASS  ? "1 to 6 hex digits"
					     : key == SLOT ? "the device's own address"
							   : "VVVV:DDDD (4 hex digits each)");
		}
	}
	if (seen != ALL)
		return asprintf_safe(why, "uevent: no %s= line",
				     !(seen & CLASS)	? "PCI_CLASS"
				     : !(seen & ID)	? "PCI_ID"
				     : !(seen & SUBSYS) ? "PCI_SUBSYS_ID"
							: "PCI_SLOT_NAME");
	return 0;
}

/*
 * The uevent attribute holds class and ids in one read; the separate files are the fallback
 * when it is missing. A uevent that is there but malformed makes the device unreadable: its
 * ids are not guessed.
 */
static int read_ids(int dirfd, const char *dev, struct vb_pci_dev *d)
{
	_cleanup_free_ char *why = NULL;
	char ev[4096];
	unsigned long v;
	int r;

	r = read_attr_at(dirfd, dev, "uevent", ev, sizeof(ev));
	if (r >= 0) {
		r = parse_uevent(ev, dev, d, &why);
		if (r < 0)
			return r;
		if (!why)
			return 0;
		d->vendor = d->device = d->sub_vendor = d->sub_device = 0;
		d->class_code = 0;
		return mark(d, VB_PCI_UNKNOWN_IDS, "%s", why);
	}
	if (r != -ENOENT)
		return mark(d, VB_PCI_UNKNOWN_IDS, "uevent: %s",
			    r == -EFBIG ? "longer than a page" : strerror(-r));

	if ((r = read_hex_at(dirfd, dev, "vendor", 4, d, &v)) < 0)
		return r;
	d->vendor = v;
	if ((r = read_hex_at(dirfd, dev, "device", 4, d, &v)) < 0)
		return r;
	d->device = v;
	if ((r = read_hex_at(dirfd, dev, "class", 6, d, &v)) < 0)
		return r;
	d->class_code = v;
	if ((r = read_hex_at(dirfd, dev, "subsystem_vendor", 4, d, &v)) < 0)
		return r;
	d->sub_vendor = v;
	if ((r = read_hex_at(dirfd, dev, "subsystem_device", 4, d, &v)) < 0)
		return r;
	d->sub_device = v;
	if (d->unknown & VB_PCI_UNKNOWN_IDS)
		d->vendor = d->device = d->sub_vendor = d->sub_device = d->class_code = 0;
	return 0;
}

static bool is_vga(const struct vb_pci_dev *d)
{
	/* The kernel's pci_is_vga(): only these have boot_vga. */
	return (d->class_code >> 8) == 0x0300 || (d->class_code >> 8) == 0x0001;
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
	if ((d->class_code >> 16) != 0x03 && !(d->unknown & VB_PCI_UNKNOWN_IDS) && !is_vga(d))
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
			shown(s, seen, sizeof(seen));
			return asprintf_safe(&d->boot_vga_seen, "%s reads \"%s\"", attrs[i], seen);
		}
		return asprintf_safe(&d->boot_vga_seen, "%s cannot be read: %s", attrs[i],
				     r == -EFBIG ? "too long" : strerror(-r));
	}
	/*
	 * Neither attribute: a display device that is not VGA never was the boot display. One
	 * whose class is unknown is refused as unreadable anyway.
	 */
	if (!is_vga(d) || (d->unknown & VB_PCI_UNKNOWN_IDS))
		return 0;
	d->boot_vga = VB_BOOT_VGA_UNKNOWN;
	return asprintf_safe(&d->boot_vga_seen, "a VGA device without boot_vga");
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
	snprintf(rel, sizeof(rel), "%s/iommu_group", name);
	r = readlink_at(dirfd, rel, link, sizeof(link));
	if (r == -ENOENT)
		return 0; /* no IOMMU */
	d->iommu_group = VB_GROUP_UNKNOWN;
	if (r < 0)
		return mark(d, VB_PCI_UNKNOWN_GROUP, "iommu_group: %s", strerror(-r));
	g = basename_of(link);
	errno = 0;
	n = strtol(g, &end, 10);
	if (errno || *end || end == g || *g == '-' || *g == '+' || n > INT_MAX) {
		shown(link, seen, sizeof(seen));
		return mark(d, VB_PCI_UNKNOWN_GROUP, "iommu_group: link to \"%s\" names no group",
			    seen);
	}
	d->iommu_group = n;
	return 0;
}

static int read_driver(int dirfd, const char *name, struct vb_pci_dev *d)
{
	char link[PATH_MAX], rel[NAME_MAX + 32];
	struct stat st;
	int r;

	snprintf(rel, sizeof(rel), "%s/driver", name);
	r = readlink_at(dirfd, rel, link, sizeof(link));
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return mark(d, VB_PCI_UNKNOWN_DRIVER, "driver: %s", strerror(-r));
	d->driver = strdup(basename_of(link));
	if (!d->driver)
		return -ENOMEM;
	d->driver_gone = fstatat(dirfd, rel, &st, 0) < 0 && errno == ENOENT;
	return 0;
}

static int read_path(int dirfd, const char *name, struct vb_pci_dev *d)
{
	_cleanup_free_ char *abs = NULL, *p = NULL, *real = NULL;
	char link[PATH_MAX];
	int r;

	/* The bus's link names the whole chain of bridges: no need to resolve it hop by hop. */
	if (readlink_at(dirfd, name, link, sizeof(link)) == 0) {
		r = topology_path(link, &d->path);
	} else {
		r = asprintf_safe(&abs, "/sys/bus/pci/devices/%s", name);
		if (r < 0)
			return r;
		r = vb_path(abs, &p);
		if (r < 0)
			return r;
		real = realpath(p, NULL);
		r = real ? topology_path(real + strlen(vb_root()), &d->path) : -errno;
	}
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return mark(d, VB_PCI_UNKNOWN_PATH, "topology path: %s", strerror(-r));
	return 0;
}

/*
 * Returns -ENODEV for what is not a PCI function or is gone meanwhile, -ENOMEM; otherwise 0,
 * whatever could not be read noted in d->unreadable.
 */
static int dev_read(int dirfd, const char *name, struct vb_pci_dev *d)
{
	struct stat st;
	int r;

	r = vb_pci_addr_parse(name, &d->a);
	if (r < 0)
		return -ENODEV;
	vb_pci_addr_format(&d->a, d->addr);
	r = read_ids(dirfd, name, d);
	if (r < 0)
		return r;
	/* Hot-unplugged while we looked: nothing left to claim or to be in a group. */
	if (d->unknown && fstatat(dirfd, name, &st, 0) < 0 && errno == ENOENT)
		return -ENODEV;

	/* Only bridges and displays have what these read: spare the other functions the syscalls. */
	d->header_type = (d->class_code >> 16) == 0x06 ? read_header_type(dirfd, name) : -1;
	r = read_boot_vga(dirfd, name, d);
	if (r < 0)
		return r;
	r = read_group(dirfd, name, d);
	if (r < 0)
		return r;
	r = read_driver(dirfd, name, d);
	if (r < 0)
		return r;
	return read_path(dirfd, name, d);
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
			if (r == -ENODEV)
				continue;
			goto fail;
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
	r = vb_readlink_base(link, ret);
	if (r < 0)
		return r;
	return vb_exists(link) ? 0 : -ENOLINK;
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
