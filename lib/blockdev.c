// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Naming a block device: the kernel name behind a /dev path, a stable /dev/disk/by-id name for
 * it, and what the other parts of lib/blockdev found, kept in struct vb_bdev.
 */
#include <errno.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "blockdev-internal.h"
#include "sysroot.h"
#include "util.h"

int bdev_kernel_name(const char *path, char **ret)
{
	_cleanup_free_ char *real = NULL;
	const char *base;
	struct stat st;
	int r;

	/* udev's links are relative ("../../sdb"); an absolute one means the path below the root. */
	r = vb_resolve(path, &real, &st);
	if (r < 0)
		return r;
	if (S_ISBLK(st.st_mode))
		return vb_readlink_basef(ret, "/sys/dev/block/%u:%u", major(st.st_rdev),
					 minor(st.st_rdev));
	/* A tree made for tests has files, not nodes: the name in /sys tells that it is a disk. */
	base = strrchr(real, '/') + 1;
	if (!startswith(real, "/dev/") || !*base)
		return -ENOTBLK;
	if (!vb_existsf("/sys/class/block/%s/dev", base))
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
		    bdev_kernel_name(link, &target) < 0 || !streq(target, name))
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
	r = bdev_kernel_name(path, &ret->name);
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

int bdev_add_use(struct vb_bdev *b, enum vb_bdev_use use, const struct bdev_cand *c,
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

int vb_bdev_add_user(struct vb_bdev *b, enum vb_bdev_use use, const char *dev, const char *where,
		     const char *what)
{
	struct bdev_cand c = {.name = (char *)dev, .parent = b->parent && streq(dev, b->parent)};

	return bdev_add_use(b, use, &c, where, strdup(what));
}
