/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A PCI expansion (option) ROM, already read into memory: the chain of images it holds, as the
 * PCI Firmware specification lays them out (a header with 0x55 0xAA and the offset of the PCI
 * Data Structure "PCIR"; for EFI images, the EFI fields of the UEFI specification's
 * EFI_PCI_EXPANSION_ROM_HEADER). Nothing is read past the buffer's length.
 */

enum vb_rom_code_type {
	VB_ROM_CODE_X86 = 0x00,
	VB_ROM_CODE_OPEN_FIRMWARE = 0x01,
	VB_ROM_CODE_PA_RISC = 0x02,
	VB_ROM_CODE_EFI = 0x03,
};

#define VB_ROM_EFI_MACHINE_IA32	   0x014c
#define VB_ROM_EFI_MACHINE_X64	   0x8664
#define VB_ROM_EFI_MACHINE_EBC	   0x0ebc
#define VB_ROM_EFI_MACHINE_AARCH64 0xaa64

#define VB_ROM_EFI_APPLICATION	  0x0a
#define VB_ROM_EFI_BOOT_DRIVER	  0x0b
#define VB_ROM_EFI_RUNTIME_DRIVER 0x0c

struct vb_rom_image {
	size_t offset; /* from the start of the ROM */
	size_t length; /* bytes, never 0, offset + length within the buffer */
	uint16_t vendor, device;
	uint32_t class; /* base class << 16 | sub-class << 8 | programming interface */
	uint8_t code_type;
	bool last; /* the indicator's last-image bit */
	/* Only for code type EFI: */
	uint16_t efi_machine, efi_subsystem;
	bool efi_compressed;
};

/*
 * The images of the ROM in buf, at most max of them, in *n. 0 when the chain ends: an image
 * with the last-image bit, the end of the buffer at an image boundary, or bytes after an image
 * that do not start with 0x55 0xAA (both are how the kernel ends a ROM that lacks the bit, and
 * what it gives in sysfs then). Errors; the images before the one at fault stay in *n:
 *   -EBADMSG   no 0x55 0xAA at offset 0; a PCI Data Structure without "PCIR", not 4-byte
 *              aligned, shorter than its 24 bytes, outside its image; an image length of 0;
 *              an EFI image without its EFI signature or with an unknown compression type
 *   -EOVERFLOW a header, PCI Data Structure or image that runs past the buffer (a truncated
 *              read)
 *   -E2BIG     more than max images
 */
int vb_rom_parse(const uint8_t *buf, size_t len, struct vb_rom_image *images, size_t max,
		 size_t *n);

/*
 * The same, and in *why what was wrong with the image after the last one in *n, in words
 * ("no 0x55AA signature", "bad PCIR: image length 0", ...); NULL when the result is 0.
 */
int vb_rom_parse_why(const uint8_t *buf, size_t len, struct vb_rom_image *images, size_t max,
		     size_t *n, const char **why);

/* "x86 legacy", "Open Firmware", "PA-RISC", "EFI"; NULL for another code type. */
const char *vb_rom_code_type_name(uint8_t code_type);

/* "x64", "IA32", "AArch64", "EBC"; NULL for another machine type. */
const char *vb_rom_efi_machine_name(uint16_t machine);

/* Whether one of the images is an EFI driver for x64, the one OVMF can run for the device. */
bool vb_rom_has_efi_x64(const struct vb_rom_image *images, size_t n);
