// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/blockdev on fake trees: naming a block device through /dev links below the root, and
 * finding every mount, swap and holder of it and of its partitions.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blockdev.h"
#include "fixture.h"
#include "runner/runner-fixture.h"
#include "sysroot.h"

static struct fx *fx;

static int setup(void **state)
{
	(void)state;
	fx = fx_new();
	rf_disk(fx, "sda", "8:0");
	rf_part(fx, "sda", "sda1", "8:1");
	rf_disk(fx, "sdb", "8:16");
	rf_part(fx, "sdb", "sdb1", "8:17");
	rf_part(fx, "sdb", "sdb2", "8:18");
	rf_disk(fx, "nvme0n1", "259:0");
	rf_mkdir(fx, "dev/disk/by-id");
	rf_mkdir(fx, "dev/disk/by-label");
	rf_symlink(fx, "dev/disk/by-id/wwn-0x5000c500a1b2c3d4", "../../sdb");
	rf_symlink(fx, "dev/disk/by-id/ata-GUEST_DISK_1", "../../sdb");
	rf_symlink(fx, "dev/disk/by-label/data", "/dev/sdb1"); /* absolute: below the root */
	rf_mkdir(fx, "dev/vg0");
	rf_symlink(fx, "dev/vg0/lv0", "../dm-0");
	rf_disk(fx, "dm-0", "254:0");
	fx_write(fx, "var/lib/libvirt/images/a.img", "", 0644);
	rf_mounts(fx, NULL);
	rf_swaps(fx, NULL);
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

static void test_resolve(void **state)
{
	struct vb_bdev b;

	(void)state;
	assert_int_equal(vb_bdev_resolve("/dev/disk/by-id/ata-GUEST_DISK_1", &b), 0);
	assert_string_equal(b.name, "sdb");
	/* The model's name is preferred over the opaque WWN. */
	assert_string_equal(b.stable, "/dev/disk/by-id/ata-GUEST_DISK_1");
	vb_bdev_free(&b);

	assert_int_equal(vb_bdev_resolve("/dev/disk/by-label/data", &b), 0);
	assert_string_equal(b.name, "sdb1");
	assert_null(b.stable);
	vb_bdev_free(&b);

	assert_int_equal(vb_bdev_resolve("/dev/vg0/lv0", &b), 0);
	assert_string_equal(b.name, "dm-0");
	vb_bdev_free(&b);

	assert_int_equal(vb_bdev_resolve("/dev/sdz", &b), -ENOENT);
	vb_bdev_free(&b);
	assert_int_equal(vb_bdev_resolve("/var/lib/libvirt/images/a.img", &b), -ENOTBLK);
	vb_bdev_free(&b);
	assert_int_equal(vb_bdev_resolve("relative", &b), -EINVAL);
	vb_bdev_free(&b);
}

/*
 * A link on the way to the node, not only the last one, is followed below the root: an
 * absolute directory link in a tree names the tree's directory, never the host's.
 */
static void test_resolve_links_stay_in_tree(void **state)
{
	struct vb_bdev b;

	(void)state;
	rf_mkdir(fx, "dev/.links");
	rf_symlink(fx, "dev/links", "/dev/.links");
	rf_symlink(fx, "dev/.links/guest", "../sdb2");
	assert_int_equal(vb_bdev_resolve("/dev/links/guest", &b), 0);
	assert_string_equal(b.name, "sdb2");
	vb_bdev_free(&b);

	/* ".." past the root stays at the root, as the kernel's does at "/". */
	rf_symlink(fx, "dev/disk/by-id/climber", "../../../../../../dev/sda1");
	assert_int_equal(vb_bdev_resolve("/dev/disk/by-id/climber", &b), 0);
	assert_string_equal(b.name, "sda1");
	vb_bdev_free(&b);

	rf_symlink(fx, "dev/loop-a", "loop-b");
	rf_symlink(fx, "dev/loop-b", "/dev/loop-a");
	assert_int_equal(vb_bdev_resolve("/dev/loop-a", &b), -ELOOP);
	vb_bdev_free(&b);
}

static void test_unstable(void **state)
{
	(void)state;
	assert_true(vb_bdev_path_unstable("/dev/sdb"));
	assert_true(vb_bdev_path_unstable("/dev/nvme0n1p2"));
	assert_true(vb_bdev_path_unstable("/dev/vdb"));
	assert_true(vb_bdev_path_unstable("/dev/dm-3"));
	assert_false(vb_bdev_path_unstable("/dev/disk/by-id/ata-X"));
	assert_false(vb_bdev_path_unstable("/dev/mapper/vg0-lv0"));
	assert_false(vb_bdev_path_unstable("/dev/vg0/lv0"));
	assert_false(vb_bdev_path_unstable("/var/lib/libvirt/images/a.img"));
	assert_false(vb_bdev_path_unstable("/dev/"));
}

static void test_unused(void **state)
{
	struct vb_bdev b;

	(void)state;
	assert_int_equal(vb_bdev_resolve("/dev/sdb", &b), 0);
	assert_int_equal(vb_bdev_find_users(&b), 0);
	assert_int_equal(b.n_users, 0);
	vb_bdev_free(&b);
}

static void test_every_kind_of_use(void **state)
{
	struct vb_bdev b;

	(void)state;
	rf_mounts(
		fx,
		"40 22 8:17 / /mnt/a\\040b rw - ext4 /dev/sdb1 rw\n"
		"41 22 8:17 / /srv/bind rw - ext4 /dev/sdb1 rw\n"
		"42 22 0:45 / /home rw shared:3 master:1 - btrfs /dev/disk/by-id/ata-GUEST_DISK_1 rw\n"
		"43 22 8:1 / /boot rw - vfat /dev/sda1 rw\n");
	rf_swaps(fx, "/dev/sdb2                               partition\t1000\t0\t-2\n"
		     "/swapfile                               file\t\t1000\t0\t-3\n");
	rf_holder(fx, "sdb2", "dm-1");
	fx_write(fx, "sys/class/block/dm-1/dm/name", "cryptswap\n", 0444);
	fx_write(fx, "sys/class/block/dm-1/dm/uuid", "CRYPT-PLAIN-cryptswap\n", 0444);
	rf_holder(fx, "sdb", "md0");
	fx_write(fx, "sys/class/block/md0/md/level", "raid1\n", 0444);

	assert_int_equal(vb_bdev_resolve("/dev/disk/by-id/ata-GUEST_DISK_1", &b), 0);
	assert_int_equal(vb_bdev_find_users(&b), 0);
	assert_int_equal(b.n_users, 6);
	assert_int_equal(b.users[0].use, VB_BDEV_MOUNTED);
	assert_string_equal(b.users[0].dev, "sdb1");
	assert_string_equal(b.users[0].where, "/mnt/a b");
	assert_string_equal(b.users[0].what, "ext4");
	assert_string_equal(b.users[1].where, "/srv/bind");
	assert_string_equal(b.users[2].dev, "sdb"); /* by its source: btrfs's 0:45 is anonymous */
	assert_string_equal(b.users[2].where, "/home");
	assert_string_equal(b.users[2].what, "btrfs");
	assert_int_equal(b.users[3].use, VB_BDEV_SWAP);
	assert_string_equal(b.users[3].dev, "sdb2");
	assert_string_equal(b.users[3].what, "partition");
	/* Holders: the disk's first, then each partition's. */
	assert_int_equal(b.users[4].use, VB_BDEV_HELD);
	assert_string_equal(b.users[4].dev, "sdb");
	assert_string_equal(b.users[4].where, "md0");
	assert_string_equal(b.users[4].what, "md RAID array (raid1)");
	assert_string_equal(b.users[5].dev, "sdb2");
	assert_string_equal(b.users[5].what, "dm-crypt mapping cryptswap");
	vb_bdev_free(&b);

	/*
	 * Given one partition, the others are none of its business; the whole disk it is on is:
	 * what uses the whole disk (md0, the btrfs on it) uses the partition too.
	 */
	assert_int_equal(vb_bdev_resolve("/dev/sdb2", &b), 0);
	assert_int_equal(vb_bdev_find_users(&b), 0);
	assert_int_equal(b.n_users, 4);
	assert_string_equal(b.parent, "sdb");
	for (size_t i = 0; i < b.n_users; i++) {
		assert_string_not_equal(b.users[i].dev, "sdb1");
		assert_int_equal(b.users[i].parent, !strcmp(b.users[i].dev, "sdb"));
	}
	assert_string_equal(b.users[0].where, "/home");
	assert_true(b.users[0].parent);
	vb_bdev_free(&b);
}

static void test_holder_kinds(void **state)
{
	struct vb_bdev b;

	(void)state;
	rf_holder(fx, "nvme0n1", "dm-2");
	fx_write(fx, "sys/class/block/dm-2/dm/name", "vg1-home\n", 0444);
	fx_write(fx, "sys/class/block/dm-2/dm/uuid", "LVM-Qx1\n", 0444);
	rf_holder(fx, "nvme0n1", "dm-3");
	fx_write(fx, "sys/class/block/dm-3/dm/name", "thing\n", 0444);
	rf_holder(fx, "nvme0n1", "bcache0");
	rf_mkdir(fx, "sys/class/block/bcache0/bcache");
	rf_holder(fx, "nvme0n1", "zz9");
	assert_int_equal(vb_bdev_resolve("/dev/nvme0n1", &b), 0);
	assert_int_equal(vb_bdev_find_users(&b), 0);
	assert_int_equal(b.n_users, 4);
	for (size_t i = 0; i < b.n_users; i++) {
		const char *w = b.users[i].where, *what = b.users[i].what;

		if (!strcmp(w, "dm-2"))
			assert_string_equal(what, "LVM logical volume vg1-home");
		else if (!strcmp(w, "dm-3"))
			assert_string_equal(what, "device-mapper device thing");
		else if (!strcmp(w, "bcache0"))
			assert_string_equal(what, "bcache device");
		else
			assert_string_equal(what, "block device");
	}
	vb_bdev_free(&b);
}

/* Loop devices register no holder: their backing file is what names the disk. */
static void test_loop_backing(void **state)
{
	struct vb_bdev b;

	(void)state;
	rf_disk_under_tree(fx, "sdd");
	rf_loop(fx, "loop0", "7:0", "/var/lib/libvirt/images/a.img");
	rf_loop(fx, "loop1", "7:1", "/var/lib/libvirt/images/gone.img (deleted)");
	rf_loop(fx, "loop2", "7:2", ""); /* not bound */
	assert_int_equal(vb_bdev_resolve("/dev/sdd", &b), 0);
	assert_int_equal(vb_bdev_find_users(&b), 0);
	assert_int_equal(b.n_users, 1);
	assert_int_equal(b.users[0].use, VB_BDEV_LOOP);
	assert_string_equal(b.users[0].dev, "sdd");
	assert_string_equal(b.users[0].where, "loop0");
	assert_string_equal(b.users[0].what, "/var/lib/libvirt/images/a.img");
	vb_bdev_free(&b);

	/* A disk the file is not on. */
	assert_int_equal(vb_bdev_resolve("/dev/sdb", &b), 0);
	assert_int_equal(vb_bdev_find_users(&b), 0);
	assert_int_equal(b.n_users, 0);
	vb_bdev_free(&b);
}

/* A partition of a disk that multipath holds: the whole disk's holder uses the partition. */
static void test_parent_holder(void **state)
{
	struct vb_bdev b;

	(void)state;
	rf_holder(fx, "sdb", "dm-5");
	fx_write(fx, "sys/class/block/dm-5/dm/name", "mpatha\n", 0444);
	fx_write(fx, "sys/class/block/dm-5/dm/uuid", "mpath-3600a0b80\n", 0444);
	assert_int_equal(vb_bdev_resolve("/dev/disk/by-label/data", &b), 0);
	assert_int_equal(vb_bdev_find_users(&b), 0);
	assert_string_equal(b.parent, "sdb");
	assert_int_equal(b.n_users, 1);
	assert_int_equal(b.users[0].use, VB_BDEV_HELD);
	assert_true(b.users[0].parent);
	assert_string_equal(b.users[0].dev, "sdb");
	assert_string_equal(b.users[0].where, "dm-5");
	assert_string_equal(b.users[0].what, "multipath map mpatha");
	vb_bdev_free(&b);

	/* Another disk's partition: only its own mount on / (rf_mounts). */
	assert_int_equal(vb_bdev_resolve("/dev/sda1", &b), 0);
	assert_int_equal(vb_bdev_find_users(&b), 0);
	assert_string_equal(b.parent, "sda");
	assert_int_equal(b.n_users, 1);
	assert_string_equal(b.users[0].dev, "sda1");
	assert_false(b.users[0].parent);
	vb_bdev_free(&b);

	/* A whole disk has no parent. */
	assert_int_equal(vb_bdev_resolve("/dev/nvme0n1", &b), 0);
	assert_int_equal(vb_bdev_find_users(&b), 0);
	assert_null(b.parent);
	assert_int_equal(b.n_users, 0);
	vb_bdev_free(&b);
}

/* XFS names its external log and realtime devices only in its super options. */
static void test_xfs_log_device(void **state)
{
	struct vb_bdev b;

	(void)state;
	rf_mounts(fx,
		  "50 22 8:1 / /srv/x\\040y rw - xfs /dev/sda1 "
		  "rw,attr2,logdev=/dev/disk/by-id/ata-GUEST_DISK_1,rtdev=/dev/nvme0n1,noquota\n");
	assert_int_equal(vb_bdev_resolve("/dev/sdb", &b), 0);
	assert_int_equal(vb_bdev_find_users(&b), 0);
	assert_int_equal(b.n_users, 1);
	assert_int_equal(b.users[0].use, VB_BDEV_LOG);
	assert_string_equal(b.users[0].dev, "sdb");
	assert_string_equal(b.users[0].where, "/srv/x y");
	assert_string_equal(b.users[0].what, "log");
	vb_bdev_free(&b);

	assert_int_equal(vb_bdev_resolve("/dev/nvme0n1", &b), 0);
	assert_int_equal(vb_bdev_find_users(&b), 0);
	assert_int_equal(b.n_users, 1);
	assert_string_equal(b.users[0].what, "realtime device");
	vb_bdev_free(&b);

	/* The data device is found as before, by its device number (and mounted on /). */
	assert_int_equal(vb_bdev_resolve("/dev/sda1", &b), 0);
	assert_int_equal(vb_bdev_find_users(&b), 0);
	assert_int_equal(b.n_users, 2);
	assert_int_equal(b.users[0].use, VB_BDEV_MOUNTED);
	assert_int_equal(b.users[1].use, VB_BDEV_MOUNTED);
	assert_string_equal(b.users[1].where, "/srv/x y");
	vb_bdev_free(&b);
}

/* A btrfs over sdb2 and nvme0n1, mounted from sdb2: mountinfo names only sdb2. */
static void test_btrfs_other_device(void **state)
{
	struct vb_bdev b;

	(void)state;
	rf_mkdir(fx, "sys/fs/btrfs/features");
	rf_mkdir(fx, "sys/fs/btrfs/0b3c5d2e-1111-2222-3333-444455556666/devices/sdb2");
	rf_mkdir(fx, "sys/fs/btrfs/0b3c5d2e-1111-2222-3333-444455556666/devices/nvme0n1");
	rf_mkdir(fx, "sys/fs/btrfs/7f000000-1111-2222-3333-444455556666/devices/sda1");
	rf_mounts(fx, "60 22 0:50 / /pool rw - btrfs /dev/sdb2 rw,space_cache=v2\n"
		      "61 22 0:50 /@snap /snap rw - btrfs /dev/sdb2 rw,subvol=/@snap\n");
	assert_int_equal(vb_bdev_resolve("/dev/nvme0n1", &b), 0);
	assert_int_equal(vb_bdev_find_users(&b), 0);
	assert_int_equal(b.n_users, 2);
	assert_int_equal(b.users[0].use, VB_BDEV_MOUNTED);
	assert_string_equal(b.users[0].dev, "nvme0n1");
	assert_string_equal(b.users[0].where, "/pool");
	assert_string_equal(b.users[0].what, "btrfs over several devices");
	assert_string_equal(b.users[1].where, "/snap");
	vb_bdev_free(&b);

	/* sdc is in no btrfs. */
	rf_disk(fx, "sdc", "8:32");
	assert_int_equal(vb_bdev_resolve("/dev/sdc", &b), 0);
	assert_int_equal(vb_bdev_find_users(&b), 0);
	assert_int_equal(b.n_users, 0);
	vb_bdev_free(&b);
}

/* Another domain's disk overlaps when it is the device, one of its partitions or its disk. */
static void test_overlap(void **state)
{
	struct vb_bdev b;

	(void)state;
	assert_int_equal(vb_bdev_resolve("/dev/sdb", &b), 0);
	assert_int_equal(vb_bdev_find_users(&b), 0);
	assert_string_equal(vb_bdev_overlap(&b, "sdb"), "sdb");
	assert_string_equal(vb_bdev_overlap(&b, "sdb2"), "sdb2");
	assert_null(vb_bdev_overlap(&b, "sda"));
	assert_null(vb_bdev_overlap(&b, "sda1"));
	assert_int_equal(vb_bdev_add_user(&b, VB_BDEV_DOMAIN, "sdb2", "other", "block disk vda"),
			 0);
	assert_false(b.users[0].parent);
	vb_bdev_free(&b);

	assert_int_equal(vb_bdev_resolve("/dev/sdb1", &b), 0);
	assert_int_equal(vb_bdev_find_users(&b), 0);
	assert_string_equal(vb_bdev_overlap(&b, "sdb"), "sdb");
	assert_null(vb_bdev_overlap(&b, "sdb2")); /* a sibling */
	assert_int_equal(vb_bdev_add_user(&b, VB_BDEV_DOMAIN, "sdb", "other", "block disk vda"), 0);
	assert_true(b.users[0].parent);
	vb_bdev_free(&b);
}

static void test_no_mountinfo(void **state)
{
	struct vb_bdev b;
	char *p = fx_path(fx, "proc/self/mountinfo");

	(void)state;
	unlink(p);
	free(p);
	assert_int_equal(vb_bdev_resolve("/dev/sdb", &b), 0);
	assert_int_equal(vb_bdev_find_users(&b), -ENOENT);
	vb_bdev_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_links_stay_in_tree, setup, teardown),
		cmocka_unit_test(test_unstable),
		cmocka_unit_test_setup_teardown(test_unused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_kind_of_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_holder_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_backing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parent_holder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xfs_log_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_btrfs_other_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_mountinfo, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
