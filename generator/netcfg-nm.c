// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>

#include "netcfg.h"
#include "strbuf.h"

/*
 * The same name always gives the same UUID, so that a profile keeps its identity across
 * boots. Not a secret, so FNV-1a will do; the version nibble says 8 (custom, RFC 9562).
 */
static void uuid_for(const char *a, const char *b, char out[37])
{
	uint64_t h[2] = {0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL};
	unsigned char u[16];

	for (int k = 0; k < 2; k++) {
		for (const char *s = "vfio-boot:"; *s; s++)
			h[k] = (h[k] ^ (unsigned char)*s) * 0x100000001b3ULL;
		for (const char *s = a; *s; s++)
			h[k] = (h[k] ^ (unsigned char)*s) * 0x100000001b3ULL;
		h[k] = (h[k] ^ ':') * 0x100000001b3ULL;
		for (const char *s = b; *s; s++)
			h[k] = (h[k] ^ (unsigned char)*s) * 0x100000001b3ULL;
		for (int i = 0; i < 8; i++)
			u[k * 8 + i] = h[k] >> (56 - 8 * i);
	}
	u[6] = (u[6] & 0x0f) | 0x80;
	u[8] = (u[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
}

static int add(struct netcfg_files *out, const char *name, const char *suffix, struct strbuf *s)
{
	char *path = NULL;

	(void)asprintf_safe(&path, NM_DIR "/vfio-boot-%s%s.nmconnection", name, suffix);
	/* NetworkManager ignores keyfiles that anyone but root may read. */
	return netcfg_files_add(out, path, 0600, s);
}

static void ip_section(struct strbuf *s, const struct vb_bridge *b, int family)
{
	bool mine = b->address && b->family == family;

	strbuf_printf(s, "\n[%s]\n", family == AF_INET ? "ipv4" : "ipv6");
	if (b->dhcp)
		strbuf_printf(s, "method=auto\n");
	else if (mine)
		strbuf_printf(s, "method=manual\n");
	else
		strbuf_printf(s, "method=%s\n", family == AF_INET ? "disabled" : "link-local");
	if (mine)
		strbuf_printf(s, "address1=%s\n", b->address);
	if (mine && b->gateway)
		strbuf_printf(s, "gateway=%s\n", b->gateway);
}

int netcfg_nm(const struct vb_bridge *b, const char *mac, struct netcfg_files *out)
{
	struct strbuf s = {0};
	char bridge_uuid[37], port_uuid[37];
	int r;

	*out = (struct netcfg_files){0};
	uuid_for(b->name, "bridge", bridge_uuid);
	uuid_for(b->name, "uplink", port_uuid);

	netcfg_header(&s, b);
	strbuf_printf(&s,
		      "[connection]\nid=vfio-boot-%s\nuuid=%s\ntype=bridge\ninterface-name=%s\n"
		      "autoconnect=true\n",
		      b->name, bridge_uuid, b->name);
	/* bridge.mac-address only sets the first one; cloned-mac-address keeps it. */
	if (*mac)
		strbuf_printf(&s, "\n[ethernet]\ncloned-mac-address=%s\n", mac);
	strbuf_printf(&s, "\n[bridge]\n");
	if (*mac)
		strbuf_printf(&s, "mac-address=%s\n", mac);
	strbuf_printf(&s, "stp=%s\n", b->stp ? "true" : "false");
	ip_section(&s, b, AF_INET);
	ip_section(&s, b, AF_INET6);
	r = add(out, b->name, "", &s);
	if (r < 0)
		goto fail;

	netcfg_header(&s, b);
	strbuf_printf(&s, "[connection]\nid=vfio-boot-%s-uplink\nuuid=%s\ntype=ethernet\n", b->name,
		      port_uuid);
	if (b->uplink)
		strbuf_printf(&s, "interface-name=%s\n", b->uplink);
	/*
	 * A port has no IP config of its own. The priority makes this profile win over the
	 * card's own one (priority 0 unless set), so the card leaves its old addresses behind.
	 */
	strbuf_printf(&s,
		      "master=%s\nslave-type=bridge\nautoconnect=true\nautoconnect-priority=100\n",
		      bridge_uuid);
	if (!b->uplink)
		/* The card's permanent address, as uplink-mac is. */
		strbuf_printf(&s, "\n[ethernet]\nmac-address=%s\n", b->uplink_mac);
	strbuf_printf(&s, "\n[bridge-port]\n");
	r = add(out, b->name, "-uplink", &s);
	if (r < 0)
		goto fail;
	return 0;
fail:
	netcfg_files_free(out);
	return r;
}
