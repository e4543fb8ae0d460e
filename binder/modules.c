// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <libkmod.h>
#include <stdarg.h>
#include <sys/utsname.h>

#include "log.h"
#include "modules.h"
#include "sysroot.h"
#include "util.h"

static void kmod_log(void *data _unused_, int priority, const char *file _unused_,
		     int line _unused_, const char *fn _unused_, const char *fmt, va_list args)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, args);
	buf[strcspn(buf, "\n")] = '\0';
	vb_log_full(priority, 0, "libkmod: %s", buf);
}

/* The running kernel's release, as the (possibly fake) root says. */
static int kernel_release(char **ret)
{
	struct utsname u;

	if (vb_read_file("/proc/sys/kernel/osrelease", ret) == 0 && **ret)
		return 0;
	free(*ret);
	if (uname(&u) < 0)
		return -errno;
	*ret = strdup(u.release);
	return *ret ? 0 : -ENOMEM;
}

static void unref_ctx(struct kmod_ctx **ctx)
{
	if (*ctx)
		kmod_unref(*ctx);
}

static void unref_list(struct kmod_list **l)
{
	if (*l)
		kmod_module_unref_list(*l);
}

static int new_ctx(struct kmod_ctx **ret, char **moddir)
{
	static const char *const conf[] = {"/etc/modprobe.d", "/run/modprobe.d",
					   "/usr/local/lib/modprobe.d", "/lib/modprobe.d"};
	_cleanup_free_ char *release = NULL;
	char *paths[ELEMENTSOF(conf) + 1] = {0};
	struct kmod_ctx *ctx = NULL;
	int r;

	r = kernel_release(&release);
	if (r < 0)
		return r;
	r = vb_pathf(moddir, "/lib/modules/%s", release);
	if (r < 0)
		return r;
	/* libkmod's defaults are the host's; below a root, hand it the root's own. */
	if (!vb_root_is_host())
		for (size_t i = 0; i < ELEMENTSOF(conf); i++)
			if (vb_path(conf[i], &paths[i]) < 0)
				goto out;
	ctx = kmod_new(*moddir, vb_root_is_host() ? NULL : (const char *const *)paths);
out:
	for (size_t i = 0; i < ELEMENTSOF(conf); i++)
		free(paths[i]);
	if (!ctx)
		return -ENOMEM;
	kmod_set_log_fn(ctx, kmod_log, NULL);
	*ret = ctx;
	return 0;
}

static int load(struct kmod_ctx *ctx, const char *moddir, const char *name)
{
	_cleanup_(unref_list) struct kmod_list *list = NULL;
	struct kmod_list *l;
	int r;

	r = kmod_module_new_from_lookup(ctx, name, &list);
	if (r < 0)
		return log_err(r, "looking up module %s in %s: %m", name, moddir);
	if (!list)
		return log_err(
			-ENOENT,
			"module %s is not in %s (nor built in): this kernel has no %s; install a kernel with CONFIG_VFIO_PCI, or rebuild the initramfs so that it holds the module",
			name, moddir, name);
	kmod_list_foreach(l, list)
	{
		struct kmod_module *mod = kmod_module_get_module(l);
		r = kmod_module_probe_insert_module(mod, 0, NULL, NULL, NULL, NULL);
		if (r == -EEXIST)
			r = 0;
		if (r < 0)
			log_err(r, "loading module %s (%s): %m", kmod_module_get_name(mod),
				strna(kmod_module_get_path(mod)));
		else
			log_info("loaded module %s", kmod_module_get_name(mod));
		kmod_module_unref(mod);
		if (r < 0)
			return r;
	}
	return 0;
}

int modules_ensure(const char *const *names, bool dry_run)
{
	_cleanup_(unref_ctx) struct kmod_ctx *ctx = NULL;
	_cleanup_free_ char *moddir = NULL;
	int ret = 0, r;

	for (; *names; names++) {
		/*
		 * Said at info: with vfio-pci built in (or loaded by an earlier hook), this is
		 * the only line that tells why no module was loaded. A loadable module has an
		 * initstate, a built-in one only its directory.
		 */
		if (vb_existsf("/sys/module/%s", *names)) {
			log_info("module %s is %s: nothing to load", *names,
				 vb_existsf("/sys/module/%s/initstate", *names)
					 ? "loaded already"
					 : "built into the kernel");
			continue;
		}
		if (dry_run) {
			log_info("would load module %s with its dependencies and softdeps", *names);
			continue;
		}
		if (!ctx) {
			r = new_ctx(&ctx, &moddir);
			if (r < 0)
				return log_err(r, "setting up libkmod: %m");
		}
		r = load(ctx, moddir, *names);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}
