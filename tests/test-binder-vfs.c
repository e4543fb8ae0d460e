// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The binder after boot for SR-IOV: a PF's bind (or add) event makes the VFs of its `vfs =`
 * section with autoprobe off, claims the chosen ones and gives the others to the host; a VF's
 * own add event claims it when its index is chosen; refusals leave the PF as it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "fixture.h"
#include "plan.h"
#include "binder-test.h"

#include "binder-event-test.h"

static void append(struct fx *fx, const char *rel, const char *line)
{
	char *old = fx_read(fx, rel), *text;

	assert_true(asprintf(&text, "%s%s", old ? old : "", line) > 0);
	fx_write(fx, rel, text, 0644);
	free(text);
	free(old);
}

/* An 82576-like PF whose VFs sit beside it (offset 1, stride 1), as QEMU's NVMe's do. */
static void pf(struct fx *fx, const char *numvfs)
{
	const char *const attrs[][2] = {
		{"sriov_totalvfs", "7\n"},
		{"sriov_numvfs", numvfs},
		{"sriov_drivers_autoprobe", "1\n"},
		{"sriov_offset", "1\n"},
		{"sriov_stride", "1\n"},
		{"sriov_vf_device", "10ca\n"},
	};
	char rel[128];

	nic(fx, PF, PORT5, 0x10c9, 6, true);
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/%s", PF, attrs[i][0]);
		fx_write(fx, rel, attrs[i][1], 0644);
	}
	fx_driver(fx, "igbvf", "igbvf");
	append(fx, ".mock/natural-drivers", "8086:10ca igbvf\n");
}

#define VF_CONF "[device vf]\nmatch = id=8086:10c9\nvfs = 3\nvf-index = 1\n"

static void vf_pf_bind_makes_and_claims_chosen(void **state)
{
	struct fx *fx = *state;
	conf(fx, VF_CONF);
	pf(fx, "0\n");
	event(fx, "bind", PF);
	assert_driver(fx, PF, "e1000");
	assert_driver(fx, VF1, "vfio-pci");
	/* The others go to the host once the chosen one is claimed. */
	assert_driver(fx, VF0, "igbvf");
	assert_driver(fx, VF2, "igbvf");
	/* The chosen VF was never probed by its host driver. */
	assert_int_equal(fx_count_lines_matching(fx, ".mock/probes.log", VF1 "\tigbvf"), 0);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", "new_id"), 0);
	assert_int_equal(
		fx_count_lines_matching(fx, ".mock/writes.log", "sriov_drivers_autoprobe\t0\tok"),
		1);
	assert_kmsg(fx, "made 3 VFs on " PF);
	assert_kmsg(fx, "after sriov_numvfs was written");
	assert_kmsg(fx, VF0 " (VF 0 of " PF ") not chosen: igbvf");
	assert_record(fx, "devices/" VF1, "by=sriov\n");
	assert_record(fx, "devices/" VF1, "pf=" PF "\n");
	assert_record(fx, "devices/" VF1, "vf_index=1\n");
	assert_record(fx, "sections/vf", "status=claimed\n");
}

/* Again: the same number is there, nothing is written but the claim that is done already. */
/*
 * Each VF made has its own add event, which comes after the PF's run claimed it: the record
 * of that claim (what drove the VF before, who claimed it) stays as it was.
 */
static void vf_own_add_keeps_the_claim_record(void **state)
{
	struct fx *fx = *state;
	conf(fx, VF_CONF);
	pf(fx, "0\n");
	event(fx, "bind", PF);
	assert_record(fx, "devices/" VF1, "outcome=claimed\n");
	event(fx, "add", VF1);
	assert_driver(fx, VF1, "vfio-pci");
	assert_record(fx, "devices/" VF1, "outcome=claimed\n");
	assert_record(fx, "devices/" VF1, "driver_before=none\n");
	assert_record(fx, "sections/vf", "status=claimed\n");
}

static void vf_again_is_harmless(void **state)
{
	struct fx *fx = *state;
	conf(fx, VF_CONF);
	pf(fx, "0\n");
	event(fx, "bind", PF);
	fx_write(fx, ".mock/writes.log", "", 0644);
	event(fx, "bind", PF);
	assert_driver(fx, VF1, "vfio-pci");
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", "sriov_numvfs"), 0);
}

static void vf_other_number_refused(void **state)
{
	struct fx *fx = *state;
	conf(fx, VF_CONF);
	pf(fx, "0\n");
	/* Two VFs made by someone else. */
	{
		const char *argv[] = {fx_mock_write(), "write",
				      "/sys/bus/pci/devices/" PF "/sriov_numvfs", "2", NULL};
		assert_int_equal(fx_run(fx, argv), 0);
	}
	fx_write(fx, ".mock/writes.log", "", 0644);
	event(fx, "bind", PF);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", "sriov_numvfs"), 0);
	assert_kmsg(fx, "has 2 VFs already, the config asks for 3: not changing the number");
	assert_record(fx, "sections/vf", "status=failed\n");
}

static void vf_above_totalvfs_refused(void **state)
{
	struct fx *fx = *state;
	conf(fx, "[device vf]\nmatch = id=8086:10c9\nvfs = 8\n");
	pf(fx, "0\n");
	event(fx, "bind", PF);
	assert_no_writes(fx);
	assert_kmsg(fx, "vfs = 8, but " PF " can have at most 7");
}

static void vf_pf_without_sriov_refused(void **state)
{
	struct fx *fx = *state;
	conf(fx, "[device vf]\nmatch = id=8086:10c9\nvfs = 2\n");
	nic(fx, PF, PORT5, 0x10c9, 6, true);
	event(fx, "bind", PF);
	assert_no_writes(fx);
	assert_kmsg(fx, "has no SR-IOV (no sriov_totalvfs)");
}

/* Its driver has not bound yet: nothing to do until its bind event. */
static void vf_pf_without_driver_waits(void **state)
{
	struct fx *fx = *state;
	conf(fx, VF_CONF);
	pf(fx, "0\n");
	fx_unbind(fx, PF);
	event(fx, "add", PF);
	assert_no_writes(fx);
	assert_kmsg(fx, PF " has no driver yet");
}

/* A VF's own add event, with its PF's VFs there: claimed when its index is chosen. */
static void vf_add_claims_chosen_index_only(void **state)
{
	struct fx *fx = *state;
	conf(fx, VF_CONF);
	pf(fx, "0\n");
	{
		const char *argv[] = {fx_mock_write(), "write",
				      "/sys/bus/pci/devices/" PF "/sriov_numvfs", "3", NULL};
		assert_int_equal(fx_run(fx, argv), 0);
	}
	fx_write(fx, ".mock/writes.log", "", 0644);
	event(fx, "add", VF0);
	assert_no_writes(fx);
	event(fx, "add", VF1);
	assert_driver(fx, VF1, "vfio-pci");
	assert_driver(fx, VF0, "igbvf");
	assert_driver(fx, VF2, "igbvf");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(vf_pf_bind_makes_and_claims_chosen, setup_hot,
						teardown),
		cmocka_unit_test_setup_teardown(vf_own_add_keeps_the_claim_record, setup_hot,
						teardown),
		cmocka_unit_test_setup_teardown(vf_again_is_harmless, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(vf_other_number_refused, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(vf_above_totalvfs_refused, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(vf_pf_without_sriov_refused, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(vf_pf_without_driver_waits, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(vf_add_claims_chosen_index_only, setup_hot,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
