// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Loading the config: which files, in which order, and the owner and type checks that refuse
 * the whole of it.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "config-schema.h"
#include "config.h"
#include "log.h"
#include "strbuf.h"
#include "sysroot.h"
#include "util.h"

/* Refuses the whole config: logged once, and kept for those who report it later. */
static int config_refuse(struct vb_config *cfg, const char *fmt, ...) _printf_(2, 3);

static int config_refuse(struct vb_config *cfg, const char *fmt, ...)
{
	char buf[sizeof(cfg->refused)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!*cfg->refused)
		memcpy(cfg->refused, buf, sizeof(buf));
	return cfg->quiet ? -EPERM : log_err(-EPERM, "%s", buf);
}

/* Root must own what decides which devices leave the host, and no one else may write it. */
static int check_owner(struct vb_config *cfg, const char *shown, const struct stat *st)
{
	if (st->st_uid != 0)
		return config_refuse(
			cfg,
			"%s is owned by uid %u, not root: refusing the whole config, claiming nothing; fix: chown root:root %s",
			shown, (unsigned)st->st_uid, shown);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return config_refuse(
			cfg,
			"%s is writable by group or others (mode %04o): refusing the whole config, claiming nothing; fix: chmod go-w %s",
			shown, (unsigned)(st->st_mode & 07777), shown);
	return 0;
}

static const char *file_type(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	default:
		return "of an unknown type";
	}
}

int vb_config_open(const char *path, const char *shown, char *why, size_t why_size)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	if (!why)
		why_size = 0;
	fd = vb_open_regular(path, &st);
	if (fd >= 0)
		return fd;
	if (fd == -ENOENT) {
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			return -ENOENT;
		target[n] = '\0';
		snprintf(why, why_size, "%s is a link to %s, which does not exist", shown, target);
		return -ENOLINK;
	}
	if (fd == -EISDIR || fd == -EBADFD)
		snprintf(why, why_size, "%s is %s, not a regular file", shown,
			 file_type(st.st_mode));
	else if (fd == -ELOOP)
		snprintf(
			why, why_size,
			"%s: too many levels of symbolic links (a link that leads back to itself?)",
			shown);
	else
		snprintf(why, why_size, "%s: %s", shown, strerror(-fd));
	return fd;
}

static int load_file(struct vb_config *cfg, const char *path, const char *shown)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	char why[sizeof(cfg->refused) - 64];
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int r;

	fd = vb_config_open(path, shown, why, sizeof(why));
	if (fd == -ENOENT || fd == -ENOMEM)
		return fd;
	if (fd < 0)
		return config_refuse(cfg, "%s: refusing the whole config, claiming nothing", why);
	if (fstat(fd, &st) < 0)
		return config_refuse(cfg, "%s: %s: refusing the whole config, claiming nothing",
				     shown, strerror(errno));
	r = check_owner(cfg, shown, &st);
	if (r < 0)
		return r;
	if (st.st_size > 1 << 20)
		return config_refuse(
			cfg, "%s is larger than 1 MiB: refusing the whole config, claiming nothing",
			shown);
	buf = malloc(st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return config_refuse(cfg,
					     "%s: %s: refusing the whole config, claiming nothing",
					     shown, strerror(errno));
		if (n == 0)
			break;
		len += n;
	}
	return vb_config_parse(cfg, shown, buf, len);
}

static int check_dir(struct vb_config *cfg, const char *abs)
{
	_cleanup_free_ char *p = NULL;
	struct stat st;
	int r;

	r = vb_path(abs, &p);
	if (r < 0)
		return r;
	if (stat(p, &st) < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return config_refuse(cfg, "%s: %s: refusing the whole config, claiming nothing",
				     abs, strerror(errno));
	}
	return check_owner(cfg, abs, &st);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dropins(struct vb_config *cfg)
{
	_cleanup_closedir_ DIR *dir = NULL;
	char **names = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	int r;

	r = vb_opendir(VB_CONFIG_DROPINS, &dir);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return config_refuse(cfg, "%s: %s: refusing the whole config, claiming nothing",
				     VB_CONFIG_DROPINS, strerror(-r));
	r = check_dir(cfg, VB_CONFIG_DROPINS);
	if (r < 0)
		return r;
	while ((de = readdir(dir))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 6 || !streq(de->d_name + len - 5, ".conf"))
			continue;
		r = vb_strv_add(&names, &n, &alloc, de->d_name);
		if (r < 0)
			goto out;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *shown = NULL, *path = NULL;
		r = asprintf_safe(&shown, "%s/%s", VB_CONFIG_DROPINS, names[i]);
		if (r < 0)
			goto out;
		r = vb_path(shown, &path);
		if (r < 0)
			goto out;
		r = load_file(cfg, path, shown);
		if (r == -ENOENT)
			r = 0; /* removed while we read the directory */
		if (r < 0)
			goto out;
	}
out:
	vb_strv_free(names, n);
	return r;
}

static int config_load(struct vb_config *cfg, const char *file, bool quiet)
{
	_cleanup_free_ char *path = NULL;
	int r;

	*cfg = (struct vb_config){.quiet = quiet};
	if (file) {
		r = load_file(cfg, file, file);
		if (r == -ENOENT)
			return quiet ? r : log_err(r, "%s: no such file", file);
		if (r < 0)
			return r;
		return vb_config_resolve(cfg);
	}

	r = check_dir(cfg, VB_CONFIG_DIR);
	if (r < 0)
		return r;
	r = vb_path(VB_CONFIG_FILE, &path);
	if (r < 0)
		return r;
	r = load_file(cfg, path, VB_CONFIG_FILE);
	if (r < 0 && r != -ENOENT)
		return r;
	r = load_dropins(cfg);
	if (r < 0)
		return r;
	if (cfg->n_files == 0)
		return -ENOENT;
	return vb_config_resolve(cfg);
}

int vb_config_load(struct vb_config *cfg, const char *file)
{
	return config_load(cfg, file, false);
}

int vb_config_load_quiet(struct vb_config *cfg, const char *file)
{
	return config_load(cfg, file, true);
}

void vb_config_free(struct vb_config *cfg)
{
	for (size_t i = 0; i < cfg->n_devices; i++)
		vb_selector_done(&cfg->devices[i].sel);
	free(cfg->devices);
	vb_usb_sections_free(cfg);
	for (size_t i = 0; i < cfg->n_sections; i++) {
		struct vb_section *s = &cfg->sections[i];
		for (size_t j = 0; j < s->n_settings; j++) {
			free(s->settings[j].key);
			free(s->settings[j].value);
		}
		free(s->settings);
		free(s->name);
	}
	free(cfg->sections);
	free(cfg->index);
	for (size_t i = 0; i < cfg->n_files; i++)
		free(cfg->files[i]);
	free(cfg->files);
	*cfg = (struct vb_config){0};
}
