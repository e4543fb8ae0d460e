/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

/*
 * One label of a Prometheus text-format sample, key="value", to stdout: the value as UTF-8
 * (the format's rule), backslash, double quote and newline escaped as the format says, a byte
 * that is not UTF-8 as U+FFFD (as in the JSON output). A comma follows unless last.
 */
void prom_label(const char *key, const char *value, bool last);
