// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The runner woken by libvirt's lifecycle events when someone else acts on the guest. The test
 * driver keeps test:///default's state per process, shared by every connection in it, so the
 * runner (guest_main, in a thread) and this test (its own connection) see one world: the test
 * destroys or shuts down the guest from its connection and the runner must notice through
 * events and exit with the right code.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cli.h"
#include "logsink.h"
#include "fixture.h"
#include "runner/runner-fixture.h"

#define URI "test:///default"

static virConnectPtr conn;
static struct fx *fx;

static const char domain_xml[] = "<domain type='test'><name>%s</name><memory>1048576</memory>"
				 "<vcpu>1</vcpu><os><type>hvm</type></os></domain>";

struct runner {
	pthread_t thread;
	char *argv[12];
	int argc;
	int status;
};

static void *runner_thread(void *opaque)
{
	struct runner *r = opaque;

	r->status = guest_main(r->argc, r->argv);
	return NULL;
}

static void runner_start(struct runner *r, const char *verb, const char *name, const char *extra)
{
	memset(r, 0, sizeof(*r));
	r->argv[r->argc++] = "guest";
	r->argv[r->argc++] = (char *)verb;
	r->argv[r->argc++] = "--uri";
	r->argv[r->argc++] = URI;
	r->argv[r->argc++] = "--root";
	r->argv[r->argc++] = (char *)fx_root(fx);
	if (extra) {
		r->argv[r->argc++] = "--bridge";
		r->argv[r->argc++] = (char *)extra;
	}
	r->argv[r->argc++] = (char *)name;
	assert_int_equal(pthread_create(&r->thread, NULL, runner_thread, r), 0);
}

static int runner_join(struct runner *r)
{
	assert_int_equal(pthread_join(r->thread, NULL), 0);
	return r->status;
}

static int runner_call(const char *verb, const char *name, const char *bridge)
{
	struct runner r;

	runner_start(&r, verb, name, bridge);
	return runner_join(&r);
}

static virDomainPtr define(const char *name)
{
	char xml[512];
	virDomainPtr d;

	snprintf(xml, sizeof(xml), domain_xml, name);
	d = virDomainDefineXML(conn, xml);
	assert_non_null(d);
	return d;
}

static int state_of(virDomainPtr d)
{
	int state, reason;

	assert_int_equal(virDomainGetState(d, &state, &reason, 0), 0);
	return state;
}

/* Waits (test side only) until the runner has started the domain. */
static void wait_running(virDomainPtr d)
{
	for (int i = 0; i < 2000 && state_of(d) != VIR_DOMAIN_RUNNING; i++)
		usleep(5000);
	assert_int_equal(state_of(d), VIR_DOMAIN_RUNNING);
	/*
	 * No need to wait for the runner to reach its event loop: it subscribed before it
	 * started the domain, and it looks at the state before every sleep.
	 */
}

static int setup(void **state)
{
	(void)state;
	fx = rf_setup();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_free(fx);
	fx = NULL;
	return 0;
}

static void test_start_really_starts(void **state)
{
	virDomainPtr d = define("ev-start");

	(void)state;
	assert_int_equal(state_of(d), VIR_DOMAIN_SHUTOFF);
	assert_int_equal(runner_call("start", "ev-start", NULL), EXIT_OK);
	assert_int_equal(state_of(d), VIR_DOMAIN_RUNNING);
	/* Again: nothing to do, still running. */
	assert_int_equal(runner_call("start", "ev-start", NULL), EXIT_OK);
	assert_int_equal(state_of(d), VIR_DOMAIN_RUNNING);
	assert_int_equal(runner_call("stop", "ev-start", NULL), EXIT_OK);
	assert_int_equal(state_of(d), VIR_DOMAIN_SHUTOFF);
	virDomainUndefine(d);
	virDomainFree(d);
}

static void test_run_destroyed_elsewhere(void **state)
{
	virDomainPtr d = define("ev-destroy");
	struct runner r;

	(void)state;
	runner_start(&r, "run", "ev-destroy", NULL);
	wait_running(d);
	assert_int_equal(virDomainDestroy(d), 0);
	assert_int_equal(runner_join(&r), EXIT_DESTROYED);
	assert_int_equal(state_of(d), VIR_DOMAIN_SHUTOFF);
	virDomainUndefine(d);
	virDomainFree(d);
}

static void test_run_guest_shuts_down(void **state)
{
	virDomainPtr d = define("ev-shutdown");
	struct runner r;

	(void)state;
	runner_start(&r, "run", "ev-shutdown", NULL);
	wait_running(d);
	/* What a guest powering itself off looks like to libvirt. */
	assert_int_equal(virDomainShutdown(d), 0);
	assert_int_equal(runner_join(&r), EXIT_OK);
	virDomainUndefine(d);
	virDomainFree(d);
}

/* A transient domain disappears when it stops: its last event still tells how. */
static void test_run_transient_destroyed(void **state)
{
	char xml[512];
	virDomainPtr d;
	struct runner r;

	(void)state;
	snprintf(xml, sizeof(xml), domain_xml, "ev-transient");
	d = virDomainCreateXML(conn, xml, 0);
	assert_non_null(d);
	runner_start(&r, "run", "ev-transient", NULL);
	/* The runner must have found the domain before it goes: it subscribes within this. */
	usleep(500000);
	assert_int_equal(virDomainDestroy(d), 0);
	assert_int_equal(runner_join(&r), EXIT_DESTROYED);
	virDomainFree(d);
}

/* Two guests on one bridge: the network is defined once and stays as it is. */
static void test_network_defined_once(void **state)
{
	virDomainPtr a = define("ev-net-a"), b = define("ev-net-b");
	virNetworkPtr net;
	char *xml;

	(void)state;
	rf_bridge(fx, "vbtest0");
	assert_null(virNetworkLookupByName(conn, "vbtest0"));
	assert_int_equal(runner_call("start", "ev-net-a", "vbtest0"), EXIT_OK);
	net = virNetworkLookupByName(conn, "vbtest0");
	assert_non_null(net);
	assert_int_equal(virNetworkIsActive(net), 1);
	xml = virNetworkGetXMLDesc(net, 0);
	assert_non_null(strstr(xml, "<forward mode='bridge'/>"));
	assert_non_null(strstr(xml, "<bridge name='vbtest0'/>"));
	free(xml);
	assert_int_equal(runner_call("start", "ev-net-b", "vbtest0"), EXIT_OK);
	assert_int_equal(virNetworkIsActive(net), 1);

	virNetworkDestroy(net);
	virNetworkUndefine(net);
	virNetworkFree(net);
	virDomainDestroy(a);
	virDomainDestroy(b);
	virDomainUndefine(a);
	virDomainUndefine(b);
	virDomainFree(a);
	virDomainFree(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_start_really_starts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_destroyed_elsewhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_guest_shuts_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_transient_destroyed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_network_defined_once, setup, teardown),
	};
	int r;

	vb_logsink_stderr("vfio-boot");
	conn = virConnectOpen(URI);
	if (!conn) {
		fprintf(stderr, "test-runner-events: cannot open %s\n", URI);
		return 1;
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	virConnectClose(conn);
	return r;
}
