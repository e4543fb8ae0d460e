// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Scenarios: the binder's real executable (the dynamically linked build of the same code)
 * against the kernel double, on the q35 stand-in machine of the VM tests, with the real
 * vfio modules of the installed Debian kernel indexed by depmod.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"

#define GPU0   "0000:01:00.0"
#define AUDIO0 "0000:01:00.1"
#define GPU1   "0000:02:00.0"
#define AUDIO1 "0000:02:00.1"
#define NIC0   "0000:03:01.0"
#define NIC1   "0000:03:02.0"
#define SATA   "0000:00:1f.2"
#define CONF   "etc/vfio-boot/vfio-boot.conf"

static const char *binder(void)
{
	const char *b = getenv("TEST_BINDER");
	return b ? b : "build/test/vfio-boot-binder";
}

static int setup(void **state)
{
	struct fx *fx = fx_new();

	fx_q35_two_gpus(fx);
	fx_osrelease(fx, "6.1.0-test");
	fx_cmdline(fx, "BOOT_IMAGE=/vmlinuz root=/dev/vda ro intel_iommu=on");
	assert_int_equal(fx_modules(fx, NULL, 0), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

static void conf(struct fx *fx, const char *text)
{
	fx_write(fx, CONF, text, 0644);
}

/*
 * Runs the binder on the tree with its arguments (NULL-terminated); it must exit 0 whatever it
 * meets.
 */
static void run_args(struct fx *fx, const char *first, va_list ap)
{
	const char *argv[16] = {binder(), "--root", fx_root(fx)};
	size_t n = 3;
	const char *a;

	for (a = first; a && n < 15; a = va_arg(ap, const char *))
		argv[n++] = a;
	argv[n] = NULL;
	if (fx_run(fx, argv) != 0) {
		char *err = fx_read(fx, ".mock/stderr");
		print_error("binder failed; stderr:\n%s\n", err ? err : "");
		free(err);
		fail();
	}
}

/* As on the tree itself: no module is loaded into the running kernel. */
static void run_on_tree(struct fx *fx, ...)
{
	va_list ap;

	va_start(ap, fx);
	run_args(fx, va_arg(ap, const char *), ap);
	va_end(ap);
}

/*
 * As at boot: the kernel double acts on the tree, so the binder is let load its modules
 * (--load-modules), as it does into the running kernel without --root.
 */
static void run(struct fx *fx, ...)
{
	va_list ap;

	va_start(ap, fx);
	run_args(fx, "--load-modules", ap);
	va_end(ap);
}

static void assert_driver(struct fx *fx, const char *addr, const char *want)
{
	char *drv = fx_driver_of(fx, addr);

	if (!want) {
		if (drv)
			print_error("%s: driver %s, expected none\n", addr, drv);
		assert_null(drv);
		return;
	}
	if (!drv || strcmp(drv, want) != 0)
		print_error("%s: driver %s, expected %s\n", addr, drv ? drv : "(none)", want);
	assert_non_null(drv);
	assert_string_equal(drv, want);
	free(drv);
}

static int kmsg_has(struct fx *fx, const char *s)
{
	return fx_count_lines_matching(fx, "dev/kmsg", s);
}

static void assert_kmsg(struct fx *fx, const char *s)
{
	if (kmsg_has(fx, s) == 0) {
		char *k = fx_read(fx, "dev/kmsg");
		print_error("kmsg lacks \"%s\"; it has:\n%s\n", s, k ? k : "");
		free(k);
		fail();
	}
}

static void assert_record(struct fx *fx, const char *rel, const char *line)
{
	char *path, *text;

	if (asprintf(&path, "run/vfio-boot/%s", rel) < 0)
		fail();
	text = fx_read(fx, path);
	if (!text || !strstr(text, line))
		print_error("%s lacks \"%s\"; it has:\n%s\n", path, line,
			    text ? text : "(nothing)");
	assert_non_null(text);
	assert_non_null(strstr(text, line));
	free(text);
	free(path);
}

static void assert_no_writes(struct fx *fx)
{
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", NULL), 0);
}

static void assert_host_untouched(struct fx *fx)
{
	assert_driver(fx, GPU0, "bochs-drm");
	assert_driver(fx, AUDIO0, "snd_hda_intel");
	assert_driver(fx, SATA, "ahci");
	/* No device outside the plan is ever written to. */
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", GPU0), 0);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", AUDIO0), 0);
}

/* Two identical cards: the guest's is told apart by boot_vga, the host keeps its display. */
static void identical_gpus_claim_non_boot_pair(void **state)
{
	struct fx *fx = *state;

	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run(fx, NULL);
	assert_driver(fx, GPU1, "vfio-pci");
	assert_driver(fx, AUDIO1, "vfio-pci");
	assert_host_untouched(fx);
	/* The global new_id would have taken both cards. */
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", "new_id"), 0);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/modules.log", "vfio_pci\t"), 1);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/modules.log", "vfio_iommu_type1\t"), 1);
	assert_kmsg(fx, "claimed " GPU1 " [1234:1111] (matched), was bochs-drm");
	assert_kmsg(fx, "claimed " AUDIO1 " [8086:293e] (function of " GPU1 "), was snd_hda_intel");
	assert_record(fx, "devices/" GPU1, "outcome=claimed\n");
	assert_record(fx, "devices/" GPU1, "driver_before=bochs-drm\n");
	assert_record(fx, "devices/" AUDIO1, "reason=function of " GPU1 "\n");
	assert_record(fx, "sections/guest-gpu", "status=claimed\n");
	assert_record(fx, "status", "state=done\n");
	assert_record(fx, "status", "claimed=2\n");
}

/* The kernel's order: override first, then unbind, then probe. */
static void writes_override_unbind_probe_in_order(void **state)
{
	struct fx *fx = *state;
	char *log;
	const char *o, *u, *p;

	conf(fx, "[device guest-gpu]\nmatch = address=" GPU1 "\nfunctions = only\ngroup = claim\n");
	run(fx, NULL);
	log = fx_read(fx, ".mock/writes.log");
	assert_non_null(log);
	o = strstr(log, "sys/bus/pci/devices/" GPU1 "/driver_override\tvfio-pci\tok");
	u = strstr(log, "sys/bus/pci/drivers/bochs-drm/unbind\t" GPU1 "\tok");
	p = strstr(log, "sys/bus/pci/drivers_probe\t" GPU1 "\tok");
	assert_non_null(o);
	assert_non_null(u);
	assert_non_null(p);
	assert_true(o < u && u < p);
	free(log);
	assert_driver(fx, GPU1, "vfio-pci");
}

static void path_selector(void **state)
{
	struct fx *fx = *state;

	conf(fx, "[device guest-gpu]\nmatch = path=0000:00:02.0/00.0\n");
	run(fx, NULL);
	assert_driver(fx, GPU1, "vfio-pci");
	assert_driver(fx, AUDIO1, "vfio-pci");
	assert_host_untouched(fx);
}

/* A new card took the address: the config's id no longer holds there. */
static void address_and_id_no_longer_match(void **state)
{
	struct fx *fx = *state;

	conf(fx, "[device guest-gpu]\nmatch = address=" GPU1 " id=10de:1b80\n");
	run(fx, NULL);
	assert_no_writes(fx);
	assert_driver(fx, GPU1, "bochs-drm");
	assert_kmsg(fx, "no device matches \"address=" GPU1 " id=10de:1b80\"");
	assert_kmsg(fx, "at " GPU1 " now: " GPU1 " [1234:1111] class 030000, driver bochs-drm");
	assert_kmsg(fx, "etc/vfio-boot/vfio-boot.conf:1");
	assert_record(fx, "sections/guest-gpu", "status=absent\n");
	assert_int_equal(fx_count_lines_matching(fx, ".mock/modules.log", NULL), 0);
}

static void ambiguous_id_claims_nothing(void **state)
{
	struct fx *fx = *state;

	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111\n");
	run(fx, NULL);
	assert_no_writes(fx);
	assert_kmsg(fx, "2 devices match \"id=1234:1111\", expected 1");
	assert_kmsg(fx, "matched: " GPU0);
	assert_kmsg(fx, "matched: " GPU1);
	assert_record(fx, "sections/guest-gpu", "status=ambiguous\n");
	assert_driver(fx, GPU1, "bochs-drm");
}

static void group_refuse_behind_pci_bridge(void **state)
{
	struct fx *fx = *state;

	conf(fx, "[device nic]\nmatch = address=" NIC0 "\n");
	run(fx, NULL);
	assert_no_writes(fx);
	assert_driver(fx, NIC0, "e1000");
	assert_kmsg(fx, "IOMMU group 3 of " NIC0 " also holds " NIC1
			" [8086:100e] class 020000, driver e1000");
	assert_kmsg(fx, "group = claim");
	assert_record(fx, "sections/nic", "status=group\n");
}

static void group_claim_behind_pci_bridge(void **state)
{
	struct fx *fx = *state;

	conf(fx, "[device nic]\nmatch = address=" NIC0 "\ngroup = claim\n");
	run(fx, NULL);
	assert_driver(fx, NIC0, "vfio-pci");
	assert_driver(fx, NIC1, "vfio-pci");
	/* The bridge is in the group but is never claimed. */
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", "0000:00:03.0"), 0);
	assert_record(fx, "devices/" NIC1, "reason=IOMMU group 3 of " NIC0 "\n");
	assert_host_untouched(fx);
}

static void boot_display_guard(void **state)
{
	struct fx *fx = *state;

	conf(fx, "[device gpu]\nmatch = address=" GPU0 "\n");
	run(fx, NULL);
	assert_no_writes(fx);
	assert_driver(fx, GPU0, "bochs-drm");
	assert_kmsg(fx, GPU0 " is the host's boot display");
	assert_kmsg(fx, "allow = boot-display");
	assert_record(fx, "sections/gpu", "status=guarded\n");

	conf(fx, "[device gpu]\nmatch = address=" GPU0 "\nallow = boot-display\n");
	run(fx, NULL);
	assert_driver(fx, GPU0, "vfio-pci");
	assert_driver(fx, AUDIO0, "vfio-pci");
}

static void storage_guard(void **state)
{
	struct fx *fx = *state;

	conf(fx, "[device sata]\nmatch = class=0106\ngroup = claim\n");
	run(fx, NULL);
	assert_no_writes(fx);
	assert_driver(fx, SATA, "ahci");
	assert_kmsg(fx, SATA " is the host's storage controller");
	assert_kmsg(fx, "allow = storage");
}

/* The audio function is busy: the card goes, the audio stays, and the log says so. */
static void busy_audio_function(void **state)
{
	struct fx *fx = *state;
	char *ovr;

	fx_inject(fx, "unbind " AUDIO1 " EBUSY");
	conf(fx, "[device guest-gpu]\nmatch = address=" GPU1 "\n");
	run(fx, NULL);
	assert_driver(fx, GPU1, "vfio-pci");
	assert_driver(fx, AUDIO1, "snd_hda_intel");
	/* Its override is cleared so that it is not stuck away from its driver. */
	ovr = fx_read(fx, "sys/bus/pci/devices/" AUDIO1 "/driver_override");
	assert_non_null(ovr);
	assert_string_equal(ovr, "(null)\n");
	free(ovr);
	assert_kmsg(fx, AUDIO1 " [8086:293e] not claimed: snd_hda_intel would not let go of it");
	assert_kmsg(fx, "Device or resource busy");
	assert_record(fx, "sections/guest-gpu", "status=partial\n");
	assert_record(fx, "devices/" AUDIO1, "outcome=failed\n");
	assert_record(fx, "status", "failed=1\n");
}

/* vfio-pci says yes and binds nothing: the device goes back to its host driver. */
static void probe_that_binds_nothing(void **state)
{
	struct fx *fx = *state;

	fx_inject(fx, "probe " GPU1 " noop");
	conf(fx, "[device guest-gpu]\nmatch = address=" GPU1 "\nfunctions = only\ngroup = claim\n");
	run(fx, NULL);
	assert_driver(fx, GPU1, "bochs-drm");
	assert_kmsg(fx, "after probing, its driver was none, not vfio-pci");
	assert_record(fx, "devices/" GPU1, "outcome=failed\n");
	assert_record(fx, "devices/" GPU1, "driver=bochs-drm\n");
}

static void wrong_driver_wins_probe(void **state)
{
	struct fx *fx = *state;

	fx_inject(fx, "bind " GPU1 " snd_hda_intel");
	conf(fx, "[device guest-gpu]\nmatch = address=" GPU1 "\nfunctions = only\ngroup = claim\n");
	run(fx, NULL);
	assert_kmsg(fx, "after probing, its driver was snd_hda_intel, not vfio-pci");
	assert_record(fx, "devices/" GPU1, "outcome=failed\n");
}

static void override_write_enodev(void **state)
{
	struct fx *fx = *state;

	fx_inject(fx, "write sys/bus/pci/devices/" GPU1 "/driver_override ENODEV");
	conf(fx, "[device guest-gpu]\nmatch = address=" GPU1 "\nfunctions = only\ngroup = claim\n");
	run(fx, NULL);
	assert_driver(fx, GPU1, "bochs-drm");
	assert_kmsg(fx, "the kernel refused driver_override (No such device)");
	/* Nothing else was tried on that device; its group mate still went. */
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", "bochs-drm/unbind"), 0);
	assert_driver(fx, AUDIO1, "vfio-pci");
	assert_record(fx, "sections/guest-gpu", "status=partial\n");
}

static void vfio_pci_built_in(void **state)
{
	struct fx *fx = *state;

	fx_module(fx, "vfio", FX_BUILTIN);
	fx_module(fx, "vfio_iommu_type1", FX_BUILTIN);
	fx_module(fx, "vfio_pci", FX_BUILTIN);
	fx_driver(fx, "vfio-pci", NULL);
	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run(fx, NULL);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/modules.log", NULL), 0);
	assert_driver(fx, GPU1, "vfio-pci");
	assert_driver(fx, AUDIO1, "vfio-pci");
}

static void vfio_module_missing(void **state)
{
	struct fx *fx = fx_new();

	fx_q35_two_gpus(fx);
	fx_osrelease(fx, "6.1.0-novfio");
	fx_cmdline(fx, "");
	assert_int_equal(fx_modules(fx, NULL, FX_WITHOUT_VFIO), 0);
	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run(fx, NULL);
	assert_no_writes(fx);
	assert_driver(fx, GPU1, "bochs-drm");
	assert_kmsg(fx, "is not in");
	assert_kmsg(fx, "vfio-pci is not available: claiming nothing");
	assert_record(fx, "status", "state=no-vfio\n");
	assert_record(fx, "sections/guest-gpu", "status=failed\n");
	fx_free(fx);
	(void)state;
}

static void module_load_fails(void **state)
{
	struct fx *fx = *state;

	fx_inject(fx, "module vfio_pci ENOEXEC");
	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run(fx, NULL);
	assert_no_writes(fx);
	assert_kmsg(fx, "loading module vfio_pci");
	assert_record(fx, "status", "state=no-vfio\n");
}

static void garbage_config(void **state)
{
	struct fx *fx = *state;
	static const char junk[] = "\x7f"
				   "ELF\x02\x01\x01\0\0\0[device\n=\n[[[]]\xff\xfe match = id=zz\n";
	char *path = fx_path(fx, CONF);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fwrite(junk, 1, sizeof(junk) - 1, f);
	fclose(f);
	free(path);
	run(fx, NULL);
	assert_no_writes(fx);
	assert_kmsg(fx, "etc/vfio-boot/vfio-boot.conf:1:");
	assert_kmsg(fx, "error");
	assert_host_untouched(fx);
}

/* A good section survives a bad one next to it. */
static void bad_section_skipped_rest_applies(void **state)
{
	struct fx *fx = *state;

	conf(fx,
	     "[device broken]\nmatch = id=1234\n\n[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run(fx, NULL);
	assert_kmsg(fx, "vfio-boot.conf:2: match: bad term \"id=1234\": expected id=VVVV:DDDD");
	assert_record(fx, "sections/broken", "status=invalid\n");
	assert_driver(fx, GPU1, "vfio-pci");
}

static void config_writable_by_others(void **state)
{
	struct fx *fx = *state;

	fx_write(fx, CONF, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n", 0666);
	run(fx, NULL);
	assert_no_writes(fx);
	assert_kmsg(fx, "writable by group or others (mode 0666): refusing the whole config");
	assert_record(fx, "status", "state=config-refused\n");
}

static void config_not_owned_by_root(void **state)
{
	struct fx *fx = *state;
	char *path;

	if (geteuid() != 0)
		skip();
	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	path = fx_path(fx, CONF);
	assert_int_equal(chown(path, 65534, 65534), 0);
	free(path);
	run(fx, NULL);
	assert_no_writes(fx);
	assert_kmsg(fx, "is owned by uid 65534, not root");
}

/* A FIFO in conf.d: opening it to read would wait for a writer until the watchdog ends it all. */
static void config_fifo_in_confd(void **state)
{
	struct fx *fx = *state;
	struct timespec t0, t1;
	char *path;

	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	fx_write(fx, "etc/vfio-boot/conf.d/10-ok.conf", "", 0644);
	path = fx_path(fx, "etc/vfio-boot/conf.d/20-fifo.conf");
	assert_int_equal(mkfifo(path, 0644), 0);
	free(path);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run(fx, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Not a benchmark: the bound only tells "ended by itself" from "ended by the watchdog". */
	assert_true(t1.tv_sec - t0.tv_sec < 30);
	assert_no_writes(fx);
	assert_kmsg(fx, "20-fifo.conf is a FIFO, not a regular file: refusing the whole config");
	assert_record(fx, "status", "state=config-refused\n");
}

static void rescue_switch(void **state)
{
	struct fx *fx = *state;

	fx_cmdline(fx, "root=/dev/vda vfio_boot=off vfio_boot.claim=" NIC0);
	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run(fx, NULL);
	assert_no_writes(fx);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/modules.log", NULL), 0);
	assert_kmsg(fx, "vfio_boot=off on the kernel command line: claiming nothing");
	assert_record(fx, "status", "state=off\n");
}

static void cmdline_claim(void **state)
{
	struct fx *fx = *state;

	/* No config at all: the two NICs cover their group together. */
	fx_cmdline(fx, "root=/dev/vda vfio_boot.claim=" NIC0 ",0000:03:02.0,0000:01:00.0,bogus");
	run(fx, NULL);
	assert_driver(fx, NIC0, "vfio-pci");
	assert_driver(fx, NIC1, "vfio-pci");
	/* Same guards as the config. */
	assert_driver(fx, GPU0, "bochs-drm");
	assert_kmsg(fx, "[device vfio_boot.claim=" GPU0 "] kernel command line: " GPU0
			" is the host's boot display");
	assert_kmsg(fx, "\"bogus\" is not an address");
	/* Each claim's section has its record, so status and the guest units can find it. */
	assert_record(fx, "sections/vfio_boot.claim=" NIC0, "status=claimed\n");
	assert_record(fx, "sections/vfio_boot.claim=" GPU0, "status=guarded\n");
	assert_int_equal(kmsg_has(fx, "writing /run/vfio-boot/"), 0);
}

static void dry_run_writes_nothing(void **state)
{
	struct fx *fx = *state;
	char *out;

	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run(fx, "--dry-run", NULL);
	assert_no_writes(fx);
	assert_false(fx_exists(fx, "run/vfio-boot/status"));
	assert_int_equal(fx_count_lines_matching(fx, "dev/kmsg", NULL), 0);
	assert_driver(fx, GPU1, "bochs-drm");
	out = fx_read(fx, ".mock/stdout");
	assert_non_null(out);
	assert_non_null(strstr(out, "claim " GPU1));
	assert_non_null(
		strstr(out, "write \"vfio-pci\" to /sys/bus/pci/devices/" GPU1 "/driver_override"));
	assert_non_null(
		strstr(out, "write \"" AUDIO1 "\" to /sys/bus/pci/drivers/snd_hda_intel/unbind"));
	free(out);
}

static void already_on_vfio_is_left_alone(void **state)
{
	struct fx *fx = *state;

	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run(fx, NULL);
	assert_driver(fx, GPU1, "vfio-pci");
	run(fx, NULL);
	assert_record(fx, "devices/" GPU1, "outcome=already\n");
	assert_int_equal(fx_count_lines_matching(fx, ".mock/modules.log", "vfio_pci\t"), 1);
}

/* Devices that show up late are waited for, but no longer than the config says. */
static void wait_for_absent_device(void **state)
{
	struct fx *fx = *state;
	struct timespec a, b;
	double secs;

	conf(fx, "[binder]\nwait = 700ms\n[device late]\nmatch = id=10de:2204\n");
	clock_gettime(CLOCK_MONOTONIC, &a);
	run(fx, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	assert_true(secs >= 0.7);
	assert_record(fx, "sections/late", "status=absent\n");
}

/* The kernel drops an open's 11th line within 5 s: every line must still arrive. */
static void many_log_lines_all_arrive(void **state)
{
	struct fx *fx = *state;
	char text[4096] = "";
	size_t n = 0;

	for (int i = 0; i < 12; i++)
		n += snprintf(text + n, sizeof(text) - n, "[device bad%d]\nmatch = id=zzzz\n", i);
	n += snprintf(text + n, sizeof(text) - n,
		      "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	conf(fx, text);
	run(fx, NULL);
	assert_true(kmsg_has(fx, "match: bad term") >= 12);
	assert_kmsg(fx, "claimed " GPU1);
	assert_kmsg(fx, "done in");
}

/*
 * NIC1's group holds NIC1 alone but for NIC0, whose uevent is not what the kernel writes (an id
 * one digit short): no id is taken from it, so group = claim cannot know what it would take.
 */
static void group_member_uevent_malformed(void **state)
{
	struct fx *fx = *state;

	fx_write(fx, "sys/bus/pci/devices/" NIC0 "/uevent",
		 "PCI_CLASS=20000\nPCI_ID=8086:100\nPCI_SUBSYS_ID=1af4:1100\nPCI_SLOT_NAME=" NIC0
		 "\n",
		 0644);
	conf(fx, "[device nic]\nmatch = address=" NIC1 "\ngroup = claim\n");
	run(fx, NULL);
	assert_driver(fx, NIC0, "e1000");
	assert_driver(fx, NIC1, "e1000");
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", "driver_override"), 0);
	assert_kmsg(fx, NIC0);
	assert_kmsg(fx, "uevent: PCI_ID=\"8086:100\" is not VVVV:DDDD");
	assert_record(fx, "sections/nic", "status=unreadable\n");
}

/* A boot_vga that cannot be read does not say "not the boot display". */
static void boot_vga_unreadable(void **state)
{
	struct fx *fx = *state;
	char *p = fx_path(fx, "sys/bus/pci/devices/" GPU1 "/boot_vga");

	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	conf(fx, "[device guest-gpu]\nmatch = address=" GPU1 "\n"
		 "[device by-boot-vga]\nmatch = id=1234:1111 boot_vga=0\n");
	run(fx, NULL);
	assert_driver(fx, GPU1, "bochs-drm");
	assert_driver(fx, AUDIO1, "snd_hda_intel");
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", "driver_override"), 0);
	assert_kmsg(fx, "may be the host's boot display (boot_vga cannot be read: Is a directory");
	assert_kmsg(fx, "cannot tell whether " GPU1 " matches \"id=1234:1111 boot_vga=0\"");
	assert_record(fx, "sections/guest-gpu", "status=guarded\n");
	assert_record(fx, "sections/by-boot-vga", "status=unreadable\n");
}

/*
 * GPU1's driver link points to a driver that is gone (unloaded while it held the card): the
 * binder leaves the card alone and says so, and does not blame the initramfs.
 */
static void dangling_driver_link(void **state)
{
	struct fx *fx = *state;
	char *p = fx_path(fx, "sys/bus/pci/devices/" GPU1 "/driver");

	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("../../../../bus/pci/drivers/gone-drm", p), 0);
	free(p);
	conf(fx, "[device guest-gpu]\nmatch = address=" GPU1 "\nfunctions = only\ngroup = claim\n");
	run(fx, NULL);
	assert_driver(fx, AUDIO1, "vfio-pci");
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", GPU1), 0);
	assert_kmsg(fx, "its driver link points to gone-drm, which is not there");
	assert_int_equal(kmsg_has(fx, "initramfs"), 0);
	assert_record(fx, "devices/" GPU1, "outcome=failed\n");
}

/* Records go only into directories made fresh: a link planted in their place is not followed. */
static void records_dir_links_not_followed(void **state)
{
	struct fx *fx = *state;
	char *victim = fx_path(fx, "victim"), *devs = fx_path(fx, "run/vfio-boot/devices"),
	     *secs = fx_path(fx, "run/vfio-boot/sections");
	struct stat st;

	fx_write(fx, "victim/keep", "precious\n", 0644);
	fx_write(fx, "run/vfio-boot/.keep", "", 0644);
	assert_int_equal(symlink(victim, devs), 0);
	assert_int_equal(symlink(victim, secs), 0);
	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run(fx, NULL);
	assert_true(fx_exists(fx, "victim/keep"));
	assert_int_equal(lstat(devs, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(lstat(secs, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_record(fx, "sections/guest-gpu", "status=claimed\n");
	assert_record(fx, "devices/" GPU1, "outcome=claimed\n");
	free(victim);
	free(devs);
	free(secs);
}

/* A planted temporary (link or file) neither redirects a record nor decides its mode. */
static void planted_temporaries_not_followed(void **state)
{
	struct fx *fx = *state;
	char *target = fx_path(fx, "victim/target"), *tmp = fx_path(fx, "run/vfio-boot/status.tmp"),
	     *stmp = fx_path(fx, "run/vfio-boot/sections/guest-gpu.tmp"),
	     *status = fx_path(fx, "run/vfio-boot/status");
	char *text;
	struct stat st;

	fx_write(fx, "victim/target", "precious\n", 0600);
	fx_write(fx, "run/vfio-boot/sections/.keep", "", 0644);
	assert_int_equal(symlink(target, tmp), 0);
	assert_int_equal(symlink(target, stmp), 0);
	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run(fx, NULL);
	text = fx_read(fx, "victim/target");
	assert_non_null(text);
	assert_string_equal(text, "precious\n");
	assert_record(fx, "status", "state=done\n");
	assert_record(fx, "sections/guest-gpu", "status=claimed\n");
	assert_int_equal(lstat(status, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	free(text);
	free(target);
	free(tmp);
	free(stmp);
	free(status);
}

/* /run full: the previous boot's status must not pass for this one's, and every loss is said. */
static void run_full_no_stale_status(void **state)
{
	struct fx *fx = *state;

	fx_write(fx, "run/vfio-boot/status", "version=1\nstate=done\nclaimed=2\n", 0644);
	fx_write(fx, "run/vfio-boot/sections/guest-gpu", "status=claimed\n", 0644);
	fx_inject(fx, "write run/vfio-boot/ ENOSPC");
	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n"
		 "[device broken]\nmatch = id=zzzz\n");
	run(fx, NULL);
	assert_driver(fx, GPU1, "vfio-pci");
	assert_false(fx_exists(fx, "run/vfio-boot/status"));
	assert_false(fx_exists(fx, "run/vfio-boot/sections/guest-gpu"));
	assert_kmsg(fx, "writing /run/vfio-boot/status: No space left on device");
	assert_kmsg(fx, "writing /run/vfio-boot/sections/guest-gpu: No space left on device");
	assert_kmsg(fx, "writing /run/vfio-boot/sections/broken: No space left on device");
	assert_kmsg(fx, "writing /run/vfio-boot/devices/" GPU1 ": No space left on device");
}

/* An entry that cannot be removed among the old records leaves none of the others behind. */
static void stale_records_all_cleared(void **state)
{
	struct fx *fx = *state;

	fx_write(fx, "run/vfio-boot/sections/old-a", "status=claimed\n", 0644);
	fx_write(fx, "run/vfio-boot/devices/0000:09:00.0", "outcome=claimed\n", 0644);
	fx_write(fx, "run/vfio-boot/sections/planted/keep", "x\n", 0644);
	fx_write(fx, "run/vfio-boot/devices/planted/keep", "x\n", 0644);
	fx_write(fx, "run/vfio-boot/sections/old-b", "status=claimed\n", 0644);
	fx_write(fx, "run/vfio-boot/devices/0000:09:00.1", "outcome=claimed\n", 0644);
	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run(fx, NULL);
	assert_false(fx_exists(fx, "run/vfio-boot/sections/old-a"));
	assert_false(fx_exists(fx, "run/vfio-boot/sections/old-b"));
	assert_false(fx_exists(fx, "run/vfio-boot/devices/0000:09:00.0"));
	assert_false(fx_exists(fx, "run/vfio-boot/devices/0000:09:00.1"));
	assert_record(fx, "sections/guest-gpu", "status=claimed\n");
}

/* A FIFO as the tree's /dev/kmsg: the binder must not wait for a reader. */
static void kmsg_fifo_does_not_hang(void **state)
{
	struct fx *fx = *state;
	char *kmsg = fx_path(fx, "dev/kmsg");
	const char *argv[] = {"/usr/bin/timeout", "-s",	       "KILL",		 "30", binder(),
			      "--root",		  fx_root(fx), "--load-modules", NULL};

	assert_int_equal(unlink(kmsg), 0);
	assert_int_equal(mkfifo(kmsg, 0600), 0);
	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	assert_int_equal(fx_run(fx, argv), 0);
	assert_driver(fx, GPU1, "vfio-pci");
	assert_record(fx, "status", "state=done\n");
	free(kmsg);
}

/*
 * A tree is not the running system: the modules it lacks would go into the running kernel, so
 * they are not loaded, and without vfio-pci on the tree nothing is claimed.
 */
static void root_never_loads_modules(void **state)
{
	struct fx *fx = *state;

	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run_on_tree(fx, NULL);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/modules.log", NULL), 0);
	assert_kmsg(fx, "not loading module vfio_pci: ");
	assert_kmsg(fx, "vfio-pci is not available: claiming nothing");
	assert_driver(fx, GPU1, "bochs-drm");
	assert_driver(fx, AUDIO1, "snd_hda_intel");
	assert_no_writes(fx);
	assert_record(fx, "status", "state=no-vfio\n");
	assert_record(fx, "sections/guest-gpu", "status=failed\n");
}

/* What the tree has built in or loaded already is used: only loading is left out. */
static void root_uses_vfio_already_there(void **state)
{
	struct fx *fx = *state;

	fx_module(fx, "vfio_iommu_type1", FX_BUILTIN);
	fx_driver(fx, "vfio-pci", "vfio_pci");
	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run_on_tree(fx, NULL);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/modules.log", NULL), 0);
	assert_driver(fx, GPU1, "vfio-pci");
	assert_record(fx, "status", "state=done\n");
}

static void usage_error_exits_2(void **state)
{
	struct fx *fx = *state;
	const char *argv[] = {binder(), "--no-such-option", NULL};

	assert_int_equal(fx_run(fx, argv), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(identical_gpus_claim_non_boot_pair),
		T(writes_override_unbind_probe_in_order),
		T(path_selector),
		T(address_and_id_no_longer_match),
		T(ambiguous_id_claims_nothing),
		T(group_refuse_behind_pci_bridge),
		T(group_claim_behind_pci_bridge),
		T(boot_display_guard),
		T(storage_guard),
		T(busy_audio_function),
		T(probe_that_binds_nothing),
		T(wrong_driver_wins_probe),
		T(override_write_enodev),
		T(vfio_pci_built_in),
		cmocka_unit_test(vfio_module_missing),
		T(module_load_fails),
		T(garbage_config),
		T(bad_section_skipped_rest_applies),
		T(config_writable_by_others),
		T(config_not_owned_by_root),
		T(config_fifo_in_confd),
		T(rescue_switch),
		T(cmdline_claim),
		T(dry_run_writes_nothing),
		T(already_on_vfio_is_left_alone),
		T(wait_for_absent_device),
		T(many_log_lines_all_arrive),
		T(usage_error_exits_2),
		T(group_member_uevent_malformed),
		T(boot_vga_unreadable),
		T(dangling_driver_link),
		T(records_dir_links_not_followed),
		T(planted_temporaries_not_followed),
		T(run_full_no_stale_status),
		T(kmsg_fifo_does_not_hang),
		T(stale_records_all_cleared),
		T(root_never_loads_modules),
		T(root_uses_vfio_already_there),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
