// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot export kubevirt and sriov-dp on fake trees (tests/mock/fixture.h) with identical
 * devices, the case these engines cannot tell apart by IDs: two identical GPUs in two sections,
 * two identical NVMe drives of which one is claimed and one the host's, a section of two
 * identical NICs, a device with a serial number, a section name the engines must map. Each
 * output (stdout, then stderr, then the exit status) is compared with a golden file in
 * tests/cli/golden/export-*.txt (VFIO_BOOT_UPDATE_GOLDEN=1 rewrites them) and goes through
 * tests/export/check.py, the engine's own rules. Then the command's own cases.
 */
#include <errno.h>
#include <fcntl.h>
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
#include "fixture.h"

#define CFG_LEN 4096

/* Runs export ENGINE ARGS; the golden holds stdout, stderr and the exit status. */
static struct out export_golden(struct fx *fx, const char *engine, const char *golden)
{
	struct out o = run(fx, "export", engine, NULL);
	char *text = NULL;

	assert_true(asprintf(&text, "%s--- stderr\n%sexit %d\n", o.out, o.err, o.status) > 0);
	expect_golden(golden, text);
	free(text);
	expect_engine_ok(fx, engine, o.out);
	return o;
}

/* The device's config space, 4096 bytes, with a Device Serial Number capability at 0x100. */
static void give_serial(struct fx *fx, const char *addr, uint32_t high, uint32_t low)
{
	uint8_t cfg[CFG_LEN] = {0};
	char rel[128];
	char *path;
	int fd;

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/config", addr);
	path = fx_path(fx, rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, cfg, 256), 256);
	close(fd);
	free(path);
	/* ID 0x0003, version 1, no next; the number's low dword first. */
	cfg[0x100] = 0x03;
	cfg[0x102] = 0x01;
	memcpy(cfg + 0x104, &low, 4);
	memcpy(cfg + 0x108, &high, 4);
	fx_write_bin(fx, rel, cfg, sizeof(cfg), 0644);
}

/* d on a root port of its own, in IOMMU group group, on its host driver or on vfio-pci. */
static void lone(struct fx *fx, const char *port, const char *addr, int group, struct fx_dev d,
		 bool claimed)
{
	fx_port(fx, port, NULL, group);
	d.parent = port;
	d.group = group;
	d.bound = true;
	fx_device(fx, addr, &d);
	if (claimed)
		rebind(fx, addr, "vfio-pci");
}

static void nvme(struct fx *fx, const char *port, const char *addr, int group, bool claimed)
{
	lone(fx, port, addr, group,
	     (struct fx_dev){.vendor = 0x144d,
			     .device = 0xa808,
			     .sub_vendor = 0x144d,
			     .sub_device = 0xa801,
			     .class = 0x010802,
			     .host_driver = "nvme"},
	     claimed);
}

/*
 * q35's two identical GPUs (with their audio functions) in two sections (the first is the boot
 * display, allowed), its two identical
 * NICs in one, two identical NVMe drives of which only one is claimed and has a serial number,
 * in a section whose name has a dot.
 */
static void identical_tree(struct fx *fx)
{
	static const char *const claimed[] = {"0000:01:00.0", "0000:01:00.1", "0000:02:00.0",
					      "0000:02:00.1", "0000:03:01.0", "0000:03:02.0"};

	fx_driver(fx, "vfio-pci", NULL);
	fx_driver(fx, "nvme", "nvme");
	for (size_t i = 0; i < sizeof(claimed) / sizeof(claimed[0]); i++)
		rebind(fx, claimed[i], "vfio-pci");
	nvme(fx, "0000:00:05.0", "0000:05:00.0", 6, true);
	nvme(fx, "0000:00:06.0", "0000:06:00.0", 7, false);
	give_serial(fx, "0000:05:00.0", 0x00253855, 0x01a2b3c4);
	config(fx, "[device gpu-a]\n"
		   "match = address=0000:01:00.0\n"
		   "allow = boot-display\n"
		   "\n"
		   "[device gpu-b]\n"
		   "match = address=0000:02:00.0\n"
		   "\n"
		   "[device nics]\n"
		   "match = id=8086:100e\n"
		   "count = 2\n"
		   "\n"
		   "[device nvme.fast]\n"
		   "match = address=0000:05:00.0\n"
		   "allow = storage\n");
}

static void test_kubevirt_identical(void **state)
{
	struct fx *fx = *state;
	struct out o;

	identical_tree(fx);
	o = export_golden(fx, "kubevirt", "export-kubevirt-identical.txt");
	/* The GPUs, both on vfio-pci, have each other's IDs: KubeVirt must serve neither. */
	expect_status(&o, 2);
	expect_out(&o, "resourceName: \"vfio-boot.local/gpu-a\"\n"
		       "          externalResourceProvider: true\n");
	expect_out(&o, "resourceName: \"vfio-boot.local/gpu-b\"\n"
		       "          externalResourceProvider: true\n");
	/* The NVMe drive's twin is the host's (nvme): KubeVirt takes no such device. */
	expect_out(&o, "resourceName: \"vfio-boot.local/nvme-fast\"\n");
	expect_no_out(&o, "resourceName: \"vfio-boot.local/nvme-fast\"\n"
			  "          externalResourceProvider: true\n");
	assert_non_null(strstr(o.err, "0000:06:00.0 144d:a808 on nvme"));
	/* The NICs' IDs are theirs alone: KubeVirt serves them. */
	expect_out(&o, "resourceName: \"vfio-boot.local/nics\"\n        #");
	expect_out(&o, "serial 00-25-38-55-01-a2-b3-c4");
	/* pciHostDevices is an atomic list: a merge patch drops the entries the CR had. */
	expect_out(&o, "replaces the CR's whole\n# pciHostDevices list");
	out_free(&o);
}

/*
 * A section of one GPU (with its audio function) and one of one NIC, each device in an IOMMU
 * group of its own, whose twins (the same vendor:device) are claimed by no section: the q35's
 * other GPU and a second NIC, on their host drivers or, with twins_on_vfio, on vfio-pci.
 */
static void twin_tree(struct fx *fx, bool twins_on_vfio)
{
	const struct fx_dev igb = {.vendor = 0x8086,
				   .device = 0x1533,
				   .sub_vendor = 0x15d9,
				   .sub_device = 0x1533,
				   .class = 0x020000,
				   .host_driver = "igb"};

	fx_driver(fx, "vfio-pci", NULL);
	fx_driver(fx, "igb", "igb");
	rebind(fx, "0000:02:00.0", "vfio-pci");
	rebind(fx, "0000:02:00.1", "vfio-pci");
	if (twins_on_vfio) {
		rebind(fx, "0000:01:00.0", "vfio-pci");
		rebind(fx, "0000:01:00.1", "vfio-pci");
	}
	lone(fx, "0000:00:05.0", "0000:05:00.0", 6, igb, true);
	lone(fx, "0000:00:06.0", "0000:06:00.0", 7, igb, twins_on_vfio);
	config(fx, "[device gpu]\n"
		   "match = address=0000:02:00.0\n"
		   "\n"
		   "[device nic]\n"
		   "match = address=0000:05:00.0\n");
}

/* The line of stderr that warns of [device name]. */
static char *warning(const struct out *o, const char *name)
{
	char *lead = NULL, *line;
	const char *s;

	assert_true(asprintf(&lead, "[device %s]: ", name) > 0);
	s = strstr(o->err, lead);
	if (!s)
		fail_msg("no warning for [device %s]:\n%s", name, o->err);
	line = strndup(s, strcspn(s, "\n"));
	assert_non_null(line);
	free(lead);
	return line;
}

/*
 * Twins on their host drivers: KubeVirt takes only vfio-pci devices, so it serves the sections
 * itself (the identical boot card's case), and a warning names the twins it would take too
 * were they on vfio-pci when virt-handler starts.
 */
static void test_kubevirt_host_twin(void **state)
{
	struct fx *fx = *state;
	char *gpu, *nic;
	struct out o;

	twin_tree(fx, false);
	o = export_golden(fx, "kubevirt", "export-kubevirt-host-twin.txt");
	expect_status(&o, 0);
	expect_no_out(&o, "          externalResourceProvider: true\n");
	expect_out(&o, "resourceName: \"vfio-boot.local/gpu\"\n");
	expect_out(&o, "resourceName: \"vfio-boot.local/nic\"\n");
	gpu = warning(&o, "gpu");
	nic = warning(&o, "nic");
	assert_non_null(strstr(gpu, "0000:01:00.0 1234:1111 on bochs-drm"));
	assert_non_null(strstr(gpu, "0000:01:00.1 8086:293e on snd_hda_intel"));
	assert_non_null(strstr(nic, "0000:06:00.0 8086:1533 on igb"));
	free(gpu);
	free(nic);
	out_free(&o);
}

/*
 * Twins on vfio-pci: KubeVirt would hand out either device for the resource. The entries are
 * external, so that KubeVirt serves neither, the warning says what can provide them (the
 * network one also through SR-IOV interfaces), and the exit status says the cluster or the
 * config must change first.
 */
static void test_kubevirt_vfio_twin(void **state)
{
	struct fx *fx = *state;
	char *gpu, *nic;
	struct out o;

	twin_tree(fx, true);
	o = export_golden(fx, "kubevirt", "export-kubevirt-vfio-twin.txt");
	expect_status(&o, 2);
	expect_out(&o, "resourceName: \"vfio-boot.local/gpu\"\n"
		       "          externalResourceProvider: true\n");
	expect_out(&o, "resourceName: \"vfio-boot.local/nic\"\n"
		       "          externalResourceProvider: true\n");
	gpu = warning(&o, "gpu");
	nic = warning(&o, "nic");
	assert_non_null(strstr(gpu, "0000:01:00.0 1234:1111 on vfio-pci"));
	assert_non_null(strstr(gpu, "PCI_RESOURCE_VFIO-BOOT_LOCAL_GPU"));
	/* The GPU is no network controller: SR-IOV interfaces are not for it. */
	assert_null(strstr(gpu, "sriov-dp"));
	assert_non_null(strstr(nic, "0000:06:00.0 8086:1533 on vfio-pci"));
	assert_non_null(strstr(nic, "export sriov-dp"));
	free(gpu);
	free(nic);
	out_free(&o);
}

static void test_sriov_dp_identical(void **state)
{
	struct fx *fx = *state;
	struct out o;

	identical_tree(fx);
	o = export_golden(fx, "sriov-dp", "export-sriov-dp-identical.txt");
	expect_status(&o, 0);
	expect_out(&o, "\"serial\": \"00-25-38-55-01-a2-b3-c4\"");
	expect_out(&o, "\"deviceType\": \"netDevice\"");
	out_free(&o);
}

/* A device configured but not on vfio-pci is left out, said on stderr, and exits 2. */
static void test_left_out(void **state)
{
	struct fx *fx = *state;
	struct out o;

	fx_driver(fx, "vfio-pci", NULL);
	rebind(fx, "0000:02:00.0", "vfio-pci");
	rebind(fx, "0000:02:00.1", "vfio-pci");
	config(fx, "[device gpu]\n"
		   "match = id=1234:1111 boot_vga=0\n"
		   "\n"
		   "[device nics]\n"
		   "match = id=8086:100e\n"
		   "count = 2\n");
	o = export_golden(fx, "kubevirt", "export-kubevirt-left-out.txt");
	expect_status(&o, 2);
	expect_no_out(&o, "nics");
	assert_non_null(strstr(o.err, "[device nics]: 0000:03:01.0 is not on vfio-pci"));
	assert_non_null(strstr(o.err, "[device nics]: 0000:03:02.0 is not on vfio-pci"));
	out_free(&o);
}

/* A section that claims nothing at this boot is said, not dropped without a word. */
static void test_claims_nothing(void **state)
{
	struct fx *fx = *state;
	struct out o;

	fx_driver(fx, "vfio-pci", NULL);
	rebind(fx, "0000:02:00.0", "vfio-pci");
	rebind(fx, "0000:02:00.1", "vfio-pci");
	config(fx, "[device gpu]\n"
		   "match = id=1234:1111 boot_vga=0\n"
		   "\n"
		   "[device gone]\n"
		   "match = id=dead:beef\n");
	o = run(fx, "export", "kubevirt", NULL);
	expect_status(&o, 2);
	expect_no_out(&o, "gone");
	assert_non_null(strstr(o.out, "vfio-boot.local/gpu"));
	assert_non_null(strstr(o.err, "[device gone]: claims nothing at this boot ("));
	out_free(&o);
}

/*
 * A claimed device on vfio-pci whose IDs or IOMMU group cannot be read now is left out, as one
 * not on vfio-pci is: an engine given 0000:0000 or no group would match nothing, or refuse the
 * guest at start. So is one that may or may not be a VF (Nova's device_type says which).
 */
static void test_unreadable(void **state)
{
	static const char *const engines[] = {"kubevirt", "sriov-dp", "nova", "proxmox"};
	struct fx *fx = *state;

	fx_driver(fx, "vfio-pci", NULL);
	rebind(fx, "0000:02:00.0", "vfio-pci");
	rebind(fx, "0000:03:01.0", "vfio-pci");
	rebind(fx, "0000:03:02.0", "vfio-pci");
	rebind(fx, "0000:02:00.1", "vfio-pci");
	config(fx, "[device gpu]\nmatch = address=0000:02:00.0\n\n"
		   "[device nic-a]\nmatch = address=0000:03:01.0\n\n"
		   "[device nic-b]\nmatch = address=0000:03:02.0\n\n"
		   "[device nic-c]\nmatch = address=0000:02:00.1\n");
	/* Claimed at boot, when they could be read. */
	fx_write(fx, "run/vfio-boot/status", "version=1\nstate=done\nclaimed=3\n", 0644);
	fx_write(fx, "run/vfio-boot/sections/gpu",
		 "name=gpu\nstatus=claimed\ndevices=0000:02:00.0\n", 0644);
	fx_write(fx, "run/vfio-boot/sections/nic-a",
		 "name=nic-a\nstatus=claimed\ndevices=0000:03:01.0\n", 0644);
	fx_write(fx, "run/vfio-boot/sections/nic-b",
		 "name=nic-b\nstatus=claimed\ndevices=0000:03:02.0\n", 0644);
	fx_write(fx, "run/vfio-boot/sections/nic-c",
		 "name=nic-c\nstatus=claimed\ndevices=0000:02:00.1\n", 0644);
	fx_symlink(fx, "sys/bus/pci/devices/0000:02:00.1/physfn", "sys/nothing");
	fx_write(fx, "sys/bus/pci/devices/0000:03:01.0/uevent",
		 "DRIVER=vfio-pci\nPCI_CLASS=20000\nPCI_ID=zzzz:100E\n"
		 "PCI_SUBSYS_ID=1AF4:1100\nPCI_SLOT_NAME=0000:03:01.0\n",
		 0644);
	{
		char *link = fx_path(fx, "sys/bus/pci/devices/0000:03:02.0/iommu_group");

		assert_int_equal(unlink(link), 0);
		assert_int_equal(symlink("../../../kernel/iommu_groups/nine", link), 0);
		free(link);
	}
	for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
		struct out o = run(fx, "export", "--node", "q35", engines[i], NULL);

		expect_status(&o, 2);
		assert_non_null(strstr(o.out, "0000:02:00.0"));
		expect_no_out(&o, "0000:03:01.0");
		expect_no_out(&o, "0000:03:02.0");
		expect_no_out(&o, "0000:02:00.1");
		expect_no_out(&o, "nic-");
		assert_non_null(strstr(o.err, "[device nic-a]: 0000:03:01.0"));
		assert_non_null(strstr(o.err, "[device nic-b]: 0000:03:02.0"));
		assert_non_null(strstr(o.err, "[device nic-c]: 0000:02:00.1"));
		expect_engine_ok(fx, engines[i], o.out);
		out_free(&o);
	}
}

/*
 * A claimed device whose extended capability list cannot be walked (it loops): the export is
 * refused, naming the device, and what was read before is freed.
 */
static void test_bad_config_space(void **state)
{
	struct fx *fx = *state;
	uint8_t cfg[CFG_LEN] = {0};
	struct out o;

	fx_driver(fx, "vfio-pci", NULL);
	rebind(fx, "0000:03:01.0", "vfio-pci");
	rebind(fx, "0000:03:02.0", "vfio-pci");
	config(fx, "[device nics]\nmatch = id=8086:100e\ncount = 2\n");
	give_serial(fx, "0000:03:01.0", 0x00253855, 0x01a2b3c4);
	/* At 0x100 a capability whose next is itself. */
	cfg[0x100] = 0x01;
	cfg[0x102] = 0x01 | (0x00 << 4);
	cfg[0x103] = 0x10;
	fx_write_bin(fx, "sys/bus/pci/devices/0000:03:02.0/config", cfg, sizeof(cfg), 0644);
	o = run(fx, "export", "kubevirt", NULL);
	expect_status(&o, 3);
	assert_string_equal(o.out, "");
	assert_non_null(strstr(o.err, "0000:03:02.0: reading its serial number"));
	assert_null(strstr(o.err, "LeakSanitizer"));
	out_free(&o);
}

static void test_no_config(void **state)
{
	struct fx *fx = *state;
	struct out o = run(fx, "export", "kubevirt", NULL);

	expect_status(&o, 3);
	assert_string_equal(o.out, "");
	assert_non_null(strstr(o.err, "no config"));
	out_free(&o);
}

static void test_unknown_engine(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx, "[device gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	o = run(fx, "export", "openshift", NULL);
	expect_status(&o, 1);
	assert_non_null(strstr(o.err, "no engine \"openshift\""));
	out_free(&o);
}

/* --prefix names the resources' domain in both engines alike; one Kubernetes refuses is refused. */
static void test_prefix(void **state)
{
	struct fx *fx = *state;
	static const char *const bad[] = {"Example.com", "example.com.", "a/b", "x.kubernetes.io",
					  "-a.com"};
	struct out o;

	fx_driver(fx, "vfio-pci", NULL);
	rebind(fx, "0000:03:01.0", "vfio-pci");
	rebind(fx, "0000:03:02.0", "vfio-pci");
	config(fx, "[device nics]\nmatch = id=8086:100e\ncount = 2\n");
	o = run(fx, "export", "--prefix", "gpus.example.com", "kubevirt", NULL);
	expect_status(&o, 0);
	expect_out(&o, "resourceName: \"gpus.example.com/nics\"");
	expect_engine_ok(fx, "kubevirt", o.out);
	out_free(&o);
	o = run(fx, "export", "--prefix", "gpus.example.com", "sriov-dp", NULL);
	expect_status(&o, 0);
	expect_out(&o, "\"resourcePrefix\": \"gpus.example.com\"");
	expect_engine_ok(fx, "sriov-dp", o.out);
	out_free(&o);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = run(fx, "export", "--prefix", bad[i], "kubevirt", NULL);
		expect_status(&o, 3);
		assert_string_equal(o.out, "");
		assert_non_null(strstr(o.err, "--prefix"));
		out_free(&o);
	}
}

/* Two sections that one resource name would stand for are refused, both named. */
static void test_name_collision(void **state)
{
	struct fx *fx = *state;
	struct out o;

	fx_driver(fx, "vfio-pci", NULL);
	rebind(fx, "0000:03:01.0", "vfio-pci");
	rebind(fx, "0000:03:02.0", "vfio-pci");
	config(fx, "[device nic.a]\nmatch = address=0000:03:01.0\n\n"
		   "[device nic-a]\nmatch = address=0000:03:02.0\n");
	for (int i = 0; i < 2; i++) {
		o = run(fx, "export", i ? "sriov-dp" : "kubevirt", NULL);
		expect_status(&o, 3);
		assert_non_null(strstr(o.err, "[device nic.a] and [device nic-a] would both be"));
		out_free(&o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kubevirt_identical, cli_setup_q35,
						cli_teardown),
		cmocka_unit_test_setup_teardown(test_kubevirt_host_twin, cli_setup_q35,
						cli_teardown),
		cmocka_unit_test_setup_teardown(test_kubevirt_vfio_twin, cli_setup_q35,
						cli_teardown),
		cmocka_unit_test_setup_teardown(test_sriov_dp_identical, cli_setup_q35,
						cli_teardown),
		cmocka_unit_test_setup_teardown(test_left_out, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_claims_nothing, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_unreadable, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_bad_config_space, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_no_config, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_engine, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_prefix, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_name_collision, cli_setup_q35, cli_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
