// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Self-test of the kernel double's SR-IOV (sysfs-mock-sriov.c): sriov_numvfs and
 * sriov_drivers_autoprobe as drivers/pci/iov.c and pci-driver.c of Linux 6.1 handle them.
 * The tree is an 82576 with two ports whose VFs interleave on the next bus.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mock/fixture.h"

#include "mock/mock-test.h"

#define PORT "0000:00:1c.0"
#define PF0  "0000:06:00.0"
#define PF1  "0000:06:00.1"
#define VF00 "0000:07:10.0" /* PF0 + 384 */
#define VF01 "0000:07:10.2" /* PF0 + 384 + 2 */
#define VF10 "0000:07:10.1" /* PF1 + 384 */
#define VF11 "0000:07:10.3"

static void sriov_attrs(struct fx *fx, const char *pf, const char *total, const char *offset,
			const char *stride, const char *vf_device)
{
	char rel[PATH_MAX];
	const char *const attrs[][2] = {
		{"sriov_totalvfs", total},	    {"sriov_numvfs", "0\n"},
		{"sriov_drivers_autoprobe", "1\n"}, {"sriov_offset", offset},
		{"sriov_stride", stride},	    {"sriov_vf_device", vf_device},
	};

	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/%s", pf, attrs[i][0]);
		fx_write(fx, rel, attrs[i][1], 0644);
	}
}

static int setup_82576(void **state)
{
	struct fx *fx = fx_new();
	struct fx_dev port = {.vendor = 0x8086,
			      .device = 0x7a38,
			      .class = 0x060400,
			      .header_type = 1,
			      .group = 1};
	struct fx_dev pf = {.parent = PORT,
			    .vendor = 0x8086,
			    .device = 0x10c9,
			    .sub_vendor = 0x8086,
			    .sub_device = 0xa03c,
			    .class = 0x020000,
			    .revision = 1,
			    .group = 2,
			    .host_driver = "igb",
			    .bound = true};

	fx_device(fx, PORT, &port);
	fx_device(fx, PF0, &pf);
	fx_device(fx, PF1, &pf);
	sriov_attrs(fx, PF0, "7\n", "384\n", "2\n", "10ca\n");
	sriov_attrs(fx, PF1, "7\n", "384\n", "2\n", "10ca\n");
	fx_id_driver(fx, 0x8086, 0x10ca, "igbvf");
	fx_driver(fx, "igbvf", "igbvf");
	*state = fx;
	return 0;
}

static char *link_of(const struct fx *fx, const char *rel)
{
	_cleanup_free_ char *path = fx_path(fx, rel);
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n < 0)
		return NULL;
	target[n] = '\0';
	return strdup(target);
}

static void assert_link(const struct fx *fx, const char *rel, const char *want)
{
	_cleanup_free_ char *got = link_of(fx, rel);

	assert_non_null(got);
	assert_string_equal(got, want);
}

static void assert_link_base(const struct fx *fx, const char *rel, const char *want)
{
	_cleanup_free_ char *got = link_of(fx, rel);

	assert_non_null(got);
	assert_string_equal(strrchr(got, '/') + 1, want);
}

static int probes(const struct fx *fx, const char *line)
{
	return fx_count_lines_matching(fx, ".mock/probes.log", line);
}

/* VF @vf of @pf, index @i, in IOMMU group @group, as the kernel lays it out. */
static void assert_vf(const struct fx *fx, const char *pf, const char *vf, int i, int group)
{
	char rel[PATH_MAX], want[64];
	_cleanup_free_ char *pfdir = NULL, *vfdir = NULL, *pfpath = NULL, *vfpath = NULL;
	uint8_t cfg[256];

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", pf);
	pfpath = fx_path(fx, rel);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", vf);
	vfpath = fx_path(fx, rel);
	pfdir = realpath(pfpath, NULL);
	vfdir = realpath(vfpath, NULL);
	assert_non_null(pfdir);
	assert_non_null(vfdir);
	/* Beside its PF, below the same bridge, whatever bus it is on. */
	*strrchr(pfdir, '/') = '\0';
	*strrchr(vfdir, '/') = '\0';
	assert_string_equal(vfdir, pfdir);

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/physfn", vf);
	snprintf(want, sizeof(want), "../%s", pf);
	assert_link(fx, rel, want);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/virtfn%d", pf, i);
	snprintf(want, sizeof(want), "../%s", vf);
	assert_link(fx, rel, want);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/iommu_group", vf);
	snprintf(want, sizeof(want), "%d", group);
	assert_link_base(fx, rel, want);
	snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%d/devices/%s", group, vf);
	assert_link_base(fx, rel, vf);

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/vendor", vf);
	assert_file(fx, rel, "0x8086\n");
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/device", vf);
	assert_file(fx, rel, "0x10ca\n");
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/subsystem_device", vf);
	assert_file(fx, rel, "0xa03c\n");
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/class", vf);
	assert_file(fx, rel, "0x020000\n");
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver_override", vf);
	assert_file(fx, rel, "(null)\n");
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/config", vf);
	assert_int_equal(fx_read_bin(fx, rel, cfg, sizeof(cfg)), 256);
	assert_int_equal(cfg[0] | cfg[1] << 8, 0x8086);
	assert_int_equal(cfg[2] | cfg[3] << 8, 0x10ca);
	assert_int_equal(cfg[0x0b], 0x02);
	assert_int_equal(cfg[0x2e] | cfg[0x2f] << 8, 0xa03c);
}

static void assert_no_vf(const struct fx *fx, const char *pf, const char *vf, int i, int group)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", vf);
	assert_false(fx_exists(fx, rel));
	snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/" PORT "/%s", vf);
	assert_false(fx_exists(fx, rel));
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/virtfn%d", pf, i);
	assert_false(fx_exists(fx, rel));
	snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%d", group);
	assert_false(fx_exists(fx, rel));
	snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/igbvf/%s", vf);
	assert_false(fx_exists(fx, rel));
}

static void test_numvfs_makes_vfs_and_probes(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(MW(fx, "write", DEV(PF0, "sriov_numvfs"), "2\n"), 0);
	assert_file(fx, "sys/bus/pci/devices/" PF0 "/sriov_numvfs", "2\n");
	assert_vf(fx, PF0, VF00, 0, 3);
	assert_vf(fx, PF0, VF01, 1, 4);
	/* autoprobe 1: each VF probed as it is added; the id table says igbvf. */
	assert_driver(fx, VF00, "igbvf");
	assert_driver(fx, VF01, "igbvf");
	assert_int_equal(probes(fx, VF00 "\tigbvf"), 1);
	assert_int_equal(logged(fx, "sys/bus/pci/devices/" PF0 "/sriov_numvfs\t2\tok"), 1);

	/* The other port's VFs interleave with these. */
	assert_int_equal(MW(fx, "write", DEV(PF1, "sriov_numvfs"), "2"), 0);
	assert_vf(fx, PF1, VF10, 0, 5);
	assert_vf(fx, PF1, VF11, 1, 6);
	assert_false(fx_exists(fx, "sys/bus/pci/devices/" PF1 "/virtfn2"));
	/* The PFs stay as they were. */
	assert_driver(fx, PF0, "igb");
	assert_link_base(fx, "sys/bus/pci/devices/" PF0 "/iommu_group", "2");
}

static void test_numvfs_refusals(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(MW(fx, "write", DEV(PF0, "sriov_numvfs"), "8"), ERANGE);
	assert_int_equal(MW(fx, "write", DEV(PF0, "sriov_numvfs"), "two"), EINVAL);
	assert_int_equal(MW(fx, "write", DEV(PF0, "sriov_numvfs"), "-1"), EINVAL);
	assert_int_equal(MW(fx, "write", DEV(PF0, "sriov_numvfs"), "65536"), EINVAL);
	assert_int_equal(logged(fx, "sriov_numvfs\t8\tERANGE"), 1);

	assert_int_equal(MW(fx, "write", DEV(PF0, "sriov_numvfs"), "0x2"), 0);
	assert_vf(fx, PF0, VF01, 1, 4);
	/* Another number while VFs exist: refused, nothing changes. */
	assert_int_equal(MW(fx, "write", DEV(PF0, "sriov_numvfs"), "3"), EBUSY);
	assert_false(fx_exists(fx, "sys/bus/pci/devices/" PF0 "/virtfn2"));
	assert_file(fx, "sys/bus/pci/devices/" PF0 "/sriov_numvfs", "2\n");
	/* The same number: success, nothing made or probed again. */
	assert_int_equal(MW(fx, "write", DEV(PF0, "sriov_numvfs"), "2"), 0);
	assert_int_equal(probes(fx, NULL), 2);
	assert_false(fx_exists(fx, "sys/kernel/iommu_groups/5"));

	/* 0 takes them all away: devices, links, groups, bindings. */
	assert_int_equal(MW(fx, "write", DEV(PF0, "sriov_numvfs"), "0"), 0);
	assert_file(fx, "sys/bus/pci/devices/" PF0 "/sriov_numvfs", "0\n");
	assert_no_vf(fx, PF0, VF00, 0, 3);
	assert_no_vf(fx, PF0, VF01, 1, 4);
	assert_true(fx_exists(fx, "sys/kernel/iommu_groups/2/devices/" PF0));

	/* No PF driver: ENOENT, after the range check; the same number still succeeds. */
	fx_unbind(fx, PF0);
	assert_int_equal(MW(fx, "write", DEV(PF0, "sriov_numvfs"), "8"), ERANGE);
	assert_int_equal(MW(fx, "write", DEV(PF0, "sriov_numvfs"), "1"), ENOENT);
	assert_int_equal(MW(fx, "write", DEV(PF0, "sriov_numvfs"), "0"), 0);
	assert_false(fx_exists(fx, "sys/bus/pci/devices/" VF00));
	fx_bind(fx, PF0, "igb");
	assert_int_equal(MW(fx, "write", DEV(PF0, "sriov_numvfs"), "3"), 0);
	assert_vf(fx, PF0, "0000:07:10.4", 2, 5);
}

static void test_autoprobe_off_binds_nothing(void **state)
{
	struct fx *fx = *state;
	const char *rel = "sys/bus/pci/devices/" PF0 "/sriov_drivers_autoprobe";

	assert_int_equal(MW(fx, "write", DEV(PF0, "sriov_drivers_autoprobe"), "maybe"), EINVAL);
	assert_file(fx, rel, "1\n");
	assert_int_equal(MW(fx, "write", DEV(PF0, "sriov_drivers_autoprobe"), "n"), 0);
	assert_file(fx, rel, "0\n");
	assert_int_equal(MW(fx, "write", DEV(PF0, "sriov_drivers_autoprobe"), "on"), 0);
	assert_file(fx, rel, "1\n");
	assert_int_equal(MW(fx, "write", DEV(PF0, "sriov_drivers_autoprobe"), "0\n"), 0);
	assert_file(fx, rel, "0\n");

	assert_int_equal(MW(fx, "write", DEV(PF0, "sriov_numvfs"), "2"), 0);
	assert_vf(fx, PF0, VF00, 0, 3);
	assert_driver(fx, VF00, NULL);
	assert_driver(fx, VF01, NULL);
	assert_int_equal(probes(fx, NULL), 0);

	/* pci_device_can_probe(): no probe and no bind without an override... */
	assert_int_equal(MW(fx, "write", "/sys/bus/pci/drivers_probe", VF00), 0);
	assert_driver(fx, VF00, NULL);
	assert_int_equal(MW(fx, "write", DRV("igbvf", "bind"), VF00), ENODEV);
	assert_int_equal(probes(fx, NULL), 0);
	/* ...and the override's driver with one. */
	fx_driver(fx, "vfio-pci", "vfio_pci");
	assert_int_equal(MW(fx, "write", DEV(VF01, "driver_override"), "vfio-pci"), 0);
	assert_int_equal(MW(fx, "write", "/sys/bus/pci/drivers_probe", VF01), 0);
	assert_driver(fx, VF01, "vfio-pci");
	assert_true(fx_exists(fx, "dev/vfio/4"));
	assert_int_equal(probes(fx, VF01 "\tvfio-pci"), 1);
	assert_int_equal(probes(fx, "igbvf"), 0);

	/* Autoprobe back on: a probe now finds the host driver. */
	assert_int_equal(MW(fx, "write", DEV(PF0, "sriov_drivers_autoprobe"), "1"), 0);
	assert_int_equal(MW(fx, "write", "/sys/bus/pci/drivers_probe", VF00), 0);
	assert_driver(fx, VF00, "igbvf");
	/* Removing the VFs unbinds them and drops vfio's group node. */
	assert_int_equal(MW(fx, "write", DEV(PF0, "sriov_numvfs"), "0"), 0);
	assert_false(fx_exists(fx, "dev/vfio/4"));
	assert_no_vf(fx, PF0, VF01, 1, 4);
}

static void test_driver_loaded_later_skips_autoprobe_off_vfs(void **state)
{
	struct fx *fx = *state;
	_cleanup_free_ char *ko = fx_path(fx, "tmp/vfvf.ko");

	fx_id_driver(fx, 0x8086, 0x10ed, "vfvf");
	fx_module_provides(fx, "vfvf", "vfvf");
	fx_fake_module_file(fx, "tmp/vfvf.ko", "vfvf", NULL);
	fx_write(fx, "sys/bus/pci/devices/" PF1 "/sriov_vf_device", "10ed\n", 0644);
	fx_write(fx, "sys/bus/pci/devices/" PF1 "/sriov_drivers_autoprobe", "0\n", 0644);
	assert_int_equal(MW(fx, "write", DEV(PF1, "sriov_numvfs"), "2"), 0);
	assert_int_equal(MW(fx, "write", DEV(VF11, "driver_override"), "vfvf"), 0);
	assert_int_equal(MW(fx, "load", ko), 0);
	assert_driver(fx, VF10, NULL);
	assert_driver(fx, VF11, "vfvf");
	assert_int_equal(probes(fx, VF10), 0);
}

/* QEMU's NVMe: VFs on the PF's own bus, beside it; a routing ID past bus ff fails. */
static void test_same_bus_vfs_and_bus_overflow(void **state)
{
	struct fx *fx = *state;
	struct fx_dev nvme = {.vendor = 0x1b36,
			      .device = 0x0010,
			      .sub_vendor = 0x1af4,
			      .sub_device = 0x1100,
			      .class = 0x010802,
			      .group = 9,
			      .host_driver = "nvme",
			      .bound = true};

	fx_device(fx, "0000:01:00.0", &nvme);
	sriov_attrs(fx, "0000:01:00.0", "2\n", "1\n", "1\n", "10\n");
	fx_write(fx, "sys/bus/pci/devices/0000:01:00.0/sriov_drivers_autoprobe", "0\n", 0644);
	assert_int_equal(MW(fx, "write", DEV("0000:01:00.0", "sriov_numvfs"), "2"), 0);
	assert_link(fx, "sys/bus/pci/devices/0000:01:00.1/physfn", "../0000:01:00.0");
	assert_link(fx, "sys/bus/pci/devices/0000:01:00.0/virtfn1", "../0000:01:00.2");
	assert_link_base(fx, "sys/bus/pci/devices/0000:01:00.1/iommu_group", "10");
	assert_link_base(fx, "sys/bus/pci/devices/0000:01:00.2/iommu_group", "11");
	assert_file(fx, "sys/bus/pci/devices/0000:01:00.2/device", "0x0010\n");
	assert_file(fx, "sys/bus/pci/devices/0000:01:00.2/reset_method", "flr\n");
	assert_driver(fx, "0000:01:00.1", NULL);

	nvme.group = 12;
	fx_device(fx, "0000:ff:00.0", &nvme);
	sriov_attrs(fx, "0000:ff:00.0", "2\n", "384\n", "1\n", "10\n");
	assert_int_equal(MW(fx, "write", DEV("0000:ff:00.0", "sriov_numvfs"), "1"), ENOMEM);
	assert_file(fx, "sys/bus/pci/devices/0000:ff:00.0/sriov_numvfs", "0\n");
	assert_false(fx_exists(fx, "sys/bus/pci/devices/0000:ff:00.0/virtfn0"));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_82576, teardown)
	const struct CMUnitTest tests[] = {
		T(test_numvfs_makes_vfs_and_probes),
		T(test_numvfs_refusals),
		T(test_autoprobe_off_binds_nothing),
		T(test_driver_loaded_later_skips_autoprobe_off_vfs),
		T(test_same_bus_vfs_and_bus_overflow),
	};
#undef T

	return cmocka_run_group_tests_name("mock-sriov", tests, NULL, NULL);
}
