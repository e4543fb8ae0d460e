// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the PCI scan reads, parsed, and what is asked of a device once it is read: no I/O
 * here, so that the scan (pci.c) is only the reading.
 */
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>

#include "pci-parse.h"
#include "pci.h"
#include "util.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Exactly n hex digits at s, into *ret. */
static bool hex_field(const char *s, size_t n, unsigned *ret)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++) {
		int h = hexval(s[i]);

		if (h < 0)
			return false;
		v = v << 4 | (unsigned)h;
	}
	*ret = v;
	return true;
}

/*
 * "dddd:bb:dd.f", exactly 12 characters as the kernel names functions. By hand rather than
 * with sscanf: the scan parses every component of every function's sysfs path.
 */
int vb_pci_addr_parse(const char *s, struct vb_pci_addr *ret)
{
	unsigned d, b, v, f;

	if (strnlen(s, 13) != 12 || s[4] != ':' || s[7] != ':' || s[10] != '.')
		return -EINVAL;
	if (!hex_field(s, 4, &d) || !hex_field(s + 5, 2, &b) || !hex_field(s + 8, 2, &v) ||
	    !hex_field(s + 11, 1, &f))
		return -EINVAL;
	if (v > 0x1f || f > 7)
		return -EINVAL;
	*ret = (struct vb_pci_addr){d, b, v, f};
	return 0;
}

void vb_pci_addr_format(const struct vb_pci_addr *a, char buf[VB_ADDR_MAX])
{
	static const char hex[] = "0123456789abcdef";
	const unsigned fields[][2] = {
		{a->domain & 0xffff, 4}, {a->bus & 0xff, 2}, {a->dev & 0x1f, 2}, {a->fn & 7, 1}};
	size_t n = 0;

	/* By hand: this runs for every function of the scan. */
	for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
		for (unsigned k = fields[i][1]; k-- > 0;)
			buf[n++] = hex[(fields[i][0] >> (4 * k)) & 0xf];
		buf[n++] = i == 0 || i == 1 ? ':' : i == 2 ? '.' : '\0';
	}
}

/* What was read, fit for a message: printable ASCII as it is, the rest as \xNN, cut short. */
void vb_pci_shown(const char *s, char *out, size_t size)
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

/* Exactly 1 to digits hex digits, nothing else. */
bool vb_pci_hex_parse(const char *s, size_t digits, unsigned long *ret)
{
	size_t n = strnlen(s, digits + 1);
	unsigned v;

	if (n == 0 || n > digits || !hex_field(s, n, &v))
		return false;
	*ret = v;
	return true;
}

bool vb_pci_id_pair_parse(const char *s, uint16_t *a, uint16_t *b)
{
	unsigned x, y;

	if (strnlen(s, 10) != 9 || s[4] != ':' || !hex_field(s, 4, &x) || !hex_field(s + 5, 4, &y))
		return false;
	*a = x;
	*b = y;
	return true;
}

/* A driver's name as the kernel names its directory in /sys/bus/pci/drivers. */
static bool driver_name_ok(const char *s)
{
	return *s && !strchr(s, '/') && !streq(s, ".") && !streq(s, "..") &&
	       strnlen(s, NAME_MAX + 1) <= NAME_MAX;
}

/*
 * The kernel's dev_uevent() and pci_uevent(): DRIVER=name while a driver is bound (made at
 * each read, so it is as current as the driver link), PCI_CLASS=%X, PCI_ID=%04X:%04X,
 * PCI_SUBSYS_ID=%04X:%04X, PCI_SLOT_NAME=name, MODALIAS=... Each of the four PCI_ keys must
 * be there once, well formed, DRIVER= at most once, and the slot name must be the device's
 * own: anything else is not the kernel's doing, and nothing is taken from it. Returns 0 with
 * *why NULL, or with *why saying what was wrong.
 */
int vb_pci_uevent_parse(char *ev, const char *dev, struct vb_pci_dev *d, char **why)
{
	enum { CLASS = 1, ID = 2, SUBSYS = 4, SLOT = 8, ALL = 15, DRIVER = 16 };
	const char *driver = NULL;
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
			vb_pci_shown(l, s, sizeof(s));
			return asprintf_safe(why, "uevent: line \"%s\" is not KEY=VALUE", s);
		}
		*v++ = '\0';
		if (streq(l, "PCI_CLASS")) {
			key = CLASS;
			ok = vb_pci_hex_parse(v, 6, &cls);
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
		} else if (streq(l, "DRIVER")) {
			key = DRIVER;
			ok = driver_name_ok(v);
			driver = v;
		} else {
			continue;
		}
		if (seen & key)
			return asprintf_safe(why, "uevent: %s= twice", l);
		seen |= key;
		if (!ok) {
			vb_pci_shown(v, s, sizeof(s));
			return asprintf_safe(why, "uevent: %s=\"%s\" is not %s", l, s,
					     key == CLASS    ? "1 to 6 hex digits"
					     : key == SLOT   ? "the device's own address"
					     : key == DRIVER ? "a driver's name"
							     : "VVVV:DDDD (4 hex digits each)");
		}
	}
	if ((seen & ALL) != ALL)
		return asprintf_safe(why, "uevent: no %s= line",
				     !(seen & CLASS)	? "PCI_CLASS"
				     : !(seen & ID)	? "PCI_ID"
				     : !(seen & SUBSYS) ? "PCI_SUBSYS_ID"
							: "PCI_SLOT_NAME");
	d->driver = driver ? strdup(driver) : NULL;
	return driver && !d->driver ? -ENOMEM : 0;
}

bool vb_pci_is_vga(const struct vb_pci_dev *d)
{
	/* The kernel's pci_is_vga(): only these have boot_vga. */
	return (d->class_code >> 8) == 0x0300 || (d->class_code >> 8) == 0x0001;
}

/*
 * The topology path in pci= syntax comes from where the kernel put the device:
 * /sys/devices/pci0000:00/0000:00:02.0/0000:02:00.0 is "0000:00:02.0/00.0".
 */
int vb_pci_topology_path(const char *real, char **ret)
{
	char out[PATH_MAX];
	size_t len = 0;
	bool first = true;

	for (const char *tok = real, *end; *tok; tok = *end ? end + 1 : end) {
		char name[VB_ADDR_MAX];
		struct vb_pci_addr a;
		size_t n;

		end = strchrnul(tok, '/');
		n = (size_t)(end - tok);
		/* An address is 12 characters exactly. */
		if (n == VB_ADDR_MAX - 4) {
			memcpy(name, tok, n);
			name[n] = '\0';
		}
		if (n != VB_ADDR_MAX - 4 || vb_pci_addr_parse(name, &a) < 0) {
			if (!first)
				break; /* a non-PCI node below a PCI device: not ours */
			continue;
		}
		if (len + VB_ADDR_MAX + 2 > sizeof(out))
			return -ENAMETOOLONG;
		if (first) {
			memcpy(out, name, n);
			len = n;
		} else {
			char f[VB_ADDR_MAX];

			vb_pci_addr_format(&a, f);
			memcpy(out + len, f + 7, 5); /* ":dd.f", lower case, as "/dd.f" */
			out[len] = '/';
			len += 5;
		}
		first = false;
	}
	if (first)
		return -EINVAL;
	out[len] = '\0';
	*ret = strdup(out);
	return *ret ? 0 : -ENOMEM;
}

struct vb_pci_dev *vb_pci_find(const struct vb_pci *pci, const char *addr)
{
	for (size_t i = 0; i < pci->n; i++)
		if (strcasecmp(pci->devs[i].addr, addr) == 0)
			return &pci->devs[i];
	return NULL;
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

/* How many "../" link starts with; *rest is what follows them. */
static size_t ups(const char *link, const char **rest)
{
	size_t n = 0;

	while (startswith(link, "../")) {
		link += 3;
		n++;
	}
	*rest = link;
	return n;
}

static size_t components(const char *s)
{
	size_t n = *s ? 1 : 0;

	for (; *s; s++)
		n += *s == '/' && s[1];
	return n;
}

const char *vb_pci_driver_link_name(const char *devlink, const char *link)
{
	const char *dev, *name;

	if (!devlink || ups(devlink, &dev) != 3 || ups(link, &name) != components(dev) ||
	    !(name = startswith(name, "bus/pci/drivers/")) || strchr(name, '/') ||
	    streq(name, "") || streq(name, ".") || streq(name, "..") || strlen(name) > NAME_MAX)
		return NULL;
	return name;
}

int vb_pci_mark(struct vb_pci_dev *d, unsigned unknown, const char *fmt, ...)
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
