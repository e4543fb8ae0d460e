// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>

#include "pci.h"
#include "selector.h"
#include "util.h"

static bool hexn(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

int vb_path_parse(const char *s, char **ret)
{
	_cleanup_free_ char *out = NULL;
	struct vb_pci_addr a;
	char first[VB_ADDR_MAX];
	size_t n = strcspn(s, "/"), len, alloc;
	const char *p;

	/* The first element names the device on the root bus, domain optional. */
	if (n == 12 && n < sizeof(first)) {
		memcpy(first, s, n);
		first[n] = '\0';
	} else if (n == 7) {
		snprintf(first, sizeof(first), "0000:%.7s", s);
	} else {
		return -EINVAL;
	}
	if (vb_pci_addr_parse(first, &a) < 0)
		return -EINVAL;
	alloc = VB_ADDR_MAX + strlen(s);
	out = malloc(alloc);
	if (!out)
		return -ENOMEM;
	vb_pci_addr_format(&a, out);
	len = strlen(out);
	for (p = s + n; *p == '/'; p += 5) {
		unsigned dev, fn;
		if (!hexn(p + 1, 2) || p[3] != '.' || !isdigit((unsigned char)p[4]))
			return -EINVAL;
		dev = strtoul(p + 1, NULL, 16);
		fn = p[4] - '0';
		if (dev > 0x1f || fn > 7)
			return -EINVAL;
		len += snprintf(out + len, alloc - len, "/%02x.%x", dev, fn);
	}
	if (*p)
		return -EINVAL;
	*ret = TAKE_PTR(out);
	return 0;
}

static int parse_term(struct vb_selector *sel, const char *t, size_t len, const char **expected)
{
	const char *eq = memchr(t, '=', len);
	size_t klen, vlen;
	const char *v;
	char buf[256];
	unsigned bit;

	*expected = "KEY=VALUE with KEY one of address, id, subsystem, class, path, slot, boot_vga";
	if (!eq)
		return -EINVAL;
	klen = eq - t;
	v = eq + 1;
	vlen = len - klen - 1;
	if (vlen == 0 || vlen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, v, vlen);
	buf[vlen] = '\0';

#define KEY(k) (klen == strlen(k) && strncmp(t, k, klen) == 0)
	if (KEY("address")) {
		bit = VB_SEL_ADDRESS;
		*expected = "address=DDDD:BB:DD.F (hex, domain included)";
		if (vb_pci_addr_parse(buf, &sel->addr) < 0)
			return -EINVAL;
	} else if (KEY("id")) {
		bit = VB_SEL_ID;
		*expected = "id=VVVV:DDDD (vendor:device, hex)";
		if (!vb_pci_id_pair_parse(buf, &sel->vendor, &sel->device))
			return -EINVAL;
	} else if (KEY("subsystem")) {
		bit = VB_SEL_SUBSYSTEM;
		*expected = "subsystem=VVVV:DDDD (subsystem vendor:device, hex)";
		if (!vb_pci_id_pair_parse(buf, &sel->sub_vendor, &sel->sub_device))
			return -EINVAL;
	} else if (KEY("class")) {
		bit = VB_SEL_CLASS;
		*expected = "class=CCSS or class=CCSSPP (hex)";
		if ((vlen != 4 && vlen != 6) || !hexn(buf, vlen))
			return -EINVAL;
		sel->class_code = strtoul(buf, NULL, 16);
		sel->class_digits = vlen;
	} else if (KEY("path")) {
		bit = VB_SEL_PATH;
		*expected = "path=DDDD:BB:DD.F/DD.F/... (the kernel's pci= path syntax)";
		free(sel->path);
		sel->path = NULL;
		if (vb_path_parse(buf, &sel->path) < 0)
			return -EINVAL;
	} else if (KEY("slot")) {
		bit = VB_SEL_SLOT;
		*expected = "slot=NAME (a name in /sys/bus/pci/slots)";
		if (strchr(buf, '/'))
			return -EINVAL;
		free(sel->slot);
		sel->slot = strdup(buf);
		if (!sel->slot)
			return -ENOMEM;
	} else if (KEY("boot_vga")) {
		bit = VB_SEL_BOOT_VGA;
		*expected = "boot_vga=0 or boot_vga=1";
		if (!streq(buf, "0") && !streq(buf, "1"))
			return -EINVAL;
		sel->boot_vga = buf[0] - '0';
	} else {
		return -EINVAL;
	}
#undef KEY
	if (sel->terms & bit) {
		*expected = "each term at most once";
		return -EINVAL;
	}
	sel->terms |= bit;
	return 0;
}

int vb_selector_parse(struct vb_selector *sel, const char *text, const char **bad,
		      const char **expected)
{
	const char *p = text;

	*sel = (struct vb_selector){0};
	*bad = NULL;
	*expected = NULL;
	for (;;) {
		size_t len;
		int r;

		p += strspn(p, " \t");
		if (!*p)
			break;
		len = strcspn(p, " \t");
		r = parse_term(sel, p, len, expected);
		if (r < 0) {
			*bad = p;
			vb_selector_done(sel);
			return r;
		}
		p += len;
	}
	if (!sel->terms) {
		*bad = text;
		*expected =
			"at least one term: address=, id=, subsystem=, class=, path=, slot=, boot_vga=";
		return -EINVAL;
	}
	return 0;
}

void vb_selector_done(struct vb_selector *sel)
{
	free(sel->path);
	free(sel->slot);
	sel->path = sel->slot = NULL;
}

/*
 * A device's topology path ends in its own device and function, and starts in its own domain
 * ("0000:00:02.0/00.0" for 0000:02:00.0; a device on a root bus is its address): what the
 * address rules out needs no path read.
 */
static bool path_may_hold(const char *path, const struct vb_pci_dev *d)
{
	const char *last = strrchr(path, '/');
	char addr[VB_ADDR_MAX];

	vb_pci_addr_format(&d->a, addr);
	if (!last)
		return strcasecmp(path, addr) == 0;
	return strncasecmp(path, addr, 5) == 0 && strcasecmp(last + 1, addr + 8) == 0;
}

int vb_selector_eval(const struct vb_selector *sel, const struct vb_pci_dev *d,
		     const char **unknown)
{
	bool ids = !(d->unknown & VB_PCI_UNKNOWN_IDS);

	*unknown = NULL;
	/* A term that can be told false settles it; one that cannot be told is noted. */
#define TERM(bit, known, holds, what)                          \
	if (sel->terms & (bit)) {                              \
		if (!(known))                                  \
			*unknown = *unknown ? *unknown : what; \
		else if (!(holds))                             \
			return 0;                              \
	}
	TERM(VB_SEL_ADDRESS, true, memcmp(&sel->addr, &d->a, sizeof(d->a)) == 0, "address");
	TERM(VB_SEL_ID, ids, sel->vendor == d->vendor && sel->device == d->device, "id");
	TERM(VB_SEL_SUBSYSTEM, ids,
	     sel->sub_vendor == d->sub_vendor && sel->sub_device == d->sub_device, "subsystem");
	TERM(VB_SEL_CLASS, ids,
	     (d->class_code >> (sel->class_digits == 4 ? 8 : 0)) == sel->class_code, "class");
	if ((sel->terms & VB_SEL_PATH) && !path_may_hold(sel->path, d))
		return 0;
	TERM(VB_SEL_PATH, d->path_unread || !(d->unknown & VB_PCI_UNKNOWN_PATH),
	     d->path_unread || streq_ptr(sel->path, d->path), "path");
	TERM(VB_SEL_SLOT, true, streq_ptr(sel->slot, d->slot), "slot");
	TERM(VB_SEL_BOOT_VGA, ids && d->boot_vga != VB_BOOT_VGA_UNKNOWN,
	     sel->boot_vga == (d->boot_vga == 1), "boot_vga");
#undef TERM
	if (*unknown)
		return -ENODATA;
	return (sel->terms & VB_SEL_PATH) && d->path_unread ? -EAGAIN : 1;
}

bool vb_selector_match(const struct vb_selector *sel, const struct vb_pci_dev *d)
{
	const char *unknown;

	return vb_selector_eval(sel, d, &unknown) == 1;
}

int vb_selector_format(const struct vb_selector *sel, char **ret)
{
	char buf[512], addr[VB_ADDR_MAX];
	size_t n = 0;

#define ADD(...) n += snprintf(buf + n, n < sizeof(buf) ? sizeof(buf) - n : 0, __VA_ARGS__)
	buf[0] = '\0';
	if (sel->terms & VB_SEL_ADDRESS) {
		vb_pci_addr_format(&sel->addr, addr);
		ADD(" address=%s", addr);
	}
	if (sel->terms & VB_SEL_ID)
		ADD(" id=%04x:%04x", sel->vendor, sel->device);
	if (sel->terms & VB_SEL_SUBSYSTEM)
		ADD(" subsystem=%04x:%04x", sel->sub_vendor, sel->sub_device);
	if (sel->terms & VB_SEL_CLASS)
		ADD(" class=%0*x", (int)sel->class_digits, sel->class_code);
	if (sel->terms & VB_SEL_PATH)
		ADD(" path=%s", sel->path);
	if (sel->terms & VB_SEL_SLOT)
		ADD(" slot=%s", sel->slot);
	if (sel->terms & VB_SEL_BOOT_VGA)
		ADD(" boot_vga=%d", sel->boot_vga);
#undef ADD
	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	*ret = strdup(buf[0] ? buf + 1 : buf);
	return *ret ? 0 : -ENOMEM;
}

int vb_selector_eval_load(const struct vb_selector *sel, struct vb_pci_dev *d, const char **unknown)
{
	int r = vb_selector_eval(sel, d, unknown);

	if (r != -EAGAIN)
		return r;
	r = vb_pci_load_path(d);
	return r < 0 ? r : vb_selector_eval(sel, d, unknown);
}
