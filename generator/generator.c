// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot-generator: a systemd generator (systemd.generator(7)). From the [bridge] and
 * [guest] sections of /etc/vfio-boot/vfio-boot.conf it instantiates vfio-boot-bridge@.service
 * and vfio-boot-guest@.service in its output directory: a drop-in per guest with its order and
 * limits, and .wants symlinks for what starts at boot. It only reads files and writes into
 * that directory: no IPC, as generators run before any daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <strings.h>

#include "bridge.h"
#include "cmdline.h"
#include "config.h"
#include "escape.h"
#include "guest-dropin.h"
#include "guest.h"
#include "log.h"
#include "logsink.h"
#include "output.h"
#include "paths.h"
#include "strbuf.h"
#include "sysroot.h"
#include "util.h"

#define WANTED_BY "multi-user.target"
#define LATE_UNIT "vfio-boot-late.service"
/* How long vfio-boot-late.service waits, by default; a drop-in's Environment= changes it. */
#define LATE_WAIT_SEC 60

/* vfio-boot-generator(8), EXIT STATUS: systemd logs a generator that fails, and goes on. */
enum generator_exit {
	GENERATOR_EXIT_OK = 0,
	GENERATOR_EXIT_FAILED = 1, /* usage, or units that could not be written */
};

static int log_level_from_env(void)
{
	static const char *const names[] = {"emerg",   "alert",	 "crit", "err",
					    "warning", "notice", "info", "debug"};
	const char *s = getenv("SYSTEMD_LOG_LEVEL");

	if (s)
		for (size_t i = 0; i < ELEMENTSOF(names); i++)
			if (strcasecmp(s, names[i]) == 0 || (s[0] == '0' + (int)i && !s[1]))
				return i;
	return LOG_INFO;
}

static bool in_initrd(void)
{
	const char *e = getenv("SYSTEMD_IN_INITRD");

	/* systemd ≥ 251 says so; older ones leave /etc/initrd-release to tell. */
	if (e && *e)
		return streq(e, "1");
	return vb_exists("/etc/initrd-release");
}

struct gen {
	int outfd, wantsfd;
	unsigned n_units, n_failed;
	struct guest_notes notes;
};

/* WANTED_BY.wants/unit -> target. */
static int wants_link(struct gen *gen, const char *unit, const char *target)
{
	int r;

	if (gen->wantsfd < 0) {
		gen->wantsfd = out_subdir(gen->outfd, WANTED_BY ".wants");
		if (gen->wantsfd < 0)
			return log_err(gen->wantsfd,
				       "creating %s.wants in the output directory: %m", WANTED_BY);
	}
	r = out_symlink(gen->wantsfd, unit, target);
	if (r < 0)
		return log_err(r, "linking %s.wants/%s: %m", WANTED_BY, unit);
	return 0;
}

static int wants(struct gen *gen, const char *unit, const char *template)
{
	_cleanup_free_ char *target = NULL;
	int r;

	r = asprintf_safe(&target, "%s/%s", VB_UNITDIR, template);
	if (r < 0)
		return r;
	return wants_link(gen, unit, target);
}

/*
 * The engines that take the vfio-pci devices they find when they start, once (KubeVirt's
 * virt-handler under kubelet, nova-compute, Proxmox's guests), start after what vfio-boot claims
 * after boot is settled: VFs made once their PF's host driver bound, hot-plugged devices that
 * are here. Only ordered: a host without them gets nothing started. Made only for a config with
 * such sections, so that other hosts wait for nothing. 1 when made, 0 when not needed.
 */
static int gen_late(struct gen *gen, const struct vb_config *cfg)
{
	struct strbuf b = {0};
	_cleanup_free_ char *unit = NULL;
	unsigned n = 0;
	int r;

	for (size_t i = 0; i < cfg->n_devices; i++)
		n += cfg->devices[i].hotplug || cfg->devices[i].vfs;
	if (!n)
		return 0;
	strbuf_printf(
		&b,
		"# Made by vfio-boot-generator from the [device] sections of vfio-boot.conf that claim\n"
		"# after boot (vfs =, hotplug = yes). See vfio-boot-generator(8); change the config,\n"
		"# not this file; a drop-in may set VFIO_BOOT_LATE_TIMEOUT.\n"
		"[Unit]\n"
		"Description=vfio-boot devices claimed after boot\n"
		"Documentation=man:vfio-boot-generator(8) man:vfio-boot.conf(5)\n"
		"# udev's coldplug and modules-load.d load the PFs' host drivers: their VFs come after.\n"
		"After=systemd-udev-trigger.service systemd-modules-load.service\n"
		"# Ordered before the engines, never pulling them in: they start when this ends,\n"
		"# whatever it says.\n"
		"Before=kubelet.service nova-compute.service openstack-nova-compute.service\n"
		"Before=pve-guests.service\n"
		"[Service]\n"
		"Type=oneshot\n"
		"RemainAfterExit=yes\n"
		"Environment=VFIO_BOOT_LATE_TIMEOUT=%d\n"
		"ExecStart=%s/vfio-boot-claimed --wait=${VFIO_BOOT_LATE_TIMEOUT} --",
		LATE_WAIT_SEC, VB_LIBEXECDIR);
	for (size_t i = 0; i < cfg->n_devices; i++)
		if (cfg->devices[i].hotplug || cfg->devices[i].vfs)
			strbuf_printf(&b, " %s", cfg->devices[i].name);
	/* A backstop only: the wait ends by itself. */
	strbuf_printf(&b, "\nTimeoutStartSec=15min\n");
	r = strbuf_take(&b, &unit);
	if (r < 0)
		return r;
	r = out_file(gen->outfd, LATE_UNIT, unit);
	if (r < 0)
		return log_err(r, "writing %s: %m", LATE_UNIT);
	r = wants_link(gen, LATE_UNIT, "../" LATE_UNIT);
	if (r < 0)
		return r;
	log_debug("%u [device] section%s claim%s after boot: %s", n, n == 1 ? "" : "s",
		  n == 1 ? "s" : "", LATE_UNIT);
	return 1;
}

static int gen_bridge(struct gen *gen, const struct vb_bridge *b)
{
	_cleanup_free_ char *unit = NULL;
	int r;

	r = vb_unit_instance(VB_BRIDGE_UNIT_PREFIX, b->name, "service", VB_UNIT_NAME_MAX, &unit);
	if (r < 0)
		return r;
	/* Set up at every boot, guests or not: the bridge is the host's network too. */
	r = wants(gen, unit, VB_BRIDGE_UNIT_PREFIX "@.service");
	if (r < 0)
		return r;
	log_debug("[bridge %s]: %s", b->name, unit);
	return 0;
}

static int gen_guest(struct gen *gen, const struct vb_guest *g, const struct vb_guests *all,
		     bool autostart)
{
	_cleanup_free_ char *dropin = NULL, *dir = NULL;
	_cleanup_close_ int dfd = -EBADF;
	int r;

	r = guest_dropin_noting(g, all, &gen->notes, &dropin);
	if (r < 0)
		return r;
	r = asprintf_safe(&dir, "%s.d", g->unit);
	if (r < 0)
		return r;
	dfd = out_subdir(gen->outfd, dir);
	if (dfd < 0)
		return log_err(dfd, "creating %s in the output directory: %m", dir);
	r = out_file(dfd, GUEST_DROPIN_NAME, dropin);
	if (r < 0)
		return log_err(r, "writing %s/%s: %m", dir, GUEST_DROPIN_NAME);
	if (g->autostart && autostart) {
		r = wants(gen, g->unit, VB_GUEST_UNIT_PREFIX "@.service");
		if (r < 0)
			return r;
	}
	log_debug("[guest %s]: %s%s", g->name, g->unit,
		  g->autostart && autostart ? ", started at boot" : "");
	return 0;
}

static int generate(struct gen *gen)
{
	struct vb_config cfg = {0};
	struct vb_bridges bridges = {0};
	struct vb_guests guests = {0};
	struct vb_cmdline cmd = {0};
	bool autostart = true;
	int r;

	r = vb_config_load(&cfg, NULL);
	if (r == -ENOENT) {
		log_debug("no %s: nothing to do", VB_CONFIG_FILE);
		r = 0;
		goto out;
	}
	if (r == -EPERM) {
		r = 0; /* said why already; nothing from an unsafe config */
		goto out;
	}
	if (r < 0) {
		log_err(r, "reading the config: %m; generating nothing");
		r = 0;
		goto out;
	}
	r = vb_bridges_resolve(&cfg, &bridges);
	if (r < 0)
		goto out;
	r = vb_guests_resolve(&cfg, &bridges, &guests);
	if (r < 0)
		goto out;

	/* The rescue switch leaves the devices on their host drivers: no guest can start. */
	if (vb_cmdline_load(&cmd) == 0 && cmd.off && guests.n) {
		log_notice("vfio_boot=off on the kernel command line: starting no guest at boot");
		autostart = false;
	}

	/* With the rescue switch nothing is claimed after boot: nothing to wait for. */
	if (!cmd.off) {
		r = gen_late(gen, &cfg);
		if (r == -ENOMEM)
			goto out;
		if (r < 0)
			gen->n_failed++;
		else
			gen->n_units += r;
	}
	for (size_t i = 0; i < bridges.n; i++) {
		if (bridges.v[i].bad)
			continue;
		if (gen_bridge(gen, &bridges.v[i]) < 0)
			gen->n_failed++;
		else
			gen->n_units++;
	}
	for (size_t i = 0; i < guests.n; i++) {
		if (guests.v[i].bad)
			continue;
		r = gen_guest(gen, &guests.v[i], &guests, autostart);
		if (r == -ENOMEM)
			goto out;
		if (r < 0)
			gen->n_failed++;
		else
			gen->n_units++;
	}
	r = 0;
out:
	/* Said once, after the guests: a hundred guests without a domain are one message. */
	guest_notes_flush(&gen->notes, &guests);
	if (r == -ENOMEM)
		log_err(r, "out of memory");
	vb_cmdline_free(&cmd);
	vb_guests_free(&guests);
	vb_bridges_free(&bridges);
	vb_config_free(&cfg);
	return r;
}

int main(int argc, char **argv)
{
	struct gen gen = {.outfd = -EBADF, .wantsfd = -EBADF};
	int r;

	/* systemd passes absolute directories, so no directory of its is called --version. */
	if (argc == 2 && streq(argv[1], "--version")) {
		printf("vfio-boot-generator %s\n", VERSION);
		return 0;
	}
	/* systemd passes the normal, early and late directories; only the normal one is used. */
	if (argc != 2 && argc != 4) {
		fprintf(stderr,
			"Usage: vfio-boot-generator NORMAL-DIR [EARLY-DIR LATE-DIR]\n"
			"A systemd generator: systemd runs it at boot and on daemon-reload.\n"
			"VFIO_BOOT_ROOT=DIR reads the config (and /etc/initrd-release, /proc/cmdline,\n"
			"/etc/libvirt/qemu) below DIR. See vfio-boot-generator(8).\n");
		return GENERATOR_EXIT_FAILED;
	}
	r = vb_root_set(NULL);
	if (r < 0) {
		fprintf(stderr, "vfio-boot-generator: VFIO_BOOT_ROOT must be an absolute path\n");
		return GENERATOR_EXIT_FAILED;
	}
	vb_logsink_kmsg("vfio-boot-generator", true, false);
	vb_log_set_max_level(log_level_from_env());

	if (in_initrd()) {
		log_debug("in the initrd: nothing to do");
		return GENERATOR_EXIT_OK;
	}
	gen.outfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (gen.outfd < 0) {
		r = log_err(-errno, "output directory %s: %m", argv[1]);
		return GENERATOR_EXIT_FAILED;
	}
	r = generate(&gen);
	if (gen.n_failed)
		log_err(0, "%u unit%s could not be written: see above", gen.n_failed,
			gen.n_failed == 1 ? "" : "s");
	log_debug("%u unit%s made", gen.n_units, gen.n_units == 1 ? "" : "s");
	if (gen.wantsfd >= 0)
		close(gen.wantsfd);
	close(gen.outfd);
	vb_logsink_close();
	return r < 0 || gen.n_failed ? GENERATOR_EXIT_FAILED : GENERATOR_EXIT_OK;
}
