// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the binder leaves behind: the records under /run/vfio-boot (never through planted
 * links, never stale), its lines on /dev/kmsg, and nothing at all on a dry run.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(dry_run_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(many_log_lines_all_arrive, setup, teardown),
		cmocka_unit_test_setup_teardown(records_dir_links_not_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(planted_temporaries_not_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(run_full_no_stale_status, setup, teardown),
		cmocka_unit_test_setup_teardown(kmsg_fifo_does_not_hang, setup, teardown),
		cmocka_unit_test_setup_teardown(stale_records_all_cleared, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
