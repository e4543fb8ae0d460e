// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot check's device nodes on fake trees: /dev/kvm, and the vfio container
 * /dev/vfio/vfio with vfio loaded or not, built in, and beside iommufd's /dev/iommu.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli-test.h"

static void expect_line(const struct out *o, const char *text)
{
	if (!strstr(o->out, text))
		fail_msg("check output lacks \"%s\":\n%s", text, o->out);
}

static void expect_no(const struct out *o, const char *text)
{
	if (strstr(o->out, text))
		fail_msg("check output has \"%s\":\n%s", text, o->out);
}

/* The q35 stand-in on an Intel CPU. */
static int setup(void **state)
{
	cli_setup_q35(state);
	fx_write(*state, "proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vme vmx sse\n", 0644);
	return 0;
}

/* A host with both nodes: nothing to fix. */
static void test_nodes_there(void **state)
{
	struct fx *fx = *state;
	struct out o;

	fx_module(fx, "vfio", FX_LOADED);
	fx_write(fx, "dev/kvm", "", 0660);
	fx_write(fx, "dev/vfio/vfio", "", 0666);
	o = run(fx, "check", NULL);
	expect_line(&o, "PASS KVM: /dev/kvm is there\n");
	expect_line(&o, "PASS vfio container: /dev/vfio/vfio is there\n");
	out_free(&o);
	o = run(fx, "check", "--json", NULL);
	expect_line(&o, "\"item\": \"kvm\"");
	expect_line(&o, "\"item\": \"vfio-container\"");
	out_free(&o);
}

/* No /dev/kvm: the device still works in an emulated guest, so a warning, not a failure. */
static void test_no_kvm(void **state)
{
	struct fx *fx = *state;
	struct out o;

	fx_module(fx, "vfio", FX_LOADED);
	fx_write(fx, "dev/vfio/vfio", "", 0666);
	o = run(fx, "check", NULL);
	expect_line(&o,
		    "WARN KVM: no /dev/kvm: guests run emulated (TCG), slowly; an assigned "
		    "device works without it\n"
		    "     fix: load kvm_intel (modprobe kvm_intel); if it refuses, enable VT-x in "
		    "the firmware settings\n");
	expect_no(&o, "FAIL KVM");
	out_free(&o);

	/* The fix names the module of the CPU's maker. */
	fx_write(fx, "proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu svm sse\n", 0644);
	o = run(fx, "check", NULL);
	expect_line(&o, "     fix: load kvm_amd (modprobe kvm_amd); if it refuses, enable SVM in "
			"the firmware settings\n");
	out_free(&o);
}

/* vfio not loaded yet (nothing claimed): the container appears with it. */
static void test_vfio_not_loaded(void **state)
{
	struct fx *fx = *state;
	struct out o;

	fx_write(fx, "dev/kvm", "", 0660);
	o = run(fx, "check", NULL);
	expect_line(&o,
		    "WARN vfio container: no /dev/vfio/vfio: vfio is not loaded (its "
		    "container appears when it is)\n"
		    "     fix: modprobe vfio-pci, or claim a device (vfio-boot claim SECTION)\n");
	out_free(&o);
}

/* vfio there (loaded or built in) without a container: QEMU cannot open a group. */
static void test_vfio_without_container(void **state)
{
	struct fx *fx = *state;
	struct out o;

	fx_module(fx, "vfio", FX_BUILTIN);
	o = run(fx, "check", NULL);
	assert_int_equal(o.status, 2);
	expect_line(&o, "FAIL vfio container: vfio is loaded but there is no /dev/vfio/vfio "
			"(nor /dev/iommu): QEMU has no way to open an IOMMU group\n"
			"     fix: use a kernel with CONFIG_VFIO_CONTAINER or "
			"CONFIG_IOMMUFD_VFIO_CONTAINER");
	out_free(&o);

	/* iommufd alone: a QEMU and libvirt that use it can still assign the device. */
	fx_write(fx, "dev/iommu", "", 0660);
	o = run(fx, "check", NULL);
	expect_line(&o, "WARN vfio container: vfio is loaded but there is no /dev/vfio/vfio, "
			"only iommufd's /dev/iommu\n");
	expect_no(&o, "FAIL vfio container");
	out_free(&o);
}

/* A tree without /dev (a capture of /sys and /proc): no answer either way, never a FAIL. */
static void test_no_dev(void **state)
{
	struct fx *fx = *state;
	char *dev = fx_path(fx, "dev");
	char cmd[600];
	struct out o;

	fx_module(fx, "vfio", FX_LOADED);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dev);
	assert_int_equal(system(cmd), 0);
	free(dev);
	o = run(fx, "check", NULL);
	expect_line(&o, "WARN KVM: cannot tell: no ");
	expect_line(&o, "WARN vfio container: cannot tell: no ");
	expect_no(&o, "FAIL vfio container");
	out_free(&o);
}

/* A device's checks alone (check ADDRESS) leave the host lines out. */
static void test_target_has_no_host_lines(void **state)
{
	struct fx *fx = *state;
	struct out o;

	o = run(fx, "check", "0000:02:00.0", NULL);
	expect_no(&o, "KVM:");
	expect_no(&o, "vfio container:");
	out_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nodes_there, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_no_kvm, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_vfio_not_loaded, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_vfio_without_container, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_no_dev, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_target_has_no_host_lines, setup, cli_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
