/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Where `make install` puts things; generator/rules.mk passes the real ones. */
#ifndef VB_UNITDIR
#define VB_UNITDIR "/lib/systemd/system"
#endif
#ifndef VB_LIBEXECDIR
#define VB_LIBEXECDIR "/usr/lib/vfio-boot"
#endif
#ifndef VB_SLEEP
#define VB_SLEEP "/bin/sleep"
#endif
