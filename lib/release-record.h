/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "contract.h"
#include "record.h"

/*
 * The records of a device given back to its host driver (release, or a claim rolled back),
 * written as run-record.h's are: each logs its own write error.
 */

/* time= (RFC 3339, UTC) and by= of a record written after boot. */
void vb_record_add_time_by(struct vb_record *rec, enum vb_record_by by);

/*
 * devices/ADDRESS: outcome released, driver= the driver that took it (none), section= and
 * reason= as given; the ids and the class are kept from the record there (or read anew).
 */
void vb_release_record_device(const char *addr, const char *section, const char *reason,
			      const char *driver, enum vb_record_by by);

/*
 * sections/NAME: status and reason as given; source= and devices= kept from the record there,
 * else taken from source and devices.
 */
void vb_release_record_section(const char *name, const char *source, const char *devices,
			       enum vb_section_status status, const char *reason,
			       enum vb_record_by by);
