/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the test-mock-* programs share: the q35 stand-in's addresses, mock-write run with the
 * double preloaded (MW), and the assertions on the fake machine's files and drivers.
 */
#ifndef VFIO_BOOT_TESTS_MOCK_TEST_H
#define VFIO_BOOT_TESTS_MOCK_TEST_H

#define _cleanup_free_ __attribute__((cleanup(free_ptr)))

#define GPU0		"0000:01:00.0"
#define AUDIO0		"0000:01:00.1"
#define GPU1		"0000:02:00.0"
#define DEV(addr, attr) "/sys/bus/pci/devices/" addr "/" attr
#define DRV(drv, attr)	"/sys/bus/pci/drivers/" drv "/" attr

/* mock-write's exit status: 0 or the errno its one system call failed with. */
#define MW(fx, ...) fx_run(fx, (const char *const[]){fx_mock_write(), __VA_ARGS__, NULL})

static inline void free_ptr(void *p)
{
	free(*(void **)p);
}

static inline void assert_file(const struct fx *fx, const char *rel, const char *want)
{
	_cleanup_free_ char *got = fx_read(fx, rel);

	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
}

/* The driver link, and uevent's DRIVER= line, which the kernel makes from the same binding. */
static inline void assert_driver(const struct fx *fx, const char *addr, const char *want)
{
	_cleanup_free_ char *got = fx_driver_of(fx, addr);
	_cleanup_free_ char *uevent = fx_uevent_driver(fx, addr);

	if (want == NULL) {
		assert_null(got);
		assert_null(uevent);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_non_null(uevent);
	assert_string_equal(uevent, want);
}

static inline void assert_output(const struct fx *fx, const char *want)
{
	assert_file(fx, ".mock/stdout", want);
}

static inline int logged(const struct fx *fx, const char *line)
{
	return fx_count_lines_matching(fx, ".mock/writes.log", line);
}

static inline int setup_q35(void **state)
{
	struct fx *fx = fx_new();

	fx_q35_two_gpus(fx);
	*state = fx;
	return 0;
}

static inline int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

/* Detach a GPU from its host driver and aim it at vfio-pci, as the binder does. */
static inline void claim(struct fx *fx, const char *addr)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", addr);
	assert_int_equal(MW(fx, "write", path, "vfio-pci\n"), 0);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", addr);
	assert_int_equal(MW(fx, "write", path, addr), 0);
	assert_driver(fx, addr, NULL);
}

#endif
