// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Who uses a block device: the candidates (the device, its partitions, the whole disk it is
 * on), the lookups of blockdev-scan.c over them, and, on the real root, the kernel's answer to
 * an exclusive open for what none of those names.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "blockdev-internal.h"
#include "sysroot.h"
#include "util.h"

static void cands_free(struct bdev_cands *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		free(cs->c[i].name);
		free(cs->c[i].dev);
	}
	free(cs->c);
}

static int cands_add(struct bdev_cands *cs, const char *name, bool parent)
{
	struct bdev_cand c = {0};
	int r;

	r = GROW(cs->c, cs->alloc, cs->n + 1);
	if (r < 0)
		return r;
	c.name = strdup(name);
	if (!c.name)
		return -ENOMEM;
	c.parent = parent;
	if (vb_readf(&c.dev, "/sys/class/block/%s/dev", name) < 0)
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
	_cleanup_free_ char *target = NULL;
	char *slash;
	int r;

	*ret = NULL;
	if (!vb_existsf("/sys/class/block/%s/partition", name))
		return 0;
	r = vb_readlinkf(&target, "/sys/class/block/%s", name);
	if (r < 0)
		return r;
	slash = strrchr(target, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	slash = strrchr(target, '/');
	*ret = strdup(slash ? slash + 1 : target);
	return *ret ? 0 : -ENOMEM;
}

static int add_part(struct vb_bdev *b, struct bdev_cands *cs, const char *name)
{
	int r = GROW(b->parts, b->alloc_parts, b->n_parts + 1);

	if (r < 0)
		return r;
	b->parts[b->n_parts] = strdup(name);
	if (!b->parts[b->n_parts])
		return -ENOMEM;
	b->n_parts++;
	return cands_add(cs, name, false);
}

static int cands_collect(struct vb_bdev *b, struct bdev_cands *cs)
{
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
	if (vb_opendirf(&d, "/sys/class/block/%s", name) < 0)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' ||
		    !vb_existsf("/sys/class/block/%s/%s/partition", name, de->d_name))
			continue;
		r = add_part(b, cs, de->d_name);
		if (r < 0)
			return r;
	}
	return 0;
}

const struct bdev_cand *bdev_cands_match(const struct bdev_cands *cs, const char *dev,
					 const char *src)
{
	_cleanup_free_ char *name = NULL;

	for (size_t i = 0; i < cs->n; i++)
		if (dev && cs->c[i].dev && streq(cs->c[i].dev, dev))
			return &cs->c[i];
	/* btrfs and others report an anonymous 0:N; their source still names the device. */
	if (!src || !startswith(src, "/dev/") || bdev_kernel_name(src, &name) < 0)
		return NULL;
	for (size_t i = 0; i < cs->n; i++)
		if (streq(cs->c[i].name, name))
			return &cs->c[i];
	return NULL;
}

dev_t bdev_parse_dev(const char *majmin)
{
	unsigned maj, min;

	if (!majmin || sscanf(majmin, "%u:%u", &maj, &min) != 2)
		return 0;
	return makedev(maj, min);
}

const struct bdev_cand *bdev_cands_by_dev(const struct bdev_cands *cs, dev_t dev)
{
	for (size_t i = 0; dev && i < cs->n; i++)
		if (bdev_parse_dev(cs->c[i].dev) == dev)
			return &cs->c[i];
	return NULL;
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
	if (!S_ISBLK(st.st_mode) || st.st_rdev != bdev_parse_dev(majmin))
		return -ENODEV; /* the node is not the device sysfs names */
	return 0;
}

static bool explained(const struct vb_bdev *b, const struct bdev_cands *cs, size_t i)
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
static int note_unasked(struct vb_bdev *b, const struct bdev_cand *c, int err, bool covered)
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

/* Tries each candidate but the parent; marks the busy ones, notes what could not be asked. */
static int open_each(struct vb_bdev *b, struct bdev_cands *cs)
{
	bool whole_free = false;

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
	return 0;
}

static int ask_kernel(struct vb_bdev *b, struct bdev_cands *cs)
{
	int r;

	if (!vb_root_is_host())
		return 0;
	r = open_each(b, cs);
	if (r < 0)
		return r;
	b->kernel_asked = true;
	for (size_t i = 0; i < cs->n; i++) {
		if (!cs->c[i].busy || explained(b, cs, i))
			continue;
		r = bdev_add_use(b, VB_BDEV_BUSY, &cs->c[i], "", strdup(""));
		if (r < 0)
			return r;
	}
	return 0;
}

int vb_bdev_find_users(struct vb_bdev *b)
{
	struct bdev_cands cs = {0};
	int r;

	if (!b->name)
		return -EINVAL;
	r = cands_collect(b, &cs);
	if (r >= 0)
		r = bdev_scan_mounts(b, &cs);
	if (r >= 0)
		r = bdev_scan_swaps(b, &cs);
	if (r >= 0)
		r = bdev_scan_holders(b, &cs);
	if (r >= 0)
		r = bdev_scan_loops(b, &cs);
	if (r >= 0)
		r = ask_kernel(b, &cs);
	cands_free(&cs);
	return r;
}
