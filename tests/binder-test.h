/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the test-binder-* programs share: the q35 stand-in's addresses, a tree with the
 * installed kernel's real vfio modules, running the binder's sanitized twin under the
 * kernel double, and the assertions on drivers, kmsg, records and writes.
 */
#ifndef VFIO_BOOT_TESTS_BINDER_TEST_H
#define VFIO_BOOT_TESTS_BINDER_TEST_H

#define GPU0   "0000:01:00.0"
#define AUDIO0 "0000:01:00.1"
#define GPU1   "0000:02:00.0"
#define AUDIO1 "0000:02:00.1"
#define NIC0   "0000:03:01.0"
#define NIC1   "0000:03:02.0"
#define SATA   "0000:00:1f.2"
#define CONF   "etc/vfio-boot/vfio-boot.conf"

static inline const char *binder(void)
{
	const char *b = getenv("TEST_BINDER");
	return b ? b : "build/test/vfio-boot-binder";
}

static inline int setup(void **state)
{
	struct fx *fx = fx_new();

	fx_q35_two_gpus(fx);
	fx_osrelease(fx, "6.1.0-test");
	fx_cmdline(fx, "BOOT_IMAGE=/vmlinuz root=/dev/vda ro intel_iommu=on");
	assert_int_equal(fx_modules(fx, NULL, 0), 0);
	*state = fx;
	return 0;
}

static inline int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

static inline void conf(struct fx *fx, const char *text)
{
	fx_write(fx, CONF, text, 0644);
}

/*
 * Runs the binder on the tree with its arguments (NULL-terminated); it must exit 0 whatever it
 * meets.
 */
static inline void run_args(struct fx *fx, const char *first, va_list ap)
{
	const char *argv[16] = {binder(), "--root", fx_root(fx)};
	size_t n = 3;
	const char *a;

	for (a = first; a && n < 15; a = va_arg(ap, const char *))
		argv[n++] = a;
	argv[n] = NULL;
	if (fx_run(fx, argv) != 0) {
		char *err = fx_read(fx, ".mock/stderr");
		print_error("binder failed; stderr:\n%s\n", err ? err : "");
		free(err);
		fail();
	}
}

/* As on the tree itself: no module is loaded into the running kernel. */
static inline void run_on_tree(struct fx *fx, ...)
{
	va_list ap;

	va_start(ap, fx);
	run_args(fx, va_arg(ap, const char *), ap);
	va_end(ap);
}

/*
 * As at boot: the kernel double acts on the tree, so the binder is let load its modules
 * (--load-modules), as it does into the running kernel without --root.
 */
static inline void run(struct fx *fx, ...)
{
	va_list ap;

	va_start(ap, fx);
	run_args(fx, "--load-modules", ap);
	va_end(ap);
}

static inline void assert_driver(struct fx *fx, const char *addr, const char *want)
{
	char *drv = fx_driver_of(fx, addr);

	if (!want) {
		if (drv)
			print_error("%s: driver %s, expected none\n", addr, drv);
		assert_null(drv);
		return;
	}
	if (!drv || strcmp(drv, want) != 0)
		print_error("%s: driver %s, expected %s\n", addr, drv ? drv : "(none)", want);
	assert_non_null(drv);
	assert_string_equal(drv, want);
	free(drv);
}

static inline int kmsg_has(struct fx *fx, const char *s)
{
	return fx_count_lines_matching(fx, "dev/kmsg", s);
}

static inline void assert_kmsg(struct fx *fx, const char *s)
{
	if (kmsg_has(fx, s) == 0) {
		char *k = fx_read(fx, "dev/kmsg");
		print_error("kmsg lacks \"%s\"; it has:\n%s\n", s, k ? k : "");
		free(k);
		fail();
	}
}

static inline void assert_record(struct fx *fx, const char *rel, const char *line)
{
	char *path, *text;

	if (asprintf(&path, "run/vfio-boot/%s", rel) < 0)
		fail();
	text = fx_read(fx, path);
	if (!text || !strstr(text, line))
		print_error("%s lacks \"%s\"; it has:\n%s\n", path, line,
			    text ? text : "(nothing)");
	assert_non_null(text);
	assert_non_null(strstr(text, line));
	free(text);
	free(path);
}

static inline void assert_no_writes(struct fx *fx)
{
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", NULL), 0);
}

static inline void assert_host_untouched(struct fx *fx)
{
	assert_driver(fx, GPU0, "bochs-drm");
	assert_driver(fx, AUDIO0, "snd_hda_intel");
	assert_driver(fx, SATA, "ahci");
	/* No device outside the plan is ever written to. */
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", GPU0), 0);
	assert_int_equal(fx_count_lines_matching(fx, ".mock/writes.log", AUDIO0), 0);
}

#endif
