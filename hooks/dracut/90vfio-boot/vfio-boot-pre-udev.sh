#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# dracut pre-udev hook of vfio-boot (shell initramfs): dracut's init sources the pre-udev
# hooks before it starts udevd, so the binder moves the configured devices to vfio-pci
# before coldplug loads any host driver. The binder always exits 0 in bounded time; this
# hook is sourced, so it must not exit.
#
# The kernel drops the 11th and later lines that one opener writes to /dev/kmsg within 5 s
# unless printk.devkmsg=on: the limit is lifted while the binder runs, and only when it is the
# default, ratelimit (a printk.devkmsg=off from the user stays).
if [ -x /usr/lib/vfio-boot/vfio-boot-binder ]; then
    _vb_limit=
    if [ -w /proc/sys/kernel/printk_devkmsg ] &&
        [ "$(cat /proc/sys/kernel/printk_devkmsg 2>/dev/null)" = ratelimit ]; then
        echo on >/proc/sys/kernel/printk_devkmsg 2>/dev/null && _vb_limit=ratelimit
    fi
    /usr/lib/vfio-boot/vfio-boot-binder || :
    if [ -n "$_vb_limit" ]; then
        echo "$_vb_limit" >/proc/sys/kernel/printk_devkmsg 2>/dev/null || :
    fi
    unset _vb_limit
fi
