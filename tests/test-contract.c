// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/contract.c: every value of the run state, the section status and the device outcome has
 * the name the records have always carried, comes back from its name, and a name that is not
 * one is refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "contract.h"
#include "engine.h"
#include "fixture.h"
#include "record.h"
#include "run-record.h"
#include "sysroot.h"
#include "util.h"

/* The spellings in /run/vfio-boot that the command, the generator and users' scripts read. */
/* clang-format off */
static const char *const run_states[_VB_RUN_STATE_MAX] = {
	[VB_STATE_DONE] = "done",
	[VB_STATE_OFF] = "off",
	[VB_STATE_NO_CONFIG] = "no-config",
	[VB_STATE_CONFIG_REFUSED] = "config-refused",
	[VB_STATE_NO_VFIO] = "no-vfio",
	[VB_STATE_ERROR] = "error",
};
/* clang-format on */

static const char *const section_statuses[_VB_SECTION_STATUS_MAX] = {
	[VB_PLAN_OK] = "ok",
	[VB_PLAN_NONE] = "none",
	[VB_PLAN_ABSENT] = "absent",
	[VB_PLAN_TOO_FEW] = "too-few",
	[VB_PLAN_AMBIGUOUS] = "ambiguous",
	[VB_PLAN_GUARDED] = "guarded",
	[VB_PLAN_GROUP] = "group",
	[VB_PLAN_NO_IOMMU] = "no-iommu",
	[VB_PLAN_UNREADABLE] = "unreadable",
	[VB_SECTION_INVALID] = "invalid",
	[VB_SECTION_CLAIMED] = "claimed",
	[VB_SECTION_PARTIAL] = "partial",
	[VB_SECTION_FAILED] = "failed",
	[VB_SECTION_PENDING] = "pending",
	[VB_SECTION_RELEASED] = "released",
	[VB_SECTION_MISSING] = "missing",
};

static const char *const device_outcomes[_VB_DEVICE_OUTCOME_MAX] = {
	[VB_OUTCOME_CLAIMED] = "claimed",   [VB_OUTCOME_ALREADY] = "already",
	[VB_OUTCOME_FAILED] = "failed",	    [VB_OUTCOME_PLANNED] = "planned",
	[VB_OUTCOME_RELEASED] = "released",
};

static const char *const record_bys[_VB_RECORD_BY_MAX] = {
	[VB_BY_BINDER] = "binder",	 [VB_BY_HOTPLUG] = "hotplug",
	[VB_BY_SRIOV] = "sriov",	 [VB_BY_CLAIM] = "cli-claim",
	[VB_BY_RELEASE] = "cli-release", [VB_BY_RUNNER] = "guest-runner",
};

static const char *const usb_states[_VB_USB_STATE_MAX] = {
	[VB_USB_ATTACHED] = "attached", [VB_USB_ABSENT] = "absent",
	[VB_USB_WAITING] = "waiting",	[VB_USB_AMBIGUOUS] = "ambiguous",
	[VB_USB_FAILED] = "failed",	[VB_USB_DETACHED] = "detached",
};

/* Names no table has: near misses, other tables' names, case, spaces, the empty string. */
static const char *const strangers[] = {
	"",	   "Done",     "done ",	  " done",   "no_config", "noconfig", "claimed\n",
	"CLAIMED", "ok?",      "too_few", "unknown", "?",	  "state",    "status",
	"outcome", "no-vfio-", "part",	  "fail",    "claim",	  "invalids",
};

struct names {
	const char *const *want;
	size_t n;
	const char *(*to_string)(int v);
	int (*from_string)(const char *s);
};

static const char *run_state_name(int v)
{
	return vb_run_state_to_string((enum vb_run_state)v);
}

static const char *section_status_name(int v)
{
	return vb_section_status_to_string((enum vb_section_status)v);
}

static const char *device_outcome_name(int v)
{
	return vb_device_outcome_to_string((enum vb_device_outcome)v);
}

static const char *record_by_name(int v)
{
	return vb_record_by_to_string((enum vb_record_by)v);
}

static const char *usb_state_name(int v)
{
	return vb_usb_state_to_string((enum vb_usb_state)v);
}

static const struct names tables[] = {
	{run_states, ELEMENTSOF(run_states), run_state_name, vb_run_state_from_string},
	{section_statuses, ELEMENTSOF(section_statuses), section_status_name,
	 vb_section_status_from_string},
	{device_outcomes, ELEMENTSOF(device_outcomes), device_outcome_name,
	 vb_device_outcome_from_string},
	{record_bys, ELEMENTSOF(record_bys), record_by_name, vb_record_by_from_string},
	{usb_states, ELEMENTSOF(usb_states), usb_state_name, vb_usb_state_from_string},
};

static void test_round_trip(void **state)
{
	(void)state;
	for (size_t t = 0; t < ELEMENTSOF(tables); t++)
		for (size_t v = 0; v < tables[t].n; v++) {
			const char *name = tables[t].to_string((int)v);

			assert_non_null(tables[t].want[v]);
			assert_non_null(name);
			assert_string_equal(name, tables[t].want[v]);
			assert_int_equal(tables[t].from_string(name), (int)v);
		}
}

static void test_out_of_range(void **state)
{
	(void)state;
	for (size_t t = 0; t < ELEMENTSOF(tables); t++) {
		assert_null(tables[t].to_string((int)tables[t].n));
		assert_null(tables[t].to_string(-1));
	}
}

static void test_unknown_refused(void **state)
{
	(void)state;
	for (size_t t = 0; t < ELEMENTSOF(tables); t++) {
		assert_int_equal(tables[t].from_string(NULL), -EINVAL);
		for (size_t i = 0; i < ELEMENTSOF(strangers); i++)
			assert_int_equal(tables[t].from_string(strangers[i]), -EINVAL);
	}
	/* Each table knows only its own names. */
	assert_int_equal(vb_run_state_from_string("claimed"), -EINVAL);
	assert_int_equal(vb_device_outcome_from_string("partial"), -EINVAL);
	assert_int_equal(vb_device_outcome_from_string("none"), -EINVAL);
	assert_int_equal(vb_section_status_from_string("already"), -EINVAL);
	assert_int_equal(vb_section_status_from_string("no-config"), -EINVAL);
}

/* What the run's writer puts into the status record, the reader gives back, key by key. */
static void test_status_record_round_trip(void **state)
{
	struct fx *fx = fx_new();
	struct vb_run run = {.records = true, .claimed = 3, .failed = 1, .refused = 2};
	char *v = NULL, *text;

	(void)state;
	assert_int_equal(vb_root_set(fx_root(fx)), 0);
	assert_int_equal(vb_record_get_status(VB_KEY_STATE, &v), -ENOENT);
	vb_run_record_status(&run, VB_STATE_NO_VFIO);
	text = fx_read(fx, "run/vfio-boot/status");
	assert_non_null(text);
	assert_string_equal(text, "version=1\nstate=no-vfio\nclaimed=3\nfailed=1\nsections=0\n"
				  "refused=2\nconfig_errors=0\n");
	free(text);
	assert_int_equal(vb_record_get_status(VB_KEY_STATE, &v), 0);
	assert_int_equal(vb_run_state_from_string(v), VB_STATE_NO_VFIO);
	free(v);
	assert_int_equal(vb_record_get_status(VB_KEY_CLAIMED, &v), 0);
	assert_string_equal(v, "3");
	free(v);
	assert_int_equal(vb_record_get_status("no_such_key", &v), -ENOENT);

	/* A dry run writes nothing. */
	run.records = false;
	vb_run_record_status(&run, VB_STATE_DONE);
	assert_int_equal(vb_record_get_status(VB_KEY_STATE, &v), 0);
	assert_string_equal(v, "no-vfio");
	free(v);
	assert_int_equal(vb_root_set("/"), 0);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_unknown_refused),
		cmocka_unit_test(test_status_record_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
