// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Creating files below the root: no symlink below the root is followed, and a file is always
 * created new, with exactly the mode asked for (see sysroot.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>

#include "sysroot.h"
#include "util.h"

bool vb_path_component_ok(const char *name)
{
	return *name && !strchr(name, '/') && !streq(name, ".") && !streq(name, "..") &&
	       strlen(name) <= NAME_MAX;
}

int vb_subdir_at(int dirfd, const char *name, mode_t mode, bool create)
{
	int fd;

	if (create && mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
		return -errno;
	/* O_NOFOLLOW: a symlink planted in the directory's place is refused, not followed. */
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * Walks abs component by component from the root, never following a symlink below it: the
 * root itself is trusted (it is the caller's choice), what lies under it may not be.
 */
static int open_dir(const char *abs, bool create, mode_t mode)
{
	_cleanup_free_ char *p = NULL;
	int fd, r;

	if (!abs || abs[0] != '/')
		return -EINVAL;
	p = strdup(abs);
	if (!p)
		return -ENOMEM;
	fd = open(*vb_root() ? vb_root() : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (char *save = NULL, *c = strtok_r(p, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int next;

		if (streq(c, "."))
			continue;
		if (streq(c, "..")) {
			close(fd);
			return -EINVAL;
		}
		next = vb_subdir_at(fd, c, mode, create);
		r = next;
		close(fd);
		if (r < 0)
			return r;
		fd = next;
	}
	return fd;
}

int vb_open_dir(const char *abs)
{
	return open_dir(abs, false, 0);
}

int vb_mkdir_p(const char *abs, mode_t mode)
{
	int fd = open_dir(abs, true, mode);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* A name nobody else has: a planted one only makes O_EXCL fail, and the next try differs. */
static int create_temp(int dirfd, const char *name, char *tmp, size_t size)
{
	static unsigned counter;

	for (int tries = 0; tries < 64; tries++) {
		struct timespec ts;
		int fd;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(tmp, size, ".%.200s.%d.%u.%lx", name, (int)getpid(), counter++,
			 (unsigned long)ts.tv_nsec);
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd < 0 ? -errno : fd;
	}
	return -EEXIST;
}

int vb_create_at(int dirfd, const char *name, const char *content, mode_t mode, bool replace)
{
	char tmp[300];
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (!vb_path_component_ok(name))
		return -EINVAL;
	if (replace)
		fd = create_temp(dirfd, name, tmp, sizeof(tmp));
	else {
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd < 0)
			fd = -errno;
	}
	if (fd < 0)
		return fd;
	/* The mode asked for, whatever the umask: a keyfile that others may read is ignored. */
	r = fchmod(fd, mode) < 0 ? -errno : 0;
	if (r == 0)
		r = vb_write_all(fd, content, strlen(content));
	if (r == 0 && replace && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0)
		(void)unlinkat(dirfd, replace ? tmp : name, 0);
	return r;
}

/* Splits abs into an open directory and the last component. */
static int open_parent(const char *abs, char **base)
{
	_cleanup_free_ char *dir = NULL;
	char *slash;
	int fd;

	if (!abs || abs[0] != '/')
		return -EINVAL;
	dir = strdup(abs);
	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	*base = strdup(slash + 1);
	if (!*base)
		return -ENOMEM;
	if (slash == dir)
		slash[1] = '\0'; /* "/name": the root itself */
	else
		*slash = '\0';
	fd = vb_open_dir(dir);
	if (fd < 0) {
		free(*base);
		*base = NULL;
	}
	return fd;
}

int vb_write_file_atomic(const char *abs, const char *content, mode_t mode)
{
	_cleanup_free_ char *base = NULL;
	_cleanup_close_ int dfd = open_parent(abs, &base);

	if (dfd < 0)
		return dfd;
	return vb_create_at(dfd, base, content, mode, true);
}

int vb_unlink(const char *abs)
{
	_cleanup_free_ char *base = NULL;
	_cleanup_close_ int dfd = open_parent(abs, &base);

	if (dfd < 0)
		return dfd;
	return unlinkat(dfd, base, 0) < 0 ? -errno : 0;
}
