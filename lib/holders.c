// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <stdio.h>

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

/* Whether one of pid's fds links to path; -errno when its fd directory cannot be read. */
static int holds(const char *pid, const char *path)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r;

	r = vb_opendirf(&d, "/proc/%s/fd", pid);
	if (r < 0)
		return r;
	while ((de = readdir(d))) {
		_cleanup_free_ char *target = NULL;

		if (!all_digits(de->d_name))
			continue;
		/* An fd closed meanwhile is simply not held. */
		if (vb_readlinkf(&target, "/proc/%s/fd/%s", pid, de->d_name) < 0)
			continue;
		if (streq(target, path))
			return 1;
	}
	return 0;
}

int vb_holders_find(const char *path, struct vb_holders *ret)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r;

	*ret = (struct vb_holders){0};
	r = vb_opendir("/proc", &d);
	if (r < 0)
		return r;
	while ((de = readdir(d))) {
		struct vb_holder *h;

		if (!all_digits(de->d_name))
			continue;
		r = holds(de->d_name, path);
		if (r == -ENOENT)
			continue; /* it exited meanwhile */
		if (r < 0) {
			ret->unreadable++;
			continue;
		}
		if (r == 0)
			continue;
		if (ret->n == VB_HOLDERS_MAX) {
			ret->more++;
			continue;
		}
		h = &ret->v[ret->n++];
		h->pid = (pid_t)strtol(de->d_name, NULL, 10);
		if (vb_readf_buf(h->comm, sizeof(h->comm), "/proc/%s/comm", de->d_name) < 0)
			snprintf(h->comm, sizeof(h->comm), "?");
	}
	return 0;
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
