// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guest runner's USB watch (cli/runner-usb.c): USB devices of a fake tree plugged,
 * unplugged and replugged while a domain of libvirt's test driver runs, in this process (the
 * test driver's state is per process). libvirt 9.0's test driver has no live attach or detach
 * (virDomainAttachDeviceFlags and virDomainDetachDeviceAlias are "not supported"), so the
 * watch's calls go to a stand-in here that keeps the hostdevs it was given and puts them into
 * the live XML the test driver returns, as libvirt would; one test lets the real calls reach
 * the test driver and checks what the runner makes of the refusal.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cli.h"
#include "contract.h"
#include "fixture.h"
#include "logcapture.h"
#include "logsink.h"
#include "record.h"
#include "runner-lifecycle.h"
#include "runner-usb.h"
#include "runner/runner-fixture.h"
#include "sysroot.h"

#define URI	   "test:///default"
#define XHCI	   "0000:00:14.0"
#define VID	   0x0627
#define PID	   0x0001
#define WAIT_MS	   8000
#define STRAY_TAIL "</devices>"

static virConnectPtr conn;
static struct fx *fx;

/* What a test leaves running, ended by teardown even when the test failed half-way. */
static virDomainPtr test_dom;
static struct watch here; /* the tests' own watch, for usb_attach_present */
static bool here_open;
static struct usb_watch *here_uw; /* a watch on here, in this thread's event loop */
static virDomainPtr here_dom;	  /* here's domain while a test hides it */

static const char domain_xml[] = "<domain type='test'><name>%s</name><memory>1048576</memory>"
				 "<vcpu>1</vcpu><os><type>hvm</type></os></domain>";

/* The stand-in for libvirt's live attach and detach. */
static struct {
	pthread_mutex_t lock;
	char *dev[16]; /* the hostdevs attached, as given */
	size_t n;
	unsigned attaches, detaches, not_live_only;
	unsigned xml_reads; /* live XML asked for */
	bool xml_fails;	    /* libvirt cannot give the live XML */
	bool detach_fails;  /* libvirt refuses to detach */
} live = {.lock = PTHREAD_MUTEX_INITIALIZER};

static char *fake_live_xml(virDomainPtr dom)
{
	char *xml, *tail, *out;
	size_t size;
	FILE *f;
	bool fails;

	pthread_mutex_lock(&live.lock);
	live.xml_reads++;
	fails = live.xml_fails;
	pthread_mutex_unlock(&live.lock);
	if (fails)
		return NULL;
	xml = virDomainGetXMLDesc(dom, 0);
	if (!xml)
		return NULL;
	tail = strstr(xml, STRAY_TAIL);
	assert_non_null(tail);
	f = open_memstream(&out, &size);
	assert_non_null(f);
	fwrite(xml, 1, tail - xml, f);
	pthread_mutex_lock(&live.lock);
	for (size_t i = 0; i < live.n; i++)
		fputs(live.dev[i], f);
	pthread_mutex_unlock(&live.lock);
	fputs(tail, f);
	fclose(f);
	free(xml);
	return out;
}

static int fake_attach(virDomainPtr dom _unused_, const char *xml, unsigned flags)
{
	pthread_mutex_lock(&live.lock);
	if (flags != VIR_DOMAIN_AFFECT_LIVE)
		live.not_live_only++;
	live.dev[live.n++] = strdup(xml);
	live.attaches++;
	pthread_mutex_unlock(&live.lock);
	return 0;
}

static int fake_detach(virDomainPtr dom _unused_, const char *alias, unsigned flags)
{
	char want[128];
	int r = -1;

	snprintf(want, sizeof(want), "<alias name='%s'/>", alias);
	pthread_mutex_lock(&live.lock);
	if (flags != VIR_DOMAIN_AFFECT_LIVE)
		live.not_live_only++;
	for (size_t i = 0; i < live.n && r < 0 && !live.detach_fails; i++)
		if (strstr(live.dev[i], want)) {
			free(live.dev[i]);
			live.dev[i] = live.dev[--live.n];
			live.detaches++;
			r = 0;
		}
	pthread_mutex_unlock(&live.lock);
	return r;
}

static const struct usb_ops fake_ops = {
	.live_xml = fake_live_xml,
	.attach = fake_attach,
	.detach = fake_detach,
};

/* A hostdev the user attached by hand: the watch must leave it. */
static void live_add_user(const char *xml)
{
	pthread_mutex_lock(&live.lock);
	live.dev[live.n++] = strdup(xml);
	pthread_mutex_unlock(&live.lock);
}

/* Whether a hostdev for bus/device with alias (NULL: any) is attached. */
static bool live_has(unsigned bus, unsigned device, const char *alias)
{
	char addr[64], name[128];
	bool found = false;

	snprintf(addr, sizeof(addr), "<address bus='%u' device='%u'/>", bus, device);
	snprintf(name, sizeof(name), "<alias name='%s'/>", alias ? alias : "");
	pthread_mutex_lock(&live.lock);
	for (size_t i = 0; i < live.n && !found; i++)
		found = strstr(live.dev[i], addr) && (!alias || strstr(live.dev[i], name));
	pthread_mutex_unlock(&live.lock);
	return found;
}

static size_t live_count(void)
{
	size_t n;

	pthread_mutex_lock(&live.lock);
	n = live.n;
	pthread_mutex_unlock(&live.lock);
	return n;
}

static void live_reset(void)
{
	pthread_mutex_lock(&live.lock);
	for (size_t i = 0; i < live.n; i++)
		free(live.dev[i]);
	live.n = live.attaches = live.detaches = live.not_live_only = live.xml_reads = 0;
	live.xml_fails = live.detach_fails = false;
	pthread_mutex_unlock(&live.lock);
}

static char *record(const char *section, const char *key)
{
	char *v = NULL;

	if (vb_record_get(VB_RECORD_USB, section, key, &v) < 0)
		return NULL;
	return v;
}

static bool record_is(const char *section, const char *key, const char *want)
{
	char *v = record(section, key);
	bool r = v && strcmp(v, want) == 0;

	free(v);
	return r;
}

/* Waits until section's record has key=want; fails with what it has instead. */
static void wait_record(const char *section, const char *key, const char *want)
{
	char *v;

	for (int i = 0; i < WAIT_MS / 10 && !record_is(section, key, want); i++)
		usleep(10000);
	v = record(section, key);
	if (!v || strcmp(v, want) != 0)
		fail_msg("usb/%s: %s=%s, expected %s", section, key, v ? v : "(none)", want);
	free(v);
}

static struct vb_usb_section section(const char *name, const char *serial, const char *port,
				     int count)
{
	return (struct vb_usb_section){
		.name = name,
		.has_id = true,
		.vendor = VID,
		.product = PID,
		.serial = (char *)serial,
		.port = (char *)port,
		.count = count,
	};
}

static virDomainPtr define_domain(const char *name)
{
	char xml[512];

	snprintf(xml, sizeof(xml), domain_xml, name);
	test_dom = virDomainDefineXML(conn, xml);
	assert_non_null(test_dom);
	return test_dom;
}

static virDomainPtr start_domain(const char *name)
{
	char xml[512];

	snprintf(xml, sizeof(xml), domain_xml, name);
	test_dom = virDomainDefineXML(conn, xml);
	assert_non_null(test_dom);
	assert_int_equal(virDomainCreate(test_dom), 0);
	return test_dom;
}

static void open_here(const char *name)
{
	assert_int_equal(watch_open(&here, URI, name), 0);
	here_open = true;
}

/* guest run's part: the watch, in libvirt's event loop, until the domain stops. */
struct runner {
	pthread_t thread;
	const char *name;
	struct vb_guest_wait wait;
	int result;
};
/* Not on a test's stack: teardown joins it after a failed test left that frame. */
static struct runner the_runner, *running;

static void *runner_thread(void *opaque)
{
	struct runner *r = opaque;
	struct usb_watch *uw = NULL;
	struct watch w;

	r->result = watch_open(&w, URI, r->name);
	if (r->result == 0)
		r->result = usb_watch_start(&w, &r->wait, &uw);
	if (r->result == 0) {
		r->result = watch_wait(&w, -1, true) == WAIT_INACTIVE ? 0 : -EIO;
		usb_watch_end(uw);
	}
	watch_close(&w);
	return NULL;
}

/* The whole command, as the unit runs it: guest VERB --uri URI --root ROOT NAME. */
struct command {
	pthread_t thread;
	char *argv[8];
	int status;
};
static struct command the_command, *commanding;

static void *command_thread(void *opaque)
{
	struct command *c = opaque;

	c->status = guest_main(7, c->argv);
	return NULL;
}

static void command_go(const char *verb, const char *name)
{
	struct command *c = &the_command;

	memset(c, 0, sizeof(*c));
	c->argv[0] = "guest";
	c->argv[1] = (char *)verb;
	c->argv[2] = "--uri";
	c->argv[3] = URI;
	c->argv[4] = "--root";
	c->argv[5] = (char *)fx_root(fx);
	c->argv[6] = (char *)name;
	assert_int_equal(pthread_create(&c->thread, NULL, command_thread, c), 0);
	commanding = c;
}

static int command_join(void)
{
	assert_int_equal(pthread_join(the_command.thread, NULL), 0);
	commanding = NULL;
	return the_command.status;
}

static void runner_go(struct runner *r, const char *name, struct vb_usb_section *s, size_t n)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->wait.usb = s;
	r->wait.n_usb = n;
	assert_int_equal(pthread_create(&r->thread, NULL, runner_thread, r), 0);
	running = r;
}

static void runner_end(struct runner *r, virDomainPtr d)
{
	assert_int_equal(virDomainDestroy(d), 0);
	assert_int_equal(pthread_join(r->thread, NULL), 0);
	running = NULL;
	assert_int_equal(r->result, 0);
}

static int setup(void **state)
{
	(void)state;
	fx = rf_setup();
	assert_int_equal(vb_root_set(fx_root(fx)), 0);
	rf_mkdir(fx, "sys/bus/usb/devices");
	live_reset();
	usb_set_ops(&fake_ops);
	return 0;
}

static int teardown(void **state)
{
	unsigned not_live_only = live.not_live_only;

	(void)state;
	usb_watch_end(here_uw);
	here_uw = NULL;
	if (here_dom)
		here.dom = here_dom;
	here_dom = NULL;
	if (here_open)
		watch_close(&here);
	here_open = false;
	if (test_dom) {
		virDomainDestroy(test_dom);
		if (running)
			pthread_join(running->thread, NULL);
		if (commanding)
			pthread_join(commanding->thread, NULL);
		virDomainUndefine(test_dom);
		virDomainFree(test_dom);
	}
	test_dom = NULL;
	running = NULL;
	commanding = NULL;
	live_reset();
	usb_set_ops(NULL);
	fx_free(fx);
	fx = NULL;
	/* Nothing attached ever asked for more than the live domain. */
	assert_int_equal(not_live_only, 0);
	return 0;
}

/* guest start: a device present before the start is attached by bus and device, marked. */
static void test_attach_present(void **state)
{
	struct vb_usb_section s = section("kbd", NULL, NULL, 1);
	struct vb_guest_wait wait = {.usb = &s, .n_usb = 1};
	char *v;

	(void)state;
	start_domain("usb-present");
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, VID, PID, "KB1");
	open_here("usb-present");
	usb_attach_present(&here, &wait);
	assert_true(live_has(1, 5, "ua-vfio-boot-usb-kbd-0"));
	assert_int_equal(live_count(), 1);
	assert_true(record_is("kbd", VB_KEY_STATUS, "attached"));
	assert_true(record_is("kbd", VB_KEY_DEVICES, "1-2:001:005"));
	assert_true(record_is("kbd", VB_KEY_GUEST, "usb-present"));
	assert_true(record_is("kbd", VB_KEY_BY, "guest-runner"));
	v = record("kbd", VB_KEY_TIME);
	assert_non_null(v);
	assert_int_equal(strlen(v), strlen("2026-01-01T00:00:00Z"));
	free(v);
	/* Again: it is attached, nothing more happens. */
	usb_attach_present(&here, &wait);
	assert_int_equal(live.attaches, 1);
}

/*
 * The real calls reach the test driver, which refuses: the record says failed, and why; the
 * persistent definition never gets a USB hostdev.
 */
static void test_attach_refused(void **state)
{
	struct vb_usb_section s = section("kbd", NULL, NULL, 1);
	struct vb_guest_wait wait = {.usb = &s, .n_usb = 1};
	virDomainPtr d = start_domain("usb-refused");
	char *v, *xml;

	(void)state;
	usb_set_ops(NULL);
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, VID, PID, NULL);
	open_here("usb-refused");
	usb_attach_present(&here, &wait);
	assert_true(record_is("kbd", VB_KEY_STATUS, "failed"));
	assert_true(record_is("kbd", VB_KEY_DEVICES, ""));
	v = record("kbd", VB_KEY_REASON);
	assert_non_null(v);
	assert_non_null(strstr(v, "1-2"));
	assert_non_null(strstr(v, "not supported"));
	free(v);
	xml = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE);
	assert_non_null(xml);
	assert_null(strstr(xml, "hostdev"));
	free(xml);
}

/* Plugged while the guest runs, unplugged, plugged back (a new device number). */
static void test_plug_unplug_replug(void **state)
{
	struct vb_usb_section s = section("kbd", NULL, NULL, 1);
	virDomainPtr d = start_domain("usb-plug");
	struct runner *r = &the_runner;

	(void)state;
	logcap_start();
	runner_go(r, "usb-plug", &s, 1);
	wait_record("kbd", VB_KEY_STATUS, "absent");
	assert_int_equal(live_count(), 0);

	fx_usb_dev(fx, "1-2", XHCI, 1, 5, VID, PID, NULL);
	wait_record("kbd", VB_KEY_DEVICES, "1-2:001:005");
	assert_true(record_is("kbd", VB_KEY_STATUS, "attached"));
	assert_true(live_has(1, 5, "ua-vfio-boot-usb-kbd-0"));

	fx_usb_remove(fx, "1-2");
	wait_record("kbd", VB_KEY_STATUS, "absent");
	assert_true(record_is("kbd", VB_KEY_DEVICES, ""));
	assert_int_equal(live_count(), 0);
	assert_int_equal(live.detaches, 1);

	fx_usb_dev(fx, "1-2", XHCI, 1, 9, VID, PID, NULL);
	wait_record("kbd", VB_KEY_DEVICES, "1-2:001:009");
	assert_true(live_has(1, 9, "ua-vfio-boot-usb-kbd-0"));
	assert_int_equal(live_count(), 1);

	runner_end(r, d);
	assert_true(record_is("kbd", VB_KEY_STATUS, "detached"));
	assert_true(record_is("kbd", VB_KEY_DEVICES, ""));
	/* Every attach and detach told, with the guest and the device. */
	assert_msg(LOG_NOTICE,
		   "guest usb-plug: [usb kbd] attached 1-2 (0627:0001, bus 1 device 5)");
	assert_msg(LOG_NOTICE, "guest usb-plug: [usb kbd] detached 1-2 (bus 1 device 5)");
	assert_msg(LOG_NOTICE,
		   "guest usb-plug: [usb kbd] attached 1-2 (0627:0001, bus 1 device 9)");
	assert_int_equal(count_msgs(LOG_NOTICE, "[usb kbd]"), 3);
}

/* A reset that re-enumerates without an unplug the watch saw: the old number is detached. */
static void test_reenumerated(void **state)
{
	struct vb_usb_section s = section("kbd", NULL, NULL, 1);
	virDomainPtr d = start_domain("usb-reset");
	struct runner *r = &the_runner;

	(void)state;
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, VID, PID, NULL);
	runner_go(r, "usb-reset", &s, 1);
	wait_record("kbd", VB_KEY_DEVICES, "1-2:001:005");
	/* The same port, a new number, in one step (as after a reset). */
	fx_usb_dev(fx, "1-2", XHCI, 1, 6, VID, PID, NULL);
	wait_record("kbd", VB_KEY_DEVICES, "1-2:001:006");
	assert_false(live_has(1, 5, NULL));
	assert_true(live_has(1, 6, "ua-vfio-boot-usb-kbd-0"));
	assert_int_equal(live_count(), 1);
	runner_end(r, d);
}

/*
 * A device udev announced but not yet bound, without its node: waiting; once it is ready
 * (no new entry in /sys/bus/usb/devices, so no inotify event) the retry attaches it.
 */
static void test_not_ready_then_ready(void **state)
{
	struct vb_usb_section s = section("kbd", NULL, NULL, 1);
	virDomainPtr d = start_domain("usb-ready");
	struct runner *r = &the_runner;
	char *v, *drv;

	(void)state;
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, VID, PID, NULL);
	fx_usb_unready(fx, "1-2");
	runner_go(r, "usb-ready", &s, 1);
	wait_record("kbd", VB_KEY_STATUS, "waiting");
	v = record("kbd", VB_KEY_REASON);
	assert_non_null(v);
	assert_non_null(strstr(v, "not ready"));
	free(v);
	assert_int_equal(live_count(), 0);

	drv = fx_path(fx, "sys/bus/usb/drivers/usb");
	rf_symlink(fx, "sys/bus/usb/devices/1-2/driver", drv);
	free(drv);
	fx_write(fx, "dev/bus/usb/001/005", "", 0600);
	wait_record("kbd", VB_KEY_STATUS, "attached");
	assert_true(live_has(1, 5, "ua-vfio-boot-usb-kbd-0"));
	runner_end(r, d);
}

/*
 * Two identical devices and count 1: none attached (fail closed), and the reason names both
 * and what would tell them apart. The one attached before the second came goes too.
 */
static void test_ambiguous(void **state)
{
	struct vb_usb_section s[] = {section("kbd", NULL, NULL, 1), section("pen", NULL, NULL, 1)};
	virDomainPtr d = start_domain("usb-ambiguous");
	struct runner *r = &the_runner;
	char *v;

	(void)state;
	s[1].vendor = VID + 1;
	logcap_start();
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, VID, PID, NULL);
	runner_go(r, "usb-ambiguous", s, 2);
	wait_record("kbd", VB_KEY_STATUS, "attached");

	fx_usb_dev(fx, "1-3", XHCI, 1, 6, VID, PID, NULL);
	wait_record("kbd", VB_KEY_STATUS, "ambiguous");
	assert_int_equal(live_count(), 0);
	/* Said once: another device's coming and going does not say it again. */
	fx_usb_dev(fx, "1-4", XHCI, 1, 7, VID + 1, PID, NULL);
	wait_record("pen", VB_KEY_STATUS, "attached");
	fx_usb_remove(fx, "1-4");
	wait_record("pen", VB_KEY_STATUS, "absent");
	assert_int_equal(count_msgs(LOG_ERR, "[usb kbd] 2 devices match"), 1);
	assert_true(record_is("kbd", VB_KEY_DEVICES, ""));
	v = record("kbd", VB_KEY_REASON);
	assert_non_null(v);
	assert_non_null(strstr(v, "1-2"));
	assert_non_null(strstr(v, "1-3"));
	assert_non_null(strstr(v, "serial"));
	assert_non_null(strstr(v, "port"));
	free(v);

	fx_usb_remove(fx, "1-3");
	wait_record("kbd", VB_KEY_STATUS, "attached");
	assert_true(live_has(1, 5, "ua-vfio-boot-usb-kbd-0"));
	runner_end(r, d);
}

/* However many devices make a section ambiguous, its reason names each and ends with the fix. */
static void test_ambiguous_many(void **state)
{
	struct vb_usb_section s = section("kbd", NULL, NULL, 1);
	virDomainPtr d = start_domain("usb-ambiguous-many");
	struct runner *r = &the_runner;
	char name[16], serial[32];
	char *v;

	(void)state;
	for (unsigned i = 1; i <= 12; i++) {
		snprintf(name, sizeof(name), "1-%u", i);
		snprintf(serial, sizeof(serial), "SERIAL-OF-KEYBOARD-%02u", i);
		fx_usb_dev(fx, name, XHCI, 1, 10 + i, VID, PID, serial);
	}
	runner_go(r, "usb-ambiguous-many", &s, 1);
	wait_record("kbd", VB_KEY_STATUS, "ambiguous");
	v = record("kbd", VB_KEY_REASON);
	assert_non_null(v);
	assert_non_null(strstr(v, "12 devices match"));
	assert_non_null(strstr(v, "SERIAL-OF-KEYBOARD-12"));
	assert_non_null(strstr(v, "set serial = or port = to tell them apart"));
	free(v);
	runner_end(r, d);
}

/* Two pairs of identical devices, one pair told apart by serial, one by port. */
static void test_told_apart(void **state)
{
	struct vb_usb_section s[] = {
		section("left", "AAA", NULL, 1),
		section("right", "BBB", NULL, 1),
		section("front", NULL, "1-3", 1),
		section("back", NULL, "1-4", 1),
	};
	virDomainPtr d = start_domain("usb-apart");
	struct runner *r = &the_runner;

	(void)state;
	fx_usb_dev(fx, "1-1", XHCI, 1, 2, VID, PID, "AAA");
	fx_usb_dev(fx, "1-2", XHCI, 1, 3, VID, PID, "BBB");
	fx_usb_dev(fx, "1-3", XHCI, 1, 4, VID, PID, NULL);
	fx_usb_dev(fx, "1-4", XHCI, 1, 7, VID, PID, NULL);
	runner_go(r, "usb-apart", s, 4);
	wait_record("back", VB_KEY_STATUS, "attached");
	assert_true(record_is("left", VB_KEY_DEVICES, "1-1:001:002"));
	assert_true(record_is("right", VB_KEY_DEVICES, "1-2:001:003"));
	assert_true(record_is("front", VB_KEY_DEVICES, "1-3:001:004"));
	assert_true(record_is("back", VB_KEY_DEVICES, "1-4:001:007"));
	assert_true(live_has(1, 2, "ua-vfio-boot-usb-left-0"));
	assert_true(live_has(1, 3, "ua-vfio-boot-usb-right-0"));
	assert_true(live_has(1, 4, "ua-vfio-boot-usb-front-0"));
	assert_true(live_has(1, 7, "ua-vfio-boot-usb-back-0"));
	assert_int_equal(live_count(), 4);
	runner_end(r, d);
}

/* count 2: both attached, each with its own index; a hand-made USB hostdev stays. */
static void test_count_and_user_hostdev(void **state)
{
	struct vb_usb_section s = section("pads", NULL, NULL, 2);
	virDomainPtr d = start_domain("usb-count");
	struct runner *r = &the_runner;

	(void)state;
	live_add_user("<hostdev mode='subsystem' type='usb'><source><address bus='1' device='9'/>"
		      "</source><alias name='ua-mine'/></hostdev>");
	fx_usb_dev(fx, "1-5", XHCI, 1, 9, 0x046d, 0xc52b, NULL);
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, VID, PID, NULL);
	fx_usb_dev(fx, "1-3", XHCI, 1, 6, VID, PID, NULL);
	runner_go(r, "usb-count", &s, 1);
	wait_record("pads", VB_KEY_DEVICES, "1-2:001:005 1-3:001:006");
	assert_true(live_has(1, 5, "ua-vfio-boot-usb-pads-0"));
	assert_true(live_has(1, 6, "ua-vfio-boot-usb-pads-1"));
	fx_usb_remove(fx, "1-2");
	wait_record("pads", VB_KEY_DEVICES, "1-3:001:006");
	fx_usb_dev(fx, "1-2", XHCI, 1, 8, VID, PID, NULL);
	wait_record("pads", VB_KEY_DEVICES, "1-2:001:008 1-3:001:006");
	/* The free index is taken again; the other device keeps its own. */
	assert_true(live_has(1, 8, "ua-vfio-boot-usb-pads-0"));
	assert_true(live_has(1, 6, "ua-vfio-boot-usb-pads-1"));
	assert_true(live_has(1, 9, "ua-mine"));
	assert_int_equal(live_count(), 3);
	runner_end(r, d);
}

static const char usb_config[] = "[usb kbd]\n"
				 "id = 0627:0001\n"
				 "\n"
				 "[guest %s]\n"
				 "usb = kbd\n";

static void write_config(const char *guest)
{
	char conf[256];

	snprintf(conf, sizeof(conf), usb_config, guest);
	fx_write(fx, "etc/vfio-boot/vfio-boot.conf", conf, 0644);
}

/*
 * guest start with usb = in the config: the present device is attached once it runs; guest
 * stop: detached.
 */
static void test_start_from_config(void **state)
{
	virDomainPtr d = define_domain("usb-cfg-start");

	(void)state;
	write_config("usb-cfg-start");
	fx_usb_dev(fx, "2-1", XHCI, 2, 3, VID, PID, "S1");
	command_go("start", "usb-cfg-start");
	assert_int_equal(command_join(), EXIT_OK);
	assert_int_equal(virDomainIsActive(d), 1);
	assert_true(live_has(2, 3, "ua-vfio-boot-usb-kbd-0"));
	assert_true(record_is("kbd", VB_KEY_STATUS, "attached"));
	assert_true(record_is("kbd", VB_KEY_GUEST, "usb-cfg-start"));
	/* guest stop: the record says the guest has its devices no more. */
	command_go("stop", "usb-cfg-start");
	assert_int_equal(command_join(), EXIT_OK);
	assert_int_equal(virDomainIsActive(d), 0);
	assert_true(record_is("kbd", VB_KEY_STATUS, "detached"));
	assert_true(record_is("kbd", VB_KEY_DEVICES, ""));
}

/* guest run with usb = in the config: attached at start, followed, detached when it stops. */
static void test_run_from_config(void **state)
{
	virDomainPtr d = define_domain("usb-cfg-run");

	(void)state;
	write_config("usb-cfg-run");
	fx_usb_dev(fx, "2-1", XHCI, 2, 3, VID, PID, NULL);
	command_go("run", "usb-cfg-run");
	wait_record("kbd", VB_KEY_DEVICES, "2-1:002:003");
	fx_usb_remove(fx, "2-1");
	wait_record("kbd", VB_KEY_STATUS, "absent");
	assert_int_equal(live_count(), 0);
	fx_usb_dev(fx, "2-1", XHCI, 2, 4, VID, PID, NULL);
	wait_record("kbd", VB_KEY_DEVICES, "2-1:002:004");
	assert_true(live_has(2, 4, "ua-vfio-boot-usb-kbd-0"));
	assert_int_equal(virDomainDestroy(d), 0);
	assert_int_equal(command_join(), EXIT_DESTROYED);
	assert_true(record_is("kbd", VB_KEY_STATUS, "detached"));
	assert_true(record_is("kbd", VB_KEY_DEVICES, ""));
}

/* From now on the live XML can (not) be read; how often it was asked for until now. */
static unsigned live_xml_fails(bool fails)
{
	unsigned n;

	pthread_mutex_lock(&live.lock);
	live.xml_fails = fails;
	n = live.xml_reads;
	pthread_mutex_unlock(&live.lock);
	return n;
}

/*
 * A device waits to be ready, and the live XML cannot be read: the watch says so and waits
 * for the next event, instead of asking libvirt again every few hundred milliseconds for as
 * long as the guest runs.
 */
static void test_failure_stops_retry(void **state)
{
	struct vb_usb_section s = section("kbd", NULL, NULL, 1);
	virDomainPtr d = start_domain("usb-fail-retry");
	struct runner *r = &the_runner;
	unsigned reads, more;

	(void)state;
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, VID, PID, NULL);
	fx_usb_unready(fx, "1-2");
	runner_go(r, "usb-fail-retry", &s, 1);
	wait_record("kbd", VB_KEY_STATUS, "waiting");
	(void)live_xml_fails(true);
	usleep(1000 * 1000);
	reads = live_xml_fails(true);
	usleep(1500 * 1000);
	more = live_xml_fails(false) - reads;
	if (more)
		fail_msg("the live XML was asked for %u more times while nothing happened", more);
	runner_end(r, d);
}

static void tick(int timer _unused_, void *opaque _unused_)
{
}

/* Turns this thread's event loop for about ms, or until section's record has key=want. */
static void spin(int ms, const char *section, const char *key, const char *want)
{
	int timer = virEventAddTimeout(20, tick, NULL, NULL);

	assert_true(timer >= 0);
	for (int i = 0; i < ms / 20 && !(want && record_is(section, key, want)); i++)
		assert_true(virEventRunDefaultImpl() >= 0);
	virEventRemoveTimeout(timer);
}

/*
 * A device plugged while the runner reconnects to libvirt (no domain to attach to): once the
 * domain is back the watch looks again by itself, without waiting for another USB event.
 */
static void test_plug_while_reconnecting(void **state)
{
	/* Not on the stack: teardown ends the watch after a failed test left this frame. */
	static struct vb_usb_section s;
	static struct vb_guest_wait wait = {.usb = &s, .n_usb = 1};

	(void)state;
	s = section("kbd", NULL, NULL, 1);
	start_domain("usb-reconnect");
	open_here("usb-reconnect");
	assert_int_equal(usb_watch_start(&here, &wait, &here_uw), 0);
	assert_true(record_is("kbd", VB_KEY_STATUS, "absent"));
	/* As runner-lifecycle.c's reconnect leaves it between two tries. */
	here_dom = here.dom;
	here.dom = NULL;
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, VID, PID, NULL);
	spin(500, NULL, NULL, NULL);
	assert_int_equal(live_count(), 0);
	here.dom = here_dom;
	here_dom = NULL;
	spin(3000, "kbd", VB_KEY_STATUS, "attached");
	assert_true(record_is("kbd", VB_KEY_STATUS, "attached"));
	assert_true(live_has(1, 5, "ua-vfio-boot-usb-kbd-0"));
}

/*
 * A hostdev with the mark of a section the guest no longer lists (usb = changed, the runner
 * restarted while the guest ran) is detached: it is no longer the guest's, and the guest that
 * lists the section now could never get its device.
 */
static void test_unlisted_section_detached(void **state)
{
	struct vb_usb_section s = section("kbd", NULL, "1-2", 1);
	struct vb_guest_wait wait = {.usb = &s, .n_usb = 1};

	(void)state;
	start_domain("usb-unlisted");
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, VID, PID, NULL);
	fx_usb_dev(fx, "1-3", XHCI, 1, 7, VID, PID, NULL);
	live_add_user("<hostdev mode='subsystem' type='usb'><source><address bus='1' device='7'/>"
		      "</source><alias name='ua-vfio-boot-usb-mouse-0'/></hostdev>");
	live_add_user("<hostdev mode='subsystem' type='usb'><source><address bus='1' device='8'/>"
		      "</source><alias name='ua-mine'/></hostdev>");
	open_here("usb-unlisted");
	logcap_start();
	usb_attach_present(&here, &wait);
	assert_true(live_has(1, 5, "ua-vfio-boot-usb-kbd-0"));
	assert_false(live_has(1, 7, NULL));
	assert_true(live_has(1, 8, "ua-mine"));
	assert_int_equal(live_count(), 2);
	assert_msg(LOG_NOTICE, "guest usb-unlisted: [usb mouse] detached 1-3 (0627:0001, bus 1 "
			       "device 7) (usb = no longer lists it)");
}

/*
 * A device re-enumerated and libvirt would not detach its old number: the new one is attached
 * under a mark of its own (two hostdevs with one alias are refused), and the old one goes at
 * the next look.
 */
static void test_detach_refused_keeps_mark(void **state)
{
	struct vb_usb_section s = section("kbd", NULL, NULL, 1);
	struct vb_guest_wait wait = {.usb = &s, .n_usb = 1};

	(void)state;
	start_domain("usb-detach-refused");
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, VID, PID, NULL);
	open_here("usb-detach-refused");
	usb_attach_present(&here, &wait);
	assert_true(live_has(1, 5, "ua-vfio-boot-usb-kbd-0"));
	live.detach_fails = true;
	fx_usb_dev(fx, "1-2", XHCI, 1, 6, VID, PID, NULL);
	usb_attach_present(&here, &wait);
	assert_true(record_is("kbd", VB_KEY_STATUS, "failed"));
	assert_true(live_has(1, 5, "ua-vfio-boot-usb-kbd-0"));
	assert_false(live_has(1, 6, "ua-vfio-boot-usb-kbd-0"));
	assert_true(live_has(1, 6, "ua-vfio-boot-usb-kbd-1"));
	live.detach_fails = false;
	usb_attach_present(&here, &wait);
	assert_false(live_has(1, 5, NULL));
	assert_int_equal(live_count(), 1);
	assert_true(record_is("kbd", VB_KEY_STATUS, "attached"));
	assert_true(record_is("kbd", VB_KEY_DEVICES, "1-2:001:006"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_attach_present, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plug_unplug_replug, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reenumerated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_ready_then_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ambiguous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ambiguous_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_told_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_and_user_hostdev, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_from_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_from_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_stops_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plug_while_reconnecting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlisted_section_detached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach_refused_keeps_mark, setup, teardown),
	};
	int r;

	vb_logsink_stderr("vfio-boot");
	if (lc_init() < 0) {
		fprintf(stderr, "test-runner-usb: cannot set up libvirt's event loop\n");
		return 1;
	}
	conn = virConnectOpen(URI);
	if (!conn) {
		fprintf(stderr, "test-runner-usb: cannot open %s\n", URI);
		return 1;
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	virConnectClose(conn);
	return r;
}
