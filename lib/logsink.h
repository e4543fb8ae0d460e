/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

/*
 * The programs' message sinks, in one place. The rest of lib/ never calls these: it logs
 * through lib/log.h, and each program's main installs one sink here.
 *
 * IDENT names the program in every line ("vfio-boot", "vfio-boot-generator").
 */

/*
 * Messages to /dev/kmsg, as "<LEVEL>IDENT: message" (with "[PID]" after IDENT if with_pid),
 * reopened every few lines so that the kernel's per-open rate limit drops none. Falls back
 * to stderr ("IDENT: message") when /dev/kmsg cannot be opened or written; with
 * mirror_stderr, every line goes to stderr too.
 */
void vb_logsink_kmsg(const char *ident, bool with_pid, bool mirror_stderr);

/*
 * Messages to stderr: "<LEVEL>message" when stderr is the journal stream systemd connected
 * (JOURNAL_STREAM names its device and inode), else "IDENT: message". Line-buffered.
 */
void vb_logsink_stderr(const char *ident);

/*
 * A whole line ("<N>IDENT: ...\n") straight to /dev/kmsg, or to stderr without its "<N>"
 * when there is no kmsg: async-signal-safe, for watchdogs and supervisors.
 */
void vb_logsink_raw(const char *line);

/* Whether stderr is the journal stream systemd set up for this process. */
bool vb_stderr_is_journal(void);

void vb_logsink_close(void);
