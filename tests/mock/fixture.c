// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Builds fake kernel trees for the tests; see fixture.h for the layout.
 *
 * The tree must look like a real sysfs down to relative symlinks and config
 * space bytes, because the binder reads it as it would read a real one.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stddef.h>
#include <cmocka.h>

#include "fixture.h"
#include "mock-common.h"

#ifndef SRCDIR
#error "SRCDIR must name the source tree (tests/mock/rules.mk defines it)"
#endif
#if !defined(MOCK_SO) || !defined(MOCK_WRITE)
#error "MOCK_SO and MOCK_WRITE must name the built double and helper (see tests/mock/rules.mk)"
#endif

#define _cleanup_free_ __attribute__((cleanup(free_ptr)))

struct fx {
	char *root; /* canonical, so it compares equal to what the kernel double sees */
};

static void free_ptr(void *p)
{
	free(*(void **)p);
}

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_msg("fixture: %s", msg);
	abort(); /* fail_msg() only returns outside a running test */
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("out of memory");
	return s;
}

char *fx_path(const struct fx *fx, const char *rel)
{
	while (*rel == '/')
		rel++;
	return xasprintf("%s/%s", fx->root, rel);
}

const char *fx_root(const struct fx *fx)
{
	return fx->root;
}

static void mkdirs(const char *path)
{
	_cleanup_free_ char *tmp = NULL;

	/* Most parents exist already: try the cheap way first. */
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return;
	tmp = xasprintf("%s", path);
	for (char *p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			die("mkdir %s: %m", tmp);
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
		die("mkdir %s: %m", tmp);
}

static void mkdir_rel(const struct fx *fx, const char *rel)
{
	_cleanup_free_ char *path = fx_path(fx, rel);

	mkdirs(path);
}

static void put_bytes(const char *path, const void *data, size_t len, mode_t mode, int flags)
{
	_cleanup_free_ char *dir = xasprintf("%s", path);
	int fd;

	*strrchr(dir, '/') = '\0';
	mkdirs(dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, mode);
	if (fd < 0)
		die("open %s: %m", path);
	if (fchmod(fd, mode) < 0 || write(fd, data, len) != (ssize_t)len)
		die("write %s: %m", path);
	close(fd);
}

static void put(const struct fx *fx, const char *rel, const char *text)
{
	_cleanup_free_ char *path = fx_path(fx, rel);

	put_bytes(path, text, strlen(text), 0644, O_TRUNC);
}

static void append(const struct fx *fx, const char *rel, const char *text)
{
	_cleanup_free_ char *path = fx_path(fx, rel);

	put_bytes(path, text, strlen(text), 0644, O_APPEND);
}

/* A sysfs-style relative symlink at absolute @link to absolute @target. */
static void symlink_rel(const char *link, const char *target)
{
	_cleanup_free_ char *dir = xasprintf("%s", link);
	char rel[PATH_MAX];

	*strrchr(dir, '/') = '\0';
	if (mock_relpath(dir, target, rel, sizeof(rel)) < 0)
		die("path too long: %s", target);
	if (symlink(rel, link) < 0)
		die("symlink %s -> %s: %m", link, rel);
}

static char *dev_dir(const struct fx *fx, const char *addr)
{
	_cleanup_free_ char *link = xasprintf("%s/sys/bus/pci/devices/%s", fx->root, addr);
	char *dir = realpath(link, NULL);

	if (dir == NULL)
		die("no PCI device %s", addr);
	return dir;
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

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		mkdir_rel(fx, dirs[i]);
	put(fx, "sys/bus/pci/drivers_probe", "");
	put(fx, "sys/bus/pci/drivers_autoprobe", "1\n");
	put(fx, "sys/bus/pci/rescan", "");
	put(fx, "proc/modules", "");
	put(fx, "dev/kmsg", "");
	fx_cmdline(fx, "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet");
	fx_osrelease(fx, "6.1.0-test");
}

struct fx *fx_new(void)
{
	_cleanup_free_ char *tmpl = xasprintf("%s/vfio-boot-fx.XXXXXX", temp_dir());
	struct fx *fx = calloc(1, sizeof(*fx));

	if (fx == NULL || mkdtemp(tmpl) == NULL)
		die("mkdtemp %s: %m", tmpl);
	fx->root = realpath(tmpl, NULL);
	if (fx->root == NULL)
		die("realpath %s: %m", tmpl);
	populate(fx);
	return fx;
}

struct fx *fx_at(const char *dir, bool create)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		die("out of memory");
	if (create && mkdir(dir, 0755) < 0)
		die("mkdir %s: %m", dir);
	fx->root = realpath(dir, NULL);
	if (fx->root == NULL)
		die("realpath %s: %m", dir);
	if (create)
		populate(fx);
	return fx;
}

void fx_symlink(struct fx *fx, const char *rel, const char *target_rel)
{
	_cleanup_free_ char *link = fx_path(fx, rel), *target = fx_path(fx, target_rel);

	symlink_rel(link, target);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

void fx_free(struct fx *fx)
{
	if (fx == NULL)
		return;
	if (getenv("VFIO_MOCK_KEEP") != NULL)
		fprintf(stderr, "fixture: keeping %s\n", fx->root);
	else
		nftw(fx->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx->root);
	free(fx);
}

void fx_cmdline(struct fx *fx, const char *cmdline)
{
	_cleanup_free_ char *text = xasprintf("%s\n", cmdline);

	put(fx, "proc/cmdline", text);
}

void fx_osrelease(struct fx *fx, const char *release)
{
	_cleanup_free_ char *text = xasprintf("%s\n", release);

	put(fx, "proc/sys/kernel/osrelease", text);
}

void fx_write(struct fx *fx, const char *rel, const char *text, mode_t mode)
{
	_cleanup_free_ char *path = fx_path(fx, rel);

	put_bytes(path, text, strlen(text), mode ? mode : 0644, O_TRUNC);
}

void fx_inject(struct fx *fx, const char *rule)
{
	_cleanup_free_ char *line = xasprintf("%s\n", rule);

	append(fx, MOCK_INJECT, line);
}

void fx_inject_clear(struct fx *fx)
{
	put(fx, MOCK_INJECT, "");
}

/* ------------------------------------------------------------------------ */
/* Modules and drivers.                                                     */

void fx_module(struct fx *fx, const char *name, unsigned int flags)
{
	_cleanup_free_ char *dir = xasprintf("sys/module/%s", name);
	_cleanup_free_ char *line = NULL, *path = NULL;

	if (!mock_is_plain_name(name) || strchr(name, '-') != NULL)
		die("bad module name '%s' (modules use '_')", name);
	if (fx_exists(fx, dir))
		return;
	mkdir_rel(fx, dir);
	if (!(flags & FX_LOADED))
		return;
	path = xasprintf("%s/holders", dir);
	mkdir_rel(fx, path);
	free(path);
	path = xasprintf("%s/refcnt", dir);
	put(fx, path, "0\n");
	free(path);
	path = xasprintf("%s/coresize", dir);
	line = xasprintf("%d\n", MOCK_MODULE_SIZE);
	put(fx, path, line);
	free(path);
	path = xasprintf("%s/initstate", dir);
	put(fx, path, "live\n");
	free(line);
	line = xasprintf("%s %d 0 - Live 0x0000000000000000\n", name, MOCK_MODULE_SIZE);
	append(fx, "proc/modules", line);
}

void fx_module_provides(struct fx *fx, const char *module, const char *drv)
{
	_cleanup_free_ char *line = xasprintf("%s %s\n", module, drv);

	append(fx, MOCK_MODULE_DRIVERS, line);
}

static void touch(const char *dir, const char *name, mode_t mode)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);

	put_bytes(path, "", 0, mode, O_TRUNC);
}

void fx_driver(struct fx *fx, const char *drv, const char *module)
{
	static const char *const attrs[] = {"bind", "unbind", "new_id", "remove_id", "uevent"};
	_cleanup_free_ char *dir = NULL, *mod = NULL, *link = NULL, *drivers = NULL, *back = NULL;

	if (!mock_is_plain_name(drv))
		die("bad driver name '%s'", drv);
	dir = xasprintf("%s/sys/bus/pci/drivers/%s", fx->root, drv);
	if (access(dir, F_OK) == 0)
		return;
	mkdirs(dir);
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		touch(dir, attrs[i], 0200);
	if (module == NULL)
		return;

	fx_module(fx, module, FX_LOADED);
	fx_module_provides(fx, module, drv);
	mod = xasprintf("%s/sys/module/%s", fx->root, module);
	link = xasprintf("%s/module", dir);
	symlink_rel(link, mod);
	drivers = xasprintf("%s/drivers", mod);
	mkdirs(drivers);
	back = xasprintf("%s/pci:%s", drivers, drv);
	symlink_rel(back, dir);
}

/* uevent's DRIVER= follows the binding, as the kernel's does at every read. */
static void set_uevent_driver(const char *dir, const char *drv)
{
	_cleanup_free_ char *path = xasprintf("%s/uevent", dir);
	char text[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return; /* a test took it away */
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		die("read %s: %m", path);
	text[n] = '\0';
	if (mock_uevent_set_driver(text, sizeof(text), drv) < 0)
		die("%s: too long", path);
	put_bytes(path, text, strlen(text), 0644, O_TRUNC);
}

void fx_bind(struct fx *fx, const char *addr, const char *drv)
{
	_cleanup_free_ char *dir = dev_dir(fx, addr);
	_cleanup_free_ char *drvdir = xasprintf("%s/sys/bus/pci/drivers/%s", fx->root, drv);
	_cleanup_free_ char *link = xasprintf("%s/driver", dir);
	_cleanup_free_ char *back = xasprintf("%s/%s", drvdir, addr);

	if (access(drvdir, F_OK) < 0)
		die("bind %s: no driver %s (fx_driver first)", addr, drv);
	symlink_rel(link, drvdir);
	symlink_rel(back, dir);
	set_uevent_driver(dir, drv);
}

void fx_unbind(struct fx *fx, const char *addr)
{
	_cleanup_free_ char *dir = dev_dir(fx, addr);
	_cleanup_free_ char *drv = fx_driver_of(fx, addr);
	_cleanup_free_ char *link = xasprintf("%s/driver", dir);

	if (drv != NULL) {
		_cleanup_free_ char *back =
			xasprintf("%s/sys/bus/pci/drivers/%s/%s", fx->root, drv, addr);

		unlink(back);
	}
	unlink(link);
	set_uevent_driver(dir, NULL);
}

void fx_override(struct fx *fx, const char *addr, const char *drv)
{
	_cleanup_free_ char *dir = dev_dir(fx, addr);
	_cleanup_free_ char *path = xasprintf("%s/driver_override", dir);
	_cleanup_free_ char *text = xasprintf("%s\n", drv != NULL ? drv : "(null)");

	put_bytes(path, text, strlen(text), 0644, O_TRUNC);
}

/* Runs a helper tool with the test's own environment: its exit status, 127 if it cannot. */
static int spawn(const char *const argv[])
{
	int status, r;
	pid_t pid;

	fflush(NULL);
	r = posix_spawnp(&pid, argv[0], NULL, NULL, (char *const *)argv, environ);
	if (r != 0) {
		fprintf(stderr, "fixture: cannot run %s: %s\n", argv[0], strerror(r));
		return 127;
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static char *osrelease(const struct fx *fx)
{
	char *release = fx_read(fx, "proc/sys/kernel/osrelease");

	if (release == NULL)
		die("no proc/sys/kernel/osrelease in the tree");
	release[strcspn(release, "\n")] = '\0';
	return release;
}

int fx_modules(struct fx *fx, const char *version, unsigned int flags)
{
	const char *script = SRCDIR "/scripts/mkmodtree.sh";
	_cleanup_free_ char *release = NULL;
	const char *argv[6];
	int n = 0;

	if (access(script, R_OK) < 0) {
		fprintf(stderr, "fixture: %s is missing: cannot build a module tree\n", script);
		return -ENOENT;
	}
	if (version == NULL)
		version = release = osrelease(fx);
	if (access(script, X_OK) < 0)
		argv[n++] = "/bin/sh";
	argv[n++] = script;
	if (flags & FX_WITHOUT_VFIO)
		argv[n++] = "--without-vfio";
	argv[n++] = fx->root;
	argv[n++] = version;
	argv[n] = NULL;
	if (spawn(argv) != 0) {
		fprintf(stderr, "fixture: %s %s %s failed\n", script, fx->root, version);
		return -EIO;
	}
	return 0;
}

/* A relocatable ELF with nothing but .modinfo: all depmod, libkmod and the double read. */
void fx_fake_module_file(struct fx *fx, const char *rel, const char *name, const char *version)
{
	_cleanup_free_ char *path = fx_path(fx, rel);
	static const char shstrtab[] = "\0.modinfo\0.shstrtab";
	_cleanup_free_ uint8_t *image = NULL;
	_cleanup_free_ char *info = NULL;
	size_t info_len, shoff, size;
	Elf64_Ehdr eh = {
		.e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
			    EV_CURRENT},
		.e_type = ET_REL,
		.e_machine = EM_X86_64,
		.e_version = EV_CURRENT,
		.e_ehsize = sizeof(Elf64_Ehdr),
		.e_shentsize = sizeof(Elf64_Shdr),
		.e_shnum = 3,
		.e_shstrndx = 2,
	};
	Elf64_Shdr sh[3] = {{0}};

	if (version == NULL)
		version = "6.1.0-test";
	/* '\n' stands in for the NULs that separate .modinfo strings. */
	info = xasprintf("license=GPL\nname=%s\nvermagic=%s SMP mod_unload modversions \n", name,
			 version);
	info_len = strlen(info);
	for (char *p = info; *p != '\0'; p++)
		*p = *p == '\n' ? '\0' : *p;

	shoff = (sizeof(eh) + info_len + sizeof(shstrtab) + 7) & ~(size_t)7;
	size = shoff + sizeof(sh);
	eh.e_shoff = shoff;
	sh[1] = (Elf64_Shdr){.sh_name = 1,
			     .sh_type = SHT_PROGBITS,
			     .sh_flags = SHF_ALLOC,
			     .sh_offset = sizeof(eh),
			     .sh_size = info_len,
			     .sh_addralign = 1};
	sh[2] = (Elf64_Shdr){.sh_name = 10,
			     .sh_type = SHT_STRTAB,
			     .sh_offset = sizeof(eh) + info_len,
			     .sh_size = sizeof(shstrtab),
			     .sh_addralign = 1};
	image = calloc(1, size);
	if (image == NULL)
		die("out of memory");
	memcpy(image, &eh, sizeof(eh));
	memcpy(image + sizeof(eh), info, info_len);
	memcpy(image + sizeof(eh) + info_len, shstrtab, sizeof(shstrtab));
	memcpy(image + shoff, sh, sizeof(sh));
	put_bytes(path, image, size, 0644, O_TRUNC);
}

static void list_fake_modules(struct fx *fx, const char *dir, const char *const names[],
			      const char *list, bool builtin)
{
	_cleanup_free_ char *rel = xasprintf("lib/modules/%s/%s", dir, list);

	put(fx, rel, "");
	for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
		_cleanup_free_ char *line = xasprintf("kernel/fake/%s.ko\n", names[i]);

		append(fx, rel, line);
		if (builtin) {
			_cleanup_free_ char *sysname = xasprintf("%s", names[i]);

			for (char *p = sysname; *p != '\0'; p++)
				*p = *p == '-' ? '_' : *p;
			fx_module(fx, sysname, FX_BUILTIN);
		} else {
			_cleanup_free_ char *ko =
				xasprintf("lib/modules/%s/kernel/fake/%s.ko", dir, names[i]);

			fx_fake_module_file(fx, ko, names[i], dir);
		}
	}
}

int fx_fake_modules(struct fx *fx, const char *version, const char *const loadable[],
		    const char *const builtin[])
{
	_cleanup_free_ char *release = NULL, *modinfo = NULL;
	const char *depmod[] = {"depmod", "-b", fx->root, NULL, NULL};

	if (version == NULL)
		version = release = osrelease(fx);
	list_fake_modules(fx, version, loadable, "modules.order", false);
	list_fake_modules(fx, version, builtin, "modules.builtin", true);
	modinfo = xasprintf("lib/modules/%s/modules.builtin.modinfo", version);
	put(fx, modinfo, "");
	depmod[3] = version;
	/* depmod lives in sbin, which a test's PATH may lack. */
	if (access("/sbin/depmod", X_OK) == 0)
		depmod[0] = "/sbin/depmod";
	else if (access("/usr/sbin/depmod", X_OK) == 0)
		depmod[0] = "/usr/sbin/depmod";
	switch (spawn(depmod)) {
	case 0:
		return 0;
	case 127:
		return -ENOENT;
	default:
		return -EIO;
	}
}

/* ------------------------------------------------------------------------ */
/* Devices.                                                                 */

static void put16(uint8_t *cfg, unsigned int off, unsigned int v)
{
	cfg[off] = v & 0xff;
	cfg[off + 1] = (v >> 8) & 0xff;
}

static void build_config(uint8_t cfg[256], unsigned int bus, const struct fx_dev *d)
{
	memset(cfg, 0, 256);
	put16(cfg, 0x00, d->vendor);
	put16(cfg, 0x02, d->device);
	put16(cfg, 0x04, 0x0003); /* I/O and memory decoding, as firmware leaves it */
	cfg[0x08] = d->revision & 0xff;
	cfg[0x09] = d->class & 0xff;
	cfg[0x0a] = (d->class >> 8) & 0xff;
	cfg[0x0b] = (d->class >> 16) & 0xff;
	cfg[0x0e] = d->header_type & 0x7f;
	if ((d->header_type & 0x7f) == 0) {
		put16(cfg, 0x2c, d->sub_vendor);
		put16(cfg, 0x2e, d->sub_device);
	} else {
		cfg[0x18] = bus & 0xff; /* primary bus; children fill in the rest */
	}
	cfg[0x3c] = d->irq & 0xff;
	cfg[0x3d] = d->irq ? 1 : 0; /* INTA */
}

static void patch_config(const char *devdir, void (*patch)(uint8_t *cfg, unsigned int arg),
			 unsigned int arg)
{
	_cleanup_free_ char *path = xasprintf("%s/config", devdir);
	uint8_t cfg[256];
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0 || pread(fd, cfg, sizeof(cfg), 0) != sizeof(cfg))
		die("read %s: %m", path);
	patch(cfg, arg);
	if (pwrite(fd, cfg, sizeof(cfg), 0) != sizeof(cfg))
		die("write %s: %m", path);
	close(fd);
}

static void set_multifunction(uint8_t *cfg, unsigned int unused)
{
	(void)unused;
	cfg[0x0e] |= 0x80;
}

static void set_secondary(uint8_t *cfg, unsigned int bus)
{
	cfg[0x19] = bus & 0xff;
	if (cfg[0x1a] < bus)
		cfg[0x1a] = bus & 0xff;
}

static void raise_subordinate(uint8_t *cfg, unsigned int bus)
{
	if (cfg[0x1a] < bus)
		cfg[0x1a] = bus & 0xff;
}

/* Bridges above the device route its bus: secondary/subordinate bus numbers. */
static void route_bus(const char *devdir, unsigned int bus)
{
	_cleanup_free_ char *dir = xasprintf("%s", devdir);
	bool direct = true;
	char *slash;

	while ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		slash = strrchr(dir, '/');
		if (slash == NULL || !mock_is_pci_addr(slash + 1))
			return;
		patch_config(dir, direct ? set_secondary : raise_subordinate, bus);
		direct = false;
	}
}

/* Functions of one slot share the multi-function bit in their header type. */
static void mark_slot_multifunction(struct fx *fx, const char *addr, bool force)
{
	_cleanup_free_ char *devices = fx_path(fx, "sys/bus/pci/devices");
	struct dirent **names = NULL;
	int n = scandir(devices, &names, NULL, alphasort), siblings = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < n; i++) {
			if (strncmp(names[i]->d_name, addr, 11) != 0)
				continue;
			if (pass == 0) {
				siblings++;
			} else if (force || siblings > 1) {
				_cleanup_free_ char *dir = dev_dir(fx, names[i]->d_name);

				patch_config(dir, set_multifunction, 0);
			}
		}
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void put_attr(const char *devdir, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void put_attr(const char *devdir, const char *name, const char *fmt, ...)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", devdir, name);
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	put_bytes(path, text, strlen(text), 0644, O_TRUNC);
}

static void add_to_group(struct fx *fx, const char *addr, const char *devdir, int group)
{
	_cleanup_free_ char *gdir = xasprintf("%s/sys/kernel/iommu_groups/%d", fx->root, group);
	_cleanup_free_ char *type = xasprintf("%s/type", gdir);
	_cleanup_free_ char *member = xasprintf("%s/devices/%s", gdir, addr);
	_cleanup_free_ char *link = xasprintf("%s/iommu_group", devdir);

	mkdirs(member);
	rmdir(member);
	if (access(type, F_OK) < 0)
		put_bytes(type, "DMA\n", 4, 0644, O_TRUNC);
	symlink_rel(member, devdir);
	symlink_rel(link, gdir);
}

static void add_slot(struct fx *fx, const char *addr, const char *slot)
{
	_cleanup_free_ char *rel = xasprintf("sys/bus/pci/slots/%s/address", slot);
	_cleanup_free_ char *text = xasprintf("%.10s\n", addr);

	if (!mock_is_plain_name(slot))
		die("bad slot name '%s'", slot);
	if (!fx_exists(fx, rel))
		put(fx, rel, text);
}

static void write_attrs(const char *dir, const char *addr, const struct fx_dev *d)
{
	unsigned int bus = (unsigned int)strtoul(addr + 5, NULL, 16);
	const char *reset = d->reset_method != NULL ? d->reset_method : "flr bus";
	uint8_t cfg[256];
	_cleanup_free_ char *cfgpath = xasprintf("%s/config", dir);

	put_attr(dir, "vendor", "0x%04x\n", d->vendor);
	put_attr(dir, "device", "0x%04x\n", d->device);
	put_attr(dir, "subsystem_vendor", "0x%04x\n", d->sub_vendor);
	put_attr(dir, "subsystem_device", "0x%04x\n", d->sub_device);
	put_attr(dir, "class", "0x%06x\n", d->class);
	put_attr(dir, "revision", "0x%02x\n", d->revision);
	put_attr(dir, "driver_override", "(null)\n");
	put_attr(dir, "enable", "%d\n", d->bound ? 1 : 0);
	put_attr(dir, "irq", "%u\n", d->irq);
	put_attr(dir, "numa_node", "-1\n");
	put_attr(dir, "modalias", "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n", d->vendor,
		 d->device, d->sub_vendor, d->sub_device, (d->class >> 16) & 0xff,
		 (d->class >> 8) & 0xff, d->class & 0xff);
	/* As the kernel's pci_uevent() shows it; fx_bind() and the double add DRIVER=. */
	put_attr(
		dir, "uevent",
		"PCI_CLASS=%X\nPCI_ID=%04X:%04X\nPCI_SUBSYS_ID=%04X:%04X\nPCI_SLOT_NAME=%s\nMODALIAS=pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n",
		d->class, d->vendor, d->device, d->sub_vendor, d->sub_device, addr, d->vendor,
		d->device, d->sub_vendor, d->sub_device, (d->class >> 16) & 0xff,
		(d->class >> 8) & 0xff, d->class & 0xff);
	if ((d->class >> 8) == 0x0300 && d->boot_vga >= 0)
		put_attr(dir, "boot_vga", "%d\n", d->boot_vga ? 1 : 0);
	if (reset[0] != '\0') {
		put_attr(dir, "reset_method", "%s\n", reset);
		touch(dir, "reset", 0200);
	}
	build_config(cfg, bus, d);
	put_bytes(cfgpath, cfg, sizeof(cfg), 0644, O_TRUNC);
}

void fx_device(struct fx *fx, const char *addr, const struct fx_dev *d)
{
	_cleanup_free_ char *dir = NULL, *link = NULL, *pci = NULL;
	unsigned int bus;

	if (!mock_is_pci_addr(addr))
		die("bad PCI address '%s'", addr);
	bus = (unsigned int)strtoul(addr + 5, NULL, 16);
	if (d->parent != NULL) {
		_cleanup_free_ char *up = dev_dir(fx, d->parent);

		dir = xasprintf("%s/%s", up, addr);
	} else {
		dir = xasprintf("%s/sys/devices/pci%.7s/%s", fx->root, addr, addr);
	}
	link = xasprintf("%s/sys/bus/pci/devices/%s", fx->root, addr);
	if (access(link, F_OK) == 0)
		die("device %s exists", addr);
	mkdirs(dir);
	write_attrs(dir, addr, d);

	symlink_rel(link, dir);
	free(link);
	link = xasprintf("%s/subsystem", dir);
	pci = xasprintf("%s/sys/bus/pci", fx->root);
	symlink_rel(link, pci);
	if (d->group >= 0)
		add_to_group(fx, addr, dir, d->group);
	if (d->slot != NULL)
		add_slot(fx, addr, d->slot);
	route_bus(dir, bus);
	mark_slot_multifunction(fx, addr, d->multifunction);

	if (d->host_driver != NULL) {
		_cleanup_free_ char *line = xasprintf("%s %s\n", addr, d->host_driver);

		append(fx, MOCK_NATURAL, line);
	}
	if (d->bound) {
		_cleanup_free_ char *drvdir = NULL, *module = NULL;

		if (d->host_driver == NULL)
			die("device %s: bound without host_driver", addr);
		drvdir = xasprintf("%s/sys/bus/pci/drivers/%s", fx->root, d->host_driver);
		if (access(drvdir, F_OK) < 0) {
			/* Most modules are named after their driver. */
			module = xasprintf("%s", d->host_driver);
			for (char *p = module; *p != '\0'; p++)
				*p = *p == '-' ? '_' : *p;
			fx_driver(fx, d->host_driver, module);
		}
		fx_bind(fx, addr, d->host_driver);
	}
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
		die("open_memstream: %m");
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
	_cleanup_free_ char *path = xasprintf("%s/sys/bus/pci/devices/%s/driver", fx->root, addr);
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
	_cleanup_free_ char *rel = xasprintf("sys/bus/pci/devices/%s/uevent", addr);
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

/* ------------------------------------------------------------------------ */
/* Running programs against the tree.                                       */

/* An environment override, made absolute: children may run elsewhere. */
static const char *from_env(const char *const names[], const char *fallback, char **cache)
{
	if (*cache != NULL)
		return *cache;
	for (const char *const *n = names; *n != NULL; n++) {
		const char *v = getenv(*n);

		if (v != NULL && *v != '\0') {
			*cache = realpath(v, NULL);
			if (*cache == NULL)
				die("%s=%s: %m", *n, v);
			return *cache;
		}
	}
	*cache = strdup(fallback);
	return *cache;
}

const char *fx_mock_so(void)
{
	static const char *const names[] = {"VFIO_MOCK_SO", "MOCK_SO", NULL};
	static char *path;

	return from_env(names, MOCK_SO, &path);
}

const char *fx_mock_write(void)
{
	static const char *const names[] = {"VFIO_MOCK_WRITE", NULL};
	static char *path;

	return from_env(names, MOCK_WRITE, &path);
}

static bool is_var(const char *entry, const char *const names[])
{
	for (const char *const *n = names; *n != NULL; n++) {
		size_t len = strlen(*n);

		if (strncmp(entry, *n, len) == 0 && entry[len] == '=')
			return true;
	}
	return false;
}

/* The test's environment plus the double: vars[] receives what must be freed. */
static char **child_env(const struct fx *fx, char *vars[3])
{
	static const char *const names[] = {"LD_PRELOAD", "ASAN_OPTIONS", "VFIO_MOCK_ROOT", NULL};
	const char *preload = getenv("LD_PRELOAD");
	const char *asan = getenv("ASAN_OPTIONS");
	size_t n = 0, i = 0;
	char **envp;

	/* A sanitizer runtime already preloaded has to stay first. */
	vars[0] = preload && *preload ? xasprintf("LD_PRELOAD=%s:%s", preload, fx_mock_so())
				      : xasprintf("LD_PRELOAD=%s", fx_mock_so());
	/* ASan wants its runtime first; the double does not allocate behind its back. */
	vars[1] = asan && *asan ? xasprintf("ASAN_OPTIONS=%s:verify_asan_link_order=0", asan)
				: xasprintf("ASAN_OPTIONS=verify_asan_link_order=0");
	vars[2] = xasprintf("VFIO_MOCK_ROOT=%s", fx->root);

	while (environ[n] != NULL)
		n++;
	envp = calloc(n + 4, sizeof(*envp));
	if (envp == NULL)
		die("out of memory");
	for (char **e = environ; *e != NULL; e++) {
		if (!is_var(*e, names))
			envp[i++] = *e;
	}
	for (int v = 0; v < 3; v++)
		envp[i++] = vars[v];
	return envp;
}

int fx_run(struct fx *fx, const char *const argv[])
{
	_cleanup_free_ char *out = fx_path(fx, MOCK_STATE_DIR "/stdout");
	_cleanup_free_ char *err = fx_path(fx, MOCK_STATE_DIR "/stderr");
	posix_spawn_file_actions_t actions;
	char *vars[3];
	char **envp = child_env(fx, vars);
	int status, r;
	pid_t pid;

	/* posix_spawn, not fork: copying an ASan process's page tables is slow. */
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out, O_WRONLY | O_CREAT | O_TRUNC,
					 0644);
	posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err, O_WRONLY | O_CREAT | O_TRUNC,
					 0644);
	fflush(NULL);
	r = posix_spawn(&pid, argv[0], &actions, NULL, (char *const *)argv, envp);
	posix_spawn_file_actions_destroy(&actions);
	free(envp);
	for (int v = 0; v < 3; v++)
		free(vars[v]);
	if (r != 0) {
		fprintf(stderr, "fixture: cannot run %s: %s\n", argv[0], strerror(r));
		return 127;
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid: %m");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ------------------------------------------------------------------------ */
/* The q35 machine of the VM tests; fixture.h has the table.                */

void fx_q35_two_gpus(struct fx *fx)
{
	static const char *const drivers[][2] = {
		{"bochs-drm", "bochs"},	    {"snd_hda_intel", "snd_hda_intel"},
		{"e1000", "e1000"},	    {"xhci_hcd", "xhci_pci"},
		{"ahci", "ahci"},	    {"lpc_ich", "lpc_ich"},
		{"i801_smbus", "i2c_i801"}, {"pcieport", NULL},
	};
	static const struct {
		const char *addr, *parent;
		unsigned int vendor, device, class, revision;
		int group;
		const char *driver, *slot, *reset;
		unsigned int irq;
		int boot_vga;
	} rows[] = {
		/* clang-format off */
		/* addr          parent          vendor  device  class     rev grp driver           slot reset  irq vga */
		{"0000:00:00.0", NULL,           0x8086, 0x29c0, 0x060000, 0,  0, NULL,            NULL, "",    0,  -1},
		{"0000:00:01.0", NULL,           0x1b36, 0x000c, 0x060400, 0,  1, "pcieport",      NULL, "",    22, -1},
		{"0000:01:00.0", "0000:00:01.0", 0x1234, 0x1111, 0x030000, 2,  1, "bochs-drm",     "1",  "bus", 0,  1},
		{"0000:01:00.1", "0000:00:01.0", 0x8086, 0x293e, 0x040300, 3,  1, "snd_hda_intel", "1",  "bus", 16, -1},
		{"0000:00:02.0", NULL,           0x1b36, 0x000c, 0x060400, 0,  2, "pcieport",      NULL, "",    23, -1},
		{"0000:02:00.0", "0000:00:02.0", 0x1234, 0x1111, 0x030000, 2,  2, "bochs-drm",     "2",  "bus", 0,  0},
		{"0000:02:00.1", "0000:00:02.0", 0x8086, 0x293e, 0x040300, 3,  2, "snd_hda_intel", "2",  "bus", 17, -1},
		{"0000:00:03.0", NULL,           0x1b36, 0x000e, 0x060400, 0,  3, NULL,            NULL, "",    0,  -1},
		{"0000:03:01.0", "0000:00:03.0", 0x8086, 0x100e, 0x020000, 3,  3, "e1000",         NULL, NULL,  20, -1},
		{"0000:03:02.0", "0000:00:03.0", 0x8086, 0x100e, 0x020000, 3,  3, "e1000",         NULL, NULL,  21, -1},
		{"0000:00:04.0", NULL,           0x1b36, 0x000d, 0x0c0330, 1,  4, "xhci_hcd",      NULL, NULL,  18, -1},
		{"0000:00:1f.0", NULL,           0x8086, 0x2918, 0x060100, 2,  5, "lpc_ich",       NULL, "",    0,  -1},
		{"0000:00:1f.2", NULL,           0x8086, 0x2922, 0x010601, 2,  5, "ahci",          NULL, "",    16, -1},
		{"0000:00:1f.3", NULL,           0x8086, 0x2930, 0x0c0500, 2,  5, "i801_smbus",    NULL, "",    16, -1},
		/* clang-format on */
	};

	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		fx_driver(fx, drivers[i][0], drivers[i][1]);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		/* PCI-to-PCI bridges have a type 1 header and no subsystem ids there. */
		bool bridge = rows[i].class >> 8 == 0x0604;

		fx_device(fx, rows[i].addr,
			  &(struct fx_dev){
				  .parent = rows[i].parent,
				  .vendor = rows[i].vendor,
				  .device = rows[i].device,
				  .sub_vendor = bridge ? 0 : 0x1af4,
				  .sub_device = bridge ? 0 : 0x1100,
				  .class = rows[i].class,
				  .revision = rows[i].revision,
				  .header_type = bridge ? 1 : 0,
				  .boot_vga = rows[i].boot_vga,
				  .group = rows[i].group,
				  .host_driver = rows[i].driver,
				  .bound = rows[i].driver != NULL,
				  .slot = rows[i].slot,
				  .reset_method = rows[i].reset,
				  .irq = rows[i].irq,
			  });
	}
}
