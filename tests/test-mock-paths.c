// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Self-test of the kernel double (tests/mock/sysfs-mock.c) and the fixtures: the q35
 * stand-in's layout and the redirection of paths into the fake tree, however a program
 * reaches them. Each case pokes the fake machine through build/tests/mock-write, a
 * separate process with the double preloaded, exactly as the binder will be run.
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

static void test_q35_layout(void **state)
{
	struct fx *fx = *state;
	_cleanup_free_ char *dev = fx_path(fx, "sys/bus/pci/devices/" GPU0);
	_cleanup_free_ char *want = fx_path(fx, "sys/devices/pci0000:00/0000:00:01.0/" GPU0);
	_cleanup_free_ char *real = realpath(dev, NULL);
	_cleanup_free_ char *group = fx_path(fx, "sys/bus/pci/devices/" GPU0 "/iommu_group");
	_cleanup_free_ char *group_real = realpath(group, NULL);
	_cleanup_free_ char *module = fx_path(fx, "sys/bus/pci/drivers/bochs-drm/module");
	_cleanup_free_ char *module_real = realpath(module, NULL);
	uint8_t cfg[256];

	assert_string_equal(real, want);
	assert_non_null(group_real);
	assert_string_equal(strrchr(group_real, '/'), "/1");
	assert_non_null(module_real);
	assert_string_equal(strrchr(module_real, '/'), "/bochs");
	assert_true(fx_exists(fx, "sys/kernel/iommu_groups/1/devices/0000:00:01.0"));
	assert_true(fx_exists(fx, "sys/kernel/iommu_groups/1/devices/" AUDIO0));
	assert_true(fx_exists(fx, "sys/kernel/iommu_groups/5/devices/0000:00:1f.3"));

	assert_file(fx, "sys/bus/pci/devices/" GPU0 "/vendor", "0x1234\n");
	assert_file(fx, "sys/bus/pci/devices/" GPU0 "/class", "0x030000\n");
	assert_file(fx, "sys/bus/pci/devices/" GPU0 "/subsystem_vendor", "0x1af4\n");
	assert_file(fx, "sys/bus/pci/devices/" GPU0 "/boot_vga", "1\n");
	assert_file(fx, "sys/bus/pci/devices/" GPU1 "/boot_vga", "0\n");
	assert_file(fx, "sys/bus/pci/devices/" AUDIO0 "/boot_vga", NULL);
	assert_file(fx, "sys/bus/pci/devices/" GPU0 "/driver_override", "(null)\n");
	assert_file(fx, "sys/bus/pci/devices/" GPU0 "/reset_method", "bus\n");
	assert_file(fx, "sys/bus/pci/devices/" GPU0 "/modalias",
		    "pci:v00001234d00001111sv00001AF4sd00001100bc03sc00i00\n");
	assert_file(fx, "sys/bus/pci/slots/2/address", "0000:02:00\n");
	assert_file(fx, "sys/module/bochs/initstate", "live\n");
	assert_file(fx, "proc/sys/kernel/osrelease", "6.1.0-test\n");
	assert_int_equal(fx_count_lines_matching(fx, "proc/modules", " Live "), 7);

	assert_driver(fx, GPU0, "bochs-drm");
	assert_driver(fx, AUDIO0, "snd_hda_intel");
	assert_driver(fx, "0000:00:02.0", "pcieport");
	assert_driver(fx, "0000:00:03.0", NULL);
	assert_driver(fx, "0000:03:02.0", "e1000");
	assert_true(fx_exists(fx, "sys/bus/pci/drivers/e1000/0000:03:02.0"));

	assert_int_equal(fx_read_bin(fx, "sys/bus/pci/devices/" GPU0 "/config", cfg, sizeof(cfg)),
			 256);
	assert_int_equal(cfg[0] | cfg[1] << 8, 0x1234);
	assert_int_equal(cfg[2] | cfg[3] << 8, 0x1111);
	assert_int_equal(cfg[0x08], 0x02);
	assert_int_equal(cfg[0x09] | cfg[0x0a] << 8 | cfg[0x0b] << 16, 0x030000);
	assert_int_equal(cfg[0x0e], 0x80);
	assert_int_equal(cfg[0x2c] | cfg[0x2d] << 8, 0x1af4);
	assert_int_equal(cfg[0x2e] | cfg[0x2f] << 8, 0x1100);
	assert_int_equal(fx_read_bin(fx, "sys/bus/pci/devices/0000:00:03.0/config", cfg, 256), 256);
	assert_int_equal(cfg[0x0e], 0x01);
	assert_int_equal(cfg[0x19], 3);
	assert_int_equal(cfg[0x1a], 3);
	fx_read_bin(fx, "sys/bus/pci/devices/0000:00:1f.3/config", cfg, 256);
	assert_int_equal(cfg[0x0e], 0x80);
	fx_read_bin(fx, "sys/bus/pci/devices/0000:00:04.0/config", cfg, 256);
	assert_int_equal(cfg[0x0e], 0x00);
}

static void test_redirection(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(MW(fx, "stat", "/sys/module/bochs"), 0);
	assert_output(fx, "dir\n");
	assert_int_equal(MW(fx, "stat", "/sys/module/vfio_pci"), ENOENT);
	assert_int_equal(MW(fx, "cat", "/proc/cmdline"), 0);
	assert_output(fx, "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet\n");
	assert_int_equal(MW(fx, "fopen", "/proc/sys/kernel/osrelease"), 0);
	assert_output(fx, "6.1.0-test\n");
	assert_int_equal(MW(fx, "readlink", DEV(GPU0, "driver")), 0);
	assert_output(fx, "../../../../bus/pci/drivers/bochs-drm\n");
	assert_int_equal(MW(fx, "ls", "/sys/kernel/iommu_groups/1/devices"), 0);
	assert_output(fx, "0000:00:01.0\n" GPU0 "\n" AUDIO0 "\n");
	assert_int_equal(MW(fx, "ls", "/sys/bus/pci/slots"), 0);
	assert_output(fx, "1\n2\n");

	/* What the double cannot fake stays real. */
	assert_int_equal(MW(fx, "stat", "/proc/self/exe"), 0);
	assert_int_equal(MW(fx, "stat", "/dev/null"), 0);
	assert_output(fx, "other\n");
}

/* The resolved path stays in the tree: the binder may open it again. */
static void test_realpath_stays_inside(void **state)
{
	struct fx *fx = *state;
	_cleanup_free_ char *want = NULL;

	assert_int_equal(MW(fx, "realpath", DEV(GPU0, "driver")), 0);
	assert_true(asprintf(&want, "%s/sys/bus/pci/drivers/bochs-drm\n", fx_root(fx)) > 0);
	assert_output(fx, want);
}

static char *first_line(const char *path)
{
	char line[256] = "";
	FILE *f = fopen(path, "re");

	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	return strdup(line);
}

/* Without VFIO_MOCK_ROOT the double must not change anything. */
static void test_inert_without_root(void **state)
{
	struct fx *fx = *state;
	_cleanup_free_ char *out = fx_path(fx, ".mock/stdout");
	_cleanup_free_ char *got = NULL, *want = first_line("/proc/sys/kernel/osrelease");
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, STDOUT_FILENO);
		setenv("LD_PRELOAD", fx_mock_so(), 1);
		setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 1);
		unsetenv("VFIO_MOCK_ROOT");
		execl(fx_mock_write(), "mock-write", "cat", "/proc/sys/kernel/osrelease",
		      (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	got = fx_read(fx, ".mock/stdout");
	assert_non_null(got);
	assert_string_equal(got, want);
}

/* The binder's way: a dirfd under --root, then relative openat(). */
static void test_binder_style_paths(void **state)
{
	struct fx *fx = *state;
	_cleanup_free_ char *dev = fx_path(fx, "sys/bus/pci/devices/" GPU0);
	_cleanup_free_ char *drv = fx_path(fx, "sys/bus/pci/devices/" GPU0 "/driver");

	assert_int_equal(MW(fx, "openat", dev, "driver_override", "vfio-pci\n"), 0);
	assert_file(fx, "sys/bus/pci/devices/" GPU0 "/driver_override", "vfio-pci\n");
	assert_int_equal(MW(fx, "openat", drv, "unbind", GPU0), 0);
	assert_driver(fx, GPU0, NULL);
	assert_int_equal(logged(fx, "sys/bus/pci/drivers/bochs-drm/unbind\t" GPU0 "\tok"), 1);
}

/* Shell scripts work too: dash writes with write(2), and its O_TRUNC must not empty the attribute. */
static void test_shell_redirection(void **state)
{
	struct fx *fx = *state;
	const char *const argv[] = {
		"/bin/sh",
		"-c",
		"echo vfio-pci > " DEV(
			GPU0,
			"driver_override") " && "
					   "echo " GPU0 " > " DEV(
						   GPU0,
						   "driver/unbind") " && "
								    "echo " GPU0
								    " > /sys/bus/pci/drivers/bochs-drm/unbind",
		NULL,
	};

	/* The last unbind fails: the device is no longer bound to bochs-drm. */
	assert_int_not_equal(fx_run(fx, argv), 0);
	assert_file(fx, "sys/bus/pci/devices/" GPU0 "/driver_override", "vfio-pci\n");
	assert_driver(fx, GPU0, NULL);
	assert_int_equal(logged(fx, "bochs-drm/unbind\t" GPU0 "\tok"), 1);
	assert_int_equal(logged(fx, "bochs-drm/unbind\t" GPU0 "\tENODEV"), 1);
}

/* Documents the limit: stdio writes bypass the double entirely. */
static void test_stdio_is_not_seen(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(MW(fx, "fputs", DRV("bochs-drm", "unbind"), GPU0), 0);
	assert_driver(fx, GPU0, "bochs-drm");
	assert_int_equal(logged(fx, NULL), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_q35, teardown)
	const struct CMUnitTest tests[] = {
		T(test_q35_layout),
		T(test_redirection),
		T(test_realpath_stays_inside),
		T(test_inert_without_root),
		T(test_binder_style_paths),
		T(test_shell_redirection),
		T(test_stdio_is_not_seen),
	};
#undef T

	return cmocka_run_group_tests_name("mock", tests, NULL, NULL);
}
