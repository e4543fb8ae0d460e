// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <time.h>

#include "log.h"
#include "release-record.h"
#include "util.h"

void vb_record_add_time_by(struct vb_record *rec, enum vb_record_by by)
{
	char when[32] = "";
	time_t now = time(NULL);
	struct tm tm;

	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	vb_record_add(rec, VB_KEY_TIME, "%s", when);
	vb_record_add(rec, VB_KEY_BY, "%s", vb_record_by_to_string(by));
}

/* key of the record there, else fallback ("" when NULL). */
static char *kept(const char *kind, const char *name, const char *key, const char *fallback)
{
	char *v = NULL;

	if (vb_record_get(kind, name, key, &v) >= 0)
		return v;
	return strdup(fallback ? fallback : "");
}

void vb_release_record_device(const char *addr, const char *section, const char *reason,
			      const char *driver, enum vb_record_by by)
{
	static const char *const keep[] = {VB_KEY_ID, VB_KEY_SUBSYSTEM, VB_KEY_CLASS};
	struct vb_record rec = {0};
	int r;

	vb_record_add(&rec, VB_KEY_ADDRESS, "%s", addr);
	for (size_t i = 0; i < ELEMENTSOF(keep); i++) {
		_cleanup_free_ char *v = kept(VB_RECORD_DEVICES, addr, keep[i], NULL);
		vb_record_add(&rec, keep[i], "%s", v ? v : "");
	}
	vb_record_add(&rec, VB_KEY_SECTION, "%s", section);
	vb_record_add(&rec, VB_KEY_REASON, "%s", reason);
	vb_record_add(&rec, VB_KEY_OUTCOME, "%s", vb_device_outcome_to_string(VB_OUTCOME_RELEASED));
	vb_record_add(&rec, VB_KEY_DRIVER_BEFORE, "%s", "vfio-pci");
	vb_record_add(&rec, VB_KEY_DRIVER, "%s", strna(driver));
	vb_record_add_time_by(&rec, by);
	r = vb_record_write(&rec, VB_RECORD_DEVICES, addr);
	if (r < 0)
		log_err(r, "writing %s/devices/%s: %m", VB_RUN_DIR, addr);
}

void vb_release_record_section(const char *name, const char *source, const char *devices,
			       enum vb_section_status status, const char *reason,
			       enum vb_record_by by)
{
	_cleanup_free_ char *src = kept(VB_RECORD_SECTIONS, name, VB_KEY_SOURCE, source);
	_cleanup_free_ char *devs = kept(VB_RECORD_SECTIONS, name, VB_KEY_DEVICES, devices);
	struct vb_record rec = {0};
	int r;

	vb_record_add(&rec, VB_KEY_NAME, "%s", name);
	vb_record_add(&rec, VB_KEY_SOURCE, "%s", src ? src : "");
	vb_record_add(&rec, VB_KEY_STATUS, "%s", vb_section_status_to_string(status));
	vb_record_add(&rec, VB_KEY_REASON, "%s", reason);
	/* A record whose device list was empty (pending) gets the devices released now. */
	vb_record_add(&rec, VB_KEY_DEVICES, "%s", devs && *devs ? devs : devices ? devices : "");
	vb_record_add_time_by(&rec, by);
	r = vb_record_write(&rec, VB_RECORD_SECTIONS, name);
	if (r < 0)
		log_err(r, "writing %s/sections/%s: %m", VB_RUN_DIR, name);
}
