// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <strings.h>
#include <sys/socket.h>

#include "bridge.h"
#include "log.h"
#include "util.h"

static void bridge_error(struct vb_config *cfg, struct vb_bridge *b, const char *file,
			 unsigned line, const char *fmt, ...) _printf_(5, 6);

static void bridge_error(struct vb_config *cfg, struct vb_bridge *b, const char *file,
			 unsigned line, const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cfg->n_errors++;
	b->bad = true;
	log_err(0, "%s:%u: %s", file, line, buf);
}

int vb_parse_bool(const char *s)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -EINVAL;
}

bool vb_ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15 || streq(s, ".") || streq(s, ".."))
		return false;
	/* All digits reads as an interface index to ip(8) and networkd. */
	if (strspn(s, "0123456789") == n)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

int vb_mac_parse(const char *s, char out[VB_MAC_LEN])
{
	unsigned char sep = 0;
	char *t = out;

	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
			return -EINVAL;
		*t++ = tolower((unsigned char)s[0]);
		*t++ = tolower((unsigned char)s[1]);
		s += 2;
		if (i == 5)
			break;
		if (*s != ':' && *s != '-')
			return -EINVAL;
		/* One separator throughout: "aa:bb-cc..." is a typo, not a MAC. */
		if (sep && *s != sep)
			return -EINVAL;
		sep = *s++;
		*t++ = ':';
	}
	*t = '\0';
	return *s ? -EINVAL : 0;
}

static bool mac_usable(const char *mac)
{
	/* Multicast (bit 0 of the first octet) and all-zero addresses are no interface's. */
	return !(strtoul((char[]){mac[0], mac[1], 0}, NULL, 16) & 1) &&
	       !streq(mac, "00:00:00:00:00:00");
}

static const struct vb_setting *get(const struct vb_section *sec, const char *key)
{
	return vb_section_get(sec, key);
}

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

static void parse_bridge(struct vb_config *cfg, struct vb_bridge *b, const struct vb_section *sec)
{
	const struct vb_setting *st, *uplink, *uplink_mac, *dhcp;
	int r;

	uplink = get(sec, "uplink");
	uplink_mac = get(sec, "uplink-mac");
	if (uplink && uplink_mac)
		bridge_error(cfg, b, uplink_mac->file, uplink_mac->line,
			     "[bridge %s] has both uplink and uplink-mac: expected one of them",
			     b->name);
	else if (!uplink && !uplink_mac)
		bridge_error(
			cfg, b, sec->file, sec->line,
			"[bridge %s] has no uplink: expected `uplink = IFNAME` or `uplink-mac = MAC`",
			b->name);
	if (uplink) {
		if (!vb_ifname_valid(uplink->value))
			bridge_error(
				cfg, b, uplink->file, uplink->line,
				"uplink = \"%s\": expected an interface name (at most 15 letters, digits, '_', '.' or '-')",
				uplink->value);
		else if (streq(uplink->value, b->name))
			bridge_error(cfg, b, uplink->file, uplink->line,
				     "uplink = %s is the bridge itself: expected its network card",
				     uplink->value);
		b->uplink = uplink->value;
	}
	if (uplink_mac &&
	    (vb_mac_parse(uplink_mac->value, b->uplink_mac) < 0 || !mac_usable(b->uplink_mac)))
		bridge_error(
			cfg, b, uplink_mac->file, uplink_mac->line,
			"uplink-mac = \"%s\": expected a unicast MAC address such as 52:54:00:12:34:56",
			uplink_mac->value);

	st = get(sec, "mac");
	if (st && (vb_mac_parse(st->value, b->mac) < 0 || !mac_usable(b->mac)))
		bridge_error(
			cfg, b, st->file, st->line,
			"mac = \"%s\": expected a unicast MAC address such as 52:54:00:12:34:56",
			st->value);

	st = get(sec, "stp");
	if (st) {
		r = vb_parse_bool(st->value);
		if (r < 0)
			bridge_error(cfg, b, st->file, st->line, "stp = \"%s\": expected yes or no",
				     st->value);
		b->stp = r > 0;
	}

	st = get(sec, "address");
	if (st) {
		r = parse_cidr(st->value);
		if (r < 0)
			bridge_error(
				cfg, b, st->file, st->line,
				"address = \"%s\": expected an address with its prefix length, such as 192.0.2.10/24 or 2001:db8::10/64",
				st->value);
		else
			b->family = r;
		b->address = st->value;
	}
	st = get(sec, "gateway");
	if (st) {
		r = parse_ip(st->value);
		if (r < 0)
			bridge_error(cfg, b, st->file, st->line,
				     "gateway = \"%s\": expected an IP address such as 192.0.2.1",
				     st->value);
		else if (!b->address)
			bridge_error(cfg, b, st->file, st->line,
				     "gateway = %s without address: expected `address = CIDR` too",
				     st->value);
		else if (b->family && r != b->family)
			bridge_error(cfg, b, st->file, st->line,
				     "gateway = %s is not of the same IP version as address = %s",
				     st->value, b->address);
		b->gateway = st->value;
	}

	/* A static address means no DHCP, unless asked for both. */
	b->dhcp = !b->address;
	dhcp = get(sec, "dhcp");
	if (dhcp) {
		r = vb_parse_bool(dhcp->value);
		if (r < 0)
			bridge_error(cfg, b, dhcp->file, dhcp->line,
				     "dhcp = \"%s\": expected yes or no", dhcp->value);
		else
			b->dhcp = r;
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
		parse_bridge(cfg, b, sec);

		/* Two bridges cannot both enslave one card. */
		for (size_t j = 0; j + 1 < ret->n && !b->bad; j++) {
			const struct vb_bridge *o = &ret->v[j];
			const struct vb_setting *st = get(sec, b->uplink ? "uplink" : "uplink-mac");

			if ((b->uplink && o->uplink && streq(b->uplink, o->uplink)) ||
			    (*b->uplink_mac && streq(b->uplink_mac, o->uplink_mac)))
				bridge_error(cfg, b, st->file, st->line,
					     "[bridge %s] uses the uplink of [bridge %s] (%s:%u)",
					     b->name, o->name, o->file, o->line);
		}
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
