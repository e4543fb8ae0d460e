// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>

#include "log.h"
#include "netcfg.h"
#include "sysroot.h"
#include "util.h"

static const char *const unit_dirs[] = {
	"/etc/systemd/system",
	"/run/systemd/system",
	"/usr/lib/systemd/system",
	"/lib/systemd/system",
};

static bool masked(const char *unit)
{
	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *p = NULL;
		char target[PATH_MAX];
		struct stat st;
		ssize_t n;

		if (vb_pathf(&p, "%s/%s", unit_dirs[i], unit) < 0)
			continue;
		if (lstat(p, &st) < 0)
			continue;
		/* systemctl mask links to /dev/null; an empty file masks too. */
		if (S_ISREG(st.st_mode) && st.st_size == 0)
			return true;
		n = S_ISLNK(st.st_mode) ? readlink(p, target, sizeof(target) - 1) : -1;
		if (n > 0) {
			target[n] = '\0';
			if (streq(target, "/dev/null"))
				return true;
		}
	}
	return false;
}

static bool linked_in(const char *dir, const char *unit)
{
	_cleanup_free_ char *p = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (vb_path(dir, &p) < 0)
		return false;
	d = opendir(p);
	if (!d)
		return false;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		_cleanup_free_ char *lp = NULL;
		struct stat st;

		if (!((n > 6 && streq(de->d_name + n - 6, ".wants")) ||
		      (n > 9 && streq(de->d_name + n - 9, ".requires"))))
			continue;
		if (vb_pathf(&lp, "%s/%s/%s", dir, de->d_name, unit) < 0)
			continue;
		/* The link itself: its target is a path on the running system, not below the root. */
		if (lstat(lp, &st) == 0)
			return true;
	}
	return false;
}

static bool enabled(const char *unit)
{
	if (masked(unit))
		return false;
	for (size_t i = 0; i < ELEMENTSOF(unit_dirs); i++)
		if (linked_in(unit_dirs[i], unit))
			return true;
	return false;
}

enum netcfg_backend netcfg_detect(void)
{
	bool nm = enabled("NetworkManager.service");
	bool networkd = enabled("systemd-networkd.service");

	if (nm && networkd) {
		log_warn(
			0,
			"both NetworkManager and systemd-networkd are enabled: configuring the bridge for NetworkManager only (disable one of them)");
		return NETCFG_NM;
	}
	if (nm)
		return NETCFG_NM;
	if (networkd)
		return NETCFG_NETWORKD;
	return NETCFG_NONE;
}

const char *netcfg_backend_name(enum netcfg_backend b)
{
	switch (b) {
	case NETCFG_NETWORKD:
		return "systemd-networkd";
	case NETCFG_NM:
		return "NetworkManager";
	default:
		return "none";
	}
}
