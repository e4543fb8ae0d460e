// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Self-test of the kernel double's hot-add (sysfs-mock-hotplug.c, fx_hot_add()) and of the
 * driver registration that follows it: a device added after the program started is probed at
 * once, as the kernel probes inside device_add before udev sees it; a driver loaded later
 * takes the unbound devices it matches unless driver_override names another; probes.log says
 * which driver's probe ever ran.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mock/fixture.h"

#include "mock/mock-test.h"

#define NEW "0000:05:00.0"

static const struct fx_dev card = {.vendor = 0x1234,
				   .device = 0x1111,
				   .sub_vendor = 0x1af4,
				   .sub_device = 0x1100,
				   .class = 0x030000,
				   .group = 7,
				   .host_driver = "bochs-drm"};

static int probes(const struct fx *fx, const char *line)
{
	return fx_count_lines_matching(fx, ".mock/probes.log", line);
}

static void test_hot_add_with_driver_loaded_binds(void **state)
{
	struct fx *fx = *state;

	fx_hot_add(fx, NEW, &card);
	assert_driver(fx, NEW, "bochs-drm");
	assert_int_equal(probes(fx, NEW "\tbochs-drm"), 1);
	assert_true(fx_exists(fx, "sys/kernel/iommu_groups/7/devices/" NEW));
	/* The kernel added it; no program wrote anything. */
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", NULL), 0);
}

static void test_hot_add_unknown_device(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(MW(fx, "hot-add", "0000:09:00.0"), ENODEV);
}

/* The claim of the issue: override in time, then udev's module load binds nothing but vfio. */
static void test_hot_add_before_driver_load_then_claim(void **state)
{
	struct fx *fx = *state;
	_cleanup_free_ char *host = fx_path(fx, "tmp/hostdrv.ko");
	_cleanup_free_ char *vfio = fx_path(fx, "tmp/vfio-pci.ko");
	struct fx_dev dev = card;

	dev.host_driver = "hostdrv";
	fx_module_provides(fx, "hostdrv", "hostdrv");
	fx_fake_module_file(fx, "tmp/hostdrv.ko", "hostdrv", NULL);
	fx_fake_module_file(fx, "tmp/vfio-pci.ko", "vfio_pci", NULL);

	fx_hot_add(fx, NEW, &dev);
	assert_driver(fx, NEW, NULL);
	assert_int_equal(MW(fx, "write", DEV(NEW, "driver_override"), "vfio-pci"), 0);
	assert_int_equal(MW(fx, "load", vfio), 0);
	assert_driver(fx, NEW, "vfio-pci");
	assert_int_equal(MW(fx, "load", host), 0);
	assert_driver(fx, NEW, "vfio-pci");
	assert_int_equal(probes(fx, NEW "\tvfio-pci"), 1);
	assert_int_equal(probes(fx, "hostdrv"), 0);
}

static void test_driver_load_honours_override(void **state)
{
	struct fx *fx = *state;
	_cleanup_free_ char *host = fx_path(fx, "tmp/hostdrv.ko");
	struct fx_dev dev = card;

	dev.host_driver = NULL;
	fx_id_driver(fx, card.vendor, card.device, "hostdrv");
	fx_module_provides(fx, "hostdrv", "hostdrv");
	fx_fake_module_file(fx, "tmp/hostdrv.ko", "hostdrv", NULL);
	fx_hot_add(fx, NEW, &dev);
	fx_hot_add(fx, "0000:05:00.1", &dev);
	assert_driver(fx, NEW, NULL);
	assert_int_equal(MW(fx, "write", DEV(NEW, "driver_override"), "vfio-pci"), 0);
	/* vfio-pci is not loaded: the override holds the device unbound. */
	assert_int_equal(MW(fx, "load", host), 0);
	assert_driver(fx, NEW, NULL);
	assert_driver(fx, "0000:05:00.1", "hostdrv");
	assert_int_equal(probes(fx, NEW), 0);
	assert_int_equal(probes(fx, "0000:05:00.1\thostdrv"), 1);
}

/* pci_bus_add_device() calls device_attach(), which does not ask drivers_autoprobe. */
static void test_hot_add_ignores_bus_autoprobe(void **state)
{
	struct fx *fx = *state;

	fx_write(fx, "sys/bus/pci/drivers_autoprobe", "0\n", 0644);
	fx_hot_add(fx, NEW, &card);
	assert_driver(fx, NEW, "bochs-drm");
}

/* A hot-added PF and its VFs: the double's SR-IOV works on it as on any device. */
static void test_hot_added_pf_makes_vfs(void **state)
{
	struct fx *fx = *state;
	struct fx_dev nvme = {.vendor = 0x1b36,
			      .device = 0x0010,
			      .class = 0x010802,
			      .group = 8,
			      .host_driver = "nvme"};

	fx_driver(fx, "nvme", "nvme");
	fx_hot_add(fx, "0000:06:00.0", &nvme);
	assert_driver(fx, "0000:06:00.0", "nvme");
	fx_write(fx, "sys/bus/pci/devices/0000:06:00.0/sriov_totalvfs", "2\n", 0644);
	fx_write(fx, "sys/bus/pci/devices/0000:06:00.0/sriov_numvfs", "0\n", 0644);
	fx_write(fx, "sys/bus/pci/devices/0000:06:00.0/sriov_drivers_autoprobe", "0\n", 0644);
	fx_write(fx, "sys/bus/pci/devices/0000:06:00.0/sriov_offset", "1\n", 0644);
	fx_write(fx, "sys/bus/pci/devices/0000:06:00.0/sriov_stride", "1\n", 0644);
	fx_write(fx, "sys/bus/pci/devices/0000:06:00.0/sriov_vf_device", "10\n", 0644);
	assert_int_equal(MW(fx, "write", DEV("0000:06:00.0", "sriov_numvfs"), "1"), 0);
	assert_true(fx_exists(fx, "sys/bus/pci/devices/0000:06:00.1/physfn"));
	assert_driver(fx, "0000:06:00.1", NULL);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_q35, teardown)
	const struct CMUnitTest tests[] = {
		T(test_hot_add_with_driver_loaded_binds),      T(test_hot_add_unknown_device),
		T(test_hot_add_before_driver_load_then_claim), T(test_driver_load_honours_override),
		T(test_hot_add_ignores_bus_autoprobe),	       T(test_hot_added_pf_makes_vfs),
	};
#undef T

	return cmocka_run_group_tests_name("mock-hotplug", tests, NULL, NULL);
}
