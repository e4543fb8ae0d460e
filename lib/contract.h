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
	VB_PLAN_NONE,	   /* count = any and nothing matched: nothing to do */
	VB_PLAN_ABSENT,	   /* nothing matched */
	VB_PLAN_TOO_FEW,   /* fewer than count matched */
	VB_PLAN_AMBIGUOUS, /* more than count matched */
	VB_PLAN_GUARDED,  /* boot display or storage without allow; a PF that cannot give its VFs */
	VB_PLAN_GROUP,	  /* an IOMMU group holds endpoints no section claims */
	VB_PLAN_NO_IOMMU, /* a device has no IOMMU group */
	VB_PLAN_UNREADABLE, /* a device it would take, or whose match it needs, cannot be read */
	VB_SECTION_INVALID, /* the config parser threw the section out */
	VB_SECTION_CLAIMED, /* every device is on vfio-pci */
	VB_SECTION_PARTIAL, /* some are */
	VB_SECTION_FAILED,  /* none is, or the binder refused them all */
	/*
	 * Its devices come later: VFs not made yet (their PF's driver has not bound), or a
	 * hot-plug section with fewer devices than its count. Not an error.
	 */
	VB_SECTION_PENDING,
	VB_SECTION_RELEASED, /* `vfio-boot release` gave its devices back to their host drivers */
	/* Never written: what a reader says of a section that has no record. */
	VB_SECTION_MISSING,
	_VB_SECTION_STATUS_MAX,
};

/* outcome= of /run/vfio-boot/devices/ADDRESS. */
enum vb_device_outcome {
	VB_OUTCOME_CLAIMED,  /* moved to vfio-pci */
	VB_OUTCOME_ALREADY,  /* found on vfio-pci */
	VB_OUTCOME_FAILED,   /* left with, or given back to, its host driver */
	VB_OUTCOME_PLANNED,  /* a dry run: nothing written */
	VB_OUTCOME_RELEASED, /* given back to its host driver by `vfio-boot release` */
	_VB_DEVICE_OUTCOME_MAX,
};

/* by= of a record written after boot: who wrote it. */
enum vb_record_by {
	VB_BY_BINDER,  /* the binder's run in the initramfs */
	VB_BY_HOTPLUG, /* the udev rule, for a device that appeared after boot */
	VB_BY_SRIOV,   /* the udev rule, for VFs made once their PF's driver bound */
	VB_BY_CLAIM,   /* `vfio-boot claim` */
	VB_BY_RELEASE, /* `vfio-boot release` */
	VB_BY_RUNNER,  /* the guest runner (`vfio-boot guest`), for usb/NAME */
	_VB_RECORD_BY_MAX,
};

/* status= of /run/vfio-boot/usb/NAME: what the guest runner made of a [usb] section. */
enum vb_usb_state {
	VB_USB_ATTACHED,  /* its devices are attached to the running guest */
	VB_USB_ABSENT,	  /* the guest runs, and no device of the section is present */
	VB_USB_WAITING,	  /* a device matches but is not ready yet (no driver, no /dev node) */
	VB_USB_AMBIGUOUS, /* more devices match than count: none attached (fail closed) */
	VB_USB_FAILED,	  /* libvirt refused the attach (the reason says why) */
	VB_USB_DETACHED,  /* the guest stopped: its runner detached and left */
	_VB_USB_STATE_MAX,
};

/* The name of a value; NULL for one out of range. */
const char *vb_run_state_to_string(enum vb_run_state s);
const char *vb_section_status_to_string(enum vb_section_status s);
const char *vb_device_outcome_to_string(enum vb_device_outcome o);
const char *vb_record_by_to_string(enum vb_record_by b);
const char *vb_usb_state_to_string(enum vb_usb_state s);

/* The value of a name, or -EINVAL for a name that is not one (or NULL). */
int vb_run_state_from_string(const char *s);
int vb_section_status_from_string(const char *s);
int vb_device_outcome_from_string(const char *s);
int vb_record_by_from_string(const char *s);
int vb_usb_state_from_string(const char *s);

/*
 * The records below /run/vfio-boot (record.h) and their keys: one key=value a line. A key
 * marked "all" is in the section and the device records both.
 */
#define VB_RECORD_STATUS   "status"   /* the run's: /run/vfio-boot/status */
#define VB_RECORD_SECTIONS "sections" /* a [device] section's: sections/NAME */
#define VB_RECORD_DEVICES  "devices"  /* a device's: devices/ADDRESS */
#define VB_RECORD_USB	   "usb"      /* a [usb] section's, by the guest runner: usb/NAME */

/* status */
#define VB_KEY_VERSION	     "version"
#define VB_KEY_STATE	     "state" /* vb_run_state */
#define VB_KEY_CLAIMED	     "claimed"
#define VB_KEY_FAILED	     "failed"
#define VB_KEY_SECTIONS	     "sections"
#define VB_KEY_REFUSED	     "refused"
#define VB_KEY_CONFIG_ERRORS "config_errors"
/* sections/NAME */
#define VB_KEY_NAME    "name"
#define VB_KEY_SOURCE  "source"
#define VB_KEY_STATUS  "status" /* vb_section_status */
#define VB_KEY_REASON  "reason" /* all */
#define VB_KEY_TIME    "time"	/* all, after boot: when, RFC 3339 in UTC */
#define VB_KEY_BY      "by"	/* all, after boot: vb_record_by */
#define VB_KEY_DEVICES "devices"
/* devices/ADDRESS */
#define VB_KEY_ADDRESS	     "address"
#define VB_KEY_ID	     "id"
#define VB_KEY_SUBSYSTEM     "subsystem"
#define VB_KEY_CLASS	     "class"
#define VB_KEY_SECTION	     "section"
#define VB_KEY_OUTCOME	     "outcome" /* vb_device_outcome */
#define VB_KEY_DRIVER_BEFORE "driver_before"
#define VB_KEY_DRIVER	     "driver"
#define VB_KEY_ERROR	     "error"
#define VB_KEY_PF	     "pf"	/* a VF's: its PF's address */
#define VB_KEY_VF_INDEX	     "vf_index" /* a VF's: N of the PF's virtfnN */
/*
 * usb/NAME: name, status (vb_usb_state), reason, time (since when it has this status),
 * guest, and devices: the attached ones as "PORT:BUS:DEVNUM" ("1-2.3:001:005"), space-separated.
 */
#define VB_KEY_GUEST "guest"
