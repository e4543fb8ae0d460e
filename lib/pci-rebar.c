// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>

#include "pci-extcap.h"
#include "pci-rebar.h"

#define REBAR_CAP     4 /* + 8 * i */
#define REBAR_CTRL    8 /* + 8 * i */
#define CAP_SIZES(v)  ((uint64_t)((v) >> 4) & 0x0fffffff)
#define CTRL_INDEX(v) ((v)&0x7)
#define CTRL_NBAR(v)  (((v) >> 5) & 0x7)
#define CTRL_SIZE(v)  (((v) >> 8) & 0x3f)
#define CTRL_SIZES(v) ((uint64_t)((v) >> 16) & 0xffff)

int vb_rebar_parse(const uint8_t *cfg, size_t len, struct vb_rebar *ret)
{
	struct vb_rebar r = {0};
	unsigned nbars;
	int pos;

	ret->n = 0;
	pos = vb_extcap_find(cfg, len, VB_REBAR_ID);
	if (pos <= 0)
		return pos;
	if ((size_t)pos + REBAR_CTRL + 4 > len)
		return -EOVERFLOW;
	nbars = CTRL_NBAR(vb_cfg_le32(cfg + pos + REBAR_CTRL));
	if (nbars == 0 || nbars > VB_REBAR_MAX)
		return -EBADMSG;
	if ((size_t)pos + REBAR_CTRL + 8 * (nbars - 1) + 4 > len)
		return -EOVERFLOW;
	for (unsigned i = 0; i < nbars; i++) {
		uint32_t cap = vb_cfg_le32(cfg + pos + REBAR_CAP + 8 * i),
			 ctrl = vb_cfg_le32(cfg + pos + REBAR_CTRL + 8 * i);
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
