// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>

#include "pci-rebar.h"

#define EXT_START	0x100 /* PCI_CFG_SPACE_SIZE: the extended capabilities start here */
#define EXT_END		0x1000
#define EXT_HDR_ID(h)	((h)&0xffff)
#define EXT_HDR_NEXT(h) (((h) >> 20) & 0xffc)
/* As the kernel's pci_find_next_ext_capability(): no list has more entries than this. */
#define EXT_MAX_CAPS  ((EXT_END - EXT_START) / 8)
#define REBAR_CAP     4 /* + 8 * i */
#define REBAR_CTRL    8 /* + 8 * i */
#define CAP_SIZES(v)  ((uint64_t)((v) >> 4) & 0x0fffffff)
#define CTRL_INDEX(v) ((v)&0x7)
#define CTRL_NBAR(v)  (((v) >> 5) & 0x7)
#define CTRL_SIZE(v)  (((v) >> 8) & 0x3f)
#define CTRL_SIZES(v) ((uint64_t)((v) >> 16) & 0xffff)

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The offset of the capability, 0 when none; -errno as vb_rebar_parse() says. */
static int find_rebar(const uint8_t *cfg, size_t len)
{
	size_t pos = EXT_START;

	if (len < EXT_START + 4)
		return -ENODATA;
	for (unsigned ttl = 0; ttl < EXT_MAX_CAPS; ttl++) {
		uint32_t h;

		if (pos + 4 > len)
			return -EOVERFLOW;
		h = le32(cfg + pos);
		/* No extended capabilities at all: 0, or all ones from a device that is gone. */
		if (h == 0 || h == 0xffffffff)
			return 0;
		if (EXT_HDR_ID(h) == VB_REBAR_ID)
			return (int)pos;
		pos = EXT_HDR_NEXT(h);
		if (pos == 0)
			return 0;
		if (pos < EXT_START)
			return -EBADMSG;
	}
	return -EBADMSG;
}

int vb_rebar_parse(const uint8_t *cfg, size_t len, struct vb_rebar *ret)
{
	struct vb_rebar r = {0};
	unsigned nbars;
	int pos;

	ret->n = 0;
	pos = find_rebar(cfg, len);
	if (pos <= 0)
		return pos;
	if ((size_t)pos + REBAR_CTRL + 4 > len)
		return -EOVERFLOW;
	nbars = CTRL_NBAR(le32(cfg + pos + REBAR_CTRL));
	if (nbars == 0 || nbars > VB_REBAR_MAX)
		return -EBADMSG;
	if ((size_t)pos + REBAR_CTRL + 8 * (nbars - 1) + 4 > len)
		return -EOVERFLOW;
	for (unsigned i = 0; i < nbars; i++) {
		uint32_t cap = le32(cfg + pos + REBAR_CAP + 8 * i),
			 ctrl = le32(cfg + pos + REBAR_CTRL + 8 * i);
		struct vb_rebar_bar *b = &r.bars[i];

		b->index = CTRL_INDEX(ctrl);
		b->size = CTRL_SIZE(ctrl);
		b->sizes = CAP_SIZES(cap) | CTRL_SIZES(ctrl) << 28;
		if (b->index >= VB_REBAR_MAX || b->size >= VB_REBAR_SIZES)
			return -EBADMSG;
	}
	r.n = nbars;
	*ret = r;
	return 0;
}

uint64_t vb_rebar_bytes(unsigned n)
{
	return n < VB_REBAR_SIZES ? UINT64_C(1) << (VB_REBAR_SHIFT + n) : 0;
}
