// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot check on fake trees: the IOMMU lines with and without IOMMU groups and ACPI
 * tables, leftover vfio-pci.ids, and initramfs images built by mkinitramfs and dracut
 * (tests/cli/mkimages.sh, cached under build/cli-images) with and without the binder, and
 * checked against the config they carry and against another one (stale).
 */
#include <errno.h>
#include <limits.h>
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

#include "fixture.h"

#define CONFIG_A "tests/cli/confA/vfio-boot.conf"

static const char *cli(void)
{
	const char *c = getenv("TEST_CLI");
	return c ? c : "build/test/cli/vfio-boot";
}

struct out {
	int status;
	char *out;
};

static struct out run(struct fx *fx, const char *arg)
{
	const char *argv[] = {cli(), "check", "--root", fx_root(fx), arg, NULL};
	struct out o;

	o.status = fx_run(fx, argv);
	o.out = fx_read(fx, ".mock/stdout");
	if (!o.out)
		o.out = strdup("");
	return o;
}

static void expect_line(const struct out *o, const char *text)
{
	if (!strstr(o->out, text))
		fail_msg("check output lacks \"%s\":\n%s", text, o->out);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	assert_non_null(f);
	m = open_memstream(&buf, &len);
	for (int c; (c = fgetc(f)) != EOF;)
		fputc(c, m);
	fclose(m);
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	struct fx *fx = fx_new();

	fx_q35_two_gpus(fx);
	fx_write(fx, "proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vme vmx sse\n", 0644);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

/* The q35 stand-in with intel-iommu: groups and a DMAR table. */
static void test_iommu_on(void **state)
{
	struct fx *fx = *state;
	struct out o;

	fx_write(fx, "sys/firmware/acpi/tables/DMAR", "DMAR", 0400);
	fx_write(fx, "sys/class/iommu/dmar0/intel-iommu/ecap", "f0205e", 0444);
	o = run(fx, NULL);
	expect_line(&o, "PASS CPU virtualisation: Intel VT-x (vmx)");
	expect_line(&o, "PASS IOMMU: ACPI DMAR (Intel VT-d), 1 unit, 6 groups");
	expect_line(&o, "PASS interrupt remapping: supported by all 1 VT-d units");
	free(o.out);
}

/* What the kernel did, from its interrupt chips' names, wins over what the units could do. */
static void test_intremap_running(void **state)
{
	struct fx *fx = *state;
	struct out o;
	char *dmar;

	fx_write(fx, "sys/firmware/acpi/tables/DMAR", "DMAR", 0400);
	fx_write(fx, "sys/class/iommu/dmar0/intel-iommu/ecap", "f0205e", 0444);
	fx_write(fx, "proc/interrupts",
		 "           CPU0\n  0:   36   IR-IO-APIC    2-edge      timer\n"
		 " 24:    0   IR-PCI-MSIX-0000:00:02.0    0-edge      aerdrv\n",
		 0444);
	o = run(fx, NULL);
	expect_line(&o,
		    "PASS interrupt remapping: on (remapped IR- interrupts in /proc/interrupts)");
	free(o.out);

	/* The units could, but the kernel did not (x2apic off in the firmware, say). */
	fx_write(fx, "proc/interrupts",
		 "           CPU0\n  0:   36   IO-APIC    2-edge      timer\n"
		 " 24:    0   PCI-MSIX-0000:00:02.0    0-edge      aerdrv\n",
		 0444);
	o = run(fx, NULL);
	assert_int_equal(o.status, 2);
	expect_line(&o,
		    "FAIL interrupt remapping: off (no IR- interrupt chip in /proc/interrupts): "
		    "vfio_iommu_type1 refuses to use the IOMMU without it\n"
		    "     fix: enable VT-d interrupt remapping in the firmware settings");
	free(o.out);

	/* An AMD host: the same evidence, the AMD fix. */
	dmar = fx_path(fx, "sys/firmware/acpi/tables/DMAR");
	assert_int_equal(unlink(dmar), 0);
	free(dmar);
	fx_write(fx, "sys/firmware/acpi/tables/IVRS", "IVRS", 0400);
	o = run(fx, NULL);
	expect_line(&o,
		    "     fix: enable interrupt remapping in the firmware settings, and do not set "
		    "amd_iommu_intr=legacy");
	free(o.out);

	fx_cmdline(fx, "root=/dev/vda nointremap");
	o = run(fx, NULL);
	expect_line(&o, "FAIL interrupt remapping: turned off on the kernel command line");
	free(o.out);
}

/*
 * Groups but neither a DMAR nor an IVRS table (virtio-iommu, an SMMU): no table names a
 * vendor, so none is named; with or without interrupts to tell by, the answer is "cannot
 * tell", never AMD-Vi's rule.
 */
static void test_intremap_no_acpi_table(void **state)
{
	struct fx *fx = *state;
	struct out o;

	fx_write(fx, "sys/class/iommu/virtio-iommu0/.keep", "", 0444);
	o = run(fx, NULL);
	expect_line(&o, "PASS IOMMU: no ACPI table, 1 unit, 6 groups");
	expect_line(&o, "WARN interrupt remapping: cannot tell: IOMMU groups exist but no ACPI "
			"DMAR or IVRS table");
	if (strstr(o.out, "AMD") || strstr(o.out, "VT-d"))
		fail_msg("a vendor is named that no table shows:\n%s", o.out);
	free(o.out);

	fx_write(fx, "proc/interrupts",
		 "           CPU0\n  0:   36   IO-APIC    2-edge      timer\n"
		 " 24:    0   PCI-MSIX-0000:00:02.0    0-edge      aerdrv\n",
		 0444);
	o = run(fx, NULL);
	expect_line(&o, "WARN interrupt remapping: cannot tell");
	if (strstr(o.out, "AMD") || strstr(o.out, "VT-d"))
		fail_msg("a vendor is named that no table shows:\n%s", o.out);
	free(o.out);
}

/* This machine: no table, no groups. */
static void test_iommu_off(void **state)
{
	struct fx *fx = *state;
	char *p = fx_path(fx, "sys/kernel/iommu_groups");
	char cmd[600];
	struct out o;

	snprintf(cmd, sizeof(cmd), "rm -rf %s/*", p);
	assert_int_equal(system(cmd), 0);
	free(p);
	fx_write(fx, "proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vme sse\n", 0644);
	o = run(fx, NULL);
	assert_int_equal(o.status, 2);
	expect_line(&o, "FAIL CPU virtualisation: no vmx or svm flag");
	expect_line(&o,
		    "FAIL IOMMU: no ACPI DMAR or IVRS table, no IOMMU groups\n"
		    "     fix: enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware settings");
	free(o.out);
	/* A DMAR table but no groups: the kernel command line is the fix. */
	fx_write(fx, "sys/firmware/acpi/tables/DMAR", "DMAR", 0400);
	o = run(fx, "--json");
	assert_int_equal(o.status, 2);
	expect_line(
		&o,
		"\"fix\": \"add intel_iommu=on iommu=pt to the kernel command line and reboot\"");
	free(o.out);
}

static void test_leftover_ids(void **state)
{
	struct fx *fx = *state;
	struct out o;

	fx_write(fx, "etc/vfio-boot/vfio-boot.conf",
		 "[device gpu]\nmatch = id=1234:1111 boot_vga=0\n", 0644);
	fx_cmdline(fx, "root=/dev/vda vfio-pci.ids=1234:1111,8086:293e quiet");
	fx_write(fx, "etc/modprobe.d/vfio.conf", "# old\noptions vfio-pci ids=1b36:000d\n", 0644);
	o = run(fx, NULL);
	expect_line(
		&o,
		"FAIL kernel command line: vfio-pci ids=1234:1111,8086:293e also takes 0000:01:00.0, which no [device] section claims");
	expect_line(
		&o,
		"FAIL /etc/modprobe.d/vfio.conf:2: vfio-pci ids=1b36:000d also takes 0000:00:04.0");
	free(o.out);
}

/* FIFOs where check expects files: it reads none of them, says so, and ends by itself. */
static void test_fifos_do_not_block(void **state)
{
	struct fx *fx = *state;
	char *conf = fx_path(fx, "etc/modprobe.d/vfio.conf"),
	     *boot = fx_path(fx, "boot/initrd.img-6.1.0-test");
	const char *argv[] = {"/usr/bin/timeout", "-s",	       "KILL", "30", cli(), "check",
			      "--root",		  fx_root(fx), NULL};
	struct out o;

	fx_write(fx, "etc/vfio-boot/vfio-boot.conf",
		 "[device gpu]\nmatch = id=1234:1111 boot_vga=0\n", 0644);
	fx_write(fx, "etc/modprobe.d/.keep", "", 0644);
	fx_write(fx, "boot/.keep", "", 0644);
	assert_int_equal(mkfifo(conf, 0644), 0);
	assert_int_equal(mkfifo(boot, 0644), 0);
	o.status = fx_run(fx, argv);
	o.out = fx_read(fx, ".mock/stdout");
	assert_non_null(o.out);
	assert_int_not_equal(o.status, 137);
	expect_line(&o, "initramfs /boot/initrd.img-6.1.0-test: not a regular file: not read");
	free(o.out);
	free(conf);
	free(boot);
}

/* Each image against config A (what it carries) and config B (stale). */
static void test_images(void **state)
{
	struct fx *fx = *state;
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	char cmd[512], *list, *save = NULL;
	unsigned n = 0;

	snprintf(cmd, sizeof(cmd), "tests/cli/mkimages.sh %s/cli-images >%s/cli-images.list", build,
		 build);
	if (system(cmd) != 0)
		fail_msg("tests/cli/mkimages.sh failed: see %s/cli-images/*/*.log", build);
	snprintf(cmd, sizeof(cmd), "%s/cli-images.list", build);
	list = slurp(cmd);
	fx_write(fx, "boot/.keep", "", 0644);
	for (char *l = strtok_r(list, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char name[64], path[400], abs[PATH_MAX], *boot, *conf;
		bool nobinder;
		struct out o;

		assert_int_equal(sscanf(l, "%63s %399s", name, path), 2);
		assert_non_null(realpath(path, abs));
		nobinder = strstr(name, "nobinder") != NULL;
		boot = fx_path(fx, "boot/initrd.img-6.1.0-test");
		unlink(boot);
		assert_int_equal(symlink(abs, boot), 0);
		free(boot);
		conf = slurp(CONFIG_A);
		fx_write(fx, "etc/vfio-boot/vfio-boot.conf", conf, 0644);
		o = run(fx, NULL);
		if (nobinder)
			expect_line(&o, "FAIL initramfs /boot/initrd.img-6.1.0-test: no binder");
		else
			expect_line(
				&o,
				"PASS initramfs /boot/initrd.img-6.1.0-test: binder and the current config (1 file)");
		free(o.out);
		/* Config B: one more section. */
		fx_write(fx, "etc/vfio-boot/vfio-boot.conf", "[device usb]\nmatch = id=1b36:000d\n",
			 0644);
		o = run(fx, NULL);
		assert_int_equal(o.status, 2);
		if (nobinder)
			expect_line(&o, "FAIL initramfs /boot/initrd.img-6.1.0-test: no binder");
		else
			expect_line(
				&o,
				"FAIL initramfs /boot/initrd.img-6.1.0-test: /etc/vfio-boot/vfio-boot.conf differs from the one in /etc: stale config");
		free(o.out);
		free(conf);
		n++;
	}
	free(list);
	assert_int_equal(n, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_iommu_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iommu_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intremap_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intremap_no_acpi_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leftover_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifos_do_not_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_images, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
