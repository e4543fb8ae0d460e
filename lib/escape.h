/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

/*
 * systemd's unit name escaping, byte for byte as systemd-escape(1) does it, so that the
 * generator, the guest runner and the CLI agree on which unit belongs to which name.
 */

/* A unit name is at most this long (systemd's UNIT_NAME_MAX less its NUL). */
#define VB_UNIT_NAME_MAX 255
/*
 * A unit that gets a drop-in directory (NAME.d) must leave room for ".d" in a file name of
 * at most NAME_MAX (255) bytes.
 */
#define VB_UNIT_NAME_DROPIN_MAX 253

/* `systemd-escape STRING`: '/' becomes '-', anything but [A-Za-z0-9:_.] becomes \xNN. */
int vb_escape_unit(const char *s, char **ret);

/* The reverse (what %I shows); -EINVAL on a malformed escape. */
int vb_unescape_unit(const char *s, char **ret);

/*
 * `systemd-escape --path PATH`: duplicate slashes and "." components dropped, leading and
 * trailing slashes stripped, "/" alone giving "-". -EINVAL when PATH has a ".." component or
 * is not a valid path (empty, a component longer than 255 bytes, longer than PATH_MAX).
 */
int vb_escape_path(const char *path, char **ret);

/*
 * "PREFIX@ESCAPED.SUFFIX" for an unescaped instance, e.g. ("vfio-boot-guest", "win 11",
 * "service") gives vfio-boot-guest@win\x2011.service. -ENAMETOOLONG when the result would be
 * longer than max (VB_UNIT_NAME_MAX or VB_UNIT_NAME_DROPIN_MAX), -EINVAL for an empty
 * instance.
 */
int vb_unit_instance(const char *prefix, const char *instance, const char *suffix, size_t max,
		     char **ret);

/* The unit systemd names after a path, e.g. /dev/sda1 and "device" give dev-sda1.device. */
int vb_unit_from_path(const char *path, const char *suffix, char **ret);

/*
 * Text for a comment line of a generated file (a systemd unit or drop-in, a networkd file, a
 * NetworkManager keyfile): control bytes and bytes that are not valid UTF-8 become \xNN. A
 * comment thus stays one line whatever it quotes (a newline in a file name would start a
 * setting) and is valid UTF-8, as keyfiles must be. Callers put the text before fixed text on
 * the same line, so that no quoted backslash ends the line (and continues it).
 */
int vb_escape_comment(const char *s, char **ret);

/*
 * In place, the reverse of the kernel's mangling of paths in /proc/self/mountinfo and
 * /proc/swaps: space, tab, newline and backslash are written \ooo (three octal digits).
 */
void vb_unescape_octal(char *s);
