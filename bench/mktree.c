// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mktree: a fake machine with N PCI functions for the benchmark, shaped like
 * the kernel's sysfs as tests/mock/fixture.h describes it (relative links,
 * config space bytes, iommu_groups, drivers with module links, .mock state
 * for the kernel double), so that the binder reads it as it reads a real one.
 *
 *   mktree ROOT N          build the tree in ROOT (which must not exist)
 *   mktree --reset ROOT N  put back everything a run of the binder or of the
 *                          shell recipe changes, so that every run does the
 *                          same work
 *   mktree --ids N         print the vendor:device IDs of the claimed devices
 *
 * The machine, for every N >= 16:
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
 */
#define _GNU_SOURCE
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
	unsigned secondary, subordinate;
	int boot_vga; /* -1: no boot_vga file */
	int group;
	const char *driver; /* host driver, bound */
	const char *slot;   /* physical slot name */
	char dir[PATH_MAX]; /* relative to ROOT */
};

static struct fn fns[MAX_FNS];
static int nfns;
static int ngroups;
static const char *root;

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

/* ROOT/rel in a static buffer of the caller's. */
static char *at(char buf[PATH_MAX], const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *at(char buf[PATH_MAX], const char *fmt, ...)
{
	char rel[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (snprintf(buf, PATH_MAX, "%s/%s", root, rel) >= PATH_MAX)
		die("path too long: %s", rel);
	return buf;
}

static void mkdirs(const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
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

static void put_bytes(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0)
		die("open %s: %m", path);
	if (write(fd, data, len) != (ssize_t)len)
		die("write %s: %m", path);
	close(fd);
}

static void put(const char *path, mode_t mode, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void put(const char *path, mode_t mode, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	put_bytes(path, text, (size_t)n, mode);
}

/* A sysfs-style relative link at ROOT/@from_rel to ROOT/@to_rel. */
static void link_rel(const char *from_rel, const char *to_rel)
{
	char target[PATH_MAX], path[PATH_MAX];
	size_t common = 0, len = 0;

	for (size_t i = 0; from_rel[i] && from_rel[i] == to_rel[i]; i++)
		if (from_rel[i] == '/')
			common = i + 1;
	for (const char *p = from_rel + common; *p; p++)
		if (*p == '/')
			len += (size_t)snprintf(target + len, sizeof(target) - len, "../");
	snprintf(target + len, sizeof(target) - len, "%s", to_rel + common);
	if (symlink(target, at(path, "%s", from_rel)) < 0)
		die("symlink %s -> %s: %m", path, target);
}

/* ------------------------------------------------------------------------ */
/* The machine.                                                             */

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

static unsigned bus_of(int i)
{
	return (unsigned)strtoul(fns[i].addr + 5, NULL, 16);
}

static int bridge(unsigned bus, unsigned dev, int parent, unsigned secondary, const struct tmpl *t)
{
	int i = add(bus, dev, 0, parent, t);

	fns[i].secondary = fns[i].subordinate = secondary;
	return i;
}

/* Bridges above a bus route it: subordinate numbers, all the way up. */
static void route(int parent, unsigned bus)
{
	for (int p = parent; p >= 0; p = fns[p].parent)
		if (fns[p].subordinate < bus)
			fns[p].subordinate = bus;
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
		int port = bridge(0, gpu_ports[g], -1, bus, &peg_port);

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
	int port = bridge(c->bus, c->next_port++, -1, bus, &gpp_port);
	const char *slot = new_slot();

	route(port, bus);
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
	int port = bridge(c->bus, c->next_port++, -1, up_bus, &gpp_port);
	int up = bridge(up_bus, 0, port, down_bus, &sw_up);
	const char *slot = new_slot();

	route(port, down_bus);
	for (unsigned d = 0; d < 4; d++) {
		unsigned bus = c->next_bus++;
		int down = bridge(down_bus, 0x08 + d, up, bus, &sw_down);
		int i;

		route(up, bus);
		i = add(bus, 0, 0, down, &nvme);
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
	/* Route the base's buses too. */
	for (int i = 0; i < nfns; i++)
		route(fns[i].parent, bus_of(i));
}

/* ------------------------------------------------------------------------ */
/* Writing it out.                                                          */

static void put16(uint8_t *cfg, unsigned off, unsigned v)
{
	cfg[off] = v & 0xff;
	cfg[off + 1] = (v >> 8) & 0xff;
}

static void write_config(const char *path, const struct fn *f)
{
	uint8_t cfg[256] = {0};

	put16(cfg, 0x00, f->vendor);
	put16(cfg, 0x02, f->device);
	put16(cfg, 0x04, f->driver ? 0x0407 : 0x0000);
	put16(cfg, 0x06, 0x0010); /* capabilities list */
	cfg[0x08] = f->revision & 0xff;
	cfg[0x09] = f->class & 0xff;
	cfg[0x0a] = (f->class >> 8) & 0xff;
	cfg[0x0b] = (f->class >> 16) & 0xff;
	cfg[0x0e] = (f->bridge ? 1 : 0) | (f->multifunction ? 0x80 : 0);
	if (f->bridge) {
		cfg[0x18] = bus_of((int)(f - fns)) & 0xff;
		cfg[0x19] = f->secondary & 0xff;
		cfg[0x1a] = f->subordinate & 0xff;
	} else {
		put16(cfg, 0x2c, f->sub_vendor);
		put16(cfg, 0x2e, f->sub_device);
	}
	cfg[0x34] = 0x40;
	put_bytes(path, cfg, sizeof(cfg), 0644);
}

static void write_fn(struct fn *f)
{
	char dir[PATH_MAX], p[PATH_MAX], rel[PATH_MAX];

	mkdirs(at(dir, "%s", f->dir));
#define ATTR(name, mode, ...) put(at(p, "%s/" name, f->dir), mode, __VA_ARGS__)
	ATTR("vendor", 0444, "0x%04x\n", f->vendor);
	ATTR("device", 0444, "0x%04x\n", f->device);
	ATTR("subsystem_vendor", 0444, "0x%04x\n", f->sub_vendor);
	ATTR("subsystem_device", 0444, "0x%04x\n", f->sub_device);
	ATTR("class", 0444, "0x%06x\n", f->class);
	ATTR("revision", 0444, "0x%02x\n", f->revision);
	ATTR("driver_override", 0644, "(null)\n");
	ATTR("enable", 0644, "%d\n", f->driver ? 1 : 0);
	ATTR("irq", 0444, "%d\n", f->driver ? 16 + (int)(f - fns) % 200 : 0);
	ATTR("numa_node", 0644, "%d\n", bus_of((int)(f - fns)) >= 0x80 ? 1 : 0);
	ATTR("modalias", 0444, "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n", f->vendor,
	     f->device, f->sub_vendor, f->sub_device, (f->class >> 16) & 0xff,
	     (f->class >> 8) & 0xff, f->class & 0xff);
	ATTR("uevent", 0644,
	     "%s%s%sPCI_CLASS=%X\nPCI_ID=%04X:%04X\nPCI_SUBSYS_ID=%04X:%04X\nPCI_SLOT_NAME=%s\nMODALIAS=pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n",
	     f->driver ? "DRIVER=" : "", f->driver ? f->driver : "", f->driver ? "\n" : "",
	     f->class, f->vendor, f->device, f->sub_vendor, f->sub_device, f->addr, f->vendor,
	     f->device, f->sub_vendor, f->sub_device, (f->class >> 16) & 0xff,
	     (f->class >> 8) & 0xff, f->class & 0xff);
	if (f->boot_vga >= 0)
		ATTR("boot_vga", 0444, "%d\n", f->boot_vga);
	if (f->bridge) {
		ATTR("secondary_bus_number", 0444, "%u\n", f->secondary);
		ATTR("subordinate_bus_number", 0444, "%u\n", f->subordinate);
	} else {
		ATTR("reset_method", 0644, "%s\n", f->vf ? "flr" : "flr bus");
		ATTR("reset", 0200, "%s", "");
	}
#undef ATTR
	write_config(at(p, "%s/config", f->dir), f);

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", f->addr);
	link_rel(rel, f->dir);
	snprintf(rel, sizeof(rel), "%s/subsystem", f->dir);
	link_rel(rel, "sys/bus/pci");

	/* IOMMU group: a directory of links, and the device's link to it. */
	snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%d", f->group);
	mkdirs(at(p, "%s/devices", rel));
	put(at(p, "%s/type", rel), 0644, "DMA\n");
	snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%d/devices/%s", f->group, f->addr);
	link_rel(rel, f->dir);
	snprintf(rel, sizeof(rel), "%s/iommu_group", f->dir);
	snprintf(p, sizeof(p), "sys/kernel/iommu_groups/%d", f->group);
	link_rel(rel, p);

	if (f->slot) {
		char addr[16];

		snprintf(addr, sizeof(addr), "%.10s", f->addr);
		mkdirs(at(p, "sys/bus/pci/slots/%s", f->slot));
		put(at(p, "sys/bus/pci/slots/%s/address", f->slot), 0444, "%s\n", addr);
	}
	if (f->vf) {
		const struct fn *pf = &fns[f->physfn];
		int nvf = (int)(f - fns) - f->physfn - (pf->addr[11] == '0' ? 2 : 1 + VFS);

		snprintf(rel, sizeof(rel), "%s/physfn", f->dir);
		link_rel(rel, pf->dir);
		snprintf(rel, sizeof(rel), "%s/virtfn%d", pf->dir, nvf);
		link_rel(rel, f->dir);
	}
}

static void bind_links(const struct fn *f)
{
	char rel[PATH_MAX], drv[PATH_MAX];

	if (!f->driver)
		return;
	snprintf(drv, sizeof(drv), "sys/bus/pci/drivers/%s", f->driver);
	snprintf(rel, sizeof(rel), "%s/driver", f->dir);
	link_rel(rel, drv);
	snprintf(rel, sizeof(rel), "%s/%s", drv, f->addr);
	link_rel(rel, f->dir);
}

static void write_module(const char *name)
{
	char p[PATH_MAX];

	if (access(at(p, "sys/module/%s", name), F_OK) == 0)
		return;
	mkdirs(at(p, "sys/module/%s/holders", name));
	mkdirs(at(p, "sys/module/%s/drivers", name));
	put(at(p, "sys/module/%s/refcnt", name), 0444, "0\n");
	put(at(p, "sys/module/%s/coresize", name), 0444, "16384\n");
	put(at(p, "sys/module/%s/initstate", name), 0444, "live\n");
}

static void write_drivers(FILE *modules, FILE *module_drivers)
{
	static const char *const attrs[] = {"bind", "unbind", "new_id", "remove_id", "uevent"};
	/* vfio_pci's dependencies, loaded too. */
	static const char *const deps[] = {"vfio", "vfio_iommu_type1", "vfio_pci_core",
					   "irqbypass"};
	char p[PATH_MAX], rel[PATH_MAX], mod[PATH_MAX];

	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		const char *drv = drivers[i][0], *m = drivers[i][1];

		mkdirs(at(p, "sys/bus/pci/drivers/%s", drv));
		for (size_t a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++)
			put(at(p, "sys/bus/pci/drivers/%s/%s", drv, attrs[a]), 0200, "%s", "");
		if (!m)
			continue;
		if (access(at(p, "sys/module/%s", m), F_OK) < 0)
			fprintf(modules, "%s 16384 0 - Live 0x0000000000000000\n", m);
		write_module(m);
		fprintf(module_drivers, "%s %s\n", m, drv);
		snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s/module", drv);
		snprintf(mod, sizeof(mod), "sys/module/%s", m);
		link_rel(rel, mod);
		snprintf(rel, sizeof(rel), "sys/module/%s/drivers/pci:%s", m, drv);
		snprintf(mod, sizeof(mod), "sys/bus/pci/drivers/%s", drv);
		link_rel(rel, mod);
	}
	for (size_t i = 0; i < sizeof(deps) / sizeof(deps[0]); i++) {
		fprintf(modules, "%s 16384 0 - Live 0x0000000000000000\n", deps[i]);
		write_module(deps[i]);
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

static void create(void)
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
		"lib/modules/6.1.0-18-amd64",
		"dev",
		".mock",
	};
	char p[PATH_MAX], p2[PATH_MAX];
	FILE *modules, *module_drivers, *natural;

	if (mkdir(root, 0755) < 0)
		die("mkdir %s: %m", root);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		mkdirs(at(p, "%s", dirs[i]));
	put(at(p, "sys/bus/pci/drivers_probe"), 0200, "%s", "");
	put(at(p, "sys/bus/pci/drivers_autoprobe"), 0644, "1\n");
	put(at(p, "sys/bus/pci/rescan"), 0200, "%s", "");
	put(at(p, "dev/kmsg"), 0644, "%s", "");
	put(at(p, "proc/cmdline"), 0444,
	    "BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=0b9e5f4c-3a51-4a0e-9f55-5d2f4a1e7c11 ro quiet intel_iommu=on iommu=pt\n");
	put(at(p, "proc/sys/kernel/osrelease"), 0444, "6.1.0-18-amd64\n");
	put(at(p, "etc/vfio-boot/vfio-boot.conf"), 0644, "%s", config);
	if (chmod(at(p, "etc/vfio-boot"), 0755) < 0)
		die("chmod %s: %m", p);

	modules = fopen(at(p, "proc/modules"), "we");
	module_drivers = fopen(at(p2, ".mock/module-drivers"), "we");
	if (!modules || !module_drivers)
		die("fopen: %m");
	write_drivers(modules, module_drivers);
	natural = fopen(at(p, ".mock/natural-drivers"), "we");
	if (!natural)
		die("fopen %s: %m", p);
	for (int i = 0; i < nfns; i++) {
		write_fn(&fns[i]);
		bind_links(&fns[i]);
		if (fns[i].driver)
			fprintf(natural, "%s %s\n", fns[i].addr, fns[i].driver);
	}
	if (fclose(modules) || fclose(module_drivers) || fclose(natural))
		die("writing: %m");
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

static void rm_rf(const char *path)
{
	if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		die("removing %s: %m", path);
}

static void relink(const char *rel, const char *to_rel)
{
	char p[PATH_MAX];

	if (unlink(at(p, "%s", rel)) < 0 && errno != ENOENT)
		die("unlink %s: %m", p);
	if (to_rel)
		link_rel(rel, to_rel);
}

static void reset(void)
{
	char p[PATH_MAX], rel[PATH_MAX], drv[PATH_MAX];

	for (int i = 0; i < nfns; i++) {
		const struct fn *f = &fns[i];

		/* The binder and the recipe touch the claimed devices and nothing else. */
		if (!f->claimed)
			continue;
		put(at(p, "%s/driver_override", f->dir), 0644, "(null)\n");
		snprintf(rel, sizeof(rel), "%s/driver", f->dir);
		snprintf(drv, sizeof(drv), "sys/bus/pci/drivers/%s", f->driver);
		relink(rel, drv);
		snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/vfio-pci/%s", f->addr);
		relink(rel, NULL);
		snprintf(rel, sizeof(rel), "%s/%s", drv, f->addr);
		relink(rel, f->dir);
	}
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		put(at(p, "sys/bus/pci/drivers/%s/bind", drivers[i][0]), 0200, "%s", "");
		put(at(p, "sys/bus/pci/drivers/%s/unbind", drivers[i][0]), 0200, "%s", "");
	}
	put(at(p, "sys/bus/pci/drivers_probe"), 0200, "%s", "");
	put(at(p, "dev/kmsg"), 0644, "%s", "");
	rm_rf(at(p, "run/vfio-boot"));
	rm_rf(at(p, "dev/vfio"));
	if (unlink(at(p, ".mock/writes.log")) < 0 && errno != ENOENT)
		die("unlink %s: %m", p);
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
		root = argv[2];
		machine(parse_n(argv[3]));
		reset();
		return 0;
	}
	if (argc != 3 || argv[1][0] != '/')
		usage();
	root = argv[1];
	machine(parse_n(argv[2]));
	if (nfns != parse_n(argv[2]))
		die("made %d functions, not %s", nfns, argv[2]);
	umask(022);
	create();
	return 0;
}
