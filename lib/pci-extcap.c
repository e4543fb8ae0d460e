// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>

#include "pci-extcap.h"

#define EXT_HDR_ID(h)	((h)&0xffff)
#define EXT_HDR_NEXT(h) (((h) >> 20) & 0xffc)
/* As the kernel's pci_find_next_ext_capability(): no list has more entries than this. */
#define EXT_MAX_CAPS ((VB_EXTCAP_END - VB_EXTCAP_START) / 8)
#define DSN_LOW	     4
#define DSN_HIGH     8

uint32_t vb_cfg_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int vb_extcap_find(const uint8_t *cfg, size_t len, unsigned id)
{
	size_t pos = VB_EXTCAP_START;

	if (len < VB_EXTCAP_START + 4)
		return -ENODATA;
	for (unsigned ttl = 0; ttl < EXT_MAX_CAPS; ttl++) {
		uint32_t h;

		if (pos + 4 > len)
			return -EOVERFLOW;
		h = vb_cfg_le32(cfg + pos);
		/* No extended capabilities at all: 0, or all ones from a device that is gone. */
		if (h == 0 || h == 0xffffffff)
			return 0;
		if (EXT_HDR_ID(h) == id)
			return (int)pos;
		pos = EXT_HDR_NEXT(h);
		if (pos == 0)
			return 0;
		if (pos < VB_EXTCAP_START)
			return -EBADMSG;
	}
	return -EBADMSG;
}

int vb_dsn_parse(const uint8_t *cfg, size_t len, uint64_t *ret)
{
	int pos = vb_extcap_find(cfg, len, VB_DSN_ID);

	if (pos < 0)
		return pos;
	if (pos == 0)
		return -ENOENT;
	if ((size_t)pos + DSN_HIGH + 4 > len)
		return -EOVERFLOW;
	*ret = (uint64_t)vb_cfg_le32(cfg + pos + DSN_HIGH) << 32 | vb_cfg_le32(cfg + pos + DSN_LOW);
	return 0;
}

void vb_dsn_format(uint64_t dsn, char buf[VB_DSN_MAX])
{
	snprintf(buf, VB_DSN_MAX, "%02x-%02x-%02x-%02x-%02x-%02x-%02x-%02x",
		 (unsigned)(dsn >> 56) & 0xff, (unsigned)(dsn >> 48) & 0xff,
		 (unsigned)(dsn >> 40) & 0xff, (unsigned)(dsn >> 32) & 0xff,
		 (unsigned)(dsn >> 24) & 0xff, (unsigned)(dsn >> 16) & 0xff,
		 (unsigned)(dsn >> 8) & 0xff, (unsigned)dsn & 0xff);
}
