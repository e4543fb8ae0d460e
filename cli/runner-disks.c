// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Whether the host, or another running domain, uses a disk a guest is about to be given: two
 * systems writing one file system lose data. lib/blockdev finds the uses; this names the disk
 * as the domain XML does, asks libvirt for the other domains' disks, adds what libblkid knows
 * and says what to do about each use.
 */
#include <errno.h>
#include <stdlib.h>

#include <libvirt/libvirt.h>

#include "blkid.h"
#include "blockdev.h"
#include "runner-lifecycle.h"
#include "log.h"
#include "runner-disks.h"
#include "sysroot.h"
#include "util.h"

/* /dev/sdX of a SCSI hostdev: /sys/bus/scsi/devices/HOST:BUS:TARGET:UNIT/block/sdX. */
static int scsi_node(const struct dom_disk *disk, char **ret)
{
	_cleanup_closedir_ DIR *dd = NULL;
	const char *host = startswith(disk->adapter, "scsi_host");
	struct dirent *de;
	int r;

	if (!host || !*host)
		return -EINVAL;
	r = vb_opendirf(&dd, "/sys/bus/scsi/devices/%s:%u:%u:%u/block", host, disk->bus,
			disk->target_id, disk->unit);
	if (r < 0)
		return r; /* ENOENT: no such SCSI device, or one that is no disk (a tape) */
	while ((de = readdir(dd)))
		if (de->d_name[0] != '.')
			return asprintf_safe(ret, "/dev/%s", de->d_name);
	return -ENOENT;
}

static int volume_path(virConnectPtr conn, const struct dom_disk *disk, char **ret)
{
	virStoragePoolPtr pool = virStoragePoolLookupByName(conn, disk->pool);
	virStorageVolPtr vol = pool ? virStorageVolLookupByName(pool, disk->volume) : NULL;
	char *path = vol ? virStorageVolGetPath(vol) : NULL;

	if (vol)
		virStorageVolFree(vol);
	if (pool)
		virStoragePoolFree(pool);
	*ret = path;
	return path ? 0 : -ENOENT;
}

/* "vda (/dev/sdb)", or "SCSI hostdev scsi_host0 0:0:0 (/dev/sdc)". */
static void disk_label(const struct dom_disk *disk, const char *path, char *buf, size_t size)
{
	if (disk->kind == DOM_DISK_SCSI)
		snprintf(buf, size, "SCSI hostdev %s %u:%u:%u (%s)", disk->adapter, disk->bus,
			 disk->target_id, disk->unit, path);
	else
		snprintf(buf, size, "%s %s (%s)", dom_disk_kind_name(disk->kind),
			 disk->target ? disk->target : "?", path);
}

static void report_user(const char *guest, const char *label, const struct vb_bdev_user *u)
{
	_cleanup_free_ char *node = NULL, *id = NULL;
	char what[300];
	int n;

	if (asprintf_safe(&node, "/dev/%s", u->dev) < 0)
		return;
	id = cli_blkid_describe(node);
	n = snprintf(what, sizeof(what), "%s%s", u->parent ? "the whole disk it is on, " : "",
		     node);
	if (id && n >= 0 && (size_t)n < sizeof(what))
		snprintf(what + n, sizeof(what) - n, " (%s)", id);
	switch (u->use) {
	case VB_BDEV_MOUNTED:
		log_err(0,
			"guest %s: %s: %s is mounted on %s (%s) by the host; two systems writing one file system lose data. Unmount it and remove it from /etc/fstab before starting %s",
			guest, label, what, u->where, u->what, guest);
		break;
	case VB_BDEV_SWAP:
		log_err(0,
			"guest %s: %s: %s is the host's swap (%s); the guest would overwrite memory the host swapped out. swapoff %s and remove it from /etc/fstab before starting %s",
			guest, label, what, u->what, u->where, guest);
		break;
	case VB_BDEV_HELD:
		log_err(0,
			"guest %s: %s: %s is held by /dev/%s, %s, so the host is using it. Deactivate that (vgchange -an, cryptsetup close, mdadm --stop, multipath -f) or give the guest /dev/%s instead",
			guest, label, what, u->where, u->what, u->where);
		break;
	case VB_BDEV_LOG:
		log_err(0,
			"guest %s: %s: %s is the external %s of the XFS mounted on %s by the host; two systems writing one file system lose data. Unmount %s and remove it from /etc/fstab before starting %s",
			guest, label, what, u->what, u->where, u->where, guest);
		break;
	case VB_BDEV_LOOP:
		log_err(0,
			"guest %s: %s: %s backs loop device /dev/%s (backing file %s), through which the host can use it. Unmount what is on /dev/%s and detach it (losetup -d /dev/%s) before starting %s",
			guest, label, what, u->where, u->what, u->where, u->where, guest);
		break;
	case VB_BDEV_BUSY:
		log_err(0,
			"guest %s: %s: %s: the kernel reports it busy (exclusively opened by a file system, swap, md, dm, btrfs, ZFS or an XFS log), though no mount, swap or holder seen from here names it: a mount in another mount namespace (a container's), a further device of a mounted multi-device btrfs, or an imported ZFS pool. Find and release that user (grep %s /proc/*/mountinfo; btrfs filesystem show; zpool status) before starting %s",
			guest, label, what, node, guest);
		break;
	case VB_BDEV_DOMAIN:
		log_err(0,
			"guest %s: %s: %s is used by the running domain %s (%s); two systems writing one disk lose data. Shut %s down (virsh shutdown %s) or take the disk out of one of the two before starting %s",
			guest, label, what, u->where, u->what, u->where, u->where, guest);
		break;
	}
}

/*
 * Only the kernel sees some uses (a mount in another mount namespace, an imported ZFS pool),
 * so a device it could not be asked about is refused, not assumed free.
 */
static void report_unasked(const char *guest, const char *label, const char *name, int err)
{
	const char *todo = "Find out what keeps it from being opened";
	bool udev = false;

	switch (err) {
	case -EACCES:
	case -EPERM:
		todo = "Run the guest runner as root, as vfio-boot-guest@.service does";
		break;
	case -ENODEV:
		todo = "The node is not the device the kernel gives that name (stale, or planted): have udev make it afresh";
		udev = true;
		break;
	case -ENOENT:
		todo = "Its node is missing from /dev: have udev make it";
		udev = true;
		break;
	case -ENXIO:
		todo = "The kernel has no device behind the node: is the disk connected, the loop device or map set up?";
		break;
	}
	log_err(err,
		"guest %s: %s: cannot ask the kernel whether /dev/%s is in use (exclusive open: %m); only the kernel sees a mount in another mount namespace or an imported ZFS pool, so the guest is not started. %s%s%s%s, then start it again",
		guest, label, name, todo, udev ? " (udevadm trigger --sysname-match=" : "",
		udev ? name : "", udev ? ")" : "");
}

/*
 * The host node of a disk of a domain's XML, in *path (borrowed from disk or owned in *found).
 * -ENOENT: a SCSI hostdev that is no disk of this host; -EINVAL: an adapter name not of the
 * form scsi_hostN; -ENXIO: a volume that libvirt cannot find.
 */
static int disk_node(virConnectPtr conn, const struct dom_disk *disk, char **found,
		     const char **path)
{
	int r;

	*path = disk->path;
	if (disk->kind == DOM_DISK_SCSI) {
		r = scsi_node(disk, found);
		if (r < 0)
			return r;
		*path = *found;
	} else if (disk->kind == DOM_DISK_VOLUME) {
		if (volume_path(conn, disk, found) < 0)
			return -ENXIO;
		*path = *found;
	}
	return *path ? 0 : -ENOENT;
}

/*
 * Whether a disk of the other running domain dom is b (or in it, or around it): added to b's
 * users. What cannot be told is logged and counted in *unknown: a running domain holds its disks
 * open, so a disk of it that cannot be resolved may be b. An image file is not a block device,
 * nor is a SCSI hostdev that is no disk of this host.
 */
static int other_domain_disk(virConnectPtr conn, const char *guest, const char *label,
			     const char *dom, const struct dom_disk *disk, struct vb_bdev *b,
			     unsigned *unknown)
{
	_cleanup_free_ char *found = NULL;
	const char *path, *dev;
	struct vb_bdev o;
	char theirs[512];
	int r;

	r = disk_node(conn, disk, &found, &path);
	if (r == -ENOENT)
		return 0;
	if (r == -ENXIO) {
		log_err(0,
			"guest %s: %s: cannot tell whether the running domain %s uses it: libvirt cannot find its disk %s, volume %s of pool %s (%s). Start the pool (virsh pool-start %s) or shut %s down before starting %s",
			guest, label, dom, strna(disk->target), disk->volume, disk->pool,
			lc_error(), disk->pool, dom, guest);
		(*unknown)++;
		return 0;
	}
	if (r < 0) {
		log_err(r,
			"guest %s: %s: cannot tell whether the running domain %s uses it: cannot find the host device of its SCSI hostdev %s %u:%u:%u (%m). Shut %s down before starting %s",
			guest, label, dom, disk->adapter, disk->bus, disk->target_id, disk->unit,
			dom, guest);
		(*unknown)++;
		return 0;
	}
	disk_label(disk, path, theirs, sizeof(theirs));
	r = vb_bdev_resolve(path, &o);
	if (r == 0) {
		dev = vb_bdev_overlap(b, o.name);
		r = dev ? vb_bdev_add_user(b, VB_BDEV_DOMAIN, dev, dom, theirs) : 0;
	} else if (r == -ENOTBLK || (r == -ENOENT && disk->kind == DOM_DISK_FILE))
		r = 0; /* an image file, present or not */
	else if (r != -ENOMEM) {
		log_err(r,
			"guest %s: %s: cannot tell whether the running domain %s uses it: its %s cannot be looked at (%m). Fix that disk of %s (virsh edit %s) or shut %s down before starting %s",
			guest, label, dom, theirs, dom, dom, dom, guest);
		(*unknown)++;
		r = 0;
	}
	vb_bdev_free(&o);
	return r;
}

/*
 * The disks of every other running domain of this connection that are b, in it or around it.
 * A domain whose XML cannot be read or understood counts in *unknown, as a refusal: it may hold
 * b. Returns <0 (not logged) only when the domains cannot be listed at all.
 */
static int find_domain_users(virConnectPtr conn, const char *guest, const char *label,
			     struct vb_bdev *b, unsigned *unknown)
{
	virDomainPtr *doms = NULL;
	int n, r = 0;

	n = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	if (n < 0)
		return -EIO;
	for (int i = 0; i < n; i++) {
		const char *name = virDomainGetName(doms[i]);
		char *xml = NULL;
		struct dom_info d;
		int p;

		if (r < 0 || !name || streq(name, guest))
			goto next;
		xml = virDomainGetXMLDesc(doms[i], 0);
		if (!xml) {
			log_err(0,
				"guest %s: %s: cannot tell whether the running domain %s uses it: libvirt does not give its XML (%s). Shut %s down before starting %s",
				guest, label, name, lc_error(), name, guest);
			(*unknown)++;
			goto next;
		}
		p = dom_parse(xml, &d);
		if (p < 0) {
			log_err(p,
				"guest %s: %s: cannot tell whether the running domain %s uses it: its XML makes no sense here (%m; virsh dumpxml %s). Shut %s down before starting %s",
				guest, label, name, name, name, guest);
			(*unknown)++;
			goto next;
		}
		for (size_t j = 0; j < d.n_disks && r >= 0; j++)
			r = other_domain_disk(conn, guest, label, name, &d.disks[j], b, unknown);
		dom_info_free(&d);
	next:
		free(xml);
		virDomainFree(doms[i]);
	}
	free(doms);
	return r;
}

/* Members of something not assembled: the host may assemble it later, and then both write. */
static void warn_members(const char *guest, const char *label, const struct vb_bdev *b)
{
	for (size_t i = 0; i <= b->n_parts; i++) {
		_cleanup_free_ char *node = NULL, *seen = NULL;
		const char *name = i == 0 ? b->name : b->parts[i - 1];

		if (asprintf_safe(&node, "/dev/%s", name) < 0)
			return;
		seen = cli_blkid_member(i == 0 ? b->path : node);
		if (seen)
			log_warn(
				0,
				"guest %s: %s: blkid sees %s on %s: a member of an md array, ZFS pool, LVM volume group or the like that this host has not assembled. If the host assembles it (mdadm --assemble, zpool import, vgchange -ay), both write it and data is lost: make sure it belongs to the guest alone",
				guest, label, seen, node);
	}
}

/*
 * Every use of b by the host or by another running domain, each logged; what cannot be asked
 * counts as a use. Returns how many there are.
 */
static unsigned check_users(virConnectPtr conn, const char *guest, const char *label,
			    struct vb_bdev *b)
{
	unsigned problems = 0;
	int r;

	r = vb_bdev_find_users(b);
	if (r < 0) {
		log_err(r, "guest %s: %s: cannot tell whether the host uses it: %m", guest, label);
		return 1;
	}
	r = find_domain_users(conn, guest, label, b, &problems);
	if (r == -ENOMEM) {
		log_err(r, "guest %s: %s: %m", guest, label);
		problems++;
	} else if (r < 0) {
		log_err(r,
			"guest %s: %s: cannot tell whether another running domain uses it: libvirt cannot list its domains (%s)",
			guest, label, lc_error());
		problems++;
	}
	if (b->unasked && b->unasked_covered)
		log_warn(
			b->unasked_err,
			"guest %s: %s: cannot ask the kernel whether partition /dev/%s is busy (%m); the whole disk's exclusive open succeeded, which a partition in use would have made fail. Its node is missing from /dev (udevadm trigger --sysname-match=%s recreates it)",
			guest, label, b->unasked, b->unasked);
	else if (b->unasked) {
		report_unasked(guest, label, b->unasked, b->unasked_err);
		problems++;
	}
	for (size_t i = 0; i < b->n_users; i++)
		report_user(guest, label, &b->users[i]);
	problems += b->n_users;
	if (b->n_users == 0)
		warn_members(guest, label, b);
	return problems;
}

unsigned runner_check_disk(virConnectPtr conn, const char *guest, const struct dom_disk *disk)
{
	_cleanup_free_ char *found = NULL;
	struct vb_bdev b = {0};
	const char *path;
	unsigned problems = 0;
	char label[512];
	int r;

	if (disk_node(conn, disk, &found, &path) < 0) {
		if (disk->kind == DOM_DISK_SCSI) {
			log_err(0,
				"guest %s: SCSI hostdev %s %u:%u:%u does not exist on this host (no disk in %s/sys/bus/scsi/devices)",
				guest, disk->adapter, disk->bus, disk->target_id, disk->unit,
				vb_root());
			return 1;
		}
		/* libvirt reports a missing volume itself when it starts the domain. */
		log_warn(0, "guest %s: disk %s: cannot find volume %s in pool %s; not checked",
			 guest, strna(disk->target), disk->volume, disk->pool);
		return 0;
	}
	disk_label(disk, path, label, sizeof(label));

	r = vb_bdev_resolve(path, &b);
	if (r == -ENOENT && (disk->kind == DOM_DISK_BLOCK || disk->kind == DOM_DISK_SCSI)) {
		log_err(0,
			"guest %s: %s does not exist: is the disk connected? Its name in the domain XML may have changed (virsh edit %s)",
			guest, label, guest);
		problems++;
	} else if (r == -ENOTBLK && disk->kind == DOM_DISK_BLOCK)
		log_warn(0, "guest %s: %s is not a block device; not checked", guest, label);
	else if (r < 0 && disk->kind == DOM_DISK_BLOCK) {
		log_err(r, "guest %s: cannot look at %s: %m", guest, label);
		problems++;
	}
	if (r < 0) /* an image file, or a file libvirt itself will report missing */
		goto out;

	if (vb_bdev_path_unstable(path) && disk->kind != DOM_DISK_SCSI) {
		if (b.stable)
			log_warn(
				0,
				"guest %s: %s: %s is a kernel name, which another disk can get at the next boot; name it %s in the domain XML (virsh edit %s)",
				guest, label, path, b.stable, guest);
		else
			log_warn(
				0,
				"guest %s: %s: %s is a kernel name, which another disk can get at the next boot; name it by a /dev/disk/by-id/ link in the domain XML (virsh edit %s)",
				guest, label, path, guest);
	}
	problems += check_users(conn, guest, label, &b);
out:
	vb_bdev_free(&b);
	return problems;
}
