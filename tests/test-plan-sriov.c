// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Planning with SR-IOV: a VF is a device of its own, never a function of its PF nor of the VFs
 * beside it; what is read of SR-IOV, and only for the devices that need it (sections with
 * `vfs =`: test-plan-vfs).
 */
#include <errno.h>
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

#include "cmdline.h"
#include "config.h"
#include "fixture.h"
#include "log.h"
#include "pci.h"
#include "plan.h"
#include "sysroot.h"
#include "util.h"
#include "plan-test.h"

#include "plan-sriov-test.h"

/* ---- a VF is never a function of anything ---- */

static void test_82576_vf_by_address_takes_only_it(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	nic_82576(7);
	/* 07:10.2 is port 0's VF 1; the rest of slot 10 are other VFs, some the other port's. */
	plan_for("[device vf]\nmatch = address=0000:07:10.2\n", NULL);
	s = section("vf");
	assert_status(s, VB_PLAN_OK);
	assert_devs(s, "0000:07:10.2");
}

static void test_82576_vf_by_id_takes_every_vf_alone(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	nic_82576(7);
	plan_for("[device vfs]\nmatch = id=8086:10ca\ncount = 14\n", NULL);
	s = section("vfs");
	assert_status(s, VB_PLAN_OK);
	assert_int_equal(s->n_devs, 14);
	for (size_t i = 0; i < s->n_devs; i++)
		assert_string_equal(s->devs[i].reason, "matched");
}

static void test_82576_port_does_not_take_vfs(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	nic_82576(7);
	/* Port 0's functions are its slot's: port 1, never a VF. */
	plan_for("[device port]\nmatch = address=" PF0 "\ngroup = claim\n", NULL);
	s = section("port");
	assert_status(s, VB_PLAN_OK);
	assert_devs(s, PF0, PF1);
	assert_string_equal(dev_reason(s, PF1), "function of " PF0);
}

static void test_nvme_pf_functions_all_leaves_vfs(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	qemu_nvme(2, true);
	plan_for("[device nvme]\nmatch = address=" NVME_PF "\nfunctions = all\nallow = storage\n",
		 NULL);
	s = section("nvme");
	assert_status(s, VB_PLAN_OK);
	assert_devs(s, NVME_PF);
}

static void test_nvme_vf_leaves_pf_and_other_vf(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	qemu_nvme(2, true);
	plan_for("[device vf]\nmatch = address=" NVME_VF1 "\nallow = storage\n", NULL);
	s = section("vf");
	assert_status(s, VB_PLAN_OK);
	assert_devs(s, NVME_VF1);
}

static void test_sriov_load_reads_physfn_and_index(void **state)
{
	struct vb_pci_dev *d;
	char addr[VB_ADDR_MAX];

	(void)state;
	nic_82576(7);
	scan();
	d = vb_pci_find(&pci, PF1);
	assert_int_equal(d->vf_index, -1);
	assert_int_equal(vb_pci_load_sriov(d), 0);
	assert_string_equal(d->physfn, "");
	assert_int_equal(d->vf_index, -1);
	for (unsigned p = 0; p < 2; p++)
		for (unsigned n = 0; n < 7; n++) {
			vf_addr(p, n, addr);
			d = vb_pci_find(&pci, addr);
			assert_non_null(d);
			assert_int_equal(d->vf_index, -1);
			assert_int_equal(vb_pci_load_sriov(d), 0);
			assert_null(d->unreadable);
			assert_string_equal(d->physfn, p ? PF1 : PF0);
			assert_int_equal(d->vf_index, n);
		}
}

static void test_sriov_load_without_offset_reads_links(void **state)
{
	struct vb_pci_dev *d;

	(void)state;
	nic_82576(7);
	/* A PF that does not say where its VFs sit: its links are read in turn. */
	rm(DEV_ATTR(PF1, "sriov_offset"));
	scan();
	d = vb_pci_find(&pci, "0000:07:11.3"); /* port 1's VF 5 */
	assert_int_equal(vb_pci_load_sriov(d), 0);
	assert_string_equal(d->physfn, PF1);
	assert_int_equal(d->vf_index, 5);
}

static void test_sriov_readers(void **state)
{
	unsigned n = 99;
	char addr[VB_ADDR_MAX];

	(void)state;
	nic_82576(7);
	endpoint("0000:00:04.0", NULL, 0x8086, 0x100e, 0x020000, 5, "e1000");
	scan();
	assert_int_equal(vb_pci_sriov_totalvfs(PF0, &n), 0);
	assert_int_equal(n, 7);
	assert_int_equal(vb_pci_sriov_numvfs(PF1, &n), 0);
	assert_int_equal(n, 7);
	assert_int_equal(vb_pci_sriov_vf(PF1, 6, addr), 0);
	assert_string_equal(addr, "0000:07:11.5");
	assert_int_equal(vb_pci_sriov_vf(PF1, 7, addr), -ENOENT);
	/* No SR-IOV: said as such, not as an unreadable attribute. */
	assert_int_equal(vb_pci_sriov_totalvfs("0000:00:04.0", &n), -ENOENT);
	assert_int_equal(vb_pci_sriov_numvfs("0000:00:04.0", &n), -ENOENT);
	fx_write(fx, DEV_ATTR(PF0, "sriov_numvfs"), "seven\n", 0644);
	assert_int_equal(vb_pci_sriov_numvfs(PF0, &n), -EBADMSG);
}

/* A physfn that leads nowhere: whether the device is a VF cannot be told. */
static void break_physfn(const char *addr)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/physfn", addr);
	rm(rel);
	fx_symlink(fx, rel, "sys/nothing-there");
}

static void test_unreadable_physfn_of_slot_mate_refuses(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	qemu_nvme(2, true);
	break_physfn(NVME_VF1);
	/* It may be a function of the PF or a VF: the section is refused, not guessed. */
	plan_for("[device nvme]\nmatch = address=" NVME_PF "\nallow = storage\n", NULL);
	s = section("nvme");
	assert_status(s, VB_PLAN_UNREADABLE);
	assert_why(s, NVME_VF1);
	assert_why(s, "physfn");
}

static void test_unreadable_physfn_of_match_refuses(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	qemu_nvme(2, true);
	break_physfn(NVME_VF0);
	plan_for("[device vf]\nmatch = address=" NVME_VF0 "\nallow = storage\n", NULL);
	s = section("vf");
	assert_status(s, VB_PLAN_UNREADABLE);
	assert_why(s, "physfn: link to \"");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_82576_vf_by_address_takes_only_it),
		T(test_82576_vf_by_id_takes_every_vf_alone),
		T(test_82576_port_does_not_take_vfs),
		T(test_nvme_pf_functions_all_leaves_vfs),
		T(test_nvme_vf_leaves_pf_and_other_vf),
		T(test_sriov_load_reads_physfn_and_index),
		T(test_sriov_load_without_offset_reads_links),
		T(test_sriov_readers),
		T(test_unreadable_physfn_of_slot_mate_refuses),
		T(test_unreadable_physfn_of_match_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
