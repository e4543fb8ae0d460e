// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Planning on fake sysfs trees: which devices each section claims, and why a section is
 * refused (count, guards, IOMMU groups), per the [device] rules of the spec. The trees are
 * the fixture's (tests/mock/fixture.h); vb_pci_scan reads them as it would read /sys.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "cmdline.h"
#include "config.h"
#include "fixture.h"
#include "log.h"
#include "pci.h"
#include "plan.h"
#include "sysroot.h"
#include "util.h"

/* The q35 stand-in's devices (fixture.h has the table). */
#define HOST_BRIDGE "0000:00:00.0"
#define PORT1	    "0000:00:01.0"
#define GPU1	    "0000:01:00.0" /* boot display */
#define AUDIO1	    "0000:01:00.1"
#define PORT2	    "0000:00:02.0"
#define GPU2	    "0000:02:00.0"
#define AUDIO2	    "0000:02:00.1"
#define PCI_BRIDGE  "0000:00:03.0"
#define NIC1	    "0000:03:01.0"
#define NIC2	    "0000:03:02.0"
#define XHCI	    "0000:00:04.0"
#define LPC	    "0000:00:1f.0"
#define SATA	    "0000:00:1f.2"
#define SMBUS	    "0000:00:1f.3"

static struct fx *fx;
static struct vb_pci pci;
static struct vb_config cfg;
static struct vb_cmdline cmd;
static struct vb_plan plan;
static char logbuf[16384];
static size_t loglen;

static void sink(void *userdata, int level, const char *msg)
{
	(void)userdata;
	if (loglen < sizeof(logbuf))
		loglen +=
			snprintf(logbuf + loglen, sizeof(logbuf) - loglen, "<%d>%s\n", level, msg);
}

/* The q35 stand-in is only read: one copy serves all the tests that use it. */
static struct fx *q35;

static int setup_common(void)
{
	loglen = 0;
	logbuf[0] = '\0';
	vb_log_set_sink(sink, NULL);
	vb_log_set_max_level(LOG_DEBUG);
	return 0;
}

/* A fresh, empty machine for the test to build. */
static int setup(void **state)
{
	(void)state;
	setup_common();
	fx = fx_new();
	return 0;
}

static int setup_q35(void **state)
{
	(void)state;
	setup_common();
	fx = q35;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vb_plan_free(&plan);
	vb_pci_free(&pci);
	vb_config_free(&cfg);
	vb_cmdline_free(&cmd);
	vb_root_set(NULL);
	if (fx != q35)
		fx_free(fx);
	fx = NULL;
	return 0;
}

static int group_setup_q35(void **state)
{
	(void)state;
	q35 = fx_new();
	fx_q35_two_gpus(q35);
	return 0;
}

static int group_teardown_q35(void **state)
{
	(void)state;
	fx_free(q35);
	q35 = NULL;
	return 0;
}

static void scan(void)
{
	vb_pci_free(&pci);
	assert_int_equal(vb_root_set(fx_root(fx)), 0);
	assert_int_equal(vb_pci_scan(&pci), 0);
}

/* Plans conf (a config that must parse cleanly) and cmdline (NULL: none) on the tree. */
static void plan_for(const char *conf, const char *cmdline)
{
	vb_plan_free(&plan);
	vb_config_free(&cfg);
	vb_cmdline_free(&cmd);
	if (!pci.n)
		scan();
	if (conf) {
		assert_int_equal(
			vb_config_parse(&cfg, "/etc/vfio-boot/vfio-boot.conf", conf, strlen(conf)),
			0);
		assert_int_equal(vb_config_resolve(&cfg), 0);
		if (cfg.n_errors)
			print_message("config errors:\n%s", logbuf);
		assert_int_equal(cfg.n_errors, 0);
	}
	if (cmdline)
		assert_int_equal(vb_cmdline_parse(&cmd, cmdline), 0);
	assert_int_equal(vb_plan_build(&plan, conf ? &cfg : NULL, cmdline ? &cmd : NULL, &pci), 0);
}

static void dump_section(const struct vb_plan_section *s)
{
	print_message("section %s: %s: %s\n", s->name, vb_section_status_to_string(s->status),
		      s->why ? s->why : "(no why)");
	for (size_t i = 0; i < s->n_devs; i++)
		print_message("  dev %s (%s)\n", pci.devs[s->devs[i].dev].addr, s->devs[i].reason);
	for (size_t i = 0; i < s->n_details; i++)
		print_message("  detail %s\n", s->details[i]);
}

static const struct vb_plan_section *section(const char *name)
{
	for (size_t i = 0; i < plan.n_sections; i++)
		if (streq(plan.sections[i].name, name))
			return &plan.sections[i];
	print_message("no section %s in the plan\n", name);
	fail();
	return NULL;
}

static void assert_status(const struct vb_plan_section *s, enum vb_section_status want)
{
	if (s->status != want) {
		print_message("want %s\n", vb_section_status_to_string(want));
		dump_section(s);
	}
	assert_int_equal(s->status, want);
	/* Whatever happened, the log and the dry run have one line saying so. */
	assert_non_null(s->why);
}

/* The devices of s are exactly the NULL-terminated list. */
static void assert_devs_(const struct vb_plan_section *s, const char *addr, ...)
{
	const char *want[32];
	size_t n = 0;
	va_list ap;

	va_start(ap, addr);
	for (; addr; addr = va_arg(ap, const char *)) {
		assert_true(n < ELEMENTSOF(want));
		want[n++] = addr;
	}
	va_end(ap);
	if (s->n_devs != n)
		dump_section(s);
	assert_int_equal(s->n_devs, n);
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t j = 0; j < s->n_devs; j++)
			if (streq(pci.devs[s->devs[j].dev].addr, want[i]))
				found = true;
		if (!found) {
			print_message("%s not in section %s\n", want[i], s->name);
			dump_section(s);
		}
		assert_true(found);
	}
}
#define assert_devs(s, ...) assert_devs_(s, __VA_ARGS__, NULL)

static const char *dev_reason(const struct vb_plan_section *s, const char *addr)
{
	for (size_t i = 0; i < s->n_devs; i++)
		if (streq(pci.devs[s->devs[i].dev].addr, addr))
			return s->devs[i].reason;
	return NULL;
}

/* Some detail line of s holds every needle. */
static void assert_detail_(const struct vb_plan_section *s, const char *needle, ...)
{
	for (size_t i = 0; i < s->n_details; i++) {
		const char *n = needle;
		bool all = true;
		va_list ap;

		va_start(ap, needle);
		for (; n; n = va_arg(ap, const char *))
			if (!strstr(s->details[i], n))
				all = false;
		va_end(ap);
		if (all)
			return;
	}
	print_message("no detail with \"%s\" (and the rest)\n", needle);
	dump_section(s);
	fail();
}
#define assert_detail(s, ...) assert_detail_(s, __VA_ARGS__, NULL)

static void assert_no_detail(const struct vb_plan_section *s, const char *needle)
{
	for (size_t i = 0; i < s->n_details; i++)
		if (strstr(s->details[i], needle)) {
			print_message("unexpected detail: %s\n", s->details[i]);
			fail();
		}
}

static void assert_why(const struct vb_plan_section *s, const char *needle)
{
	if (!s->why || !strstr(s->why, needle)) {
		print_message("why lacks \"%s\"\n", needle);
		dump_section(s);
		fail();
	}
}

/* ---- building trees other than the q35 stand-in ---- */

static void bridge(const char *addr, const char *parent, int group)
{
	fx_device(fx, addr,
		  &(struct fx_dev){.parent = parent,
				   .vendor = 0x1b36,
				   .device = 0x000c,
				   .class = 0x060400,
				   .header_type = 1,
				   .group = group,
				   .host_driver = "pcieport",
				   .bound = true});
}

static void endpoint(const char *addr, const char *parent, unsigned vendor, unsigned device,
		     unsigned class, int group, const char *driver)
{
	fx_device(fx, addr,
		  &(struct fx_dev){.parent = parent,
				   .vendor = vendor,
				   .device = device,
				   .sub_vendor = 0x1af4,
				   .sub_device = 0x1100,
				   .class = class,
				   .group = group,
				   .host_driver = driver,
				   .bound = driver != NULL});
}

/* ---- the model the plan works on ---- */

static void test_scan_q35(void **state)
{
	const struct vb_pci_dev *d;

	(void)state;
	scan();
	assert_int_equal(pci.n, 14);
	/* Sorted by address. */
	for (size_t i = 1; i < pci.n; i++)
		assert_true(strcmp(pci.devs[i - 1].addr, pci.devs[i].addr) < 0);

	d = vb_pci_find(&pci, GPU2);
	assert_non_null(d);
	assert_int_equal(d->vendor, 0x1234);
	assert_int_equal(d->device, 0x1111);
	assert_int_equal(d->sub_vendor, 0x1af4);
	assert_int_equal(d->class_code, 0x030000);
	assert_int_equal(d->boot_vga, 0);
	assert_int_equal(d->iommu_group, 2);
	assert_string_equal(d->driver, "bochs-drm");
	assert_string_equal(d->path, "0000:00:02.0/00.0");
	assert_string_equal(d->slot, "2");
	assert_false(vb_pci_is_bridge(d));

	assert_int_equal(vb_pci_find(&pci, GPU1)->boot_vga, 1);
	/* Not a VGA device: no boot_vga attribute at all. */
	assert_int_equal(vb_pci_find(&pci, AUDIO2)->boot_vga, -1);
	assert_string_equal(vb_pci_find(&pci, AUDIO2)->slot, "2");
	assert_string_equal(vb_pci_find(&pci, AUDIO2)->path, "0000:00:02.0/00.1");
	assert_string_equal(vb_pci_find(&pci, NIC2)->path, "0000:00:03.0/02.0");
	assert_string_equal(vb_pci_find(&pci, XHCI)->path, "0000:00:04.0");
	assert_null(vb_pci_find(&pci, XHCI)->slot);

	assert_true(vb_pci_is_bridge(vb_pci_find(&pci, PORT2)));
	assert_true(vb_pci_is_bridge(vb_pci_find(&pci, PCI_BRIDGE)));
	/* An ISA bridge and a host bridge are endpoints as far as IOMMU groups go. */
	assert_false(vb_pci_is_bridge(vb_pci_find(&pci, LPC)));
	assert_false(vb_pci_is_bridge(vb_pci_find(&pci, HOST_BRIDGE)));
	assert_true(vb_pci_is_storage(vb_pci_find(&pci, SATA)));
	assert_false(vb_pci_is_storage(vb_pci_find(&pci, SMBUS)));
}

/*
 * The binder scans again every 100 ms while it waits for devices (up to a minute): a scan
 * must give back all it took.
 */
static void test_scan_frees_everything(void **state)
{
	(void)state;
#if defined(__SANITIZE_ADDRESS__)
	scan();
	vb_pci_free(&pci);
	scan();
	vb_pci_free(&pci);
	assert_int_equal(__lsan_do_recoverable_leak_check(), 0);
#else
	skip();
#endif
}

/* ---- identical GPUs ---- */

static void test_identical_gpus_id_is_ambiguous(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device gpu]\nmatch = id=1234:1111\n", NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_AMBIGUOUS);
	assert_int_equal(s->n_devs, 0);
	assert_detail(s, GPU1, "boot display");
	assert_detail(s, GPU2);
	assert_why(s, "2 devices");
	assert_false(vb_plan_waiting(&plan));
}

static void test_identical_gpus_boot_vga_0_claims_pair(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device gpu]\nmatch = id=1234:1111 boot_vga=0\n", NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_OK);
	/* The root port shares the group but is a bridge: never claimed, never in the way. */
	assert_devs(s, GPU2, AUDIO2);
	assert_string_equal(dev_reason(s, GPU2), "matched");
	assert_non_null(strstr(dev_reason(s, AUDIO2), GPU2));
	assert_string_equal(s->file, "/etc/vfio-boot/vfio-boot.conf");
	assert_int_equal(s->line, 1);
}

static void test_functions_only_refused_for_group(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device gpu]\nmatch = id=1234:1111 boot_vga=0\nfunctions = only\n", NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_GROUP);
	assert_detail(s, AUDIO2, "snd_hda_intel");
	assert_no_detail(s, PORT2);
	assert_why(s, "group = claim");
}

static void test_functions_only_group_claim_takes_audio(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device gpu]\nmatch = id=1234:1111 boot_vga=0\nfunctions = only\ngroup = claim\n",
		 NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_OK);
	assert_devs(s, GPU2, AUDIO2);
}

static void test_count_too_few(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device gpu]\nmatch = id=1234:1111 boot_vga=0\ncount = 2\n", NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_TOO_FEW);
	assert_int_equal(s->n_devs, 0);
	assert_detail(s, GPU2);
	/* Fewer than expected may still be enumerating: the binder waits for it. */
	assert_true(vb_plan_waiting(&plan));
}

/* ---- guards ---- */

static void test_boot_display_guarded(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device gpu]\nmatch = address=" GPU1 "\n", NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_GUARDED);
	assert_why(s, "boot display");
	assert_why(s, "allow = boot-display");
	assert_false(vb_plan_waiting(&plan));
}

static void test_boot_display_allowed(void **state)
{
	(void)state;
	plan_for("[device gpu]\nmatch = address=" GPU1 "\nallow = boot-display\n", NULL);
	assert_status(section("gpu"), VB_PLAN_OK);
	assert_devs(section("gpu"), GPU1, AUDIO1);
}

static void test_boot_display_guard_covers_other_functions(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	/* Asking for the audio function brings its GPU along, and that is the boot display. */
	plan_for("[device audio]\nmatch = address=" AUDIO1 "\n", NULL);
	s = section("audio");
	assert_status(s, VB_PLAN_GUARDED);
	assert_why(s, GPU1);
}

static void test_storage_guarded(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device sata]\nmatch = address=" SATA "\n"
		 "[device sata-class]\nmatch = class=0106\nfunctions = only\n",
		 NULL);
	s = section("sata");
	assert_status(s, VB_PLAN_GUARDED);
	assert_why(s, "storage");
	assert_why(s, "allow = storage");
	assert_status(section("sata-class"), VB_PLAN_GUARDED);
}

static void test_storage_allowed_still_needs_its_group(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device sata]\nmatch = address=" SATA "\nallow = storage\nfunctions = only\n",
		 NULL);
	s = section("sata");
	assert_status(s, VB_PLAN_GROUP);
	assert_detail(s, LPC, "lpc_ich");
	assert_detail(s, SMBUS, "i801_smbus");
}

static void test_storage_guard_covers_group_members(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	/* group = claim would take the SATA controller along with the SMBus controller. */
	plan_for("[device smbus]\nmatch = address=" SMBUS "\nfunctions = only\ngroup = claim\n",
		 NULL);
	s = section("smbus");
	assert_status(s, VB_PLAN_GUARDED);
	assert_why(s, SATA);
}

/* ---- IOMMU groups behind the PCI bridge ---- */

static void test_group_refuse_behind_pci_bridge(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device nic]\nmatch = address=" NIC1 "\n", NULL);
	s = section("nic");
	assert_status(s, VB_PLAN_GROUP);
	assert_detail(s, NIC2, "e1000");
	/* The bridge is in the group too, but never blocks. */
	assert_no_detail(s, PCI_BRIDGE);
}

static void test_group_claim_behind_pci_bridge(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	plan_for("[device nic]\nmatch = address=" NIC1 "\ngroup = claim\n", NULL);
	s = section("nic");
	assert_status(s, VB_PLAN_OK);
	assert_devs(s, NIC1, NIC2);
	assert_non_null(strstr(dev_reason(s, NIC2), "IOMMU group 3"));
}

static void test_two_sections_split_a_group(void **state)
{
	(void)state;
	plan_for("[device nic1]\nmatch = address=" NIC1 "\n"
		 "[device nic2]\nmatch = address=" NIC2 "\n",
		 NULL);
	assert_status(section("nic1"), VB_PLAN_OK);
	assert_status(section("nic2"), VB_PLAN_OK);
	assert_devs(section("nic1"), NIC1);
	assert_devs(section("nic2"), NIC2);
}

static void test_refused_section_does_not_count_as_claimed(void **state)
{
	(void)state;
	/* nic2 is refused (the card at its address is not a VGA controller), so nic1 is too. */
	plan_for("[device nic1]\nmatch = address=" NIC1 "\n"
		 "[device nic2]\nmatch = address=" NIC2 " class=0300\n",
		 NULL);
	assert_status(section("nic2"), VB_PLAN_ABSENT);
	assert_status(section("nic1"), VB_PLAN_GROUP);
	assert_detail(section("nic1"), NIC2);
}

/*
 * P and Q share group 20, R and S group 21. Section a claims P and counts on b for Q; b
 * claims Q and R and is refused for S. Only by going round again does a learn that Q is not
 * claimed after all: the spec's "its refusal can refuse the other section too".
 */
static void test_group_refusal_reaches_fixed_point(void **state)
{
	(void)state;
	bridge("0000:00:1c.0", NULL, 20);
	endpoint("0000:01:00.0", "0000:00:1c.0", 0x8086, 0x100e, 0x020000, 20, "e1000");  /* P */
	endpoint("0000:01:00.1", "0000:00:1c.0", 0x8086, 0x10d3, 0x020000, 20, "e1000e"); /* Q */
	bridge("0000:00:1d.0", NULL, 21);
	endpoint("0000:02:00.0", "0000:00:1d.0", 0x8086, 0x10d3, 0x020000, 21, "e1000e"); /* R */
	endpoint("0000:02:00.1", "0000:00:1d.0", 0x8086, 0x1f41, 0x020000, 21, "igb");	  /* S */
	plan_for("[device a]\nmatch = address=0000:01:00.0\nfunctions = only\n"
		 "[device b]\nmatch = id=8086:10d3\ncount = 2\nfunctions = only\n",
		 NULL);
	assert_status(section("b"), VB_PLAN_GROUP);
	assert_detail(section("b"), "0000:02:00.1", "igb");
	assert_status(section("a"), VB_PLAN_GROUP);
	assert_detail(section("a"), "0000:01:00.1");
}

static void test_device_on_vfio_pci_counts_as_claimed(void **state)
{
	(void)state;
	bridge("0000:00:02.0", NULL, 2);
	fx_device(fx, "0000:02:00.0",
		  &(struct fx_dev){.parent = "0000:00:02.0",
				   .vendor = 0x1234,
				   .device = 0x1111,
				   .class = 0x030000,
				   .boot_vga = 0,
				   .group = 2,
				   .host_driver = "bochs-drm",
				   .bound = true});
	endpoint("0000:02:00.1", "0000:00:02.0", 0x8086, 0x293e, 0x040300, 2, NULL);
	fx_driver(fx, "vfio-pci", "vfio_pci");
	fx_bind(fx, "0000:02:00.1", "vfio-pci");
	plan_for("[device gpu]\nmatch = address=0000:02:00.0\nfunctions = only\n", NULL);
	assert_status(section("gpu"), VB_PLAN_OK);
	assert_devs(section("gpu"), "0000:02:00.0");
}

/*
 * The scan reads ids from uevent and falls back to the separate attributes: both must give the
 * same device, down to the subsystem ids that only uevent holds on one line.
 */
static void test_scan_without_uevent(void **state)
{
	const struct vb_pci_dev *d;
	char *path;

	(void)state;
	bridge("0000:00:02.0", NULL, 2);
	fx_device(fx, "0000:02:00.0",
		  &(struct fx_dev){.parent = "0000:00:02.0",
				   .vendor = 0x1234,
				   .device = 0x1111,
				   .sub_vendor = 0x1af4,
				   .sub_device = 0x1100,
				   .class = 0x030000,
				   .boot_vga = 1,
				   .group = 2,
				   .host_driver = "bochs-drm",
				   .bound = true});
	for (int pass = 0; pass < 2; pass++) {
		scan();
		d = vb_pci_find(&pci, "0000:02:00.0");
		assert_non_null(d);
		assert_int_equal(d->vendor, 0x1234);
		assert_int_equal(d->device, 0x1111);
		assert_int_equal(d->sub_vendor, 0x1af4);
		assert_int_equal(d->sub_device, 0x1100);
		assert_int_equal(d->class_code, 0x030000);
		assert_int_equal(d->boot_vga, 1);
		assert_int_equal(d->iommu_group, 2);
		assert_string_equal(d->driver, "bochs-drm");
		assert_string_equal(d->path, "0000:00:02.0/00.0");
		path = fx_path(fx, "sys/bus/pci/devices/0000:02:00.0/uevent");
		unlink(path);
		free(path);
	}
}

/* ---- what cannot be read counts against a claim ---- */

#define DEV_ATTR(addr, attr) "sys/bus/pci/devices/" addr "/" attr

/* The attribute replaced by something else: a directory, a link, or text. */
static void replace_attr(const char *rel, const char *text, const char *link_to, bool dir)
{
	char *p = fx_path(fx, rel);

	assert_int_equal(unlink(p), 0);
	if (dir)
		assert_int_equal(mkdir(p, 0755), 0);
	else if (link_to)
		assert_int_equal(symlink(link_to, p), 0);
	free(p);
	if (text)
		fx_write(fx, rel, text, 0644);
}

/* Refused whatever the reason, with why naming each needle. */
static void assert_refused(const struct vb_plan_section *s, const char *needle, ...)
{
	va_list ap;

	if (s->status == VB_PLAN_OK || s->status == VB_PLAN_NONE) {
		print_message("section %s claims; it must be refused\n", s->name);
		dump_section(s);
		fail();
	}
	va_start(ap, needle);
	for (; needle; needle = va_arg(ap, const char *))
		assert_why(s, needle);
	va_end(ap);
}
#define assert_refused(s, ...) assert_refused(s, __VA_ARGS__, NULL)

/*
 * NIC2 shares IOMMU group 3 with NIC1. Its uevent names no id and its vendor file is garbage:
 * it must stay in the scan and keep NIC1 from being claimed alone.
 */
static void test_unparsable_group_member_refuses(void **state)
{
	(void)state;
	fx_q35_two_gpus(fx);
	fx_write(fx, DEV_ATTR(NIC2, "uevent"),
		 "PCI_CLASS=20000\nPCI_ID=zzzz:100e\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=" NIC2
		 "\n",
		 0644);
	fx_write(fx, DEV_ATTR(NIC2, "vendor"), "garbage\n", 0644);
	plan_for("[device nic]\nmatch = address=" NIC1 "\n", NULL);
	assert_refused(section("nic"), NIC2, "uevent", "PCI_ID=\"zzzz:100e\"");
	assert_int_equal(vb_section_status_to_string(section("nic")->status)[0],
			 'u'); /* unreadable */
	assert_non_null(vb_pci_find(&pci, NIC2));
}

/* A uevent id one digit short is not read as another id: the match cannot be told. */
static void test_short_uevent_id_is_no_id(void **state)
{
	(void)state;
	fx_q35_two_gpus(fx);
	fx_write(fx, DEV_ATTR(NIC2, "uevent"),
		 "PCI_CLASS=20000\nPCI_ID=8086:100\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=" NIC2
		 "\n",
		 0644);
	plan_for("[device nics]\nmatch = id=8086:0100\ngroup = claim\n", NULL);
	assert_refused(section("nics"), NIC2, "PCI_ID=\"8086:100\"", "id");
}

static void test_uevent_malformed_marks_unreadable(void **state)
{
	static const char *const bad[] = {
		"PCI_CLASS=20000\nPCI_ID=8086:100e\nPCI_SUBSYS_ID=1af4:1100\n", /* no slot name */
		"PCI_CLASS=1020000\nPCI_ID=8086:100e\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=" NIC2,
		"PCI_CLASS=20000\nPCI_ID=8086:100e\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=0000:00:00.0",
		"PCI_CLASS=20000\nPCI_ID=8086:100e\nPCI_ID=8086:100e\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=" NIC2,
		"PCI_CLASS=20000\nPCI_ID=+086:100e\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=" NIC2,
		"PCI_CLASS=20000\nPCI_ID=8086:100e\nPCI_SUBSYS_ID=1af4:1100 \nPCI_SLOT_NAME=" NIC2,
		"PCI_CLASS\nPCI_ID=8086:100e\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=" NIC2,
		"PCI_ID=8086",
	};
	const struct vb_pci_dev *d;

	(void)state;
	fx_q35_two_gpus(fx);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		fx_write(fx, DEV_ATTR(NIC2, "uevent"), bad[i], 0644);
		scan();
		assert_int_equal(pci.n, 14);
		d = vb_pci_find(&pci, NIC2);
		assert_non_null(d);
		if (!d->unreadable)
			print_message("uevent taken: %s\n", bad[i]);
		assert_non_null(d->unreadable);
		assert_true(d->unknown & VB_PCI_UNKNOWN_IDS);
		assert_int_equal(d->vendor, 0);
		assert_int_equal(d->iommu_group, 3);
	}
	/* The kernel's own, for contrast: upper-case hex, class without leading zeros. */
	fx_write(fx, DEV_ATTR(NIC2, "uevent"),
		 "DRIVER=e1000\nPCI_CLASS=20000\nPCI_ID=8086:100E\nPCI_SUBSYS_ID=1AF4:1100\n"
		 "PCI_SLOT_NAME=" NIC2
		 "\nMODALIAS=pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00\n",
		 0644);
	scan();
	d = vb_pci_find(&pci, NIC2);
	assert_null(d->unreadable);
	assert_int_equal(d->vendor, 0x8086);
	assert_int_equal(d->device, 0x100e);
	assert_int_equal(d->class_code, 0x020000);
}

/* Its group link names no group: NIC2 may be in NIC1's group. */
static void test_unreadable_group_link_refuses(void **state)
{
	(void)state;
	fx_q35_two_gpus(fx);
	replace_attr(DEV_ATTR(NIC2, "iommu_group"), NULL, "../../../../kernel/iommu_groups/x",
		     false);
	plan_for("[device nic]\nmatch = address=" NIC1 "\n", NULL);
	assert_refused(section("nic"), NIC2, "iommu_group");
}

/* A driver "link" that is no link cannot say which driver holds NIC2. */
static void test_unreadable_driver_link_refuses(void **state)
{
	(void)state;
	fx_q35_two_gpus(fx);
	replace_attr(DEV_ATTR(NIC2, "driver"), "e1000\n", NULL, false);
	plan_for("[device nic]\nmatch = address=" NIC1 "\n", NULL);
	assert_refused(section("nic"), NIC2, "driver");
}

/* Only "0" says a device is not the boot display. */
static void test_boot_vga_garbage_guarded(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	fx_q35_two_gpus(fx);
	fx_write(fx, DEV_ATTR(GPU2, "boot_vga"), "2\n", 0644);
	plan_for("[device gpu]\nmatch = address=" GPU2 "\n", NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_GUARDED);
	assert_refused(s, GPU2, "boot_vga reads \"2\"", "allow = boot-display");
}

static void test_boot_vga_unreadable_guarded(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	fx_q35_two_gpus(fx);
	replace_attr(DEV_ATTR(GPU2, "boot_vga"), NULL, NULL, true);
	plan_for("[device gpu]\nmatch = address=" GPU2 "\n"
		 "[device allowed]\nmatch = address=" GPU2 "\nallow = boot-display\n",
		 NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_GUARDED);
	assert_refused(s, GPU2, "boot_vga cannot be read", "Is a directory");
	/* Told to take it anyway, it takes it. */
	assert_status(section("allowed"), VB_PLAN_OK);
}

/* A VGA device without boot_vga at all: the kernel always makes one, so it is not known. */
static void test_boot_vga_missing_on_vga_guarded(void **state)
{
	(void)state;
	fx_q35_two_gpus(fx);
	replace_attr(DEV_ATTR(GPU2, "boot_vga"), NULL, NULL, false);
	plan_for("[device gpu]\nmatch = address=" GPU2 "\n", NULL);
	assert_refused(section("gpu"), GPU2, "without boot_vga");
}

/* boot_vga=0 cannot be told of a card whose boot_vga is garbage: the section claims none. */
static void test_boot_vga_selector_undecidable(void **state)
{
	(void)state;
	fx_q35_two_gpus(fx);
	fx_write(fx, DEV_ATTR(GPU2, "boot_vga"), "yes\n", 0644);
	plan_for("[device gpu]\nmatch = id=1234:1111 boot_vga=0\n", NULL);
	assert_refused(section("gpu"), GPU2, "boot_vga", "\"yes\"");
}

/* Gone meanwhile (the bus link points nowhere): left out, nothing else changes. */
static void test_hot_unplugged_left_out(void **state)
{
	char *p;

	(void)state;
	fx_q35_two_gpus(fx);
	p = fx_path(fx, "sys/bus/pci/devices/0000:09:00.0");
	assert_int_equal(symlink("../../../devices/pci0000:00/0000:09:00.0", p), 0);
	free(p);
	plan_for("[device nic]\nmatch = address=" NIC1 "\ngroup = claim\n", NULL);
	assert_int_equal(pci.n, 14);
	assert_status(section("nic"), VB_PLAN_OK);
}

/* ---- what was there, what is there now ---- */

static void test_changed_card_is_absent(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	/* Written for a GeForce that has since been swapped for the std-VGA card. */
	plan_for("[device gpu]\nmatch = address=" GPU2 " id=10de:2204\n", NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_ABSENT);
	assert_int_equal(s->n_devs, 0);
	assert_detail(s, "at " GPU2 " now", "1234:1111", "bochs-drm");
	assert_true(vb_plan_waiting(&plan));
}

static void test_absent_address_and_bridge_address(void **state)
{
	(void)state;
	plan_for("[device gone]\nmatch = address=0000:09:00.0\n"
		 "[device port]\nmatch = address=" PORT2 "\n"
		 "[device bridges]\nmatch = class=0604\ncount = any\n",
		 NULL);
	assert_status(section("gone"), VB_PLAN_ABSENT);
	assert_detail(section("gone"), "no device at 0000:09:00.0");
	/* A bridge is never claimed, not even when asked for by address. */
	assert_status(section("port"), VB_PLAN_ABSENT);
	assert_detail(section("port"), "bridge");
	assert_status(section("bridges"), VB_PLAN_NONE);
}

static void test_id_absent_lists_same_id_elsewhere(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	/* The wrong slot: the detail shows where cards of that id are, with their paths. */
	plan_for("[device gpu]\nmatch = id=1234:1111 path=0000:00:04.0/00.0\n", NULL);
	s = section("gpu");
	assert_status(s, VB_PLAN_ABSENT);
	assert_detail(s, GPU2, "0000:00:02.0/00.0");
	assert_detail(s, GPU1, "0000:00:01.0/00.0");
}

/*
 * The same two root ports, but a card with a bridge of its own now sits behind the first:
 * the bus numbers below the second port shift from 2 to 3. path= still finds the GPU, its
 * old address does not.
 */
static void test_path_survives_renumbering(void **state)
{
	static const char *const conf = "[device by-path]\nmatch = path=0000:00:02.0/00.0\n"
					"[device by-address]\nmatch = address=0000:02:00.0\n";

	(void)state;
	bridge("0000:00:01.0", NULL, 1);
	bridge("0000:01:00.0", "0000:00:01.0", 1);
	endpoint("0000:02:01.0", "0000:01:00.0", 0x8086, 0x100e, 0x020000, 1, "e1000");
	bridge("0000:00:02.0", NULL, 2);
	fx_device(fx, "0000:03:00.0",
		  &(struct fx_dev){.parent = "0000:00:02.0",
				   .vendor = 0x1234,
				   .device = 0x1111,
				   .class = 0x030000,
				   .boot_vga = 0,
				   .group = 2,
				   .host_driver = "bochs-drm",
				   .bound = true});
	endpoint("0000:03:00.1", "0000:00:02.0", 0x8086, 0x293e, 0x040300, 2, "snd_hda_intel");
	plan_for(conf, NULL);
	assert_status(section("by-path"), VB_PLAN_OK);
	assert_devs(section("by-path"), "0000:03:00.0", "0000:03:00.1");
	assert_status(section("by-address"), VB_PLAN_ABSENT);
	assert_detail(section("by-address"), "no device at 0000:02:00.0");
}

/* The same config on the machine before the renumbering: path= finds the card at bus 2. */
static void test_path_on_q35(void **state)
{
	(void)state;
	plan_for("[device by-path]\nmatch = path=0000:00:02.0/00.0\n", NULL);
	assert_status(section("by-path"), VB_PLAN_OK);
	assert_devs(section("by-path"), GPU2, AUDIO2);
}

static void test_no_iommu_group(void **state)
{
	const struct vb_plan_section *s;

	(void)state;
	endpoint("0000:00:05.0", NULL, 0x8086, 0x10d3, 0x020000, -1, "e1000e");
	endpoint("0000:00:06.0", NULL, 0x8086, 0x10d3, 0x020000, 6, "e1000e");
	plan_for("[device nic]\nmatch = address=0000:00:05.0\n"
		 "[device grouped]\nmatch = address=0000:00:06.0\n",
		 NULL);
	s = section("nic");
	assert_status(s, VB_PLAN_NO_IOMMU);
	assert_why(s, "IOMMU");
	assert_false(vb_plan_waiting(&plan));
	assert_status(section("grouped"), VB_PLAN_OK);
}

static void test_count_any(void **state)
{
	(void)state;
	plan_for("[device none]\nmatch = id=dead:beef\ncount = any\n"
		 "[device nics]\nmatch = id=8086:100e\ncount = any\n",
		 NULL);
	assert_status(section("none"), VB_PLAN_NONE);
	assert_int_equal(section("none")->n_devs, 0);
	/* Nothing is missing: no reason to hold up boot. */
	assert_false(vb_plan_waiting(&plan));
	/* Both e1000s: the section claims their whole group itself. */
	assert_status(section("nics"), VB_PLAN_OK);
	assert_devs(section("nics"), NIC1, NIC2);
}

/* ---- vfio_boot.claim= ---- */

static void test_cmdline_claim_functions_only_group_refuse(void **state)
{
	const struct vb_plan_section *s;
	char src[64];

	(void)state;
	plan_for(NULL, "quiet vfio_boot.claim=" GPU2);
	assert_int_equal(plan.n_sections, 1);
	s = &plan.sections[0];
	assert_string_equal(s->name, "vfio_boot.claim=" GPU2);
	assert_null(s->file);
	vb_plan_section_source(s, src, sizeof(src));
	assert_string_equal(src, "kernel command line");
	/* functions only: the audio function stays out, and refuses the claim for the group. */
	assert_status(s, VB_PLAN_GROUP);
	assert_detail(s, AUDIO2, "snd_hda_intel");
}

static void test_cmdline_claims_split_a_group(void **state)
{
	(void)state;
	plan_for(NULL, "vfio_boot.claim=" GPU2 "," AUDIO2);
	assert_int_equal(plan.n_sections, 2);
	assert_status(section("vfio_boot.claim=" GPU2), VB_PLAN_OK);
	assert_devs(section("vfio_boot.claim=" GPU2), GPU2);
	assert_status(section("vfio_boot.claim=" AUDIO2), VB_PLAN_OK);
	assert_devs(section("vfio_boot.claim=" AUDIO2), AUDIO2);
}

static void test_cmdline_claim_guards(void **state)
{
	(void)state;
	plan_for(NULL, "vfio_boot.claim=" GPU1 "," AUDIO1 "," SATA "," NIC1);
	assert_status(section("vfio_boot.claim=" GPU1), VB_PLAN_GUARDED);
	/* The boot display is not claimed, so its audio function's group is not whole. */
	assert_status(section("vfio_boot.claim=" AUDIO1), VB_PLAN_GROUP);
	assert_status(section("vfio_boot.claim=" SATA), VB_PLAN_GUARDED);
	assert_status(section("vfio_boot.claim=" NIC1), VB_PLAN_GROUP);
}

static void test_cmdline_claim_with_config(void **state)
{
	(void)state;
	/* A config section and a command-line claim divide a group between them. */
	plan_for("[device gpu]\nmatch = address=" GPU2 "\nfunctions = only\n",
		 "vfio_boot.claim=0000:02:00.1");
	assert_int_equal(plan.n_sections, 2);
	assert_status(section("gpu"), VB_PLAN_OK);
	assert_status(section("vfio_boot.claim=" AUDIO2), VB_PLAN_OK);
}

static void test_cmdline_claim_absent(void **state)
{
	(void)state;
	plan_for(NULL, "vfio_boot.claim=0000:0a:00.0");
	assert_status(section("vfio_boot.claim=0000:0a:00.0"), VB_PLAN_ABSENT);
	assert_detail(section("vfio_boot.claim=0000:0a:00.0"), "no device at 0000:0a:00.0");
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TQ35(f) cmocka_unit_test_setup_teardown(f, setup_q35, teardown)

int main(void)
{
	const struct CMUnitTest on_q35[] = {
		TQ35(test_scan_q35),
		TQ35(test_scan_frees_everything),
		TQ35(test_identical_gpus_id_is_ambiguous),
		TQ35(test_identical_gpus_boot_vga_0_claims_pair),
		TQ35(test_functions_only_refused_for_group),
		TQ35(test_functions_only_group_claim_takes_audio),
		TQ35(test_count_too_few),
		TQ35(test_boot_display_guarded),
		TQ35(test_boot_display_allowed),
		TQ35(test_boot_display_guard_covers_other_functions),
		TQ35(test_storage_guarded),
		TQ35(test_storage_allowed_still_needs_its_group),
		TQ35(test_storage_guard_covers_group_members),
		TQ35(test_group_refuse_behind_pci_bridge),
		TQ35(test_group_claim_behind_pci_bridge),
		TQ35(test_two_sections_split_a_group),
		TQ35(test_refused_section_does_not_count_as_claimed),
		TQ35(test_changed_card_is_absent),
		TQ35(test_absent_address_and_bridge_address),
		TQ35(test_id_absent_lists_same_id_elsewhere),
		TQ35(test_path_on_q35),
		TQ35(test_count_any),
		TQ35(test_cmdline_claim_functions_only_group_refuse),
		TQ35(test_cmdline_claims_split_a_group),
		TQ35(test_cmdline_claim_guards),
		TQ35(test_cmdline_claim_with_config),
		TQ35(test_cmdline_claim_absent),
	};
	const struct CMUnitTest on_own_tree[] = {
		T(test_group_refusal_reaches_fixed_point),
		T(test_device_on_vfio_pci_counts_as_claimed),
		T(test_scan_without_uevent),
		T(test_path_survives_renumbering),
		T(test_no_iommu_group),
		T(test_unparsable_group_member_refuses),
		T(test_short_uevent_id_is_no_id),
		T(test_uevent_malformed_marks_unreadable),
		T(test_unreadable_group_link_refuses),
		T(test_unreadable_driver_link_refuses),
		T(test_boot_vga_garbage_guarded),
		T(test_boot_vga_unreadable_guarded),
		T(test_boot_vga_missing_on_vga_guarded),
		T(test_boot_vga_selector_undecidable),
		T(test_hot_unplugged_left_out),
	};
	int failed;

	failed = cmocka_run_group_tests(on_q35, group_setup_q35, group_teardown_q35);
	failed += cmocka_run_group_tests(on_own_tree, NULL, NULL);
	return failed;
}
