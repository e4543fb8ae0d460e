// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * [bridge NAME] and [guest NAME] sections (lib/bridge.c, lib/guest.c): defaults, every key,
 * each error with its file:line, what a bad section takes down with it (guests after it,
 * guests using it) and what it leaves standing, circles of `after`, and the binder's records
 * as the guest's devices check reads them.
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

static struct vb_config cfg;
static struct vb_bridges bridges;
static struct vb_guests guests;

static int setup(void **state)
{
	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	logcap_start();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vb_guests_free(&guests);
	vb_bridges_free(&bridges);
	vb_config_free(&cfg);
	assert_all_msgs_located();
	return 0;
}

static void load(const char *text)
{
	assert_int_equal(vb_config_parse(&cfg, "t.conf", text, strlen(text)), 0);
	assert_int_equal(vb_config_resolve(&cfg), 0);
	assert_int_equal(vb_bridges_resolve(&cfg, &bridges), 0);
	assert_int_equal(vb_guests_resolve(&cfg, &bridges, &guests), 0);
}

static const struct vb_guest *guest(const char *name)
{
	const struct vb_guest *g = vb_guest_find(&guests, name);

	assert_non_null(g);
	return g;
}

static const struct vb_bridge *bridge(const char *name)
{
	const struct vb_bridge *b = vb_bridge_find(&bridges, name);

	assert_non_null(b);
	return b;
}

/* ---- bridges ---- */

static void test_bridge_defaults(void **state)
{
	const struct vb_bridge *b;

	(void)state;
	load("[bridge br0]\nuplink = eth0\n");
	b = bridge("br0");
	assert_false(b->bad);
	assert_string_equal(b->uplink, "eth0");
	assert_string_equal(b->uplink_mac, "");
	assert_string_equal(b->mac, "");
	assert_true(b->dhcp);
	assert_false(b->stp);
	assert_null(b->address);
	assert_null(b->gateway);
	assert_int_equal(b->line, 1);
	assert_int_equal(cfg.n_errors, 0);
}

static void test_bridge_all_keys(void **state)
{
	const struct vb_bridge *b;

	(void)state;
	load("[bridge br1]\nuplink-mac = 52:54:00:AB:CD:EF\nmac = 02-00-00-00-00-01\n"
	     "stp = yes\naddress = 192.0.2.10/24\ngateway = 192.0.2.1\n");
	b = bridge("br1");
	assert_false(b->bad);
	assert_null(b->uplink);
	assert_string_equal(b->uplink_mac, "52:54:00:ab:cd:ef");
	assert_string_equal(b->mac, "02:00:00:00:00:01");
	assert_true(b->stp);
	/* A static address means no DHCP unless asked for. */
	assert_false(b->dhcp);
	assert_int_equal(b->family, AF_INET);
	assert_string_equal(b->address, "192.0.2.10/24");
	assert_string_equal(b->gateway, "192.0.2.1");
}

static void test_bridge_dhcp_and_static(void **state)
{
	(void)state;
	load("[bridge a]\nuplink = eth0\naddress = 2001:db8::1/64\ndhcp = on\n"
	     "[bridge b]\nuplink = eth1\ndhcp = FALSE\n");
	assert_true(bridge("a")->dhcp);
	assert_int_equal(bridge("a")->family, AF_INET6);
	assert_false(bridge("b")->dhcp);
	assert_false(bridge("b")->bad);
}

static void test_bridge_errors(void **state)
{
	(void)state;
	load("[bridge both]\nuplink = eth0\nuplink-mac = 52:54:00:00:00:01\n"
	     "[bridge none]\n"
	     "[bridge badif]\nuplink = eth0/../x\n"
	     "[bridge digits]\nuplink = 123\n"
	     "[bridge self]\nuplink = self\n"
	     "[bridge mcast]\nuplink-mac = 01:00:5e:00:00:01\n"
	     "[bridge zero]\nuplink = eth9\nmac = 00:00:00:00:00:00\n"
	     "[bridge sep]\nuplink-mac = 52:54-00:00:00:01\n"
	     "[bridge stp]\nuplink = eth2\nstp = sometimes\n"
	     "[bridge addr]\nuplink = eth3\naddress = 192.0.2.1\n"
	     "[bridge prefix]\nuplink = eth4\naddress = 192.0.2.1/33\n"
	     "[bridge gw]\nuplink = eth5\ngateway = 192.0.2.1\n"
	     "[bridge fam]\nuplink = eth6\naddress = 192.0.2.2/24\ngateway = fe80::1\n"
	     "[bridge good]\nuplink = eth7\n");
	assert_true(bridge("both")->bad);
	assert_msg(LOG_ERR, "t.conf:3:", "both uplink and uplink-mac");
	assert_true(bridge("none")->bad);
	assert_msg(LOG_ERR, "t.conf:4:", "[bridge none] has no uplink");
	assert_true(bridge("badif")->bad);
	assert_msg(LOG_ERR, "t.conf:6:", "uplink = \"eth0/../x\"", "interface name");
	assert_true(bridge("digits")->bad);
	assert_true(bridge("self")->bad);
	assert_msg(LOG_ERR, "t.conf:10:", "the bridge itself");
	assert_true(bridge("mcast")->bad);
	assert_msg(LOG_ERR, "t.conf:12:", "unicast MAC");
	assert_true(bridge("zero")->bad);
	assert_true(bridge("sep")->bad);
	assert_true(bridge("stp")->bad);
	assert_msg(LOG_ERR, "t.conf:20:", "stp = \"sometimes\"", "yes or no");
	assert_true(bridge("addr")->bad);
	assert_msg(LOG_ERR, "t.conf:23:", "prefix length");
	assert_true(bridge("prefix")->bad);
	assert_true(bridge("gw")->bad);
	assert_msg(LOG_ERR, "t.conf:29:", "without address");
	assert_true(bridge("fam")->bad);
	assert_msg(LOG_ERR, "t.conf:33:", "same IP version");
	assert_false(bridge("good")->bad);
	assert_msg(LOG_ERR, "t.conf:1:", "skipping [bridge both]");
}

static void test_bridge_shared_uplink(void **state)
{
	(void)state;
	load("[bridge a]\nuplink = eth0\n[bridge b]\nuplink = eth0\n"
	     "[bridge c]\nuplink-mac = 52:54:00:00:00:01\n[bridge d]\nuplink-mac = 52-54-00-00-00-01\n");
	assert_false(bridge("a")->bad);
	assert_true(bridge("b")->bad);
	assert_msg(LOG_ERR, "t.conf:4:", "uses the uplink of [bridge a] (t.conf:1)");
	assert_false(bridge("c")->bad);
	assert_true(bridge("d")->bad);
}

static void test_mac_and_ifname_helpers(void **state)
{
	char mac[VB_MAC_LEN];

	(void)state;
	assert_int_equal(vb_mac_parse("AA:bb:CC:dd:EE:ff", mac), 0);
	assert_string_equal(mac, "aa:bb:cc:dd:ee:ff");
	assert_int_equal(vb_mac_parse("aa:bb:cc:dd:ee", mac), -EINVAL);
	assert_int_equal(vb_mac_parse("aa:bb:cc:dd:ee:ff:00", mac), -EINVAL);
	assert_int_equal(vb_mac_parse("aabbccddeeff", mac), -EINVAL);
	assert_int_equal(vb_mac_parse("aa:bb:cc:dd:ee:fg", mac), -EINVAL);
	assert_true(vb_ifname_valid("enp3s0f1np1"));
	assert_true(vb_ifname_valid("eth0.100"));
	assert_false(vb_ifname_valid("sixteen-chars-xx"));
	assert_false(vb_ifname_valid(".."));
	assert_false(vb_ifname_valid("a b"));
	assert_false(vb_ifname_valid("a:b"));
	assert_false(vb_ifname_valid(""));
	assert_true(vb_ifname_valid("fifteen-chars-x"));
	assert_false(vb_ifname_valid("."));
	assert_false(vb_ifname_valid("100"));
	assert_false(vb_ifname_valid("a/b"));
	assert_false(vb_ifname_valid("a\tb"));
	assert_false(vb_ifname_valid("eth0'"));
	assert_int_equal(vb_parse_bool("Yes"), 1);
	assert_int_equal(vb_parse_bool("0"), 0);
	assert_int_equal(vb_parse_bool("y"), -EINVAL);
}

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

/* The guest runner reads the same resolved [guest] section: its times are cut there too. */
static void test_runner_settings_resolved(void **state)
{
	char path[] = "/tmp/test-guest-config-XXXXXX";
	const char *text = "[guest vm]\nshutdown-timeout = 90min\nbridge = br0\n"
			   "[guest slow]\nshutdown-timeout = 5x\n";
	uint64_t usec = 7;
	char *br = NULL;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, 0644), 0);
	close(fd);

	assert_int_equal(vb_guest_runner_settings(path, "vm", &usec, &br), 0);
	assert_int_equal(usec, VB_GUEST_TIME_MAX);
	assert_string_equal(br, "br0");
	free(br);
	br = NULL;

	/* Unset: left alone. */
	usec = 7;
	assert_int_equal(vb_guest_runner_settings(path, "other", &usec, &br), 0);
	assert_int_equal(usec, 7);
	assert_null(br);

	/* A value that is no duration is refused, as it always was. */
	assert_int_equal(vb_guest_runner_settings(path, "slow", &usec, &br), -EINVAL);
	assert_msg(LOG_ERR, ":5:", "shutdown-timeout = \"5x\": not a duration");
	assert_int_equal(usec, 7);
	unlink(path);
}

static void test_guest_references(void **state)
{
	(void)state;
	load("[device gpu]\nmatch = id=1234:1111\n"
	     "[device broken]\ncount = 2\n"
	     "[bridge bad]\n"
	     "[guest nodev]\ndevices = gpu nosuch\n"
	     "[guest brokendev]\ndevices = broken\n"
	     "[guest nobridge]\nbridge = br9\n"
	     "[guest badbridge]\nbridge = bad\n"
	     "[guest noafter]\nafter = ghost\n"
	     "[guest self]\nafter = self\n"
	     "[guest quote]\nafter = \"open\n"
	     "[guest empty]\nafter = \"\"\n");
	assert_true(guest("nodev")->bad);
	assert_msg(LOG_ERR, "t.conf:7:", "no [device nosuch]");
	assert_true(guest("brokendev")->bad);
	assert_msg(LOG_ERR, "t.conf:9:", "[device broken] (t.conf:3) is skipped");
	assert_true(guest("nobridge")->bad);
	assert_msg(LOG_ERR, "t.conf:11:", "no [bridge br9]");
	assert_true(guest("badbridge")->bad);
	assert_msg(LOG_ERR, "t.conf:13:", "[bridge bad] (t.conf:5) is skipped");
	assert_true(guest("noafter")->bad);
	assert_msg(LOG_ERR, "t.conf:15:", "no [guest ghost]");
	assert_true(guest("self")->bad);
	assert_msg(LOG_ERR, "t.conf:17:", "cannot start after itself");
	assert_true(guest("quote")->bad);
	assert_msg(LOG_ERR, "t.conf:19:", "double quotes");
	assert_true(guest("empty")->bad);
}

static void test_guest_cascade(void **state)
{
	(void)state;
	load("[guest bad]\nrestart = always\n[guest a]\nafter = bad\n[guest b]\nafter = a\n"
	     "[guest c]\n[guest d]\nafter = c\n");
	assert_true(guest("a")->bad);
	assert_msg(LOG_ERR, "t.conf:3:", "[guest a] starts after [guest bad] (t.conf:1)");
	assert_true(guest("b")->bad);
	assert_msg(LOG_ERR, "t.conf:5:", "[guest b] starts after [guest a]");
	assert_false(guest("c")->bad);
	assert_false(guest("d")->bad);
}

static void test_guest_circles(void **state)
{
	(void)state;
	load("[guest a]\nafter = b\n[guest b]\nafter = c\n[guest c]\nafter = a\n"
	     "[guest d]\nafter = a\n[guest e]\n[guest f]\nafter = e\n"
	     "[guest x]\nafter = y\n[guest y]\nafter = x\n");
	assert_true(guest("a")->bad);
	assert_true(guest("b")->bad);
	assert_true(guest("c")->bad);
	assert_msg(LOG_ERR, "t.conf:1:", "[guest a] is in a circle", "a starts after b");
	assert_msg(LOG_ERR, "t.conf:5:", "c starts after a");
	/* Not in the circle, but after it: it could never start. */
	assert_true(guest("d")->bad);
	assert_false(guest("e")->bad);
	assert_false(guest("f")->bad);
	assert_true(guest("x")->bad);
	assert_true(guest("y")->bad);
}

/* A long chain into a circle: all of it is skipped, each guest for the one it starts after. */
static void test_guest_long_chain(void **state)
{
	enum { N = 3000 };
	char *text = NULL, name[16];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	for (int i = 1; i <= N; i++)
		fprintf(f, "[guest g%d]\nafter = g%d\n", i, i < N ? i + 1 : N - 2);
	fprintf(f, "[guest h1]\nafter = h2\n[guest h2]\nafter = h3\n[guest h3]\n");
	fclose(f);
	load(text);
	free(text);
	for (int i = 1; i <= N; i++) {
		snprintf(name, sizeof(name), "g%d", i);
		assert_true(guest(name)->bad);
	}
	assert_msg(LOG_ERR, "[guest g2998] is in a circle", "g2998 starts after g2999");
	assert_msg(LOG_ERR, "[guest g3000] is in a circle", "g3000 starts after g2998");
	assert_msg(LOG_ERR, "[guest g2997] starts after [guest g2998]", "which is skipped");
	/* Each guest once for why, once for skipping it (only the first messages are kept). */
	assert_int_equal(n_msgs, 2 * N);
	assert_false(guest("h1")->bad);
	assert_false(guest("h2")->bad);
	assert_false(guest("h3")->bad);
}

static void test_guest_names(void **state)
{
	char text[1200], name[400], spaced[128];

	(void)state;
	load("[guest a/b]\n[guest ..]\n[guest -x]\n[guest 50%]\n");
	assert_true(guest("a/b")->bad);
	assert_msg(LOG_ERR, "t.conf:1:", "cannot contain '/'");
	assert_string_equal(guest("..")->unit, "vfio-boot-guest@\\x2e..service");
	assert_string_equal(guest("-x")->unit, "vfio-boot-guest@\\x2dx.service");
	assert_string_equal(guest("50%")->unit, "vfio-boot-guest@50\\x25.service");
	teardown(NULL);
	setup(NULL);

	/*
	 * The config takes names up to 200 bytes: plain ones always fit a unit name; escaped
	 * ones need not: 50 "a " are 246 bytes once escaped, more than the 229 left.
	 */
	memset(name, 'x', 200);
	name[200] = '\0';
	strcpy(spaced, "a");
	for (int i = 0; i < 49; i++)
		strcat(spaced, " a");
	snprintf(text, sizeof(text), "[guest %s]\n[guest %s]\n", name, spaced);
	load(text);
	assert_false(guest(name)->bad);
	assert_int_equal(strlen(guest(name)->unit), 224);
	assert_true(guest(spaced)->bad);
	assert_msg(LOG_ERR, "too long for a systemd unit");
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

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bridge_defaults),
		T(test_bridge_all_keys),
		T(test_bridge_dhcp_and_static),
		T(test_bridge_errors),
		T(test_bridge_shared_uplink),
		T(test_mac_and_ifname_helpers),
		T(test_guest_defaults),
		T(test_guest_all_keys),
		T(test_guest_later_keys_win),
		T(test_guest_value_errors),
		T(test_guest_long_times_are_cut),
		T(test_runner_settings_resolved),
		T(test_guest_references),
		T(test_guest_cascade),
		T(test_guest_circles),
		T(test_guest_long_chain),
		T(test_guest_names),
		T(test_section_claimed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
