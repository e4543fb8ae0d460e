/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * A small JSON writer for the --json outputs: it tracks nesting and commas so that callers
 * only say what to write. Output is one document, two-space indented, ending in a newline.
 * Strings come from sysfs, file names and the config, none of which need be UTF-8: each byte
 * that is not part of valid UTF-8 is written as \ufffd (U+FFFD, the replacement character),
 * control characters as \n, \t or \u00XX, so the output is always valid JSON.
 */
#define JSON_DEPTH_MAX 16

struct json {
	FILE *f;
	int depth;
	bool first[JSON_DEPTH_MAX];
	bool after_key;
};

void json_init(struct json *j, FILE *f);
/* key NULL inside arrays and at the top. */
void json_open(struct json *j, const char *key, char bracket);
void json_close(struct json *j, char bracket);
void json_str(struct json *j, const char *key, const char *value); /* NULL: null */
void json_int(struct json *j, const char *key, long long value);
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);
void json_end(struct json *j);
/* One JSON string, quoted and escaped as above, for callers that lay out their own lines. */
void json_quoted(FILE *f, const char *s);
