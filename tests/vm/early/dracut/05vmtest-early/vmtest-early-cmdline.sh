#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/vm's stand-in for built-in drivers (dracut's shell initramfs): sourced by dracut's
# init with the cmdline hooks, before the pre-udev hooks (vfio-boot's binder). Sourced, so it
# must not exit.
/usr/sbin/vmtest-early || :
