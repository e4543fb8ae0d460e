// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vb_config_load on a real directory tree: file order, ownership and permissions, files
 * that are not regular, links, and names that can be recorded.
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

/* ---- vb_config_load on a tree ---- */

static char root[64];

static void mkdir_in_root(const char *rel, mode_t mode)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(mkdir(p, mode), 0);
	assert_int_equal(chmod(p, mode), 0);
}

/* Absolute (outside the root) when rel starts with '/'. */
static void write_file(const char *rel, const char *text, mode_t mode)
{
	char p[256];
	int fd;

	if (rel[0] == '/')
		snprintf(p, sizeof(p), "%s", rel);
	else
		snprintf(p, sizeof(p), "%s/%s", root, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	/* The umask must not decide what a permission test tests. */
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void rel_chmod(const char *rel, mode_t mode)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(chmod(p, mode), 0);
}

static int setup_tree(void **state)
{
	setup(state);
	snprintf(root, sizeof(root), "/tmp/vb-test-config-XXXXXX");
	assert_non_null(mkdtemp(root));
	assert_int_equal(chmod(root, 0755), 0);
	mkdir_in_root("etc", 0755);
	mkdir_in_root("etc/vfio-boot", 0755);
	mkdir_in_root("etc/vfio-boot/conf.d", 0755);
	assert_int_equal(vb_root_set(root), 0);
	return 0;
}

static int teardown_tree(void **state)
{
	char cmd[128];

	teardown(state);
	vb_root_set(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void test_load_main_then_dropins_in_order(void **state)
{
	const struct vb_device *d;

	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf",
		   "[device gpu]\nmatch = id=1234:1111\ncount = 2\nfunctions = only\n", 0644);
	/* Written in reverse so that directory order is not lexical order by luck. */
	write_file("etc/vfio-boot/conf.d/20-b.conf", "[device gpu]\ncount = 3\n", 0644);
	write_file("etc/vfio-boot/conf.d/10-a.conf",
		   "[device gpu]\ncount = 1\n[binder]\nwait = 2s\n", 0600);
	write_file("etc/vfio-boot/conf.d/99-z.conf.bak", "[device gpu]\ncount = 9\n", 0644);
	write_file("etc/vfio-boot/conf.d/README", "this is not a config file\n", 0644);
	write_file("etc/vfio-boot/conf.d/.hidden.conf", "[device gpu]\ncount = 8\n", 0644);

	assert_int_equal(vb_config_load(&cfg, NULL), 0);
	assert_int_equal(cfg.n_files, 3);
	assert_string_equal(cfg.files[0], "/etc/vfio-boot/vfio-boot.conf");
	assert_string_equal(cfg.files[1], "/etc/vfio-boot/conf.d/10-a.conf");
	assert_string_equal(cfg.files[2], "/etc/vfio-boot/conf.d/20-b.conf");
	d = device("gpu");
	assert_non_null(d);
	assert_int_equal(d->count, 3);
	assert_true(d->functions_only);
	assert_int_equal(cfg.wait_usec, 2000000);
	assert_int_equal(cfg.n_errors, 0);
}

static void test_load_errors_name_path_without_root(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/conf.d/10-a.conf",
		   "[device gpu]\nmatch = id=1234:1111\ncount = 0\n", 0644);
	assert_int_equal(vb_config_load(&cfg, NULL), 0);
	assert_int_equal(cfg.n_devices, 0);
	/* The user knows the file by its path on the host, not below a test root. */
	assert_msg(LOG_ERR, "/etc/vfio-boot/conf.d/10-a.conf:3: ");
	assert_no_msg(-1, root);
}

static void test_load_only_dropins(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/conf.d/50-usb.conf", "[device usb]\nmatch = class=0c0330\n",
		   0644);
	assert_int_equal(vb_config_load(&cfg, NULL), 0);
	assert_non_null(device("usb"));
}

static void test_load_nothing_is_enoent(void **state)
{
	(void)state;
	/* The directories exist but hold no config. */
	write_file("etc/vfio-boot/conf.d/README", "not a config\n", 0644);
	assert_int_equal(vb_config_load(&cfg, NULL), -ENOENT);
	assert_int_equal(cfg.n_devices, 0);
	vb_config_free(&cfg);

	/* No /etc/vfio-boot at all. */
	assert_int_equal(vb_root_set("/nonexistent-vfio-boot-root"), 0);
	assert_int_equal(vb_config_load(&cfg, NULL), -ENOENT);
	assert_int_equal(cfg.n_devices, 0);
}

static void expect_refused(const char *needle)
{
	assert_int_equal(vb_config_load(&cfg, NULL), -EPERM);
	/* Refused whole: not even the sections of good files survive. */
	assert_int_equal(cfg.n_devices, 0);
	assert_msg(LOG_ERR, needle);
}

static void rel_symlink(const char *target, const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(symlink(target, p), 0);
}

/* Whatever a refusal is about, the config is refused whole and the message names the file. */
static void expect_refused_naming(const char *file, const char *why)
{
	assert_int_equal(vb_config_load(&cfg, NULL), -EPERM);
	assert_int_equal(cfg.n_devices, 0);
	assert_msg(LOG_ERR, file, why);
	/* -EPERM tells the programs that the reason was logged: nothing is to add to it. */
	assert_int_equal(n_msgs, 1);
}

static void test_load_refuses_group_writable_file(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0664);
	expect_refused("/etc/vfio-boot/vfio-boot.conf is writable by group or others");
}

static void test_load_refuses_world_writable_dropin(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	write_file("etc/vfio-boot/conf.d/10-a.conf", "[device usb]\nmatch = class=0c0330\n", 0646);
	expect_refused("/etc/vfio-boot/conf.d/10-a.conf is writable");
}

static void test_load_refuses_dropin_not_owned_by_root(void **state)
{
	char p[256];

	(void)state;
	if (geteuid() != 0)
		skip();
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	write_file("etc/vfio-boot/conf.d/20-b.conf", "[device usb]\nmatch = class=0c0330\n", 0644);
	snprintf(p, sizeof(p), "%s/etc/vfio-boot/conf.d/20-b.conf", root);
	assert_int_equal(chown(p, 65534, -1), 0);
	expect_refused("/etc/vfio-boot/conf.d/20-b.conf is owned by uid 65534");
}

static void test_load_refuses_main_not_owned_by_root(void **state)
{
	char p[256];

	(void)state;
	if (geteuid() != 0)
		skip();
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	snprintf(p, sizeof(p), "%s/etc/vfio-boot/vfio-boot.conf", root);
	assert_int_equal(chown(p, 65534, 65534), 0);
	expect_refused("/etc/vfio-boot/vfio-boot.conf is owned by uid 65534");
}

static void test_load_refuses_writable_dropin_dir(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	write_file("etc/vfio-boot/conf.d/10-a.conf", "[device usb]\nmatch = class=0c0330\n", 0644);
	rel_chmod("etc/vfio-boot/conf.d", 0757);
	expect_refused("/etc/vfio-boot/conf.d is writable");
}

static void test_load_refuses_writable_config_dir(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	rel_chmod("etc/vfio-boot", 0775);
	expect_refused("/etc/vfio-boot is writable");
}

static void test_load_refuses_non_regular_dropin(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	mkdir_in_root("etc/vfio-boot/conf.d/30-dir.conf", 0755);
	assert_true(vb_config_load(&cfg, NULL) < 0);
	assert_int_equal(cfg.n_devices, 0);
	assert_msg(LOG_ERR, "30-dir.conf is a directory, not a regular file");
	/* One message, and -EPERM: the programs then add no second, vaguer one. */
	vb_config_free(&cfg);
	logcap_start();
	expect_refused_naming("/etc/vfio-boot/conf.d/30-dir.conf", "not a regular file");
}

static void test_load_refuses_file_over_1mib(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", repeat('#', (1 << 20) + 1), 0644);
	write_file("etc/vfio-boot/conf.d/10-a.conf", "[device usb]\nmatch = class=0c0330\n", 0644);
	assert_true(vb_config_load(&cfg, NULL) < 0);
	assert_int_equal(cfg.n_devices, 0);
	assert_msg(LOG_ERR, "larger than 1 MiB");
}

static void test_load_explicit_file(void **state)
{
	char p[256];

	(void)state;
	/* --config FILE: that file only, by its own path, not below the root, no drop-ins. */
	write_file("etc/vfio-boot/conf.d/10-a.conf", "[device gpu]\ncount = 2\n", 0644);
	snprintf(p, sizeof(p), "%s/elsewhere.conf", root);
	write_file(
		p,
		"[device gpu]\nmatch = id=1234:1111\nallow = bogus\n[device b]\nmatch = id=8086:100e\n",
		0600);
	assert_int_equal(vb_config_load(&cfg, p), 0);
	assert_int_equal(cfg.n_files, 1);
	assert_string_equal(cfg.files[0], p);
	assert_null(device("gpu"));
	assert_non_null(device("b"));
	assert_msg(LOG_ERR, p, ":3: ");
}

static void test_load_explicit_file_missing_or_writable(void **state)
{
	char p[256];

	(void)state;
	snprintf(p, sizeof(p), "%s/missing.conf", root);
	assert_int_equal(vb_config_load(&cfg, p), -ENOENT);
	assert_msg(LOG_ERR, p);
	vb_config_free(&cfg);

	snprintf(p, sizeof(p), "%s/open.conf", root);
	write_file(p, "[device b]\nmatch = id=8086:100e\n", 0666);
	assert_int_equal(vb_config_load(&cfg, p), -EPERM);
	assert_int_equal(cfg.n_devices, 0);
	assert_msg(LOG_ERR, p, "writable");
}

/* A FIFO opened for reading waits for a writer: the load must neither wait nor read it. */
static void test_load_refuses_fifo_dropin_without_blocking(void **state)
{
	char p[256];

	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	snprintf(p, sizeof(p), "%s/etc/vfio-boot/conf.d/20-fifo.conf", root);
	assert_int_equal(mkfifo(p, 0644), 0);
	/* Were it to block, the test dies here instead of hanging the suite. */
	alarm(10);
	expect_refused_naming("/etc/vfio-boot/conf.d/20-fifo.conf", "FIFO");
	alarm(0);
}

static void test_load_refuses_fifo_main_without_blocking(void **state)
{
	char p[256];

	(void)state;
	snprintf(p, sizeof(p), "%s/etc/vfio-boot/vfio-boot.conf", root);
	assert_int_equal(mkfifo(p, 0644), 0);
	alarm(10);
	expect_refused_naming("/etc/vfio-boot/vfio-boot.conf", "FIFO");
	alarm(0);
}

/* A drop-in that narrowed a match must not vanish and leave the wider match to be claimed. */
static void test_load_refuses_dangling_dropin(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	rel_symlink("/srv/narrow-gpu.conf", "etc/vfio-boot/conf.d/40-narrow.conf");
	expect_refused_naming("/etc/vfio-boot/conf.d/40-narrow.conf", "/srv/narrow-gpu.conf");
}

static void test_load_refuses_dangling_main(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/conf.d/10-a.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	rel_symlink("gone.conf", "etc/vfio-boot/vfio-boot.conf");
	expect_refused_naming("/etc/vfio-boot/vfio-boot.conf", "gone.conf");
}

static void test_load_refuses_self_looping_dropin(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	rel_symlink("30-loop.conf", "etc/vfio-boot/conf.d/30-loop.conf");
	expect_refused_naming("/etc/vfio-boot/conf.d/30-loop.conf", "links");
}

/* Any entry that cannot be opened: here a link through a file, which no one can open. */
static void test_load_refuses_unreadable_dropin(void **state)
{
	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	rel_symlink("../vfio-boot.conf/x", "etc/vfio-boot/conf.d/35-through.conf");
	expect_refused_naming("/etc/vfio-boot/conf.d/35-through.conf", "Not a directory");
}

/* A dangling link may be removed while the directory is read, and a vanished file is not one. */
static void test_load_dropin_link_to_regular_file(void **state)
{
	char p[256];

	(void)state;
	write_file("etc/vfio-boot/vfio-boot.conf", "[device gpu]\nmatch = id=1234:1111\n", 0644);
	snprintf(p, sizeof(p), "%s/usb.conf", root);
	write_file(p, "[device usb]\nmatch = class=0c0330\n", 0644);
	rel_symlink(p, "etc/vfio-boot/conf.d/50-usb.conf");
	assert_int_equal(vb_config_load(&cfg, NULL), 0);
	assert_non_null(device("usb"));
	assert_int_equal(n_msgs, 0);
}

/*
 * One rule for names: every name the config takes can be recorded (else the section is claimed
 * and its guest never starts), and no record is made under a name the config would refuse.
 */
static void test_accepted_names_can_be_recorded(void **state)
{
	static const char *const names[] = {
		"gpu",	"Gpu-1_x.y", ".gpu", "..",    ".",    "...", "-gpu", "gpu.",
		"a..b", "_",	     "a b",  "gpu:0", "a\\b", "a*b", NULL,
	};

	(void)state;
	for (size_t i = 0; names[i]; i++) {
		struct vb_record rec = {0};
		char text[128];
		int r;

		vb_config_free(&cfg);
		snprintf(text, sizeof(text), "[device %s]\nmatch = id=1234:1111\n", names[i]);
		parse(text);
		vb_record_add(&rec, "status", "claimed");
		r = vb_record_write(&rec, "sections", names[i]);
		if (cfg.n_devices == 1 && r < 0)
			fail_msg("[device %s] is accepted, but its record is refused: %s", names[i],
				 strerror(-r));
		if (cfg.n_devices == 0 && r == 0)
			fail_msg("[device %s] is refused, but a record is made for it", names[i]);
	}
	/* Devices are recorded by their PCI address, which is no section name. */
	{
		struct vb_record rec = {0};

		vb_record_add(&rec, "section", "gpu");
		assert_int_equal(vb_record_write(&rec, "devices", "0000:01:00.0"), 0);
	}
}

#define T(f)  cmocka_unit_test_setup_teardown(f, setup, teardown_located)
#define TL(f) cmocka_unit_test_setup_teardown(f, setup_tree, teardown_tree)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TL(test_load_main_then_dropins_in_order),
		TL(test_load_errors_name_path_without_root),
		TL(test_load_only_dropins),
		TL(test_load_nothing_is_enoent),
		TL(test_load_refuses_group_writable_file),
		TL(test_load_refuses_world_writable_dropin),
		TL(test_load_refuses_dropin_not_owned_by_root),
		TL(test_load_refuses_main_not_owned_by_root),
		TL(test_load_refuses_writable_dropin_dir),
		TL(test_load_refuses_writable_config_dir),
		TL(test_load_refuses_non_regular_dropin),
		TL(test_load_refuses_file_over_1mib),
		TL(test_load_explicit_file),
		TL(test_load_explicit_file_missing_or_writable),
		TL(test_load_refuses_dangling_dropin),
		TL(test_load_refuses_dangling_main),
		TL(test_load_refuses_self_looping_dropin),
		TL(test_load_refuses_unreadable_dropin),
		TL(test_load_dropin_link_to_regular_file),
		TL(test_accepted_names_can_be_recorded),
		/* Last: before the fix they block until the alarm ends the program. */
		TL(test_load_refuses_fifo_dropin_without_blocking),
		TL(test_load_refuses_fifo_main_without_blocking),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
