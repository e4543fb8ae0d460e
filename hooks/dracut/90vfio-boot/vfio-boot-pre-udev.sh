#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# dracut pre-udev hook of vfio-boot (shell initramfs): dracut's init sources the pre-udev
# hooks before it starts udevd, so the binder moves the configured devices to vfio-pci
# before coldplug loads any host driver. The binder always exits 0 in bounded time; this
# hook is sourced, so it must not exit.
if [ -x /usr/lib/vfio-boot/vfio-boot-binder ]; then
    /usr/lib/vfio-boot/vfio-boot-binder || :
fi
