// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The binder and sections whose devices come later: hot-plug sections with fewer devices than
 * their count, VF sections whose VFs are not made yet. Pending is no error: said at info level,
 * recorded, counted apart; the devices that are there are claimed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "binder-test.h"

static void hotplug_none_here_is_pending(void **state)
{
	struct fx *fx = *state;

	conf(fx, "[device egpu]\nmatch = id=10de:2204\nhotplug = yes\n");
	run(fx, NULL);
	assert_record(fx, "sections/egpu", "status=pending\n");
	assert_record(fx, "sections/egpu", "0 of 1 devices of a hot-plug section are here");
	assert_record(fx, "status", "refused=0\n");
	assert_kmsg(fx, "0 sections refused, 1 pending (done)");
	/* Said, but not as an error. */
	assert_int_equal(kmsg_has(fx, "<3>vfio-boot: [device egpu]"), 0);
	assert_kmsg(fx, "[device egpu]");
	assert_host_untouched(fx);
}

static void hotplug_fewer_claims_those_here(void **state)
{
	struct fx *fx = *state;

	conf(fx, "[device gpus]\nmatch = id=1234:1111 boot_vga=0\ncount = 2\nhotplug = yes\n");
	run(fx, NULL);
	assert_driver(fx, GPU1, "vfio-pci");
	assert_driver(fx, AUDIO1, "vfio-pci");
	assert_driver(fx, GPU0, "bochs-drm");
	assert_record(fx, "devices/" GPU1, "outcome=claimed\n");
	/* Claimed what is here, still waiting for one more. */
	assert_record(fx, "sections/gpus", "status=pending\n");
	assert_record(fx, "sections/gpus", "2 of 2 devices on vfio-pci; 1 of 2 devices");
	assert_kmsg(fx, "2 claimed, 0 failed, 0 sections refused, 1 pending (done)");
}

static void no_pending_line_unchanged(void **state)
{
	struct fx *fx = *state;

	conf(fx, "[device gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run(fx, NULL);
	assert_kmsg(fx, "2 claimed, 0 failed, 0 sections refused (done)");
	assert_int_equal(kmsg_has(fx, "pending"), 0);
}

static void vfs_not_made_is_pending(void **state)
{
	struct fx *fx = *state;

	fx_sriov_pf(fx, NIC0, 7, 0);
	conf(fx, "[device vf]\nmatch = address=" NIC0 "\nvfs = 2\n");
	run(fx, NULL);
	assert_record(fx, "sections/vf", "status=pending\n");
	assert_record(fx, "sections/vf", "the VFs of " NIC0 " are not made yet");
	assert_kmsg(fx, "1 pending (done)");
	/* The PF is never claimed, and nothing is written: the VFs are made after boot. */
	assert_driver(fx, NIC0, "e1000");
	assert_host_untouched(fx);
}

static void vf_claimed_pf_and_other_vf_left(void **state)
{
	struct fx *fx = *state;

	fx_sriov_pf(fx, NIC0, 2, 2);
	fx_vf(fx, NIC0, 0, "0000:03:01.1", 0x8086, 0x10ca, 30);
	fx_vf(fx, NIC0, 1, "0000:03:01.2", 0x8086, 0x10ca, 31);
	conf(fx, "[device vf]\nmatch = address=" NIC0 "\nvfs = 2\nvf-index = 1\n");
	run(fx, NULL);
	assert_driver(fx, "0000:03:01.2", "vfio-pci");
	assert_driver(fx, "0000:03:01.1", NULL);
	assert_driver(fx, NIC0, "e1000");
	assert_record(fx, "sections/vf", "status=claimed\n");
	assert_record(fx, "devices/0000:03:01.2", "outcome=claimed\n");
	assert_kmsg(fx, "0 sections refused (done)");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(hotplug_none_here_is_pending),    T(hotplug_fewer_claims_those_here),
		T(no_pending_line_unchanged),	    T(vfs_not_made_is_pending),
		T(vf_claimed_pf_and_other_vf_left),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
