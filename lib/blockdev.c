// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "blockdev.h"
#include "sysroot.h"
#include "util.h"

#define MAX_LINKS 40

/* "/dev/disk/by-id/../../sdb" -> "/dev/sdb", without asking the file system. */
static int normalize(const char *path, char **ret)
{
	_cleanup_free_ char *out = malloc(strlen(path) + 2);
	_cleanup_free_ char *copy = strdup(path);
	size_t len = 0;
	char *save = NULL;

	if (!out || !copy)
		return -ENOMEM;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (streq(c, "."))
			continue;
		if (streq(c, "..")) {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			continue;
		}
		out[len++] = '/';
		strcpy(out + len, c);
		len += strlen(c);
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	*ret = TAKE_PTR(out);
	return 0;
}

/*
 * Follows the last component's symlinks below the root: udev's links are relative
 * ("../../sdb"), and an absolute target means the same path below the root, not the host's.
 */
static int follow(const char *path, char **ret, struct stat *st)
{
	_cleanup_free_ char *cur = NULL;
	int r;

	if (path[0] != '/')
		return -EINVAL;
	r = normalize(path, &cur);
	if (r < 0)
		return r;
	for (int i = 0; i < MAX_LINKS; i++) {
		_cleanup_free_ char *full = NULL, *next = NULL;
		char target[PATH_MAX];
		ssize_t n;

		r = vb_path(cur, &full);
		if (r < 0)
			return r;
		if (lstat(full, st) < 0)
			return -errno;
		if (!S_ISLNK(st->st_mode)) {
			*ret = TAKE_PTR(cur);
			return 0;
		}
		n = readlink(full, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		if (target[0] == '/')
			r = normalize(target, &next);
		else {
			_cleanup_free_ char *joined = NULL;

			*strrchr(cur, '/') = '\0';
			r = asprintf_safe(&joined, "%s/%s", cur, target);
			if (r >= 0)
				r = normalize(joined, &next);
		}
		if (r < 0)
			return r;
		free(cur);
		cur = TAKE_PTR(next);
	}
	return -ELOOP;
}

/* The kernel name of the block device at path, e.g. "sdb" for /dev/disk/by-id/ata-X. */
static int dev_name(const char *path, char **ret)
{
	_cleanup_free_ char *real = NULL, *sys = NULL;
	const char *base;
	struct stat st;
	int r;

	r = follow(path, &real, &st);
	if (r < 0)
		return r;
	if (S_ISBLK(st.st_mode)) {
		r = asprintf_safe(&sys, "/sys/dev/block/%u:%u", major(st.st_rdev),
				  minor(st.st_rdev));
		return r < 0 ? r : vb_readlink_base(sys, ret);
	}
	/* A tree made for tests has files, not nodes: the name in /sys tells that it is a disk. */
	base = strrchr(real, '/') + 1;
	if (!startswith(real, "/dev/") || !*base)
		return -ENOTBLK;
	r = asprintf_safe(&sys, "/sys/class/block/%s/dev", base);
	if (r < 0)
		return r;
	if (!vb_exists(sys))
		return -ENOTBLK;
	*ret = strdup(base);
	return *ret ? 0 : -ENOMEM;
}

bool vb_bdev_path_unstable(const char *path)
{
	const char *name = startswith(path, "/dev/");

	return name && *name && !strchr(name, '/');
}

const char *vb_bdev_use_name(enum vb_bdev_use use)
{
	switch (use) {
	case VB_BDEV_MOUNTED:
		return "mounted";
	case VB_BDEV_SWAP:
		return "swap";
	case VB_BDEV_HELD:
		return "held";
	case VB_BDEV_LOG:
		return "log";
	case VB_BDEV_LOOP:
		return "loop";
	case VB_BDEV_BUSY:
		return "busy";
	case VB_BDEV_DOMAIN:
		return "domain";
	}
	return "used";
}

static int by_id_filter(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* A /dev/disk/by-id link to name; wwn- and eui. ones last: people recognize the model. */
static int find_stable(const char *name, char **ret)
{
	_cleanup_free_ char *dir = NULL;
	struct dirent **list = NULL;
	char *best = NULL;
	int n, r;

	r = vb_path("/dev/disk/by-id", &dir);
	if (r < 0)
		return r;
	n = scandir(dir, &list, by_id_filter, alphasort);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *link = NULL, *target = NULL;
		bool opaque = startswith(list[i]->d_name, "wwn-") ||
			      startswith(list[i]->d_name, "nvme-eui.");

		if (asprintf_safe(&link, "/dev/disk/by-id/%s", list[i]->d_name) < 0 ||
		    dev_name(link, &target) < 0 || !streq(target, name))
			continue;
		if (!best || !opaque) {
			free(best);
			best = TAKE_PTR(link);
		}
		if (!opaque)
			break;
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	*ret = best;
	return best ? 0 : -ENOENT;
}

int vb_bdev_resolve(const char *path, struct vb_bdev *ret)
{
	int r;

	*ret = (struct vb_bdev){0};
	ret->path = strdup(path);
	if (!ret->path)
		return -ENOMEM;
	r = dev_name(path, &ret->name);
	if (r < 0)
		return r;
	(void)find_stable(ret->name, &ret->stable);
	return 0;
}

void vb_bdev_free(struct vb_bdev *b)
{
	for (size_t i = 0; i < b->n_users; i++) {
		free(b->users[i].dev);
		free(b->users[i].where);
		free(b->users[i].what);
	}
	free(b->users);
	free(b->path);
	free(b->name);
	free(b->stable);
	free(b->parent);
	for (size_t i = 0; i < b->n_parts; i++)
		free(b->parts[i]);
	free(b->parts);
	free(b->unasked);
	*b = (struct vb_bdev){0};
}

/* The device, each of its partitions and its parent disk, with "MAJ:MIN" as sysfs gives it. */
struct cand {
	char *name, *dev;
	bool parent;
	bool busy; /* an exclusive open failed with EBUSY */
};

struct cands {
	struct cand *c;
	size_t n, alloc;
};

static void cands_free(struct cands *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		free(cs->c[i].name);
		free(cs->c[i].dev);
	}
	free(cs->c);
}

static int cands_add(struct cands *cs, const char *name, bool parent)
{
	_cleanup_free_ char *attr = NULL;
	struct cand c = {0};
	int r;

	r = GROW(cs->c, cs->alloc, cs->n + 1);
	if (r < 0)
		return r;
	r = asprintf_safe(&attr, "/sys/class/block/%s/dev", name);
	if (r < 0)
		return r;
	c.name = strdup(name);
	if (!c.name)
		return -ENOMEM;
	c.parent = parent;
	if (vb_read_file(attr, &c.dev) < 0)
		c.dev = NULL; /* then only mount sources naming it can match */
	cs->c[cs->n++] = c;
	return 0;
}

/*
 * The whole disk a partition is on: sysfs puts a partition's directory inside its disk's
 * (/sys/class/block/sdb1 -> .../block/sdb/sdb1). NULL for a whole disk.
 */
static int parent_disk(const char *name, char **ret)
{
	_cleanup_free_ char *rel = NULL, *part = NULL, *link = NULL;
	char target[PATH_MAX], *slash;
	ssize_t n;
	int r;

	*ret = NULL;
	if (asprintf_safe(&part, "/sys/class/block/%s/partition", name) < 0 ||
	    asprintf_safe(&rel, "/sys/class/block/%s", name) < 0)
		return -ENOMEM;
	if (!vb_exists(part))
		return 0;
	r = vb_path(rel, &link);
	if (r < 0)
		return r;
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	slash = strrchr(target, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	slash = strrchr(target, '/');
	*ret = strdup(slash ? slash + 1 : target);
	return *ret ? 0 : -ENOMEM;
}

static int cands_collect(struct vb_bdev *b, struct cands *cs)
{
	_cleanup_free_ char *dir = NULL, *full = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	const char *name = b->name;
	struct dirent *de;
	int r;

	r = cands_add(cs, name, false);
	if (r < 0)
		return r;
	free(b->parent);
	r = parent_disk(name, &b->parent);
	if (r < 0)
		return r;
	if (b->parent) {
		r = cands_add(cs, b->parent, true);
		if (r < 0)
			return r;
	}
	r = asprintf_safe(&dir, "/sys/class/block/%s", name);
	if (r < 0)
		return r;
	r = vb_path(dir, &full);
	if (r < 0)
		return r;
	d = opendir(full);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		_cleanup_free_ char *part = NULL;

		if (de->d_name[0] == '.')
			continue;
		r = asprintf_safe(&part, "%s/%s/partition", dir, de->d_name);
		if (r < 0)
			return r;
		if (vb_exists(part)) {
			r = GROW(b->parts, b->alloc_parts, b->n_parts + 1);
			if (r < 0)
				return r;
			b->parts[b->n_parts] = strdup(de->d_name);
			if (!b->parts[b->n_parts])
				return -ENOMEM;
			b->n_parts++;
			r = cands_add(cs, de->d_name, false);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static const struct cand *cands_match(const struct cands *cs, const char *dev, const char *src)
{
	_cleanup_free_ char *name = NULL;

	for (size_t i = 0; i < cs->n; i++)
		if (dev && cs->c[i].dev && streq(cs->c[i].dev, dev))
			return &cs->c[i];
	/* btrfs and others report an anonymous 0:N; their source still names the device. */
	if (!src || !startswith(src, "/dev/") || dev_name(src, &name) < 0)
		return NULL;
	for (size_t i = 0; i < cs->n; i++)
		if (streq(cs->c[i].name, name))
			return &cs->c[i];
	return NULL;
}

static int add_user(struct vb_bdev *b, enum vb_bdev_use use, const struct cand *c,
		    const char *where, char *what)
{
	_cleanup_free_ char *owned = what;
	struct vb_bdev_user *u;
	int r;

	r = GROW(b->users, b->alloc_users, b->n_users + 1);
	if (r < 0)
		return r;
	u = &b->users[b->n_users];
	u->use = use;
	u->parent = c->parent;
	u->dev = strdup(c->name);
	u->where = strdup(where);
	u->what = TAKE_PTR(owned);
	if (!u->dev || !u->where || !u->what) {
		free(u->dev);
		free(u->where);
		free(u->what);
		return -ENOMEM;
	}
	b->n_users++;
	return 0;
}

/* mountinfo and swaps write space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else
			*o++ = *s;
	}
	*o = '\0';
}

/*
 * XFS names its external log and realtime devices only in its super options (logdev=,
 * rtdev=); mountinfo's device and source are the data device's.
 */
static int scan_log_devices(struct vb_bdev *b, const struct cands *cs, const char *mountpoint,
			    char *opts)
{
	char *save = NULL;

	if (!opts)
		return 0;
	for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		const char *path, *what;
		const struct cand *c;
		int r;

		if ((path = startswith(o, "logdev=")))
			what = "log";
		else if ((path = startswith(o, "rtdev=")))
			what = "realtime device";
		else
			continue;
		unescape(o);
		c = cands_match(cs, NULL, path);
		if (!c)
			continue;
		r = add_user(b, VB_BDEV_LOG, c, mountpoint, strdup(what));
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * A btrfs over several devices is mounted from one of them; mountinfo names only that one.
 * /sys/fs/btrfs/FSID/devices lists them all: the candidate in the same list as the source.
 */
static const struct cand *btrfs_sibling(const struct cands *cs, const char *src)
{
	_cleanup_free_ char *full = NULL, *name = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (!src || !startswith(src, "/dev/") || dev_name(src, &name) < 0 ||
	    vb_path("/sys/fs/btrfs", &full) < 0)
		return NULL;
	d = opendir(full);
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		_cleanup_free_ char *member = NULL;

		if (de->d_name[0] == '.' ||
		    asprintf_safe(&member, "/sys/fs/btrfs/%s/devices/%s", de->d_name, name) < 0 ||
		    !vb_exists(member))
			continue;
		for (size_t i = 0; i < cs->n; i++) {
			_cleanup_free_ char *other = NULL;

			if (asprintf_safe(&other, "/sys/fs/btrfs/%s/devices/%s", de->d_name,
					  cs->c[i].name) == 0 &&
			    vb_exists(other))
				return &cs->c[i];
		}
	}
	return NULL;
}

static int scan_mounts(struct vb_bdev *b, const struct cands *cs)
{
	_cleanup_close_ int fd = vb_open("/proc/self/mountinfo", O_RDONLY, 0);
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t alloc = 0;

	if (fd < 0)
		return fd;
	f = fdopen(fd, "r");
	if (!f)
		return -errno;
	fd = -1;
	while (getline(&line, &alloc, f) > 0) {
		char *field[6] = {0}, *save = NULL, *tok, *fstype = NULL, *src = NULL, *opts = NULL;
		const struct cand *c;
		size_t n = 0;
		int r;

		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE ... */
		for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
			if (n < ELEMENTSOF(field))
				field[n++] = tok;
			else if (streq(tok, "-")) {
				fstype = strtok_r(NULL, " \n", &save);
				src = fstype ? strtok_r(NULL, " \n", &save) : NULL;
				opts = src ? strtok_r(NULL, " \n", &save) : NULL;
				break;
			}
		}
		if (n < ELEMENTSOF(field) || !fstype)
			continue;
		if (src)
			unescape(src);
		unescape(field[4]);
		r = scan_log_devices(b, cs, field[4], opts);
		if (r < 0)
			return r;
		c = cands_match(cs, field[2], src);
		if (!c && streq(fstype, "btrfs") && (c = btrfs_sibling(cs, src)))
			fstype = "btrfs over several devices";
		if (!c)
			continue;
		r = add_user(b, VB_BDEV_MOUNTED, c, field[4], strdup(fstype));
		if (r < 0)
			return r;
	}
	return 0;
}

static int scan_swaps(struct vb_bdev *b, const struct cands *cs)
{
	_cleanup_close_ int fd = vb_open("/proc/swaps", O_RDONLY, 0);
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t alloc = 0;
	bool header = true;

	if (fd < 0)
		return fd == -ENOENT ? 0 : fd; /* a kernel without swap support has none */
	f = fdopen(fd, "r");
	if (!f)
		return -errno;
	fd = -1;
	while (getline(&line, &alloc, f) > 0) {
		char *save = NULL, *file, *type;
		const struct cand *c;
		int r;

		if (header) {
			header = false;
			continue;
		}
		file = strtok_r(line, " \t\n", &save);
		type = file ? strtok_r(NULL, " \t\n", &save) : NULL;
		if (!type)
			continue;
		unescape(file);
		c = cands_match(cs, NULL, file);
		if (!c)
			continue;
		r = add_user(b, VB_BDEV_SWAP, c, file, strdup(type));
		if (r < 0)
			return r;
	}
	return 0;
}

/* What a holder is, for a message a person can act on. */
static char *describe_holder(const char *holder)
{
	_cleanup_free_ char *p = NULL, *name = NULL, *uuid = NULL, *level = NULL;
	char *ret = NULL;

	if (asprintf_safe(&p, "/sys/class/block/%s/dm/name", holder) == 0 &&
	    vb_read_file(p, &name) == 0) {
		free(p);
		p = NULL;
		if (asprintf_safe(&p, "/sys/class/block/%s/dm/uuid", holder) < 0 ||
		    vb_read_file(p, &uuid) < 0)
			uuid = NULL;
		if (uuid && startswith(uuid, "LVM-"))
			asprintf_safe(&ret, "LVM logical volume %s", name);
		else if (uuid && startswith(uuid, "CRYPT-"))
			asprintf_safe(&ret, "dm-crypt mapping %s", name);
		else if (uuid && startswith(uuid, "mpath-"))
			asprintf_safe(&ret, "multipath map %s", name);
		else if (uuid && startswith(uuid, "part"))
			asprintf_safe(&ret, "partition mapping %s", name);
		else
			asprintf_safe(&ret, "device-mapper device %s", name);
		return ret;
	}
	free(p);
	p = NULL;
	if (asprintf_safe(&p, "/sys/class/block/%s/md/level", holder) == 0 &&
	    vb_read_file(p, &level) == 0) {
		asprintf_safe(&ret, "md RAID array (%s)", level);
		return ret;
	}
	free(p);
	p = NULL;
	if (asprintf_safe(&p, "/sys/class/block/%s/bcache", holder) == 0 && vb_exists(p))
		return strdup("bcache device");
	return strdup("block device");
}

static int scan_holders(struct vb_bdev *b, const struct cands *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		_cleanup_free_ char *rel = NULL, *full = NULL;
		_cleanup_closedir_ DIR *d = NULL;
		struct dirent *de;
		int r;

		r = asprintf_safe(&rel, "/sys/class/block/%s/holders", cs->c[i].name);
		if (r < 0)
			return r;
		r = vb_path(rel, &full);
		if (r < 0)
			return r;
		d = opendir(full);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			r = add_user(b, VB_BDEV_HELD, &cs->c[i], de->d_name,
				     describe_holder(de->d_name));
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static dev_t parse_dev(const char *majmin)
{
	unsigned maj, min;

	if (!majmin || sscanf(majmin, "%u:%u", &maj, &min) != 2)
		return 0;
	return makedev(maj, min);
}

static const struct cand *cands_by_dev(const struct cands *cs, dev_t dev)
{
	for (size_t i = 0; dev && i < cs->n; i++)
		if (parse_dev(cs->c[i].dev) == dev)
			return &cs->c[i];
	return NULL;
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

	if (vb_root_is_host() && asprintf_safe(&node, "/dev/%s", loop) == 0) {
		_cleanup_close_ int fd = vb_open(node, O_RDONLY | O_NONBLOCK, 0);

		if (fd >= 0 && ioctl(fd, LOOP_GET_STATUS64, &info) == 0) {
			*dev = (dev_t)info.lo_device;
			*rdev = (dev_t)info.lo_rdevice;
			return 0;
		}
	}
	free(TAKE_PTR(node)); /* the path below is looked up instead */
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
static int scan_loops(struct vb_bdev *b, const struct cands *cs)
{
	_cleanup_free_ char *full = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r;

	r = vb_path("/sys/class/block", &full);
	if (r < 0)
		return r;
	d = opendir(full);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		_cleanup_free_ char *attr = NULL, *backing = NULL;
		const struct cand *c;
		dev_t dev = 0, rdev = 0;

		if (!startswith(de->d_name, "loop"))
			continue;
		r = asprintf_safe(&attr, "/sys/class/block/%s/loop/backing_file", de->d_name);
		if (r < 0)
			return r;
		if (vb_read_file(attr, &backing) < 0 || !*backing)
			continue; /* not bound */
		if (loop_backing(de->d_name, backing, &dev, &rdev) < 0)
			continue;
		c = cands_by_dev(cs, rdev);
		if (!c)
			c = cands_by_dev(cs, dev);
		if (!c)
			continue;
		r = add_user(b, VB_BDEV_LOOP, c, de->d_name, TAKE_PTR(backing));
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Asks the kernel with an exclusive open. A partition's open fails too while its whole disk is
 * claimed, and a disk's while any partition is; the parent is not asked, since its other
 * partitions' users are none of the guest's business.
 */
static int open_exclusive(const char *node, const char *majmin)
{
	_cleanup_close_ int fd = vb_open(node, O_RDONLY | O_EXCL | O_CLOEXEC | O_NONBLOCK, 0);
	struct stat st;

	if (fd == -ENOMEDIUM)
		return 0; /* an empty drive: nothing on it to be used */
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISBLK(st.st_mode) || st.st_rdev != parse_dev(majmin))
		return -ENODEV; /* the node is not the device sysfs names */
	return 0;
}

static bool explained(const struct vb_bdev *b, const struct cands *cs, size_t i)
{
	for (size_t j = 0; j < b->n_users; j++)
		if (i == 0 || streq(b->users[j].dev, cs->c[i].name))
			return true;
	for (size_t j = 1; i == 0 && j < cs->n; j++)
		if (cs->c[j].busy)
			return true;
	return false;
}

/*
 * What cannot be asked counts against the device: only the kernel sees a mount in another
 * mount namespace or a ZFS pool. One exception: a partition's node missing from /dev while the
 * whole device's exclusive open succeeded, which a claimed partition would have made fail.
 */
static int note_unasked(struct vb_bdev *b, const struct cand *c, int err, bool covered)
{
	if (b->unasked && (covered || !b->unasked_covered))
		return 0;
	free(b->unasked);
	b->unasked = strdup(c->name);
	if (!b->unasked)
		return -ENOMEM;
	b->unasked_err = err;
	b->unasked_covered = covered;
	return 0;
}

static int ask_kernel(struct vb_bdev *b, struct cands *cs)
{
	bool whole_free = false;

	if (!vb_root_is_host())
		return 0;
	for (size_t i = 0; i < cs->n; i++) {
		_cleanup_free_ char *node = NULL;
		int r;

		if (cs->c[i].parent)
			continue;
		if (i == 0)
			node = strdup(b->path);
		else if (asprintf_safe(&node, "/dev/%s", cs->c[i].name) < 0)
			node = NULL;
		if (!node)
			return -ENOMEM;
		r = open_exclusive(node, cs->c[i].dev);
		if (i == 0)
			whole_free = r == 0;
		if (r == -EBUSY)
			cs->c[i].busy = true;
		else if (r < 0) {
			r = note_unasked(b, &cs->c[i], r, i > 0 && r == -ENOENT && whole_free);
			if (r < 0)
				return r;
		}
	}
	b->kernel_asked = true;
	for (size_t i = 0; i < cs->n; i++) {
		int r;

		if (!cs->c[i].busy || explained(b, cs, i))
			continue;
		r = add_user(b, VB_BDEV_BUSY, &cs->c[i], "", strdup(""));
		if (r < 0)
			return r;
	}
	return 0;
}

int vb_bdev_find_users(struct vb_bdev *b)
{
	struct cands cs = {0};
	int r;

	if (!b->name)
		return -EINVAL;
	r = cands_collect(b, &cs);
	if (r >= 0)
		r = scan_mounts(b, &cs);
	if (r >= 0)
		r = scan_swaps(b, &cs);
	if (r >= 0)
		r = scan_holders(b, &cs);
	if (r >= 0)
		r = scan_loops(b, &cs);
	if (r >= 0)
		r = ask_kernel(b, &cs);
	cands_free(&cs);
	return r;
}

const char *vb_bdev_overlap(const struct vb_bdev *b, const char *name)
{
	if (streq(name, b->name))
		return b->name;
	if (b->parent && streq(name, b->parent))
		return b->parent;
	for (size_t i = 0; i < b->n_parts; i++)
		if (streq(name, b->parts[i]))
			return b->parts[i];
	return NULL;
}

int vb_bdev_add_user(struct vb_bdev *b, enum vb_bdev_use use, const char *dev, const char *where,
		     const char *what)
{
	struct cand c = {.name = (char *)dev, .parent = b->parent && streq(dev, b->parent)};

	return add_user(b, use, &c, where, strdup(what));
}
