// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot-claimed --wait, as vfio-boot-late.service runs it before the engines: on fake trees
 * through VFIO_BOOT_ROOT, it returns once a late section's record says how it ended, waits no
 * longer than asked when it never does, and does not wait for a hot-plug device that is not
 * there.
 */
#include <time.h>

#include "fixture.h"
#include "generator-test.h"

#define PORT  "0000:00:05.0"
#define PORT2 "0000:00:06.0"
#define PF    "0000:05:00.0"
#define EGPU  "0000:06:00.0"

static struct fx *fx;

static int fx_setup(void **state)
{
	setup(state);
	fx = fx_new();
	fx_cmdline(fx, "root=/dev/sda1 ro quiet");
	fx_driver(fx, "igb", NULL);
	fx_driver(fx, "nouveau", NULL);
	fx_driver(fx, "vfio-pci", NULL);
	fx_port(fx, PORT, NULL, 6);
	fx_port(fx, PORT2, NULL, 8);
	return 0;
}

static int fx_teardown(void **state)
{
	fx_free(fx);
	return teardown(state);
}

/* The PF of a vfs section on igb, its VFs not made yet. */
static void pf_without_vfs(void)
{
	fx_device(fx, PF,
		  &(struct fx_dev){.parent = PORT,
				   .vendor = 0x8086,
				   .device = 0x10c9,
				   .class = 0x020000,
				   .group = 6,
				   .host_driver = "igb",
				   .bound = true});
	fx_sriov_pf(fx, PF, 7, 0);
}

static void section_record(const char *name, const char *status)
{
	_cleanup_free_ char *rel = NULL, *text = NULL;

	assert_true(asprintf(&rel, "run/vfio-boot/sections/%s", name) > 0);
	assert_true(asprintf(&text, "version=1\nname=%s\nstatus=%s\n", name, status) > 0);
	fx_write(fx, rel, text, 0644);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* vfio-boot-claimed --wait=wait SECTION on the tree; its exit status, *ms how long it took. */
static int wait_for(const char *wait, const char *section, uint64_t *ms)
{
	char opt[64], env_root[512];
	const char *argv[] = {prog("vfio-boot-claimed"), opt, "--", section, NULL};
	const char *env[] = {env_root, NULL};
	uint64_t start = now_ms();
	int r;

	snprintf(opt, sizeof(opt), "--wait=%s", wait);
	snprintf(env_root, sizeof(env_root), "VFIO_BOOT_ROOT=%s", fx_root(fx));
	r = run(argv, env);
	*ms = now_ms() - start;
	return r;
}

/* In a child, after ms: the record of section says status, or addr is bound to vfio-pci. */
static pid_t later(unsigned ms, const char *section, const char *status, const char *addr)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid > 0)
		return pid;
	usleep(ms * 1000);
	if (addr)
		fx_bind(fx, addr, "vfio-pci");
	if (section)
		section_record(section, status);
	_exit(0);
}

static void reap(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static const char vf_conf[] = "[device nic-vf]\nmatch = id=8086:10c9\nvfs = 1\n";

/* The record says claimed 600 ms after the wait began: it returns then, well within 10 s. */
static void test_wait_returns_when_the_record_ends(void **state)
{
	_cleanup_free_ char *err = NULL;
	uint64_t ms;
	pid_t pid;

	(void)state;
	fx_write(fx, "etc/vfio-boot/vfio-boot.conf", vf_conf, 0644);
	pf_without_vfs();
	section_record("nic-vf", "pending");
	pid = later(600, "nic-vf", "claimed", NULL);
	assert_int_equal(wait_for("10", "nic-vf", &ms), 0);
	reap(pid);
	assert_true(ms >= 550);
	assert_true(ms < 5000);
	err = slurp("stderr");
	assert_non_null(strstr(err, "waiting up to 10 s for [device nic-vf]: the VFs of " PF
				    " are not made yet"));
	assert_null(strstr(err, "not settled"));
}

/* The PF's driver never gives VFs: over after the bound, saying which section and what it saw. */
static void test_wait_times_out_within_the_bound(void **state)
{
	_cleanup_free_ char *err = NULL;
	uint64_t ms;

	(void)state;
	fx_write(fx, "etc/vfio-boot/vfio-boot.conf", vf_conf, 0644);
	pf_without_vfs();
	section_record("nic-vf", "pending");
	assert_int_equal(wait_for("1s", "nic-vf", &ms), 3);
	assert_true(ms >= 950);
	assert_true(ms < 4000);
	err = slurp("stderr");
	assert_non_null(strstr(err, "[device nic-vf] is not settled after 1 s: the VFs of " PF
				    " are not made yet"));
	assert_non_null(strstr(err, "what is ordered after this starts anyway"));
}

static const char egpu_conf[] = "[device egpu]\nmatch = id=10de:2204\nhotplug = yes\ncount = 2\n";

static void egpu(bool bound)
{
	fx_device(fx, EGPU,
		  &(struct fx_dev){.parent = PORT2,
				   .vendor = 0x10de,
				   .device = 0x2204,
				   .class = 0x030000,
				   .group = 9,
				   .host_driver = "nouveau",
				   .bound = bound});
}

/* A hot-plug section whose device is not plugged in: pending for ever, and not waited for. */
static void test_absent_hotplug_device_is_not_waited_for(void **state)
{
	_cleanup_free_ char *err = NULL;
	uint64_t ms;

	(void)state;
	fx_write(fx, "etc/vfio-boot/vfio-boot.conf", egpu_conf, 0644);
	section_record("egpu", "pending");
	assert_int_equal(wait_for("30", "egpu", &ms), 0);
	assert_true(ms < 3000);
	err = slurp("stderr");
	assert_null(strstr(err, "waiting"));
}

/*
 * One of its two devices is here, on no driver, until the udev rule claims it 600 ms on: waited
 * for until then, though the record stays pending (its second device never comes).
 */
static void test_present_hotplug_device_is_waited_for(void **state)
{
	_cleanup_free_ char *err = NULL;
	uint64_t ms;
	pid_t pid;

	(void)state;
	fx_write(fx, "etc/vfio-boot/vfio-boot.conf", egpu_conf, 0644);
	egpu(false);
	section_record("egpu", "pending");
	pid = later(600, NULL, NULL, EGPU);
	assert_int_equal(wait_for("10", "egpu", &ms), 0);
	reap(pid);
	assert_true(ms >= 550);
	assert_true(ms < 5000);
	err = slurp("stderr");
	assert_non_null(strstr(err, "waiting up to 10 s for [device egpu]: " EGPU
				    " is here, on no driver, not on vfio-pci yet"));
}

/* With vfio_boot=off nothing is claimed after boot: nothing to wait for. */
static void test_off_waits_for_nothing(void **state)
{
	_cleanup_free_ char *err = NULL;
	uint64_t ms;

	(void)state;
	fx_cmdline(fx, "root=/dev/sda1 ro quiet vfio_boot=off");
	fx_write(fx, "etc/vfio-boot/vfio-boot.conf", vf_conf, 0644);
	pf_without_vfs();
	assert_int_equal(wait_for("30", "nic-vf", &ms), 0);
	assert_true(ms < 3000);
	err = slurp("stderr");
	assert_non_null(strstr(err, "vfio_boot=off"));
}

/* A wait that is no duration is a usage error, as the unit's journal would say. */
static void test_bad_wait_is_usage(void **state)
{
	uint64_t ms;

	(void)state;
	assert_int_equal(wait_for("soon", "nic-vf", &ms), 1);
}

#define TF(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TF(test_wait_returns_when_the_record_ends),
		TF(test_wait_times_out_within_the_bound),
		TF(test_absent_hotplug_device_is_not_waited_for),
		TF(test_present_hotplug_device_is_waited_for),
		TF(test_off_waits_for_nothing),
		TF(test_bad_wait_is_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
