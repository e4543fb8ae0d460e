// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guest runner and the host's disks: a guest is refused a block device the host uses
 * (mounts, LVM, md, swap, an XFS log, loop backing, holders) and warned of names that may
 * change. The real (sanitized) vfio-boot executable against libvirt's test driver and a
 * fake host tree (--root) with the disks of tests/runner/runner-fixture.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "runner/runner-fixture.h"
#include "runner/runner-cli.h"

static void test_refuse_mounted_disk(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	rf_mounts(fx, "40 22 8:16 / /srv rw,relatime shared:20 - xfs /dev/sdb rw\n");
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 2);
	expect_err(&r, "guest gpu: block disk vda (/dev/disk/by-id/ata-GUEST_DISK_1): /dev/sdb");
	expect_err(
		&r,
		"is mounted on /srv (xfs) by the host; two systems writing one file system lose data");
	result_free(&r);
}

/* The guest names the disk; the host mounted a partition of it, with a space in the path. */
static void test_refuse_mounted_partition(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	rf_mounts(fx, "41 22 8:17 / /mnt/my\\040data rw shared:21 - ext2 /dev/sdb1 rw\n");
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 2);
	expect_err(&r, "/dev/sdb1 (ext2 \"data\") is mounted on /mnt/my data (ext2)");
	result_free(&r);
}

/* btrfs reports an anonymous device number: the mount's source still names the partition. */
static void test_refuse_mount_by_source(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	rf_mounts(fx, "42 22 0:45 /@home /home rw shared:22 - btrfs /dev/sdb2 rw,subvol=/@home\n");
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 2);
	expect_err(&r, "/dev/sdb2 is mounted on /home (btrfs)");
	result_free(&r);
}

static void test_refuse_lvm(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	rf_holder(fx, "sdb", "dm-0");
	fx_write(fx, "sys/class/block/dm-0/dm/name", "vg0-lv0\n", 0444);
	fx_write(fx, "sys/class/block/dm-0/dm/uuid", "LVM-abcdefabcdef\n", 0444);
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 2);
	expect_err(
		&r,
		"/dev/sdb is held by /dev/dm-0, LVM logical volume vg0-lv0, so the host is using it");
	result_free(&r);
}

static void test_refuse_md_member_partition(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	rf_holder(fx, "sdb2", "md127");
	fx_write(fx, "sys/class/block/md127/md/level", "raid1\n", 0444);
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 2);
	expect_err(&r, "/dev/sdb2 is held by /dev/md127, md RAID array (raid1)");
	result_free(&r);
}

static void test_refuse_swap(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	rf_swaps(fx, "/dev/disk/by-id/ata-GUEST_DISK_1-part2 partition\t8388604\t0\t-2\n");
	rf_symlink(fx, "dev/disk/by-id/ata-GUEST_DISK_1-part2", "../../sdb2");
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 2);
	expect_err(&r, "/dev/sdb2 is the host's swap (partition)");
	expect_err(&r, "swapoff /dev/disk/by-id/ata-GUEST_DISK_1-part2");
	result_free(&r);
}

/* /dev/sdb by kernel name: started, with a warning that names the stable link to use. */
static void test_warn_unstable_name(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "start", "disks", NULL);

	expect_status(&r, 0);
	expect_err(
		&r,
		"guest disks: block disk vda (/dev/sdb): /dev/sdb is a kernel name, which another disk can get at the next boot; name it /dev/disk/by-id/ata-GUEST_DISK_1 in the domain XML");
	expect_err(&r, "file disk vdb (/dev/sdc): /dev/sdc is a kernel name");
	expect_err(&r, "name it by a /dev/disk/by-id/ link"); /* sdc has none */
	expect_no_err(&r, "vdc");			      /* an image file: not a device */
	result_free(&r);
}

/* The external log of an XFS whose data device is another disk. */
static void test_refuse_xfs_log_device(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	rf_mounts(fx, "44 22 8:1 / /srv rw - xfs /dev/sda1 rw,attr2,logdev=/dev/sdb,noquota\n");
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 2);
	expect_err(&r, "/dev/sdb is the external log of the XFS mounted on /srv by the host");
	result_free(&r);
}

/* A loop device whose backing file is on the disk: loop devices register no holder. */
static void test_refuse_loop_backing(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_disk_under_tree(fx, "sde");
	fx_write(fx, "var/lib/libvirt/images/big.img", "", 0644);
	rf_loop(fx, "loop0", "7:0", "/var/lib/libvirt/images/big.img");
	r = run_cli(fx, NULL, "start", "looped", NULL);
	expect_status(&r, 2);
	expect_err(
		&r,
		"/dev/sde backs loop device /dev/loop0 (backing file /var/lib/libvirt/images/big.img)");
	expect_err(&r, "losetup -d /dev/loop0");
	result_free(&r);
}

/* Given a partition: multipath holds the whole disk it is on. */
static void test_refuse_parent_held(void **state)
{
	struct fx *fx = *state;
	struct result r;

	r = run_cli(fx, NULL, "start", "part", NULL);
	expect_status(&r, 0);
	result_free(&r);

	rf_holder(fx, "sdb", "dm-3");
	fx_write(fx, "sys/class/block/dm-3/dm/name", "mpatha\n", 0444);
	fx_write(fx, "sys/class/block/dm-3/dm/uuid", "mpath-3600a0b8\n", 0444);
	r = run_cli(fx, NULL, "start", "part", NULL);
	expect_status(&r, 2);
	expect_err(&r, "block disk vda (/dev/disk/by-id/ata-GUEST_DISK_1-part1): the whole disk it "
		       "is on, /dev/sdb is held by /dev/dm-3, multipath map mpatha");
	result_free(&r);
}

/* An md member whose array is not assembled: started, with what blkid sees. */
static void test_warn_unassembled_member(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_md_member(fx, "sdc");
	r = run_cli(fx, NULL, "start", "disks", NULL);
	expect_status(&r, 0);
	expect_err(&r,
		   "file disk vdb (/dev/sdc): blkid sees TYPE=linux_raid_member "
		   "LABEL=\"host:vbtest\" UUID=01020304-0506-0708-090a-0b0c0d0e0f10 on /dev/sdc");
	expect_err(&r, "guest disks started");
	result_free(&r);
}

/* A <disk type='file'> whose file is a block device is checked like a block disk. */
static void test_refuse_file_disk_on_block_device(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_mounts(fx, "43 22 8:32 / /var/backup rw shared:23 - ext4 /dev/sdc rw\n");
	r = run_cli(fx, NULL, "start", "disks", NULL);
	expect_status(&r, 2);
	expect_err(&r, "file disk vdb (/dev/sdc): /dev/sdc is mounted on /var/backup (ext4)");
	expect_err(&r, "not started: 1 problem above");
	result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refuse_mounted_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_mounted_partition, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_mount_by_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_lvm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_md_member_partition, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_swap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_warn_unstable_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_xfs_log_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_loop_backing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_parent_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_warn_unassembled_member, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_file_disk_on_block_device, setup,
						teardown),
	};

	if (runner_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
