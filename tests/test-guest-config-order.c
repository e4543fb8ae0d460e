// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a bad [bridge] or [guest] section takes down with it (guests after it, guests using
 * it) and what it leaves standing, circles and long chains of `after`, and guest names
 * (lib/guest-order.c).
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_guest_references, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_cascade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_circles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_long_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_names, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
