// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The USB model (lib/usb.c) on fake trees: what the scan reads and leaves out, which devices a
 * [usb] section selects, when it refuses to choose, and when a device is ready for QEMU.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "sysroot.h"
#include "usb.h"

#define XHCI "0000:00:04.0"

static struct fx *fx;

static int setup(void **state)
{
	(void)state;
	fx = fx_new();
	assert_int_equal(vb_root_set(fx_root(fx)), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vb_root_set("/");
	fx_free(fx);
	return 0;
}

static void scan(struct vb_usb *u)
{
	assert_int_equal(vb_usb_scan(u), 0);
}

static struct vb_usb_section by_id(uint16_t vendor, uint16_t product)
{
	return (struct vb_usb_section){
		.name = "s", .has_id = true, .vendor = vendor, .product = product, .count = 1};
}

static int select_names(const struct vb_usb_section *s, char *out, size_t size)
{
	struct vb_usb u;
	size_t *idx, n;
	size_t len = 0;
	int r;

	scan(&u);
	r = vb_usb_select(s, &u, &idx, &n);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s", i ? " " : "",
					u.v[idx[i]].name);
	free(idx);
	vb_usb_free(&u);
	return r;
}

static void test_scan(void **state)
{
	struct vb_usb u;
	const struct vb_usb_dev *d;

	(void)state;
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, 0x046d, 0xc52b, "ABC");
	fx_usb_dev(fx, "1-3", XHCI, 1, 6, 0x0951, 0x1666, NULL);
	fx_usb_dev(fx, "1-3.1", XHCI, 1, 7, 0x0951, 0x1666, "S1");
	fx_usb_dev(fx, "2-1", NULL, 2, 2, 0x1234, 0x5678, NULL);
	scan(&u);
	/* usb1, usb2 and every NAME:1.0 left out; sorted by name. */
	assert_int_equal(u.n, 4);
	assert_string_equal(u.v[0].name, "1-2");
	assert_string_equal(u.v[1].name, "1-3");
	assert_string_equal(u.v[2].name, "1-3.1");
	assert_string_equal(u.v[3].name, "2-1");

	d = vb_usb_find(&u, "1-2");
	assert_non_null(d);
	assert_int_equal(d->vendor, 0x046d);
	assert_int_equal(d->product, 0xc52b);
	assert_int_equal(d->busnum, 1);
	assert_int_equal(d->devnum, 5);
	assert_string_equal(d->serial, "ABC");
	assert_string_equal(d->driver, "usb");
	assert_string_equal(d->controller, XHCI);
	assert_false(d->unreadable);

	d = vb_usb_find(&u, "1-3");
	assert_null(d->serial); /* absent: no error */
	assert_false(d->unreadable);
	/* Behind a hub: still its controller's. */
	assert_string_equal(vb_usb_find(&u, "1-3.1")->controller, XHCI);
	assert_string_equal(vb_usb_find(&u, "2-1")->controller, "");
	assert_null(vb_usb_find(&u, "1-9"));
	assert_null(vb_usb_find(&u, "usb1"));
	{
		char buf[128];

		assert_string_equal(vb_usb_describe(vb_usb_find(&u, "1-2"), buf, sizeof(buf)),
				    "1-2 (046d:c52b, serial ABC, bus 1 device 5)");
		assert_string_equal(vb_usb_describe(vb_usb_find(&u, "1-3"), buf, sizeof(buf)),
				    "1-3 (0951:1666, bus 1 device 6)");
		assert_int_equal(vb_usb_node_path(vb_usb_find(&u, "1-2"), buf, sizeof(buf)), 0);
		assert_string_equal(buf, "/dev/bus/usb/001/005");
	}
	vb_usb_free(&u);
}

static void test_no_usb(void **state)
{
	struct vb_usb u;
	struct vb_usb_section s = by_id(0x046d, 0xc52b);
	char names[64];

	(void)state;
	scan(&u);
	assert_int_equal(u.n, 0);
	vb_usb_free(&u);
	/* None present is no error: the device may be plugged in later. */
	assert_int_equal(select_names(&s, names, sizeof(names)), 0);
	assert_string_equal(names, "");
}

static void test_port_valid(void **state)
{
	(void)state;
	assert_true(vb_usb_port_valid("1-2"));
	assert_true(vb_usb_port_valid("1-2.3"));
	assert_true(vb_usb_port_valid("12-1.4.2.1"));
	assert_false(vb_usb_port_valid(""));
	assert_false(vb_usb_port_valid("usb1"));
	assert_false(vb_usb_port_valid("1"));
	assert_false(vb_usb_port_valid("1-"));
	assert_false(vb_usb_port_valid("1-2."));
	assert_false(vb_usb_port_valid("1-2..3"));
	assert_false(vb_usb_port_valid("01-2"));
	assert_false(vb_usb_port_valid("1-0"));
	assert_false(vb_usb_port_valid("1-2:1.0"));
	assert_false(vb_usb_port_valid("1-2/3"));
	assert_false(vb_usb_port_valid("1-2.3.4.5.6.7.8.9.10.11.12.13.14"));
}

static void test_match(void **state)
{
	struct vb_usb u;
	const struct vb_usb_dev *d;
	struct vb_usb_section s = by_id(0x046d, 0xc52b);

	(void)state;
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, 0x046d, 0xc52b, "ABC");
	scan(&u);
	d = vb_usb_find(&u, "1-2");
	assert_true(vb_usb_matches(&s, d));
	s.product = 0xc52c;
	assert_false(vb_usb_matches(&s, d));

	s = (struct vb_usb_section){.serial = "ABC", .count = 1};
	assert_true(vb_usb_matches(&s, d));
	s.serial = "ABCD";
	assert_false(vb_usb_matches(&s, d));

	s = (struct vb_usb_section){.port = "1-2", .count = 1};
	assert_true(vb_usb_matches(&s, d));
	s.port = "1-2.1";
	assert_false(vb_usb_matches(&s, d));

	/* Combinations: every key given must hold. */
	s = by_id(0x046d, 0xc52b);
	s.serial = "ABC";
	s.port = "1-2";
	assert_true(vb_usb_matches(&s, d));
	s.port = "1-3";
	assert_false(vb_usb_matches(&s, d));
	s.port = "1-2";
	s.serial = "XYZ";
	assert_false(vb_usb_matches(&s, d));
	s.serial = NULL;
	s.vendor = 0x1234;
	assert_false(vb_usb_matches(&s, d));
	vb_usb_free(&u);
}

static void test_select_identical(void **state)
{
	struct vb_usb_section s = by_id(0x0951, 0x1666);
	char names[128];

	(void)state;
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, 0x0951, 0x1666, "AAA");
	fx_usb_dev(fx, "1-3", XHCI, 1, 6, 0x0951, 0x1666, "BBB");
	fx_usb_dev(fx, "1-4", XHCI, 1, 7, 0x046d, 0xc52b, NULL);

	/* Two identical, count 1: ambiguous, and both named. */
	assert_int_equal(select_names(&s, names, sizeof(names)), -E2BIG);
	assert_string_equal(names, "1-2 1-3");

	/* Told apart by serial... */
	s.serial = "BBB";
	assert_int_equal(select_names(&s, names, sizeof(names)), 0);
	assert_string_equal(names, "1-3");
	/* ...and by port. */
	s.serial = NULL;
	s.port = "1-2";
	assert_int_equal(select_names(&s, names, sizeof(names)), 0);
	assert_string_equal(names, "1-2");

	/* count = any, and count = 2, take both. */
	s.port = NULL;
	s.count = -1;
	assert_int_equal(select_names(&s, names, sizeof(names)), 0);
	assert_string_equal(names, "1-2 1-3");
	s.count = 2;
	assert_int_equal(select_names(&s, names, sizeof(names)), 0);
	assert_string_equal(names, "1-2 1-3");
}

static void test_unreadable(void **state)
{
	struct vb_usb u;
	struct vb_usb_section s = by_id(0x0951, 0x1666);
	char names[128];
	_cleanup_(freep) char *attr = NULL;

	(void)state;
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, 0x0951, 0x1666, "AAA");
	fx_usb_dev(fx, "1-3", XHCI, 1, 6, 0x046d, 0xc52b, "BBB");
	/* 1-3's idProduct a directory: it cannot be read. */
	assert_int_equal(vb_pathf(&attr, "/sys/bus/usb/devices/1-3/idProduct"), 0);
	assert_int_equal(unlink(attr), 0);
	assert_int_equal(mkdir(attr, 0755), 0);
	scan(&u);
	assert_true(vb_usb_find(&u, "1-3")->unreadable);
	assert_false(vb_usb_find(&u, "1-2")->unreadable);
	assert_false(vb_usb_matches(&s, vb_usb_find(&u, "1-3")));
	vb_usb_free(&u);

	/* It might be a second 0951:1666: fail closed, naming the one that surely matches. */
	assert_int_equal(select_names(&s, names, sizeof(names)), -EIO);
	assert_string_equal(names, "1-2");
	/* What was read rules it out: by port, or by a serial it was read to have. */
	s.port = "1-2";
	assert_int_equal(select_names(&s, names, sizeof(names)), 0);
	s.port = NULL;
	s.serial = "AAA";
	assert_int_equal(select_names(&s, names, sizeof(names)), 0);
	assert_string_equal(names, "1-2");

	/* An unreadable serial where a serial decides. */
	s = (struct vb_usb_section){.serial = "AAA", .count = 1};
	{
		_cleanup_(freep) char *serial = NULL;

		assert_int_equal(vb_pathf(&serial, "/sys/bus/usb/devices/1-2/serial"), 0);
		assert_int_equal(unlink(serial), 0);
		assert_int_equal(mkdir(serial, 0755), 0);
	}
	assert_int_equal(select_names(&s, names, sizeof(names)), -EIO);
	assert_string_equal(names, "");
}

static void test_ready(void **state)
{
	struct vb_usb u;

	(void)state;
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, 0x046d, 0xc52b, NULL);
	scan(&u);
	assert_true(vb_usb_ready(vb_usb_find(&u, "1-2")));
	vb_usb_free(&u);

	/* Just announced by udev: neither bound nor with its node. */
	fx_usb_unready(fx, "1-2");
	scan(&u);
	assert_null(vb_usb_find(&u, "1-2")->driver);
	assert_false(vb_usb_ready(vb_usb_find(&u, "1-2")));
	vb_usb_free(&u);

	/* Bound, node not yet there. */
	fx_symlink(fx, "sys/bus/usb/devices/1-2/driver", "sys/bus/usb/drivers/usb");
	scan(&u);
	assert_string_equal(vb_usb_find(&u, "1-2")->driver, "usb");
	assert_false(vb_usb_ready(vb_usb_find(&u, "1-2")));
	vb_usb_free(&u);

	/* The node there, but another driver. */
	fx_write(fx, "dev/bus/usb/001/005", "", 0600);
	{
		_cleanup_(freep) char *link = fx_path(fx, "sys/bus/usb/devices/1-2/driver");

		assert_int_equal(unlink(link), 0);
	}
	fx_symlink(fx, "sys/bus/usb/devices/1-2/driver", "sys/bus/usb/drivers/usbfs");
	scan(&u);
	assert_false(vb_usb_ready(vb_usb_find(&u, "1-2")));
	vb_usb_free(&u);

	/* Unplugged, then plugged back: a new device number, ready again. */
	fx_usb_remove(fx, "1-2");
	scan(&u);
	assert_int_equal(u.n, 0);
	vb_usb_free(&u);
	fx_usb_dev(fx, "1-2", XHCI, 1, 9, 0x046d, 0xc52b, NULL);
	scan(&u);
	assert_int_equal(vb_usb_find(&u, "1-2")->devnum, 9);
	assert_true(vb_usb_ready(vb_usb_find(&u, "1-2")));
	vb_usb_free(&u);
}

static void test_hostile(void **state)
{
	struct vb_usb u;
	struct vb_usb_section s = by_id(0x046d, 0xc52b);
	char names[128];
	_cleanup_(freep) char *fifo = NULL;
	_cleanup_(freep) char *outside = NULL;

	(void)state;
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, 0x046d, 0xc52b, NULL);
	fx_usb_dev(fx, "1-3", XHCI, 1, 6, 0x0951, 0x1666, NULL);
	/* A link leaving the root, to a device that would match. */
	outside = strdup("/tmp/vb-usb-outside-XXXXXX");
	assert_non_null(mkdtemp(outside));
	{
		static const char *const attrs[][2] = {{"idVendor", "046d\n"},
						       {"idProduct", "c52b\n"},
						       {"busnum", "1\n"},
						       {"devnum", "9\n"}};
		_cleanup_(freep) char *link = NULL;
		char path[512], target[512];

		for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
			FILE *f;

			snprintf(path, sizeof(path), "%s/%s", outside, attrs[i][0]);
			f = fopen(path, "w");
			assert_non_null(f);
			fputs(attrs[i][1], f);
			fclose(f);
		}
		assert_int_equal(vb_pathf(&link, "/sys/bus/usb/devices/1-4"), 0);
		snprintf(target, sizeof(target), "../../../../../../../../../../../../..%s",
			 outside);
		assert_int_equal(symlink(target, link), 0);
	}
	/* A name too long for any port path, and a name that is none. */
	fx_symlink(fx, "sys/bus/usb/devices/1-1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1",
		   "sys/devices/pci0000:00/" XHCI "/usb1/1-2");
	fx_symlink(fx, "sys/bus/usb/devices/foo", "sys/devices/pci0000:00/" XHCI "/usb1/1-2");
	/* A FIFO as 1-3's serial: read, it would wait for a writer for ever. */
	assert_int_equal(vb_pathf(&fifo, "/sys/bus/usb/devices/1-3/serial"), 0);
	assert_int_equal(mkfifo(fifo, 0644), 0);

	scan(&u);
	assert_int_equal(u.n, 2);
	assert_string_equal(u.v[0].name, "1-2");
	assert_string_equal(u.v[1].name, "1-3");
	assert_true(u.v[1].unreadable);
	vb_usb_free(&u);
	/* The device outside the root is not one: 1-2 alone matches. */
	assert_int_equal(select_names(&s, names, sizeof(names)), 0);
	assert_string_equal(names, "1-2");
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", outside);
		assert_int_equal(system(cmd), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_usb, setup, teardown),
		cmocka_unit_test(test_port_valid),
		cmocka_unit_test_setup_teardown(test_match, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_identical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
