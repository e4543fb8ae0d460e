/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The machine bench/mktree.c plans, for every N >= 16:
 *   pci0000:00  host bridge, boot iGPU (boot_vga 1), xHCI, LPC; four root
 *               ports, each with a two-function discrete GPU (VGA + HDMI
 *               audio, boot_vga 0) in physical slots 1-4: the 8 claims.
 *               From N >= 64 also the rest of a PCH (SATA, HDA, SMBus, ...).
 *   pci0000:40, pci0000:80, pci0000:c0
 *               root ports with, in turn, a dual-port NIC with 8 SR-IOV VFs
 *               per port, another one, and a PCIe switch with four NVMe
 *               drives: about 5/8 of the functions beyond the base.
 *   pci0000:ff, pci0000:7f, ...
 *               uncore devices, 8 functions per slot, no driver: the rest,
 *               so that the count is exactly N.
 * Every slot has its own IOMMU group (ACS everywhere; SR-IOV VFs have one
 * each), every host driver is loaded and bound, vfio_pci and
 * vfio_iommu_type1 are loaded and the vfio-pci driver is registered, so the
 * binder does no module work.
 *
 * machine(N) plans it into fns[]; mktree.c has the fixture write it. Included by mktree.c
 * alone, so that bench/run.sh builds mktree from one source and the fixture.
 */
#ifndef VFIO_BOOT_BENCH_MKTREE_MACHINE_H
#define VFIO_BOOT_BENCH_MKTREE_MACHINE_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FNS	 8192
#define VFS	 8 /* SR-IOV VFs per NIC port */
#define GPU_DRV	 "nouveau"
#define AMD_DRV	 "amdgpu"
#define HDA_DRV	 "snd_hda_intel"
#define PORT_DRV "pcieport"

struct fn {
	char addr[16];
	int parent; /* upstream bridge, -1 on a root bus */
	int physfn; /* SR-IOV VFs: the PF; else -1 */
	unsigned vendor, device, sub_vendor, sub_device, class, revision;
	bool bridge, vf, multifunction, claimed;
	int boot_vga; /* -1: no boot_vga file */
	int group;
	const char *driver; /* host driver, bound */
	const char *slot;   /* physical slot name */
	char dir[PATH_MAX]; /* relative to ROOT */
};

static struct fn fns[MAX_FNS];
static int nfns;
static int ngroups;

/* Driver name, module (NULL: built in). */
static const char *const drivers[][2] = {
	{PORT_DRV, NULL},	    {"i915", "i915"},
	{"xhci_hcd", "xhci_pci"},   {"lpc_ich", "lpc_ich"},
	{"ahci", "ahci"},	    {HDA_DRV, "snd_hda_intel"},
	{"i801_smbus", "i2c_i801"}, {"intel-spi", "spi_intel_pci"},
	{"e1000e", "e1000e"},	    {"mei_me", "mei_me"},
	{GPU_DRV, "nouveau"},	    {AMD_DRV, "amdgpu"},
	{"i40e", "i40e"},	    {"iavf", "iavf"},
	{"nvme", "nvme"},	    {"vfio-pci", "vfio_pci"},
};

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("mktree: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

struct tmpl {
	unsigned vendor, device, sub_vendor, sub_device, class, revision;
	const char *driver;
	int boot_vga;
	bool vf;
};

static int add(unsigned bus, unsigned dev, unsigned fn, int parent, const struct tmpl *t)
{
	char dir[PATH_MAX];
	struct fn *f;

	if (nfns >= MAX_FNS)
		die("too many functions");
	if (bus > 0xff || dev > 0x1f || fn > 7)
		die("no room for %02x:%02x.%x: too many functions for one domain", bus, dev, fn);
	f = &fns[nfns];
	*f = (struct fn){.parent = parent,
			 .physfn = -1,
			 .vendor = t->vendor,
			 .device = t->device,
			 .sub_vendor = t->sub_vendor,
			 .sub_device = t->sub_device,
			 .class = t->class,
			 .revision = t->revision,
			 .driver = t->driver,
			 .vf = t->vf,
			 .boot_vga = (t->class >> 8) == 0x0300 ? t->boot_vga : -1,
			 .bridge = (t->class >> 8) == 0x0604};
	snprintf(f->addr, sizeof(f->addr), "0000:%02x:%02x.%x", bus, dev, fn);
	if (parent < 0)
		snprintf(dir, sizeof(dir), "sys/devices/pci0000:%02x/%s", bus, f->addr);
	else
		snprintf(dir, sizeof(dir), "%s/%s", fns[parent].dir, f->addr);
	memcpy(f->dir, dir, sizeof(dir));
	/* Functions of one slot share a group; a VF has its own. */
	if (nfns > 0 && !t->vf && !fns[nfns - 1].vf && parent == fns[nfns - 1].parent &&
	    strncmp(fns[nfns - 1].addr, f->addr, 10) == 0) {
		f->group = fns[nfns - 1].group;
		f->multifunction = fns[nfns - 1].multifunction = true;
	} else {
		f->group = ngroups++;
	}
	return nfns++;
}

/* The fixture routes the buses below a bridge as it adds the devices there. */
static int bridge(unsigned bus, unsigned dev, int parent, const struct tmpl *t)
{
	return add(bus, dev, 0, parent, t);
}

static const struct tmpl host_bridge = {0x8086, 0x3e30, 0x1043, 0x8694, 0x060000, 0x0d, NULL, 0};
static const struct tmpl peg_port = {0x8086, 0x1901, 0, 0, 0x060400, 0x0d, PORT_DRV, 0};
static const struct tmpl gpp_port = {0x1022, 0x1483, 0, 0, 0x060400, 0x00, PORT_DRV, 0};
static const struct tmpl sw_up = {0x10b5, 0x8747, 0, 0, 0x060400, 0xca, PORT_DRV, 0};
static const struct tmpl sw_down = {0x10b5, 0x8747, 0, 0, 0x060400, 0xca, PORT_DRV, 0};

/* The four guest cards: the 8 claims. IDs unique in the machine, for the shell recipe. */
static const struct tmpl gpus[4][2] = {
	{{0x10de, 0x2204, 0x1458, 0x403b, 0x030000, 0xa1, GPU_DRV, 0},
	 {0x10de, 0x1aef, 0x1458, 0x403b, 0x040300, 0xa1, HDA_DRV, 0}},
	{{0x10de, 0x2484, 0x1043, 0x87c1, 0x030000, 0xa1, GPU_DRV, 0},
	 {0x10de, 0x228b, 0x1043, 0x87c1, 0x040300, 0xa1, HDA_DRV, 0}},
	{{0x1002, 0x73bf, 0x1002, 0x0e3a, 0x030000, 0xc1, AMD_DRV, 0},
	 {0x1002, 0xab28, 0x1002, 0xab28, 0x040300, 0x00, HDA_DRV, 0}},
	{{0x1002, 0x744c, 0x1da2, 0x471e, 0x030000, 0xc8, AMD_DRV, 0},
	 {0x1002, 0xab30, 0x1002, 0xab30, 0x040300, 0x00, HDA_DRV, 0}},
};
static const unsigned gpu_ports[4] = {0x01, 0x03, 0x06, 0x1b};
static const char *const gpu_slots[4] = {"1", "2", "3", "4"};

static void base(int n)
{
	static const struct tmpl igpu = {0x8086, 0x3e92, 0x1043, 0x8694, 0x030000, 0x00, "i915", 1};
	static const struct tmpl xhci = {0x8086,   0xa36d, 0x1043,     0x8694,
					 0x0c0330, 0x10,   "xhci_hcd", 0};
	static const struct tmpl lpc = {0x8086,	  0xa305, 0x1043,    0x8694,
					0x060100, 0x10,	  "lpc_ich", 0};
	static const struct {
		unsigned dev, fn;
		struct tmpl t;
	} pch[] = {
		{0x14, 2, {0x8086, 0xa36f, 0x1043, 0x8694, 0x050000, 0x10, NULL, 0}},
		{0x16, 0, {0x8086, 0xa360, 0x1043, 0x8694, 0x078000, 0x10, "mei_me", 0}},
		{0x17, 0, {0x8086, 0xa352, 0x1043, 0x8694, 0x010601, 0x10, "ahci", 0}},
		{0x1f, 3, {0x8086, 0xa348, 0x1043, 0x8694, 0x040300, 0x10, HDA_DRV, 0}},
		{0x1f, 4, {0x8086, 0xa323, 0x1043, 0x8694, 0x0c0500, 0x10, "i801_smbus", 0}},
		{0x1f, 5, {0x8086, 0xa324, 0x1043, 0x8694, 0x0c8000, 0x10, "intel-spi", 0}},
		{0x1f, 6, {0x8086, 0x15bc, 0x1043, 0x8694, 0x020000, 0x10, "e1000e", 0}},
	};
	unsigned next_bus = 1;

	add(0, 0x00, 0, -1, &host_bridge);
	add(0, 0x02, 0, -1, &igpu);
	for (int g = 0; g < 4; g++) {
		unsigned bus = next_bus++;
		int port = bridge(0, gpu_ports[g], -1, &peg_port);

		for (unsigned f = 0; f < 2; f++) {
			int i = add(bus, 0, f, port, &gpus[g][f]);

			fns[i].claimed = true;
			fns[i].slot = gpu_slots[g];
		}
	}
	add(0, 0x14, 0, -1, &xhci);
	if (n >= 64)
		add(0, pch[0].dev, pch[0].fn, -1, &pch[0].t);
	for (size_t i = 1; n >= 64 && i < 3; i++)
		add(0, pch[i].dev, pch[i].fn, -1, &pch[i].t);
	add(0, 0x1f, 0, -1, &lpc);
	for (size_t i = 3; n >= 64 && i < sizeof(pch) / sizeof(pch[0]); i++)
		add(0, pch[i].dev, pch[i].fn, -1, &pch[i].t);
}

struct complex {
	unsigned bus, next_bus, next_port;
};

static char slot_names[64][16];
static int nslots = 4;

static const char *new_slot(void)
{
	if (nslots >= 64)
		return NULL;
	snprintf(slot_names[nslots], sizeof(slot_names[0]), "%d", nslots + 1);
	return slot_names[nslots++];
}

/* A dual-port NIC with VFS VFs per port: 1 + 2 + 2 * VFS functions, one bus. */
static void nic(struct complex *c)
{
	static const struct tmpl pf = {0x8086, 0x1572, 0x8086, 0x0006, 0x020000, 0x02, "i40e", 0};
	static const struct tmpl vf = {0x8086, 0x154c, 0x8086, 0x0000, 0x020000,
				       0x02,   "iavf", 0,      true};
	unsigned bus = c->next_bus++;
	int port = bridge(c->bus, c->next_port++, -1, &gpp_port);
	const char *slot = new_slot();

	for (unsigned p = 0; p < 2; p++) {
		int i = add(bus, 0, p, port, &pf);

		fns[i].slot = slot;
	}
	for (unsigned p = 0; p < 2; p++)
		for (unsigned v = 0; v < VFS; v++) {
			int i = add(bus, 0x02 + p * 8 + v / 8, v % 8, port, &vf);

			fns[i].physfn = port + 1 + (int)p;
		}
}

/* A PCIe switch with four NVMe drives: 10 functions, six buses. */
static void nvme_switch(struct complex *c)
{
	static const struct tmpl nvme = {0x144d, 0xa808, 0x144d, 0xa801, 0x010802, 0x00, "nvme", 0};
	unsigned up_bus = c->next_bus++, down_bus = c->next_bus++;
	int port = bridge(c->bus, c->next_port++, -1, &gpp_port);
	int up = bridge(up_bus, 0, port, &sw_up);
	const char *slot = new_slot();

	for (unsigned d = 0; d < 4; d++) {
		unsigned bus = c->next_bus++;
		int down = bridge(down_bus, 0x08 + d, up, &sw_down);
		int i = add(bus, 0, 0, down, &nvme);

		fns[i].slot = d == 0 ? slot : NULL;
	}
}

/* Uncore devices on their own root buses, 8 functions a slot, until there are n functions. */
static void uncore(int n)
{
	static const unsigned buses[] = {0xff, 0x7f, 0xbf, 0x3f};
	struct tmpl t = {0x8086, 0x2080, 0x8086, 0x0000, 0x088000, 0x04, NULL, 0, false};

	for (unsigned k = 0; nfns < n; k++) {
		unsigned dev = k / 8 % 0x20, fn = k % 8;

		if (k / 256 >= sizeof(buses) / sizeof(buses[0]))
			die("too many functions");
		t.device = 0x2080 + dev * 8 + fn;
		add(buses[k / 256], dev, fn, -1, &t);
	}
}

static void machine(int n)
{
	struct complex cx[3] = {{0x40, 0x41, 1}, {0x80, 0x81, 1}, {0xc0, 0xc1, 1}};
	const int nic_size = 3 + 2 * VFS, sw_size = 10;
	int budget, k = 0;

	base(n);
	if (nfns > n)
		die("N must be at least %d", nfns);
	budget = nfns + (n - nfns) * 5 / 8;
	for (;; k++) {
		bool is_sw = k % 3 == 2;

		if (nfns + (is_sw ? sw_size : nic_size) > budget)
			break;
		if (is_sw)
			nvme_switch(&cx[k / 3 % 3]);
		else
			nic(&cx[k / 3 % 3]);
	}
	uncore(n);
}

#endif
