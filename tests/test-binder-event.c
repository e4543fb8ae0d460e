// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The binder after boot, as the udev rule runs it for one PCI device (--event=add|bind
 * --device=ADDR): hot-plugged devices of hotplug sections, a PF's VFs, the lock, and what it
 * leaves alone. The device that appears is made in the tree as the kernel leaves it after
 * device_add: bound to its host driver when that driver's module was loaded.
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
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "fixture.h"
#include "plan.h"
#include "binder-test.h"

#define PORT5 "0000:00:05.0"
#define HOT   "0000:05:00.0"
#define PORT6 "0000:00:06.0"
#define MATE  "0000:06:00.0" /* behind another port, in HOT's IOMMU group when asked */
#define PF    "0000:05:00.0"
#define VF0   "0000:05:00.1"
#define VF1   "0000:05:00.2"
#define VF2   "0000:05:00.3"

#define HOTPLUG_CONF "[device hot-nic]\nmatch = id=8086:10d3\ncount = 1\nhotplug = yes\n"

/* The config keys of sections for late devices come with the config's own part. */
static void port(struct fx *fx, const char *addr, int group)
{
	fx_device(fx, addr,
		  &(struct fx_dev){.vendor = 0x1b36,
				   .device = 0x000c,
				   .class = 0x060400,
				   .header_type = 1,
				   .group = group,
				   .host_driver = "pcieport",
				   .bound = true});
}

/* A NIC as the kernel leaves it after device_add: bound when its driver was loaded. */
static void nic(struct fx *fx, const char *addr, const char *parent, unsigned device, int group,
		bool bound)
{
	fx_device(fx, addr,
		  &(struct fx_dev){.parent = parent,
				   .vendor = 0x8086,
				   .device = device,
				   .sub_vendor = 0x8086,
				   .sub_device = 0x0001,
				   .class = 0x020000,
				   .group = group,
				   .host_driver = "e1000",
				   .bound = bound});
}

static int setup_hot(void **state)
{
	setup(state);
	port(*state, PORT5, 6);
	return 0;
}

static void event(struct fx *fx, const char *action, const char *addr)
{
	char ev[32], dev[64];

	snprintf(ev, sizeof(ev), "--event=%s", action);
	snprintf(dev, sizeof(dev), "--device=%s", addr);
	run(fx, ev, dev, NULL);
}

static void assert_no_records(struct fx *fx)
{
	assert_false(fx_exists(fx, "run/vfio-boot/devices"));
	assert_false(fx_exists(fx, "run/vfio-boot/sections"));
	assert_false(fx_exists(fx, "run/vfio-boot/status"));
}

/* Its module was loaded: e1000 bound it inside device_add, before the rule ran. */
static void hotplug_host_driver_won_race(void **state)
{
	struct fx *fx = *state;
	conf(fx, HOTPLUG_CONF);
	nic(fx, HOT, PORT5, 0x10d3, 6, true);
	event(fx, "add", HOT);
	assert_driver(fx, HOT, "vfio-pci");
	assert_record(fx, "devices/" HOT, "outcome=claimed\n");
	assert_record(fx, "devices/" HOT, "driver_before=e1000\n");
	assert_record(fx, "devices/" HOT, "by=hotplug\n");
	assert_record(fx, "devices/" HOT, "time=20");
	assert_record(fx, "sections/hot-nic", "status=claimed\n");
	assert_record(fx, "sections/hot-nic", "by=hotplug\n");
	assert_kmsg(fx, HOT " was bound to e1000 when it appeared");
	assert_kmsg(fx, "\"softdep e1000 pre: vfio-pci\" to a file in /etc/modprobe.d");
	assert_kmsg(fx, "or blacklist e1000");
	/* A run after boot writes no status: that is the boot's. */
	assert_false(fx_exists(fx, "run/vfio-boot/status"));
	assert_host_untouched(fx);
}

/* Not loaded yet: the override is in before udev's kmod load of the same event. */
static void hotplug_unbound_device_claimed_quietly(void **state)
{
	struct fx *fx = *state;
	conf(fx, HOTPLUG_CONF);
	nic(fx, HOT, PORT5, 0x10d3, 6, false);
	event(fx, "add", HOT);
	assert_driver(fx, HOT, "vfio-pci");
	assert_record(fx, "devices/" HOT, "driver_before=none\n");
	assert_int_equal(kmsg_has(fx, "when it appeared"), 0);
}

static void no_section_leaves_device_alone(void **state)
{
	struct fx *fx = *state;
	conf(fx, HOTPLUG_CONF);
	nic(fx, HOT, PORT5, 0x10d4, 6, true);
	event(fx, "add", HOT);
	assert_driver(fx, HOT, "e1000");
	assert_no_writes(fx);
	assert_no_records(fx);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/modules.log", NULL), 0);
	assert_int_equal(kmsg_has(fx, NULL), 0);
}

/* A section without hotplug = yes is the boot's alone. */
static void section_without_hotplug_not_claimed_late(void **state)
{
	struct fx *fx = *state;

	conf(fx, "[device hot-nic]\nmatch = id=8086:10d3\n");
	nic(fx, HOT, PORT5, 0x10d3, 6, true);
	event(fx, "add", HOT);
	assert_driver(fx, HOT, "e1000");
	assert_no_writes(fx);
	assert_no_records(fx);
}

static void off_does_nothing(void **state)
{
	struct fx *fx = *state;
	fx_cmdline(fx, "BOOT_IMAGE=/vmlinuz root=/dev/vda ro intel_iommu=on vfio_boot=off");
	conf(fx, HOTPLUG_CONF);
	nic(fx, HOT, PORT5, 0x10d3, 6, true);
	event(fx, "add", HOT);
	assert_driver(fx, HOT, "e1000");
	assert_no_writes(fx);
	assert_no_records(fx);
	assert_int_equal(kmsg_has(fx, NULL), 0);
}

/* A bind is no hot-plug: a device given back to its driver is not taken again. */
static void bind_does_not_claim_hotplug(void **state)
{
	struct fx *fx = *state;
	conf(fx, HOTPLUG_CONF);
	nic(fx, HOT, PORT5, 0x10d3, 6, true);
	event(fx, "bind", HOT);
	assert_driver(fx, HOT, "e1000");
	assert_no_writes(fx);
}

static void group_with_unclaimed_endpoint_refused(void **state)
{
	struct fx *fx = *state;
	conf(fx, HOTPLUG_CONF);
	port(fx, PORT6, 7);
	nic(fx, MATE, PORT6, 0x10d4, 6, true);
	nic(fx, HOT, PORT5, 0x10d3, 6, true);
	event(fx, "add", HOT);
	assert_driver(fx, HOT, "e1000");
	assert_driver(fx, MATE, "e1000");
	assert_no_writes(fx);
	assert_kmsg(fx, "IOMMU group 6 of " HOT " also holds " MATE);
	assert_record(fx, "sections/hot-nic", "status=group\n");
}

/* The section holds one device already (its record): a second is one too many. */
static void count_counts_held_devices(void **state)
{
	struct fx *fx = *state;
	conf(fx, HOTPLUG_CONF);
	fx_write(fx, "run/vfio-boot/sections/hot-nic",
		 "name=hot-nic\nstatus=claimed\ndevices=0000:09:00.0\nby=hotplug\n", 0644);
	fx_write(fx, "run/vfio-boot/devices/0000:09:00.0",
		 "address=0000:09:00.0\nsection=hot-nic\nreason=matched\noutcome=claimed\n", 0644);
	nic(fx, HOT, PORT5, 0x10d3, 6, true);
	event(fx, "add", HOT);
	assert_driver(fx, HOT, "e1000");
	assert_no_writes(fx);
	/* What it holds stays recorded as it was. */
	assert_record(fx, "sections/hot-nic", "devices=0000:09:00.0\n");
	assert_record(fx, "sections/hot-nic", "status=claimed\n");
}

/* With room under count, the new device joins what the section holds. */
static void count_room_keeps_held_in_record(void **state)
{
	struct fx *fx = *state;
	conf(fx, "[device hot-nic]\nmatch = id=8086:10d3\ncount = 2\nhotplug = yes\n");
	fx_write(fx, "run/vfio-boot/sections/hot-nic",
		 "name=hot-nic\nstatus=pending\ndevices=0000:09:00.0\n", 0644);
	fx_write(fx, "run/vfio-boot/devices/0000:09:00.0",
		 "address=0000:09:00.0\nsection=hot-nic\nreason=matched\noutcome=claimed\n", 0644);
	nic(fx, HOT, PORT5, 0x10d3, 6, true);
	event(fx, "add", HOT);
	assert_driver(fx, HOT, "vfio-pci");
	assert_record(fx, "sections/hot-nic", "devices=0000:09:00.0 " HOT "\n");
}

/* Another run holds the lock: this one gives up in bounded time and leaves the device. */
static void lock_held_gives_up(void **state)
{
	struct fx *fx = *state;
	char *lock;
	int fd;
	lock = fx_path(fx, "run/vfio-boot/lock");
	conf(fx, HOTPLUG_CONF);
	nic(fx, HOT, PORT5, 0x10d3, 6, true);
	fx_write(fx, "run/vfio-boot/lock", "", 0600);
	fd = open(lock, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	event(fx, "add", HOT);
	close(fd);
	free(lock);
	assert_driver(fx, HOT, "e1000");
	assert_no_writes(fx);
	assert_kmsg(fx, "another vfio-boot run holds it");
}

/* Coldplug replays add for what the boot claimed: its records stay the boot's. */
static void coldplug_replay_keeps_boot_records(void **state)
{
	struct fx *fx = *state;
	conf(fx, HOTPLUG_CONF);
	nic(fx, HOT, PORT5, 0x10d3, 6, true);
	run(fx, NULL);
	assert_driver(fx, HOT, "vfio-pci");
	fx_write(fx, ".mock/writes.log", "", 0644);
	event(fx, "add", HOT);
	assert_no_writes(fx);
	assert_record(fx, "status", "state=done\n");
	assert_int_equal(fx_count_lines_matching(fx, "run/vfio-boot/devices/" HOT, "by="), 0);
}

/* The boot's records of other sections are never cleared by a run after boot. */
static void late_run_keeps_other_records(void **state)
{
	struct fx *fx = *state;
	conf(fx, "[device guest-gpu]\nmatch = id=1234:1111 boot_vga=0\n\n" HOTPLUG_CONF);
	run(fx, NULL);
	nic(fx, HOT, PORT5, 0x10d3, 6, true);
	event(fx, "add", HOT);
	assert_driver(fx, HOT, "vfio-pci");
	assert_record(fx, "sections/guest-gpu", "status=claimed\n");
	assert_record(fx, "devices/" GPU1, "outcome=claimed\n");
	assert_record(fx, "status", "claimed=2\n");
}

static void usage_errors(void **state)
{
	struct fx *fx = *state;
	const char *bad[][3] = {
		{"--event=remove", "--device=" HOT, NULL},
		{"--event=add", NULL, NULL},
		{"--device=" HOT, NULL, NULL},
		{"--event=add", "--device=05:00", NULL},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *argv[] = {binder(), "--root", fx_root(fx), bad[i][0], bad[i][1], NULL};
		assert_int_equal(fx_run(fx, argv), 2);
	}
}

/* ---- VFs ---- */

static void append(struct fx *fx, const char *rel, const char *line)
{
	char *old = fx_read(fx, rel), *text;

	assert_true(asprintf(&text, "%s%s", old ? old : "", line) > 0);
	fx_write(fx, rel, text, 0644);
	free(text);
	free(old);
}

/* An 82576-like PF whose VFs sit beside it (offset 1, stride 1), as QEMU's NVMe's do. */
static void pf(struct fx *fx, const char *numvfs)
{
	const char *const attrs[][2] = {
		{"sriov_totalvfs", "7\n"},
		{"sriov_numvfs", numvfs},
		{"sriov_drivers_autoprobe", "1\n"},
		{"sriov_offset", "1\n"},
		{"sriov_stride", "1\n"},
		{"sriov_vf_device", "10ca\n"},
	};
	char rel[128];

	nic(fx, PF, PORT5, 0x10c9, 6, true);
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/%s", PF, attrs[i][0]);
		fx_write(fx, rel, attrs[i][1], 0644);
	}
	fx_driver(fx, "igbvf", "igbvf");
	append(fx, ".mock/natural-drivers", "8086:10ca igbvf\n");
}

#define VF_CONF "[device vf]\nmatch = id=8086:10c9\nvfs = 3\nvf-index = 1\n"

static void vf_pf_bind_makes_and_claims_chosen(void **state)
{
	struct fx *fx = *state;
	conf(fx, VF_CONF);
	pf(fx, "0\n");
	event(fx, "bind", PF);
	assert_driver(fx, PF, "e1000");
	assert_driver(fx, VF1, "vfio-pci");
	/* The others go to the host once the chosen one is claimed. */
	assert_driver(fx, VF0, "igbvf");
	assert_driver(fx, VF2, "igbvf");
	/* The chosen VF was never probed by its host driver. */
	assert_int_equal(fx_count_lines_matching(fx, ".mock/probes.log", VF1 "\tigbvf"), 0);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", "new_id"), 0);
	assert_int_equal(
		fx_count_lines_matching(fx, ".mock/writes.log", "sriov_drivers_autoprobe\t0\tok"),
		1);
	assert_kmsg(fx, "made 3 VFs on " PF);
	assert_kmsg(fx, "after sriov_numvfs was written");
	assert_kmsg(fx, VF0 " (VF 0 of " PF ") not chosen: igbvf");
	assert_record(fx, "devices/" VF1, "by=sriov\n");
	assert_record(fx, "devices/" VF1, "pf=" PF "\n");
	assert_record(fx, "devices/" VF1, "vf_index=1\n");
	assert_record(fx, "sections/vf", "status=claimed\n");
}

/* Again: the same number is there, nothing is written but the claim that is done already. */
static void vf_again_is_harmless(void **state)
{
	struct fx *fx = *state;
	conf(fx, VF_CONF);
	pf(fx, "0\n");
	event(fx, "bind", PF);
	fx_write(fx, ".mock/writes.log", "", 0644);
	event(fx, "bind", PF);
	assert_driver(fx, VF1, "vfio-pci");
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", "sriov_numvfs"), 0);
}

static void vf_other_number_refused(void **state)
{
	struct fx *fx = *state;
	conf(fx, VF_CONF);
	pf(fx, "0\n");
	/* Two VFs made by someone else. */
	{
		const char *argv[] = {fx_mock_write(), "write",
				      "/sys/bus/pci/devices/" PF "/sriov_numvfs", "2", NULL};
		assert_int_equal(fx_run(fx, argv), 0);
	}
	fx_write(fx, ".mock/writes.log", "", 0644);
	event(fx, "bind", PF);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", "sriov_numvfs"), 0);
	assert_kmsg(fx, "has 2 VFs already, the config asks for 3: not changing the number");
	assert_record(fx, "sections/vf", "status=failed\n");
}

static void vf_above_totalvfs_refused(void **state)
{
	struct fx *fx = *state;
	conf(fx, "[device vf]\nmatch = id=8086:10c9\nvfs = 8\n");
	pf(fx, "0\n");
	event(fx, "bind", PF);
	assert_no_writes(fx);
	assert_kmsg(fx, "vfs = 8, but " PF " can have at most 7");
}

static void vf_pf_without_sriov_refused(void **state)
{
	struct fx *fx = *state;
	conf(fx, "[device vf]\nmatch = id=8086:10c9\nvfs = 2\n");
	nic(fx, PF, PORT5, 0x10c9, 6, true);
	event(fx, "bind", PF);
	assert_no_writes(fx);
	assert_kmsg(fx, "has no SR-IOV (no sriov_totalvfs)");
}

/* Its driver has not bound yet: nothing to do until its bind event. */
static void vf_pf_without_driver_waits(void **state)
{
	struct fx *fx = *state;
	conf(fx, VF_CONF);
	pf(fx, "0\n");
	fx_unbind(fx, PF);
	event(fx, "add", PF);
	assert_no_writes(fx);
	assert_kmsg(fx, PF " has no driver yet");
}

/* A VF's own add event, with its PF's VFs there: claimed when its index is chosen. */
static void vf_add_claims_chosen_index_only(void **state)
{
	struct fx *fx = *state;
	conf(fx, VF_CONF);
	pf(fx, "0\n");
	{
		const char *argv[] = {fx_mock_write(), "write",
				      "/sys/bus/pci/devices/" PF "/sriov_numvfs", "3", NULL};
		assert_int_equal(fx_run(fx, argv), 0);
	}
	fx_write(fx, ".mock/writes.log", "", 0644);
	event(fx, "add", VF0);
	assert_no_writes(fx);
	event(fx, "add", VF1);
	assert_driver(fx, VF1, "vfio-pci");
	assert_driver(fx, VF0, "igbvf");
	assert_driver(fx, VF2, "igbvf");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(hotplug_host_driver_won_race, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(hotplug_unbound_device_claimed_quietly, setup_hot,
						teardown),
		cmocka_unit_test_setup_teardown(no_section_leaves_device_alone, setup_hot,
						teardown),
		cmocka_unit_test_setup_teardown(section_without_hotplug_not_claimed_late, setup_hot,
						teardown),
		cmocka_unit_test_setup_teardown(off_does_nothing, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(bind_does_not_claim_hotplug, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(group_with_unclaimed_endpoint_refused, setup_hot,
						teardown),
		cmocka_unit_test_setup_teardown(count_counts_held_devices, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(count_room_keeps_held_in_record, setup_hot,
						teardown),
		cmocka_unit_test_setup_teardown(lock_held_gives_up, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(coldplug_replay_keeps_boot_records, setup_hot,
						teardown),
		cmocka_unit_test_setup_teardown(late_run_keeps_other_records, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(usage_errors, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(vf_pf_bind_makes_and_claims_chosen, setup_hot,
						teardown),
		cmocka_unit_test_setup_teardown(vf_again_is_harmless, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(vf_other_number_refused, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(vf_above_totalvfs_refused, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(vf_pf_without_sriov_refused, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(vf_pf_without_driver_waits, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(vf_add_claims_chosen_index_only, setup_hot,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
