// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The model the plan works on: vb_pci_scan on fake sysfs trees (tests/mock/fixture.h) as
 * it would read /sys, and what cannot be read (uevent, group and driver links, boot_vga)
 * counting against a claim.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "cmdline.h"
#include "config.h"
#include "fixture.h"
#include "log.h"
#include "pci.h"
#include "plan.h"
#include "sysroot.h"
#include "util.h"
#include "plan-test.h"

/* ---- the model the plan works on ---- */

static void test_scan_q35(void **state)
{
	const struct vb_pci_dev *d;

	(void)state;
	scan();
	assert_int_equal(pci.n, 14);
	/* Sorted by address. */
	for (size_t i = 1; i < pci.n; i++)
		assert_true(strcmp(pci.devs[i - 1].addr, pci.devs[i].addr) < 0);

	d = vb_pci_find(&pci, GPU2);
	assert_non_null(d);
	assert_int_equal(d->vendor, 0x1234);
	assert_int_equal(d->device, 0x1111);
	assert_int_equal(d->sub_vendor, 0x1af4);
	assert_int_equal(d->class_code, 0x030000);
	assert_int_equal(d->boot_vga, 0);
	assert_int_equal(d->iommu_group, 2);
	assert_string_equal(d->driver, "bochs-drm");
	/* The path is read for those who ask: path= selectors, the listings. */
	assert_true(d->path_unread);
	assert_null(d->path);
	assert_int_equal(vb_pci_load_links(&pci), 0);
	assert_false(d->path_unread);
	assert_string_equal(d->path, "0000:00:02.0/00.0");
	assert_string_equal(d->slot, "2");
	assert_false(vb_pci_is_bridge(d));

	assert_int_equal(vb_pci_find(&pci, GPU1)->boot_vga, 1);
	/* Not a VGA device: no boot_vga attribute at all. */
	assert_int_equal(vb_pci_find(&pci, AUDIO2)->boot_vga, -1);
	assert_string_equal(vb_pci_find(&pci, AUDIO2)->slot, "2");
	assert_string_equal(vb_pci_find(&pci, AUDIO2)->path, "0000:00:02.0/00.1");
	assert_string_equal(vb_pci_find(&pci, NIC2)->path, "0000:00:03.0/02.0");
	assert_string_equal(vb_pci_find(&pci, XHCI)->path, "0000:00:04.0");
	assert_null(vb_pci_find(&pci, XHCI)->slot);

	assert_true(vb_pci_is_bridge(vb_pci_find(&pci, PORT2)));
	assert_true(vb_pci_is_bridge(vb_pci_find(&pci, PCI_BRIDGE)));
	/* An ISA bridge and a host bridge are endpoints as far as IOMMU groups go. */
	assert_false(vb_pci_is_bridge(vb_pci_find(&pci, LPC)));
	assert_false(vb_pci_is_bridge(vb_pci_find(&pci, HOST_BRIDGE)));
	assert_true(vb_pci_is_storage(vb_pci_find(&pci, SATA)));
	assert_false(vb_pci_is_storage(vb_pci_find(&pci, SMBUS)));
}

/*
 * The binder scans again every 100 ms while it waits for devices (up to a minute): a scan
 * must give back all it took.
 */
static void test_scan_frees_everything(void **state)
{
	(void)state;
#if defined(__SANITIZE_ADDRESS__)
	scan();
	vb_pci_free(&pci);
	scan();
	vb_pci_free(&pci);
	assert_int_equal(__lsan_do_recoverable_leak_check(), 0);
#else
	skip();
#endif
}
/*
 * The scan reads ids from uevent and falls back to the separate attributes: both must give the
 * same device, down to the subsystem ids that only uevent holds on one line.
 */
static void test_scan_without_uevent(void **state)
{
	struct vb_pci_dev *d;
	char *path;

	(void)state;
	bridge("0000:00:02.0", NULL, 2);
	fx_device(fx, "0000:02:00.0",
		  &(struct fx_dev){.parent = "0000:00:02.0",
				   .vendor = 0x1234,
				   .device = 0x1111,
				   .sub_vendor = 0x1af4,
				   .sub_device = 0x1100,
				   .class = 0x030000,
				   .boot_vga = 1,
				   .group = 2,
				   .host_driver = "bochs-drm",
				   .bound = true});
	for (int pass = 0; pass < 2; pass++) {
		scan();
		d = vb_pci_find(&pci, "0000:02:00.0");
		assert_non_null(d);
		assert_int_equal(d->vendor, 0x1234);
		assert_int_equal(d->device, 0x1111);
		assert_int_equal(d->sub_vendor, 0x1af4);
		assert_int_equal(d->sub_device, 0x1100);
		assert_int_equal(d->class_code, 0x030000);
		assert_int_equal(d->boot_vga, 1);
		assert_int_equal(d->iommu_group, 2);
		assert_string_equal(d->driver, "bochs-drm");
		assert_int_equal(vb_pci_load_path(d), 0);
		assert_string_equal(d->path, "0000:00:02.0/00.0");
		path = fx_path(fx, "sys/bus/pci/devices/0000:02:00.0/uevent");
		unlink(path);
		free(path);
	}
}
/* ---- what cannot be read counts against a claim ---- */

#define DEV_ATTR(addr, attr) "sys/bus/pci/devices/" addr "/" attr

/* The attribute replaced by something else: a directory, a link, or text. */
static void replace_attr(const char *rel, const char *text, const char *link_to, bool dir)
{
	char *p = fx_path(fx, rel);

	assert_int_equal(unlink(p), 0);
	if (dir)
		assert_int_equal(mkdir(p, 0755), 0);
	else if (link_to)
		assert_int_equal(symlink(link_to, p), 0);
	free(p);
	if (text)
		fx_write(fx, rel, text, 0644);
}

/* Refused whatever the reason, with why naming each needle. */
static void assert_refused(const struct vb_plan_section *s, const char *needle, ...)
{
	va_list ap;

	if (s->status == VB_PLAN_OK || s->status == VB_PLAN_NONE) {
		print_message("section %s claims; it must be refused\n", s->name);
		dump_section(s);
		fail();
	}
	va_start(ap, needle);
	for (; needle; needle = va_arg(ap, const char *))
		assert_why(s, needle);
	va_end(ap);
}
#define assert_refused(s, ...) assert_refused(s, __VA_ARGS__, NULL)

/*
 * NIC2 shares IOMMU group 3 with NIC1. Its uevent names no id and its vendor file is garbage:
 * it must stay in the scan and keep NIC1 from being claimed alone.
 */
static void test_unparsable_group_member_refuses(void **state)
{
	(void)state;
	fx_q35_two_gpus(fx);
	fx_write(fx, DEV_ATTR(NIC2, "uevent"),
		 "PCI_CLASS=20000\nPCI_ID=zzzz:100e\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=" NIC2
		 "\n",
		 0644);
	fx_write(fx, DEV_ATTR(NIC2, "vendor"), "garbage\n", 0644);
	plan_for("[device nic]\nmatch = address=" NIC1 "\n", NULL);
	assert_refused(section("nic"), NIC2, "uevent", "PCI_ID=\"zzzz:100e\"");
	assert_int_equal(vb_section_status_to_string(section("nic")->status)[0],
			 'u'); /* unreadable */
	assert_non_null(vb_pci_find(&pci, NIC2));
}

/* A uevent id one digit short is not read as another id: the match cannot be told. */
static void test_short_uevent_id_is_no_id(void **state)
{
	(void)state;
	fx_q35_two_gpus(fx);
	fx_write(fx, DEV_ATTR(NIC2, "uevent"),
		 "PCI_CLASS=20000\nPCI_ID=8086:100\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=" NIC2
		 "\n",
		 0644);
	plan_for("[device nics]\nmatch = id=8086:0100\ngroup = claim\n", NULL);
	assert_refused(section("nics"), NIC2, "PCI_ID=\"8086:100\"", "id");
}

static void test_uevent_malformed_marks_unreadable(void **state)
{
	static const char *const bad[] = {
		"PCI_CLASS=20000\nPCI_ID=8086:100e\nPCI_SUBSYS_ID=1af4:1100\n", /* no slot name */
		"PCI_CLASS=1020000\nPCI_ID=8086:100e\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=" NIC2,
		"PCI_CLASS=20000\nPCI_ID=8086:100e\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=0000:00:00.0",
		"PCI_CLASS=20000\nPCI_ID=8086:100e\nPCI_ID=8086:100e\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=" NIC2,
		"PCI_CLASS=20000\nPCI_ID=+086:100e\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=" NIC2,
		"PCI_CLASS=20000\nPCI_ID=8086:100e\nPCI_SUBSYS_ID=1af4:1100 \nPCI_SLOT_NAME=" NIC2,
		"PCI_CLASS\nPCI_ID=8086:100e\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=" NIC2,
		"PCI_ID=8086",
	};
	const struct vb_pci_dev *d;

	(void)state;
	fx_q35_two_gpus(fx);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		fx_write(fx, DEV_ATTR(NIC2, "uevent"), bad[i], 0644);
		scan();
		assert_int_equal(pci.n, 14);
		d = vb_pci_find(&pci, NIC2);
		assert_non_null(d);
		if (!d->unreadable)
			print_message("uevent taken: %s\n", bad[i]);
		assert_non_null(d->unreadable);
		assert_true(d->unknown & VB_PCI_UNKNOWN_IDS);
		assert_int_equal(d->vendor, 0);
		assert_int_equal(d->iommu_group, 3);
	}
	/* The kernel's own, for contrast: upper-case hex, class without leading zeros. */
	fx_write(fx, DEV_ATTR(NIC2, "uevent"),
		 "DRIVER=e1000\nPCI_CLASS=20000\nPCI_ID=8086:100E\nPCI_SUBSYS_ID=1AF4:1100\n"
		 "PCI_SLOT_NAME=" NIC2
		 "\nMODALIAS=pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00\n",
		 0644);
	scan();
	d = vb_pci_find(&pci, NIC2);
	assert_null(d->unreadable);
	assert_int_equal(d->vendor, 0x8086);
	assert_int_equal(d->device, 0x100e);
	assert_int_equal(d->class_code, 0x020000);
}

/* Its group link names no group: NIC2 may be in NIC1's group. */
static void test_unreadable_group_link_refuses(void **state)
{
	(void)state;
	fx_q35_two_gpus(fx);
	replace_attr(DEV_ATTR(NIC2, "iommu_group"), NULL, "../../../../kernel/iommu_groups/x",
		     false);
	plan_for("[device nic]\nmatch = address=" NIC1 "\n", NULL);
	assert_refused(section("nic"), NIC2, "iommu_group");
}

/*
 * A driver "link" that is no link cannot say which driver holds NIC2: the scan reads it when
 * NIC2 has no uevent to say.
 */
static void test_unreadable_driver_link_refuses(void **state)
{
	char *p;

	(void)state;
	fx_q35_two_gpus(fx);
	p = fx_path(fx, DEV_ATTR(NIC2, "uevent"));
	assert_int_equal(unlink(p), 0);
	free(p);
	replace_attr(DEV_ATTR(NIC2, "driver"), "e1000\n", NULL, false);
	plan_for("[device nic]\nmatch = address=" NIC1 "\n", NULL);
	assert_refused(section("nic"), NIC2, "driver");
}

/*
 * The driver links (read for the listings) are asked once per driver whether it is there, for
 * links of the kernel's form; NIC2's link names the same driver as NIC1's but climbs one
 * level short, to no driver: it is gone for NIC2 alone.
 */
static void test_driver_link_short_of_sys_is_gone(void **state)
{
	(void)state;
	fx_q35_two_gpus(fx);
	replace_attr(DEV_ATTR(NIC2, "driver"), NULL, "../../../bus/pci/drivers/e1000", false);
	scan();
	assert_int_equal(vb_pci_load_links(&pci), 0);
	assert_string_equal(vb_pci_find(&pci, NIC1)->driver, "e1000");
	assert_false(vb_pci_find(&pci, NIC1)->driver_gone);
	assert_string_equal(vb_pci_find(&pci, NIC2)->driver, "e1000");
	assert_true(vb_pci_find(&pci, NIC2)->driver_gone);
}

/*
 * The scan takes the driver from uevent's DRIVER= line, which the kernel makes from the
 * binding at each read; what lists the devices reads the link as well, which says more when
 * the two differ (a sysfs not as the kernel makes it).
 */
static void test_driver_from_uevent(void **state)
{
	struct vb_pci_dev *d;

	(void)state;
	fx_q35_two_gpus(fx);
	fx_write(fx, DEV_ATTR(NIC2, "uevent"),
		 "DRIVER=ahci\nPCI_CLASS=20000\nPCI_ID=8086:100E\nPCI_SUBSYS_ID=1AF4:1100\n"
		 "PCI_SLOT_NAME=" NIC2 "\n",
		 0644);
	fx_write(fx, DEV_ATTR(NIC1, "uevent"),
		 "DRIVER=gone_drv\nPCI_CLASS=20000\nPCI_ID=8086:100E\nPCI_SUBSYS_ID=1AF4:1100\n"
		 "PCI_SLOT_NAME=" NIC1 "\n",
		 0644);
	scan();
	d = vb_pci_find(&pci, NIC2);
	assert_null(d->unreadable);
	assert_string_equal(d->driver, "ahci");
	assert_false(d->driver_gone);
	/* Named by uevent, not in /sys/bus/pci/drivers. */
	assert_string_equal(vb_pci_find(&pci, NIC1)->driver, "gone_drv");
	assert_true(vb_pci_find(&pci, NIC1)->driver_gone);
	/* Unbound: no DRIVER= line. */
	assert_null(vb_pci_find(&pci, HOST_BRIDGE)->driver);

	assert_int_equal(vb_pci_load_links(&pci), 0);
	assert_string_equal(d->driver, "e1000");
	assert_false(d->driver_gone);
	assert_string_equal(vb_pci_find(&pci, NIC1)->driver, "e1000");
	assert_false(vb_pci_find(&pci, NIC1)->driver_gone);
}

/*
 * A DRIVER= line that is not the kernel's makes the uevent untrusted like any other: ids
 * unknown, and the driver read from the link.
 */
static void test_uevent_bad_driver_line(void **state)
{
	static const char *const bad[] = {
		"DRIVER=e1000/x\n",
		"DRIVER=\n",
		"DRIVER=..\n",
		"DRIVER=e1000\nDRIVER=e1000\n",
	};
	const struct vb_pci_dev *d;

	(void)state;
	fx_q35_two_gpus(fx);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		char *text;

		assert_true(asprintf(&text,
				     "%sPCI_CLASS=20000\nPCI_ID=8086:100E\n"
				     "PCI_SUBSYS_ID=1AF4:1100\nPCI_SLOT_NAME=" NIC2 "\n",
				     bad[i]) > 0);
		fx_write(fx, DEV_ATTR(NIC2, "uevent"), text, 0644);
		free(text);
		scan();
		d = vb_pci_find(&pci, NIC2);
		if (!d->unreadable)
			print_message("uevent taken: %s\n", bad[i]);
		assert_non_null(d->unreadable);
		assert_non_null(strstr(d->unreadable, "DRIVER="));
		assert_true(d->unknown & VB_PCI_UNKNOWN_IDS);
		assert_string_equal(d->driver, "e1000");
	}
}

/*
 * The topology path is read only for the devices a path= selector leaves in doubt: those whose
 * address (domain, device, function) fits the path and whose other terms hold.
 */
static void test_path_read_when_asked(void **state)
{
	(void)state;
	fx_q35_two_gpus(fx);
	plan_for("[device nic]\nmatch = path=0000:00:03.0/02.0\ngroup = claim\n", NULL);
	assert_status(section("nic"), VB_PLAN_OK);
	assert_devs(section("nic"), NIC2, NIC1);
	assert_string_equal(vb_pci_find(&pci, NIC2)->path, "0000:00:03.0/02.0");
	assert_true(vb_pci_find(&pci, NIC1)->path_unread);
	assert_true(vb_pci_find(&pci, XHCI)->path_unread);
	assert_true(vb_pci_find(&pci, GPU2)->path_unread);

	plan_for("[device gpu]\nmatch = path=0000:00:02.0/00.0 class=0300\n", NULL);
	assert_status(section("gpu"), VB_PLAN_OK);
	assert_devs(section("gpu"), GPU2, AUDIO2);
	assert_false(vb_pci_find(&pci, GPU2)->path_unread);
	/* GPU1 fits the address and the class: only its path tells it is not the one. */
	assert_false(vb_pci_find(&pci, GPU1)->path_unread);
	/* The host bridge fits the address; its class rules it out before its path is asked. */
	assert_true(vb_pci_find(&pci, HOST_BRIDGE)->path_unread);
}

/* Only "0" says a device is not the boot display. */
static void test_boot_vga_garbage_guarded(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	fx_q35_two_gpus(fx);
	fx_write(fx, DEV_ATTR(GPU2, "boot_vga"), "2\n", 0644);
	plan_for("[device gpu]\nmatch = address=" GPU2 "\n", NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_GUARDED);
	assert_refused(s, GPU2, "boot_vga reads \"2\"", "allow = boot-display");
}

static void test_boot_vga_unreadable_guarded(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	fx_q35_two_gpus(fx);
	replace_attr(DEV_ATTR(GPU2, "boot_vga"), NULL, NULL, true);
	plan_for("[device gpu]\nmatch = address=" GPU2 "\n"
		 "[device allowed]\nmatch = address=" GPU2 "\nallow = boot-display\n",
		 NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_GUARDED);
	assert_refused(s, GPU2, "boot_vga cannot be read", "Is a directory");
	/* Told to take it anyway, it takes it. */
	assert_status(section("allowed"), VB_PLAN_OK);
}

/* A VGA device without boot_vga at all: the kernel always makes one, so it is not known. */
static void test_boot_vga_missing_on_vga_guarded(void **state)
{
	(void)state;
	fx_q35_two_gpus(fx);
	replace_attr(DEV_ATTR(GPU2, "boot_vga"), NULL, NULL, false);
	plan_for("[device gpu]\nmatch = address=" GPU2 "\n", NULL);
	assert_refused(section("gpu"), GPU2, "without boot_vga");
}

/* boot_vga=0 cannot be told of a card whose boot_vga is garbage: the section claims none. */
static void test_boot_vga_selector_undecidable(void **state)
{
	(void)state;
	fx_q35_two_gpus(fx);
	fx_write(fx, DEV_ATTR(GPU2, "boot_vga"), "yes\n", 0644);
	plan_for("[device gpu]\nmatch = id=1234:1111 boot_vga=0\n", NULL);
	assert_refused(section("gpu"), GPU2, "boot_vga", "\"yes\"");
}

/* Gone meanwhile (the bus link points nowhere): left out, nothing else changes. */
static void test_hot_unplugged_left_out(void **state)
{
	char *p;

	(void)state;
	fx_q35_two_gpus(fx);
	p = fx_path(fx, "sys/bus/pci/devices/0000:09:00.0");
	assert_int_equal(symlink("../../../devices/pci0000:00/0000:09:00.0", p), 0);
	free(p);
	plan_for("[device nic]\nmatch = address=" NIC1 "\ngroup = claim\n", NULL);
	assert_int_equal(pci.n, 14);
	assert_status(section("nic"), VB_PLAN_OK);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TQ35(f) cmocka_unit_test_setup_teardown(f, setup_q35, teardown)

int main(void)
{
	const struct CMUnitTest on_q35[] = {
		TQ35(test_scan_q35),
		TQ35(test_scan_frees_everything),
	};
	const struct CMUnitTest on_own_tree[] = {
		T(test_scan_without_uevent),
		T(test_driver_from_uevent),
		T(test_uevent_bad_driver_line),
		T(test_path_read_when_asked),
		T(test_unparsable_group_member_refuses),
		T(test_short_uevent_id_is_no_id),
		T(test_uevent_malformed_marks_unreadable),
		T(test_unreadable_group_link_refuses),
		T(test_unreadable_driver_link_refuses),
		T(test_driver_link_short_of_sys_is_gone),
		T(test_boot_vga_garbage_guarded),
		T(test_boot_vga_unreadable_guarded),
		T(test_boot_vga_missing_on_vga_guarded),
		T(test_boot_vga_selector_undecidable),
		T(test_hot_unplugged_left_out),
	};

	return run_plan_tests(on_q35, on_own_tree);
}
