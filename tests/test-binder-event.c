// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The binder after boot, as the udev rule runs it for one PCI device (--event=add|bind
 * --device=ADDR): hot-plugged devices of hotplug sections, the lock, records after boot, the
 * config's errors, and what it leaves alone (VFs: test-binder-vfs). The device that appears is
 * made in the tree as the kernel leaves it after device_add: bound to its host driver when that
 * driver's module was loaded.
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

#include "binder-event-test.h"

/* The hot-plug section, and the NIC it takes appearing behind PORT5. */
static void hot_nic(struct fx *fx, bool bound)
{
	conf(fx, HOTPLUG_CONF);
	nic(fx, HOT, PORT5, 0x10d3, 6, bound);
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
	hot_nic(fx, true);
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
	hot_nic(fx, false);
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
	hot_nic(fx, true);
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
	hot_nic(fx, true);
	event(fx, "bind", HOT);
	assert_driver(fx, HOT, "e1000");
	assert_no_writes(fx);
}

static void group_with_unclaimed_endpoint_refused(void **state)
{
	struct fx *fx = *state;
	conf(fx, HOTPLUG_CONF);
	fx_port(fx, PORT6, NULL, 7);
	nic(fx, MATE, PORT6, 0x10d4, 6, true);
	nic(fx, HOT, PORT5, 0x10d3, 6, true);
	event(fx, "add", HOT);
	assert_driver(fx, HOT, "e1000");
	assert_driver(fx, MATE, "e1000");
	assert_no_writes(fx);
	assert_kmsg(fx, "IOMMU group 6 of " HOT " also holds " MATE);
	assert_record(fx, "sections/hot-nic", "status=group\n");
	/* A refusal after boot says who made it, as a claim does. */
	assert_record(fx, "sections/hot-nic", "by=hotplug\n");
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

/* A section of count 2 whose record holds 0000:09:00.0, and a second NIC appearing. */
static void holds_one_of_two(struct fx *fx)
{
	conf(fx, "[device hot-nic]\nmatch = id=8086:10d3\ncount = 2\nhotplug = yes\n");
	fx_write(fx, "run/vfio-boot/sections/hot-nic",
		 "name=hot-nic\nstatus=pending\ndevices=0000:09:00.0\n", 0644);
	fx_write(fx, "run/vfio-boot/devices/0000:09:00.0",
		 "address=0000:09:00.0\nsection=hot-nic\nreason=matched\noutcome=claimed\n", 0644);
	nic(fx, HOT, PORT5, 0x10d3, 6, true);
}

/* With room under count, the new device joins what the section holds. */
static void count_room_keeps_held_in_record(void **state)
{
	struct fx *fx = *state;
	holds_one_of_two(fx);
	event(fx, "add", HOT);
	assert_driver(fx, HOT, "vfio-pci");
	assert_record(fx, "sections/hot-nic", "devices=0000:09:00.0 " HOT "\n");
}

/*
 * The new device fails (its driver will not let go): the record still lists what the section
 * holds, says it is partly claimed, and names the device that failed, which it does not hold.
 */
static void failed_late_claim_keeps_held(void **state)
{
	struct fx *fx = *state;
	holds_one_of_two(fx);
	fx_inject(fx, "unbind " HOT " 16");
	event(fx, "add", HOT);
	assert_driver(fx, HOT, "e1000");
	assert_record(fx, "devices/" HOT, "outcome=failed\n");
	assert_record(fx, "sections/hot-nic", "devices=0000:09:00.0\n");
	assert_record(fx, "sections/hot-nic", "status=partial\n");
	assert_record(fx, "sections/hot-nic", HOT " not claimed");
	assert_record(fx, "sections/hot-nic", "by=hotplug\n");
}

/* A config with errors: said in one line for an event about a section, and not at all else. */
#define BAD_CONF \
	HOTPLUG_CONF "\n[device bad]\nmatch = id=8086:1234\ncount = many\nhotplug = perhaps\n"

static void config_errors_once_per_event(void **state)
{
	struct fx *fx = *state;
	conf(fx, BAD_CONF);
	nic(fx, HOT, PORT5, 0x10d3, 6, false);
	event(fx, "add", HOT);
	assert_driver(fx, HOT, "vfio-pci");
	assert_int_equal(kmsg_has(fx, "the config has 2 errors; `vfio-boot check` shows them"), 1);
	assert_int_equal(kmsg_has(fx, "vfio-boot.conf:"), 0);
	/* The boot binder and the CLI keep every message with its file:line. */
	fx_write(fx, "dev/kmsg", "", 0644);
	run(fx, NULL);
	assert_kmsg(fx, "vfio-boot.conf:");
}

static void config_errors_silent_for_no_section(void **state)
{
	struct fx *fx = *state;
	conf(fx, BAD_CONF);
	nic(fx, HOT, PORT5, 0x10d4, 6, true);
	event(fx, "add", HOT);
	assert_driver(fx, HOT, "e1000");
	assert_no_writes(fx);
	assert_int_equal(kmsg_has(fx, NULL), 0);
}

/* A dry run of an event says what it would write, and writes nothing: not even the lock. */
static void dry_run_event_writes_nothing(void **state)
{
	struct fx *fx = *state;
	hot_nic(fx, true);
	run(fx, "--dry-run", "--event=add", "--device=" HOT, NULL);
	assert_driver(fx, HOT, "e1000");
	assert_no_writes(fx);
	assert_false(fx_exists(fx, "run/vfio-boot"));
}

/* Another run holds the lock: this one gives up in bounded time and leaves the device. */
static void lock_held_gives_up(void **state)
{
	struct fx *fx = *state;
	char *lock;
	int fd;
	lock = fx_path(fx, "run/vfio-boot/lock");
	hot_nic(fx, true);
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

/* The lock cannot be taken for another reason than a run holding it: said once, as it is. */
static void lock_unusable_said_once(void **state)
{
	struct fx *fx = *state;
	hot_nic(fx, true);
	fx_write(fx, "run/vfio-boot", "", 0644);
	event(fx, "add", HOT);
	assert_driver(fx, HOT, "e1000");
	assert_no_writes(fx);
	assert_int_equal(kmsg_has(fx, "another vfio-boot run holds it"), 0);
	assert_int_equal(kmsg_has(fx, "taking the lock"), 1);
	assert_kmsg(fx, "/run/vfio-boot/lock: Not a directory; leaving it as it is");
}

/* Coldplug replays add for what the boot claimed: its records stay the boot's. */
static void coldplug_replay_keeps_boot_records(void **state)
{
	struct fx *fx = *state;
	hot_nic(fx, true);
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
		cmocka_unit_test_setup_teardown(failed_late_claim_keeps_held, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(config_errors_once_per_event, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(config_errors_silent_for_no_section, setup_hot,
						teardown),
		cmocka_unit_test_setup_teardown(dry_run_event_writes_nothing, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(lock_held_gives_up, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(lock_unusable_said_once, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(coldplug_replay_keeps_boot_records, setup_hot,
						teardown),
		cmocka_unit_test_setup_teardown(late_run_keeps_other_records, setup_hot, teardown),
		cmocka_unit_test_setup_teardown(usage_errors, setup_hot, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
