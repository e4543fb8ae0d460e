// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <sys/socket.h>

#include "escape.h"
#include "netcfg.h"
#include "strbuf.h"

/*
 * networkd applies the first .network file that matches, in file name order over all its
 * directories: "00-" puts these before the usual 10-/20- ones, so that the uplink loses the
 * address config it had.
 */
#define PREFIX NETWORKD_DIR "/00-vfio-boot-"

void netcfg_header(struct strbuf *s, const struct vb_bridge *b)
{
	_cleanup_free_ char *file = NULL;

	if (vb_escape_comment(b->file, &file) < 0) {
		s->error = -ENOMEM;
		return;
	}
	strbuf_printf(s,
		      "# Written by vfio-boot-netcfg from [bridge %s] at %s:%u, at every boot.\n"
		      "# Change the config, not this file: see vfio-boot.conf(5).\n",
		      b->name, file, b->line);
}

int netcfg_files_add(struct netcfg_files *out, char *path, unsigned mode, struct strbuf *s)
{
	struct netcfg_file *f = &out->v[out->n];
	int r;

	if (!path) {
		strbuf_done(s);
		return -ENOMEM;
	}
	r = strbuf_take(s, &f->content);
	if (r < 0) {
		free(path);
		return r;
	}
	f->path = path;
	f->mode = mode;
	out->n++;
	return 0;
}

static int add(struct netcfg_files *out, const struct vb_bridge *b, const char *suffix,
	       struct strbuf *s)
{
	char *path = NULL;

	(void)asprintf_safe(&path, PREFIX "%s%s", b->name, suffix);
	return netcfg_files_add(out, path, 0644, s);
}

int netcfg_networkd(const struct vb_bridge *b, const char *mac, struct netcfg_files *out)
{
	struct strbuf s = {0};
	int r;

	*out = (struct netcfg_files){0};

	netcfg_header(&s, b);
	strbuf_printf(&s, "[NetDev]\nName=%s\nKind=bridge\n", b->name);
	/* "none": networkd sets no MAC, and the kernel gives the bridge its port's. */
	strbuf_printf(&s, "MACAddress=%s\n", *mac ? mac : "none");
	strbuf_printf(&s, "\n[Bridge]\nSTP=%s\n", b->stp ? "yes" : "no");
	r = add(out, b, ".netdev", &s);
	if (r < 0)
		goto fail;

	if (!*mac) {
		/* udev's 99-default.link would give the bridge a MAC of its own otherwise. */
		netcfg_header(&s, b);
		strbuf_printf(&s, "[Match]\nOriginalName=%s\n\n[Link]\nMACAddressPolicy=none\n",
			      b->name);
		r = add(out, b, ".link", &s);
		if (r < 0)
			goto fail;
	}

	netcfg_header(&s, b);
	strbuf_printf(&s, "[Match]\nName=%s\n\n[Network]\n", b->name);
	if (b->dhcp)
		strbuf_printf(&s, "DHCP=yes\n");
	else
		strbuf_printf(&s, "DHCP=no\n");
	if (b->address)
		strbuf_printf(&s, "Address=%s\n", b->address);
	if (b->gateway)
		strbuf_printf(&s, "Gateway=%s\n", b->gateway);
	if (!b->dhcp && b->family != AF_INET6)
		strbuf_printf(&s, "IPv6AcceptRA=no\n");
	r = add(out, b, ".network", &s);
	if (r < 0)
		goto fail;

	netcfg_header(&s, b);
	if (b->uplink)
		strbuf_printf(&s, "[Match]\nName=%s\n", b->uplink);
	else
		/* The permanent address: the bridge may carry the same one, but not as its own. */
		strbuf_printf(&s, "[Match]\nPermanentMACAddress=%s\n", b->uplink_mac);
	strbuf_printf(&s,
		      "\n[Network]\nBridge=%s\n"
		      "# A port of the bridge: no addresses of its own.\n"
		      "DHCP=no\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n",
		      b->name);
	r = add(out, b, "-uplink.network", &s);
	if (r < 0)
		goto fail;
	return 0;
fail:
	netcfg_files_free(out);
	return r;
}

void netcfg_files_free(struct netcfg_files *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].path);
		free(f->v[i].content);
	}
	*f = (struct netcfg_files){0};
}

int netcfg_all_paths(const char *name, char ***ret, size_t *n)
{
	static const char *const fmts[] = {
		PREFIX "%s.netdev",
		PREFIX "%s.link",
		PREFIX "%s.network",
		PREFIX "%s-uplink.network",
		NM_DIR "/vfio-boot-%s.nmconnection",
		NM_DIR "/vfio-boot-%s-uplink.nmconnection",
	};
	char **v = calloc(ELEMENTSOF(fmts), sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(fmts); i++)
		if (asprintf_safe(&v[i], fmts[i], name) < 0) {
			for (size_t j = 0; j < i; j++)
				free(v[j]);
			free(v);
			return -ENOMEM;
		}
	*ret = v;
	*n = ELEMENTSOF(fmts);
	return 0;
}
