// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel double's sysfs attribute stores (driver_override, bind, unbind, drivers_probe)
 * and the write(2), pwrite(2) and writev(2) wrappers that reach them, recognised by what
 * the file descriptor resolves to.
 */
#include <linux/magic.h>
#include <sys/statfs.h>

#include "sysfs-mock.h"

/* ------------------------------------------------------------------------ */
/* sysfs attribute stores.                                                  */

/* Kernel stores get a NUL-terminated copy; most then ignore one trailing newline. */
static void store_value(const char *buf, size_t n, char *out, size_t size)
{
	size_t len = n < size - 1 ? n : size - 1;

	memcpy(out, buf, len);
	out[len] = '\0';
	len = strlen(out);
	if (len > 0 && out[len - 1] == '\n')
		out[len - 1] = '\0';
}

static int store_driver_override(const struct pcidev *d, const char *buf, size_t n)
{
	char path[PATH_MAX], value[4096], text[4200];

	if (n >= 4096 - 1)
		return -EINVAL;
	/* driver_set_override(): cut at the first newline; nothing left clears it. */
	memcpy(value, buf, n);
	value[n] = '\0';
	value[strcspn(value, "\n")] = '\0';
	snprintf(text, sizeof(text), "%s\n", value[0] != '\0' ? value : "(null)");
	path_join(path, d->dir, "driver_override");
	return write_file(path, text, O_TRUNC);
}

static int store_unbind(const char *drv, const char *addr)
{
	struct pcidev d;
	char bound[256];
	int err;

	if (find_dev(addr, &d) < 0)
		return -ENODEV;
	err = inject_errno("unbind", addr);
	if (err)
		return -err;
	dev_driver(&d, bound, sizeof(bound));
	if (strcmp(bound, drv) != 0)
		return -ENODEV;
	dev_unbind(&d, drv);
	return 0;
}

static int store_bind(const char *drv, const char *addr)
{
	struct pcidev d;
	char bound[256];

	if (find_dev(addr, &d) < 0 || !dev_matches(&d, drv))
		return -ENODEV;
	dev_driver(&d, bound, sizeof(bound));
	if (bound[0] != '\0')
		return -EBUSY;
	/* pci_device_probe() refuses a VF its PF keeps from autoprobe. */
	if (!vf_can_probe(&d))
		return -ENODEV;
	if (override_probe_is_noop(&d))
		return 0;
	return dev_bind(&d, drv);
}

static int store_drivers_probe(const char *addr)
{
	struct pcidev d;
	char bound[256];

	if (find_dev(addr, &d) < 0)
		return -ENODEV;
	dev_driver(&d, bound, sizeof(bound));
	if (bound[0] == '\0')
		dev_attach(&d, ATTACH_PROBE, NULL);
	return 0;
}

bool autoprobe_enabled(void)
{
	char path[PATH_MAX], text[16];

	return read_file(at_root(path, "sys/bus/pci/drivers_autoprobe"), text, sizeof(text)) <= 0 ||
	       text[0] != '0';
}

/* How the caller reached the file does not matter to the kernel, nor to the log. */
struct target {
	char canonical[PATH_MAX];
	const char *rel;      /* canonical, relative to ROOT */
	char shown[PATH_MAX]; /* device attributes as sys/bus/pci/devices/ADDR/ATTR */
	struct pcidev dev;
	bool is_dev;
	bool is_sys;
};

static bool fd_target(int fd, struct target *t)
{
	char proc[64], *slash, *attr;
	ssize_t n;

	if (!mock_active())
		return false;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = REAL(readlink)(proc, t->canonical, sizeof(t->canonical) - 1);
	if (n <= 0)
		return false;
	t->canonical[n] = '\0';
	if (strncmp(t->canonical, M.real, M.reallen) != 0 || t->canonical[M.reallen] != '/')
		return false;
	t->rel = t->canonical + M.reallen + 1;
	if (has_prefix(t->rel, MOCK_STATE_DIR, strlen(MOCK_STATE_DIR)))
		return false;
	t->is_sys = strncmp(t->rel, "sys/", 4) == 0;
	copy_str(t->shown, sizeof(t->shown), t->rel);

	t->is_dev = false;
	slash = strrchr(t->canonical, '/');
	if (slash == NULL || strncmp(t->rel, "sys/devices/", 12) != 0)
		return true;
	*slash = '\0';
	attr = strrchr(t->canonical, '/');
	if (attr != NULL && find_dev(attr + 1, &t->dev) == 0 &&
	    strcmp(t->dev.dir, t->canonical) == 0) {
		t->is_dev = true;
		snprintf(t->shown, sizeof(t->shown), "sys/bus/pci/devices/%s/%s", t->dev.addr,
			 slash + 1);
	}
	*slash = '/';
	return true;
}

static void log_write(const struct target *t, const char *buf, size_t n, int err)
{
	char path[PATH_MAX], line[PATH_MAX + 600], *p = line;
	char *end = line + sizeof(line) - 40;
	int saved = errno;
	size_t i;

	p += snprintf(p, (size_t)(end - p), "%s\t", t->shown);
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	for (i = 0; i < n && p < end - 2; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n' || c == '\t' || c == '\\') {
			*p++ = '\\';
			*p++ = c == '\n' ? 'n' : c == '\t' ? 't' : '\\';
		} else {
			*p++ = c >= 0x20 && c != 0x7f ? (char)c : '?';
		}
	}
	snprintf(p, (size_t)(line + sizeof(line) - p), "\t%s\n", err ? mock_errno_name(err) : "ok");
	write_file(at_root(path, MOCK_WRITES_LOG), line, O_APPEND);
	errno = saved;
}

/*
 * The kernel's side of one write(2) to @t.  Returns true when the write is
 * fully handled (*ret and errno set); false when the file is a plain one the
 * caller should write for real.
 */
static bool mock_store(const struct target *t, const char *buf, size_t n, ssize_t *ret)
{
	const char *rel = t->rel;
	char drv[256], value[4096];
	const char *attr;
	int err;

	err = inject_write_errno(t->canonical);
	if (err) {
		if (t->is_sys)
			log_write(t, buf, n, err);
		*ret = -1;
		errno = err;
		return true;
	}
	if (!t->is_sys)
		return false;
	/* sysfs_kf_write(): an empty write never reaches the attribute's store. */
	if (n == 0) {
		*ret = 0;
		return true;
	}

	store_value(buf, n, value, sizeof(value));
	attr = strrchr(rel, '/') + 1;
	if (t->is_dev && strcmp(attr, "driver_override") == 0) {
		err = -store_driver_override(&t->dev, buf, n);
	} else if (t->is_dev && strcmp(attr, "sriov_numvfs") == 0 && is_pf(&t->dev)) {
		err = -store_sriov_numvfs(&t->dev, value);
	} else if (t->is_dev && strcmp(attr, "sriov_drivers_autoprobe") == 0 && is_pf(&t->dev)) {
		err = -store_sriov_autoprobe(&t->dev, value);
	} else if (t->is_dev && strcmp(attr, "rom") == 0) {
		/* rom_write() only lets reads through: the image stays as it is. */
		err = 0;
	} else if (strcmp(rel, "sys/bus/pci/drivers_probe") == 0) {
		err = -store_drivers_probe(value);
	} else if (strcmp(rel, "sys/bus/pci/drivers_autoprobe") == 0) {
		char path[PATH_MAX];

		err = -write_file(at_root(path, "%s", rel), value[0] == '0' ? "0\n" : "1\n",
				  O_TRUNC);
	} else if (sscanf(rel, "sys/bus/pci/drivers/%255[^/]/", drv) == 1 &&
		   (attr = strrchr(rel, '/')) ==
			   rel + strlen("sys/bus/pci/drivers/") + strlen(drv)) {
		attr++;
		if (strcmp(attr, "unbind") == 0)
			err = -store_unbind(drv, value);
		else if (strcmp(attr, "bind") == 0)
			err = -store_bind(drv, value);
		else if (strcmp(attr, "new_id") != 0 && strcmp(attr, "remove_id") != 0)
			return false;
		/* new_id/remove_id are only recorded: the binder must not need them. */
	} else {
		return false;
	}

	log_write(t, buf, n, err);
	*ret = err ? -1 : (ssize_t)n;
	if (err)
		errno = err;
	return true;
}

static ssize_t real_write(int fd, const void *buf, size_t n, off_t off, bool positioned)
{
	return positioned ? REAL(pwrite)(fd, buf, n, off) : REAL(write)(fd, buf, n);
}

static ssize_t handle_write(int fd, const void *buf, size_t n, off_t off, bool positioned)
{
	int saved = errno, err;
	struct target t;
	ssize_t ret;

	if (!fd_target(fd, &t))
		return real_write(fd, buf, n, off, positioned);

	pthread_mutex_lock(&mock_lock);
	if (!mock_store(&t, buf, n, &ret)) {
		ret = real_write(fd, buf, n, off, positioned);
		if (t.is_sys)
			log_write(&t, buf, n, ret < 0 ? errno : 0);
	}
	/* Our own lookups fail on the way; the caller sees errno only from its write. */
	err = ret < 0 ? errno : saved;
	pthread_mutex_unlock(&mock_lock);
	errno = err;
	return ret;
}

_export_ ssize_t write(int fd, const void *buf, size_t n)
{
	return handle_write(fd, buf, n, 0, false);
}

_export_ ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return handle_write(fd, buf, n, off, true);
}

_export_ ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	return handle_write(fd, buf, n, off, true);
}

/* One writev is one store for the kernel, so glue the pieces together. */
_export_ ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	char joined[8192];
	size_t len = 0;
	struct target t;

	if (!fd_target(fd, &t) || iovcnt < 0)
		return REAL(writev)(fd, iov, iovcnt);
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > sizeof(joined) - len)
			return REAL(writev)(fd, iov, iovcnt);
		memcpy(joined + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	return handle_write(fd, joined, len, 0, false);
}

/*
 * A file below ROOT/sys is on sysfs when a test says so ("statfs sys sysfs"): what a program
 * does only on the kernel's files (enabling a ROM to read it) then runs on the tree.
 */
_export_ int fstatfs(int fd, struct statfs *buf)
{
	int r = REAL(fstatfs)(fd, buf), saved = errno;
	struct target t;
	char value[16];

	if (r == 0 && fd_target(fd, &t) && t.is_sys &&
	    inject_find("statfs", "sys", value, sizeof(value)) && strcmp(value, "sysfs") == 0)
		buf->f_type = SYSFS_MAGIC;
	errno = saved;
	return r;
}
