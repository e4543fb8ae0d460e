// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The binder loading vfio with libkmod, on the real vfio modules of the installed Debian
 * kernel indexed by depmod, and never loading one into the running kernel for a --root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "binder-test.h"

static void vfio_pci_built_in(void **state)
{
	struct fx *fx = *state;

	fx_module(fx, "vfio", FX_BUILTIN);
	fx_module(fx, "vfio_iommu_type1", FX_BUILTIN);
	fx_module(fx, "vfio_pci", FX_BUILTIN);
	fx_driver(fx, "vfio-pci", NULL);
	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run(fx, NULL);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/modules.log", NULL), 0);
	assert_kmsg(fx, "module vfio_iommu_type1 is built into the kernel: nothing to load");
	assert_kmsg(fx, "module vfio_pci is built into the kernel: nothing to load");
	assert_int_equal(kmsg_has(fx, "loaded module"), 0);
	assert_driver(fx, GPU1, "vfio-pci");
	assert_driver(fx, AUDIO1, "vfio-pci");
}

/* Loaded before the binder ran (by an earlier hook): used as it is, and the log says so. */
static void vfio_loaded_already(void **state)
{
	struct fx *fx = *state;

	fx_module(fx, "vfio", FX_LOADED);
	fx_module(fx, "vfio_iommu_type1", FX_LOADED);
	fx_driver(fx, "vfio-pci", "vfio_pci");
	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run(fx, NULL);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/modules.log", NULL), 0);
	assert_kmsg(fx, "module vfio_iommu_type1 is loaded already: nothing to load");
	assert_kmsg(fx, "module vfio_pci is loaded already: nothing to load");
	assert_int_equal(kmsg_has(fx, "loaded module"), 0);
	assert_driver(fx, GPU1, "vfio-pci");
	assert_driver(fx, AUDIO1, "vfio-pci");
	assert_record(fx, "devices/" GPU1, "driver_before=bochs-drm\n");
}

static void vfio_module_missing(void **state)
{
	struct fx *fx = fx_new();

	fx_q35_two_gpus(fx);
	fx_osrelease(fx, "6.1.0-novfio");
	fx_cmdline(fx, "");
	assert_int_equal(fx_modules(fx, NULL, FX_WITHOUT_VFIO), 0);
	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run(fx, NULL);
	assert_no_writes(fx);
	assert_driver(fx, GPU1, "bochs-drm");
	assert_kmsg(fx, "is not in");
	assert_kmsg(fx, "vfio-pci is not available: claiming nothing");
	assert_record(fx, "status", "state=no-vfio\n");
	assert_record(fx, "sections/guest-gpu", "status=failed\n");
	fx_free(fx);
	(void)state;
}

static void module_load_fails(void **state)
{
	struct fx *fx = *state;

	fx_inject(fx, "module vfio_pci ENOEXEC");
	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run(fx, NULL);
	assert_no_writes(fx);
	assert_kmsg(fx, "loading module vfio_pci");
	assert_record(fx, "status", "state=no-vfio\n");
}

/*
 * A tree is not the running system: the modules it lacks would go into the running kernel, so
 * they are not loaded, and without vfio-pci on the tree nothing is claimed.
 */
static void root_never_loads_modules(void **state)
{
	struct fx *fx = *state;

	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run_on_tree(fx, NULL);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/modules.log", NULL), 0);
	assert_kmsg(fx, "not loading module vfio_pci: ");
	assert_kmsg(fx, "vfio-pci is not available: claiming nothing");
	assert_driver(fx, GPU1, "bochs-drm");
	assert_driver(fx, AUDIO1, "snd_hda_intel");
	assert_no_writes(fx);
	assert_record(fx, "status", "state=no-vfio\n");
	assert_record(fx, "sections/guest-gpu", "status=failed\n");
}

/* What the tree has built in or loaded already is used: only loading is left out. */
static void root_uses_vfio_already_there(void **state)
{
	struct fx *fx = *state;

	fx_module(fx, "vfio_iommu_type1", FX_BUILTIN);
	fx_driver(fx, "vfio-pci", "vfio_pci");
	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run_on_tree(fx, NULL);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/modules.log", NULL), 0);
	assert_driver(fx, GPU1, "vfio-pci");
	assert_record(fx, "status", "state=done\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(vfio_pci_built_in),
		T(vfio_loaded_already),
		cmocka_unit_test(vfio_module_missing),
		T(module_load_fails),
		T(root_never_loads_modules),
		T(root_uses_vfio_already_there),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
