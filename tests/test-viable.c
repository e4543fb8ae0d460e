// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IOMMU group viability on the q35 stand-in (tests/mock/fixture.h): every endpoint of the
 * group on vfio-pci, pci-stub or no driver; bridges never count.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "pci.h"
#include "runner/runner-fixture.h"
#include "sysroot.h"
#include "viable.h"

#define NIC0 "0000:03:01.0"
#define NIC1 "0000:03:02.0"

static struct fx *fx;

static int setup(void **state)
{
	(void)state;
	fx = fx_new();
	fx_q35_two_gpus(fx);
	fx_driver(fx, "vfio-pci", "vfio_pci");
	fx_driver(fx, "pci-stub", NULL);
	assert_int_equal(vb_root_set(fx_root(fx)), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vb_root_set("/");
	fx_free(fx);
	return 0;
}

static int viable(const char *addr, struct vb_viable *v)
{
	struct vb_pci pci = {0};
	int r;

	assert_int_equal(vb_pci_scan(&pci), 0);
	r = vb_group_viable(&pci, addr, v);
	/* blocker_driver points into pci: keep a copy of what the test looks at. */
	if (v->blocker_driver) {
		static char drv[64];
		snprintf(drv, sizeof(drv), "%s", v->blocker_driver);
		v->blocker_driver = drv;
	}
	if (v->blocker_unreadable) {
		static char why[256];
		snprintf(why, sizeof(why), "%s", v->blocker_unreadable);
		v->blocker_unreadable = why;
	}
	vb_pci_free(&pci);
	return r;
}

static void test_host_driver_blocks(void **state)
{
	struct vb_viable v;

	(void)state;
	assert_int_equal(viable(RF_GPU1, &v), -EBUSY);
	assert_int_equal(v.group, 2);
	assert_string_equal(v.blocker, RF_GPU1);
	assert_string_equal(v.blocker_driver, "bochs-drm");

	rf_rebind(fx, RF_GPU1, "vfio-pci");
	assert_int_equal(viable(RF_GPU1, &v), -EBUSY);
	assert_string_equal(v.blocker, RF_AUDIO1);
	assert_string_equal(v.blocker_driver, "snd_hda_intel");
}

static void test_viable_group(void **state)
{
	struct vb_viable v;

	(void)state;
	rf_rebind(fx, RF_GPU1, "vfio-pci");
	rf_rebind(fx, RF_AUDIO1, "vfio-pci");
	assert_int_equal(viable(RF_GPU1, &v), 0);
	assert_int_equal(v.n_endpoints, 2); /* the root port 00:02.0 is no endpoint */
	assert_string_equal(v.blocker, "");

	rf_rebind(fx, RF_AUDIO1, NULL);
	assert_int_equal(viable(RF_AUDIO1, &v), 0);
	rf_rebind(fx, RF_AUDIO1, "pci-stub");
	assert_int_equal(viable(RF_GPU1, &v), 0);
}

/* relink ADDR's ATTR: a link to TARGET, or a plain file (TARGET NULL) where a link should be. */
static void relink(const char *addr, const char *attr, const char *target)
{
	char *p, *rel;

	assert_true(asprintf(&rel, "sys/bus/pci/devices/%s/%s", addr, attr) > 0);
	p = fx_path(fx, rel);
	assert_int_equal(unlink(p), 0);
	if (target)
		assert_int_equal(symlink(target, p), 0);
	else
		fx_write(fx, rel, "snd_hda_intel\n", 0644);
	free(p);
	free(rel);
}

/*
 * The audio function's group link names no group: it may be in the GPU's group, on its host
 * driver, so the GPU's group cannot be called viable.
 */
static void test_unreadable_group_blocks(void **state)
{
	struct vb_viable v;

	(void)state;
	rf_rebind(fx, RF_GPU1, "vfio-pci");
	relink(RF_AUDIO1, "iommu_group", "../../../../kernel/iommu_groups/x");
	assert_int_equal(viable(RF_GPU1, &v), -EIO);
	assert_string_equal(v.blocker, RF_AUDIO1);
	assert_non_null(v.blocker_unreadable);
	assert_non_null(strstr(v.blocker_unreadable, "iommu_group"));
}

/*
 * A driver "link" that is no link cannot say the audio function is off its host driver (the
 * scan reads the link when there is no uevent to say).
 */
static void test_unreadable_driver_blocks(void **state)
{
	struct vb_viable v;
	char *p;

	(void)state;
	rf_rebind(fx, RF_GPU1, "vfio-pci");
	rf_rebind(fx, RF_AUDIO1, "vfio-pci");
	relink(RF_AUDIO1, "driver", NULL);
	p = fx_path(fx, "sys/bus/pci/devices/" RF_AUDIO1 "/uevent");
	assert_int_equal(unlink(p), 0);
	free(p);
	assert_int_equal(viable(RF_GPU1, &v), -EIO);
	assert_string_equal(v.blocker, RF_AUDIO1);
	assert_non_null(v.blocker_unreadable);
	assert_non_null(strstr(v.blocker_unreadable, "driver"));
}

/* Group 3 holds a PCIe-to-PCI bridge and two NICs behind it. */
static void test_bridge_never_counts(void **state)
{
	struct vb_viable v;

	(void)state;
	rf_rebind(fx, NIC0, "vfio-pci");
	assert_int_equal(viable(NIC0, &v), -EBUSY);
	assert_string_equal(v.blocker, NIC1);
	rf_rebind(fx, NIC1, "vfio-pci");
	assert_int_equal(viable(NIC0, &v), 0);
	assert_int_equal(v.group, 3);
	assert_int_equal(v.n_endpoints, 2);
}

static void test_absent_and_groupless(void **state)
{
	struct vb_viable v;

	(void)state;
	assert_int_equal(viable("0000:09:00.0", &v), -ENODEV);
	assert_int_equal(v.group, -1);
	fx_device(fx, "0000:00:05.0",
		  &(struct fx_dev){
			  .vendor = 0x8086, .device = 0x100e, .class = 0x020000, .group = -1});
	assert_int_equal(viable("0000:00:05.0", &v), -ENXIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_host_driver_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_viable_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bridge_never_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absent_and_groupless, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_group_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_driver_blocks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
