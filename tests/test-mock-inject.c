// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Self-test of the kernel double's error injection (ROOT/.mock/inject): failed unbinds and
 * writes, probes that bind nothing or the wrong driver.
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

static void test_inject_unbind(void **state)
{
	struct fx *fx = *state;

	fx_inject(fx, "unbind " GPU0 " EBUSY");
	assert_int_equal(MW(fx, "write", DEV(GPU0, "driver/unbind"), GPU0), EBUSY);
	assert_driver(fx, GPU0, "bochs-drm");
	assert_int_equal(logged(fx, "bochs-drm/unbind\t" GPU0 "\tEBUSY"), 1);
	assert_int_equal(MW(fx, "write", DEV(GPU1, "driver/unbind"), GPU1), 0);
	fx_inject_clear(fx);
	assert_int_equal(MW(fx, "write", DEV(GPU0, "driver/unbind"), GPU0), 0);
	assert_driver(fx, GPU0, NULL);
}

static void test_inject_probe_noop(void **state)
{
	struct fx *fx = *state;

	fx_driver(fx, "vfio-pci", "vfio_pci");
	claim(fx, GPU0);
	fx_inject(fx, "probe " GPU0 " noop");
	assert_int_equal(MW(fx, "write", "/sys/bus/pci/drivers_probe", GPU0), 0);
	assert_driver(fx, GPU0, NULL);
	assert_int_equal(MW(fx, "write", DRV("vfio-pci", "bind"), GPU0), 0);
	assert_driver(fx, GPU0, NULL);
	/* Given back, the device returns to its host driver despite the rule. */
	assert_int_equal(MW(fx, "write", DEV(GPU0, "driver_override"), "\n"), 0);
	assert_int_equal(MW(fx, "write", "/sys/bus/pci/drivers_probe", GPU0), 0);
	assert_driver(fx, GPU0, "bochs-drm");
}

static void test_inject_probe_noop_on_module_load(void **state)
{
	struct fx *fx = *state;
	_cleanup_free_ char *ko = fx_path(fx, "tmp/vfio-pci.ko");

	fx_fake_module_file(fx, "tmp/vfio-pci.ko", "vfio_pci", NULL);
	claim(fx, GPU0);
	claim(fx, GPU1);
	fx_inject(fx, "probe " GPU0 " noop");
	assert_int_equal(MW(fx, "load", ko), 0);
	assert_driver(fx, GPU0, NULL);
	assert_driver(fx, GPU1, "vfio-pci");
	fx_inject_clear(fx);
	assert_int_equal(MW(fx, "write", "/sys/bus/pci/drivers_probe", GPU0), 0);
	assert_driver(fx, GPU0, "vfio-pci");
}

/* A winner that is not loaded: nothing binds at all, host driver included. */
static void test_inject_nothing_binds(void **state)
{
	struct fx *fx = *state;

	fx_inject(fx, "bind " GPU1 " no-such-driver");
	assert_int_equal(MW(fx, "write", DEV(GPU1, "driver/unbind"), GPU1), 0);
	assert_int_equal(MW(fx, "write", "/sys/bus/pci/drivers_probe", GPU1), 0);
	assert_driver(fx, GPU1, NULL);
}

static void test_inject_write(void **state)
{
	struct fx *fx = *state;

	/* The rule names the path the test knows; the write may come via any link. */
	fx_inject(fx, "write sys/bus/pci/devices/" GPU0 "/driver_override ENODEV");
	fx_inject(fx, "write dev/kmsg EIO");
	assert_int_equal(MW(fx, "write", DEV(GPU0, "driver_override"), "vfio-pci"), ENODEV);
	assert_file(fx, "sys/bus/pci/devices/" GPU0 "/driver_override", "(null)\n");
	assert_int_equal(logged(fx, "/driver_override\tvfio-pci\tENODEV"), 1);
	assert_int_equal(MW(fx, "write", DEV(GPU1, "driver_override"), "vfio-pci"), 0);
	assert_int_equal(MW(fx, "write", "/dev/kmsg", "<3>vfio-boot: hello"), EIO);
	fx_inject_clear(fx);
	assert_int_equal(MW(fx, "write", "/dev/kmsg", "<6>vfio-boot: hello"), 0);
	assert_file(fx, "dev/kmsg", "<6>vfio-boot: hello");
}

static void test_inject_wrong_driver_wins(void **state)
{
	struct fx *fx = *state;

	fx_driver(fx, "vfio-pci", "vfio_pci");
	claim(fx, GPU0);
	fx_inject(fx, "bind " GPU0 " bochs-drm");
	assert_int_equal(MW(fx, "write", "/sys/bus/pci/drivers_probe", GPU0), 0);
	assert_driver(fx, GPU0, "bochs-drm");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_q35, teardown)
	const struct CMUnitTest tests[] = {
		T(test_inject_unbind),
		T(test_inject_probe_noop),
		T(test_inject_probe_noop_on_module_load),
		T(test_inject_nothing_binds),
		T(test_inject_write),
		T(test_inject_wrong_driver_wins),
	};
#undef T

	return cmocka_run_group_tests_name("mock", tests, NULL, NULL);
}
