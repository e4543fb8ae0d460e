// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "output.h"
#include "sysroot.h"
#include "util.h"

static int check_name(const char *name)
{
	return vb_path_component_ok(name) ? 0 : -EINVAL;
}

int out_subdir(int dirfd, const char *name)
{
	int r = check_name(name);

	if (r < 0)
		return r;
	return vb_subdir_at(dirfd, name, 0755, true);
}

int out_file(int dirfd, const char *name, const char *content)
{
	int r = check_name(name);

	if (r < 0)
		return r;
	return vb_create_at(dirfd, name, content, 0644, false);
}

int out_symlink(int dirfd, const char *name, const char *target)
{
	int r = check_name(name);

	if (r < 0)
		return r;
	return symlinkat(target, dirfd, name) < 0 ? -errno : 0;
}
