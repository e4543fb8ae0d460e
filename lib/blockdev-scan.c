// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The lookups, one for each kind of use of a candidate: mounts (and XFS's external log and
 * realtime devices, and the further devices of a btrfs), swap, holders (device-mapper, md,
 * bcache) and loop devices. Everything is read below the root.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "blockdev-internal.h"
#include "escape.h"
#include "sysroot.h"
#include "util.h"

/*
 * XFS names its external log and realtime devices only in its super options (logdev=,
 * rtdev=); mountinfo's device and source are the data device's.
 */
static int scan_log_devices(struct vb_bdev *b, const struct bdev_cands *cs, const char *mountpoint,
			    char *opts)
{
	char *save = NULL;

	if (!opts)
		return 0;
	for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		const char *path, *what;
		const struct bdev_cand *c;
		int r;

		if ((path = startswith(o, "logdev=")))
			what = "log";
		else if ((path = startswith(o, "rtdev=")))
			what = "realtime device";
		else
			continue;
		vb_unescape_octal(o);
		c = bdev_cands_match(cs, NULL, path);
		if (!c)
			continue;
		r = bdev_add_use(b, VB_BDEV_LOG, c, mountpoint, strdup(what));
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * A btrfs over several devices is mounted from one of them; mountinfo names only that one.
 * /sys/fs/btrfs/FSID/devices lists them all: the candidate in the same list as the source.
 */
static const struct bdev_cand *btrfs_sibling(const struct bdev_cands *cs, const char *src)
{
	_cleanup_free_ char *name = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (!src || !startswith(src, "/dev/") || bdev_kernel_name(src, &name) < 0 ||
	    vb_opendir("/sys/fs/btrfs", &d) < 0)
		return NULL;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' ||
		    !vb_existsf("/sys/fs/btrfs/%s/devices/%s", de->d_name, name))
			continue;
		for (size_t i = 0; i < cs->n; i++)
			if (vb_existsf("/sys/fs/btrfs/%s/devices/%s", de->d_name, cs->c[i].name))
				return &cs->c[i];
	}
	return NULL;
}

struct mount_line {
	char *majmin, *mountpoint, *fstype, *src, *opts;
};

/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS */
static bool split_mount_line(char *line, struct mount_line *m)
{
	char *field[6] = {0}, *save = NULL, *tok;
	size_t n = 0;

	*m = (struct mount_line){0};
	for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		if (n < ELEMENTSOF(field))
			field[n++] = tok;
		else if (streq(tok, "-")) {
			m->fstype = strtok_r(NULL, " \n", &save);
			m->src = m->fstype ? strtok_r(NULL, " \n", &save) : NULL;
			m->opts = m->src ? strtok_r(NULL, " \n", &save) : NULL;
			break;
		}
	}
	if (n < ELEMENTSOF(field) || !m->fstype)
		return false;
	if (m->src)
		vb_unescape_octal(m->src);
	vb_unescape_octal(field[4]);
	m->majmin = field[2];
	m->mountpoint = field[4];
	return true;
}

int bdev_scan_mounts(struct vb_bdev *b, const struct bdev_cands *cs)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t alloc = 0;
	int r;

	r = vb_fopen("/proc/self/mountinfo", &f);
	if (r < 0)
		return r;
	while (getline(&line, &alloc, f) > 0) {
		const struct bdev_cand *c;
		struct mount_line m;
		const char *fstype;

		if (!split_mount_line(line, &m))
			continue;
		r = scan_log_devices(b, cs, m.mountpoint, m.opts);
		if (r < 0)
			return r;
		fstype = m.fstype;
		c = bdev_cands_match(cs, m.majmin, m.src);
		if (!c && streq(fstype, "btrfs") && (c = btrfs_sibling(cs, m.src)))
			fstype = "btrfs over several devices";
		if (!c)
			continue;
		r = bdev_add_use(b, VB_BDEV_MOUNTED, c, m.mountpoint, strdup(fstype));
		if (r < 0)
			return r;
	}
	return 0;
}

int bdev_scan_swaps(struct vb_bdev *b, const struct bdev_cands *cs)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t alloc = 0;
	bool header = true;
	int r;

	r = vb_fopen("/proc/swaps", &f);
	if (r < 0)
		return r == -ENOENT ? 0 : r; /* a kernel without swap support has none */
	while (getline(&line, &alloc, f) > 0) {
		char *save = NULL, *file, *type;
		const struct bdev_cand *c;

		if (header) {
			header = false;
			continue;
		}
		file = strtok_r(line, " \t\n", &save);
		type = file ? strtok_r(NULL, " \t\n", &save) : NULL;
		if (!type)
			continue;
		vb_unescape_octal(file);
		c = bdev_cands_match(cs, NULL, file);
		if (!c)
			continue;
		r = bdev_add_use(b, VB_BDEV_SWAP, c, file, strdup(type));
		if (r < 0)
			return r;
	}
	return 0;
}

/* A device-mapper holder by the prefix of its uuid, which its maker chose. */
static char *describe_dm(const char *holder, const char *name)
{
	static const struct {
		const char *prefix, *what;
	} kinds[] = {
		{"LVM-", "LVM logical volume"},
		{"CRYPT-", "dm-crypt mapping"},
		{"mpath-", "multipath map"},
		{"part", "partition mapping"},
	};
	_cleanup_free_ char *uuid = NULL;
	const char *what = "device-mapper device";
	char *ret = NULL;

	if (vb_readf(&uuid, "/sys/class/block/%s/dm/uuid", holder) == 0)
		for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
			if (startswith(uuid, kinds[i].prefix)) {
				what = kinds[i].what;
				break;
			}
	asprintf_safe(&ret, "%s %s", what, name);
	return ret;
}

/* What a holder is, for a message a person can act on. */
static char *describe_holder(const char *holder)
{
	_cleanup_free_ char *name = NULL, *level = NULL;
	char *ret = NULL;

	if (vb_readf(&name, "/sys/class/block/%s/dm/name", holder) == 0)
		return describe_dm(holder, name);
	if (vb_readf(&level, "/sys/class/block/%s/md/level", holder) == 0) {
		asprintf_safe(&ret, "md RAID array (%s)", level);
		return ret;
	}
	if (vb_existsf("/sys/class/block/%s/bcache", holder))
		return strdup("bcache device");
	return strdup("block device");
}

int bdev_scan_holders(struct vb_bdev *b, const struct bdev_cands *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		_cleanup_closedir_ DIR *d = NULL;
		struct dirent *de;
		int r;

		if (vb_opendirf(&d, "/sys/class/block/%s/holders", cs->c[i].name) < 0)
			continue;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			r = bdev_add_use(b, VB_BDEV_HELD, &cs->c[i], de->d_name,
					 describe_holder(de->d_name));
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/*
 * What a loop device is backed by: the node of a block device (rdev) or a file on some file
 * system (dev). The kernel's own answer first, which holds for a deleted file and for a path
 * of another mount namespace; below a tree, the path that sysfs shows.
 */
static int loop_backing(const char *loop, const char *backing, dev_t *dev, dev_t *rdev)
{
	_cleanup_free_ char *node = NULL, *clean = NULL;
	struct loop_info64 info;
	struct stat st;
	char *deleted;
	int r;

	if (vb_root_is_host()) {
		_cleanup_close_ int fd = vb_openf(O_RDONLY | O_NONBLOCK, "/dev/%s", loop);

		if (fd >= 0 && ioctl(fd, LOOP_GET_STATUS64, &info) == 0) {
			*dev = (dev_t)info.lo_device;
			*rdev = (dev_t)info.lo_rdevice;
			return 0;
		}
	}
	/* Else the path is looked up. */
	clean = strdup(backing);
	if (!clean)
		return -ENOMEM;
	deleted = strstr(clean, " (deleted)");
	if (deleted && !deleted[strlen(" (deleted)")])
		*deleted = '\0';
	if (clean[0] != '/')
		return -EINVAL;
	r = vb_path(clean, &node);
	if (r < 0)
		return r;
	if (stat(node, &st) < 0)
		return -errno;
	*dev = st.st_dev;
	*rdev = S_ISBLK(st.st_mode) ? st.st_rdev : 0;
	return 0;
}

/* Loop devices register no holder: a loop on the device, or on a file on it, is found here. */
int bdev_scan_loops(struct vb_bdev *b, const struct bdev_cands *cs)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r;

	if (vb_opendir("/sys/class/block", &d) < 0)
		return 0;
	while ((de = readdir(d))) {
		_cleanup_free_ char *backing = NULL;
		const struct bdev_cand *c;
		dev_t dev = 0, rdev = 0;

		if (!startswith(de->d_name, "loop"))
			continue;
		if (vb_readf(&backing, "/sys/class/block/%s/loop/backing_file", de->d_name) < 0 ||
		    !*backing)
			continue; /* not bound */
		if (loop_backing(de->d_name, backing, &dev, &rdev) < 0)
			continue;
		c = bdev_cands_by_dev(cs, rdev);
		if (!c)
			c = bdev_cands_by_dev(cs, dev);
		if (!c)
			continue;
		r = bdev_add_use(b, VB_BDEV_LOOP, c, de->d_name, TAKE_PTR(backing));
		if (r < 0)
			return r;
	}
	return 0;
}
