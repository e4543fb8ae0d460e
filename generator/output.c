// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "output.h"
#include "util.h"

static int check_name(const char *name)
{
	if (!*name || strchr(name, '/') || streq(name, ".") || streq(name, "..") ||
	    strlen(name) > NAME_MAX)
		return -EINVAL;
	return 0;
}

int out_subdir(int dirfd, const char *name)
{
	int fd, r;

	r = check_name(name);
	if (r < 0)
		return r;
	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return -errno;
	/* O_NOFOLLOW: an existing symlink of that name is refused, not followed. */
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int out_file(int dirfd, const char *name, const char *content)
{
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen(content);
	int r;

	r = check_name(name);
	if (r < 0)
		return r;
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t n = write(fd, content, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			(void)unlinkat(dirfd, name, 0);
			return r;
		}
		content += n;
		len -= n;
	}
	return 0;
}

int out_symlink(int dirfd, const char *name, const char *target)
{
	int r = check_name(name);

	if (r < 0)
		return r;
	return symlinkat(target, dirfd, name) < 0 ? -errno : 0;
}
