// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stddef.h>

#include "contract.h"
#include "util.h"

/* One name a line, short as they are. */
/* clang-format off */
static const char *const run_state_names[_VB_RUN_STATE_MAX] = {
	[VB_STATE_DONE] = "done",
	[VB_STATE_OFF] = "off",
	[VB_STATE_NO_CONFIG] = "no-config",
	[VB_STATE_CONFIG_REFUSED] = "config-refused",
	[VB_STATE_NO_VFIO] = "no-vfio",
	[VB_STATE_ERROR] = "error",
};
/* clang-format on */

static const char *const section_status_names[_VB_SECTION_STATUS_MAX] = {
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

static const char *const device_outcome_names[_VB_DEVICE_OUTCOME_MAX] = {
	[VB_OUTCOME_CLAIMED] = "claimed",   [VB_OUTCOME_ALREADY] = "already",
	[VB_OUTCOME_FAILED] = "failed",	    [VB_OUTCOME_PLANNED] = "planned",
	[VB_OUTCOME_RELEASED] = "released",
};

static const char *const record_by_names[_VB_RECORD_BY_MAX] = {
	[VB_BY_BINDER] = "binder",	 [VB_BY_HOTPLUG] = "hotplug",
	[VB_BY_SRIOV] = "sriov",	 [VB_BY_CLAIM] = "cli-claim",
	[VB_BY_RELEASE] = "cli-release", [VB_BY_RUNNER] = "guest-runner",
};

static const char *const usb_state_names[_VB_USB_STATE_MAX] = {
	[VB_USB_ATTACHED] = "attached", [VB_USB_ABSENT] = "absent",
	[VB_USB_WAITING] = "waiting",	[VB_USB_AMBIGUOUS] = "ambiguous",
	[VB_USB_FAILED] = "failed",	[VB_USB_DETACHED] = "detached",
};

static const char *to_string(const char *const *table, size_t n, int i)
{
	return i >= 0 && (size_t)i < n ? table[i] : NULL;
}

static int from_string(const char *const *table, size_t n, const char *s)
{
	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (table[i] && streq(table[i], s))
			return (int)i;
	return -EINVAL;
}

/* The pair of lookups for one enum, over its one table. */
#define DEFINE_NAMES(name, type, table)                             \
	const char *name##_to_string(type v)                        \
	{                                                           \
		return to_string(table, ELEMENTSOF(table), (int)v); \
	}                                                           \
	int name##_from_string(const char *s)                       \
	{                                                           \
		return from_string(table, ELEMENTSOF(table), s);    \
	}

DEFINE_NAMES(vb_run_state, enum vb_run_state, run_state_names)
DEFINE_NAMES(vb_section_status, enum vb_section_status, section_status_names)
DEFINE_NAMES(vb_device_outcome, enum vb_device_outcome, device_outcome_names)
DEFINE_NAMES(vb_record_by, enum vb_record_by, record_by_names)
DEFINE_NAMES(vb_usb_state, enum vb_usb_state, usb_state_names)
