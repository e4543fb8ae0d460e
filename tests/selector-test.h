/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the test-selector-* programs share: the selector under test and its parse checks. */
#ifndef VFIO_BOOT_TESTS_SELECTOR_TEST_H
#define VFIO_BOOT_TESTS_SELECTOR_TEST_H

static struct vb_selector sel;

static inline int setup(void **state)
{
	(void)state;
	memset(&sel, 0, sizeof(sel));
	return 0;
}

static inline int teardown(void **state)
{
	(void)state;
	vb_selector_done(&sel);
	return 0;
}

static inline void parse_ok(const char *text)
{
	const char *bad = NULL, *expected = NULL;
	int r;

	vb_selector_done(&sel);
	r = vb_selector_parse(&sel, text, &bad, &expected);
	if (r < 0)
		print_message("\"%s\": rejected at \"%s\", expected %s\n", text,
			      bad ? bad : "(null)", expected ? expected : "(null)");
	assert_int_equal(r, 0);
}

/*
 * A rejected match line: bad must point into text at the term named by bad_at (its offset),
 * and expected must say what belonged there (contain want).
 */
static inline void parse_bad(const char *text, size_t bad_at, const char *want)
{
	const char *bad = NULL, *expected = NULL;
	int r;

	vb_selector_done(&sel);
	r = vb_selector_parse(&sel, text, &bad, &expected);
	if (r == 0)
		print_message("\"%s\" was accepted\n", text);
	assert_int_equal(r, -EINVAL);
	assert_non_null(bad);
	assert_non_null(expected);
	assert_ptr_equal(bad, text + bad_at);
	if (!strstr(expected, want))
		print_message("\"%s\": expected \"%s\", wanted \"%s\" in it\n", text, expected,
			      want);
	assert_non_null(strstr(expected, want));
	/* A failed parse leaves nothing to free and nothing to match. */
	assert_null(sel.path);
	assert_null(sel.slot);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

#endif
