/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What test-plan-sriov and test-plan-vfs share: an 82576 with its interleaved VFs and QEMU's
 * NVMe with SR-IOV, built on plan-test.h's tree.
 */
#ifndef VFIO_BOOT_TESTS_PLAN_SRIOV_TEST_H
#define VFIO_BOOT_TESTS_PLAN_SRIOV_TEST_H

/*
 * An 82576 as it sits on a desktop board: two ports behind one root port, 7 VFs each, whose
 * VFs interleave in slots 10 and 11 of the same bus (port 0's even functions, port 1's odd).
 */
#define RP	 "0000:00:1c.0"
#define PF0	 "0000:07:00.0"
#define PF1	 "0000:07:00.1"
#define PF0_PATH RP "/00.0"

/* VF n of port p: 07:10.0 + 2n + p. */
static inline void vf_addr(unsigned p, unsigned n, char addr[VB_ADDR_MAX])
{
	unsigned f = (2 * n + p) % 16;
	snprintf(addr, VB_ADDR_MAX, "0000:07:%02x.%u", 0x10 + f / 8, f % 8);
}

static inline void igb_port(const char *addr, int group)
{
	endpoint(addr, RP, 0x8086, 0x10c9, 0x020000, group, "igb");
}

/* The ports, and numvfs VFs of each (when made): VF n of port p in group 20 + 7p + n. */
static inline void nic_82576(unsigned numvfs)
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

static inline void qemu_nvme(unsigned numvfs, bool bound)
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
static inline void rm(const char *rel)
{
	char *p = fx_path(fx, rel);

	assert_int_equal(unlink(p), 0);
	free(p);
}

#endif
