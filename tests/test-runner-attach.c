// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PCI by section: at start the runner makes the domain's PCI hostdevs for its `devices =`
 * sections the devices claimed for them at this boot. The runner (guest_main) runs in this
 * process against test:///default, whose defined domains live as long as the process, so the
 * test reads back the persistent definition the runner left.
 *
 * The host is fx_q35_two_gpus: two identical GPUs (1234:1111) with their audio functions, at
 * 01:00.x and 02:00.x. [device gpu] claimed 01:00.0 and 01:00.1 at this boot; the domains
 * name 02:00.x, as after a new card renumbered the buses.
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
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>

#include "cli.h"
#include "fixture.h"
#include "logcapture.h"
#include "runner/runner-domain.h"
#include "runner/runner-fixture.h"
#include "runner-hostdev.h"

#define URI	  "test:///default"
#define RF_AUDIO0 "0000:01:00.1"

static virConnectPtr conn;
static struct fx *fx;

static const char config[] = "[device gpu]\n"
			     "match = id=1234:1111 boot_vga=0\n"
			     "\n"
			     "[guest %s]\n"
			     "devices = gpu\n"
			     "attach-devices = %s\n";

/* [guest name] with devices = gpu, and the gpu section's record: claimed, holding devices. */
static void host(const char *name, const char *attach, const char *devices)
{
	char text[512];

	snprintf(text, sizeof(text), config, name, attach);
	fx_write(fx, "etc/vfio-boot/vfio-boot.conf", text, 0644);
	snprintf(text, sizeof(text),
		 "name=gpu\nsource=/etc/vfio-boot/vfio-boot.conf:1\nstatus=claimed\nreason=all "
		 "claimed\ndevices=%s\n",
		 devices);
	fx_write(fx, "run/vfio-boot/sections/gpu", text, 0644);
}

/* vfio-boot guest start [--dry-run] name; with out, what it printed (malloc'd). */
static int start(const char *name, bool dry_run, char **out)
{
	char *argv[] = {"guest",
			"start",
			"--uri",
			URI,
			"--root",
			(char *)fx_root(fx),
			dry_run ? "--dry-run" : "-v",
			"--",
			(char *)name,
			NULL};
	char *path = fx_path(fx, ".stdout");
	int saved, fd, r;

	fflush(stdout);
	saved = dup(1);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 1);
	close(fd);
	r = guest_main(9, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	free(path);
	if (out) {
		*out = fx_read(fx, ".stdout");
		assert_non_null(*out);
	}
	return r;
}

static int state_of(virDomainPtr d)
{
	int state, reason;

	assert_int_equal(virDomainGetState(d, &state, &reason, 0), 0);
	return state;
}

static void undefine(virDomainPtr d)
{
	virDomainDestroy(d);
	virDomainUndefine(d);
	virDomainFree(d);
}

static int setup(void **state)
{
	(void)state;
	fx = rf_setup();
	/* [device gpu] claimed the first GPU: both functions are on vfio-pci. */
	rf_rebind(fx, RF_GPU0, "vfio-pci");
	rf_rebind(fx, RF_AUDIO0, "vfio-pci");
	logcap_start();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_free(fx);
	fx = NULL;
	return 0;
}

static const char moved_devices[] = RD_HOSTDEV(
	"02", "0", RD_ALIAS("ua-vfio-boot-pci-gpu-0") "<rom bar='off'/>" RD_GUEST("06", "0"))
	RD_HOSTDEV("02", "1", RD_ALIAS("ua-vfio-boot-pci-gpu-1") RD_GUEST("07", "0"));

/*
 * The hostdevs vfio-boot added at an earlier boot name 02:00.x; the section now holds 01:00.x.
 * Each is pointed at its device and keeps its guest address and the rest of what it says.
 */
static void test_moved_keeps_guest_address(void **state)
{
	virDomainPtr d = rd_define(conn, "at-moved", moved_devices);
	char *xml, *h;

	(void)state;
	assert_non_null(d);
	host("at-moved", "yes", RF_AUDIO0 " " RF_GPU0); /* any order: by address */
	assert_int_equal(start("at-moved", false, NULL), EXIT_OK);
	assert_int_equal(state_of(d), VIR_DOMAIN_RUNNING);
	assert_msg(LOG_NOTICE, "guest at-moved: [device gpu] moved: hostdev ua-vfio-boot-pci-gpu-0 "
			       "0000:02:00.0 -> 0000:01:00.0 (guest address 0000:06:00.0 kept)");
	assert_msg(LOG_NOTICE, "moved: hostdev ua-vfio-boot-pci-gpu-1 0000:02:00.1 -> 0000:01:00.1 "
			       "(guest address 0000:07:00.0 kept)");

	xml = rd_inactive_xml(d);
	h = rd_hostdev_with(xml, "ua-vfio-boot-pci-gpu-0");
	assert_non_null(h);
	assert_non_null(
		strstr(h, "<address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>"));
	assert_non_null(strstr(h, "<address type='pci' domain='0x0000' bus='0x06' slot='0x00' "
				  "function='0x0'/>"));
	assert_non_null(strstr(h, "<rom bar='off'/>"));
	free(h);
	h = rd_hostdev_with(xml, "ua-vfio-boot-pci-gpu-1");
	assert_non_null(h);
	assert_non_null(strstr(h, "bus='0x01' slot='0x00' function='0x1'/>"));
	assert_non_null(strstr(h, "bus='0x07' slot='0x00' function='0x0'/>"));
	free(h);
	assert_int_equal(rd_count(xml, "<hostdev "), 2);
	assert_null(strstr(xml, "bus='0x02'"));
	free(xml);
	undefine(d);
}

/*
 * A hostdev the user wrote for a device of the section stays as written and is not added a
 * second time; the section's other device is added with the mark.
 */
static void test_hand_written_not_doubled(void **state)
{
	virDomainPtr d = rd_define(conn, "at-hand", RD_HOSTDEV("01", "0", RD_GUEST("05", "0")));
	char *xml;

	(void)state;
	assert_non_null(d);
	host("at-hand", "yes", RF_GPU0 " " RF_AUDIO0);
	assert_int_equal(start("at-hand", false, NULL), EXIT_OK);
	assert_msg(LOG_INFO, "guest at-hand: [device gpu]: 0000:01:00.0 is named by a hostdev "
			     "written by hand; not added");
	assert_msg(LOG_NOTICE, "guest at-hand: [device gpu] added: hostdev "
			       "ua-vfio-boot-pci-gpu-1 0000:01:00.1");
	xml = rd_inactive_xml(d);
	assert_int_equal(rd_count(xml, "bus='0x01' slot='0x00' function='0x0'/>"), 1);
	assert_int_equal(rd_count(xml, "bus='0x01' slot='0x00' function='0x1'/>"), 1);
	assert_int_equal(rd_count(xml, "<hostdev "), 2);
	assert_null(strstr(xml, "ua-vfio-boot-pci-gpu-0"));
	assert_non_null(strstr(xml, "bus='0x05' slot='0x00' function='0x0'/>"));
	free(xml);
	undefine(d);
}

/*
 * The user's hostdev names 02:00.0, which now holds the twin of the card the section claimed
 * at 01:00.0, on vfio-pci as well: refused with both addresses, the definition untouched.
 */
static void test_hand_written_twin_refused(void **state)
{
	virDomainPtr d = rd_define(conn, "at-twin", RD_HOSTDEV("02", "0", ""));
	char *before, *after, *out;

	(void)state;
	assert_non_null(d);
	rf_claim_gpu1(fx);
	host("at-twin", "yes", RF_GPU0);
	before = rd_inactive_xml(d);
	assert_int_equal(start("at-twin", false, NULL), EXIT_PROBLEM);
	assert_msg(LOG_ERR,
		   "guest at-twin: hostdev 0000:02:00.0 written by hand now holds "
		   "1234:1111",
		   "[device gpu] claimed 0000:01:00.0 (1234:1111) at this boot: the card moved?");
	assert_msg(LOG_ERR, "guest at-twin: not started: 1 problem above");
	assert_int_equal(state_of(d), VIR_DOMAIN_SHUTOFF);
	after = rd_inactive_xml(d);
	assert_string_equal(before, after);
	free(after);
	/* A dry run says the same, exit 2. */
	assert_int_equal(start("at-twin", true, &out), EXIT_PROBLEM);
	assert_non_null(strstr(out, "guest at-twin: would not start"));
	free(out);
	free(before);
	undefine(d);
}

/* attach-devices = no: only the checks, as before; the moved address is refused. */
static void test_opt_out_checks_only(void **state)
{
	virDomainPtr d = rd_define(conn, "at-optout", moved_devices);
	char *before, *after;

	(void)state;
	assert_non_null(d);
	host("at-optout", "no", RF_GPU0 " " RF_AUDIO0);
	before = rd_inactive_xml(d);
	assert_int_equal(start("at-optout", false, NULL), EXIT_PROBLEM);
	assert_msg(LOG_ERR, "PCI device 0000:02:00.0 (hostdev, 1234:1111) is bound to bochs-drm");
	assert_no_msg(-1, "moved");
	after = rd_inactive_xml(d);
	assert_string_equal(before, after);
	free(after);
	free(before);
	/* The same guest with attach-devices = yes starts with the claimed devices. */
	host("at-optout", "yes", RF_GPU0 " " RF_AUDIO0);
	assert_int_equal(start("at-optout", false, NULL), EXIT_OK);
	undefine(d);
}

/* Devices claimed at this boot that the definition never had are added, with the mark. */
static void test_added(void **state)
{
	virDomainPtr d = rd_define(conn, "at-add", "");
	char *xml, *h;

	(void)state;
	assert_non_null(d);
	host("at-add", "yes", RF_GPU0 " " RF_AUDIO0);
	assert_int_equal(start("at-add", false, NULL), EXIT_OK);
	assert_msg(LOG_NOTICE, "guest at-add: [device gpu] added: hostdev ua-vfio-boot-pci-gpu-0 "
			       "0000:01:00.0 (libvirt picks its guest address)");
	xml = rd_inactive_xml(d);
	assert_int_equal(rd_count(xml, "<hostdev "), 2);
	h = rd_hostdev_with(xml, "ua-vfio-boot-pci-gpu-0");
	assert_non_null(h);
	assert_non_null(strstr(h, "managed='no'"));
	assert_non_null(strstr(h, "bus='0x01' slot='0x00' function='0x0'/>"));
	free(h);
	h = rd_hostdev_with(xml, "ua-vfio-boot-pci-gpu-1");
	assert_non_null(h);
	assert_non_null(strstr(h, "bus='0x01' slot='0x00' function='0x1'/>"));
	free(h);
	free(xml);
	/* Nothing to change the second time: no define. */
	n_msgs = 0;
	virDomainDestroy(d);
	assert_int_equal(start("at-add", false, NULL), EXIT_OK);
	assert_no_msg(-1, "added");
	assert_no_msg(-1, "persistent definition now has");
	undefine(d);
}

/* --dry-run says what it would change and that it would start, and changes nothing. */
static void test_dry_run(void **state)
{
	virDomainPtr d = rd_define(conn, "at-dry", moved_devices);
	char *before, *after, *out;

	(void)state;
	assert_non_null(d);
	host("at-dry", "yes", RF_GPU0 " " RF_AUDIO0);
	before = rd_inactive_xml(d);
	assert_int_equal(start("at-dry", true, &out), EXIT_OK);
	if (!strstr(out, "guest at-dry: [device gpu] would move: hostdev ua-vfio-boot-pci-gpu-0 "
			 "0000:02:00.0 -> 0000:01:00.0 (guest address 0000:06:00.0 kept)") ||
	    !strstr(out, "guest at-dry: would start"))
		fail_msg("dry run printed:\n%s", out);
	free(out);
	assert_int_equal(state_of(d), VIR_DOMAIN_SHUTOFF);
	after = rd_inactive_xml(d);
	assert_string_equal(before, after);
	free(after);
	free(before);
	undefine(d);
}

/*
 * Marked hostdevs of a section the guest no longer lists, or beyond the devices its section
 * holds now, are removed; the user's own hostdevs are not touched.
 */
static void test_stale_mark_removed(void **state)
{
	virDomainPtr d =
		rd_define(conn, "at-stale",
			  RD_HOSTDEV("01", "0", RD_ALIAS("ua-vfio-boot-pci-gpu-0"))
				  RD_HOSTDEV("02", "0", RD_ALIAS("ua-vfio-boot-pci-gpu-1"))
					  RD_HOSTDEV("02", "1", RD_ALIAS("ua-vfio-boot-pci-old-0"))
						  RD_HOSTDEV("01", "1", RD_ALIAS("ua-my-audio")));
	char *xml;

	(void)state;
	assert_non_null(d);
	host("at-stale", "yes", RF_GPU0);
	assert_int_equal(start("at-stale", false, NULL), EXIT_OK);
	assert_msg(LOG_NOTICE, "guest at-stale: [device gpu] removed: hostdev "
			       "ua-vfio-boot-pci-gpu-1 0000:02:00.0 ([device gpu] holds 1 device "
			       "at this boot)");
	assert_msg(LOG_NOTICE, "guest at-stale: [device old] removed: hostdev "
			       "ua-vfio-boot-pci-old-0 0000:02:00.1 (devices = no longer lists "
			       "[device old])");
	xml = rd_inactive_xml(d);
	assert_int_equal(rd_count(xml, "<hostdev "), 2);
	assert_non_null(strstr(xml, "ua-vfio-boot-pci-gpu-0"));
	assert_non_null(strstr(xml, "ua-my-audio"));
	assert_null(strstr(xml, "bus='0x02'"));
	free(xml);
	undefine(d);
}

static void expect_change(const struct hd_change *c, enum hd_kind kind, size_t have, size_t want)
{
	if (c->kind != kind || c->have != have || c->want != want)
		fail_msg("change %d (hostdev %zu, want %zu), expected %d (hostdev %zu, want %zu)",
			 c->kind, c->have, c->want, kind, have, want);
}

/*
 * The finer rules of the decision: a marked hostdev of a section that is listed but not
 * claimed at this boot is left for the checks; a second hostdev with the same mark goes; the
 * user's hostdev at a twin's address is no conflict when the user also names the section's
 * device by hand.
 */
static void test_decide_rules(void **state)
{
	const struct hd_section sections[] = {{"gpu", true}, {"nic", false}};
	const struct hd_want want[] = {
		{.section = "gpu", .index = 0, .addr = RF_GPU0, .vendor = 0x1234, .device = 0x1111},
	};
	struct hd_have have[] = {
		{.ours = true, .section = "nic", .index = 0, .addr = "0000:03:01.0"},
		{.ours = true, .section = "gpu", .index = 0, .addr = RF_GPU0},
		{.ours = true, .section = "gpu", .index = 0, .addr = RF_GPU1},
		{.addr = RF_GPU1, .present = true, .vendor = 0x1234, .device = 0x1111},
	};
	struct hd_change *v;
	size_t n;

	(void)state;
	assert_int_equal(hd_decide(sections, 2, want, 1, have, 4, &v, &n), 0);
	/* The double goes; the twin at 02:00.0 is refused: the user names no 01:00.0. */
	assert_int_equal(n, 2);
	expect_change(&v[0], HD_REMOVE, 2, SIZE_MAX);
	expect_change(&v[1], HD_CONFLICT, 3, 0);
	free(v);

	/* The user names 01:00.0 too: ours for it goes, and 02:00.0 is the user's business. */
	have[2] = (struct hd_have){
		.addr = RF_GPU0, .present = true, .vendor = 0x1234, .device = 0x1111};
	assert_int_equal(hd_decide(sections, 2, want, 1, have, 4, &v, &n), 0);
	assert_int_equal(n, 2);
	expect_change(&v[0], HD_REMOVE, 1, SIZE_MAX);
	expect_change(&v[1], HD_COVERED, 2, 0);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_moved_keeps_guest_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hand_written_not_doubled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hand_written_twin_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opt_out_checks_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_added, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_mark_removed, setup, teardown),
		cmocka_unit_test(test_decide_rules),
	};
	int r;

	conn = virConnectOpen(URI);
	if (!conn) {
		fprintf(stderr, "test-runner-attach: cannot open %s\n", URI);
		return 1;
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	virConnectClose(conn);
	return r;
}
