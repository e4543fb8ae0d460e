/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the test-plan-* programs share: the q35 stand-in's addresses, the scan, config and
 * plan under test, the assertions on a planned section, and builders of trees other than
 * the q35 stand-in.
 */
#ifndef VFIO_BOOT_TESTS_PLAN_TEST_H
#define VFIO_BOOT_TESTS_PLAN_TEST_H

/* The q35 stand-in's devices (fixture.h has the table). */
#define HOST_BRIDGE "0000:00:00.0"
#define PORT1	    "0000:00:01.0"
#define GPU1	    "0000:01:00.0" /* boot display */
#define AUDIO1	    "0000:01:00.1"
#define PORT2	    "0000:00:02.0"
#define GPU2	    "0000:02:00.0"
#define AUDIO2	    "0000:02:00.1"
#define PCI_BRIDGE  "0000:00:03.0"
#define NIC1	    "0000:03:01.0"
#define NIC2	    "0000:03:02.0"
#define XHCI	    "0000:00:04.0"
#define LPC	    "0000:00:1f.0"
#define SATA	    "0000:00:1f.2"
#define SMBUS	    "0000:00:1f.3"

static struct fx *fx;
static struct vb_pci pci;
static struct vb_config cfg;
static struct vb_cmdline cmd;
static struct vb_plan plan;
static char logbuf[16384];
static size_t loglen;

static inline void sink(void *userdata, int level, const char *msg)
{
	(void)userdata;
	if (loglen < sizeof(logbuf))
		loglen +=
			snprintf(logbuf + loglen, sizeof(logbuf) - loglen, "<%d>%s\n", level, msg);
}

/* The q35 stand-in is only read: one copy serves all the tests that use it. */
static struct fx *q35;

static inline int setup_common(void)
{
	loglen = 0;
	logbuf[0] = '\0';
	vb_log_set_sink(sink, NULL);
	vb_log_set_max_level(LOG_DEBUG);
	return 0;
}

/* A fresh, empty machine for the test to build. */
static inline int setup(void **state)
{
	(void)state;
	setup_common();
	fx = fx_new();
	return 0;
}

static inline int setup_q35(void **state)
{
	(void)state;
	setup_common();
	fx = q35;
	return 0;
}

static inline int teardown(void **state)
{
	(void)state;
	vb_plan_free(&plan);
	vb_pci_free(&pci);
	vb_config_free(&cfg);
	vb_cmdline_free(&cmd);
	vb_root_set(NULL);
	if (fx != q35)
		fx_free(fx);
	fx = NULL;
	return 0;
}

static inline int group_setup_q35(void **state)
{
	(void)state;
	q35 = fx_new();
	fx_q35_two_gpus(q35);
	return 0;
}

static inline int group_teardown_q35(void **state)
{
	(void)state;
	fx_free(q35);
	q35 = NULL;
	return 0;
}

static inline void scan(void)
{
	vb_pci_free(&pci);
	assert_int_equal(vb_root_set(fx_root(fx)), 0);
	assert_int_equal(vb_pci_scan(&pci), 0);
}

/* Plans conf (a config that must parse cleanly) and cmdline (NULL: none) on the tree. */
static inline void plan_for(const char *conf, const char *cmdline)
{
	vb_plan_free(&plan);
	vb_config_free(&cfg);
	vb_cmdline_free(&cmd);
	if (!pci.n)
		scan();
	if (conf) {
		assert_int_equal(
			vb_config_parse(&cfg, "/etc/vfio-boot/vfio-boot.conf", conf, strlen(conf)),
			0);
		assert_int_equal(vb_config_resolve(&cfg), 0);
		if (cfg.n_errors)
			print_message("config errors:\n%s", logbuf);
		assert_int_equal(cfg.n_errors, 0);
	}
	if (cmdline)
		assert_int_equal(vb_cmdline_parse(&cmd, cmdline), 0);
	assert_int_equal(vb_plan_build(&plan, conf ? &cfg : NULL, cmdline ? &cmd : NULL, &pci), 0);
}

static inline void dump_section(const struct vb_plan_section *s)
{
	print_message("section %s: %s: %s\n", s->name, vb_section_status_to_string(s->status),
		      s->why ? s->why : "(no why)");
	for (size_t i = 0; i < s->n_devs; i++)
		print_message("  dev %s (%s)\n", pci.devs[s->devs[i].dev].addr, s->devs[i].reason);
	for (size_t i = 0; i < s->n_details; i++)
		print_message("  detail %s\n", s->details[i]);
}

static inline const struct vb_plan_section *section(const char *name)
{
	for (size_t i = 0; i < plan.n_sections; i++)
		if (streq(plan.sections[i].name, name))
			return &plan.sections[i];
	print_message("no section %s in the plan\n", name);
	fail();
	return NULL;
}

static inline void assert_status(const struct vb_plan_section *s, enum vb_section_status want)
{
	if (s->status != want) {
		print_message("want %s\n", vb_section_status_to_string(want));
		dump_section(s);
	}
	assert_int_equal(s->status, want);
	/* Whatever happened, the log and the dry run have one line saying so. */
	assert_non_null(s->why);
}

/* The devices of s are exactly the NULL-terminated list. */
static inline void assert_devs_(const struct vb_plan_section *s, const char *addr, ...)
{
	const char *want[32];
	size_t n = 0;
	va_list ap;

	va_start(ap, addr);
	for (; addr; addr = va_arg(ap, const char *)) {
		assert_true(n < ELEMENTSOF(want));
		want[n++] = addr;
	}
	va_end(ap);
	if (s->n_devs != n)
		dump_section(s);
	assert_int_equal(s->n_devs, n);
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t j = 0; j < s->n_devs; j++)
			if (streq(pci.devs[s->devs[j].dev].addr, want[i]))
				found = true;
		if (!found) {
			print_message("%s not in section %s\n", want[i], s->name);
			dump_section(s);
		}
		assert_true(found);
	}
}
#define assert_devs(s, ...) assert_devs_(s, __VA_ARGS__, NULL)

static inline const char *dev_reason(const struct vb_plan_section *s, const char *addr)
{
	for (size_t i = 0; i < s->n_devs; i++)
		if (streq(pci.devs[s->devs[i].dev].addr, addr))
			return s->devs[i].reason;
	return NULL;
}

/* Some detail line of s holds every needle. */
static inline void assert_detail_(const struct vb_plan_section *s, const char *needle, ...)
{
	for (size_t i = 0; i < s->n_details; i++) {
		const char *n = needle;
		bool all = true;
		va_list ap;

		va_start(ap, needle);
		for (; n; n = va_arg(ap, const char *))
			if (!strstr(s->details[i], n))
				all = false;
		va_end(ap);
		if (all)
			return;
	}
	print_message("no detail with \"%s\" (and the rest)\n", needle);
	dump_section(s);
	fail();
}
#define assert_detail(s, ...) assert_detail_(s, __VA_ARGS__, NULL)

static inline void assert_no_detail(const struct vb_plan_section *s, const char *needle)
{
	for (size_t i = 0; i < s->n_details; i++)
		if (strstr(s->details[i], needle)) {
			print_message("unexpected detail: %s\n", s->details[i]);
			fail();
		}
}

static inline void assert_why(const struct vb_plan_section *s, const char *needle)
{
	if (!s->why || !strstr(s->why, needle)) {
		print_message("why lacks \"%s\"\n", needle);
		dump_section(s);
		fail();
	}
}

/* ---- building trees other than the q35 stand-in ---- */

/* ROOT-relative path of a device attribute, for fx_write() and fx_path(). */
#define DEV_ATTR(addr, attr) "sys/bus/pci/devices/" addr "/" attr

static inline void bridge(const char *addr, const char *parent, int group)
{
	fx_port(fx, addr, parent, group);
}

static inline void endpoint(const char *addr, const char *parent, unsigned vendor, unsigned device,
			    unsigned class, int group, const char *driver)
{
	fx_device(fx, addr,
		  &(struct fx_dev){.parent = parent,
				   .vendor = vendor,
				   .device = device,
				   .sub_vendor = 0x1af4,
				   .sub_device = 0x1100,
				   .class = class,
				   .group = group,
				   .host_driver = driver,
				   .bound = driver != NULL});
}

/* The cases on the shared q35 stand-in, then those that build their own tree; in that order. */
#define run_plan_tests(on_q35, on_own_tree)                                                        \
	({                                                                                         \
		int failed_ = cmocka_run_group_tests(on_q35, group_setup_q35, group_teardown_q35); \
		failed_ + cmocka_run_group_tests(on_own_tree, NULL, NULL);                         \
	})

#endif
