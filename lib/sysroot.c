// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>

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
	int fd, flags;

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
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
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

/* done ("" for the root) + "/" + c, then what lstat says of it below the root. */
static int step(const char *done, const char *c, size_t n, char **next, struct stat *st)
{
	_cleanup_free_ char *full = NULL;
	int r;

	r = asprintf_safe(next, "%s/%.*s", done, (int)n, c);
	if (r < 0)
		return r;
	r = vb_path(*next, &full);
	if (r < 0)
		return r;
	return lstat(full, st) < 0 ? -errno : 0;
}

/* A link's target put before what is left to resolve; an absolute one restarts at the root. */
static int splice_link(const char *full, char *done, char **todo, const char *rest)
{
	char target[PATH_MAX];
	ssize_t n = readlink(full, target, sizeof(target) - 1);
	char *joined;

	if (n < 0)
		return -errno;
	target[n] = '\0';
	if (target[0] == '/')
		done[0] = '\0';
	if (asprintf_safe(&joined, "%s/%s", target, rest) < 0)
		return -ENOMEM;
	free(*todo);
	*todo = joined;
	return 0;
}

int vb_resolve(const char *abs, char **ret, struct stat *st)
{
	_cleanup_free_ char *done = strdup(""), *todo = NULL;
	struct stat tmp, *s = st ? st : &tmp;
	unsigned links = 0;
	const char *rest;
	int r;

	if (!abs || abs[0] != '/')
		return -EINVAL;
	todo = strdup(abs);
	if (!done || !todo)
		return -ENOMEM;
	for (rest = todo;;) {
		_cleanup_free_ char *next = NULL, *full = NULL;
		size_t n;

		rest += strspn(rest, "/");
		if (!*rest)
			break;
		n = strcspn(rest, "/");
		if (n == 1 && rest[0] == '.') {
			rest += n;
			continue;
		}
		if (n == 2 && rest[0] == '.' && rest[1] == '.') {
			*(strrchr(done, '/') ?: done) = '\0'; /* "/.." is "/" */
			rest += n;
			continue;
		}
		r = step(done, rest, n, &next, s);
		if (r < 0)
			return r;
		rest += n;
		if (!S_ISLNK(s->st_mode)) {
			free(done);
			done = TAKE_PTR(next);
			continue;
		}
		if (++links > 40)
			return -ELOOP;
		r = vb_path(next, &full);
		if (r < 0)
			return r;
		r = splice_link(full, done, &todo, rest);
		if (r < 0)
			return r;
		rest = todo;
	}
	if (!*done) {
		r = stat(*vb_root() ? vb_root() : "/", s) < 0 ? -errno : 0;
		if (r < 0)
			return r;
		free(done);
		done = strdup("/");
		if (!done)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(done);
	return 0;
}

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
