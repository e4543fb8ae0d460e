// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Item "bars": each BAR's size, from the device's resource file (one "start end flags" line
 * per resource, lines 0..5 the BARs), its resizable range from the Resizable BAR capability in
 * config space (lib/pci-rebar.c), and whether the 64-bit ones fit the guest firmware's
 * aperture for 64-bit PCI memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>

#include "check.h"
#include "pci-rebar.h"
#include "strbuf.h"
#include "sysroot.h"
#include "util.h"

/* include/linux/ioport.h */
#define IORESOURCE_IO	    0x00000100
#define IORESOURCE_MEM	    0x00000200
#define IORESOURCE_PREFETCH 0x00002000
#define IORESOURCE_MEM_64   0x00100000

#define NUM_BARS CHECK_BARS

/*
 * The guest firmware's 64-bit PCI MMIO aperture, when nothing sizes it otherwise: 32 GiB, edk2
 * OvmfPkg/OvmfPkgX64.dsc PcdPciMmio64Size|0x800000000, the "classic mmio window". Since
 * edk2-stable202211 (OvmfPkg/Library/PlatformInitLib/MemDetect.c PlatformDynamicMmioWindow())
 * OVMF makes it an eighth of the guest's physical address space instead, but only when it
 * trusts the address width the vCPU reports: not QEMU's default phys-bits=40 on an Intel host
 * (PlatformAddressWidthFromCpuid()), which is what a guest gets without host-phys-bits=on, nor
 * an OVMF older than that. The fw_cfg file opt/ovmf/X-PciMmio64Mb sets it in MiB either way.
 * The smallest of these is what every guest can count on.
 */
#define GUEST_MMIO64 (UINT64_C(32) << 30)
/* The largest aperture the fix offers, in MiB: 16 TiB. */
#define APERTURE_MAX_MB (UINT64_C(1) << 24)

struct bar {
	uint64_t size, flags;
	const struct vb_rebar_bar *rebar;
};

int check_dev_resources(const char *addr, struct check_resource res[CHECK_RESOURCES], char **why)
{
	_cleanup_free_ char *text = NULL;
	char *line, *save = NULL;
	int r, i = 0;

	r = vb_readf(&text, "/sys/bus/pci/devices/%s/resource", addr);
	if (r < 0)
		return asprintf_safe(why, "resource: %s", strerror(-r)), r;
	for (line = strtok_r(text, "\n", &save); line && i < CHECK_RESOURCES;
	     line = strtok_r(NULL, "\n", &save), i++) {
		unsigned long long start, end, flags;
		char extra;

		if (sscanf(line, "%llx %llx %llx %c", &start, &end, &flags, &extra) != 3 ||
		    (end && end < start))
			return asprintf_safe(why, "resource line %d is not \"start end flags\": %s",
					     i + 1, line),
			       -EBADMSG;
		res[i] = (struct check_resource){end ? end - start + 1 : 0, flags};
	}
	if (i < CHECK_RESOURCES)
		return asprintf_safe(why, "resource has %d lines, not the %d BARs and the ROM", i,
				     CHECK_BARS),
		       -EBADMSG;
	return 0;
}

/* The Resizable BAR capability into *rb; what kept it from being read into *why. */
static void read_rebar(const char *addr, struct vb_rebar *rb, char **why)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	rb->n = 0;
	r = vb_pci_read_config(addr, &buf, &len);
	if (r < 0) {
		asprintf_safe(why, "config: %s", strerror(-r));
		return;
	}
	/* The extended space of a conventional device does not exist: nothing is resizable. */
	if (len == VB_PCI_CONFIG_PLAIN)
		return;
	r = vb_rebar_parse((const uint8_t *)buf, len, rb);
	/* sysfs gives the first 64 bytes only to who lacks CAP_SYS_ADMIN. */
	if (r == -ENODATA)
		asprintf_safe(why, "config: %zu bytes read, run as root", len);
	else if (r < 0)
		asprintf_safe(why, "config: Resizable BAR capability: %s", strerror(-r));
}

static void describe(struct strbuf *b, const struct bar *bars)
{
	char s[VB_BYTES_MAX];
	bool any = false;

	for (int i = 0; i < NUM_BARS; i++) {
		const struct bar *bar = &bars[i];

		if (!bar->size || !(bar->flags & (IORESOURCE_MEM | IORESOURCE_IO)))
			continue;
		strbuf_printf(b, "%sBAR%d %s", any ? ", " : "", i,
			      vb_format_bytes(bar->size, s, sizeof(s)));
		any = true;
		if (!(bar->flags & IORESOURCE_MEM))
			strbuf_printf(b, " I/O");
		if (bar->flags & IORESOURCE_MEM_64)
			strbuf_printf(b, " 64-bit");
		if (bar->flags & IORESOURCE_PREFETCH)
			strbuf_printf(b, " prefetchable");
		if (bar->rebar) {
			uint64_t m = bar->rebar->sizes;
			char lo[VB_BYTES_MAX], hi[VB_BYTES_MAX];

			if (m)
				strbuf_printf(
					b, " (resizable %s..%s, now %s)",
					vb_format_bytes(vb_rebar_bytes(__builtin_ctzll(m)), lo,
							sizeof(lo)),
					vb_format_bytes(vb_rebar_bytes(63 - __builtin_clzll(m)), hi,
							sizeof(hi)),
					vb_format_bytes(vb_rebar_bytes(bar->rebar->size), s,
							sizeof(s)));
			else
				strbuf_printf(b, " (resizable, no size offered)");
		}
	}
	if (!any)
		strbuf_printf(b, "none");
}

/*
 * What to do when the BARs do not fit: shrink the largest resizable one to its smallest size,
 * where the kernel can, or give the guest a larger aperture, room for two such devices. The
 * kernel's resourceN_resize (Documentation/ABI/testing/sysfs-bus-pci, September 2022, Linux
 * 6.1) takes the size's bit, 0 = 1 MiB, and only while no driver is bound to the device.
 */
static char *fix_for(const char *addr, const struct bar *bars, uint64_t sum64)
{
	struct strbuf b = {0};
	const struct bar *big = NULL;
	uint64_t mb = UINT64_C(1) << 16;
	char *ret = NULL, s[VB_BYTES_MAX], most[VB_BYTES_MAX];
	int k = -1;

	for (int i = 0; i < NUM_BARS; i++)
		if (bars[i].rebar && bars[i].rebar->sizes && (!big || bars[i].size > big->size)) {
			big = &bars[i];
			k = i;
		}
	if (big) {
		unsigned n = (unsigned)__builtin_ctzll(big->rebar->sizes);

		strbuf_printf(&b,
			      "shrink BAR%d before vfio-pci binds: with no driver bound, echo %u > "
			      "/sys/bus/pci/devices/%s/resource%d_resize (Linux 6.1 and later; %u "
			      "is %s), or ",
			      k, n, addr, k, n, vb_format_bytes(vb_rebar_bytes(n), s, sizeof(s)));
	}
	/* Room for two: mb MiB >= 2 * sum64, said without the doubling that could wrap. */
	while ((mb << 19) < sum64 && mb < APERTURE_MAX_MB)
		mb <<= 1;
	if ((mb << 20) < sum64)
		strbuf_printf(
			&b,
			"no aperture vfio-boot can give the guest (%s at most) holds the "
			"64-bit BARs' %s: this device cannot be given to a guest with its BARs "
			"at this size",
			vb_format_bytes(APERTURE_MAX_MB << 20, most, sizeof(most)),
			vb_format_bytes(sum64, s, sizeof(s)));
	else
		strbuf_printf(&b,
			      "raise the guest's aperture: -fw_cfg "
			      "name=opt/ovmf/X-PciMmio64Mb,string=%" PRIu64
			      " (libvirt: <qemu:commandline>)",
			      mb);
	if (strbuf_take(&b, &ret) < 0)
		return NULL;
	return ret;
}

void check_dev_bars(struct check *c, const struct check_dev *d)
{
	const struct vb_pci_dev *dev = check_pci_dev(c, d);
	_cleanup_free_ char *why = NULL, *rwhy = NULL, *list = NULL, *fix = NULL;
	struct check_resource res[CHECK_RESOURCES];
	struct bar bars[NUM_BARS] = {0};
	struct strbuf b = {0};
	struct vb_rebar rb;
	char ap[VB_BYTES_MAX], total[VB_BYTES_MAX], one[VB_BYTES_MAX];
	uint64_t sum64 = 0;
	int big = -1;

	if (check_dev_resources(dev->addr, res, &why) < 0) {
		check_report_dev(c, d, WARN, "bars", "check that sysfs is mounted and readable",
				 "bars: not read: %s", strna(why));
		return;
	}
	for (int i = 0; i < NUM_BARS; i++)
		bars[i] = (struct bar){res[i].size, res[i].flags, NULL};
	read_rebar(dev->addr, &rb, &rwhy);
	for (size_t k = 0; k < rb.n; k++)
		bars[rb.bars[k].index].rebar = &rb.bars[k];
	for (int i = 0; i < NUM_BARS; i++) {
		if (!(bars[i].flags & IORESOURCE_MEM))
			continue;
		/* Saturated: six BARs of up to 8 EiB each would wrap around. */
		if (bars[i].flags & IORESOURCE_MEM_64)
			sum64 = sum64 + bars[i].size < sum64 ? UINT64_MAX : sum64 + bars[i].size;
		if (bars[i].size > GUEST_MMIO64 && (big < 0 || bars[i].size > bars[big].size))
			big = i;
	}
	describe(&b, bars);
	if (rwhy)
		strbuf_printf(&b, " (resizable ranges not read: %s)", rwhy);
	if (strbuf_take(&b, &list) < 0)
		return;
	vb_format_bytes(GUEST_MMIO64, ap, sizeof(ap));
	vb_format_bytes(sum64, total, sizeof(total));
	if (big >= 0 || sum64 > GUEST_MMIO64 / 2)
		fix = fix_for(dev->addr, bars, sum64);
	if (big >= 0)
		check_report_dev(
			c, d, FAIL, "bars", fix,
			"bars: %s; BAR%d's %s alone is more than the %s the guest's firmware "
			"(OVMF) gives 64-bit PCI memory by default",
			list, big, vb_format_bytes(bars[big].size, one, sizeof(one)), ap);
	else if (sum64 > GUEST_MMIO64)
		check_report_dev(c, d, FAIL, "bars", fix,
				 "bars: %s; the 64-bit BARs take %s, more than the %s the guest's "
				 "firmware (OVMF) gives 64-bit PCI memory by default",
				 list, total, ap);
	else if (sum64 > GUEST_MMIO64 / 2)
		check_report_dev(
			c, d, WARN, "bars", fix,
			"bars: %s; the 64-bit BARs take %s, more than half the %s the guest's "
			"firmware (OVMF) gives 64-bit PCI memory by default: a second such "
			"device will not fit",
			list, total, ap);
	else
		check_report_dev(c, d, PASS, "bars", NULL, "bars: %s", list);
}
