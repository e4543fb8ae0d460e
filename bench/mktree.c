// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mktree: a fake machine with N PCI functions for the benchmark, built by the
 * tests' fixture (tests/mock/fixture.h: relative links, config space bytes,
 * iommu_groups, drivers with module links, .mock state for the kernel
 * double), so that the binder reads it as it reads a real one and the
 * benchmark and the tests agree on what a machine looks like. The machine is
 * planned in mktree-machine.h; this file has the fixture write and reset it.
 *
 *   mktree ROOT N          build the tree in ROOT (which must not exist)
 *   mktree --reset ROOT N  put back everything a run of the binder or of the
 *                          shell recipe changes, so that every run does the
 *                          same work
 *   mktree --ids N         print the vendor:device IDs of the claimed devices
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "mock-common.h"
#include "mktree-machine.h"

/* ------------------------------------------------------------------------ */
/* Writing it out, by the fixture.                                          */

static void write_drivers(struct fx *fx)
{
	/* vfio_pci's dependencies, loaded too. */
	static const char *const deps[] = {"vfio", "vfio_iommu_type1", "vfio_pci_core",
					   "irqbypass"};

	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		fx_driver(fx, drivers[i][0], drivers[i][1]);
	for (size_t i = 0; i < sizeof(deps) / sizeof(deps[0]); i++)
		fx_module(fx, deps[i], FX_LOADED);
}

static void write_fn(struct fx *fx, const struct fn *f)
{
	const struct fx_dev d = {
		.parent = f->parent >= 0 ? fns[f->parent].addr : NULL,
		.vendor = f->vendor,
		.device = f->device,
		.sub_vendor = f->sub_vendor,
		.sub_device = f->sub_device,
		.class = f->class,
		.revision = f->revision,
		.header_type = f->bridge ? 1 : 0,
		.boot_vga = f->boot_vga,
		.group = f->group,
		.host_driver = f->driver,
		.bound = f->driver != NULL,
		.slot = f->slot,
		.multifunction = f->multifunction,
		.reset_method = f->bridge ? ""
				: f->vf	  ? "flr"
					  : "flr bus",
		.irq = f->driver ? 16 + (unsigned)(f - fns) % 200 : 0,
	};
	char rel[PATH_MAX], to[PATH_MAX];

	fx_device(fx, f->addr, &d);
	if (f->vf) {
		const struct fn *pf = &fns[f->physfn];
		int nvf = (int)(f - fns) - f->physfn - (pf->addr[11] == '0' ? 2 : 1 + VFS);

		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/physfn", f->addr);
		snprintf(to, sizeof(to), "%s", pf->dir);
		fx_symlink(fx, rel, to);
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/virtfn%d", pf->addr, nvf);
		fx_symlink(fx, rel, f->dir);
	}
}

static const char config[] =
	"# vfio-boot benchmark: four GPUs with their HDMI audio functions, 8 claims,\n"
	"# each section chosen by another kind of selector.\n"
	"[binder]\n"
	"wait = 0\n"
	"\n"
	"[device gpu-a]\n"
	"match = path=0000:00:01.0/00.0 class=0300\n"
	"\n"
	"[device gpu-b]\n"
	"match = id=10de:2484 subsystem=1043:87c1\n"
	"\n"
	"[device gpu-c]\n"
	"match = slot=3 class=0300\n"
	"\n"
	"[device gpu-d]\n"
	"match = address=0000:04:00.0\n";

static void create(const char *root)
{
	struct fx *fx = fx_at(root, true);

	fx_cmdline(fx, "BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 "
		       "root=UUID=0b9e5f4c-3a51-4a0e-9f55-5d2f4a1e7c11 ro quiet intel_iommu=on "
		       "iommu=pt");
	fx_osrelease(fx, "6.1.0-18-amd64");
	fx_write(fx, "etc/vfio-boot/vfio-boot.conf", config, 0644);
	write_drivers(fx);
	for (int i = 0; i < nfns; i++)
		write_fn(fx, &fns[i]);
	/* The tree is kept: no fx_free(), which would remove it. */
}

/* ------------------------------------------------------------------------ */
/* Reset: what the binder, the shell recipe and the kernel double change.   */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static void rm_rel(struct fx *fx, const char *rel)
{
	char *p = fx_path(fx, rel);

	if (nftw(p, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		die("removing %s: %m", p);
	free(p);
}

static void reset(const char *root)
{
	struct fx *fx = fx_at(root, false);
	char rel[PATH_MAX];

	for (int i = 0; i < nfns; i++) {
		const struct fn *f = &fns[i];

		/* The binder and the recipe touch the claimed devices and nothing else. */
		if (!f->claimed)
			continue;
		fx_override(fx, f->addr, NULL);
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver", f->addr);
		rm_rel(fx, rel);
		snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/vfio-pci/%s", f->addr);
		rm_rel(fx, rel);
		snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s/%s", f->driver, f->addr);
		rm_rel(fx, rel);
		fx_bind(fx, f->addr, f->driver);
	}
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s/bind", drivers[i][0]);
		fx_write(fx, rel, "", 0200);
		snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s/unbind", drivers[i][0]);
		fx_write(fx, rel, "", 0200);
	}
	fx_write(fx, "sys/bus/pci/drivers_probe", "", 0644);
	fx_write(fx, "dev/kmsg", "", 0644);
	rm_rel(fx, "run/vfio-boot");
	rm_rel(fx, "dev/vfio");
	rm_rel(fx, MOCK_WRITES_LOG);
	rm_rel(fx, MOCK_PROBES_LOG); /* the double logs each probe it runs */
}

static void usage(void)
{
	fputs("usage: mktree ROOT N | mktree --reset ROOT N | mktree --ids N\n", stderr);
	exit(2);
}

static int parse_n(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*end || n < 1 || n > MAX_FNS)
		usage();
	return (int)n;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--ids") == 0) {
		int n = 0;

		machine(parse_n(argv[2]));
		for (int i = 0; i < nfns; i++)
			if (fns[i].claimed)
				printf("%s%04x:%04x", n++ ? " " : "", fns[i].vendor, fns[i].device);
		putchar('\n');
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "--reset") == 0) {
		machine(parse_n(argv[3]));
		reset(argv[2]);
		return 0;
	}
	if (argc != 3 || argv[1][0] != '/')
		usage();
	machine(parse_n(argv[2]));
	if (nfns != parse_n(argv[2]))
		die("made %d functions, not %s", nfns, argv[2]);
	umask(022);
	create(argv[1]);
	return 0;
}
