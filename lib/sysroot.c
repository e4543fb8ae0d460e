// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
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

int vb_open_kmsg(void)
{
	struct stat st;
	int fd;

	/* O_NONBLOCK: a FIFO in its place answers ENXIO at once instead of waiting for a reader. */
	fd = vb_open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_APPEND | O_NONBLOCK, 0);
	if (fd < 0)
		return fd;
	/* A tree's stand-in may be a plain file, which tests read back; nothing else will do. */
	if (fstat(fd, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISREG(st.st_mode))) {
		close(fd);
		return -ENODEV;
	}
	return fd;
}

int vb_read_fd(int fd, size_t max, char **ret, size_t *len)
{
	_cleanup_free_ char *buf = NULL;
	size_t n = 0, alloc = 0;

	for (;;) {
		ssize_t k;

		if (n + 1 >= alloc) {
			char *p;

			if (alloc >= max)
				return -EFBIG;
			alloc = alloc ? alloc * 2 : 256;
			p = realloc(buf, alloc);
			if (!p)
				return -ENOMEM;
			buf = p;
		}
		k = read(fd, buf + n, alloc - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		n += k;
	}
	buf[n] = '\0';
	*ret = TAKE_PTR(buf);
	if (len)
		*len = n;
	return 0;
}

static int read_fd(int fd, char **ret)
{
	size_t len;
	/* sysfs attributes are at most a page; this also bounds /proc/cmdline. */
	int r = vb_read_fd(fd, 1 << 20, ret, &len);

	if (r < 0)
		return r;
	while (len > 0 && (*ret)[len - 1] == '\n')
		(*ret)[--len] = '\0';
	return 0;
}

int vb_open_regular(const char *path, struct stat *st)
{
	struct stat before, after, *s = st ? st : &before;
	int fd;

	if (stat(path, s) < 0)
		return -errno;
	if (!S_ISREG(s->st_mode))
		return S_ISDIR(s->st_mode) ? -EISDIR : -EBADFD;
	before = *s;
	/* O_NONBLOCK: should a FIFO have taken the file's place since, the open does not wait. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &after) < 0 || !S_ISREG(after.st_mode) || after.st_dev != before.st_dev ||
	    after.st_ino != before.st_ino) {
		if (st)
			*st = after;
		close(fd);
		return S_ISDIR(after.st_mode) ? -EISDIR : -EBADFD;
	}
	/*
	 * O_NONBLOCK stays set: on a regular file reads ignore it, and clearing it would cost two
	 * system calls per file read (the generator reads a domain XML per guest at every boot).
	 */
	return fd;
}

int vb_read_file(const char *abs, char **ret)
{
	_cleanup_free_ char *p = NULL;
	_cleanup_close_ int fd = -EBADF;
	int r = vb_path(abs, &p);

	if (r < 0)
		return r;
	fd = vb_open_regular(p, NULL);
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

static int read_link(const char *abs, char **ret)
{
	_cleanup_free_ char *p = NULL;
	char buf[PATH_MAX];
	ssize_t n;
	int r;

	*ret = NULL;
	r = vb_path(abs, &p);
	if (r < 0)
		return r;
	n = readlink(p, buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	*ret = strdup(buf);
	return *ret ? 0 : -ENOMEM;
}

int vb_readlink_base(const char *abs, char **ret)
{
	const char *base;
	int r = read_link(abs, ret);

	if (r < 0)
		return r;
	base = strrchr(*ret, '/');
	if (base)
		memmove(*ret, base + 1, strlen(base + 1) + 1);
	return 0;
}

bool vb_exists(const char *abs)
{
	_cleanup_free_ char *p = NULL;

	if (vb_path(abs, &p) < 0)
		return false;
	return access(p, F_OK) == 0;
}

int vb_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

int vb_fopen(const char *abs, FILE **ret)
{
	int fd = vb_open(abs, O_RDONLY, 0), r;

	*ret = NULL;
	if (fd < 0)
		return fd;
	*ret = fdopen(fd, "re");
	if (!*ret) {
		r = -errno;
		close(fd);
		return r;
	}
	return 0;
}

int vb_opendir(const char *abs, DIR **ret)
{
	_cleanup_free_ char *p = NULL;
	int fd, r;

	*ret = NULL;
	r = vb_path(abs, &p);
	if (r < 0)
		return r;
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret = fdopendir(fd);
	if (!*ret) {
		r = -errno;
		close(fd);
		return r;
	}
	return 0;
}

int vb_read_buf(const char *abs, char *buf, size_t size)
{
	_cleanup_free_ char *p = NULL;
	_cleanup_close_ int fd = -EBADF;
	size_t len = 0;
	int r;

	if (size == 0)
		return -EINVAL;
	r = vb_path(abs, &p);
	if (r < 0)
		return r;
	fd = vb_open_regular(p, NULL);
	if (fd < 0)
		return fd;
	/* One byte past the buffer tells a file that fits exactly from one cut short. */
	for (;;) {
		char extra;
		ssize_t n =
			len < size - 1 ? read(fd, buf + len, size - 1 - len) : read(fd, &extra, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		if (len == size - 1)
			return -EFBIG;
		len += n;
	}
	buf[len] = '\0';
	if (strlen(buf) != len)
		return -EILSEQ;
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	return 0;
}

/* The path a variadic function's fmt and arguments give, malloc'd; NULL when out of memory. */
#define FORMAT(fmt)                               \
	({                                        \
		va_list _ap;                      \
		char *_s;                         \
                                                  \
		va_start(_ap, fmt);               \
		if (vasprintf(&_s, fmt, _ap) < 0) \
			_s = NULL;                \
		va_end(_ap);                      \
		_s;                               \
	})

int vb_pathf(char **ret, const char *fmt, ...)
{
	_cleanup_free_ char *abs = FORMAT(fmt);

	*ret = NULL;
	return abs ? vb_path(abs, ret) : -ENOMEM;
}

int vb_openf(int flags, const char *fmt, ...)
{
	_cleanup_free_ char *abs = FORMAT(fmt);

	return abs ? vb_open(abs, flags, 0) : -ENOMEM;
}

int vb_opendirf(DIR **ret, const char *fmt, ...)
{
	_cleanup_free_ char *abs = FORMAT(fmt);

	*ret = NULL;
	return abs ? vb_opendir(abs, ret) : -ENOMEM;
}

int vb_readf(char **ret, const char *fmt, ...)
{
	_cleanup_free_ char *abs = FORMAT(fmt);

	*ret = NULL;
	return abs ? vb_read_file(abs, ret) : -ENOMEM;
}

int vb_readf_buf(char *buf, size_t size, const char *fmt, ...)
{
	_cleanup_free_ char *abs = FORMAT(fmt);

	return abs ? vb_read_buf(abs, buf, size) : -ENOMEM;
}

bool vb_existsf(const char *fmt, ...)
{
	_cleanup_free_ char *abs = FORMAT(fmt);

	return abs && vb_exists(abs);
}

int vb_readlink_basef(char **ret, const char *fmt, ...)
{
	_cleanup_free_ char *abs = FORMAT(fmt);

	*ret = NULL;
	return abs ? vb_readlink_base(abs, ret) : -ENOMEM;
}

int vb_readlinkf(char **ret, const char *fmt, ...)
{
	_cleanup_free_ char *abs = FORMAT(fmt);

	*ret = NULL;
	return abs ? read_link(abs, ret) : -ENOMEM;
}
