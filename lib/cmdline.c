// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>

#include "cmdline.h"
#include "log.h"
#include "pci.h"
#include "sysroot.h"
#include "util.h"

/* The kernel treats '-' and '_' alike in parameter names; so do we. */
static bool name_eq(const char *a, size_t n, const char *b)
{
	if (strlen(b) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];
		if (x != y)
			return false;
	}
	return true;
}

static int add_claims(struct vb_cmdline *c, const char *v, size_t len)
{
	while (len > 0) {
		size_t n = strcspn(v, ",");
		char addr[VB_ADDR_MAX + 8];
		struct vb_pci_addr a;
		int r;

		if (n > len)
			n = len;
		if (n >= sizeof(addr) || n == 0) {
			log_err(0,
				"vfio_boot.claim: \"%.*s\" is not an address: expected DDDD:BB:DD.F",
				(int)n, v);
		} else {
			memcpy(addr, v, n);
			addr[n] = '\0';
			if (vb_pci_addr_parse(addr, &a) < 0) {
				log_err(0,
					"vfio_boot.claim: \"%s\" is not an address: expected DDDD:BB:DD.F",
					addr);
			} else {
				r = GROW(c->claims, c->alloc_claims, c->n_claims + 1);
				if (r < 0)
					return r;
				c->claims[c->n_claims] = malloc(VB_ADDR_MAX);
				if (!c->claims[c->n_claims])
					return -ENOMEM;
				vb_pci_addr_format(&a, c->claims[c->n_claims++]);
			}
		}
		v += n;
		len -= n;
		if (len > 0) {
			v++;
			len--;
		}
	}
	return 0;
}

/* The kernel's own boolean words (kstrtobool), any case. */
static int parse_bool(const char *v, size_t n)
{
	static const char *const yes[] = {"1", "y", "yes", "on", "true"};
	static const char *const no[] = {"0", "n", "no", "off", "false"};

	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strlen(yes[i]) == n && strncasecmp(v, yes[i], n) == 0)
			return 1;
		if (strlen(no[i]) == n && strncasecmp(v, no[i], n) == 0)
			return 0;
	}
	return -EINVAL;
}

static int handle(struct vb_cmdline *c, const char *w, size_t len)
{
	const char *eq, *v;
	size_t klen, vlen;

	/* The kernel strips the quotes of "name=value" and of name="value"; so do we. */
	if (len >= 2 && w[0] == '"' && w[len - 1] == '"') {
		w++;
		len -= 2;
	}
	eq = memchr(w, '=', len);
	klen = eq ? (size_t)(eq - w) : len;
	v = eq ? eq + 1 : NULL;
	vlen = eq ? len - klen - 1 : 0;
	if (v && vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
		v++;
		vlen -= 2;
	}
	if (name_eq(w, klen, "vfio_boot")) {
		/* The rescue switch must work however it is typed at a boot prompt. */
		int b = v ? parse_bool(v, vlen) : 1;
		if (b == 0)
			c->off = true;
		else if (b < 0)
			log_warn(0, "vfio_boot=%.*s: expected off or on; not switching off",
				 (int)vlen, v);
	} else if (name_eq(w, klen, "vfio_boot.debug")) {
		c->debug = !v || parse_bool(v, vlen) != 0;
	} else if (name_eq(w, klen, "vfio_boot.claim")) {
		if (v)
			return add_claims(c, v, vlen);
	}
	return 0;
}

int vb_cmdline_parse(struct vb_cmdline *c, const char *line)
{
	const char *p = line;

	*c = (struct vb_cmdline){0};
	for (;;) {
		bool quoted = false;
		const char *w;
		int r;

		p += strspn(p, " \t\n");
		if (!*p)
			return 0;
		/* Words split on white space outside double quotes, as the kernel does. */
		for (w = p; *p; p++) {
			if (*p == '"')
				quoted = !quoted;
			else if (!quoted && (*p == ' ' || *p == '\t' || *p == '\n'))
				break;
		}
		/* What follows "--" is for init, not for the kernel or us. */
		if (p - w == 2 && w[0] == '-' && w[1] == '-')
			return 0;
		r = handle(c, w, p - w);
		if (r < 0)
			return r;
	}
}

int vb_cmdline_load(struct vb_cmdline *c)
{
	_cleanup_free_ char *line = NULL;
	int r;

	r = vb_read_file("/proc/cmdline", &line);
	if (r < 0) {
		*c = (struct vb_cmdline){0};
		return r;
	}
	return vb_cmdline_parse(c, line);
}

void vb_cmdline_free(struct vb_cmdline *c)
{
	for (size_t i = 0; i < c->n_claims; i++)
		free(c->claims[i]);
	free(c->claims);
	*c = (struct vb_cmdline){0};
}
