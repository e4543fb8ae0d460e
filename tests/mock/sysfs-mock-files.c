// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Small file helpers on the fake tree for the kernel double; every call goes to the real libc.
 */
#include "sysfs-mock.h"

/* ------------------------------------------------------------------------ */
/* Small file helpers on the fake tree; every call goes to the real libc.   */

/* ROOT/rel, or an empty string when it does not fit (every call then fails). */
char *at_root(char buf[PATH_MAX], const char *fmt, ...)
{
	va_list ap;
	size_t n = M.reallen + 1;
	int r;

	memcpy(buf, M.real, M.reallen);
	buf[M.reallen] = '/';
	va_start(ap, fmt);
	r = vsnprintf(buf + n, PATH_MAX - n, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= PATH_MAX - n)
		buf[0] = '\0';
	return buf;
}

/* strlcpy: a name that does not fit will not match anything anyway. */
void copy_str(char *out, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(out, src, n);
	out[n] = '\0';
}

/* DIR/NAME into buf, or an empty string when too long (every call then fails). */
char *path_join(char buf[PATH_MAX], const char *dir, const char *name)
{
	if ((size_t)snprintf(buf, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		buf[0] = '\0';
	return buf;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define _cleanup_close_ __attribute__((cleanup(close_fd)))

/* Whole (small) file into buf, NUL-terminated; -errno on failure. */
ssize_t read_file(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = REAL(open)(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

int write_file(const char *path, const char *text, int flags)
{
	_cleanup_close_ int fd = REAL(open)(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
	size_t len = strlen(text);

	if (fd < 0)
		return -errno;
	if (REAL(write)(fd, text, len) != (ssize_t)len)
		return -EIO;
	return 0;
}

bool is_dir(const char *path)
{
	struct stat st;

	return REAL(stat)(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const char *path)
{
	struct stat st;

	return REAL(lstat)(path, &st) == 0;
}

/* Target of a symlink, reduced to its last component ("" when not a link). */
void link_basename(const char *path, char *out, size_t size)
{
	char target[PATH_MAX];
	ssize_t n = REAL(readlink)(path, target, sizeof(target) - 1);
	const char *slash;

	out[0] = '\0';
	if (n <= 0)
		return;
	target[n] = '\0';
	slash = strrchr(target, '/');
	copy_str(out, size, slash != NULL ? slash + 1 : target);
}

void mkdir_p(const char *path)
{
	char tmp[PATH_MAX];

	copy_str(tmp, sizeof(tmp), path);
	for (char *p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		REAL(mkdir)(tmp, 0755);
		*p = '/';
	}
	REAL(mkdir)(tmp, 0755);
}

void rm_rf(const char *path)
{
	DIR *d;
	struct dirent *e;
	char child[PATH_MAX];

	if (REAL(unlink)(path) == 0 || errno != EISDIR)
		return;
	d = REAL(opendir)(path);
	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, e->d_name) <
			    sizeof(child))
				rm_rf(child);
		}
		closedir(d);
	}
	REAL(rmdir)(path);
}

/* The value after "KEY " on the first line of a state file starting so. */
bool lookup_pair(const char *rel, const char *key, char *out, size_t size)
{
	char path[PATH_MAX], text[16384], *line, *save = NULL;
	size_t klen = strlen(key);

	if (read_file(at_root(path, "%s", rel), text, sizeof(text)) < 0)
		return false;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, key, klen) != 0 || (line[klen] != ' ' && line[klen] != '\t'))
			continue;
		line += klen + strspn(line + klen, " \t");
		line[strcspn(line, " \t")] = '\0';
		copy_str(out, size, line);
		return true;
	}
	return false;
}
