/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the test-config-* programs share: the parsed config they inspect, its setup and
 * teardown, and a long line for the limits.
 */
#ifndef VFIO_BOOT_TESTS_CONFIG_TEST_H
#define VFIO_BOOT_TESTS_CONFIG_TEST_H

static struct vb_config cfg;

static inline int setup(void **state)
{
	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	logcap_start();
	return 0;
}

/* Every test that parses text also checks that whatever it logged names file:line. */
static inline int teardown_located(void **state)
{
	(void)state;
	vb_config_free(&cfg);
	assert_all_msgs_located();
	return 0;
}

static inline int teardown(void **state)
{
	(void)state;
	vb_config_free(&cfg);
	return 0;
}

static inline void parse_file(const char *fname, const char *text)
{
	assert_int_equal(vb_config_parse(&cfg, fname, text, strlen(text)), 0);
}

static inline void parse(const char *text)
{
	parse_file("t.conf", text);
	assert_int_equal(vb_config_resolve(&cfg), 0);
}

static inline const struct vb_device *device(const char *name)
{
	for (size_t i = 0; i < cfg.n_devices; i++)
		if (streq(cfg.devices[i].name, name))
			return &cfg.devices[i];
	return NULL;
}

static inline const struct vb_section *section(enum vb_section_type t, const char *name)
{
	for (size_t i = 0; i < cfg.n_sections; i++)
		if (cfg.sections[i].type == t && streq_ptr(cfg.sections[i].name, name))
			return &cfg.sections[i];
	return NULL;
}

/* Static, so that a failing assertion (which jumps out of the test) leaks nothing. */
static char bigbuf[(1 << 20) + 64];

/* Not inlined: the compiler would then warn of a truncation the tests want. */
static __attribute__((unused, noinline)) const char *repeat(char c, size_t n)
{
	assert_true(n < sizeof(bigbuf));
	memset(bigbuf, c, n);
	bigbuf[n] = '\0';
	return bigbuf;
}

/*
 * text (a printf format taking the value) with value, whose line `at` is wrong: the section
 * is skipped, and the message at `at` holds says.
 */
static inline void assert_value_refused(const char *text, const char *value, const char *at,
					const char *key, const char *says)
{
	char buf[256];

	n_msgs = 0;
	snprintf(buf, sizeof(buf), text, value);
	parse(buf);
	if (cfg.n_devices != 0)
		print_message("%s = \"%s\" was accepted\n", key, value);
	assert_int_equal(cfg.n_devices, 0);
	assert_msg(LOG_ERR, at, key, says);
	assert_msg(LOG_ERR, "t.conf:1: ", "skipping [device a]");
	assert_all_msgs_located();
	vb_config_free(&cfg);
}

#endif
