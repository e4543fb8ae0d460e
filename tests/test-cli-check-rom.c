// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot check, item "rom", on fake trees: ROM images the test builds (legacy only, legacy
 * and EFI x64, garbage, a bad PCIR, another device's ids, none at all) as the device's rom
 * file. A tree is not sysfs: the file holds the image as dumped and is never written, so no
 * write may reach it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli-test.h"
#include "holder-test.h"

#define UNIT	 512
#define PCIR_OFF 0x1c
#define GPU	 "0000:02:00.0"
#define NIC	 "0000:03:01.0"

/* vfio-boot check --root ROOT ARG */
static struct out check(struct fx *fx, const char *arg)
{
	return run(fx, "check", arg, NULL);
}

static void expect_line(const struct out *o, const char *text)
{
	if (!strstr(o->out, text))
		fail_msg("check output lacks \"%s\":\n%s", text, o->out);
}

static void expect_no(const struct out *o, const char *text)
{
	if (strstr(o->out, text))
		fail_msg("check output has \"%s\":\n%s", text, o->out);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

/* One image of one unit at rom + off, as the PCI Firmware and UEFI specifications lay it out. */
static size_t put_image(uint8_t *rom, size_t off, uint8_t code_type, bool last, uint16_t vendor,
			uint16_t device)
{
	uint8_t *p = rom + off, *pcir = p + PCIR_OFF;

	memset(p, 0, UNIT);
	p[0] = 0x55;
	p[1] = 0xaa;
	p[2] = 1;
	if (code_type == 0x03) {
		put16(p + 0x04, 0x0ef1);
		put16(p + 0x08, 0x0b); /* boot service driver */
		put16(p + 0x0a, 0x8664);
	}
	put16(p + 0x18, PCIR_OFF);
	memcpy(pcir, "PCIR", 4);
	put16(pcir + 0x04, vendor);
	put16(pcir + 0x06, device);
	put16(pcir + 0x0a, 0x18);
	pcir[0x0f] = 0x03;
	put16(pcir + 0x10, 1);
	pcir[0x14] = code_type;
	pcir[0x15] = last ? 0x80 : 0;
	return off + UNIT;
}

static void write_rom(struct fx *fx, const char *addr, const void *rom, size_t len)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/rom", addr);
	fx_write_bin(fx, rel, rom, len, 0600);
}

static int setup(void **state)
{
	cli_setup_q35(state);
	config(*state, "[device gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	return 0;
}

static void test_rom_none(void **state)
{
	struct fx *fx = *state;
	struct out o;

	o = check(fx, "gpu");
	expect_line(&o, "WARN " GPU " [device gpu]: rom: none (no expansion ROM BAR): under OVMF "
			"the display stays dark until the guest's own driver loads\n"
			"     fix: give the hostdev a ROM file with an EFI (GOP) image: <rom "
			"file='/usr/share/vgabios/NAME.rom'/> in the hostdev (virsh edit GUEST)\n");
	out_free(&o);
	/* A network card shows nothing of the guest's firmware. */
	o = check(fx, NIC);
	expect_line(&o, "PASS " NIC ": rom: none; not needed by a device that does not show the "
			"guest's firmware\n");
	out_free(&o);
}

/*
 * A capture that kept resource but not rom: the kernel shows rom for every ROM BAR, so the
 * ROM is there and was not captured; that is no proof of "none".
 */
static void test_rom_not_captured(void **state)
{
	struct fx *fx = *state;
	struct out o;

	fx_write(fx, "sys/bus/pci/devices/" GPU "/resource",
		 "0x00000000fb000000 0x00000000fbffffff 0x0000000000042208\n"
		 "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		 "0x00000000fe614000 0x00000000fe614fff 0x0000000000040200\n"
		 "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		 "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		 "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		 "0x00000000fe600000 0x00000000fe60ffff 0x0000000000046200\n",
		 0444);
	o = check(fx, "gpu");
	expect_line(&o, "WARN " GPU " [device gpu]: rom: not read: resource shows a 64 KiB ROM "
			"BAR, but there is no rom file\n"
			"     fix: run vfio-boot check on the host itself, where the kernel shows "
			"the rom file\n");
	expect_no(&o, GPU " [device gpu]: rom: none");
	out_free(&o);
}

/* A device whose class could not be read may be a display: no PASS for it without a ROM. */
static void test_rom_none_class_unknown(void **state)
{
	struct fx *fx = *state;
	struct out o;

	fx_write(fx, "sys/bus/pci/devices/" NIC "/uevent", "PCI_CLASS=what\n", 0444);
	o = check(fx, NIC);
	expect_line(&o, "WARN " NIC ": rom: none (no expansion ROM BAR)");
	expect_no(&o, "PASS " NIC ": rom:");
	out_free(&o);
}

static void test_rom_legacy_and_efi(void **state)
{
	struct fx *fx = *state;
	uint8_t rom[2 * UNIT];
	struct out o;

	put_image(rom, put_image(rom, 0, 0x00, false, 0x1234, 0x1111), 0x03, true, 0x1234, 0x1111);
	write_rom(fx, GPU, rom, sizeof(rom));
	o = check(fx, "gpu");
	expect_line(&o, "PASS " GPU " [device gpu]: rom: 1 KiB read, images: legacy x86 (PCIR "
			"1234:1111), EFI x64 (uncompressed)\n");
	out_free(&o);
	/* Read as it is: the tree's file is never enabled, nor disabled. */
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", "/rom"), 0);
	o = check(fx, "--json");
	expect_line(&o, "\"item\": \"rom\"");
	out_free(&o);
}

static void test_rom_legacy_only(void **state)
{
	struct fx *fx = *state;
	uint8_t rom[UNIT];
	struct out o;

	put_image(rom, 0, 0x00, true, 0x1234, 0x1111);
	write_rom(fx, GPU, rom, sizeof(rom));
	o = check(fx, "gpu");
	expect_line(&o, "WARN " GPU " [device gpu]: rom: 512 B read, images: legacy x86 (PCIR "
			"1234:1111); no EFI x64 driver: black screen under OVMF until the guest's "
			"driver loads (a legacy-only ROM boots under SeaBIOS)\n"
			"     fix: give the hostdev a ROM file with an EFI (GOP) image");
	out_free(&o);
	/* A NIC's legacy PXE ROM is no concern of the display. */
	write_rom(fx, NIC, rom, sizeof(rom));
	o = check(fx, NIC);
	expect_no(&o, "no EFI x64 driver");
	out_free(&o);
}

static void test_rom_garbage(void **state)
{
	struct fx *fx = *state;
	uint8_t rom[2 * UNIT];
	struct out o;

	memset(rom, 0xa5, sizeof(rom));
	write_rom(fx, GPU, rom, sizeof(rom));
	o = check(fx, "gpu");
	expect_status(&o, 2);
	expect_line(&o, "FAIL " GPU " [device gpu]: rom: 1 KiB read, not a usable ROM: image 1 "
			"(offset 0x0): no 0x55AA signature; images before it: none\n"
			"     fix: use a ROM file dumped from a working system or the vendor's");
	out_free(&o);
	/* The same bytes on a device that shows nothing: a warning. */
	write_rom(fx, NIC, rom, sizeof(rom));
	o = check(fx, NIC);
	expect_line(&o, "WARN " NIC ": rom: 1 KiB read, not a usable ROM: image 1 (offset 0x0): "
			"no 0x55AA signature");
	out_free(&o);
	/* A legacy image, then an EFI one whose PCIR signature is gone. */
	put_image(rom, put_image(rom, 0, 0x00, false, 0x1234, 0x1111), 0x03, true, 0x1234, 0x1111);
	memcpy(rom + UNIT + PCIR_OFF, "XXXX", 4);
	write_rom(fx, GPU, rom, sizeof(rom));
	o = check(fx, "gpu");
	expect_status(&o, 2);
	expect_line(&o, "FAIL " GPU " [device gpu]: rom: 1 KiB read, not a usable ROM: image 2 "
			"(offset 0x200): bad PCIR: no \"PCIR\" signature where the header points; "
			"images before it: legacy x86 (PCIR 1234:1111)\n");
	out_free(&o);
	/* Cut short: the second image's length runs past what was read. */
	put_image(rom, put_image(rom, 0, 0x00, false, 0x1234, 0x1111), 0x03, true, 0x1234, 0x1111);
	write_rom(fx, GPU, rom, UNIT + 100);
	o = check(fx, "gpu");
	expect_line(&o, "image 2 (offset 0x200): image runs past the end of the ROM");
	out_free(&o);
}

static void test_rom_other_device(void **state)
{
	struct fx *fx = *state;
	uint8_t rom[2 * UNIT];
	struct out o;

	put_image(rom, put_image(rom, 0, 0x00, false, 0x10de, 0x1b80), 0x03, true, 0x10de, 0x1b80);
	write_rom(fx, GPU, rom, sizeof(rom));
	o = check(fx, "gpu");
	expect_line(&o,
		    "WARN " GPU " [device gpu]: rom: 1 KiB read, images: legacy x86 (PCIR "
		    "10de:1b80), EFI x64 (uncompressed); image 1 is for PCIR 10de:1b80, not this "
		    "device's 1234:1111: a ROM for another device, or one that needs patching\n"
		    "     fix: use the ROM file for this device");
	expect_no(&o, "PASS " GPU " [device gpu]: rom:");
	out_free(&o);
}

/* Larger than any ROM BAR: not read at all, and said so. */
static void test_rom_too_large(void **state)
{
	struct fx *fx = *state;
	char *p;
	struct out o;

	write_rom(fx, GPU, "", 0);
	p = fx_path(fx, "sys/bus/pci/devices/" GPU "/rom");
	assert_int_equal(truncate(p, (16 << 20) + 1), 0);
	free(p);
	o = check(fx, "gpu");
	expect_line(&o, "WARN " GPU " [device gpu]: rom: larger than 16 MiB, which no ROM BAR is: "
			"not read\n"
			"     fix: use a ROM file dumped from a working system or the vendor's");
	out_free(&o);
}

/*
 * On sysfs (the kernel double says so): enabled for the read, disabled after, "0\n" as
 * kernels before kstrtobool() want it.
 */
static void test_rom_sysfs(void **state)
{
	struct fx *fx = *state;
	uint8_t rom[2 * UNIT];
	struct out o;
	char *log;

	put_image(rom, put_image(rom, 0, 0x00, false, 0x1234, 0x1111), 0x03, true, 0x1234, 0x1111);
	write_rom(fx, GPU, rom, sizeof(rom));
	fx_inject(fx, "statfs sys sysfs");
	ht_live(fx); /* a /proc with a process: a host, not a capture */
	o = check(fx, "gpu");
	expect_line(&o, "PASS " GPU " [device gpu]: rom: 1 KiB read, images: legacy x86 (PCIR "
			"1234:1111), EFI x64 (uncompressed)\n");
	out_free(&o);
	log = fx_read(fx, ".mock/writes.log");
	assert_non_null(log);
	assert_string_equal(log, "sys/bus/pci/devices/" GPU "/rom\t1\tok\n"
				 "sys/bus/pci/devices/" GPU "/rom\t0\tok\n");
	free(log);
}

/*
 * On sysfs, a guest's QEMU (PID 4242) holds target: the ROM is left alone (nothing written to
 * it), and held, the line that names who holds it, is in the output.
 */
static void expect_held(struct fx *fx, const char *target, const char *held)
{
	struct out o;
	char *fd;

	fx_inject(fx, "statfs sys sysfs");
	ht_live(fx); /* a /proc with a process: a host, not a capture */
	fx_write(fx, "proc/4242/comm", "qemu-system-x86\n", 0444);
	fx_write(fx, "proc/4242/fd/.keep", "", 0444);
	fd = fx_path(fx, "proc/4242/fd/7");
	assert_int_equal(symlink(target, fd), 0);
	free(fd);
	o = check(fx, "gpu");
	expect_line(&o, held);
	out_free(&o);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", "/rom"), 0);
}

/* A guest's QEMU holds the group: the ROM is left alone, and who holds it is named. */
static void test_rom_sysfs_held(void **state)
{
	struct fx *fx = *state;
	uint8_t rom[2 * UNIT];

	put_image(rom, put_image(rom, 0, 0x00, false, 0x1234, 0x1111), 0x03, true, 0x1234, 0x1111);
	write_rom(fx, GPU, rom, sizeof(rom));
	expect_held(fx, "/dev/vfio/2",
		    "WARN " GPU " [device gpu]: rom: not read: PID 4242 (qemu-system-x86) "
		    "holds /dev/vfio/2\n"
		    "     fix: run vfio-boot check while no guest uses it\n");
}

/*
 * A guest's QEMU on iommufd holds the device's own VFIO file, not its group's: the ROM is left
 * alone all the same.
 */
static void test_rom_sysfs_held_cdev(void **state)
{
	struct fx *fx = *state;
	uint8_t rom[UNIT];

	put_image(rom, 0, 0x00, true, 0x1234, 0x1111);
	write_rom(fx, GPU, rom, sizeof(rom));
	fx_write(fx, "sys/bus/pci/devices/" GPU "/vfio-dev/vfio3/dev", "511:3\n", 0644);
	expect_held(fx, "/dev/vfio/devices/vfio3",
		    "WARN " GPU " [device gpu]: rom: not read: PID 4242 (qemu-system-x86) "
		    "holds /dev/vfio/devices/vfio3\n"
		    "     fix: run vfio-boot check while no guest uses it\n");
}

/* Which VFIO file a guest would hold cannot be read: the ROM is left alone, never enabled. */
static void test_rom_sysfs_files_unread(void **state)
{
	struct fx *fx = *state;
	uint8_t rom[UNIT];
	struct out o;

	put_image(rom, 0, 0x00, true, 0x1234, 0x1111);
	write_rom(fx, GPU, rom, sizeof(rom));
	fx_write(fx, "sys/bus/pci/devices/" GPU "/vfio-dev", "not a directory\n", 0644);
	fx_inject(fx, "statfs sys sysfs");
	ht_live(fx); /* a /proc with a process: a host, not a capture */
	o = check(fx, "gpu");
	expect_line(&o, "WARN " GPU " [device gpu]: rom: not read: the device's files cannot all "
			"be read (vfio-dev (Not a directory)), so whether a guest holds it is not "
			"known\n");
	out_free(&o);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", "/rom"), 0);
}

/* Enabling refused (not root): nothing read, and said how to read it. */
static void test_rom_sysfs_refused(void **state)
{
	struct fx *fx = *state;
	uint8_t rom[UNIT];
	struct out o;

	put_image(rom, 0, 0x00, true, 0x1234, 0x1111);
	write_rom(fx, GPU, rom, sizeof(rom));
	fx_inject(fx, "statfs sys sysfs");
	ht_live(fx); /* a /proc with a process: a host, not a capture */
	fx_inject(fx, "write sys/bus/pci/devices/" GPU "/rom EACCES");
	o = check(fx, "gpu");
	expect_line(&o, "WARN " GPU " [device gpu]: rom: not read: enabling it (writing 1 to "
			"/sys/bus/pci/devices/" GPU "/rom) failed: Permission denied\n"
			"     fix: run vfio-boot check as root\n");
	expect_no(&o, "no EFI x64 driver");
	out_free(&o);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", "/rom\t0"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rom_none, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_rom_not_captured, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_rom_none_class_unknown, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_rom_legacy_and_efi, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_rom_legacy_only, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_rom_garbage, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_rom_other_device, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_rom_too_large, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_rom_sysfs, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_rom_sysfs_held, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_rom_sysfs_held_cdev, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_rom_sysfs_files_unread, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_rom_sysfs_refused, setup, cli_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
