// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot claim and release on the q35 stand-in (tests/mock/fixture.h) under the kernel
 * double: the claim of a section and of an address, the guards, the roll-back of a claim that
 * fails half-way, dry runs, the release and its refusal while a process holds the group file,
 * and the records both leave in ROOT/run/vfio-boot.
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

#include "cli-test.h"
#include "fixture.h"

#define GPU   "0000:02:00.0"
#define AUDIO "0000:02:00.1"

static const char gpu_config[] = "[device gpu]\n"
				 "match = id=1234:1111 boot_vga=0\n"
				 "\n"
				 "[device boot]\n"
				 "match = id=1234:1111 boot_vga=1\n";

/* The q35 stand-in with vfio-pci registered, as after the binder loaded it. */
static int setup(void **state)
{
	struct fx *fx = fx_new();

	fx_q35_two_gpus(fx);
	fx_module(fx, "vfio_iommu_type1", FX_LOADED);
	fx_driver(fx, "vfio-pci", "vfio_pci");
	config(fx, gpu_config);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

static void expect_driver(struct fx *fx, const char *addr, const char *want)
{
	char *drv = fx_driver_of(fx, addr);

	if (!drv || strcmp(drv, want) != 0)
		fail_msg("%s is on %s, expected %s", addr, drv ? drv : "no driver", want);
	free(drv);
}

/* The record ROOT/run/vfio-boot/KIND/NAME has the line key=value. */
static void expect_record(struct fx *fx, const char *kind, const char *name, const char *line)
{
	char rel[256], want[512];
	char *text;

	snprintf(rel, sizeof(rel), "run/vfio-boot/%s/%s", kind, name);
	text = fx_read(fx, rel);
	if (!text)
		fail_msg("no record %s", rel);
	snprintf(want, sizeof(want), "\n%s\n", line);
	/* The first line has no newline before it: compare with one put there. */
	char *nl = malloc(strlen(text) + 2);
	assert_non_null(nl);
	sprintf(nl, "\n%s", text);
	if (!strstr(nl, want))
		fail_msg("record %s lacks \"%s\":\n%s", rel, line, text);
	free(nl);
	free(text);
}

static void expect_in(const char *what, const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("%s lacks \"%s\":\n%s", what, want, text);
}

/* time= is RFC 3339 in UTC: 2026-01-02T03:04:05Z. */
static void expect_time(struct fx *fx, const char *kind, const char *name)
{
	char rel[256];
	char *text, *t;
	unsigned y, mo, d, h, mi, s;
	char z = 0;

	snprintf(rel, sizeof(rel), "run/vfio-boot/%s/%s", kind, name);
	text = fx_read(fx, rel);
	assert_non_null(text);
	t = strstr(text, "\ntime=");
	if (!t ||
	    sscanf(t, "\ntime=%4u-%2u-%2uT%2u:%2u:%2u%c", &y, &mo, &d, &h, &mi, &s, &z) != 7 ||
	    z != 'Z' || y < 2000 || mo < 1 || mo > 12)
		fail_msg("record %s has no RFC 3339 time=:\n%s", rel, text);
	free(text);
}

static void test_claim_section(void **state)
{
	struct fx *fx = *state;
	struct out o = run(fx, "claim", "gpu", NULL);

	expect_status(&o, 0);
	expect_driver(fx, GPU, "vfio-pci");
	expect_driver(fx, AUDIO, "vfio-pci");
	/* The other card, the boot display, is untouched. */
	expect_driver(fx, "0000:01:00.0", "bochs-drm");
	expect_record(fx, "sections", "gpu", "status=claimed");
	expect_record(fx, "devices", GPU, "outcome=claimed");
	expect_record(fx, "devices", GPU, "driver_before=bochs-drm");
	/* A claim never writes the boot's run status. */
	assert_false(fx_exists(fx, "run/vfio-boot/status"));
	out_free(&o);
	/* Again: harmless, the devices are already there. */
	o = run(fx, "claim", "gpu", NULL);
	expect_status(&o, 0);
	expect_record(fx, "devices", GPU, "outcome=already");
	out_free(&o);
}

/* The boot display is guarded: the plan refuses, nothing is written. */
static void test_claim_guarded(void **state)
{
	struct fx *fx = *state;
	struct out o = run(fx, "claim", "boot", NULL);

	expect_status(&o, 2);
	expect_in("stderr", o.err, "[device boot] refused (guarded)");
	expect_driver(fx, "0000:01:00.0", "bochs-drm");
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", NULL), 0);
	out_free(&o);
}

static void test_claim_unknown_section(void **state)
{
	struct fx *fx = *state;
	struct out o = run(fx, "claim", "nosuch", NULL);

	expect_status(&o, 2);
	expect_in("stderr", o.err, "no [device nosuch] section");
	out_free(&o);
	o = run(fx, "claim", NULL);
	expect_status(&o, 1);
	out_free(&o);
}

/* An address is a one-device section with the defaults' caution, as vfio_boot.claim=. */
static void test_claim_address(void **state)
{
	struct fx *fx = *state;
	struct out o;

	/* Its group holds 02:00.1 too, which no section claims: refused. */
	config(fx, "");
	o = run(fx, "claim", "02:00.0", NULL);
	expect_status(&o, 2);
	expect_driver(fx, GPU, "bochs-drm");
	out_free(&o);
	/* The USB controller is alone in its group. */
	o = run(fx, "claim", "0000:00:04.0", NULL);
	expect_status(&o, 0);
	expect_driver(fx, "0000:00:04.0", "vfio-pci");
	expect_record(fx, "sections", "vfio_boot.claim=0000:00:04.0", "status=claimed");
	out_free(&o);
}

/* The second device fails: the first, moved by this claim, goes back to its driver. */
static void test_claim_rolls_back(void **state)
{
	struct fx *fx = *state;
	struct out o;

	fx_inject(fx, "unbind " AUDIO " EBUSY");
	o = run(fx, "claim", "gpu", NULL);
	expect_status(&o, 2);
	expect_driver(fx, GPU, "bochs-drm");
	expect_driver(fx, AUDIO, "snd_hda_intel");
	expect_record(fx, "devices", GPU, "outcome=released");
	expect_record(fx, "devices", GPU, "driver=bochs-drm");
	expect_record(fx, "devices", GPU, "by=cli-claim");
	expect_record(fx, "devices", AUDIO, "outcome=failed");
	expect_record(fx, "sections", "gpu", "status=failed");
	expect_time(fx, "sections", "gpu");
	expect_in("stderr", o.err, "the claim failed at " AUDIO);
	expect_in("stderr", o.err, "given back to bochs-drm");
	out_free(&o);
}

static void test_claim_dry_run(void **state)
{
	struct fx *fx = *state;
	struct out o = run(fx, "claim", "gpu", "--dry-run", NULL);

	expect_status(&o, 0);
	expect_in("stdout", o.out,
		  "write \"vfio-pci\" to /sys/bus/pci/devices/" GPU "/driver_override");
	expect_in("stdout", o.out, "write \"" GPU "\" to /sys/bus/pci/drivers/bochs-drm/unbind");
	expect_in("stdout", o.out, "write \"" AUDIO "\" to /sys/bus/pci/drivers_probe");
	expect_driver(fx, GPU, "bochs-drm");
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", NULL), 0);
	assert_false(fx_exists(fx, "run/vfio-boot/sections/gpu"));
	out_free(&o);
}

/* No vfio-pci: a dry run says it would load it (modprobe); a claim refuses and writes nothing. */
static void test_claim_without_vfio(void **state)
{
	struct fx *fx = fx_new();
	struct out o;

	(void)state;
	fx_q35_two_gpus(fx);
	config(fx, gpu_config);
	o = run(fx, "claim", "gpu", "--dry-run", NULL);
	expect_status(&o, 0);
	expect_in("stdout", o.out, "would run: modprobe -a vfio_iommu_type1 vfio_pci");
	out_free(&o);
	o = run(fx, "claim", "gpu", NULL);
	expect_status(&o, 2);
	expect_in("stderr", o.err, "vfio-pci is not available: claiming nothing");
	expect_driver(fx, GPU, "bochs-drm");
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", NULL), 0);
	assert_false(fx_exists(fx, "run/vfio-boot/sections/gpu"));
	out_free(&o);
	fx_free(fx);
}

static void test_release_section(void **state)
{
	struct fx *fx = *state;
	struct out o = run(fx, "claim", "gpu", NULL);

	expect_status(&o, 0);
	out_free(&o);
	o = run(fx, "release", "gpu", "--dry-run", NULL);
	expect_status(&o, 0);
	expect_in("stdout", o.out, "write \"" GPU "\" to /sys/bus/pci/drivers/vfio-pci/unbind");
	expect_driver(fx, GPU, "vfio-pci");
	out_free(&o);
	o = run(fx, "release", "gpu", NULL);
	expect_status(&o, 0);
	expect_in("stdout", o.out, GPU ": given back, now on bochs-drm");
	expect_in("stdout", o.out, AUDIO ": given back, now on snd_hda_intel");
	expect_driver(fx, GPU, "bochs-drm");
	expect_driver(fx, AUDIO, "snd_hda_intel");
	expect_record(fx, "devices", GPU, "outcome=released");
	expect_record(fx, "devices", GPU, "driver=bochs-drm");
	expect_record(fx, "devices", GPU, "by=cli-release");
	expect_record(fx, "sections", "gpu", "status=released");
	expect_record(fx, "sections", "gpu", "by=cli-release");
	expect_time(fx, "devices", GPU);
	/* No module is ever unloaded. */
	assert_int_equal(fx_count_lines_matching(fx, ".mock/unloads.log", NULL), 0);
	out_free(&o);
	/* And it comes back. */
	o = run(fx, "claim", "gpu", NULL);
	expect_status(&o, 0);
	expect_driver(fx, GPU, "vfio-pci");
	out_free(&o);
}

/* A process holds /dev/vfio/2: refused, naming it; nothing is written. */
static void test_release_held(void **state)
{
	struct fx *fx = *state;
	struct out o = run(fx, "claim", "gpu", NULL);
	char *fd;
	int writes;

	expect_status(&o, 0);
	out_free(&o);
	fx_write(fx, "proc/4242/comm", "qemu-system-x86\n", 0644);
	fx_write(fx, "proc/4242/fd/0", "", 0644);
	assert_int_equal(unlink(fd = fx_path(fx, "proc/4242/fd/0")), 0);
	assert_int_equal(symlink("/dev/null", fd), 0);
	free(fd);
	fd = fx_path(fx, "proc/4242/fd/7");
	assert_int_equal(symlink("/dev/vfio/2", fd), 0);
	free(fd);
	writes = fx_count_lines_matching(fx, ".mock/writes.log", NULL);
	o = run(fx, "release", "gpu", NULL);
	expect_status(&o, 2);
	expect_in("stderr", o.err, "PID 4242 (qemu-system-x86) holds /dev/vfio/2");
	expect_driver(fx, GPU, "vfio-pci");
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", NULL), writes);
	out_free(&o);
	/* By address too. */
	o = run(fx, "release", AUDIO, NULL);
	expect_status(&o, 2);
	expect_in("stderr", o.err, "PID 4242 (qemu-system-x86)");
	out_free(&o);
}

/* With iommufd, a process holds the device's own file, /dev/vfio/devices/vfioN: refused too. */
static void test_release_held_cdev(void **state)
{
	struct fx *fx = *state;
	struct out o = run(fx, "claim", "gpu", NULL);
	char *fd;

	expect_status(&o, 0);
	out_free(&o);
	fx_write(fx, "sys/bus/pci/devices/" GPU "/vfio-dev/vfio3/dev", "511:3\n", 0644);
	fx_write(fx, "proc/77/comm", "sh\n", 0644);
	fx_write(fx, "proc/77/fd/.keep", "", 0644);
	fd = fx_path(fx, "proc/77/fd/3");
	assert_int_equal(symlink("/dev/vfio/devices/vfio3", fd), 0);
	free(fd);
	o = run(fx, "release", GPU, NULL);
	expect_status(&o, 2);
	expect_in("stderr", o.err, "PID 77 (sh) holds /dev/vfio/devices/vfio3");
	expect_driver(fx, GPU, "vfio-pci");
	out_free(&o);
}

/* One device by its address: its record says so; the section is released once all are. */
static void test_release_address(void **state)
{
	struct fx *fx = *state;
	struct out o = run(fx, "claim", "gpu", NULL);

	expect_status(&o, 0);
	out_free(&o);
	o = run(fx, "release", AUDIO, NULL);
	expect_status(&o, 0);
	expect_driver(fx, AUDIO, "snd_hda_intel");
	expect_driver(fx, GPU, "vfio-pci");
	expect_record(fx, "devices", AUDIO, "outcome=released");
	expect_record(fx, "devices", AUDIO, "section=gpu");
	expect_record(fx, "sections", "gpu", "status=claimed");
	out_free(&o);
	o = run(fx, "release", GPU, NULL);
	expect_status(&o, 0);
	expect_record(fx, "sections", "gpu", "status=released");
	out_free(&o);
	/* Not on vfio-pci: nothing to give back, and that is no error. */
	o = run(fx, "release", GPU, NULL);
	expect_status(&o, 0);
	expect_in("stdout", o.out, "not on vfio-pci (driver: bochs-drm)");
	out_free(&o);
}

/* No record (the binder's run left none): the plan's devices, and the section is recorded. */
static void test_release_without_records(void **state)
{
	struct fx *fx = *state;
	struct out o;

	fx_override(fx, GPU, "vfio-pci");
	fx_override(fx, AUDIO, "vfio-pci");
	rebind(fx, GPU, "vfio-pci");
	rebind(fx, AUDIO, "vfio-pci");
	o = run(fx, "release", "gpu", NULL);
	expect_status(&o, 0);
	expect_driver(fx, GPU, "bochs-drm");
	expect_driver(fx, AUDIO, "snd_hda_intel");
	expect_record(fx, "sections", "gpu", "status=released");
	expect_record(fx, "sections", "gpu", "devices=" GPU " " AUDIO);
	out_free(&o);
}

/* Without a config (removed since), the records alone say what to give back. */
static void test_release_by_records_alone(void **state)
{
	struct fx *fx = *state;
	struct out o = run(fx, "claim", "gpu", NULL);
	char *conf;

	expect_status(&o, 0);
	out_free(&o);
	conf = fx_path(fx, "etc/vfio-boot/vfio-boot.conf");
	assert_int_equal(unlink(conf), 0);
	free(conf);
	o = run(fx, "release", "gpu", NULL);
	expect_status(&o, 0);
	expect_driver(fx, GPU, "bochs-drm");
	expect_record(fx, "sections", "gpu", "status=released");
	out_free(&o);
	o = run(fx, "release", "nosuch", NULL);
	expect_status(&o, 2);
	expect_in("stderr", o.err, "no [device nosuch] section in the config and no record of it");
	out_free(&o);
}

/* The probe after the release binds nothing: allowed, and said. */
static void test_release_no_driver(void **state)
{
	struct fx *fx = *state;
	struct out o = run(fx, "claim", "0000:00:04.0", NULL);

	expect_status(&o, 0);
	out_free(&o);
	fx_inject(fx, "bind 0000:00:04.0 nosuchdriver");
	o = run(fx, "release", "0000:00:04.0", NULL);
	expect_status(&o, 0);
	expect_in("stdout", o.out, "no driver took it");
	expect_record(fx, "devices", "0000:00:04.0", "driver=none");
	out_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_claim_section, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_guarded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_unknown_section, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_without_vfio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_section, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_held_cdev, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_no_driver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_without_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_by_records_alone, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
