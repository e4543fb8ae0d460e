// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The config parser against vfio-boot.conf(5) for devices that come after boot: vfs, vf-index
 * and hotplug in [device], their defaults, their values and the errors that skip a section.
 */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"
#include "logcapture.h"
#include "record.h"
#include "sysroot.h"
#include "util.h"
#include "config-test.h"

static bool vf_bit(const struct vb_device *d, unsigned i)
{
	return d->vf_index[i / 64] >> (i % 64) & 1;
}

static void test_vfs_defaults_and_all_indexes(void **state)
{
	const struct vb_device *d;

	(void)state;
	parse("[device plain]\nmatch = id=1234:1111\n"
	      "[device nic]\nmatch = id=8086:10c9\nvfs = 7\nhotplug = yes\n"
	      "[device most]\nmatch = id=8086:10c9\nvfs = 256\nhotplug = no\n");
	assert_int_equal(cfg.n_errors, 0);
	d = device("plain");
	assert_int_equal(d->vfs, 0);
	assert_false(d->hotplug);
	for (unsigned i = 0; i < VB_VFS_MAX; i++)
		assert_false(vf_bit(d, i));
	/* Without vf-index, every VF made is claimed, and none beyond. */
	d = device("nic");
	assert_int_equal(d->vfs, 7);
	assert_true(d->hotplug);
	for (unsigned i = 0; i < VB_VFS_MAX; i++)
		assert_int_equal(vf_bit(d, i), i < 7);
	d = device("most");
	assert_int_equal(d->vfs, VB_VFS_MAX);
	assert_false(d->hotplug);
	for (unsigned i = 0; i < VB_VFS_MAX; i++)
		assert_true(vf_bit(d, i));
}

static void test_vf_index_numbers_and_ranges(void **state)
{
	const struct vb_device *d;

	(void)state;
	parse("[device nic]\nmatch = id=8086:10c9\nvfs = 200\nvf-index = 0 2-3  70-129 199\n"
	      "[device one]\nmatch = id=8086:10c9\nvf-index = 1\nvfs = 2\n");
	assert_int_equal(cfg.n_errors, 0);
	d = device("nic");
	for (unsigned i = 0; i < VB_VFS_MAX; i++)
		assert_int_equal(vf_bit(d, i),
				 i == 0 || i == 2 || i == 3 || (i >= 70 && i <= 129) || i == 199);
	/* The order of the lines does not matter: vfs bounds vf-index wherever it is. */
	d = device("one");
	assert_int_equal(d->vfs, 2);
	for (unsigned i = 0; i < VB_VFS_MAX; i++)
		assert_int_equal(vf_bit(d, i), i == 1);
}

static void test_vfs_bad_values_skip_section(void **state)
{
	static const char *const bad[] = {"0", "257", "-1", "+1", "two", "2x", "", "1 2"};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_value_refused("[device a]\nmatch = id=8086:10c9\nvfs = %s\n", bad[i],
				     "t.conf:3: ", "vfs", "expected a number of VFs from 1 to 256");
}

static void test_vf_index_errors_named(void **state)
{
	static const struct {
		const char *value, *says;
	} bad[] = {
		{"4", "\"4\": each index must be below vfs (vfs = 4)"},
		{"0 2-9", "\"2-9\": each index must be below vfs"},
		{"3-1", "\"3-1\": a range must go up"},
		{"x", "\"x\": not a number or a range"},
		{"1,2", "\"1,2\": not a number or a range"},
		{"-1", "\"-1\": not a number or a range"},
		{"1-", "\"1-\": not a number or a range"},
		{"", "vf-index is empty"},
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_value_refused("[device a]\nmatch = id=8086:10c9\nvfs = 4\nvf-index = %s\n",
				     bad[i].value, "t.conf:4: ", "vf-index", bad[i].says);
}

static void test_vf_index_without_vfs(void **state)
{
	(void)state;
	parse("[device a]\nmatch = id=8086:10c9\nvf-index = 0\n"
	      "[device b]\nmatch = id=8086:10c9\nvfs = 0\nvf-index = 0\n");
	assert_int_equal(cfg.n_devices, 0);
	assert_msg(LOG_ERR, "t.conf:3: ", "vf-index without vfs", "vfs = N");
	/* A bad vfs is said once, not again as a bad vf-index. */
	assert_msg(LOG_ERR, "t.conf:6: ", "vfs", "expected a number of VFs");
	assert_int_equal(cfg.n_errors, 2);
}

static void test_hotplug_values(void **state)
{
	(void)state;
	parse("[device a]\nmatch = id=1234:1111\nhotplug = maybe\n"
	      "[device b]\nmatch = id=1234:1111\nhotplug = on\ncount = 2\n");
	assert_null(device("a"));
	assert_msg(LOG_ERR, "t.conf:3: ", "hotplug", "\"maybe\"", "expected yes or no");
	assert_true(device("b")->hotplug);
	assert_int_equal(device("b")->count, 2);
	assert_int_equal(cfg.n_errors, 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown_located)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_vfs_defaults_and_all_indexes), T(test_vf_index_numbers_and_ranges),
		T(test_vfs_bad_values_skip_section),  T(test_vf_index_errors_named),
		T(test_vf_index_without_vfs),	      T(test_hotplug_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
