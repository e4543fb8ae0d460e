// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "sysroot.h"
#include "util.h"

static char *root;

int vb_root_set(const char *dir)
{
	char *p;
	size_t n;

	if (!dir)
		dir = getenv("VFIO_BOOT_ROOT");
	free(root);
	root = NULL;
	if (!dir || !*dir)
		return 0;
	if (dir[0] != '/')
		return -EINVAL;
	p = strdup(dir);
	if (!p)
		return -ENOMEM;
	/* "/" and "/x/" must not give "//sys" or "/x//sys". */
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		p[--n] = '\0';
	if (n == 0) {
		free(p);
		return 0;
	}
	root = p;
	return 0;
}

const char *vb_root(void)
{
	return root ? root : "";
}

bool vb_root_is_host(void)
{
	return !root;
}

int vb_path(const char *abs, char **ret)
{
	if (!abs || abs[0] != '/')
		return -EINVAL;
	return asprintf_safe(ret, "%s%s", vb_root(), abs);
}

int vb_open(const char *abs, int flags, mode_t mode)
{
	_cleanup_free_ char *p = NULL;
	int fd, r;

	r = vb_path(abs, &p);
	if (r < 0)
		return r;
	fd = open(p, flags | O_CLOEXEC, mode);
	return fd < 0 ? -errno : fd;
}

static int read_fd(int fd, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, alloc = 0;
	ssize_t n;

	for (;;) {
		if (len + 1 >= alloc) {
			char *p;
			/* sysfs attributes are at most a page; this also bounds /proc/cmdline. */
			if (alloc >= 1 << 20)
				return -EFBIG;
			alloc = alloc ? alloc * 2 : 256;
			p = realloc(buf, alloc);
			if (!p)
				return -ENOMEM;
			buf = p;
		}
		n = read(fd, buf + len, alloc - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

int vb_read_file(const char *abs, char **ret)
{
	_cleanup_close_ int fd = vb_open(abs, O_RDONLY, 0);

	if (fd < 0)
		return fd;
	return read_fd(fd, ret);
}

int vb_read_file_at(int dirfd, const char *rel, char **ret)
{
	_cleanup_close_ int fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return read_fd(fd, ret);
}

int vb_write_file(const char *abs, const char *value)
{
	_cleanup_close_ int fd = vb_open(abs, O_WRONLY, 0);
	size_t len = strlen(value);
	ssize_t n;

	if (fd < 0)
		return fd;
	/* sysfs takes one write as one store; a short write is a failure, not a retry. */
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

int vb_readlink_base(const char *abs, char **ret)
{
	_cleanup_free_ char *p = NULL;
	char buf[PATH_MAX];
	const char *base;
	ssize_t n;
	int r;

	r = vb_path(abs, &p);
	if (r < 0)
		return r;
	n = readlink(p, buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	base = strrchr(buf, '/');
	base = base ? base + 1 : buf;
	*ret = strdup(base);
	return *ret ? 0 : -ENOMEM;
}

bool vb_exists(const char *abs)
{
	_cleanup_free_ char *p = NULL;

	if (vb_path(abs, &p) < 0)
		return false;
	return access(p, F_OK) == 0;
}

int vb_mkdir_p(const char *abs, mode_t mode)
{
	_cleanup_free_ char *p = NULL;
	size_t skip = strlen(vb_root());
	int r;

	r = vb_path(abs, &p);
	if (r < 0)
		return r;
	for (char *s = p + skip + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = c;
		if (!c)
			break;
	}
	return 0;
}

int vb_write_file_atomic(const char *abs, const char *content, mode_t mode)
{
	_cleanup_free_ char *p = NULL, *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen(content);
	int r;

	r = vb_path(abs, &p);
	if (r < 0)
		return r;
	r = asprintf_safe(&tmp, "%s.tmp", p);
	if (r < 0)
		return r;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, content, len) != (ssize_t)len) {
		r = errno ? -errno : -EIO;
		unlink(tmp);
		return r;
	}
	if (rename(tmp, p) < 0) {
		r = -errno;
		unlink(tmp);
		return r;
	}
	return 0;
}
