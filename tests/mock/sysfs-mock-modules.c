// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel double's module loader: init_module, finit_module and delete_module (also
 * through syscall(2)) acting on the tree as the loader and driver_register() would.
 */
#include "sysfs-mock.h"

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

	pthread_mutex_lock(&mock_lock);
	ret = load_module(name, params);
	err = errno;
	pthread_mutex_unlock(&mock_lock);
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
	pthread_mutex_lock(&mock_lock);
	ret = unload_module(name);
	err = errno;
	pthread_mutex_unlock(&mock_lock);
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
