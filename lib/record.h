/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "contract.h"

/*
 * What the binder did, under /run/vfio-boot, for the CLI and the generator: files of key=value
 * lines, one per device and per section, plus a status file.
 */
#define VB_RUN_DIR "/run/vfio-boot"

struct vb_record {
	char *buf;
	size_t len, alloc;
	int error;
};

void vb_record_add(struct vb_record *rec, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* time= (RFC 3339, UTC) and by= of a record written after boot: who wrote it and when. */
void vb_record_add_time_by(struct vb_record *rec, enum vb_record_by by);
/* The same with time= when, for a record that says since when something holds. */
void vb_record_add_time_at(struct vb_record *rec, time_t when, enum vb_record_by by);

/*
 * Which names a record may have: a section's (name.h), a device's PCI address, and the section a
 * vfio_boot.claim= address on the kernel command line makes, "vfio_boot.claim=ADDRESS". The
 * binder writes and the readers look up by this one rule, so that what one accepts the other
 * finds.
 */
bool vb_record_name_valid(const char *name);

/* Writes rec to /run/vfio-boot/KIND/NAME (KIND NULL: /run/vfio-boot/NAME) and frees it. */
int vb_record_write(struct vb_record *rec, const char *kind, const char *name);

/*
 * Removes the records of an earlier run, so that what is there is this run's: the status
 * first (an error when it cannot be removed), then the device and section records. A link in
 * the place of a records directory is removed, never followed.
 */
int vb_record_reset(void);

/*
 * Reads one key from a record file (kind NULL: /run/vfio-boot/NAME); -ENOENT when the file or
 * key is missing.
 */
int vb_record_get(const char *kind, const char *name, const char *key, char **ret);

/* Reads one key from the run's status record, /run/vfio-boot/status. */
int vb_record_get_status(const char *key, char **ret);
