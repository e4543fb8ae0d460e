// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Self-test of the kernel double's module loader: init_module, finit_module and
 * delete_module acting on the tree as the loader and driver_register() would, through
 * libkmod and on the installed kernel's real vfio modules.
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

static void test_module_load(void **state)
{
	struct fx *fx = *state;
	_cleanup_free_ char *ko = fx_path(fx, "lib/modules/6.1.0-test/vfio-pci.ko");

	fx_write(fx, "lib/modules/6.1.0-test/vfio-pci.ko", "not an ELF", 0);
	claim(fx, GPU0);
	claim(fx, AUDIO0);
	assert_int_equal(MW(fx, "write", DEV(GPU1, "driver_override"), "vfio-pci"), 0);

	/* Named after the file when there is no .modinfo to read. */
	assert_int_equal(MW(fx, "load", ko, "disable_vga=1"), 0);
	assert_file(fx, "sys/module/vfio_pci/initstate", "live\n");
	assert_file(fx, ".mock/modules.log", "vfio_pci\tdisable_vga=1\n");
	assert_int_equal(fx_count_lines_matching(fx, "proc/modules", "vfio_pci 16384 0 - Live"), 1);
	assert_true(fx_exists(fx, "sys/bus/pci/drivers/vfio-pci/bind"));
	assert_true(fx_exists(fx, "sys/bus/pci/drivers/vfio-pci/new_id"));
	assert_true(fx_exists(fx, "sys/module/vfio_pci/drivers/pci:vfio-pci"));
	assert_int_equal(MW(fx, "stat", DRV("vfio-pci", "module/initstate")), 0);

	/* driver_register() attaches what matches and is unbound, nothing else. */
	assert_driver(fx, GPU0, "vfio-pci");
	assert_driver(fx, AUDIO0, "vfio-pci");
	assert_driver(fx, GPU1, "bochs-drm");
	assert_true(fx_exists(fx, "dev/vfio/1"));
	assert_false(fx_exists(fx, "dev/vfio/2"));

	assert_int_equal(MW(fx, "load", ko), EEXIST);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/modules.log", NULL), 1);
	assert_int_equal(MW(fx, "stat", "/sys/module/vfio_pci/initstate"), 0);
}

static void test_module_load_from_image(void **state)
{
	struct fx *fx = *state;
	_cleanup_free_ char *ko = fx_path(fx, "tmp/renamed.ko");

	/* The kernel goes by .modinfo's name=, not by the file name. */
	fx_fake_module_file(fx, "tmp/renamed.ko", "vfio_iommu_type1", NULL);
	fx_inject(fx, "module vfio_iommu_type1 ENOMEM");
	assert_int_equal(MW(fx, "load-mem", ko), ENOMEM);
	assert_false(fx_exists(fx, "sys/module/vfio_iommu_type1"));
	fx_inject_clear(fx);
	assert_int_equal(MW(fx, "load-mem", ko, "allow_unsafe_interrupts=1"), 0);
	assert_file(fx, "sys/module/vfio_iommu_type1/initstate", "live\n");
	assert_file(fx, ".mock/modules.log", "vfio_iommu_type1\tallow_unsafe_interrupts=1\n");
	assert_int_equal(MW(fx, "load", ko), EEXIST);
	assert_int_equal(MW(fx, "load-mem", "/proc/self/exe"), ENOEXEC);
}

static void test_module_unload_and_reload(void **state)
{
	struct fx *fx = *state;
	_cleanup_free_ char *ko = fx_path(fx, "tmp/bochs.ko");

	fx_fake_module_file(fx, "tmp/bochs.ko", "bochs", NULL);
	assert_int_equal(MW(fx, "unload", "bochs"), 0);
	assert_driver(fx, GPU0, NULL);
	assert_driver(fx, GPU1, NULL);
	assert_false(fx_exists(fx, "sys/bus/pci/drivers/bochs-drm"));
	assert_false(fx_exists(fx, "sys/module/bochs"));
	assert_int_equal(fx_count_lines_matching(fx, "proc/modules", "bochs "), 0);
	assert_int_equal(fx_count_lines_matching(fx, "proc/modules", " Live "), 6);
	assert_int_equal(MW(fx, "unload", "bochs"), ENOENT);

	/* fx_driver() recorded that bochs provides bochs-drm; the override keeps GPU0 away. */
	fx_override(fx, GPU0, "vfio-pci");
	assert_int_equal(MW(fx, "load", ko), 0);
	assert_driver(fx, GPU0, NULL);
	assert_driver(fx, GPU1, "bochs-drm");
}

/* libkmod itself, through syscall(__NR_finit_module) and /sys/module reads. */
static void test_libkmod_probe(void **state)
{
	static const char *const modules[] = {"vfio", "vfio_pci", "vfio_iommu_type1", NULL};
	struct fx *fx = *state;
	int err = fx_fake_modules(fx, NULL, modules, NULL);
	_cleanup_free_ char *dir = NULL;

	if (err == -ENOENT)
		skip();
	assert_int_equal(err, 0);
	dir = fx_path(fx, "lib/modules/6.1.0-test");
	claim(fx, GPU0);
	assert_int_equal(MW(fx, "kmod-state", dir, "vfio_pci"), 0);
	assert_output(fx, "absent\n");
	assert_int_equal(MW(fx, "kmod", dir, "vfio_pci"), 0);
	assert_driver(fx, GPU0, "vfio-pci");
	assert_int_equal(MW(fx, "kmod-state", dir, "vfio_pci"), 0);
	assert_output(fx, "live\n");
	/* Loaded already: libkmod must see it through the redirected initstate. */
	assert_int_equal(MW(fx, "kmod", dir, "vfio_pci"), 0);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/modules.log", "vfio_pci"), 1);
	fx_inject(fx, "module vfio_iommu_type1 EPERM");
	assert_int_equal(MW(fx, "kmod", dir, "vfio_iommu_type1"), EPERM);
}

static void test_libkmod_builtin(void **state)
{
	static const char *const loadable[] = {"vfio_iommu_type1", NULL};
	static const char *const builtin[] = {"vfio", "vfio_pci", NULL};
	struct fx *fx = *state;
	int err = fx_fake_modules(fx, NULL, loadable, builtin);
	_cleanup_free_ char *dir = NULL;

	if (err == -ENOENT)
		skip();
	assert_int_equal(err, 0);
	dir = fx_path(fx, "lib/modules/6.1.0-test");
	assert_true(fx_exists(fx, "sys/module/vfio_pci"));
	assert_false(fx_exists(fx, "sys/module/vfio_pci/initstate"));
	assert_int_equal(MW(fx, "kmod-state", dir, "vfio_pci"), 0);
	assert_output(fx, "builtin\n");
	assert_int_equal(MW(fx, "kmod", dir, "vfio_pci"), 0);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/modules.log", NULL), 0);
	assert_int_equal(MW(fx, "unload", "vfio_pci"), ENOENT);
}

/* The real Debian modules, once scripts/mkmodtree.sh exists and a kernel is installed. */
static void test_real_modules(void **state)
{
	struct fx *fx = *state;
	_cleanup_free_ char *dir = NULL;

	if (fx_modules(fx, NULL, 0) != 0)
		skip();
	dir = fx_path(fx, "lib/modules/6.1.0-test");
	claim(fx, GPU0);
	assert_int_equal(MW(fx, "kmod", dir, "vfio_pci"), 0);
	assert_file(fx, "sys/module/vfio_pci/initstate", "live\n");
	assert_driver(fx, GPU0, "vfio-pci");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_q35, teardown)
	const struct CMUnitTest tests[] = {
		T(test_module_load),
		T(test_module_load_from_image),
		T(test_module_unload_and_reload),
		T(test_libkmod_probe),
		T(test_libkmod_builtin),
		T(test_real_modules),
	};
#undef T

	return cmocka_run_group_tests_name("mock", tests, NULL, NULL);
}
