/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the files of the kernel double (libsysfsmock.so) share, and nothing else includes:
 * the fake root, the lock around the kernel's side of a store or a module load, the next
 * definition of a wrapped symbol, and each part's entry points. The library is built with
 * hidden visibility: only what is marked _export_ (the wrappers) is seen by the program.
 */
#ifndef VFIO_BOOT_SYSFS_MOCK_H
#define VFIO_BOOT_SYSFS_MOCK_H

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

/* The next definition of each symbol, looked up on first use. */
void *next_sym(const char *name);

#define REAL(fn)                               \
	({                                     \
		static void *real_;            \
		if (real_ == NULL)             \
			real_ = next_sym(#fn); \
		(__typeof__(&fn))real_;        \
	})

/* The fake root: VFIO_MOCK_ROOT as given and canonical. */
struct mock_root {
	bool active;
	char root[PATH_MAX]; /* as given, no trailing slash */
	size_t rootlen;
	char real[PATH_MAX]; /* canonical, to compare with resolved paths */
	size_t reallen;
};
extern struct mock_root M;

/* Held around the kernel's side of a store and of a module load or unload. */
extern pthread_mutex_t mock_lock;

struct pcidev {
	char addr[16];
	char dir[PATH_MAX]; /* canonical ROOT/sys/devices/.../ADDR */
};

enum attach_mode {
	ATTACH_PROBE,	 /* drivers_probe: any driver may take it */
	ATTACH_REGISTER, /* driver_register(@drv): only @drv is new */
};

/* sysfs-mock.c */
char *real_realpath(const char *path, char *out);
bool mock_active(void);
bool has_prefix(const char *path, const char *prefix, size_t len);
const char *redirect(const char *path, char buf[PATH_MAX]);

/* sysfs-mock-files.c */
char *at_root(char buf[PATH_MAX], const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void copy_str(char *out, size_t size, const char *src);
char *path_join(char buf[PATH_MAX], const char *dir, const char *name);
ssize_t read_file(const char *path, char *buf, size_t size);
int write_file(const char *path, const char *text, int flags);
bool is_dir(const char *path);
bool exists(const char *path);
void link_basename(const char *path, char *out, size_t size);
void mkdir_p(const char *path);
void rm_rf(const char *path);
bool lookup_pair(const char *rel, const char *key, char *out, size_t size);

/* sysfs-mock-inject.c */
bool inject_find(const char *verb, const char *arg, char *out, size_t size);
int inject_errno(const char *verb, const char *arg);
int inject_write_errno(const char *canonical);

/* sysfs-mock-pci.c */
int find_dev(const char *addr, struct pcidev *d);
void dev_driver(const struct pcidev *d, char *out, size_t size);
bool driver_exists(const char *drv);
bool dev_matches(const struct pcidev *d, const char *drv);
int dev_bind(const struct pcidev *d, const char *drv);
void dev_unbind(const struct pcidev *d, const char *drv);
bool override_probe_is_noop(const struct pcidev *d);
void dev_attach(const struct pcidev *d, enum attach_mode mode, const char *drv);

/* sysfs-mock-store.c */
bool autoprobe_enabled(void);

/* sysfs-mock-sriov.c */
bool is_pf(const struct pcidev *d);
bool vf_can_probe(const struct pcidev *d);
int store_sriov_numvfs(const struct pcidev *pf, const char *value);
int store_sriov_autoprobe(const struct pcidev *pf, const char *value);

#endif
