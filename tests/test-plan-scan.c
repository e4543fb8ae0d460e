// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The model the plan works on: vb_pci_scan on fake sysfs trees (tests/mock/fixture.h) as
 * it would read /sys: ids from uevent or the separate attributes, the driver from uevent,
 * the links and the topology path read when asked. What cannot be read and counts against
 * a claim is in test-plan-unreadable.c.
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

/* ---- the driver and the path ---- */

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
		T(test_path_read_when_asked),
	};

	return run_plan_tests(on_q35, on_own_tree);
}
