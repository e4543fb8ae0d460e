// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <sys/socket.h>

#include "bridge.h"
#include "config-schema.h"
#include "log.h"
#include "util.h"

/* Returns the address family, or -EINVAL. */
static int parse_cidr(const char *s)
{
	unsigned char buf[16];
	char ip[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	unsigned long prefix;
	char *end;
	int family;

	if (!slash || (size_t)(slash - s) >= sizeof(ip) || !isdigit((unsigned char)slash[1]))
		return -EINVAL;
	memcpy(ip, s, slash - s);
	ip[slash - s] = '\0';
	family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(family, ip, buf) != 1)
		return -EINVAL;
	errno = 0;
	prefix = strtoul(slash + 1, &end, 10);
	if (errno || *end || prefix > (family == AF_INET ? 32u : 128u) || prefix == 0)
		return -EINVAL;
	return family;
}

static int parse_ip(const char *s)
{
	unsigned char buf[16];
	int family = strchr(s, ':') ? AF_INET6 : AF_INET;

	return inet_pton(family, s, buf) == 1 ? family : -EINVAL;
}

/* The name is kept either way: guests and the uplink check compare against it. */
static int parse_uplink(struct vb_apply *a, const struct vb_key *k, const struct vb_setting *st,
			void *dst)
{
	vb_key_string(a, k, st, dst);
	return vb_ifname_valid(st->value) ? 0 : -EINVAL;
}

static int check_uplink(struct vb_apply *a, const struct vb_setting *st)
{
	const struct vb_bridge *b = a->obj;

	if (streq(st->value, b->name))
		vb_apply_error(a, st, "uplink = %s is the bridge itself: expected its network card",
			       st->value);
	return 0;
}

/* A static address means no DHCP, unless asked for both: dhcp comes after it. */
static int parse_address(struct vb_apply *a, const struct vb_key *k, const struct vb_setting *st,
			 void *dst)
{
	struct vb_bridge *b = a->obj;
	int r = parse_cidr(st->value);

	(void)k;
	*(const char **)dst = st->value;
	b->dhcp = false;
	if (r < 0)
		return r;
	b->family = r;
	return 0;
}

static int parse_gateway(struct vb_apply *a, const struct vb_key *k, const struct vb_setting *st,
			 void *dst)
{
	vb_key_string(a, k, st, dst);
	return parse_ip(st->value) < 0 ? -EINVAL : 0;
}

static int check_gateway(struct vb_apply *a, const struct vb_setting *st)
{
	const struct vb_bridge *b = a->obj;

	if (!b->address)
		vb_apply_error(a, st, "gateway = %s without address: expected `address = CIDR` too",
			       st->value);
	else if (b->family && parse_ip(st->value) != b->family)
		vb_apply_error(a, st, "gateway = %s is not of the same IP version as address = %s",
			       st->value, b->address);
	return 0;
}

#define MAC_EXPECTED "a unicast MAC address such as 52:54:00:12:34:56"

/* Listed as users know them; ranked so that what one key needs of another is there first. */
static const struct vb_key bridge_keys[] = {
	{
		.name = "uplink",
		.parse = parse_uplink,
		.offset = offsetof(struct vb_bridge, uplink),
		.expected = "an interface name (at most 15 letters, digits, '_', '.' or '-')",
		.check = check_uplink,
	},
	{
		.name = "uplink-mac",
		.parse = vb_key_mac,
		.offset = offsetof(struct vb_bridge, uplink_mac),
		.expected = MAC_EXPECTED,
	},
	{
		.name = "dhcp",
		.parse = vb_key_bool,
		.offset = offsetof(struct vb_bridge, dhcp),
		.expected = "yes or no",
		.rank = 4,
	},
	{
		.name = "address",
		.parse = parse_address,
		.offset = offsetof(struct vb_bridge, address),
		.expected =
			"an address with its prefix length, such as 192.0.2.10/24 or 2001:db8::10/64",
		.rank = 3,
	},
	{
		.name = "gateway",
		.parse = parse_gateway,
		.offset = offsetof(struct vb_bridge, gateway),
		.expected = "an IP address such as 192.0.2.1",
		.check = check_gateway,
		.rank = 3,
	},
	{
		.name = "stp",
		.parse = vb_key_bool,
		.offset = offsetof(struct vb_bridge, stp),
		.expected = "yes or no",
		.rank = 2,
	},
	{
		.name = "mac",
		.parse = vb_key_mac,
		.offset = offsetof(struct vb_bridge, mac),
		.expected = MAC_EXPECTED,
		.rank = 1,
	},
};

const struct vb_schema vb_bridge_schema = {
	.type = VB_SEC_BRIDGE,
	.keys = bridge_keys,
	.n_keys = ELEMENTSOF(bridge_keys),
};

static int parse_bridge(struct vb_config *cfg, struct vb_bridge *b, const struct vb_section *sec)
{
	const struct vb_setting *uplink = vb_section_get(sec, "uplink"),
				*uplink_mac = vb_section_get(sec, "uplink-mac");
	struct vb_apply a = {.cfg = cfg, .sec = sec, .obj = b, .bad = &b->bad};

	if (uplink && uplink_mac)
		vb_apply_error(&a, uplink_mac,
			       "[bridge %s] has both uplink and uplink-mac: expected one of them",
			       b->name);
	else if (!uplink && !uplink_mac)
		vb_apply_error(
			&a, sec,
			"[bridge %s] has no uplink: expected `uplink = IFNAME` or `uplink-mac = MAC`",
			b->name);
	b->dhcp = true;
	return vb_schema_apply(&a, &vb_bridge_schema);
}

/* Two bridges cannot both enslave one card. */
static void check_shared_uplink(struct vb_config *cfg, struct vb_bridges *bs, struct vb_bridge *b,
				const struct vb_section *sec)
{
	for (size_t j = 0; j + 1 < bs->n && !b->bad; j++) {
		const struct vb_bridge *o = &bs->v[j];
		const struct vb_setting *st =
			vb_section_get(sec, b->uplink ? "uplink" : "uplink-mac");

		if ((b->uplink && o->uplink && streq(b->uplink, o->uplink)) ||
		    (*b->uplink_mac && streq(b->uplink_mac, o->uplink_mac)))
			vb_config_report(cfg, &b->bad, LOG_ERR, st->file, st->line,
					 "[bridge %s] uses the uplink of [bridge %s] (%s:%u)",
					 b->name, o->name, o->file, o->line);
	}
}

int vb_bridges_resolve(struct vb_config *cfg, struct vb_bridges *ret)
{
	int r;

	*ret = (struct vb_bridges){0};
	for (size_t i = 0; i < cfg->n_sections; i++) {
		const struct vb_section *sec = &cfg->sections[i];
		struct vb_bridge *b;

		if (sec->type != VB_SEC_BRIDGE)
			continue;
		r = GROW(ret->v, ret->alloc, ret->n + 1);
		if (r < 0)
			return r;
		b = &ret->v[ret->n++];
		*b = (struct vb_bridge){
			.section = i, .name = sec->name, .file = sec->file, .line = sec->line};
		b->bad = sec->bad;
		r = parse_bridge(cfg, b, sec);
		if (r < 0)
			return r;
		check_shared_uplink(cfg, ret, b, sec);
		if (b->bad)
			log_err(0, "%s:%u: skipping [bridge %s]: it is not set up", b->file,
				b->line, b->name);
	}
	return 0;
}

const struct vb_bridge *vb_bridge_find(const struct vb_bridges *b, const char *name)
{
	for (size_t i = 0; i < b->n; i++)
		if (streq(b->v[i].name, name))
			return &b->v[i];
	return NULL;
}

void vb_bridges_free(struct vb_bridges *b)
{
	free(b->v);
	*b = (struct vb_bridges){0};
}
