// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the Resizable BAR parser (lib/pci-rebar.c) and the extended capability
 * walk it shares with the serial number (lib/pci-extcap.c): any bytes as config space.
 * Beyond what ASan sees, every BAR it reports must be one of the six, with a size it can
 * name, and an error must leave no BAR behind.
 */
#include <stdint.h>
#include <stdlib.h>

#include "pci-extcap.h"
#include "pci-rebar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vb_rebar r;
	int ret = vb_rebar_parse(data, size, &r);
	uint64_t dsn;

	/* The serial number shares the walk: ASan alone judges it. */
	(void)vb_dsn_parse(data, size, &dsn);

	if (ret > 0 || (ret < 0 && r.n) || r.n > VB_REBAR_MAX)
		abort();
	for (size_t i = 0; i < r.n; i++) {
		if (r.bars[i].index >= VB_REBAR_MAX || !vb_rebar_bytes(r.bars[i].size))
			abort();
		if (r.bars[i].sizes >> VB_REBAR_SIZES)
			abort();
	}
	return 0;
}
