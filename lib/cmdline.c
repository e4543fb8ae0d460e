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
			log_err(0, "vfio_boot.claim: \"%.*s\" is not an address: expected DDDD:BB:DD.F",
				(int)n, v);
		} else {
			memcpy(addr, v, n);
			addr[n] = '\0';
			if (vb_pci_addr_parse(addr, &a) < 0) {
				log_err(0, "vfio_boot.claim: \"%s\" is not an address: expected DDDD:BB:DD.F",
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

static int handle(struct vb_cmdline *c, const char *w, size_t len)
{
	const char *eq = memchr(w, '=', len);
	size_t klen = eq ? (size_t)(eq - w) : len;
	const char *v = eq ? eq + 1 : NULL;
	size_t vlen = eq ? len - klen - 1 : 0;

	/* A quoted value arrives with its quotes; the kernel strips them, so do we. */
	if (v && vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
		v++;
		vlen -= 2;
	}
	if (name_eq(w, klen, "vfio_boot")) {
		if (v && ((vlen == 3 && !strncmp(v, "off", 3)) || (vlen == 1 && v[0] == '0') ||
			  (vlen == 2 && !strncmp(v, "no", 2)) ||
			  (vlen == 5 && !strncmp(v, "false", 5))))
			c->off = true;
		else if (v && !((vlen == 2 && !strncmp(v, "on", 2)) || (vlen == 1 && v[0] == '1')))
			log_warn(0, "vfio_boot=%.*s: expected off or on; not switching off", (int)vlen,
				 v);
	} else if (name_eq(w, klen, "vfio_boot.debug")) {
		c->debug = !v || !(vlen == 1 && v[0] == '0');
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
