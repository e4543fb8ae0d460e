// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Builds fake kernel trees for the tests; see fixture.h for the layout. This part holds the
 * tree itself (made, removed, written, read); the other parts add what lives in it:
 * fixture-pci.c (devices and drivers), fixture-modules.c (loaded modules, module trees),
 * fixture-q35.c (the q35 stand-in), fixture-run.c (programs run under the kernel double).
 *
 * The tree must look like a real sysfs down to relative symlinks and config
 * space bytes, because the binder reads it as it would read a real one.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stddef.h>
#include <cmocka.h>

#include "fixture-internal.h"
#include "mock-common.h"

void fx_die(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_msg("fixture: %s", msg);
	abort(); /* fail_msg() only returns outside a running test */
}

char *fx_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		fx_die("out of memory");
	return s;
}

char *fx_path(const struct fx *fx, const char *rel)
{
	while (*rel == '/')
		rel++;
	return fx_asprintf("%s/%s", fx->root, rel);
}

const char *fx_root(const struct fx *fx)
{
	return fx->root;
}

void fx_mkdirs(const char *path)
{
	_cleanup_free_ char *tmp = NULL;

	/* Most parents exist already: try the cheap way first. */
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return;
	tmp = fx_asprintf("%s", path);
	for (char *p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			fx_die("mkdir %s: %m", tmp);
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		fx_die("mkdir %s: %m", tmp);
}

void fx_mkdir_rel(const struct fx *fx, const char *rel)
{
	_cleanup_free_ char *path = fx_path(fx, rel);

	fx_mkdirs(path);
}

void fx_put_bytes(const char *path, const void *data, size_t len, mode_t mode, int flags)
{
	_cleanup_free_ char *dir = fx_asprintf("%s", path);
	int fd;

	*strrchr(dir, '/') = '\0';
	fx_mkdirs(dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, mode);
	if (fd < 0)
		fx_die("open %s: %m", path);
	if (fchmod(fd, mode) < 0 || write(fd, data, len) != (ssize_t)len)
		fx_die("write %s: %m", path);
	close(fd);
}

void fx_append(const struct fx *fx, const char *rel, const char *text)
{
	_cleanup_free_ char *path = fx_path(fx, rel);

	fx_put_bytes(path, text, strlen(text), 0644, O_APPEND);
}

void fx_symlink_abs(const char *link, const char *target)
{
	_cleanup_free_ char *dir = fx_asprintf("%s", link);
	char rel[PATH_MAX];

	*strrchr(dir, '/') = '\0';
	if (mock_relpath(dir, target, rel, sizeof(rel)) < 0)
		fx_die("path too long: %s", target);
	if (symlink(rel, link) < 0)
		fx_die("symlink %s -> %s: %m", link, rel);
}

bool fx_exists(const struct fx *fx, const char *rel)
{
	_cleanup_free_ char *path = fx_path(fx, rel);
	struct stat st;

	return lstat(path, &st) == 0;
}

/*
 * $TMPDIR, else /dev/shm: a machine is a few hundred tiny files and links,
 * which a disk file system makes four times slower to build than tmpfs.
 */
static const char *temp_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	struct stat st;

	if (tmp != NULL && *tmp != '\0')
		return tmp;
	if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0)
		return "/dev/shm";
	return "/tmp";
}

/* The directories and files every tree starts with, below fx->root. */
static void populate(struct fx *fx)
{
	static const char *const dirs[] = {
		"sys/devices",
		"sys/bus/pci/devices",
		"sys/bus/pci/drivers",
		"sys/bus/pci/slots",
		"sys/kernel/iommu_groups",
		"sys/module",
		"sys/class",
		"proc/sys/kernel",
		"run",
		"etc/vfio-boot",
		"lib/modules",
		MOCK_STATE_DIR,
	};
	static const char *const files[][2] = {
		{"sys/bus/pci/drivers_probe", ""},
		{"sys/bus/pci/drivers_autoprobe", "1\n"},
		{"sys/bus/pci/rescan", ""},
		{"proc/modules", ""},
		{"dev/kmsg", ""},
	};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		fx_mkdir_rel(fx, dirs[i]);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		fx_write(fx, files[i][0], files[i][1], 0);
	fx_cmdline(fx, "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet");
	fx_osrelease(fx, "6.1.0-test");
}

struct fx *fx_new(void)
{
	_cleanup_free_ char *tmpl = fx_asprintf("%s/vfio-boot-fx.XXXXXX", temp_dir());
	struct fx *fx = calloc(1, sizeof(*fx));

	if (fx == NULL || mkdtemp(tmpl) == NULL)
		fx_die("mkdtemp %s: %m", tmpl);
	fx->root = realpath(tmpl, NULL);
	if (fx->root == NULL)
		fx_die("realpath %s: %m", tmpl);
	populate(fx);
	return fx;
}

struct fx *fx_at(const char *dir, bool create)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		fx_die("out of memory");
	if (create && mkdir(dir, 0755) < 0)
		fx_die("mkdir %s: %m", dir);
	fx->root = realpath(dir, NULL);
	if (fx->root == NULL)
		fx_die("realpath %s: %m", dir);
	if (create)
		populate(fx);
	return fx;
}

void fx_symlink(struct fx *fx, const char *rel, const char *target_rel)
{
	_cleanup_free_ char *link = fx_path(fx, rel), *target = fx_path(fx, target_rel);

	fx_symlink_abs(link, target);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

void fx_rm_rf(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void fx_free(struct fx *fx)
{
	if (fx == NULL)
		return;
	if (getenv("VFIO_MOCK_KEEP") != NULL)
		fprintf(stderr, "fixture: keeping %s\n", fx->root);
	else
		fx_rm_rf(fx->root);
	free(fx->root);
	free(fx);
}

void fx_cmdline(struct fx *fx, const char *cmdline)
{
	_cleanup_free_ char *text = fx_asprintf("%s\n", cmdline);

	fx_write(fx, "proc/cmdline", text, 0);
}

void fx_osrelease(struct fx *fx, const char *release)
{
	_cleanup_free_ char *text = fx_asprintf("%s\n", release);

	fx_write(fx, "proc/sys/kernel/osrelease", text, 0);
}

void fx_write(struct fx *fx, const char *rel, const char *text, mode_t mode)
{
	_cleanup_free_ char *path = fx_path(fx, rel);

	fx_put_bytes(path, text, strlen(text), mode ? mode : 0644, O_TRUNC);
}

void fx_write_bin(struct fx *fx, const char *rel, const void *data, size_t len, mode_t mode)
{
	_cleanup_free_ char *path = fx_path(fx, rel);

	fx_put_bytes(path, data, len, mode ? mode : 0644, O_TRUNC);
}

void fx_inject(struct fx *fx, const char *rule)
{
	_cleanup_free_ char *line = fx_asprintf("%s\n", rule);

	fx_append(fx, MOCK_INJECT, line);
}

void fx_inject_clear(struct fx *fx)
{
	fx_write(fx, MOCK_INJECT, "", 0);
}

/* ------------------------------------------------------------------------ */
/* Queries.                                                                 */

char *fx_read(const struct fx *fx, const char *rel)
{
	_cleanup_free_ char *path = fx_path(fx, rel);
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re");
	FILE *out;

	if (f == NULL)
		return NULL;
	out = open_memstream(&text, &len);
	if (out == NULL)
		fx_die("open_memstream: %m");
	for (int c; (c = fgetc(f)) != EOF;)
		fputc(c, out);
	fclose(out);
	fclose(f);
	return text;
}

ssize_t fx_read_bin(const struct fx *fx, const char *rel, void *buf, size_t size)
{
	_cleanup_free_ char *path = fx_path(fx, rel);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

char *fx_driver_of(const struct fx *fx, const char *addr)
{
	_cleanup_free_ char *path = fx_asprintf("%s/sys/bus/pci/devices/%s/driver", fx->root, addr);
	char target[PATH_MAX], *slash;
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n <= 0)
		return NULL;
	target[n] = '\0';
	slash = strrchr(target, '/');
	return strdup(slash != NULL ? slash + 1 : target);
}

char *fx_uevent_driver(const struct fx *fx, const char *addr)
{
	_cleanup_free_ char *rel = fx_asprintf("sys/bus/pci/devices/%s/uevent", addr);
	_cleanup_free_ char *text = fx_read(fx, rel);
	const char *l;

	if (text == NULL)
		return NULL;
	for (l = text; l != NULL; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, "DRIVER=", 7) == 0)
			return strndup(l + 7, strcspn(l + 7, "\n"));
	}
	return NULL;
}

int fx_count_lines_matching(const struct fx *fx, const char *rel, const char *substring)
{
	_cleanup_free_ char *text = fx_read(fx, rel);
	char *line, *save = NULL;
	int n = 0;

	if (text == NULL)
		return 0;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (substring == NULL || strstr(line, substring) != NULL)
			n++;
	}
	return n;
}
