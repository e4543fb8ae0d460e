// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The initramfs images in /boot against /etc: is the binder in each, and does each carry the
 * config that /etc holds now (the binder reads the image's copy at boot, not /etc's)?
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>

#include "check.h"
#include "initrd.h"
#include "sysroot.h"
#include "util.h"

/* A whole file below the root, byte for byte (vb_read_file strips trailing newlines). */
static int read_all(const char *abs, char **ret, size_t *len)
{
	_cleanup_free_ char *p = NULL;
	_cleanup_close_ int fd = -EBADF;

	*ret = NULL;
	if (vb_path(abs, &p) < 0)
		return -ENOMEM;
	fd = vb_config_open(p, abs, NULL, 0);
	if (fd < 0)
		return fd;
	return vb_read_fd(fd, SIZE_MAX, ret, len);
}

#define CONF_MAX 64

struct image_scan {
	/* What /etc holds: names as in the image ("etc/vfio-boot/..."), contents. */
	char *name[CONF_MAX], *data[CONF_MAX];
	size_t size[CONF_MAX];
	bool seen[CONF_MAX];
	size_t n;
	bool binder;
	char differs[256], extra[256];
};

static int image_file(void *userdata, const char *name, const uint8_t *data, size_t size,
		      uint32_t mode)
{
	struct image_scan *s = userdata;

	(void)mode;
	if (streq(name, "usr/lib/vfio-boot/vfio-boot-binder")) {
		s->binder = size > 0;
		return 0;
	}
	if (!startswith(name, "etc/vfio-boot/"))
		return 0;
	for (size_t i = 0; i < s->n; i++)
		if (streq(s->name[i], name)) {
			s->seen[i] = true;
			if (s->size[i] != size || memcmp(s->data[i], data, size) != 0)
				snprintf(s->differs, sizeof(s->differs), "/%s", name);
			return 0;
		}
	if (fnmatch("etc/vfio-boot/conf.d/*.conf", name, 0) == 0 ||
	    streq(name, "etc/vfio-boot/vfio-boot.conf"))
		snprintf(s->extra, sizeof(s->extra), "/%s", name);
	return 0;
}

static void image_scan_free(struct image_scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->name[i]);
		free(s->data[i]);
	}
}

static int image_scan_init(struct image_scan *s)
{
	char **dropins = check_dir_list(VB_CONFIG_DROPINS, "*.conf");
	int r = 0;

	*s = (struct image_scan){0};
	if (read_all(VB_CONFIG_FILE, &s->data[0], &s->size[0]) == 0)
		s->name[s->n++] = strdup(VB_CONFIG_FILE + 1);
	for (size_t i = 0; s->n && dropins && dropins[i] && s->n < CONF_MAX; i++) {
		_cleanup_free_ char *abs = NULL;

		if (asprintf_safe(&abs, VB_CONFIG_DROPINS "/%s", dropins[i]) < 0) {
			r = -ENOMEM;
			break;
		}
		if (read_all(abs, &s->data[s->n], &s->size[s->n]) == 0)
			s->name[s->n++] = strdup(abs + 1);
	}
	check_list_free(dropins);
	return r;
}

static void check_image(struct check *c, const char *image, const char *regen)
{
	_cleanup_free_ char *abs = NULL, *path = NULL;
	struct image_scan s;
	const char *missing = NULL;
	int r;

	if (asprintf_safe(&abs, "/boot/%s", image) < 0 || vb_path(abs, &path) < 0 ||
	    image_scan_init(&s) < 0)
		return;
	r = initrd_walk(path, image_file, &s);
	if (r == -EFBIG) {
		check_report(c, WARN, "initramfs", NULL,
			     "initramfs %s: unpacks to more than %llu MiB: not read any further",
			     abs, INITRD_OUT_MAX >> 20);
		image_scan_free(&s);
		return;
	}
	if (r == -EBADFD) {
		check_report(c, WARN, "initramfs", NULL,
			     "initramfs %s: not a regular file: not read", abs);
		image_scan_free(&s);
		return;
	}
	if (r < 0) {
		check_report(c, WARN, "initramfs", NULL, "initramfs %s: cannot read it: %s", abs,
			     strerror(-r));
		image_scan_free(&s);
		return;
	}
	for (size_t i = 0; i < s.n && !missing; i++)
		if (!s.seen[i])
			missing = s.name[i];
	if (!s.n && !s.binder && !*s.extra)
		check_report(c, PASS, "initramfs", NULL,
			     "initramfs %s: vfio-boot is not configured and not in it", abs);
	else if (!s.n)
		check_report(
			c, WARN, "initramfs", regen,
			"initramfs %s: holds %s but %s/etc has no config: the binder would still claim by the old one",
			abs, s.binder ? "the binder" : s.extra, vb_root());
	else if (!s.binder)
		check_report(
			c, FAIL, "initramfs", regen,
			"initramfs %s: no binder (/usr/lib/vfio-boot/vfio-boot-binder): nothing is claimed at boot",
			abs);
	else if (missing)
		check_report(c, FAIL, "initramfs", regen, "initramfs %s: lacks /%s: stale config",
			     abs, missing);
	else if (*s.differs)
		check_report(c, FAIL, "initramfs", regen,
			     "initramfs %s: %s differs from the one in /etc: stale config", abs,
			     s.differs);
	else if (*s.extra)
		check_report(c, FAIL, "initramfs", regen,
			     "initramfs %s: has %s, which /etc no longer has: stale config", abs,
			     s.extra);
	else
		check_report(c, PASS, "initramfs", NULL,
			     "initramfs %s: binder and the current config (%zu file%s)", abs, s.n,
			     s.n == 1 ? "" : "s");
	image_scan_free(&s);
}

void check_images(struct check *c)
{
	char **boot = check_dir_list("/boot", NULL);
	size_t n = 0;

	for (size_t i = 0; boot && boot[i]; i++) {
		const char *v;
		char regen[300];

		/* Debian's initramfs-tools and dracut name them differently; both are read. */
		if ((v = startswith(boot[i], "initrd.img-")))
			snprintf(regen, sizeof(regen),
				 "update-initramfs -u -k %s (or dracut -f --kver %s)", v, v);
		else if (fnmatch("initramfs-*.img", boot[i], 0) == 0)
			snprintf(regen, sizeof(regen), "dracut -f /boot/%s", boot[i]);
		else
			continue;
		check_image(c, boot[i], regen);
		n++;
	}
	if (!n)
		check_report(c, WARN, "initramfs", NULL,
			     "initramfs: no /boot/initrd.img-* or /boot/initramfs-*.img in %s",
			     *vb_root() ? vb_root() : "/");
	check_list_free(boot);
}
