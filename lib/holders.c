// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holders.h"
#include "sysroot.h"
#include "util.h"

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/*
 * A link target as the tree sees it: on a tree, a process of this machine that opened the
 * tree's own file shows ROOT/dev/vfio/7, which is the tree's /dev/vfio/7.
 */
static const char *in_tree(const char *target, const char *root)
{
	size_t n = root ? strlen(root) : 0;

	if (n && strncmp(target, root, n) == 0 && target[n] == '/')
		return target + n;
	return target;
}

static void add(struct vb_holders *h, pid_t pid)
{
	struct vb_holder *v;

	if (h->n == VB_HOLDERS_MAX) {
		h->more++;
		return;
	}
	v = &h->v[h->n++];
	v->pid = pid;
	if (vb_readf_buf(v->comm, sizeof(v->comm), "/proc/%d/comm", (int)pid) < 0)
		snprintf(v->comm, sizeof(v->comm), "?");
}

/*
 * Keeps the fds of pid that link to a device file (below /dev/); -errno when its fd directory
 * cannot be read.
 */
static int scan_pid(struct vb_proc_fds *s, const char *pid, const char *root)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r;

	r = vb_opendirf(&d, "/proc/%s/fd", pid);
	if (r < 0)
		return r;
	while ((de = readdir(d))) {
		_cleanup_free_ char *target = NULL;
		const char *t;

		if (!all_digits(de->d_name))
			continue;
		/* An fd closed meanwhile is simply not held. */
		if (vb_readlinkf(&target, "/proc/%s/fd/%s", pid, de->d_name) < 0)
			continue;
		t = in_tree(target, root);
		if (!startswith(t, "/dev/"))
			continue;
		if (GROW(s->v, s->alloc, s->n + 1) < 0)
			return -ENOMEM;
		s->v[s->n].pid = (pid_t)strtol(pid, NULL, 10);
		s->v[s->n].target = strdup(t);
		if (!s->v[s->n].target)
			return -ENOMEM;
		s->n++;
	}
	return 0;
}

int vb_proc_fds_scan(struct vb_proc_fds *s)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_free_ char *root = NULL;
	struct dirent *de;
	int r;

	*s = (struct vb_proc_fds){0};
	if (!vb_root_is_host())
		root = realpath(vb_root(), NULL);
	r = vb_opendir("/proc", &d);
	if (r < 0)
		return r;
	while ((de = readdir(d))) {
		if (!all_digits(de->d_name))
			continue;
		s->procs++;
		r = scan_pid(s, de->d_name, root);
		if (r == -ENOMEM) {
			vb_proc_fds_free(s);
			return r;
		}
		if (r == -ENOENT)
			continue; /* it exited meanwhile */
		if (r < 0)
			s->unreadable++;
	}
	return 0;
}

void vb_proc_fds_free(struct vb_proc_fds *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].target);
	free(s->v);
	*s = (struct vb_proc_fds){0};
}

void vb_holders_lookup(const struct vb_proc_fds *s, const char *const paths[], size_t n,
		       struct vb_holders ret[])
{
	for (size_t k = 0; k < n; k++) {
		pid_t last = 0;

		ret[k] = (struct vb_holders){.unreadable = s->unreadable};
		/* A process's fds are together, so one holding the file twice counts once. */
		for (size_t i = 0; i < s->n; i++)
			if (s->v[i].pid != last && streq(s->v[i].target, paths[k])) {
				add(&ret[k], s->v[i].pid);
				last = s->v[i].pid;
			}
	}
}

int vb_holders_find_many(const char *const paths[], size_t n, struct vb_holders ret[])
{
	struct vb_proc_fds s;
	int r;

	r = vb_proc_fds_scan(&s);
	if (r < 0)
		return r;
	vb_holders_lookup(&s, paths, n, ret);
	vb_proc_fds_free(&s);
	return 0;
}

int vb_holders_find(const char *path, struct vb_holders *ret)
{
	return vb_holders_find_many(&path, 1, ret);
}

void vb_holders_format(const struct vb_holders *h, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < h->n && n < size; i++)
		n += snprintf(buf + n, size - n, "%sPID %d (%s)", i ? ", " : "", (int)h->v[i].pid,
			      h->v[i].comm);
	if (h->more && n < size)
		snprintf(buf + n, size - n, " and %zu more", h->more);
}

void vb_holders_format_pids(const struct vb_holders *h, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < h->n && n < size; i++)
		n += snprintf(buf + n, size - n, "%s%d", i ? " " : "", (int)h->v[i].pid);
}

static void file_add(struct vb_dev_files *f, enum vb_dev_file_kind kind, const char *dir,
		     const char *name)
{
	struct vb_dev_file *v = &f->v[f->n];

	/* No kernel name is that long: a name cut short would name another file. */
	if (f->n == VB_DEV_FILES_MAX ||
	    snprintf(v->path, sizeof(v->path), "%s%s", dir, name) >= (int)sizeof(v->path))
		return;
	v->kind = kind;
	f->n++;
}

static void unreadable(struct vb_dev_files *f, const char *what, int r)
{
	size_t len = strlen(f->unreadable);

	snprintf(f->unreadable + len, sizeof(f->unreadable) - len, "%s%s (%s)", len ? ", " : "",
		 what, strerror(-r));
}

/* The entries of the device's directory sub that start with one of prefixes. */
static void dir_files(struct vb_dev_files *f, const char *addr, const char *sub,
		      const char *const prefixes[], enum vb_dev_file_kind kind, const char *dir)
{
	struct dirent **ents = NULL;
	_cleanup_free_ char *p = NULL;
	int n, r;

	r = vb_pathf(&p, "/sys/bus/pci/devices/%s/%s", addr, sub);
	if (r < 0)
		return unreadable(f, sub, r);
	/* Sorted, so that the files come in the same order every time. */
	n = scandir(p, &ents, NULL, alphasort);
	if (n < 0) {
		if (errno != ENOENT)
			unreadable(f, sub, -errno);
		return;
	}
	for (int i = 0; i < n; i++) {
		for (size_t k = 0; prefixes[k]; k++)
			if (startswith(ents[i]->d_name, prefixes[k])) {
				file_add(f, kind, dir, ents[i]->d_name);
				break;
			}
		free(ents[i]);
	}
	free(ents);
}

static void nvidia_file(struct vb_dev_files *f, const char *addr)
{
	_cleanup_free_ char *info = NULL;
	const char *m;
	char minor[16];
	int r;

	r = vb_readf(&info, "/proc/driver/nvidia/gpus/%s/information", addr);
	if (r == -ENOENT)
		return; /* not NVIDIA's driver */
	if (r < 0)
		return unreadable(f, "/proc/driver/nvidia information", r);
	m = strstr(info, "Device Minor:");
	if (!m || sscanf(m, "Device Minor: %15[0-9]", minor) != 1)
		return unreadable(f, "/proc/driver/nvidia information", -EBADMSG);
	file_add(f, VB_DEV_FILE_NVIDIA, "/dev/nvidia", minor);
}

void vb_dev_files(const char *addr, struct vb_dev_files *ret)
{
	static const char *const vfio[] = {"vfio", NULL}, *const drm[] = {"card", "renderD", NULL};
	_cleanup_free_ char *group = NULL;
	int r;

	*ret = (struct vb_dev_files){.group = -1};
	r = vb_readlink_basef(&group, "/sys/bus/pci/devices/%s/iommu_group", addr);
	if (r >= 0) {
		ret->group = atoi(group);
		file_add(ret, VB_DEV_FILE_GROUP, "/dev/vfio/", group);
	} else if (r != -ENOENT) { /* no IOMMU: no group file to hold */
		unreadable(ret, "iommu_group", r);
	}
	ret->group_err = r < 0 ? r : 0;
	dir_files(ret, addr, "vfio-dev", vfio, VB_DEV_FILE_CDEV, "/dev/vfio/devices/");
	dir_files(ret, addr, "drm", drm, VB_DEV_FILE_DRM, "/dev/dri/");
	nvidia_file(ret, addr);
}
