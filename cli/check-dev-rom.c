// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Item "rom": whether the device's expansion ROM reads, and which images it holds. The
 * guest's firmware runs the ROM's EFI driver to light a display before the guest's own driver
 * loads; QEMU hands the guest the ROM it reads from the same sysfs file, unless the hostdev
 * names a ROM file.
 *
 * On sysfs the kernel's rom_read() (drivers/pci/pci-sysfs.c) returns -EINVAL until "1" is
 * written to the file, and the file is as large as the ROM BAR: Documentation/PCI/
 * sysfs-pci.rst's `echo 1 > rom; cat rom; echo 0 > rom`. Anywhere else (a --root tree, a
 * capture) the file holds the image as it was dumped: it is read, never written.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>

#include "check.h"
#include "holders.h"
#include "pci-rom.h"
#include "strbuf.h"
#include "sysroot.h"
#include "util.h"

/* ROM BARs are at most a few MiB; a file beyond this is not one. */
#define ROM_READ_MAX (16u << 20)
#define ROM_IMAGES   16

#define ROM_FILE_FIX                                                 \
	"give the hostdev a ROM file with an EFI (GOP) image: <rom " \
	"file='/usr/share/vgabios/NAME.rom'/> in the hostdev (virsh edit GUEST)"
#define ROM_BAD_FIX                                                          \
	"use a ROM file dumped from a working system or the vendor's: <rom " \
	"file='/usr/share/vgabios/NAME.rom'/> in the hostdev (virsh edit GUEST)"
#define ROM_ROOT_FIX  "run vfio-boot check as root"
#define ROM_SYSFS_FIX "check that sysfs is mounted and readable"
#define ROM_CAPTURE_FIX \
	"run vfio-boot check on the host itself, where the kernel shows the rom file"
/* QEMU reads the ROM for the guest unless told not to; a device that is no display needs none. */
#define ROM_OFF_FIX \
	"none needed unless the guest's firmware uses it; to stop QEMU reading it: <rom bar='off'/> in the hostdev (virsh edit GUEST)"

/* A device whose class could not be read may be one: judged as one, never waved through. */
static bool is_display(const struct vb_pci_dev *dev)
{
	return (dev->unknown & VB_PCI_UNKNOWN_IDS) || (dev->class_code >> 16) == 0x03;
}

/* "legacy x86 (PCIR 1234:1111), EFI x64 (uncompressed)" */
static void describe_images(struct strbuf *b, const struct vb_rom_image *img, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *type = vb_rom_code_type_name(img[i].code_type);

		strbuf_printf(b, "%s", i ? ", " : "");
		if (img[i].code_type == VB_ROM_CODE_EFI) {
			const char *m = vb_rom_efi_machine_name(img[i].efi_machine);

			if (m)
				strbuf_printf(b, "EFI %s", m);
			else
				strbuf_printf(b, "EFI machine 0x%04x", img[i].efi_machine);
			strbuf_printf(b, " (%s)",
				      img[i].efi_compressed ? "compressed" : "uncompressed");
			continue;
		}
		if (img[i].code_type == VB_ROM_CODE_X86)
			strbuf_printf(b, "legacy x86");
		else if (type)
			strbuf_printf(b, "%s", type);
		else
			strbuf_printf(b, "code type 0x%02x", img[i].code_type);
		strbuf_printf(b, " (PCIR %04x:%04x)", img[i].vendor, img[i].device);
	}
	if (!n)
		strbuf_printf(b, "none");
}

/* What the images say about the guest's firmware, given the bytes read. */
static void judge(struct check *c, const struct check_dev *d, const uint8_t *buf, size_t len)
{
	const struct vb_pci_dev *dev = check_pci_dev(c, d);
	struct vb_rom_image img[ROM_IMAGES];
	_cleanup_free_ char *list = NULL;
	struct strbuf b = {0};
	char size[VB_BYTES_MAX];
	const char *why;
	bool warned = false;
	size_t n;
	int r;

	r = vb_rom_parse_why(buf, len, img, ROM_IMAGES, &n, &why);
	describe_images(&b, img, n);
	if (strbuf_take(&b, &list) < 0)
		return;
	vb_format_bytes(len, size, sizeof(size));
	if (r < 0) {
		size_t off = n ? img[n - 1].offset + img[n - 1].length : 0;

		/* The guest's firmware stops at the same image, and a display stays dark. */
		check_report_dev(c, d, is_display(dev) ? FAIL : WARN, "rom", ROM_BAD_FIX,
				 "rom: %s read, not a usable ROM: image %zu (offset 0x%zx): %s; "
				 "images before it: %s",
				 size, n + 1, off, why, list);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if ((dev->unknown & VB_PCI_UNKNOWN_IDS) ||
		    (img[i].vendor == dev->vendor && img[i].device == dev->device))
			continue;
		check_report_dev(
			c, d, WARN, "rom",
			"use the ROM file for this device: <rom "
			"file='/usr/share/vgabios/NAME.rom'/> in the hostdev (virsh edit "
			"GUEST)",
			"rom: %s read, images: %s; image %zu is for PCIR %04x:%04x, not this "
			"device's %04x:%04x: a ROM for another device, or one that needs "
			"patching",
			size, list, i + 1, img[i].vendor, img[i].device, dev->vendor, dev->device);
		warned = true;
		break;
	}
	if (is_display(dev) && !vb_rom_has_efi_x64(img, n)) {
		check_report_dev(
			c, d, WARN, "rom", ROM_FILE_FIX,
			"rom: %s read, images: %s; no EFI x64 driver: black screen under "
			"OVMF until the guest's driver loads (a legacy-only ROM boots under "
			"SeaBIOS)",
			size, list);
		warned = true;
	}
	if (!warned)
		check_report_dev(c, d, PASS, "rom", NULL, "rom: %s read, images: %s", size, list);
}

/*
 * Whether the ROM may be enabled now: never while a process holds the device's group file or
 * its own VFIO file (iommufd), a guest's QEMU using the device; reported when not.
 */
static bool may_enable(struct check *c, const struct check_dev *d)
{
	const struct vb_pci_dev *dev = check_pci_dev(c, d);
	struct vb_holders h[VB_DEV_FILES_MAX];
	const char *paths[VB_DEV_FILES_MAX];
	struct vb_dev_files files;
	char who[512];
	size_t n = 0;
	int r;

	vb_dev_files(dev->addr, &files);
	if (files.group_err && files.group_err != -ENOENT) {
		check_report_dev(c, d, WARN, "rom", ROM_ROOT_FIX,
				 "rom: not read: its IOMMU group could not be read, so whether a "
				 "guest holds it is not known");
		return false;
	}
	/* What could not be listed may hide the VFIO file a guest holds: not enabled then. */
	if (files.unreadable[0]) {
		check_report_dev(c, d, WARN, "rom", ROM_ROOT_FIX,
				 "rom: not read: the device's files cannot all be read (%s), so "
				 "whether a guest holds it is not known",
				 files.unreadable);
		return false;
	}
	for (size_t k = 0; k < files.n; k++)
		if (vb_dev_file_is_vfio(&files.v[k]))
			paths[n++] = files.v[k].path;
	if (n == 0)
		return true;
	r = check_holders(c, paths, n, h);
	if (r < 0) {
		check_report_dev(c, d, WARN, "rom", ROM_ROOT_FIX,
				 "rom: not read: who holds %s could not be read: %s", paths[0],
				 strerror(-r));
		return false;
	}
	for (size_t k = 0; k < n; k++) {
		if (!h[k].n && !h[k].more)
			continue;
		vb_holders_format(&h[k], who, sizeof(who));
		check_report_dev(c, d, WARN, "rom", "run vfio-boot check while no guest uses it",
				 "rom: not read: %s hold%s %s", who,
				 h[k].n + h[k].more > 1 ? "" : "s", paths[k]);
		return false;
	}
	if (h[0].unreadable) {
		check_report_dev(
			c, d, WARN, "rom", ROM_ROOT_FIX,
			"rom: not read: %zu processes could not be looked at, one may hold %s",
			h[0].unreadable, paths[0]);
		return false;
	}
	return true;
}

/* Whether resource shows a ROM BAR, its size into buf; false also when resource does not read. */
static bool rom_bar_size(const char *addr, char *buf, size_t size)
{
	struct check_resource res[CHECK_RESOURCES];
	_cleanup_free_ char *why = NULL;

	if (check_dev_resources(addr, res, &why) < 0 || !res[CHECK_ROM_BAR].size)
		return false;
	vb_format_bytes(res[CHECK_ROM_BAR].size, buf, size);
	return true;
}

static void report_too_large(struct check *c, const struct check_dev *d)
{
	check_report_dev(c, d, WARN, "rom", ROM_BAD_FIX,
			 "rom: larger than %u MiB, which no ROM BAR is: not read",
			 ROM_READ_MAX >> 20);
}

void check_dev_rom(struct check *c, const struct check_dev *d)
{
	const struct vb_pci_dev *dev = check_pci_dev(c, d);
	_cleanup_free_ char *abs = NULL, *path = NULL, *buf = NULL, *undo = NULL;
	_cleanup_close_ int fd = -1;
	char size[VB_BYTES_MAX];
	bool on_sysfs;
	struct statfs sfs;
	struct stat st;
	size_t len = 0;
	int r;

	if (asprintf_safe(&abs, "/sys/bus/pci/devices/%s/rom", dev->addr) < 0 ||
	    vb_path(abs, &path) < 0)
		return;
	fd = vb_open_regular(path, &st);
	if (fd == -ENOENT && rom_bar_size(dev->addr, size, sizeof(size))) {
		/* The kernel shows rom whenever there is a ROM BAR: this is a capture without it. */
		check_report_dev(c, d, WARN, "rom", ROM_CAPTURE_FIX,
				 "rom: not read: resource shows a %s ROM BAR, but there is no rom "
				 "file",
				 size);
		return;
	}
	if (fd == -ENOENT) {
		if (is_display(dev))
			check_report_dev(c, d, WARN, "rom", ROM_FILE_FIX,
					 "rom: none (no expansion ROM BAR): under OVMF the display "
					 "stays dark until the guest's own driver loads");
		else
			check_report_dev(c, d, PASS, "rom", NULL,
					 "rom: none; not needed by a device that does not show the "
					 "guest's firmware");
		return;
	}
	if (fd < 0) {
		check_report_dev(c, d, WARN, "rom", fd == -EACCES ? ROM_ROOT_FIX : ROM_SYSFS_FIX,
				 "rom: %s: cannot be opened: %s", abs, strerror(-fd));
		return;
	}
	if (st.st_size > ROM_READ_MAX) {
		report_too_large(c, d);
		return;
	}
	on_sysfs = fstatfs(fd, &sfs) == 0 && sfs.f_type == SYSFS_MAGIC;
	if (on_sysfs) {
		if (!may_enable(c, d))
			return;
		r = vb_write_file(abs, "1");
		if (r < 0) {
			check_report_dev(c, d, WARN, "rom",
					 r == -EACCES || r == -EPERM ? ROM_ROOT_FIX : NULL,
					 "rom: not read: enabling it (writing 1 to %s) failed: %s",
					 abs, strerror(-r));
			return;
		}
	}
	/* vb_read_fd()'s bound counts the NUL it adds: one more lets exactly the cap in. */
	r = vb_read_fd(fd, ROM_READ_MAX + 1, &buf, &len);
	if (r >= 0 && len > ROM_READ_MAX)
		r = -EFBIG;
	if (on_sysfs) {
		/* "0\n": kernels before kstrtobool() disable only on exactly these two bytes. */
		int u = vb_write_file(abs, "0\n");

		if (u < 0 &&
		    asprintf_safe(&undo, "echo 0 > /sys/bus/pci/devices/%s/rom", dev->addr) >= 0)
			check_report_dev(c, d, WARN, "rom", undo,
					 "rom: left enabled: writing 0 to %s failed: %s", abs,
					 strerror(-u));
	}
	if (r == -EFBIG) {
		report_too_large(c, d);
		return;
	}
	if (r < 0) {
		/* rom_read() says -EIO when the kernel finds no ROM signature, or cannot map it. */
		check_report_dev(c, d, WARN, "rom", is_display(dev) ? ROM_FILE_FIX : ROM_OFF_FIX,
				 "rom: cannot be read: %s", strerror(-r));
		return;
	}
	judge(c, d, (const uint8_t *)buf, len);
}
