// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the option ROM parser (lib/pci-rom.c): any bytes as a ROM. Beyond what
 * ASan sees, every image it reports must lie in the buffer, follow the one before and be
 * followed by the next, whatever the result.
 */
#include <stdint.h>
#include <stdlib.h>

#include "pci-rom.h"

#define FUZZ_IMAGES 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vb_rom_image img[FUZZ_IMAGES];
	size_t n = FUZZ_IMAGES + 1;

	vb_rom_parse(data, size, img, FUZZ_IMAGES, &n);
	if (n > FUZZ_IMAGES)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (!img[i].length || img[i].offset > size || img[i].length > size - img[i].offset)
			abort();
		if (i && img[i].offset != img[i - 1].offset + img[i - 1].length)
			abort();
		if (img[i].last && i + 1 != n)
			abort();
		vb_rom_code_type_name(img[i].code_type);
		vb_rom_efi_machine_name(img[i].efi_machine);
	}
	vb_rom_has_efi_x64(img, n);
	return 0;
}
