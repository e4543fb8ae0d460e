// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * [bridge NAME] sections (lib/bridge.c): defaults, every key, each error with its
 * file:line, shared uplinks, and the MAC and interface-name rules.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bridge_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bridge_all_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bridge_dhcp_and_static, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bridge_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bridge_shared_uplink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mac_and_ifname_helpers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
