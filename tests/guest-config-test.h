/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the test-guest-config-* programs share: a config loaded from text, the bridges and
 * guests resolved from it, and lookups by name.
 */
#ifndef VFIO_BOOT_TESTS_GUEST_CONFIG_TEST_H
#define VFIO_BOOT_TESTS_GUEST_CONFIG_TEST_H

static struct vb_config cfg;
static struct vb_bridges bridges;
static struct vb_guests guests;

static inline int setup(void **state)
{
	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	logcap_start();
	return 0;
}

static inline int teardown(void **state)
{
	(void)state;
	vb_guests_free(&guests);
	vb_bridges_free(&bridges);
	vb_config_free(&cfg);
	assert_all_msgs_located();
	return 0;
}

static inline void load(const char *text)
{
	assert_int_equal(vb_config_parse(&cfg, "t.conf", text, strlen(text)), 0);
	assert_int_equal(vb_config_resolve(&cfg), 0);
	assert_int_equal(vb_bridges_resolve(&cfg, &bridges), 0);
	assert_int_equal(vb_guests_resolve(&cfg, &bridges, &guests), 0);
}

static inline const struct vb_guest *guest(const char *name)
{
	const struct vb_guest *g = vb_guest_find(&guests, name);

	assert_non_null(g);
	return g;
}

static inline const struct vb_bridge *bridge(const char *name)
{
	const struct vb_bridge *b = vb_bridge_find(&bridges, name);

	assert_non_null(b);
	return b;
}

#endif
