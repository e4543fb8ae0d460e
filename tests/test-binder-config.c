// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the binder is told: its config (garbage, skipped sections, files it must not trust),
 * the kernel command line's switches, and its own usage.
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
#include "binder-test.h"

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

/* [usb] sections are the guest runner's: the binder takes them without a word and claims nothing. */
static void usb_sections_ignored(void **state)
{
	struct fx *fx = *state;

	fx_usb_dev(fx, "1-2", "0000:00:04.0", 1, 5, 0x046d, 0xc52b, "S1");
	conf(fx,
	     "[usb kb]\nid = 046d:c52b\nserial = S1\n\n[usb any-port]\nport = 1-2\ncount = any\n"
	     "\n[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n"
	     "\n[guest vm]\ndevices = guest-gpu\nusb = kb any-port\n");
	run(fx, NULL);
	assert_driver(fx, GPU1, "vfio-pci");
	/* Not a word of them: no error, no warning, no section of theirs. */
	assert_int_equal(kmsg_has(fx, "<3>"), 0);
	assert_int_equal(kmsg_has(fx, "<4>"), 0);
	assert_int_equal(kmsg_has(fx, "usb"), 0);
	assert_false(fx_exists(fx, "run/vfio-boot/sections/kb"));
	assert_false(fx_exists(fx, "run/vfio-boot/sections/any-port"));
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", "usb"), 0);
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
		T(garbage_config),
		T(bad_section_skipped_rest_applies),
		T(usb_sections_ignored),
		T(config_writable_by_others),
		T(config_not_owned_by_root),
		T(config_fifo_in_confd),
		T(rescue_switch),
		T(cmdline_claim),
		T(usage_error_exits_2),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
