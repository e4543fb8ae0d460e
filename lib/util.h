/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_       __attribute__((unused))
#define _cleanup_(f)   __attribute__((cleanup(f)))

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_free_	   _cleanup_(freep)
#define _cleanup_close_	   _cleanup_(closep)
#define _cleanup_fclose_   _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Hand ownership out of a cleanup variable. */
#define TAKE_PTR(p)                 \
	({                          \
		typeof(p) _p = (p); \
		(p) = NULL;         \
		_p;                 \
	})

static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static inline bool streq_ptr(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return streq(a, b);
}

/* "" for NULL, for what prints or compares an absent string as empty. */
static inline const char *strempty(const char *s)
{
	return s ? s : "";
}

static inline const char *strna(const char *s)
{
	return s ? s : "none";
}

static inline const char *startswith(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* Grow *array to hold at least need elements; returns -ENOMEM on failure. */
int grow_array(void **array, size_t *alloc, size_t need, size_t size);

#define GROW(array, alloc, need) grow_array((void **)&(array), &(alloc), (need), sizeof(*(array)))

int asprintf_safe(char **ret, const char *fmt, ...) _printf_(2, 3);

/*
 * The length of the UTF-8 character s starts with (1 to 4; 1 for ASCII), 0 when s does not
 * start with valid UTF-8 (a stray byte, an overlong form, a surrogate, past U+10FFFF).
 */
size_t utf8_char_len(const char *s);

/* CLOCK_MONOTONIC in microseconds: deadlines that a clock change cannot move. */
uint64_t vb_now_usec(void);

/*
 * bytes in the largest binary unit that holds it exactly ("256 MiB", "60 KiB", "1000 B"), never
 * rounded, into buf (at least VB_BYTES_MAX).
 */
#define VB_BYTES_MAX 32
const char *vb_format_bytes(uint64_t bytes, char *buf, size_t size);
