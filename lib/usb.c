// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The USB model: what /sys/bus/usb/devices says of each device below the root, and which of
 * them a [usb] section selects. Reads only; never prints.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pci-parse.h"
#include "sysroot.h"
#include "usb.h"
#include "util.h"

#define BUS_DIR "/sys/bus/usb/devices"

/* A decimal number of 1 to 3 digits (the kernel's 1..255 and 1..127), no leading zero. */
static const char *port_number(const char *s)
{
	size_t n = 0;

	if (s[0] < '1' || s[0] > '9')
		return NULL;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n <= 3 ? s + n : NULL;
}

bool vb_usb_port_valid(const char *s)
{
	const char *p;

	if (strnlen(s, VB_USB_NAME_MAX) >= VB_USB_NAME_MAX)
		return false;
	p = port_number(s);
	if (!p || *p != '-')
		return false;
	for (;;) {
		p = port_number(p + 1);
		if (!p)
			return false;
		if (*p == '\0')
			return true;
		if (*p != '.')
			return false;
	}
}

static bool parse_hex16(const char *s, uint16_t *ret)
{
	unsigned long v;

	if (strlen(s) != 4 || !vb_pci_hex_parse(s, 4, &v))
		return false;
	*ret = (uint16_t)v;
	return true;
}

static bool parse_dec(const char *s, unsigned max, unsigned *ret)
{
	unsigned long v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v == 0 || v > max)
		return false;
	*ret = (unsigned)v;
	return true;
}

/*
 * The host controller: the last PCI address before the usbN root hub in the device's path
 * ("/sys/devices/pci0000:00/0000:00:04.0/usb1/1-2"); "" when the controller is no PCI device.
 */
static void controller_of(const char *real, char out[VB_ADDR_MAX])
{
	const char *p = real, *last = NULL;
	size_t last_len = 0;

	out[0] = '\0';
	while (*p) {
		const char *end = strchrnul(p + 1, '/');
		const char *c = p + 1;
		size_t len = (size_t)(end - c);

		if (len > 3 && startswith(c, "usb") && c[3] >= '1' && c[3] <= '9') {
			struct vb_pci_addr a;
			char tmp[VB_ADDR_MAX];

			if (last && last_len == VB_ADDR_MAX - 4) {
				memcpy(tmp, last, last_len);
				tmp[last_len] = '\0';
				if (vb_pci_addr_parse(tmp, &a) == 0)
					vb_pci_addr_format(&a, out);
			}
			return;
		}
		last = c;
		last_len = len;
		p = end;
	}
}

/* One attribute into buf: 1 when read, 0 when absent (and absent is allowed), < 0 otherwise. */
static int attr(const char *dir, const char *name, char *buf, size_t size, bool optional)
{
	int r = vb_readf_buf(buf, size, "%s/%s", dir, name);

	if (r == -ENOENT && optional)
		return 0;
	return r < 0 ? r : 1;
}

/*
 * Reads the device name; -ENODEV when it is no device the kernel made (or went away), else 0
 * with what could not be read marked in d->unknown.
 */
static int dev_read(const char *name, struct vb_usb_dev *d)
{
	_cleanup_free_ char *bus = NULL, *real = NULL, *drv = NULL;
	char buf[512];
	struct stat st;
	int r;

	if (!vb_usb_port_valid(name))
		return -ENODEV;
	memcpy(d->name, name, strlen(name) + 1);
	r = asprintf_safe(&bus, BUS_DIR "/%s", name);
	if (r < 0)
		return r;
	/* Every link taken below the root: a link that leaves it ends up not in /sys/devices. */
	r = vb_resolve(bus, &real, &st);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || !S_ISDIR(st.st_mode) || !startswith(real, "/sys/devices/"))
		return -ENODEV;

	if (attr(real, "idVendor", buf, sizeof(buf), false) < 0 || !parse_hex16(buf, &d->vendor) ||
	    attr(real, "idProduct", buf, sizeof(buf), false) < 0 || !parse_hex16(buf, &d->product))
		d->unknown |= VB_USB_UNKNOWN_ID;
	if (attr(real, "busnum", buf, sizeof(buf), false) < 0 || !parse_dec(buf, 999, &d->busnum) ||
	    attr(real, "devnum", buf, sizeof(buf), false) < 0 || !parse_dec(buf, 999, &d->devnum))
		d->unknown |= VB_USB_UNKNOWN_NUM;
	r = attr(real, "serial", buf, sizeof(buf), true);
	if (r < 0)
		d->unknown |= VB_USB_UNKNOWN_SERIAL;
	else if (r > 0 && !(d->serial = strdup(buf)))
		return -ENOMEM;
	r = vb_readlink_basef(&drv, "%s/driver", real);
	if (r == -ENOMEM)
		return r;
	if (r >= 0)
		d->driver = TAKE_PTR(drv);
	else if (r != -ENOENT)
		d->unknown |= VB_USB_UNKNOWN_DRIVER;
	controller_of(real, d->controller);
	d->unreadable = d->unknown != 0;
	return 0;
}

static void dev_done(struct vb_usb_dev *d)
{
	free(d->serial);
	free(d->driver);
	*d = (struct vb_usb_dev){0};
}

static int cmp_dev(const void *a, const void *b)
{
	return strcmp(((const struct vb_usb_dev *)a)->name, ((const struct vb_usb_dev *)b)->name);
}

int vb_usb_scan(struct vb_usb *ret)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct vb_usb u = {0};
	struct dirent *de;
	int r;

	*ret = (struct vb_usb){0};
	r = vb_opendir(BUS_DIR, &dir);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	while ((de = readdir(dir))) {
		struct vb_usb_dev d = {0};

		/* Interfaces ("1-2:1.0") and root hubs ("usb1") are not what a section takes. */
		if (de->d_name[0] == '.' || strchr(de->d_name, ':') ||
		    startswith(de->d_name, "usb"))
			continue;
		if (u.n >= VB_USB_DEVS_MAX) {
			r = -ENOBUFS;
			goto fail;
		}
		r = dev_read(de->d_name, &d);
		if (r == -ENODEV)
			continue;
		if (r >= 0)
			r = GROW(u.v, u.alloc, u.n + 1);
		if (r < 0) {
			dev_done(&d);
			goto fail;
		}
		u.v[u.n++] = d;
	}
	if (u.n)
		qsort(u.v, u.n, sizeof(*u.v), cmp_dev);
	*ret = u;
	return 0;
fail:
	vb_usb_free(&u);
	return r;
}

void vb_usb_free(struct vb_usb *u)
{
	for (size_t i = 0; i < u->n; i++)
		dev_done(&u->v[i]);
	free(u->v);
	*u = (struct vb_usb){0};
}

const struct vb_usb_dev *vb_usb_find(const struct vb_usb *u, const char *name)
{
	struct vb_usb_dev key = {0};

	if (!u->n || strlen(name) >= sizeof(key.name))
		return NULL;
	memcpy(key.name, name, strlen(name) + 1);
	return bsearch(&key, u->v, u->n, sizeof(*u->v), cmp_dev);
}

enum { NO, YES, MAYBE };

/* Whether s selects d, MAYBE when only what could not be read could tell. */
static int match(const struct vb_usb_section *s, const struct vb_usb_dev *d)
{
	bool maybe = false;

	if (s->port && !streq(s->port, d->name))
		return NO;
	if (s->has_id) {
		if (d->unknown & VB_USB_UNKNOWN_ID)
			maybe = true;
		else if (d->vendor != s->vendor || d->product != s->product)
			return NO;
	}
	if (s->serial) {
		if (d->unknown & VB_USB_UNKNOWN_SERIAL)
			maybe = true;
		else if (!streq_ptr(s->serial, d->serial))
			return NO;
	}
	return maybe ? MAYBE : YES;
}

bool vb_usb_matches(const struct vb_usb_section *s, const struct vb_usb_dev *d)
{
	return match(s, d) == YES;
}

int vb_usb_select(const struct vb_usb_section *s, const struct vb_usb *u, size_t **ret, size_t *n)
{
	_cleanup_free_ size_t *v = NULL;
	size_t k = 0, alloc = 0;
	bool maybe = false;

	*ret = NULL;
	*n = 0;
	for (size_t i = 0; i < u->n; i++) {
		int m = match(s, &u->v[i]);

		if (m == MAYBE)
			maybe = true;
		if (m != YES)
			continue;
		if (GROW(v, alloc, k + 1) < 0)
			return -ENOMEM;
		v[k++] = i;
	}
	*ret = TAKE_PTR(v);
	*n = k;
	if (s->count >= 0 && k > (size_t)s->count)
		return -E2BIG;
	return maybe ? -EIO : 0;
}

int vb_usb_node_path(const struct vb_usb_dev *d, char *buf, size_t size)
{
	int n = snprintf(buf, size, "/dev/bus/usb/%03u/%03u", d->busnum, d->devnum);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

bool vb_usb_ready(const struct vb_usb_dev *d)
{
	char node[64];

	if (d->unknown & VB_USB_UNKNOWN_NUM || !streq_ptr(d->driver, "usb"))
		return false;
	return vb_usb_node_path(d, node, sizeof(node)) == 0 && vb_exists(node);
}

const char *vb_usb_describe(const struct vb_usb_dev *d, char *buf, size_t size)
{
	char serial[160] = "";

	if (d->serial) {
		char shown[128];

		vb_pci_shown(d->serial, shown, sizeof(shown));
		snprintf(serial, sizeof(serial), ", serial %s", shown);
	}
	if (d->unknown & VB_USB_UNKNOWN_ID)
		snprintf(buf, size, "%s (unreadable ids%s, bus %u device %u)", d->name, serial,
			 d->busnum, d->devnum);
	else
		snprintf(buf, size, "%s (%04x:%04x%s, bus %u device %u%s)", d->name, d->vendor,
			 d->product, serial, d->busnum, d->devnum,
			 d->unknown ? ", not all readable" : "");
	return buf;
}
