// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Planning with SR-IOV: a VF is a device of its own, never a function of its PF nor of the VFs
 * beside it; a section with `vfs =` selects PFs and claims their VFs, refuses what would change
 * or cannot give the VFs asked, and is pending while they are not made yet.
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

/*
 * An 82576 as it sits on a desktop board: two ports behind one root port, 7 VFs each, whose
 * VFs interleave in slots 10 and 11 of the same bus (port 0's even functions, port 1's odd).
 */
#define RP	 "0000:00:1c.0"
#define PF0	 "0000:07:00.0"
#define PF1	 "0000:07:00.1"
#define PF0_PATH RP "/00.0"

/* VF n of port p: 07:10.0 + 2n + p. */
static void vf_addr(unsigned p, unsigned n, char addr[VB_ADDR_MAX])
{
	unsigned f = (2 * n + p) % 16;
	snprintf(addr, VB_ADDR_MAX, "0000:07:%02x.%u", 0x10 + f / 8, f % 8);
}

static void igb_port(const char *addr, int group)
{
	endpoint(addr, RP, 0x8086, 0x10c9, 0x020000, group, "igb");
}

/* The ports, and numvfs VFs of each (when made): VF n of port p in group 20 + 7p + n. */
static void nic_82576(unsigned numvfs)
{
	bridge(RP, NULL, 1);
	igb_port(PF0, 10);
	igb_port(PF1, 11);
	for (unsigned p = 0; p < 2; p++) {
		fx_sriov_pf(fx, p ? PF1 : PF0, 7, numvfs);
		for (unsigned n = 0; n < numvfs; n++) {
			char addr[VB_ADDR_MAX];
			vf_addr(p, n, addr);
			fx_vf(fx, p ? PF1 : PF0, n, addr, 0x8086, 0x10ca, 20 + 7 * p + n);
		}
	}
}

/* QEMU's NVMe with SR-IOV: the PF at 01:00.0, its VFs at 01:00.1 and 01:00.2. */
#define NVME_PORT "0000:00:02.0"
#define NVME_PF	  "0000:01:00.0"
#define NVME_VF0  "0000:01:00.1"
#define NVME_VF1  "0000:01:00.2"

static void qemu_nvme(unsigned numvfs, bool bound)
{
	bridge(NVME_PORT, NULL, 1);
	endpoint(NVME_PF, NVME_PORT, 0x1b36, 0x0010, 0x010802, 2, bound ? "nvme" : NULL);
	fx_sriov_pf(fx, NVME_PF, 2, numvfs);
	if (numvfs > 0)
		fx_vf(fx, NVME_PF, 0, NVME_VF0, 0x1b36, 0x0010, 3);
	if (numvfs > 1)
		fx_vf(fx, NVME_PF, 1, NVME_VF1, 0x1b36, 0x0010, 4);
}

/* Removes ROOT/rel. */
static void rm(const char *rel)
{
	char *p = fx_path(fx, rel);

	assert_int_equal(unlink(p), 0);
	free(p);
}

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

/* ---- sections with vfs = ---- */

static void test_82576_vf_by_pf_path_and_index(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	nic_82576(7);
	plan_for("[device vf]\nmatch = path=" PF0_PATH "\nvfs = 7\nvf-index = 3\n", NULL);
	s = section("vf");
	assert_status(s, VB_PLAN_OK);
	/* Port 0's VF 3 is 07:10.6: exactly it, neither its PF nor its slot's other VFs. */
	assert_devs(s, "0000:07:10.6");
	assert_why(s, "1 device matches \"path=" PF0_PATH "\": claiming 1 of their VFs");
	assert_string_equal(dev_reason(s, "0000:07:10.6"), "VF 3 of " PF0);
	assert_string_equal(pci.devs[s->devs[0].dev].physfn, PF0);
	assert_int_equal(pci.devs[s->devs[0].dev].vf_index, 3);
}

static void test_vfs_all_by_default_count_counts_pfs(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	nic_82576(7);
	/* Both ports, all their VFs; count = 2 counts the PFs. */
	plan_for("[device vfs]\nmatch = id=8086:10c9\ncount = 2\nvfs = 7\nvf-index = 0-1 6\n",
		 NULL);
	s = section("vfs");
	assert_status(s, VB_PLAN_OK);
	/* VFs 0, 1 and 6 of port 0 (07:10.0 + 2n) and of port 1 (07:10.1 + 2n). */
	assert_devs(s, "0000:07:10.0", "0000:07:10.2", "0000:07:11.4", "0000:07:10.1",
		    "0000:07:10.3", "0000:07:11.5");
}

static void test_vfs_matched_vf_is_no_pf(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	nic_82576(7);
	plan_for("[device vf]\nmatch = address=0000:07:10.2\nvfs = 1\n", NULL);
	s = section("vf");
	assert_status(s, VB_PLAN_GUARDED);
	assert_why(s, "0000:07:10.2 is VF 1 of " PF0 ", not a PF");
	assert_why(s, "match the PF " PF0);
	assert_int_equal(s->n_devs, 0);
}

static void test_vfs_pf_without_sriov(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	bridge(RP, NULL, 1);
	igb_port(PF0, 10);
	plan_for("[device vf]\nmatch = address=" PF0 "\nvfs = 2\n", NULL);
	s = section("vf");
	assert_status(s, VB_PLAN_GUARDED);
	assert_why(s, PF0 " has no SR-IOV (no sriov_totalvfs)");
	assert_int_equal(s->n_devs, 0);
	assert_false(vb_plan_waiting(&plan));
}

static void test_vfs_above_totalvfs(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	nic_82576(0);
	plan_for("[device vf]\nmatch = address=" PF0 "\nvfs = 8\n", NULL);
	s = section("vf");
	assert_status(s, VB_PLAN_GUARDED);
	assert_why(s, "can make 7 VFs (sriov_totalvfs), the section asks for 8");
	assert_why(s, "at most 7");
}

static void test_vfs_other_number_never_changed(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	nic_82576(7);
	plan_for("[device vf]\nmatch = address=" PF0 "\nvfs = 4\n", NULL);
	s = section("vf");
	assert_status(s, VB_PLAN_GUARDED);
	assert_why(s, PF0 " has 7 VFs already, the section asks for 4");
	assert_why(s, "never changes the number");
	assert_why(s, "echo 0 > /sys/bus/pci/devices/" PF0 "/sriov_numvfs");
	assert_int_equal(s->n_devs, 0);
}

static void test_vfs_not_made_yet_pending(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	qemu_nvme(0, false);
	plan_for("[device vf]\nmatch = address=" NVME_PF "\nvfs = 2\nvf-index = 1\n"
		 "allow = storage\n",
		 NULL);
	s = section("vf");
	assert_status(s, VB_SECTION_PENDING);
	assert_why(s, "the VFs of " NVME_PF " are not made yet");
	assert_why(s, "no driver yet");
	assert_why(s, "those vf-index names");
	assert_int_equal(s->n_devs, 0);
	/* Not refused, and nothing for the binder to wait for: they come after boot. */
	assert_false(vb_plan_waiting(&plan));
	assert_false(vb_plan_section_claims(s));

	/* Its driver bound, still no VFs: the same, naming the driver. */
	vb_pci_free(&pci);
	fx_driver(fx, "nvme", "nvme");
	fx_bind(fx, NVME_PF, "nvme");
	plan_for("[device vf]\nmatch = address=" NVME_PF "\nvfs = 2\nallow = storage\n", NULL);
	s = section("vf");
	assert_status(s, VB_SECTION_PENDING);
	assert_why(s, "host driver (nvme)");
	assert_why(s, "claims each of them");
}

static void test_vfs_made_claims_them_guards_apply(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	qemu_nvme(2, true);
	/* NVMe VFs are storage controllers: the guard holds for them as for any device. */
	plan_for("[device vf]\nmatch = address=" NVME_PF "\nvfs = 2\nvf-index = 1\n", NULL);
	s = section("vf");
	assert_status(s, VB_PLAN_GUARDED);
	assert_why(s, NVME_VF1);
	assert_why(s, "allow = storage");
	plan_for("[device vf]\nmatch = address=" NVME_PF "\nvfs = 2\nvf-index = 1\n"
		 "allow = storage\n",
		 NULL);
	s = section("vf");
	assert_status(s, VB_PLAN_OK);
	assert_devs(s, NVME_VF1);
}

static void test_vfs_group_rules_apply_to_vfs(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	bridge(RP, NULL, 1);
	igb_port(PF0, 10);
	fx_sriov_pf(fx, PF0, 2, 2);
	/* VF 0 shares its group with an endpoint no section claims. */
	fx_vf(fx, PF0, 0, "0000:07:10.0", 0x8086, 0x10ca, 30);
	fx_vf(fx, PF0, 1, "0000:07:10.2", 0x8086, 0x10ca, 31);
	endpoint("0000:00:05.0", NULL, 0x8086, 0x100e, 0x020000, 30, "e1000");
	plan_for("[device vf]\nmatch = address=" PF0 "\nvfs = 2\n", NULL);
	s = section("vf");
	assert_status(s, VB_PLAN_GROUP);
	assert_detail(s, "IOMMU group 30 of 0000:07:10.0", "0000:00:05.0");
	plan_for("[device vf]\nmatch = address=" PF0 "\nvfs = 2\nvf-index = 1\n", NULL);
	assert_status(section("vf"), VB_PLAN_OK);
	assert_devs(section("vf"), "0000:07:10.2");
}

static void test_vfs_two_pfs_one_without_vfs_claims_the_others(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	bridge(RP, NULL, 1);
	igb_port(PF0, 10);
	igb_port(PF1, 11);
	fx_sriov_pf(fx, PF0, 7, 1);
	fx_vf(fx, PF0, 0, "0000:07:10.0", 0x8086, 0x10ca, 20);
	fx_sriov_pf(fx, PF1, 7, 0);
	plan_for("[device vf]\nmatch = id=8086:10c9\ncount = 2\nvfs = 1\n", NULL);
	s = section("vf");
	/* Port 0's VF is here and claimed; port 1's comes later. */
	assert_status(s, VB_SECTION_PENDING);
	assert_why(s, "the VFs of " PF1);
	assert_devs(s, "0000:07:10.0");
	assert_true(vb_plan_section_claims(s));
	assert_detail(s, PF1 " has no VFs yet");
}

static void test_plan_prints_pending_and_vfs(void **state)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	nic_82576(7);
	endpoint("0000:00:05.0", NULL, 0x1b36, 0x0010, 0x010802, 40, "nvme");
	fx_sriov_pf(fx, "0000:00:05.0", 2, 0);
	plan_for("[device vf]\nmatch = path=" PF0_PATH "\nvfs = 7\nvf-index = 3\n"
		 "[device later]\nmatch = address=0000:00:05.0\nvfs = 2\nallow = storage\n",
		 NULL);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	assert_int_equal(vb_plan_print_section(f, &pci, section("vf")), 1);
	assert_int_equal(vb_plan_print_section(f, &pci, section("later")), 0);
	fclose(f);
	assert_non_null(strstr(out, "  claim 0000:07:10.6 [8086:10ca]"));
	assert_non_null(strstr(out, "(VF 3 of " PF0 ")"));
	assert_non_null(strstr(out, "[device later] /etc/vfio-boot/vfio-boot.conf:5: pending: "
				    "the VFs of 0000:00:05.0 are not made yet"));
	free(out);
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
		T(test_82576_vf_by_pf_path_and_index),
		T(test_vfs_all_by_default_count_counts_pfs),
		T(test_vfs_matched_vf_is_no_pf),
		T(test_vfs_pf_without_sriov),
		T(test_vfs_above_totalvfs),
		T(test_vfs_other_number_never_changed),
		T(test_vfs_not_made_yet_pending),
		T(test_vfs_made_claims_them_guards_apply),
		T(test_vfs_group_rules_apply_to_vfs),
		T(test_vfs_two_pfs_one_without_vfs_claims_the_others),
		T(test_plan_prints_pending_and_vfs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
