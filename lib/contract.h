/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What the binder writes to /run/vfio-boot and the command and the generator read back: the
 * run's state, each section's status, each device's outcome and the keys of the records. The
 * names here are the only spelling of these values; writers format with *_to_string(), readers
 * parse with *_from_string() and compare the enums.
 */

/* state= of /run/vfio-boot/status: how far the binder's run went. */
enum vb_run_state {
	VB_STATE_DONE,		 /* it planned and claimed what the plan allowed */
	VB_STATE_OFF,		 /* vfio_boot=off on the kernel command line */
	VB_STATE_NO_CONFIG,	 /* no config and no vfio_boot.claim=: nothing to claim */
	VB_STATE_CONFIG_REFUSED, /* the config could not be trusted or read */
	VB_STATE_NO_VFIO,	 /* vfio-pci could not be had: nothing claimed */
	VB_STATE_ERROR,		 /* the scan or the plan failed */
	_VB_RUN_STATE_MAX,
};

/*
 * status= of /run/vfio-boot/sections/NAME: first what the plan says of a section (only
 * VB_PLAN_OK sections are claimed), then what claiming made of it.
 */
enum vb_section_status {
	VB_PLAN_OK,
	VB_PLAN_NONE,	    /* count = any and nothing matched: nothing to do */
	VB_PLAN_ABSENT,	    /* nothing matched */
	VB_PLAN_TOO_FEW,    /* fewer than count matched */
	VB_PLAN_AMBIGUOUS,  /* more than count matched */
	VB_PLAN_GUARDED,    /* boot display or storage without allow */
	VB_PLAN_GROUP,	    /* an IOMMU group holds endpoints no section claims */
	VB_PLAN_NO_IOMMU,   /* a device has no IOMMU group */
	VB_PLAN_UNREADABLE, /* a device it would take, or whose match it needs, cannot be read */
	VB_SECTION_INVALID, /* the config parser threw the section out */
	VB_SECTION_CLAIMED, /* every device is on vfio-pci */
	VB_SECTION_PARTIAL, /* some are */
	VB_SECTION_FAILED,  /* none is, or the binder refused them all */
	/* Never written: what a reader says of a section that has no record. */
	VB_SECTION_MISSING,
	_VB_SECTION_STATUS_MAX,
};

/* outcome= of /run/vfio-boot/devices/ADDRESS. */
enum vb_device_outcome {
	VB_OUTCOME_CLAIMED, /* moved to vfio-pci */
	VB_OUTCOME_ALREADY, /* found on vfio-pci */
	VB_OUTCOME_FAILED,  /* left with, or given back to, its host driver */
	VB_OUTCOME_PLANNED, /* a dry run: nothing written */
	_VB_DEVICE_OUTCOME_MAX,
};

/* The name of a value; NULL for one out of range. */
const char *vb_run_state_to_string(enum vb_run_state s);
const char *vb_section_status_to_string(enum vb_section_status s);
const char *vb_device_outcome_to_string(enum vb_device_outcome o);

/* The value of a name, or -EINVAL for a name that is not one (or NULL). */
int vb_run_state_from_string(const char *s);
int vb_section_status_from_string(const char *s);
int vb_device_outcome_from_string(const char *s);
