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
 *
 * This file holds the fake root and the redirection of paths into it; the rest is one part a
 * concept, sharing sysfs-mock.h: sysfs-mock-files.c (file helpers on the tree),
 * sysfs-mock-inject.c (error injection), sysfs-mock-pci.c (devices and drivers),
 * sysfs-mock-store.c (attribute stores, the write wrappers), sysfs-mock-modules.c (the module
 * loader) and sysfs-mock-wrap.c (the path wrappers).
 */
#include "sysfs-mock.h"

/* ------------------------------------------------------------------------ */
/* The next definition of each symbol, looked up on first use.              */

void *next_sym(const char *name)
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

/* realpath has two versions; dlsym might hand out the old one that rejects NULL. */
char *real_realpath(const char *path, char *out)
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

struct mock_root M;

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
pthread_mutex_t mock_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

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

bool mock_active(void)
{
	int saved = errno;

	pthread_once(&init_once, mock_init_once);
	errno = saved;
	return M.active;
}

bool has_prefix(const char *path, const char *prefix, size_t len)
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
const char *redirect(const char *path, char buf[PATH_MAX])
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
