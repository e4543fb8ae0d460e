// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>

#include "pci-rom.h"

#define ROM_UNIT	    512u
#define HDR_LEN		    0x1a /* up to and with the PCIR offset */
#define HDR_PCIR	    0x18
#define EFI_SIGNATURE	    0x04
#define EFI_SUBSYSTEM	    0x08
#define EFI_MACHINE	    0x0a
#define EFI_COMPRESSION	    0x0c
#define EFI_SIGNATURE_VALUE 0x0ef1u
#define PCIR_VENDOR	    0x04
#define PCIR_DEVICE	    0x06
#define PCIR_LENGTH	    0x0a
#define PCIR_CLASS	    0x0d
#define PCIR_IMAGE_LEN	    0x10
#define PCIR_CODE_TYPE	    0x14
#define PCIR_INDICATOR	    0x15
#define PCIR_MIN_LEN	    0x18
#define INDICATOR_LAST	    0x80

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool has_signature(const uint8_t *p, size_t avail)
{
	return avail >= 2 && p[0] == 0x55 && p[1] == 0xaa;
}

/* One image at p, with avail bytes left in the buffer; its signature is already seen. */
static int parse_image(const uint8_t *p, size_t avail, struct vb_rom_image *img, const char **why)
{
	const uint8_t *pcir;
	size_t off, dlen, units;

	if (avail < HDR_LEN)
		return *why = "header cut short", -EOVERFLOW;
	off = le16(p + HDR_PCIR);
	/* The spec wants it aligned, and OVMF stops at an image whose PCIR is not. */
	if (off % 4)
		return *why = "PCIR pointer not 4-byte aligned", -EBADMSG;
	if (off > avail || avail - off < PCIR_MIN_LEN)
		return *why = "PCIR structure past the end of the ROM", -EOVERFLOW;
	pcir = p + off;
	if (memcmp(pcir, "PCIR", 4))
		return *why = "bad PCIR: no \"PCIR\" signature where the header points", -EBADMSG;
	dlen = le16(pcir + PCIR_LENGTH);
	if (dlen < PCIR_MIN_LEN)
		return *why = "bad PCIR: shorter than 24 bytes", -EBADMSG;
	if (dlen > avail - off)
		return *why = "PCIR structure past the end of the ROM", -EOVERFLOW;
	/* A zero length would put the next image where this one is. */
	units = le16(pcir + PCIR_IMAGE_LEN);
	if (units == 0)
		return *why = "bad PCIR: image length 0", -EBADMSG;
	if (units * ROM_UNIT > avail)
		return *why = "image runs past the end of the ROM", -EOVERFLOW;
	/* A PCIR in the next image's bytes describes nothing of this one. */
	if (off + dlen > units * ROM_UNIT)
		return *why = "bad PCIR: outside its image", -EBADMSG;

	*img = (struct vb_rom_image){
		.length = units * ROM_UNIT,
		.vendor = le16(pcir + PCIR_VENDOR),
		.device = le16(pcir + PCIR_DEVICE),
		.class = (uint32_t)pcir[PCIR_CLASS] | (uint32_t)pcir[PCIR_CLASS + 1] << 8 |
			 (uint32_t)pcir[PCIR_CLASS + 2] << 16,
		.code_type = pcir[PCIR_CODE_TYPE],
		.last = pcir[PCIR_INDICATOR] & INDICATOR_LAST,
	};
	if (img->code_type == VB_ROM_CODE_EFI) {
		uint16_t compression = le16(p + EFI_COMPRESSION);

		if (le32(p + EFI_SIGNATURE) != EFI_SIGNATURE_VALUE)
			return *why = "EFI image without the EFI signature 0x0EF1", -EBADMSG;
		/* Firmware cannot load a driver packed in a way it does not know. */
		if (compression > 1)
			return *why = "EFI image with an unknown compression type", -EBADMSG;
		img->efi_subsystem = le16(p + EFI_SUBSYSTEM);
		img->efi_machine = le16(p + EFI_MACHINE);
		img->efi_compressed = compression == 1;
	}
	return 0;
}

int vb_rom_parse(const uint8_t *buf, size_t len, struct vb_rom_image *images, size_t max, size_t *n)
{
	const char *why;

	return vb_rom_parse_why(buf, len, images, max, n, &why);
}

int vb_rom_parse_why(const uint8_t *buf, size_t len, struct vb_rom_image *images, size_t max,
		     size_t *n, const char **why)
{
	size_t off = 0;

	*n = 0;
	*why = NULL;
	if (!has_signature(buf, len))
		return *why = "no 0x55AA signature", -EBADMSG;
	/* Each image is at least one unit long, so off grows and the walk ends. */
	for (;;) {
		struct vb_rom_image img;
		int r;

		if (*n == max)
			return *why = "more images than expected", -E2BIG;
		r = parse_image(buf + off, len - off, &img, why);
		if (r < 0)
			return r;
		img.offset = off;
		images[(*n)++] = img;
		off += img.length;
		if (img.last || !has_signature(buf + off, len - off))
			return 0;
	}
}

const char *vb_rom_code_type_name(uint8_t code_type)
{
	switch (code_type) {
	case VB_ROM_CODE_X86:
		return "x86 legacy";
	case VB_ROM_CODE_OPEN_FIRMWARE:
		return "Open Firmware";
	case VB_ROM_CODE_PA_RISC:
		return "PA-RISC";
	case VB_ROM_CODE_EFI:
		return "EFI";
	}
	return NULL;
}

const char *vb_rom_efi_machine_name(uint16_t machine)
{
	switch (machine) {
	case VB_ROM_EFI_MACHINE_X64:
		return "x64";
	case VB_ROM_EFI_MACHINE_IA32:
		return "IA32";
	case VB_ROM_EFI_MACHINE_AARCH64:
		return "AArch64";
	case VB_ROM_EFI_MACHINE_EBC:
		return "EBC";
	}
	return NULL;
}

bool vb_rom_has_efi_x64(const struct vb_rom_image *images, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct vb_rom_image *img = &images[i];

		/* Firmware loads only drivers from a ROM, never an application. */
		if (img->code_type == VB_ROM_CODE_EFI &&
		    img->efi_machine == VB_ROM_EFI_MACHINE_X64 &&
		    (img->efi_subsystem == VB_ROM_EFI_BOOT_DRIVER ||
		     img->efi_subsystem == VB_ROM_EFI_RUNTIME_DRIVER))
			return true;
	}
	return false;
}
