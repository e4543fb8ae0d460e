// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The AMD GPUs whose reset leaves them hung for the next guest ("the AMD reset bug"): the ids
 * are those gnif/vendor-reset lists in src/device-db.h (commit 084881c6e9e1), the project
 * whose device_specific reset makes them usable again. Its issues 46 and 96 say why
 * reset_method must name device_specific first: the kernel tries the methods in order, and a
 * bus reset that runs before it leaves the card hung.
 */
#include "reset-quirks.h"
#include "util.h"

#define AMD		0x1002
#define VENDOR_RESET_DB "https://github.com/gnif/vendor-reset/blob/084881c6e9e1/src/device-db.h"
#define VENDOR_RESET	"vendor-reset (https://github.com/gnif/vendor-reset)"

static const uint16_t polaris10[] = {0x67c0, 0x67c1, 0x67c2, 0x67c4, 0x67c7, 0x67d0, 0x67df,
				     0x67c8, 0x67c9, 0x67ca, 0x67cc, 0x67cf, 0x6fdf};
static const uint16_t polaris11[] = {0x67e0, 0x67e3, 0x67e8, 0x67eb, 0x67ef,
				     0x67ff, 0x67e1, 0x67e7, 0x67e9};
static const uint16_t polaris12[] = {0x6980, 0x6981, 0x6985, 0x6986,
				     0x6987, 0x6995, 0x6997, 0x699f};
static const uint16_t vega10[] = {0x6860, 0x6861, 0x6862, 0x6863, 0x6864, 0x6867, 0x6868, 0x6869,
				  0x686a, 0x686b, 0x686c, 0x686d, 0x686e, 0x686f, 0x687f};
static const uint16_t vega20[] = {0x66a0, 0x66a1, 0x66a2, 0x66a3, 0x66a4, 0x66a7, 0x66af};
static const uint16_t navi10[] = {0x7310, 0x7312, 0x7318, 0x7319, 0x731a, 0x731b, 0x731e, 0x731f};
static const uint16_t navi12[] = {0x7360, 0x7362};
static const uint16_t navi14[] = {0x7340, 0x7341, 0x7347, 0x734f};

#define FAMILY(ids, name)                                                      \
	{                                                                      \
		AMD, ids, ELEMENTSOF(ids), name, VENDOR_RESET_DB, VENDOR_RESET \
	}

static const struct vb_reset_quirk quirks[] = {
	FAMILY(polaris10, "AMD Polaris 10"), FAMILY(polaris11, "AMD Polaris 11"),
	FAMILY(polaris12, "AMD Polaris 12"), FAMILY(vega10, "AMD Vega 10"),
	FAMILY(vega20, "AMD Vega 20"),	     FAMILY(navi10, "AMD Navi 10"),
	FAMILY(navi12, "AMD Navi 12"),	     FAMILY(navi14, "AMD Navi 14"),
};

const struct vb_reset_quirk *vb_reset_quirk_find(uint16_t vendor, uint16_t device)
{
	for (size_t i = 0; i < ELEMENTSOF(quirks); i++) {
		if (quirks[i].vendor != vendor)
			continue;
		for (size_t k = 0; k < quirks[i].n_devices; k++)
			if (quirks[i].devices[k] == device)
				return &quirks[i];
	}
	return NULL;
}

const struct vb_reset_quirk *vb_reset_quirks(size_t *n)
{
	*n = ELEMENTSOF(quirks);
	return quirks;
}
