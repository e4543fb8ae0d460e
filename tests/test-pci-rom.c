// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/pci-rom.c: option ROM images the tests build byte by byte, the way the PCI Firmware and
 * UEFI specifications lay them out. Every buffer handed to the parser is a heap copy of exactly
 * its length, so that ASan stops a read one byte past it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pci-rom.h"
#include "util.h"

#define UNIT	 512
#define PCIR_OFF 0x1c
#define ROM_MAX	 (64 * UNIT)

struct img_spec {
	unsigned units;
	uint8_t code_type;
	bool last;
	uint16_t machine, subsystem, compression;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

/* One image at rom + off; vendor and device say which image it is (1002:67b0 + off/UNIT). */
static size_t put_image(uint8_t *rom, size_t off, const struct img_spec *s)
{
	uint8_t *p = rom + off, *pcir = p + PCIR_OFF;

	memset(p, 0, s->units * UNIT);
	p[0] = 0x55;
	p[1] = 0xaa;
	p[2] = s->units; /* the legacy initialisation size; the parser goes by the PCIR */
	if (s->code_type == VB_ROM_CODE_EFI) {
		put16(p + 0x04, 0x0ef1);
		put16(p + 0x08, s->subsystem);
		put16(p + 0x0a, s->machine);
		put16(p + 0x0c, s->compression);
	}
	put16(p + 0x18, PCIR_OFF);
	memcpy(pcir, "PCIR", 4);
	put16(pcir + 0x04, 0x1002);
	put16(pcir + 0x06, 0x67b0 + off / UNIT);
	put16(pcir + 0x0a, 0x18);
	pcir[0x0c] = 0;
	pcir[0x0d] = 0x00; /* VGA-compatible display controller: 03 00 00 */
	pcir[0x0e] = 0x00;
	pcir[0x0f] = 0x03;
	put16(pcir + 0x10, s->units);
	pcir[0x14] = s->code_type;
	pcir[0x15] = s->last ? 0x80 : 0;
	return off + s->units * UNIT;
}

static size_t build(uint8_t *rom, const struct img_spec *specs, size_t count)
{
	size_t off = 0;

	for (size_t i = 0; i < count; i++)
		off = put_image(rom, off, &specs[i]);
	return off;
}

/* Parse exactly len bytes of rom from a copy that ends where the buffer ends. */
static int parse(const uint8_t *rom, size_t len, struct vb_rom_image *images, size_t max, size_t *n)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, rom, len);
	r = vb_rom_parse(copy, len, images, max, n);
	free(copy);
	for (size_t i = 0; i < *n; i++) {
		assert_true(images[i].length > 0);
		assert_true(images[i].offset + images[i].length <= len);
		if (i)
			assert_int_equal(images[i].offset,
					 images[i - 1].offset + images[i - 1].length);
	}
	return r;
}

static const struct img_spec legacy_last = {.units = 2, .code_type = VB_ROM_CODE_X86, .last = true};
static const struct img_spec legacy = {.units = 3, .code_type = VB_ROM_CODE_X86};
static const struct img_spec efi_x64_last = {.units = 2,
					     .code_type = VB_ROM_CODE_EFI,
					     .last = true,
					     .machine = VB_ROM_EFI_MACHINE_X64,
					     .subsystem = VB_ROM_EFI_BOOT_DRIVER};

static void test_legacy_only(void **state)
{
	static uint8_t rom[ROM_MAX];
	struct vb_rom_image img[4];
	size_t len = build(rom, &legacy_last, 1), n;

	(void)state;
	assert_int_equal(parse(rom, len, img, ELEMENTSOF(img), &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(img[0].offset, 0);
	assert_int_equal(img[0].length, 2 * UNIT);
	assert_int_equal(img[0].vendor, 0x1002);
	assert_int_equal(img[0].device, 0x67b0);
	assert_int_equal(img[0].class, 0x030000);
	assert_int_equal(img[0].code_type, VB_ROM_CODE_X86);
	assert_true(img[0].last);
	assert_string_equal(vb_rom_code_type_name(img[0].code_type), "x86 legacy");
	assert_false(vb_rom_has_efi_x64(img, n));
}

static void test_legacy_and_efi_x64(void **state)
{
	static uint8_t rom[ROM_MAX];
	const struct img_spec specs[] = {legacy, efi_x64_last};
	struct vb_rom_image img[4];
	size_t len = build(rom, specs, ELEMENTSOF(specs)), n;

	(void)state;
	/* Bytes after the last image are not read as an image, even one that looks like it. */
	rom[len] = 0x55;
	rom[len + 1] = 0xaa;
	assert_int_equal(parse(rom, len + UNIT, img, ELEMENTSOF(img), &n), 0);
	assert_int_equal(n, 2);
	assert_false(img[0].last);
	assert_int_equal(img[1].offset, 3 * UNIT);
	assert_int_equal(img[1].length, 2 * UNIT);
	assert_int_equal(img[1].device, 0x67b3);
	assert_int_equal(img[1].code_type, VB_ROM_CODE_EFI);
	assert_true(img[1].last);
	assert_int_equal(img[1].efi_machine, VB_ROM_EFI_MACHINE_X64);
	assert_int_equal(img[1].efi_subsystem, VB_ROM_EFI_BOOT_DRIVER);
	assert_false(img[1].efi_compressed);
	assert_string_equal(vb_rom_code_type_name(img[1].code_type), "EFI");
	assert_string_equal(vb_rom_efi_machine_name(img[1].efi_machine), "x64");
	assert_true(vb_rom_has_efi_x64(img, n));
	/* The legacy image alone is what a ROM without its EFI part holds. */
	assert_false(vb_rom_has_efi_x64(img, 1));
}

static void test_efi_compressed_and_other_machines(void **state)
{
	static uint8_t rom[ROM_MAX];
	struct img_spec specs[] = {
		{.units = 1,
		 .code_type = VB_ROM_CODE_EFI,
		 .machine = VB_ROM_EFI_MACHINE_IA32,
		 .subsystem = VB_ROM_EFI_BOOT_DRIVER},
		{.units = 1,
		 .code_type = VB_ROM_CODE_EFI,
		 .machine = VB_ROM_EFI_MACHINE_X64,
		 .subsystem = VB_ROM_EFI_APPLICATION},
		{.units = 1,
		 .code_type = VB_ROM_CODE_EFI,
		 .machine = VB_ROM_EFI_MACHINE_X64,
		 .subsystem = VB_ROM_EFI_RUNTIME_DRIVER,
		 .compression = 1,
		 .last = true},
	};
	struct vb_rom_image img[4];
	size_t len = build(rom, specs, ELEMENTSOF(specs)), n;

	(void)state;
	assert_int_equal(parse(rom, len, img, ELEMENTSOF(img), &n), 0);
	assert_int_equal(n, 3);
	assert_false(img[0].efi_compressed);
	assert_string_equal(vb_rom_efi_machine_name(img[0].efi_machine), "IA32");
	assert_true(img[2].efi_compressed);
	assert_int_equal(img[2].efi_subsystem, VB_ROM_EFI_RUNTIME_DRIVER);
	/* IA32 is not x64, and firmware runs no application from a ROM. */
	assert_false(vb_rom_has_efi_x64(img, 2));
	assert_true(vb_rom_has_efi_x64(img, 3));

	/* A compression type firmware does not know makes the image unusable. */
	specs[2].compression = 2;
	len = build(rom, specs, ELEMENTSOF(specs));
	assert_int_equal(parse(rom, len, img, ELEMENTSOF(img), &n), -EBADMSG);
	assert_int_equal(n, 2);

	/* Code type EFI without the EFI signature. */
	specs[2].compression = 1;
	len = build(rom, specs, ELEMENTSOF(specs));
	put16(rom + 2 * UNIT + 0x04, 0x0ef0);
	assert_int_equal(parse(rom, len, img, ELEMENTSOF(img), &n), -EBADMSG);
	assert_int_equal(n, 2);
}

static void test_every_truncation(void **state)
{
	static uint8_t rom[ROM_MAX];
	const struct img_spec specs[] = {legacy, efi_x64_last};
	struct vb_rom_image img[4];
	size_t total = build(rom, specs, ELEMENTSOF(specs)), first = legacy.units * UNIT, n;

	(void)state;
	for (size_t len = 0; len <= total; len++) {
		int r = parse(rom, len, img, ELEMENTSOF(img), &n);

		if (len < 2) {
			assert_int_equal(r, -EBADMSG);
			assert_int_equal(n, 0);
		} else if (len < first) {
			assert_int_equal(r, -EOVERFLOW);
			assert_int_equal(n, 0);
		} else if (len < first + 2) {
			/* Where the kernel itself ends a ROM: no signature after the image. */
			assert_int_equal(r, 0);
			assert_int_equal(n, 1);
		} else if (len < total) {
			assert_int_equal(r, -EOVERFLOW);
			assert_int_equal(n, 1);
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(n, 2);
		}
	}
}

static void test_pcir_pointer_beyond_end(void **state)
{
	static uint8_t rom[ROM_MAX];
	const struct img_spec specs[] = {legacy, efi_x64_last};
	struct vb_rom_image img[4];
	size_t total = build(rom, specs, ELEMENTSOF(specs)), n;

	(void)state;
	put16(rom + 0x18, 0xfffc);
	assert_int_equal(parse(rom, total, img, ELEMENTSOF(img), &n), -EOVERFLOW);
	assert_int_equal(n, 0);

	/* The last image's PCIR starts 4 bytes before the end: its 24 bytes do not fit. */
	build(rom, specs, ELEMENTSOF(specs));
	put16(rom + 3 * UNIT + 0x18, 2 * UNIT - 4);
	assert_int_equal(parse(rom, total, img, ELEMENTSOF(img), &n), -EOVERFLOW);
	assert_int_equal(n, 1);

	/* Its length field says more than the buffer holds. */
	build(rom, specs, ELEMENTSOF(specs));
	put16(rom + 3 * UNIT + PCIR_OFF + 0x0a, 0xfff0);
	assert_int_equal(parse(rom, total, img, ELEMENTSOF(img), &n), -EOVERFLOW);
	assert_int_equal(n, 1);

	/* An image length past the end of the buffer. */
	build(rom, specs, ELEMENTSOF(specs));
	put16(rom + 3 * UNIT + PCIR_OFF + 0x10, 3);
	assert_int_equal(parse(rom, total, img, ELEMENTSOF(img), &n), -EOVERFLOW);
	assert_int_equal(n, 1);
}

static void test_bad_headers(void **state)
{
	static uint8_t rom[ROM_MAX];
	struct vb_rom_image img[4];
	size_t len, n;

	(void)state;
	len = build(rom, &legacy_last, 1);
	rom[1] = 0xab;
	assert_int_equal(parse(rom, len, img, ELEMENTSOF(img), &n), -EBADMSG);

	build(rom, &legacy_last, 1);
	memcpy(rom + PCIR_OFF, "PCIX", 4);
	assert_int_equal(parse(rom, len, img, ELEMENTSOF(img), &n), -EBADMSG);

	/* The spec's DWORD alignment, which OVMF holds to. */
	build(rom, &legacy_last, 1);
	memmove(rom + PCIR_OFF + 2, rom + PCIR_OFF, 0x18);
	put16(rom + 0x18, PCIR_OFF + 2);
	assert_int_equal(parse(rom, len, img, ELEMENTSOF(img), &n), -EBADMSG);

	build(rom, &legacy_last, 1);
	put16(rom + PCIR_OFF + 0x0a, 0x10);
	assert_int_equal(parse(rom, len, img, ELEMENTSOF(img), &n), -EBADMSG);

	/* A PCIR in the bytes after its image: inside the buffer, outside the image. */
	len = build(rom, (const struct img_spec[]){legacy_last, legacy_last}, 2);
	put16(rom + 0x18, 2 * UNIT + PCIR_OFF);
	assert_int_equal(parse(rom, len, img, ELEMENTSOF(img), &n), -EBADMSG);
	assert_int_equal(n, 0);
}

static void test_zero_length(void **state)
{
	static uint8_t rom[ROM_MAX];
	const struct img_spec specs[] = {legacy, legacy, efi_x64_last};
	struct vb_rom_image img[8];
	size_t len = build(rom, specs, ELEMENTSOF(specs)), n;

	(void)state;
	put16(rom + PCIR_OFF + 0x10, 0);
	assert_int_equal(parse(rom, len, img, ELEMENTSOF(img), &n), -EBADMSG);
	assert_int_equal(n, 0);

	build(rom, specs, ELEMENTSOF(specs));
	put16(rom + 3 * UNIT + PCIR_OFF + 0x10, 0);
	assert_int_equal(parse(rom, len, img, ELEMENTSOF(img), &n), -EBADMSG);
	assert_int_equal(n, 1);
}

static void test_chain_without_last_bit(void **state)
{
	static uint8_t rom[ROM_MAX];
	const struct img_spec one = {.units = 1, .code_type = VB_ROM_CODE_X86};
	struct vb_rom_image img[64];
	size_t len = 0, n;

	(void)state;
	for (unsigned i = 0; i < 64; i++)
		len = put_image(rom, len, &one);
	assert_int_equal(len, sizeof(rom));
	/* No image says it is the last: the buffer's end ends the chain. */
	assert_int_equal(parse(rom, len, img, ELEMENTSOF(img), &n), 0);
	assert_int_equal(n, 64);
	assert_int_equal(img[63].offset, 63 * UNIT);
	assert_int_equal(img[63].device, 0x67b0 + 63);

	/* Bytes that are no image end it too, as the kernel ends the ROM there. */
	memset(rom + 10 * UNIT, 0xff, UNIT);
	assert_int_equal(parse(rom, len, img, ELEMENTSOF(img), &n), 0);
	assert_int_equal(n, 10);
}

static void test_more_images_than_max(void **state)
{
	static uint8_t rom[ROM_MAX];
	const struct img_spec specs[] = {legacy, legacy, legacy, legacy, efi_x64_last};
	struct vb_rom_image img[5];
	size_t len = build(rom, specs, ELEMENTSOF(specs)), n;

	(void)state;
	assert_int_equal(parse(rom, len, img, 3, &n), -E2BIG);
	assert_int_equal(n, 3);
	assert_int_equal(parse(rom, len, img, 4, &n), -E2BIG);
	assert_int_equal(n, 4);
	assert_int_equal(parse(rom, len, NULL, 0, &n), -E2BIG);
	assert_int_equal(n, 0);
	assert_int_equal(parse(rom, len, img, 5, &n), 0);
	assert_int_equal(n, 5);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(vb_rom_code_type_name(VB_ROM_CODE_OPEN_FIRMWARE), "Open Firmware");
	assert_string_equal(vb_rom_code_type_name(VB_ROM_CODE_PA_RISC), "PA-RISC");
	assert_null(vb_rom_code_type_name(0x04));
	assert_null(vb_rom_code_type_name(0xff));
	assert_string_equal(vb_rom_efi_machine_name(VB_ROM_EFI_MACHINE_AARCH64), "AArch64");
	assert_string_equal(vb_rom_efi_machine_name(VB_ROM_EFI_MACHINE_EBC), "EBC");
	assert_null(vb_rom_efi_machine_name(0));
	assert_null(vb_rom_efi_machine_name(0x01c4));
}

/* What was wrong, in words, for the image after the good ones; nothing when all is well. */
static void test_why(void **state)
{
	uint8_t rom[ROM_MAX];
	struct vb_rom_image images[4];
	const char *why = "unset";
	size_t len, n;

	(void)state;
	len = build(rom, (struct img_spec[]){legacy, efi_x64_last}, 2);
	assert_int_equal(vb_rom_parse_why(rom, len, images, 4, &n, &why), 0);
	assert_null(why);
	rom[0] = 0;
	assert_int_equal(vb_rom_parse_why(rom, len, images, 4, &n, &why), -EBADMSG);
	assert_string_equal(why, "no 0x55AA signature");
	rom[0] = 0x55;
	memcpy(rom + legacy.units * UNIT + PCIR_OFF, "PCIX", 4);
	assert_int_equal(vb_rom_parse_why(rom, len, images, 4, &n, &why), -EBADMSG);
	assert_int_equal(n, 1);
	assert_string_equal(why, "bad PCIR: no \"PCIR\" signature where the header points");
	len = build(rom, (struct img_spec[]){legacy, efi_x64_last}, 2);
	assert_int_equal(vb_rom_parse_why(rom, len - 1, images, 4, &n, &why), -EOVERFLOW);
	assert_string_equal(why, "image runs past the end of the ROM");
	rom[legacy.units * UNIT + 0x04] = 0;
	assert_int_equal(vb_rom_parse_why(rom, len, images, 4, &n, &why), -EBADMSG);
	assert_string_equal(why, "EFI image without the EFI signature 0x0EF1");
	assert_int_equal(vb_rom_parse_why(rom, len, images, 1, &n, &why), -E2BIG);
	assert_string_equal(why, "more images than expected");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_only),
		cmocka_unit_test(test_legacy_and_efi_x64),
		cmocka_unit_test(test_efi_compressed_and_other_machines),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_pcir_pointer_beyond_end),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_chain_without_last_bit),
		cmocka_unit_test(test_more_images_than_max),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
