// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot guest stop and run: the graceful stop, the forced one after the timeout, SIGTERM
 * after READY=1 as systemd stopping the unit sends it, and what is refused before
 * READY=1. The real (sanitized) executable against libvirt's test driver.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "runner/runner-fixture.h"
#include "runner/runner-cli.h"

static void test_stop(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "stop", "running", NULL);

	expect_status(&r, 0);
	expect_err(&r, "guest running: asked it to shut down");
	expect_err(&r, "guest running shut down");
	assert_true(r.seconds < 10);
	result_free(&r);

	r = run_cli(fx, NULL, "stop", "gpu", NULL);
	expect_status(&r, 0);
	expect_err(&r, "guest gpu is not running; nothing to stop");
	result_free(&r);
}

/* A guest that ignores the request: forced off after the timeout, not a moment later. */
static void test_stop_timeout_then_destroy(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "stop", "stubborn", "--timeout", "1", NULL);

	expect_status(&r, 6);
	expect_err(&r, "guest stubborn: asked it to shut down");
	expect_err(
		&r,
		"guest stubborn did not shut down within 1 s (no sign that it heard the request");
	expect_err(&r, "guest stubborn forced off");
	assert_true(r.seconds >= 1.0);
	assert_true(r.seconds < 10);
	result_free(&r);

	/* shutdown-timeout from its [guest] section when the command line has none. */
	fx_write(fx, "etc/vfio-boot/vfio-boot.conf", "[guest stubborn]\nshutdown-timeout = 2s\n",
		 0644);
	r = run_cli(fx, NULL, "stop", "stubborn", NULL);
	expect_status(&r, 6);
	expect_err(&r, "did not shut down within 2 s");
	assert_true(r.seconds >= 2.0);
	result_free(&r);

	r = run_cli(fx, NULL, "stop", "stubborn", "--timeout", "0", NULL);
	expect_status(&r, 6);
	result_free(&r);
}

/* With a guest agent channel the agent is asked first; the test driver has none to ask. */
static void test_stop_agent_falls_back(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "stop", "agent", NULL);

	expect_status(&r, 0);
	expect_err(&r, "guest agent: the guest agent did not take the shutdown request");
	expect_err(&r, "guest agent shut down");
	result_free(&r);
}

/* run: READY=1 once the guest runs; SIGTERM (systemctl stop) shuts it down, exit 0. */
static void test_run_sigterm(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	r = run_cli(fx, "READY=1", "run", "gpu", NULL);
	expect_status(&r, 0);
	expect_err(&r, "guest gpu started");
	expect_err(&r, "guest gpu: stopping, as asked by a signal");
	expect_err(&r, "guest gpu shut down");
	assert_non_null(strstr(r.notified, "READY=1"));
	assert_non_null(strstr(r.notified, "STOPPING=1"));
	result_free(&r);

	/* A running guest is taken over, not started again. */
	r = run_cli(fx, "READY=1", "run", "running", NULL);
	expect_status(&r, 0);
	expect_err(&r, "already running");
	result_free(&r);
}

static void test_run_sigterm_forced(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, "READY=1", "run", "stubborn", "--timeout", "1", NULL);

	expect_status(&r, 6);
	expect_err(&r, "guest stubborn forced off");
	result_free(&r);
}

/* A refused start never says READY=1: dependent guests do not start either. */
static void test_run_refused(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "run", "gpu", NULL);

	expect_status(&r, 2);
	assert_null(strstr(r.notified, "READY=1"));
	result_free(&r);
}

static void test_no_such_domain_and_bad_uri(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "start", "nope", NULL);
	char saved[sizeof(uri)];

	expect_status(&r, 2);
	expect_err(&r, "guest nope: libvirt at test://");
	expect_err(&r, "has no domain of that name");
	result_free(&r);

	memcpy(saved, uri, sizeof(uri));
	snprintf(uri, sizeof(uri), "test:///nonexistent/node.xml");
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	memcpy(uri, saved, sizeof(uri));
	expect_status(&r, 3);
	expect_err(&r, "cannot connect to libvirt at test:///nonexistent/node.xml");
	result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_timeout_then_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_agent_falls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_sigterm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_sigterm_forced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_such_domain_and_bad_uri, setup, teardown),
	};

	if (runner_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
