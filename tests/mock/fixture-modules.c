// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel modules in a fake tree: loaded ones (sys/module, proc/modules), the drivers a module
 * registers when loaded, and module trees under lib/modules (the installed kernel's real
 * vfio modules, or stand-ins) for libkmod and depmod.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <elf.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture-internal.h"
#include "mock-common.h"

#ifndef SRCDIR
#error "SRCDIR must name the source tree (tests/mock/rules.mk defines it)"
#endif

void fx_module(struct fx *fx, const char *name, unsigned int flags)
{
	_cleanup_free_ char *dir = fx_asprintf("sys/module/%s", name);
	_cleanup_free_ char *line = NULL, *path = NULL;

	if (!mock_is_plain_name(name) || strchr(name, '-') != NULL)
		fx_die("bad module name '%s' (modules use '_')", name);
	if (fx_exists(fx, dir))
		return;
	fx_mkdir_rel(fx, dir);
	if (!(flags & FX_LOADED))
		return;
	path = fx_asprintf("%s/holders", dir);
	fx_mkdir_rel(fx, path);
	free(path);
	path = fx_asprintf("%s/refcnt", dir);
	fx_write(fx, path, "0\n", 0);
	free(path);
	path = fx_asprintf("%s/coresize", dir);
	line = fx_asprintf("%d\n", MOCK_MODULE_SIZE);
	fx_write(fx, path, line, 0);
	free(path);
	path = fx_asprintf("%s/initstate", dir);
	fx_write(fx, path, "live\n", 0);
	free(line);
	line = fx_asprintf("%s %d 0 - Live 0x0000000000000000\n", name, MOCK_MODULE_SIZE);
	fx_append(fx, "proc/modules", line);
}

void fx_module_provides(struct fx *fx, const char *module, const char *drv)
{
	_cleanup_free_ char *line = fx_asprintf("%s %s\n", module, drv);

	fx_append(fx, MOCK_MODULE_DRIVERS, line);
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
		fx_die("no proc/sys/kernel/osrelease in the tree");
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
	info = fx_asprintf("license=GPL\nname=%s\nvermagic=%s SMP mod_unload modversions \n", name,
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
		fx_die("out of memory");
	memcpy(image, &eh, sizeof(eh));
	memcpy(image + sizeof(eh), info, info_len);
	memcpy(image + sizeof(eh) + info_len, shstrtab, sizeof(shstrtab));
	memcpy(image + shoff, sh, sizeof(sh));
	fx_put_bytes(path, image, size, 0644, O_TRUNC);
}

static void list_fake_modules(struct fx *fx, const char *dir, const char *const names[],
			      const char *list, bool builtin)
{
	_cleanup_free_ char *rel = fx_asprintf("lib/modules/%s/%s", dir, list);

	fx_write(fx, rel, "", 0);
	for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
		_cleanup_free_ char *line = fx_asprintf("kernel/fake/%s.ko\n", names[i]);

		fx_append(fx, rel, line);
		if (builtin) {
			_cleanup_free_ char *sysname = fx_asprintf("%s", names[i]);

			for (char *p = sysname; *p != '\0'; p++)
				*p = *p == '-' ? '_' : *p;
			fx_module(fx, sysname, FX_BUILTIN);
		} else {
			_cleanup_free_ char *ko =
				fx_asprintf("lib/modules/%s/kernel/fake/%s.ko", dir, names[i]);

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
	modinfo = fx_asprintf("lib/modules/%s/modules.builtin.modinfo", version);
	fx_write(fx, modinfo, "", 0);
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
