// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel double's path redirection wrappers: every libc entry point that takes a path
 * moves it into the fake root when it points at a kernel interface.
 */
#include "sysfs-mock.h"

/* ------------------------------------------------------------------------ */
/* Path redirection wrappers.                                               */

#define NEEDS_MODE(flags) (((flags)&O_CREAT) != 0 || ((flags)&O_TMPFILE) == O_TMPFILE)

#define OPEN_MODE(flags)                                  \
	({                                                \
		mode_t mode_ = 0;                         \
		if (NEEDS_MODE(flags)) {                  \
			va_list ap_;                      \
			va_start(ap_, flags);             \
			mode_ = (mode_t)va_arg(ap_, int); \
			va_end(ap_);                      \
		}                                         \
		mode_;                                    \
	})

/* A wrapper whose only path argument is named "path". */
#define WRAP_PATH(ret, fn, params, ...)       \
	_export_ ret fn params                \
	{                                     \
		char buf_[PATH_MAX];          \
		path = redirect(path, buf_);  \
		return REAL(fn)(__VA_ARGS__); \
	}

/*
 * O_TRUNC means nothing to sysfs, but would empty the fake attribute before
 * the store runs (a shell's "echo x > driver_override" asks for it).
 */
static int sysfs_flags(int dirfd, const char *path, int flags)
{
	char dir[PATH_MAX], proc[64];
	const char *full = path;
	ssize_t n;

	if (!(flags & O_TRUNC) || path == NULL || !mock_active())
		return flags;
	if (path[0] != '/') {
		if (dirfd == AT_FDCWD) {
			if (getcwd(dir, sizeof(dir)) == NULL)
				return flags;
		} else {
			snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dirfd);
			n = REAL(readlink)(proc, dir, sizeof(dir) - 1);
			if (n <= 0)
				return flags;
			dir[n] = '\0';
		}
		full = dir;
	}
	if ((strncmp(full, M.root, M.rootlen) == 0 && has_prefix(full + M.rootlen, "/sys", 4)) ||
	    (strncmp(full, M.real, M.reallen) == 0 && has_prefix(full + M.reallen, "/sys", 4)))
		return flags & ~O_TRUNC;
	return flags;
}

_export_ int open(const char *path, int flags, ...)
{
	char buf[PATH_MAX];

	path = redirect(path, buf);
	return REAL(open)(path, sysfs_flags(AT_FDCWD, path, flags), OPEN_MODE(flags));
}

_export_ int open64(const char *path, int flags, ...)
{
	char buf[PATH_MAX];

	path = redirect(path, buf);
	return REAL(open64)(path, sysfs_flags(AT_FDCWD, path, flags), OPEN_MODE(flags));
}

_export_ int openat(int dirfd, const char *path, int flags, ...)
{
	char buf[PATH_MAX];

	path = redirect(path, buf);
	return REAL(openat)(dirfd, path, sysfs_flags(dirfd, path, flags), OPEN_MODE(flags));
}

_export_ int openat64(int dirfd, const char *path, int flags, ...)
{
	char buf[PATH_MAX];

	path = redirect(path, buf);
	return REAL(openat64)(dirfd, path, sysfs_flags(dirfd, path, flags), OPEN_MODE(flags));
}

/* The _FORTIFY_SOURCE entry points, used by callers built with it. */
WRAP_PATH(int, __open_2, (const char *path, int flags), path, flags)
WRAP_PATH(int, __open64_2, (const char *path, int flags), path, flags)
WRAP_PATH(int, __openat_2, (int dirfd, const char *path, int flags), dirfd, path, flags)
WRAP_PATH(int, __openat64_2, (int dirfd, const char *path, int flags), dirfd, path, flags)
WRAP_PATH(int, creat, (const char *path, mode_t mode), path, mode)
WRAP_PATH(int, creat64, (const char *path, mode_t mode), path, mode)

WRAP_PATH(FILE *, fopen, (const char *path, const char *mode), path, mode)
WRAP_PATH(FILE *, fopen64, (const char *path, const char *mode), path, mode)
WRAP_PATH(FILE *, freopen, (const char *path, const char *mode, FILE *f), path, mode, f)
WRAP_PATH(FILE *, freopen64, (const char *path, const char *mode, FILE *f), path, mode, f)
WRAP_PATH(DIR *, opendir, (const char *path), path)

typedef int (*scandir_filter)(const struct dirent *);
typedef int (*scandir_compar)(const struct dirent **, const struct dirent **);
typedef int (*scandir64_filter)(const struct dirent64 *);
typedef int (*scandir64_compar)(const struct dirent64 **, const struct dirent64 **);
WRAP_PATH(int, scandir,
	  (const char *path, struct dirent ***list, scandir_filter filter, scandir_compar compar),
	  path, list, filter, compar)
WRAP_PATH(int, scandir64,
	  (const char *path, struct dirent64 ***list, scandir64_filter filter,
	   scandir64_compar compar),
	  path, list, filter, compar)

WRAP_PATH(int, stat, (const char *path, struct stat *st), path, st)
WRAP_PATH(int, stat64, (const char *path, struct stat64 *st), path, st)
WRAP_PATH(int, lstat, (const char *path, struct stat *st), path, st)
WRAP_PATH(int, lstat64, (const char *path, struct stat64 *st), path, st)
WRAP_PATH(int, fstatat, (int dirfd, const char *path, struct stat *st, int flags), dirfd, path, st,
	  flags)
WRAP_PATH(int, fstatat64, (int dirfd, const char *path, struct stat64 *st, int flags), dirfd, path,
	  st, flags)
WRAP_PATH(int, statx, (int dirfd, const char *path, int flags, unsigned int mask, struct statx *st),
	  dirfd, path, flags, mask, st)
/* Binaries built against glibc before 2.33 call these instead. */
WRAP_PATH(int, __xstat, (int ver, const char *path, struct stat *st), ver, path, st)
WRAP_PATH(int, __xstat64, (int ver, const char *path, struct stat64 *st), ver, path, st)
WRAP_PATH(int, __lxstat, (int ver, const char *path, struct stat *st), ver, path, st)
WRAP_PATH(int, __lxstat64, (int ver, const char *path, struct stat64 *st), ver, path, st)
WRAP_PATH(int, __fxstatat, (int ver, int dirfd, const char *path, struct stat *st, int flags), ver,
	  dirfd, path, st, flags)
WRAP_PATH(int, __fxstatat64, (int ver, int dirfd, const char *path, struct stat64 *st, int flags),
	  ver, dirfd, path, st, flags)

WRAP_PATH(int, access, (const char *path, int mode), path, mode)
WRAP_PATH(int, euidaccess, (const char *path, int mode), path, mode)
WRAP_PATH(int, eaccess, (const char *path, int mode), path, mode)
WRAP_PATH(int, faccessat, (int dirfd, const char *path, int mode, int flags), dirfd, path, mode,
	  flags)

WRAP_PATH(ssize_t, readlink, (const char *path, char *buf, size_t len), path, buf, len)
WRAP_PATH(ssize_t, readlinkat, (int dirfd, const char *path, char *buf, size_t len), dirfd, path,
	  buf, len)
WRAP_PATH(ssize_t, __readlink_chk, (const char *path, char *buf, size_t len, size_t buflen), path,
	  buf, len, buflen)
WRAP_PATH(ssize_t, __readlinkat_chk,
	  (int dirfd, const char *path, char *buf, size_t len, size_t buflen), dirfd, path, buf,
	  len, buflen)
WRAP_PATH(char *, __realpath_chk, (const char *path, char *resolved, size_t resolvedlen), path,
	  resolved, resolvedlen)
WRAP_PATH(char *, canonicalize_file_name, (const char *path), path)

/* The answer stays inside the fake root: the caller may open it again. */
_export_ char *realpath(const char *path, char *resolved)
{
	char buf[PATH_MAX];

	return real_realpath(redirect(path, buf), resolved);
}

WRAP_PATH(int, mkdir, (const char *path, mode_t mode), path, mode)
WRAP_PATH(int, mkdirat, (int dirfd, const char *path, mode_t mode), dirfd, path, mode)
WRAP_PATH(int, rmdir, (const char *path), path)
WRAP_PATH(int, unlink, (const char *path), path)
WRAP_PATH(int, unlinkat, (int dirfd, const char *path, int flags), dirfd, path, flags)
WRAP_PATH(int, chdir, (const char *path), path)
WRAP_PATH(int, truncate, (const char *path, off_t len), path, len)
/* A symlink's target is data, not a path we resolve: only the link moves. */
WRAP_PATH(int, symlink, (const char *target, const char *path), target, path)
WRAP_PATH(int, symlinkat, (const char *target, int dirfd, const char *path), target, dirfd, path)

_export_ int rename(const char *from, const char *to)
{
	char a[PATH_MAX], b[PATH_MAX];

	return REAL(rename)(redirect(from, a), redirect(to, b));
}

_export_ int renameat(int fromfd, const char *from, int tofd, const char *to)
{
	char a[PATH_MAX], b[PATH_MAX];

	return REAL(renameat)(fromfd, redirect(from, a), tofd, redirect(to, b));
}
