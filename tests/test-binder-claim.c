// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The binder's claims: its real executable (the dynamically linked build of the same code)
 * against the kernel double on the q35 stand-in machine of the VM tests: which devices it
 * takes, the guards, the override, unbind, probe and verify steps and how each can fail.
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

/*
 * A host driver that holds a device when the binder starts was built in or loaded by
 * something earlier: the log says which, besides the driver it took the device from.
 */
static void prebound_says_loaded_or_built_in(void **state)
{
	struct fx *fx = *state;
	char *initstate = fx_path(fx, "sys/module/snd_hda_intel/initstate");

	/* A built-in module has its directory but no initstate. */
	assert_int_equal(unlink(initstate), 0);
	free(initstate);
	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n");
	run(fx, NULL);
	assert_driver(fx, GPU1, "vfio-pci");
	assert_driver(fx, AUDIO1, "vfio-pci");
	assert_kmsg(fx, "[device guest-gpu] " GPU1
			" was on bochs-drm before the binder ran: module bochs was loaded already");
	assert_kmsg(
		fx,
		"[device guest-gpu] " AUDIO1
		" was on snd_hda_intel before the binder ran: snd_hda_intel is built into the kernel");
	assert_record(fx, "devices/" AUDIO1, "driver_before=snd_hda_intel\n");
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

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(identical_gpus_claim_non_boot_pair),
		T(prebound_says_loaded_or_built_in),
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
		T(already_on_vfio_is_left_alone),
		T(wait_for_absent_device),
		T(group_member_uevent_malformed),
		T(boot_vga_unreadable),
		T(dangling_driver_link),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
