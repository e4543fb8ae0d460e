/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The config's schema, inside lib/: each section type's keys in one table, applied by one
 * engine, and the one reporter of what is wrong with a file's line. lib/config-schema.c holds
 * the engine and [binder], lib/config-device.c [device], lib/config-usb.c [usb], lib/bridge.c
 * [bridge] and lib/guest.c [guest].
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "util.h"

/* One section's keys applied to the struct that holds what they mean. */
struct vb_apply {
	struct vb_config *cfg;
	const struct vb_section *sec;
	void *obj;	   /* what the values go into: offsets are into this */
	bool *bad;	   /* set by every error about the section */
	uint32_t *refused; /* bit i: the value of key i was not understood; may be NULL */
	const void *env;   /* what checks compare against: the other sections */
};

struct vb_key;

/*
 * Parses a value into dst (obj + offset). Returns 0, -EINVAL when the value is not
 * understood (the engine reports it with the key's `expected`, or, when that is NULL, the
 * parser did), or -ENOMEM.
 */
typedef int vb_key_parse_fn(struct vb_apply *a, const struct vb_key *k, const struct vb_setting *st,
			    void *dst);

/* Checks a value understood against the rest of the config, reporting what is wrong. */
typedef int vb_key_check_fn(struct vb_apply *a, const struct vb_setting *st);

struct vb_key {
	const char *name;
	vb_key_parse_fn *parse;
	size_t offset;		  /* where the value goes, in obj */
	size_t count_offset;	  /* words: where their number goes */
	const char *expected;	  /* "KEY = "VALUE": expected ..." */
	bool bare;		  /* VALUE shown without quotes */
	bool warn;		  /* a value not understood is a warning, the default kept */
	const char *const *words; /* choices: words[0] means false, words[1] true */
	uint64_t max;		  /* durations: a longer one is cut to this, with a warning */
	const char *cut;	  /* what that warning says after "KEY = VALUE " */
	vb_key_check_fn *check;	  /* run when the value was understood */
	unsigned char rank;	  /* keys are applied by rank, then in table order */
};

struct vb_schema {
	enum vb_section_type type;
	const struct vb_key *keys;
	size_t n_keys;
	bool strict; /* an unknown key is an error that makes the section bad, else a warning */
};

extern const struct vb_schema vb_binder_schema, vb_device_schema, vb_bridge_schema, vb_guest_schema,
	vb_usb_schema;

/*
 * The one reporter of what is wrong at file:line: counts it as an error (level LOG_ERR or
 * more urgent, which also sets *bad when bad is not NULL) or a warning, and logs it.
 */
void vb_config_report(struct vb_config *cfg, bool *bad, int level, const char *file, unsigned line,
		      const char *fmt, ...) _printf_(6, 7);

#define vb_apply_error(a, st, ...) \
	vb_config_report((a)->cfg, (a)->bad, LOG_ERR, (st)->file, (st)->line, __VA_ARGS__)

/* Applies every key of the schema that the section sets. Returns 0 or -ENOMEM. */
int vb_schema_apply(struct vb_apply *a, const struct vb_schema *s);

/* Value parsers for the tables. */
vb_key_parse_fn vb_key_bool, vb_key_choice, vb_key_duration, vb_key_words, vb_key_string,
	vb_key_mac;
/* count = N (1 to 4096) or any (-1), into an int: [device] and [usb]. */
vb_key_parse_fn vb_key_count;

void vb_words_free(char **v, size_t n);

/* Makes sense of [device] section idx into cfg->devices, or skips it. 0 or -ENOMEM. */
int vb_device_resolve(struct vb_config *cfg, size_t idx);

/* Makes sense of [usb] section idx into cfg->usbs, or skips it. 0 or -ENOMEM. */
int vb_usb_section_resolve(struct vb_config *cfg, size_t idx);
/* Frees cfg->usbs. */
void vb_usb_sections_free(struct vb_config *cfg);
