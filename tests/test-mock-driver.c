// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Self-test of the kernel double: the PCI driver core's semantics (driver_override, probe,
 * bind, unbind, autoprobe, new_id) and the log of writes. If these drift from the kernel's,
 * every binder test built on them proves nothing.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mock/fixture.h"

#include "mock/mock-test.h"

static void test_override_then_probe_waits_for_driver(void **state)
{
	struct fx *fx = *state;

	claim(fx, GPU0);
	assert_file(fx, "sys/bus/pci/devices/" GPU0 "/driver_override", "vfio-pci\n");
	assert_false(fx_exists(fx, "sys/bus/pci/drivers/bochs-drm/" GPU0));

	/* vfio-pci is not loaded: the kernel leaves it unbound but reports success. */
	assert_int_equal(MW(fx, "write", "/sys/bus/pci/drivers_probe", GPU0 "\n"), 0);
	assert_driver(fx, GPU0, NULL);

	fx_driver(fx, "vfio-pci", "vfio_pci");
	assert_int_equal(MW(fx, "write", "/sys/bus/pci/drivers_probe", GPU0), 0);
	assert_driver(fx, GPU0, "vfio-pci");
	assert_true(fx_exists(fx, "sys/bus/pci/drivers/vfio-pci/" GPU0));
	assert_true(fx_exists(fx, "dev/vfio/1"));

	/* Already bound: nothing to do, still success. */
	assert_int_equal(MW(fx, "write", "/sys/bus/pci/drivers_probe", GPU0), 0);
	assert_driver(fx, GPU0, "vfio-pci");
	assert_int_equal(MW(fx, "write", DRV("vfio-pci", "unbind"), GPU0), 0);
	assert_false(fx_exists(fx, "dev/vfio/1"));
}

static void test_probe_without_override_takes_host_driver(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(MW(fx, "write", DRV("bochs-drm", "unbind"), GPU1), 0);
	assert_driver(fx, GPU1, NULL);
	assert_int_equal(MW(fx, "write", "/sys/bus/pci/drivers_probe", GPU1), 0);
	assert_driver(fx, GPU1, "bochs-drm");
	assert_int_equal(MW(fx, "write", "/sys/bus/pci/drivers_probe", "0000:09:00.0"), ENODEV);
}

static void test_unbind(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(MW(fx, "write", DRV("e1000", "unbind"), GPU0), ENODEV);
	assert_int_equal(MW(fx, "write", DRV("bochs-drm", "unbind"), "0000:09:00.0"), ENODEV);
	assert_driver(fx, GPU0, "bochs-drm");

	/* Reached through the device's driver link, as the binder may. */
	assert_int_equal(MW(fx, "write", DEV(GPU0, "driver/unbind"), GPU0), 0);
	assert_driver(fx, GPU0, NULL);
	assert_false(fx_exists(fx, "sys/bus/pci/drivers/bochs-drm/" GPU0));
	assert_true(fx_exists(fx, "sys/bus/pci/drivers/bochs-drm/" GPU1));
	assert_int_equal(MW(fx, "write", DRV("bochs-drm", "unbind"), GPU0), ENODEV);
	assert_int_equal(logged(fx, "sys/bus/pci/drivers/bochs-drm/unbind\t" GPU0 "\tok"), 1);
	assert_int_equal(logged(fx, "sys/bus/pci/drivers/bochs-drm/unbind\t" GPU0 "\tENODEV"), 1);
}

static void test_bind(void **state)
{
	struct fx *fx = *state;

	fx_driver(fx, "vfio-pci", "vfio_pci");
	assert_int_equal(MW(fx, "write", DEV(GPU0, "driver_override"), "vfio-pci"), 0);
	/* driver_match_device() comes before the busy check, as in bind_store(). */
	assert_int_equal(MW(fx, "write", DRV("vfio-pci", "bind"), GPU0), EBUSY);
	assert_int_equal(MW(fx, "write", DRV("bochs-drm", "bind"), GPU0), ENODEV);
	assert_int_equal(MW(fx, "write", DRV("bochs-drm", "unbind"), GPU0), 0);
	assert_int_equal(MW(fx, "write", DRV("bochs-drm", "bind"), GPU0), ENODEV);
	assert_int_equal(MW(fx, "write", DRV("vfio-pci", "bind"), GPU0), 0);
	assert_driver(fx, GPU0, "vfio-pci");

	/* No override: only the driver whose id table matches may bind. */
	assert_int_equal(MW(fx, "write", DRV("bochs-drm", "unbind"), GPU1), 0);
	assert_int_equal(MW(fx, "write", DRV("vfio-pci", "bind"), GPU1), ENODEV);
	assert_int_equal(MW(fx, "write", DRV("bochs-drm", "bind"), GPU1), 0);
	assert_driver(fx, GPU1, "bochs-drm");
	assert_int_equal(MW(fx, "write", DRV("bochs-drm", "bind"), "0000:09:00.0"), ENODEV);
}

static void test_driver_override_values(void **state)
{
	struct fx *fx = *state;
	const char *rel = "sys/bus/pci/devices/" GPU0 "/driver_override";

	assert_int_equal(MW(fx, "write", DEV(GPU0, "driver_override"), "vfio-pci"), 0);
	assert_file(fx, rel, "vfio-pci\n");
	/* An empty write(2) never reaches the kernel's store: nothing changes. */
	assert_int_equal(MW(fx, "write", DEV(GPU0, "driver_override"), ""), 0);
	assert_file(fx, rel, "vfio-pci\n");
	assert_int_equal(MW(fx, "write", DEV(GPU0, "driver_override"), "\n"), 0);
	assert_file(fx, rel, "(null)\n");
	assert_int_equal(MW(fx, "writev", DEV(GPU0, "driver_override"), "vfio-pci\n"), 0);
	assert_file(fx, rel, "vfio-pci\n");
	assert_int_equal(MW(fx, "pwrite", DEV(GPU0, "driver_override"), "pci-stub\nx"), 0);
	assert_file(fx, rel, "pci-stub\n");
	assert_int_equal(logged(fx, "sys/bus/pci/devices/" GPU0 "/driver_override\tvfio-pci\tok"),
			 2);
	assert_int_equal(logged(fx, "/driver_override\t\tok"), 1);
}

static void test_autoprobe_off(void **state)
{
	struct fx *fx = *state;
	_cleanup_free_ char *ko = fx_path(fx, "tmp/vfio-pci.ko");

	fx_fake_module_file(fx, "tmp/vfio-pci.ko", "vfio_pci", NULL);
	claim(fx, GPU0);
	assert_int_equal(MW(fx, "write", "/sys/bus/pci/drivers_autoprobe", "0"), 0);
	assert_file(fx, "sys/bus/pci/drivers_autoprobe", "0\n");
	assert_int_equal(MW(fx, "load", ko), 0);
	assert_driver(fx, GPU0, NULL);
	/* drivers_probe is explicit and ignores autoprobe. */
	assert_int_equal(MW(fx, "write", "/sys/bus/pci/drivers_probe", GPU0), 0);
	assert_driver(fx, GPU0, "vfio-pci");
}

static void test_new_id_is_recorded(void **state)
{
	struct fx *fx = *state;

	fx_driver(fx, "vfio-pci", "vfio_pci");
	assert_int_equal(MW(fx, "write", DRV("vfio-pci", "new_id"), "1234 1111\n"), 0);
	assert_int_equal(logged(fx, "sys/bus/pci/drivers/vfio-pci/new_id\t1234 1111\tok"), 1);
	assert_driver(fx, GPU0, "bochs-drm");
}

static void test_writes_log_order(void **state)
{
	struct fx *fx = *state;
	_cleanup_free_ char *ko = fx_path(fx, "tmp/vfio-pci.ko");

	fx_fake_module_file(fx, "tmp/vfio-pci.ko", "vfio_pci", NULL);
	claim(fx, GPU0);
	assert_int_equal(MW(fx, "write", "/sys/bus/pci/drivers_probe", GPU0), 0);
	assert_int_equal(MW(fx, "load", ko), 0);
	assert_int_equal(MW(fx, "write", "/sys/bus/pci/rescan", "1"), 0);
	assert_file(fx, ".mock/writes.log",
		    "sys/bus/pci/devices/" GPU0 "/driver_override\tvfio-pci\tok\n"
		    "sys/bus/pci/drivers/bochs-drm/unbind\t" GPU0 "\tok\n"
		    "sys/bus/pci/drivers_probe\t" GPU0 "\tok\n"
		    "sys/bus/pci/rescan\t1\tok\n");
	assert_driver(fx, GPU0, "vfio-pci");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_q35, teardown)
	const struct CMUnitTest tests[] = {
		T(test_override_then_probe_waits_for_driver),
		T(test_probe_without_override_takes_host_driver),
		T(test_unbind),
		T(test_bind),
		T(test_driver_override_values),
		T(test_autoprobe_off),
		T(test_new_id_is_recorded),
		T(test_writes_log_order),
	};
#undef T

	return cmocka_run_group_tests_name("mock", tests, NULL, NULL);
}
