// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot check, item "bars", on fake trees: resource files with BARs of given sizes, and
 * config spaces with a Resizable BAR capability the test builds, against the guest firmware's
 * 32 GiB aperture for 64-bit PCI memory.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli-test.h"

#define GPU "0000:02:00.0"
#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

/* include/linux/ioport.h */
#define MEM   0x200
#define IO    0x100
#define PREF  0x2000
#define MEM64 0x100000

struct bar {
	uint64_t size;
	unsigned flags;
};

/* The resource file: BARs 0..5 as given, an empty ROM line, as the kernel writes it. */
static void resource(struct fx *fx, const char *addr, const struct bar bars[6])
{
	char text[2048], rel[128];
	uint64_t base = UINT64_C(0x4000000000);
	size_t n = 0;

	for (int i = 0; i < 7; i++) {
		uint64_t size = i < 6 ? bars[i].size : 0;

		if (!size) {
			n += snprintf(text + n, sizeof(text) - n, "0x%016x 0x%016x 0x%016x\n", 0, 0,
				      0);
			continue;
		}
		n += snprintf(text + n, sizeof(text) - n, "0x%016llx 0x%016llx 0x%016llx\n",
			      (unsigned long long)base, (unsigned long long)(base + size - 1),
			      (unsigned long long)bars[i].flags);
		base += size;
	}
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/resource", addr);
	fx_write(fx, rel, text, 0444);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

/*
 * The device's config space grown to 4096 bytes, with AER at 0x100 and the Resizable BAR
 * capability at 0x150 for one BAR: sizes 1 MiB << lo .. 1 MiB << hi, now 1 MiB << now.
 */
static void rebar(struct fx *fx, const char *addr, unsigned index, unsigned lo, unsigned hi,
		  unsigned now)
{
	uint8_t cfg[4096] = {0};
	uint32_t sizes = 0;
	char rel[128];

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/config", addr);
	assert_int_equal(fx_read_bin(fx, rel, cfg, 256), 256);
	for (unsigned n = lo; n <= hi; n++)
		sizes |= 1u << n;
	put32(cfg + 0x100, 0x0001 | 1u << 16 | 0x150u << 20);
	put32(cfg + 0x150, 0x0015 | 1u << 16);
	put32(cfg + 0x154, sizes << 4);
	put32(cfg + 0x158, index | 1u << 5 | now << 8);
	fx_write_bin(fx, rel, cfg, sizeof(cfg), 0644);
}

static int setup(void **state)
{
	cli_setup_q35(state);
	config(*state, "[device gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	return 0;
}

static void expect_line(const struct out *o, const char *text)
{
	if (!strstr(o->out, text))
		fail_msg("check output lacks \"%s\":\n%s", text, o->out);
}

/* python3's json module parses the --json output, and its bars line is the FAIL above. */
static void expect_json_bars(struct fx *fx, const char *json)
{
	char *path = fx_path(fx, ".out.json");
	char cmd[1024];
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs(json, f);
	fclose(f);
	snprintf(
		cmd, sizeof(cmd),
		"python3 -c 'import json, sys\n"
		"r = [x for x in json.load(open(sys.argv[1]))[\"checks\"] if x[\"item\"] == \"bars\"\n"
		"     and x[\"device\"] == \"" GPU "\"]\n"
		"assert len(r) == 1 and r[0][\"result\"] == \"FAIL\", r\n"
		"assert r[0][\"section\"] == \"gpu\", r\n"
		"assert \"BAR2 64 GiB\" in r[0][\"text\"] and \"resource2_resize\" in r[0][\"fix\"], r\n"
		"' %s",
		path);
	if (system(cmd) != 0)
		fail_msg("python3 rejects the --json output:\n%s", json);
	free(path);
}

static void test_bars_fit(void **state)
{
	struct fx *fx = *state;
	const struct bar bars[6] = {
		{16 * MiB, MEM}, {0, 0},	  {256 * MiB, MEM | MEM64 | PREF},
		{0, 0},		 {32 * MiB, MEM}, {256, IO},
	};
	struct out o;

	resource(fx, GPU, bars);
	rebar(fx, GPU, 2, 8, 15, 8);
	o = run(fx, "check", "gpu", NULL);
	expect_line(&o, "PASS " GPU " [device gpu]: bars: BAR0 16 MiB, BAR2 256 MiB 64-bit "
			"prefetchable (resizable 256 MiB..32 GiB, now 256 MiB), BAR4 32 MiB, BAR5 "
			"256 B I/O\n");
	out_free(&o);
}

/* More than half the aperture: this device fits, a second one would not. */
static void test_bars_half(void **state)
{
	struct fx *fx = *state;
	const struct bar bars[6] = {
		{16 * MiB, MEM},	 {0, 0}, {16 * GiB, MEM | MEM64 | PREF}, {0, 0},
		{32 * MiB, MEM | MEM64}, {0, 0},
	};
	struct out o;

	resource(fx, GPU, bars);
	rebar(fx, GPU, 2, 8, 15, 14);
	o = run(fx, "check", "gpu", NULL);
	expect_status(&o, 0);
	expect_line(&o,
		    "WARN " GPU " [device gpu]: bars: BAR0 16 MiB, BAR2 16 GiB 64-bit "
		    "prefetchable (resizable 256 MiB..32 GiB, now 16 GiB), BAR4 32 MiB 64-bit; "
		    "the 64-bit BARs take 16416 MiB, more than half the 32 GiB the guest's "
		    "firmware (OVMF) gives 64-bit PCI memory by default: a second such device "
		    "will not fit\n"
		    "     fix: shrink BAR2 before vfio-pci binds: with no driver bound, echo 8 > "
		    "/sys/bus/pci/devices/" GPU "/resource2_resize (Linux 6.1 and later; 8 is "
		    "256 MiB), or raise the guest's aperture: -fw_cfg "
		    "name=opt/ovmf/X-PciMmio64Mb,string=65536 (libvirt: <qemu:commandline>)\n");
	out_free(&o);
}

/* One BAR larger than the aperture: the guest cannot map it at all. */
static void test_bars_one_too_large(void **state)
{
	struct fx *fx = *state;
	const struct bar bars[6] = {
		{16 * MiB, MEM}, {0, 0}, {64 * GiB, MEM | MEM64 | PREF}, {0, 0}, {0, 0}, {0, 0},
	};
	struct out o;

	resource(fx, GPU, bars);
	rebar(fx, GPU, 2, 8, 16, 16);
	o = run(fx, "check", "gpu", NULL);
	expect_status(&o, 2);
	expect_line(&o,
		    "FAIL " GPU " [device gpu]: bars: BAR0 16 MiB, BAR2 64 GiB 64-bit "
		    "prefetchable (resizable 256 MiB..64 GiB, now 64 GiB); BAR2's 64 GiB alone "
		    "is more than the 32 GiB the guest's firmware (OVMF) gives 64-bit PCI "
		    "memory by default\n"
		    "     fix: shrink BAR2 before vfio-pci binds: with no driver bound, echo 8 > "
		    "/sys/bus/pci/devices/" GPU "/resource2_resize");
	expect_line(&o, "X-PciMmio64Mb,string=131072 ");
	out_free(&o);
	/* The same line for machines: Python's json parser finds it whole. */
	o = run(fx, "check", "--json", "gpu", NULL);
	expect_status(&o, 2);
	expect_json_bars(fx, o.out);
	out_free(&o);
}

/* No BAR alone is too large, together they are; none resizable: only the aperture helps. */
static void test_bars_sum_too_large(void **state)
{
	struct fx *fx = *state;
	const struct bar bars[6] = {
		{24 * GiB, MEM | MEM64 | PREF},
		{0, 0},
		{16 * GiB, MEM | MEM64 | PREF},
		{0, 0},
		{0, 0},
		{0, 0},
	};
	struct out o;

	resource(fx, GPU, bars);
	o = run(fx, "check", "gpu", NULL);
	expect_status(&o, 2);
	expect_line(&o,
		    "FAIL " GPU " [device gpu]: bars: BAR0 24 GiB 64-bit prefetchable, BAR2 "
		    "16 GiB 64-bit prefetchable; the 64-bit BARs take 40 GiB, more than the 32 "
		    "GiB the guest's firmware (OVMF) gives 64-bit PCI memory by default\n"
		    "     fix: raise the guest's aperture: -fw_cfg "
		    "name=opt/ovmf/X-PciMmio64Mb,string=131072 (libvirt: <qemu:commandline>)\n");
	out_free(&o);
}

/* Unreadable resource: a warning that says so, never a pass. */
static void test_bars_unreadable(void **state)
{
	struct fx *fx = *state;
	struct out o;

	o = run(fx, "check", "gpu", NULL);
	expect_line(&o, "WARN " GPU " [device gpu]: bars: not read: resource: No such file or "
			"directory\n");
	out_free(&o);
	fx_write(fx, "sys/bus/pci/devices/" GPU "/resource", "0x0 0x0\n", 0444);
	o = run(fx, "check", "gpu", NULL);
	expect_line(&o, "WARN " GPU " [device gpu]: bars: not read: resource line 1 is not "
			"\"start end flags\": 0x0 0x0\n");
	out_free(&o);
}

/* 64 bytes of config, as sysfs gives who is not root: the sizes still count. */
static void test_bars_config_short(void **state)
{
	struct fx *fx = *state;
	const struct bar bars[6] = {
		{16 * MiB, MEM}, {0, 0}, {256 * MiB, MEM | MEM64 | PREF}, {0, 0}, {0, 0}, {0, 0},
	};
	uint8_t cfg[64];
	struct out o;

	resource(fx, GPU, bars);
	assert_int_equal(fx_read_bin(fx, "sys/bus/pci/devices/" GPU "/config", cfg, 64), 64);
	fx_write_bin(fx, "sys/bus/pci/devices/" GPU "/config", cfg, sizeof(cfg), 0644);
	o = run(fx, "check", "gpu", NULL);
	expect_line(&o, "PASS " GPU " [device gpu]: bars: BAR0 16 MiB, BAR2 256 MiB 64-bit "
			"prefetchable (resizable ranges not read: config: 64 bytes read, run as "
			"root)\n");
	out_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bars_fit, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_bars_half, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_bars_one_too_large, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_bars_sum_too_large, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_bars_unreadable, setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_bars_config_short, setup, cli_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
