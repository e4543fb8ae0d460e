// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Self-test of the kernel double (tests/mock/sysfs-mock.c) and the fixtures:
 * if these semantics drift from the kernel's, every binder test built on
 * them proves nothing.  Each case pokes the fake machine through
 * build/tests/mock-write, a separate process with the double preloaded,
 * exactly as the binder will be run.
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

#define _cleanup_free_ __attribute__((cleanup(free_ptr)))

#define GPU0		"0000:01:00.0"
#define AUDIO0		"0000:01:00.1"
#define GPU1		"0000:02:00.0"
#define DEV(addr, attr) "/sys/bus/pci/devices/" addr "/" attr
#define DRV(drv, attr)	"/sys/bus/pci/drivers/" drv "/" attr

/* mock-write's exit status: 0 or the errno its one system call failed with. */
#define MW(fx, ...) fx_run(fx, (const char *const[]){fx_mock_write(), __VA_ARGS__, NULL})

static void free_ptr(void *p)
{
	free(*(void **)p);
}

static void assert_file(const struct fx *fx, const char *rel, const char *want)
{
	_cleanup_free_ char *got = fx_read(fx, rel);

	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
}

static void assert_driver(const struct fx *fx, const char *addr, const char *want)
{
	_cleanup_free_ char *got = fx_driver_of(fx, addr);

	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
}

static void assert_output(const struct fx *fx, const char *want)
{
	assert_file(fx, ".mock/stdout", want);
}

static int logged(const struct fx *fx, const char *line)
{
	return fx_count_lines_matching(fx, ".mock/writes.log", line);
}

static int setup_q35(void **state)
{
	struct fx *fx = fx_new();

	fx_q35_two_gpus(fx);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

/* Detach a GPU from its host driver and aim it at vfio-pci, as the binder does. */
static void claim(struct fx *fx, const char *addr)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", addr);
	assert_int_equal(MW(fx, "write", path, "vfio-pci\n"), 0);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", addr);
	assert_int_equal(MW(fx, "write", path, addr), 0);
	assert_driver(fx, addr, NULL);
}

/* ------------------------------------------------------------------------ */

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
		T(test_q35_layout),
		T(test_redirection),
		T(test_realpath_stays_inside),
		T(test_inert_without_root),
		T(test_override_then_probe_waits_for_driver),
		T(test_probe_without_override_takes_host_driver),
		T(test_unbind),
		T(test_bind),
		T(test_driver_override_values),
		T(test_binder_style_paths),
		T(test_shell_redirection),
		T(test_stdio_is_not_seen),
		T(test_inject_unbind),
		T(test_inject_probe_noop),
		T(test_inject_probe_noop_on_module_load),
		T(test_inject_nothing_binds),
		T(test_inject_write),
		T(test_inject_wrong_driver_wins),
		T(test_module_load),
		T(test_module_load_from_image),
		T(test_module_unload_and_reload),
		T(test_autoprobe_off),
		T(test_new_id_is_recorded),
		T(test_writes_log_order),
		T(test_libkmod_probe),
		T(test_libkmod_builtin),
		T(test_real_modules),
	};
#undef T

	return cmocka_run_group_tests_name("mock", tests, NULL, NULL);
}
