/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

/*
 * Makes sure the modules are there: a module whose /sys/module/NAME exists is loaded or built
 * in and is left alone; the others are loaded with libkmod, dependencies and softdeps first.
 * With dry_run, only says what it would do.
 */
int modules_ensure(const char *const *names, bool dry_run);
