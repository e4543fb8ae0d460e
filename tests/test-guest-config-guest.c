// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * [guest NAME] sections (lib/guest.c): defaults, every key, value errors, long times cut
 * to the limit, the runner's resolved settings, and the binder's records as the guest's
 * devices check reads them.
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bridge.h"
#include "config.h"
#include "guest.h"
#include "log.h"
#include "logcapture.h"
#include "sysroot.h"
#include "util.h"
#include "guest-config-test.h"

/* ---- guests ---- */

static void test_guest_defaults(void **state)
{
	const struct vb_guest *g;

	(void)state;
	load("[guest vm]\n");
	g = guest("vm");
	assert_false(g->bad);
	assert_string_equal(g->unit, "vfio-boot-guest@vm.service");
	assert_false(g->autostart);
	assert_int_equal(g->n_after, 0);
	assert_int_equal(g->n_devices, 0);
	assert_null(g->bridge);
	assert_int_equal(g->start_delay_usec, 0);
	assert_int_equal(g->shutdown_timeout_usec, VB_SHUTDOWN_TIMEOUT_DEFAULT);
	assert_false(g->restart_on_failure);
	assert_int_equal(n_msgs, 0);
}

static void test_guest_all_keys(void **state)
{
	const struct vb_guest *g;

	(void)state;
	load("[device gpu]\nmatch = id=1234:1111\n[device usb]\nmatch = class=0c03\n"
	     "[bridge br0]\nuplink = eth0\n[guest router]\n[guest my nas]\n"
	     "[guest win 11]\nautostart = yes\nafter = router \"my nas\" router\n"
	     "devices = gpu usb\nbridge = br0\nstart-delay = 30s\nshutdown-timeout = 3min\n"
	     "restart = on-failure\n");
	g = guest("win 11");
	assert_false(g->bad);
	assert_string_equal(g->unit, "vfio-boot-guest@win\\x2011.service");
	assert_true(g->autostart);
	/* Duplicates are dropped. */
	assert_int_equal(g->n_after, 2);
	assert_string_equal(g->after[0], "router");
	assert_string_equal(g->after[1], "my nas");
	assert_int_equal(g->n_devices, 2);
	assert_string_equal(g->devices[1], "usb");
	assert_string_equal(g->bridge, "br0");
	assert_int_equal(g->start_delay_usec, 30000000);
	assert_int_equal(g->shutdown_timeout_usec, 180000000);
	assert_true(g->restart_on_failure);
	assert_int_equal(vb_usec_to_sec_ceil(g->shutdown_timeout_usec), 180);
	assert_int_equal(vb_usec_to_sec_ceil(1), 1);
}

static void test_guest_later_keys_win(void **state)
{
	(void)state;
	load("[guest vm]\nautostart = yes\nrestart = on-failure\n[guest vm]\nautostart = no\n"
	     "restart = no\n");
	assert_false(guest("vm")->autostart);
	assert_false(guest("vm")->restart_on_failure);
}

static void test_guest_value_errors(void **state)
{
	(void)state;
	load("[guest a]\nautostart = sometimes\n"
	     "[guest b]\nrestart = always\n"
	     "[guest c]\nstart-delay = soon\n"
	     "[guest d]\nshutdown-timeout = 0\n"
	     "[guest e]\nshutdown-timeout = 500ms\n"
	     "[guest good]\n");
	assert_true(guest("a")->bad);
	assert_msg(LOG_ERR, "t.conf:2:", "autostart = \"sometimes\"");
	assert_true(guest("b")->bad);
	assert_msg(LOG_ERR, "t.conf:4:", "restart = \"always\"", "no or on-failure");
	assert_true(guest("c")->bad);
	assert_msg(LOG_ERR, "t.conf:6:", "start-delay = \"soon\"", "duration");
	assert_true(guest("d")->bad);
	assert_msg(LOG_ERR, "t.conf:8:", "at least 1s");
	assert_true(guest("e")->bad);
	assert_false(guest("good")->bad);
	assert_msg(LOG_ERR, "t.conf:1:", "skipping [guest a]");
	assert_int_equal(cfg.n_errors, 5);
}

static void test_guest_long_times_are_cut(void **state)
{
	(void)state;
	load("[guest vm]\nstart-delay = 61min\nshutdown-timeout = 99999999999999999999min\n");
	assert_false(guest("vm")->bad);
	assert_int_equal(guest("vm")->start_delay_usec, VB_GUEST_TIME_MAX);
	assert_int_equal(guest("vm")->shutdown_timeout_usec, VB_GUEST_TIME_MAX);
	assert_msg(LOG_WARNING, "t.conf:2:", "longer than 60min");
	assert_msg(LOG_WARNING, "t.conf:3:", "longer than 60min");
}

/* device-wait: 60s unless set, at most 10min, a duration or the section is bad. */
static void test_guest_device_wait(void **state)
{
	(void)state;
	load("[guest a]\n"
	     "[guest b]\ndevice-wait = 90s\n"
	     "[guest c]\ndevice-wait = 11min\n"
	     "[guest d]\ndevice-wait = later\n");
	assert_int_equal(guest("a")->device_wait_usec, VB_DEVICE_WAIT_DEFAULT);
	assert_int_equal(guest("b")->device_wait_usec, 90ULL * 1000000ULL);
	assert_false(guest("c")->bad);
	assert_int_equal(guest("c")->device_wait_usec, VB_DEVICE_WAIT_MAX);
	assert_msg(LOG_WARNING, "t.conf:5:", "longer than 10min");
	assert_true(guest("d")->bad);
	assert_msg(LOG_ERR, "t.conf:7:", "device-wait = \"later\"");
}

/* The guest runner reads the same resolved [guest] section: its times are cut there too. */
/* text in a new file at path (a mkstemp template), as the runner's --config would name it. */
static void write_config(char *path, const char *text)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, 0644), 0);
	close(fd);
}

static void test_runner_settings_resolved(void **state)
{
	char path[] = "/tmp/test-guest-config-XXXXXX";
	const char *text = "[guest vm]\nshutdown-timeout = 90min\nbridge = br0\n"
			   "[guest slow]\nshutdown-timeout = 5x\n";
	uint64_t usec = 7;
	char *br = NULL;

	(void)state;
	write_config(path, text);

	assert_int_equal(vb_guest_runner_settings(path, "vm", &usec, &br, NULL), 0);
	assert_int_equal(usec, VB_GUEST_TIME_MAX);
	assert_string_equal(br, "br0");
	free(br);
	br = NULL;

	/* Unset: left alone. */
	usec = 7;
	assert_int_equal(vb_guest_runner_settings(path, "other", &usec, &br, NULL), 0);
	assert_int_equal(usec, 7);
	assert_null(br);

	/* A value that is no duration is refused, as it always was. */
	assert_int_equal(vb_guest_runner_settings(path, "slow", &usec, &br, NULL), -EINVAL);
	assert_msg(LOG_ERR, ":5:", "shutdown-timeout = \"5x\": not a duration");
	assert_int_equal(usec, 7);
	unlink(path);
}
/* ---- usb = ---- */

static void test_guest_usb_sections(void **state)
{
	(void)state;
	load("[usb kb]\nid = 046d:c52b\n"
	     "[usb broken]\nid = nope\n"
	     "[guest a]\nusb = kb ghost\n"
	     "[guest b]\nusb = broken\n"
	     "[guest c]\nusb = kb\n");
	/* kb is a's: its other name is missing, but its claim stands. */
	assert_true(guest("a")->bad);
	assert_msg(LOG_ERR, "t.conf:6:", "usb: no [usb ghost] in the configuration");
	assert_true(guest("b")->bad);
	assert_msg(LOG_ERR, "t.conf:8:", "usb: [usb broken] (t.conf:3) is skipped");
	assert_true(guest("c")->bad);
	assert_msg(LOG_ERR, "t.conf:10:", "[usb kb] belongs to [guest a] (t.conf:5)");
	assert_string_equal(vb_usb_section_find(&cfg, "kb")->guest, "a");
	assert_null(vb_usb_section_find(&cfg, "broken"));
}

/* Two guests, one section: the first in file order keeps it, the second is refused. */
static void test_guest_usb_one_guest(void **state)
{
	(void)state;
	load("[usb kb]\nid = 046d:c52b\n"
	     "[usb mouse]\nport = 1-2\n"
	     "[guest first]\nusb = kb mouse\n"
	     "[guest second]\nautostart = yes\nusb = mouse\n");
	assert_false(guest("first")->bad);
	assert_int_equal(guest("first")->n_usb, 2);
	assert_true(guest("second")->bad);
	assert_msg(LOG_ERR, "t.conf:9:", "usb: [usb mouse] belongs to [guest first] (t.conf:5)",
		   "one guest");
	assert_msg(LOG_ERR, "t.conf:7:", "skipping [guest second]");
	assert_string_equal(vb_usb_section_find(&cfg, "kb")->guest, "first");
	assert_string_equal(vb_usb_section_find(&cfg, "mouse")->guest, "first");

	/* Resolved again (as every program does), the answer is the same. */
	vb_guests_free(&guests);
	n_msgs = 0;
	assert_int_equal(vb_guests_resolve(&cfg, &bridges, &guests), 0);
	assert_false(guest("first")->bad);
	assert_true(guest("second")->bad);
	assert_string_equal(vb_usb_section_find(&cfg, "mouse")->guest, "first");
}

static void test_runner_settings_usb(void **state)
{
	char path[] = "/tmp/test-guest-config-XXXXXX";
	const char *text = "[usb kb]\nid = 046d:c52b\nserial = S1\n"
			   "[usb dongle]\nid = 0951:1666\nport = 3-1.4\ncount = any\n"
			   "[guest vm]\nusb = kb dongle\nattach-devices = no\n"
			   "[guest thief]\nusb = dongle\n"
			   "[guest none]\n";
	struct vb_guest_wait w = {0};
	uint64_t usec = 0;
	char *br = NULL;

	(void)state;
	write_config(path, text);

	assert_int_equal(vb_guest_runner_settings(path, "vm", &usec, &br, &w), 0);
	assert_false(w.attach);
	assert_int_equal(w.n_usb, 2);
	assert_string_equal(w.usb[0].name, "kb");
	assert_true(w.usb[0].has_id);
	assert_int_equal(w.usb[0].vendor, 0x046d);
	assert_int_equal(w.usb[0].product, 0xc52b);
	assert_string_equal(w.usb[0].serial, "S1");
	assert_null(w.usb[0].port);
	assert_int_equal(w.usb[0].count, 1);
	assert_null(w.usb[0].file);
	assert_string_equal(w.usb[1].name, "dongle");
	assert_string_equal(w.usb[1].port, "3-1.4");
	assert_null(w.usb[1].serial);
	assert_int_equal(w.usb[1].count, -1);
	vb_guest_wait_free(&w);
	assert_int_equal(w.n_usb, 0);

	/* The second guest to name a section does not get it. */
	assert_int_equal(vb_guest_runner_settings(path, "thief", &usec, &br, &w), 0);
	assert_int_equal(w.n_usb, 0);
	vb_guest_wait_free(&w);
	assert_int_equal(vb_guest_runner_settings(path, "none", &usec, &br, &w), 0);
	assert_int_equal(w.n_usb, 0);
	assert_null(w.usb);
	vb_guest_wait_free(&w);
	unlink(path);
}

/* ---- the binder's records ---- */

static char root[] = "/tmp/vb-guest-config.XXXXXX";

static void write_record(const char *name, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/run/vfio-boot/sections/%s", root, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_section_claimed(void **state)
{
	char cmd[600], *status = NULL;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/run/vfio-boot/sections", root);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(vb_root_set(root), 0);
	write_record("gpu", "version=1\nsection=gpu\nstatus=claimed\nreason=2 of 2\n");
	write_record("usb", "version=1\nstatus=partial\n");
	write_record("nostatus", "version=1\n");

	assert_int_equal(vb_section_claimed("gpu", &status), 1);
	assert_string_equal(status, "claimed");
	free(status);
	assert_int_equal(vb_section_claimed("usb", &status), 0);
	assert_string_equal(status, "partial");
	free(status);
	assert_int_equal(vb_section_claimed("nostatus", &status), 0);
	assert_string_equal(status, "missing");
	free(status);
	assert_int_equal(vb_section_claimed("ghost", &status), 0);
	assert_string_equal(status, "missing");
	free(status);
	/* No way out of the records directory. */
	assert_int_equal(vb_section_claimed("../sections/gpu", &status), 0);
	assert_string_equal(status, "missing");
	free(status);
	assert_int_equal(vb_section_claimed(".", &status), 0);
	free(status);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
	vb_root_set("/");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_guest_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_all_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_later_keys_win, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_value_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_long_times_are_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_device_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runner_settings_resolved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_section_claimed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_usb_sections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_usb_one_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runner_settings_usb, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
