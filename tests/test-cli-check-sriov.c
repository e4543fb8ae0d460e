// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot check, items "sriov" and "override", on the q35 stand-in with an 82576 port
 * behind a root port of its own: sriov_numvfs against `vfs =`, VFs claimed but off vfio-pci,
 * stray VFs on vfio-pci, VFs on different drivers, a PF on vfio-pci under host-driven VFs, a
 * VF whose PF has no driver; driver_override left on a device no section selects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "cli-test.h"

#define PORT "0000:00:05.0"
#define PF   "0000:05:00.0"
#define VF0  "0000:05:10.0"
#define VF1  "0000:05:10.1"
#define VF2  "0000:05:10.2"

static const char *const vfs[] = {VF0, VF1, VF2};

/* The PF on igb with numvfs VFs, on no driver yet. */
static void nic(struct fx *fx, unsigned numvfs)
{
	fx_driver(fx, "igb", NULL);
	fx_driver(fx, "igbvf", NULL);
	fx_driver(fx, "vfio-pci", NULL);
	fx_port(fx, PORT, NULL, 6);
	fx_device(fx, PF,
		  &(struct fx_dev){.parent = PORT,
				   .vendor = 0x8086,
				   .device = 0x10c9,
				   .class = 0x020000,
				   .group = 6,
				   .host_driver = "igb",
				   .bound = true});
	fx_sriov_pf(fx, PF, 7, numvfs);
	for (unsigned n = 0; n < numvfs; n++)
		fx_vf(fx, PF, n, vfs[n], 0x8086, 0x10ca, 7 + (int)n);
}

static void test_numvfs_as_asked(void **state)
{
	struct fx *fx = *state;
	struct out o;

	nic(fx, 2);
	fx_bind(fx, VF0, "vfio-pci");
	fx_bind(fx, VF1, "vfio-pci");
	config(fx, "[device vfs]\nmatch = id=8086:10c9\nvfs = 2\n");
	o = run(fx, "check", "vfs", NULL);
	expect_out(&o, "PASS " PF " [device vfs]: sriov: 2 VFs, as [device vfs] asks\n");
	expect_out(&o, "PASS " VF0 " [device vfs]: sriov: VF 0 of " PF ", whose driver is igb\n");
	expect_out(&o, "PASS " VF1 " [device vfs]: sriov: VF 1 of " PF ", whose driver is igb\n");
	expect_no_out(&o, "WARN " PF);
	out_free(&o);

	/* Neither PF nor VF. */
	config(fx, "[device gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	o = run(fx, "check", "gpu", NULL);
	expect_out(&o, "PASS 0000:02:00.0 [device gpu]: sriov: not an SR-IOV device\n");
	out_free(&o);
}

static void test_numvfs_differs(void **state)
{
	struct fx *fx = *state;
	struct out o;

	nic(fx, 1);
	fx_bind(fx, VF0, "vfio-pci");
	config(fx, "[device vfs]\nmatch = id=8086:10c9\nvfs = 2\nvf-index = 0\n");
	o = run(fx, "check", "vfs", NULL);
	expect_status(&o, 2);
	expect_out(&o, "FAIL " PF " [device vfs]: sriov: 1 VF, [device vfs] asks for 2 (vfs = 2): "
		       "the VFs it claims do not exist\n"
		       "     fix: see what the binder recorded (`vfio-boot status`); once nothing "
		       "uses the VFs: echo 0 > /sys/bus/pci/devices/" PF "/sriov_numvfs, then echo "
		       "2 to it\n");
	out_free(&o);

	config(fx, "[device vfs]\nmatch = id=8086:10c9\nvfs = 1\n");
	fx_sriov_pf(fx, PF, 7, 2);
	fx_vf(fx, PF, 1, VF1, 0x8086, 0x10ca, 8);
	o = run(fx, "check", "vfs", NULL);
	expect_out(&o, "WARN " PF " [device vfs]: sriov: 2 VFs, [device vfs] asks for 1 (vfs = 1)");
	expect_out(&o, "     fix: set vfs = 2 in [device vfs]");
	out_free(&o);
}

/* VF 0 claimed but on igbvf; VF 1 on vfio-pci though vf-index leaves it out. */
static void test_vf_drivers(void **state)
{
	struct fx *fx = *state;
	struct out o;

	nic(fx, 2);
	fx_bind(fx, VF0, "igbvf");
	fx_bind(fx, VF1, "vfio-pci");
	config(fx, "[device vfs]\nmatch = id=8086:10c9\nvfs = 2\nvf-index = 0\n");
	o = run(fx, "check", "vfs", NULL);
	expect_status(&o, 2);
	expect_out(&o, "FAIL " PF " [device vfs]: sriov: VF 0 (" VF0 ") is claimed but on igbvf, "
		       "not vfio-pci\n"
		       "     fix: see `vfio-boot status` for why, then vfio-boot claim " VF0 "\n");
	expect_out(&o, "WARN " PF " [device vfs]: sriov: VF 1 (" VF1 ") is on vfio-pci but no "
		       "section claims it: left from an earlier config or by hand\n"
		       "     fix: vfio-boot release " VF1);
	out_free(&o);
}

/* No section makes VFs of it: its VFs alone, by address. */
static void test_vfs_unclaimed(void **state)
{
	struct fx *fx = *state;
	struct out o;

	nic(fx, 3);
	fx_bind(fx, VF0, "igbvf");
	fx_bind(fx, VF1, "igbvf");
	config(fx, "[device gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	o = run(fx, "check", PF, NULL);
	expect_out(&o, "PASS " PF ": sriov: a PF with 3 of 7 VFs; no section makes VFs of it\n");
	expect_out(
		&o,
		"WARN " PF ": sriov: the VFs of " PF " no section claims are on different "
		"drivers: " VF0 " (igbvf), " VF1 " (igbvf), " VF2 " (no driver)\n"
		"     fix: for vf in " VF0 " " VF1 " " VF2 "; do echo > "
		"/sys/bus/pci/devices/$vf/driver_override; [ -e /sys/bus/pci/devices/$vf/driver ] "
		"&& echo $vf > /sys/bus/pci/devices/$vf/driver/unbind; echo $vf > "
		"/sys/bus/pci/drivers_probe; done (each on the driver its PF's VFs take), or "
		"claim them in a section\n");
	expect_no_out(&o, "vfio-pci while");
	out_free(&o);

	/* The PF given to vfio-pci under VFs the host drives. */
	rebind(fx, PF, "vfio-pci");
	o = run(fx, "check", PF, NULL);
	expect_out(&o, "WARN " PF ": sriov: the PF " PF " is on vfio-pci while its VFs are on host "
		       "drivers: " VF0 " (igbvf), " VF1 " (igbvf)");
	out_free(&o);
}

static void test_vf_pf_without_driver(void **state)
{
	struct fx *fx = *state;
	char rel[128];
	char *p;
	struct out o;

	nic(fx, 1);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver", PF);
	p = fx_path(fx, rel);
	assert_int_equal(unlink(p), 0);
	free(p);
	fx_unbind(fx, PF);
	o = run(fx, "check", VF0, NULL);
	expect_out(&o, "WARN " VF0 ": sriov: VF 0 of " PF ", which has no driver");
	expect_out(&o, "     fix: bind the PF to its host driver (echo " PF
		       " > /sys/bus/pci/drivers_probe) before the guest starts\n");
	out_free(&o);
}

static void test_overrides(void **state)
{
	struct fx *fx = *state;
	char *p;
	struct out o;

	config(fx, "[device gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	o = run(fx, "check", NULL);
	expect_out(&o, "PASS override: no driver_override left on a device no section selects\n");
	out_free(&o);

	/* One on a device the config selects is vfio-boot's own; one on a NIC is left over. */
	fx_override(fx, "0000:02:00.0", "vfio-pci");
	fx_override(fx, "0000:03:01.0", "vfio-pci");
	o = run(fx, "check", NULL);
	expect_out(&o, "WARN 0000:03:01.0: override: driver_override is vfio-pci on 8086:100e "
		       "(driver e1000), which no section selects: its next probe binds it to "
		       "vfio-pci, not its own driver\n"
		       "     fix: echo > /sys/bus/pci/devices/0000:03:01.0/driver_override; echo "
		       "0000:03:01.0 > /sys/bus/pci/drivers_probe\n");
	expect_no_out(&o, "0000:02:00.0: override");
	expect_no_out(&o, "PASS override");
	out_free(&o);

	/* Not with a SECTION or ADDRESS: the per-device checks only. */
	o = run(fx, "check", "gpu", NULL);
	expect_no_out(&o, "override:");
	out_free(&o);

	p = fx_path(fx, "sys/bus/pci/devices/0000:03:01.0/driver_override");
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	o = run(fx, "check", NULL);
	expect_out(&o, "WARN 0000:03:01.0: override: driver_override cannot be read (Is a "
		       "directory)\n");
	out_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_numvfs_as_asked, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_numvfs_differs, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_vf_drivers, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_vfs_unclaimed, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_vf_pf_without_driver, cli_setup_q35,
						cli_teardown),
		cmocka_unit_test_setup_teardown(test_overrides, cli_setup_q35, cli_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
