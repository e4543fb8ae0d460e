// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A stand-in for the kernel, preloaded into the program under test.
 *
 * With VFIO_MOCK_ROOT=/abs/dir in the environment, absolute paths into the
 * kernel's file systems (/sys, /proc, /dev, /run, /lib/modules, modprobe.d)
 * are redirected below that directory, so libkmod's hard-coded paths land in
 * the fake tree the tests built.  Writes to the fake sysfs get the PCI
 * driver core's semantics (driver_override, bind, unbind, drivers_probe), and
 * init_module/finit_module/delete_module act on the tree as the module
 * loader and driver_register() would.  Without VFIO_MOCK_ROOT every wrapper
 * just forwards.
 *
 * All state lives in the tree itself, so several processes (and the test
 * that inspects them) see one consistent machine.  Test-only state is kept
 * in ROOT/.mock; tests/mock/fixture.h documents the files and the error
 * injection rules.
 *
 * Writes are recognised by what the file descriptor resolves to
 * (/proc/self/fd), so any way of reaching an attribute works: absolute
 * paths, openat() on a dirfd, the devices/ADDR/driver/unbind link.  Only
 * write(2), pwrite(2) and writev(2) are seen: stdio writes from inside libc.
 *
 * Not modelled: driver probe failures other than injected ones, new_id and
 * remove_id (recorded only), module refcounts and holders (any module can be
 * removed), uevents, device removal/rescan, the dependency checks the real
 * loader does (a module loads even if the ones it needs are not loaded).
 */
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "mock-common.h"

#define _export_ __attribute__((visibility("default")))

/* Exported by glibc but not declared by its headers. */
long init_module(const void *image, unsigned long len, const char *params);
long finit_module(int fd, const char *params, int flags);
long delete_module(const char *name, unsigned int flags);
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
int __xstat(int ver, const char *path, struct stat *st);
int __xstat64(int ver, const char *path, struct stat64 *st);
int __lxstat(int ver, const char *path, struct stat *st);
int __lxstat64(int ver, const char *path, struct stat64 *st);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st, int flags);
ssize_t __readlink_chk(const char *path, char *buf, size_t len, size_t buflen);
ssize_t __readlinkat_chk(int dirfd, const char *path, char *buf, size_t len, size_t buflen);
char *__realpath_chk(const char *path, char *resolved, size_t resolvedlen);

/* ------------------------------------------------------------------------ */
/* The next definition of each symbol, looked up on first use.              */

static void *next_sym(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (p == NULL) {
		static const char msg[] = "libsysfsmock: a wrapped libc symbol is missing\n";

		/* Not stdio: fprintf might come back into us and we are lost anyway. */
		syscall(SYS_write, 2, msg, sizeof(msg) - 1);
		abort();
	}
	return p;
}

#define REAL(fn)                               \
	({                                     \
		static void *real_;            \
		if (real_ == NULL)             \
			real_ = next_sym(#fn); \
		(__typeof__(&fn))real_;        \
	})

/* realpath has two versions; dlsym might hand out the old one that rejects NULL. */
static char *real_realpath(const char *path, char *out)
{
	static void *fn;

	if (fn == NULL)
		fn = dlvsym(RTLD_NEXT, "realpath", "GLIBC_2.3");
	if (fn == NULL)
		fn = next_sym("realpath");
	return ((char *(*)(const char *, char *))fn)(path, out);
}

/* ------------------------------------------------------------------------ */
/* The fake root.                                                           */

static struct {
	bool active;
	char root[PATH_MAX]; /* as given, no trailing slash */
	size_t rootlen;
	char real[PATH_MAX]; /* canonical, to compare with resolved paths */
	size_t reallen;
} M;

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

static void mock_init_once(void)
{
	const char *env = getenv("VFIO_MOCK_ROOT");
	size_t len;

	if (env == NULL || env[0] != '/')
		return;
	len = strlen(env);
	while (len > 1 && env[len - 1] == '/')
		len--;
	if (len >= sizeof(M.root) || real_realpath(env, M.real) == NULL)
		return;
	memcpy(M.root, env, len);
	M.root[len] = '\0';
	M.rootlen = len;
	M.reallen = strlen(M.real);
	M.active = true;
}

static bool mock_active(void)
{
	int saved = errno;

	pthread_once(&init_once, mock_init_once);
	errno = saved;
	return M.active;
}

static bool has_prefix(const char *path, const char *prefix, size_t len)
{
	return strncmp(path, prefix, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

/*
 * Process-private views of /proc and the usual character devices stay real:
 * the fake tree cannot provide them and libc, sanitizers and shells need them.
 */
static bool keep_real(const char *path)
{
	static const char *const real_paths[] = {
		"/proc/self",  "/proc/thread-self", "/dev/null", "/dev/zero",  "/dev/full",
		"/dev/random", "/dev/urandom",	    "/dev/tty",	 "/dev/stdin", "/dev/stdout",
		"/dev/stderr", "/dev/fd",	    "/dev/pts",	 "/dev/shm",   "/dev/ptmx",
	};
	const char *p;

	for (size_t i = 0; i < sizeof(real_paths) / sizeof(real_paths[0]); i++) {
		if (has_prefix(path, real_paths[i], strlen(real_paths[i])))
			return true;
	}
	if (strncmp(path, "/proc/", 6) != 0)
		return false;
	for (p = path + 6; *p >= '0' && *p <= '9'; p++)
		;
	return p > path + 6 && (*p == '\0' || *p == '/');
}

/*
 * The absolute path the caller meant, moved into the fake root if it points
 * at a kernel interface.  Relative paths are resolved against dirfds or the
 * cwd the program opened itself, so they already are where they should be.
 */
static const char *redirect(const char *path, char buf[PATH_MAX])
{
	static const char *const kernel_dirs[] = {
		"/sys",
		"/proc",
		"/dev",
		"/run",
		"/lib/modules",
		"/usr/lib/modules",
		"/etc/modprobe.d",
		"/lib/modprobe.d",
		"/usr/lib/modprobe.d",
		"/usr/local/lib/modprobe.d",
	};

	if (path == NULL || path[0] != '/' || !mock_active())
		return path;
	if (has_prefix(path, M.root, M.rootlen) || has_prefix(path, M.real, M.reallen))
		return path;
	if (keep_real(path))
		return path;
	for (size_t i = 0; i < sizeof(kernel_dirs) / sizeof(kernel_dirs[0]); i++) {
		if (!has_prefix(path, kernel_dirs[i], strlen(kernel_dirs[i])))
			continue;
		if ((size_t)snprintf(buf, PATH_MAX, "%s%s", M.root, path) >= PATH_MAX)
			return path;
		return buf;
	}
	return path;
}

/* ------------------------------------------------------------------------ */
/* Small file helpers on the fake tree; every call goes to the real libc.   */

/* ROOT/rel, or an empty string when it does not fit (every call then fails). */
static char *at_root(char buf[PATH_MAX], const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static char *at_root(char buf[PATH_MAX], const char *fmt, ...)
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
static void copy_str(char *out, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(out, src, n);
	out[n] = '\0';
}

/* DIR/NAME into buf, or an empty string when too long (every call then fails). */
static char *path_join(char buf[PATH_MAX], const char *dir, const char *name)
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
static ssize_t read_file(const char *path, char *buf, size_t size)
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

static int write_file(const char *path, const char *text, int flags)
{
	_cleanup_close_ int fd = REAL(open)(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
	size_t len = strlen(text);

	if (fd < 0)
		return -errno;
	if (REAL(write)(fd, text, len) != (ssize_t)len)
		return -EIO;
	return 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return REAL(stat)(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists(const char *path)
{
	struct stat st;

	return REAL(lstat)(path, &st) == 0;
}

/* Target of a symlink, reduced to its last component ("" when not a link). */
static void link_basename(const char *path, char *out, size_t size)
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

static void mkdir_p(const char *path)
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

static void rm_rf(const char *path)
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
static bool lookup_pair(const char *rel, const char *key, char *out, size_t size)
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

/* ------------------------------------------------------------------------ */
/* Error injection: ROOT/.mock/inject, re-read on every use.                */

/* Third word of the first "VERB ARG VALUE" line, or false. */
static bool inject_find(const char *verb, const char *arg, char *out, size_t size)
{
	char path[PATH_MAX], text[16384], *line, *save = NULL;

	if (read_file(at_root(path, MOCK_INJECT), text, sizeof(text)) < 0)
		return false;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *w[3], *wsave = NULL;
		int n = 0;

		for (char *t = strtok_r(line, " \t", &wsave); t != NULL && n < 3;
		     t = strtok_r(NULL, " \t", &wsave))
			w[n++] = t;
		if (n == 3 && strcmp(w[0], verb) == 0 && strcmp(w[1], arg) == 0) {
			copy_str(out, size, w[2]);
			return true;
		}
	}
	return false;
}

static int inject_errno(const char *verb, const char *arg)
{
	char value[64];

	if (!inject_find(verb, arg, value, sizeof(value)))
		return 0;
	return mock_errno_parse(value) ?: EIO;
}

/* "write RELPATH ERRNO" names the file as the test sees it, possibly via links. */
static int inject_write_errno(const char *canonical)
{
	char path[PATH_MAX], text[16384], *line, *save = NULL;

	if (read_file(at_root(path, MOCK_INJECT), text, sizeof(text)) < 0)
		return 0;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *verb, *rel, *err, *wsave = NULL, resolved[PATH_MAX];

		verb = strtok_r(line, " \t", &wsave);
		rel = strtok_r(NULL, " \t", &wsave);
		err = strtok_r(NULL, " \t", &wsave);
		if (verb == NULL || rel == NULL || err == NULL || strcmp(verb, "write") != 0)
			continue;
		while (*rel == '/')
			rel++;
		if (real_realpath(at_root(path, "%s", rel), resolved) == NULL)
			copy_str(resolved, sizeof(resolved), path);
		if (strcmp(resolved, canonical) == 0)
			return mock_errno_parse(err) ?: EIO;
		/* "DIR/": every file below DIR, whatever its (perhaps random) name. */
		size_t len = strlen(resolved);
		if (rel[0] != '\0' && rel[strlen(rel) - 1] == '/' &&
		    strncmp(canonical, resolved, len) == 0 && canonical[len] == '/')
			return mock_errno_parse(err) ?: EIO;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* PCI devices and drivers in the fake sysfs.                               */

struct pcidev {
	char addr[16];
	char dir[PATH_MAX]; /* canonical ROOT/sys/devices/.../ADDR */
};

static int find_dev(const char *addr, struct pcidev *d)
{
	char path[PATH_MAX];

	if (!mock_is_pci_addr(addr))
		return -ENODEV;
	if (real_realpath(at_root(path, "sys/bus/pci/devices/%s", addr), d->dir) == NULL)
		return -ENODEV;
	copy_str(d->addr, sizeof(d->addr), addr);
	return 0;
}

static void dev_driver(const struct pcidev *d, char *out, size_t size)
{
	char path[PATH_MAX];

	path_join(path, d->dir, "driver");
	link_basename(path, out, size);
}

static void dev_override(const struct pcidev *d, char *out, size_t size)
{
	char path[PATH_MAX];

	path_join(path, d->dir, "driver_override");
	if (read_file(path, out, size) < 0)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	if (strcmp(out, "(null)") == 0)
		out[0] = '\0';
}

static bool driver_exists(const char *drv)
{
	char path[PATH_MAX];

	return mock_is_plain_name(drv) && is_dir(at_root(path, "sys/bus/pci/drivers/%s", drv));
}

/* pci_bus_match(): driver_override decides alone; else the id tables do. */
static bool dev_matches(const struct pcidev *d, const char *drv)
{
	char want[256];

	dev_override(d, want, sizeof(want));
	if (want[0] == '\0' && !lookup_pair(MOCK_NATURAL, d->addr, want, sizeof(want)))
		return false;
	return strcmp(want, drv) == 0;
}

static void dev_group(const struct pcidev *d, char *out, size_t size)
{
	char path[PATH_MAX];

	path_join(path, d->dir, "iommu_group");
	link_basename(path, out, size);
}

/* vfio creates /dev/vfio/GROUP while a device of the group is bound to vfio-pci. */
static void update_vfio_node(const struct pcidev *d)
{
	char group[64], path[PATH_MAX], node[PATH_MAX], drv[256];
	struct dirent *e;
	bool used = false;
	DIR *dir;

	dev_group(d, group, sizeof(group));
	if (group[0] == '\0')
		return;
	dir = REAL(opendir)(at_root(path, "sys/kernel/iommu_groups/%s/devices", group));
	if (dir != NULL) {
		while ((e = readdir(dir)) != NULL) {
			struct pcidev member;

			if (!mock_is_pci_addr(e->d_name) || find_dev(e->d_name, &member) < 0)
				continue;
			dev_driver(&member, drv, sizeof(drv));
			used = used || strcmp(drv, "vfio-pci") == 0;
		}
		closedir(dir);
	}
	at_root(node, "dev/vfio/%s", group);
	if (used && !exists(node)) {
		mkdir_p(at_root(path, "dev/vfio"));
		write_file(node, "", O_TRUNC);
	} else if (!used) {
		REAL(unlink)(node);
	}
}

static int dev_bind(const struct pcidev *d, const char *drv)
{
	char drvdir[PATH_MAX], link[PATH_MAX], target[PATH_MAX];

	at_root(drvdir, "sys/bus/pci/drivers/%s", drv);
	path_join(link, d->dir, "driver");
	if (mock_relpath(d->dir, drvdir, target, sizeof(target)) < 0 ||
	    REAL(symlink)(target, link) < 0)
		return -errno ?: -ENAMETOOLONG;
	path_join(link, drvdir, d->addr);
	if (mock_relpath(drvdir, d->dir, target, sizeof(target)) < 0 ||
	    REAL(symlink)(target, link) < 0)
		return -errno ?: -ENAMETOOLONG;
	update_vfio_node(d);
	return 0;
}

static void dev_unbind(const struct pcidev *d, const char *drv)
{
	char path[PATH_MAX];

	path_join(path, d->dir, "driver");
	REAL(unlink)(path);
	REAL(unlink)(at_root(path, "sys/bus/pci/drivers/%s/%s", drv, d->addr));
	update_vfio_node(d);
}

enum attach_mode {
	ATTACH_PROBE,	 /* drivers_probe: any driver may take it */
	ATTACH_REGISTER, /* driver_register(@drv): only @drv is new */
};

/*
 * "probe ADDR noop": the driver named by driver_override says yes and binds
 * nothing.  Host drivers found through their id tables still bind, so a
 * device given back (override cleared, probed again) returns to its driver.
 */
static bool override_probe_is_noop(const struct pcidev *d)
{
	char want[256], value[16];

	dev_override(d, want, sizeof(want));
	return want[0] != '\0' && inject_find("probe", d->addr, value, sizeof(value)) &&
	       strcmp(value, "noop") == 0;
}

/* device_attach()/driver_attach() for an unbound device; never fails. */
static void dev_attach(const struct pcidev *d, enum attach_mode mode, const char *drv)
{
	char want[256], winner[256];

	if (mode == ATTACH_REGISTER && !dev_matches(d, drv))
		return;
	if (override_probe_is_noop(d))
		return;
	if (inject_find("bind", d->addr, winner, sizeof(winner))) {
		if (driver_exists(winner))
			dev_bind(d, winner);
		return;
	}
	dev_override(d, want, sizeof(want));
	if (want[0] == '\0' && !lookup_pair(MOCK_NATURAL, d->addr, want, sizeof(want)))
		return;
	if (driver_exists(want))
		dev_bind(d, want);
}

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

static bool autoprobe_enabled(void)
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
	if (t->is_dev && strcmp(strrchr(rel, '/'), "/driver_override") == 0) {
		err = -store_driver_override(&t->dev, buf, n);
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

	pthread_mutex_lock(&lock);
	if (!mock_store(&t, buf, n, &ret)) {
		ret = real_write(fd, buf, n, off, positioned);
		if (t.is_sys)
			log_write(&t, buf, n, ret < 0 ? errno : 0);
	}
	/* Our own lookups fail on the way; the caller sees errno only from its write. */
	err = ret < 0 ? errno : saved;
	pthread_mutex_unlock(&lock);
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

/* ------------------------------------------------------------------------ */
/* Modules: the loader, driver_register() and their undoing.               */

static void normalize_module_name(char *name)
{
	for (char *p = name; *p != '\0'; p++) {
		if (*p == '-')
			*p = '_';
	}
}

/* bus_add_driver(): the driver's sysfs directory, then driver_attach(). */
static void register_driver(const char *module, const char *drv)
{
	static const char *const attrs[] = {"bind", "unbind", "new_id", "remove_id", "uevent"};
	char dir[PATH_MAX], path[PATH_MAX], target[PATH_MAX], link[PATH_MAX], name[300];
	struct dirent **names = NULL;
	int n;

	if (!mock_is_plain_name(drv) || driver_exists(drv))
		return;
	mkdir_p(at_root(dir, "sys/bus/pci/drivers/%s", drv));
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		path_join(path, dir, attrs[i]);
		write_file(path, "", O_TRUNC);
		chmod(path, 0200);
	}
	at_root(path, "sys/module/%s", module);
	path_join(link, dir, "module");
	if (mock_relpath(dir, path, target, sizeof(target)) == 0)
		REAL(symlink)(target, link);
	mkdir_p(at_root(path, "sys/module/%s/drivers", module));
	snprintf(name, sizeof(name), "pci:%s", drv);
	path_join(link, path, name);
	if (mock_relpath(path, dir, target, sizeof(target)) == 0)
		REAL(symlink)(target, link);

	if (!autoprobe_enabled())
		return;
	n = REAL(scandir)(at_root(path, "sys/bus/pci/devices"), &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		struct pcidev d;
		char bound[256];

		if (find_dev(names[i]->d_name, &d) == 0) {
			dev_driver(&d, bound, sizeof(bound));
			if (bound[0] == '\0')
				dev_attach(&d, ATTACH_REGISTER, drv);
		}
		free(names[i]);
	}
	free(names);
}

static void register_module_drivers(const char *module)
{
	char path[PATH_MAX], text[16384], *line, *save = NULL;

	if (strcmp(module, "vfio_pci") == 0)
		register_driver(module, "vfio-pci");
	if (read_file(at_root(path, MOCK_MODULE_DRIVERS), text, sizeof(text)) < 0)
		return;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char mod[256], drv[256];

		if (sscanf(line, "%255s %255s", mod, drv) != 2)
			continue;
		normalize_module_name(mod);
		if (strcmp(mod, module) == 0)
			register_driver(module, drv);
	}
}

static long fail(int err)
{
	errno = err;
	return -1;
}

static long load_module(const char *raw_name, const char *params)
{
	char name[256], dir[PATH_MAX], path[PATH_MAX], line[PATH_MAX];
	int err;

	if (params == NULL)
		params = "";
	copy_str(name, sizeof(name), raw_name);
	normalize_module_name(name);
	if (!mock_is_plain_name(name))
		return fail(ENOEXEC);

	err = inject_errno("module", name);
	if (err)
		return fail(err);
	if (exists(at_root(dir, "sys/module/%s", name)))
		return fail(EEXIST);

	mkdir_p(dir);
	path_join(path, dir, "holders");
	mkdir_p(path);
	path_join(path, dir, "refcnt");
	write_file(path, "0\n", O_TRUNC);
	path_join(path, dir, "coresize");
	snprintf(line, sizeof(line), "%d\n", MOCK_MODULE_SIZE);
	write_file(path, line, O_TRUNC);
	/* Last: libkmod takes a module with initstate "live" as loaded. */
	path_join(path, dir, "initstate");
	write_file(path, "live\n", O_TRUNC);

	mkdir_p(at_root(path, "proc"));
	snprintf(line, sizeof(line), "%s %d 0 - Live 0x0000000000000000\n", name, MOCK_MODULE_SIZE);
	write_file(at_root(path, "proc/modules"), line, O_APPEND);
	snprintf(line, sizeof(line), "%s\t%s\n", name, params);
	write_file(at_root(path, MOCK_MODULES_LOG), line, O_APPEND);

	if (strcmp(name, "vfio") == 0) {
		mkdir_p(at_root(path, "dev/vfio"));
		write_file(at_root(path, "dev/vfio/vfio"), "", O_TRUNC);
	}
	register_module_drivers(name);
	return 0;
}

static void unregister_drivers_of(const char *module)
{
	char path[PATH_MAX], owner[256], drvdir[PATH_MAX];
	struct dirent *e, *b;
	DIR *drivers, *dir;

	drivers = REAL(opendir)(at_root(path, "sys/bus/pci/drivers"));
	if (drivers == NULL)
		return;
	while ((e = readdir(drivers)) != NULL) {
		if (!mock_is_plain_name(e->d_name))
			continue;
		at_root(drvdir, "sys/bus/pci/drivers/%s", e->d_name);
		path_join(path, drvdir, "module");
		link_basename(path, owner, sizeof(owner));
		if (strcmp(owner, module) != 0)
			continue;
		dir = REAL(opendir)(drvdir);
		while (dir != NULL && (b = readdir(dir)) != NULL) {
			struct pcidev d;

			if (mock_is_pci_addr(b->d_name) && find_dev(b->d_name, &d) == 0)
				dev_unbind(&d, e->d_name);
		}
		if (dir != NULL)
			closedir(dir);
		rm_rf(drvdir);
	}
	closedir(drivers);
}

static void drop_proc_modules_line(const char *name)
{
	char path[PATH_MAX], text[65536], kept[65536], *line, *save = NULL;
	size_t nlen = strlen(name), len = 0;

	if (read_file(at_root(path, "proc/modules"), text, sizeof(text)) < 0)
		return;
	kept[0] = '\0';
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, name, nlen) == 0 && line[nlen] == ' ')
			continue;
		len += (size_t)snprintf(kept + len, sizeof(kept) - len, "%s\n", line);
		if (len >= sizeof(kept))
			return;
	}
	write_file(path, kept, O_TRUNC);
}

static long unload_module(const char *raw_name)
{
	char name[256], path[PATH_MAX], line[300];
	int err;

	copy_str(name, sizeof(name), raw_name);
	normalize_module_name(name);
	if (!mock_is_plain_name(name) || !exists(at_root(path, "sys/module/%s/initstate", name)))
		return fail(ENOENT);
	err = inject_errno("rmmod", name);
	if (err)
		return fail(err);
	unregister_drivers_of(name);
	rm_rf(at_root(path, "sys/module/%s", name));
	drop_proc_modules_line(name);
	snprintf(line, sizeof(line), "%s\n", name);
	write_file(at_root(path, MOCK_UNLOADS_LOG), line, O_APPEND);
	return 0;
}

/* The kernel names a module after "name=" in its .modinfo section. */
static bool modinfo_name(const unsigned char *img, size_t len, char *out, size_t size)
{
	Elf64_Ehdr eh;
	Elf64_Shdr names, sh;

	if (len < sizeof(eh) || memcmp(img, ELFMAG, SELFMAG) != 0 || img[EI_CLASS] != ELFCLASS64)
		return false;
	memcpy(&eh, img, sizeof(eh));
	if (eh.e_shentsize != sizeof(sh) || eh.e_shoff >= len || eh.e_shstrndx >= eh.e_shnum ||
	    eh.e_shnum > (len - eh.e_shoff) / sizeof(sh))
		return false;
	memcpy(&names, img + eh.e_shoff + eh.e_shstrndx * sizeof(sh), sizeof(names));
	if (names.sh_offset >= len || names.sh_size > len - names.sh_offset)
		return false;

	for (unsigned int i = 0; i < eh.e_shnum; i++) {
		const unsigned char *p, *end;

		memcpy(&sh, img + eh.e_shoff + i * sizeof(sh), sizeof(sh));
		if (sh.sh_name >= names.sh_size || sh.sh_offset > len ||
		    sh.sh_size > len - sh.sh_offset ||
		    strncmp((const char *)img + names.sh_offset + sh.sh_name, ".modinfo",
			    names.sh_size - sh.sh_name) != 0)
			continue;
		/* NUL-separated "key=value" strings. */
		end = img + sh.sh_offset + sh.sh_size;
		for (p = img + sh.sh_offset; p < end;
		     p += strnlen((const char *)p, (size_t)(end - p)) + 1) {
			size_t n = strnlen((const char *)p, (size_t)(end - p));

			if (n > 5 && n - 5 < size && memcmp(p, "name=", 5) == 0) {
				memcpy(out, p + 5, n - 5);
				out[n - 5] = '\0';
				return true;
			}
		}
	}
	return false;
}

/* Without a usable .modinfo, fall back on the file name, as modprobe users expect. */
static bool module_name_from_fd(int fd, char *out, size_t size)
{
	static const char *const suffixes[] = {".ko.zst", ".ko.xz", ".ko.gz", ".ko"};
	char proc[64], path[PATH_MAX], *base;
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    st.st_size < 256 << 20) {
		unsigned char *img = malloc((size_t)st.st_size);
		bool found = false;

		if (img != NULL && pread(fd, img, (size_t)st.st_size, 0) == st.st_size)
			found = modinfo_name(img, (size_t)st.st_size, out, size);
		free(img);
		if (found)
			return true;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = REAL(readlink)(proc, path, sizeof(path) - 1);
	if (n <= 0)
		return false;
	path[n] = '\0';
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t bl = strlen(base), sl = strlen(suffixes[i]);

		if (bl > sl && strcmp(base + bl - sl, suffixes[i]) == 0) {
			base[bl - sl] = '\0';
			break;
		}
	}
	copy_str(out, size, base);
	return out[0] != '\0';
}

static long locked_load(const char *name, const char *params)
{
	long ret;
	int err;

	pthread_mutex_lock(&lock);
	ret = load_module(name, params);
	err = errno;
	pthread_mutex_unlock(&lock);
	errno = err;
	return ret;
}

_export_ long init_module(const void *image, unsigned long len, const char *params)
{
	char name[256];

	if (!mock_active())
		return REAL(syscall)(SYS_init_module, image, len, params);
	if (image == NULL || !modinfo_name(image, len, name, sizeof(name)))
		return fail(ENOEXEC);
	return locked_load(name, params);
}

_export_ long finit_module(int fd, const char *params, int flags)
{
	char name[256];

	if (!mock_active())
		return REAL(syscall)(SYS_finit_module, fd, params, flags);
	if (fd < 0 || fcntl(fd, F_GETFD) < 0)
		return fail(EBADF);
	if (!module_name_from_fd(fd, name, sizeof(name)))
		return fail(ENOEXEC);
	return locked_load(name, params);
}

_export_ long delete_module(const char *name, unsigned int flags)
{
	long ret;
	int err;

	if (!mock_active())
		return REAL(syscall)(SYS_delete_module, name, flags);
	if (name == NULL)
		return fail(EFAULT);
	pthread_mutex_lock(&lock);
	ret = unload_module(name);
	err = errno;
	pthread_mutex_unlock(&lock);
	errno = err;
	return ret;
}

/*
 * libkmod reaches finit_module through syscall(2).  There is no vsyscall(),
 * so forward six register-sized arguments: harmless extra ones are ignored
 * by the kernel for every system call.
 */
_export_ long syscall(long nr, ...)
{
	long a[6];
	va_list ap;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);

	switch (nr) {
	case SYS_finit_module:
		return finit_module((int)a[0], (const char *)a[1], (int)a[2]);
	case SYS_init_module:
		return init_module((const void *)a[0], (unsigned long)a[1], (const char *)a[2]);
	case SYS_delete_module:
		return delete_module((const char *)a[0], (unsigned int)a[1]);
	default:
		return REAL(syscall)(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
}

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
