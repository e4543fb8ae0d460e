// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Resolving a path below the root as the kernel would if the root were "/": a link on the way
 * is followed below the root, never out of it (a tree's absolute links name the tree's paths).
 */
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>

#include "sysroot.h"
#include "util.h"

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
