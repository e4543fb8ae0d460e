#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dracut module of tests/vm's early-vfio, prebound and early-prebound scenarios: runs
# tests/vm/early/00-standin-early (installed as /usr/sbin/vmtest-early) before vfio-boot's
# binder. In the shell initramfs from a cmdline hook: dracut's init runs every cmdline hook
# before any pre-udev hook (vfio-boot's), as it runs rd.driver.pre= (modprobe in the cmdline
# hook parse-kernel.sh). In the systemd initramfs from vmtest-early.service, ordered before
# vfio-boot.service: dracut-cmdline.service, which would run rd.driver.pre= there, has no order
# against vfio-boot.service, so it would race the binder. images.sh puts this module into the
# dracut base directory of the "early" images only.
# shellcheck disable=SC2154 # dracut sets moddir, initdir and systemdsystemunitdir

check() { return 0; }

depends() { return 0; }

install() {
    inst_simple "$moddir/vmtest-early" /usr/sbin/vmtest-early
    inst_multiple modprobe readlink tr cat
    if dracut_module_included "systemd"; then
        inst_simple "$moddir/vmtest-early.service" "$systemdsystemunitdir/vmtest-early.service"
        mkdir -p "$initdir$systemdsystemunitdir/sysinit.target.wants"
        ln_r "$systemdsystemunitdir/vmtest-early.service" \
            "$systemdsystemunitdir/sysinit.target.wants/vmtest-early.service"
    else
        inst_hook cmdline 99 "$moddir/vmtest-early-cmdline.sh"
    fi
}
