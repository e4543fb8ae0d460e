#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dracut module of vfio-boot (installed as /usr/lib/dracut/modules.d/90vfio-boot/). It puts
# into the initramfs:
#   - the binder, at /usr/lib/vfio-boot/vfio-boot-binder (statically linked: no libraries);
#   - the config: /etc/vfio-boot/vfio-boot.conf and /etc/vfio-boot/conf.d/*.conf, with their
#     owner and mode, because the binder refuses a config that root does not own or that group
#     or others may write; such files are reported at build time already;
#   - vfio_pci and vfio_iommu_type1 of the kernel the image is for, with what they depend on
#     and their softdeps, found in that kernel's modules.dep (dracut's --kmoddir included):
#     never a fixed list, since the names around them change (vfio_virqfd went away in 6.2).
#     A module built into that kernel needs nothing; one that the kernel does not have is
#     reported here, and the binder says so again at boot;
#   - what runs the binder before udev's coldplug: in the shell initramfs a pre-udev hook
#     (vfio-boot-pre-udev.sh); in the systemd one the unit vfio-boot.service, ordered before
#     systemd-udev-trigger.service and systemd-modules-load.service (and no pre-udev hook,
#     which dracut-pre-udev.service would run a second time).
#
# check(): the module is included by itself when /etc/vfio-boot/vfio-boot.conf exists, and
# otherwise only when asked for (dracut --add vfio-boot: then only vfio_boot.claim= on the
# kernel command line claims devices). Problems are warnings, with one exception: a config
# entry that is not a regular file (a link that leads nowhere or in a circle, a FIFO, a
# directory) fails the build. The binder refuses such a config whole; an image without the
# entry would claim what it narrowed, and reading a FIFO would hang the build.
#
# Environment, for tests and unusual layouts (the defaults are what `make install` sets up):
#   VFIO_BOOT_CONFDIR  config directory to copy (default /etc/vfio-boot); it always lands
#                      at /etc/vfio-boot in the image, which is where the binder reads it.
#   VFIO_BOOT_BINDER   binder to copy (default /usr/lib/vfio-boot/vfio-boot-binder); it
#                      always lands at /usr/lib/vfio-boot/vfio-boot-binder in the image.

# dracut sets kernel, srcmods, initdir, moddir and systemdsystemunitdir before it calls these.
# shellcheck disable=SC2154

_vb_confdir() { printf '%s' "${VFIO_BOOT_CONFDIR:-/etc/vfio-boot}"; }
_vb_binder() { printf '%s' "${VFIO_BOOT_BINDER:-/usr/lib/vfio-boot/vfio-boot-binder}"; }

# called by dracut
check() {
    local binder
    binder=$(_vb_binder)
    if [[ ! -e "$(_vb_confdir)/vfio-boot.conf" && ! -L "$(_vb_confdir)/vfio-boot.conf" ]]; then
        return 255
    fi
    if [[ ! -x $binder ]]; then
        dwarn "vfio-boot: $(_vb_confdir)/vfio-boot.conf exists but the binder $binder does not (or is not executable): this initramfs will not claim any device"
        return 1
    fi
    return 0
}

# called by dracut
depends() {
    return 0
}

# Is module $1 in the kernel's list $2? modules.dep lines are "kernel/.../vfio-pci.ko: deps",
# modules.builtin lines "kernel/.../vfio-pci.ko"; "-" and "_" are the same in module names.
_vb_listed() {
    local pattern=${1//_/[-_]}
    [[ -r $2 ]] && grep -qE "(^|/)${pattern}\.ko(\.[a-z0-9]+)?(:|\$)" "$2"
}

# called by dracut
installkernel() {
    local m
    for m in vfio_iommu_type1 vfio_pci; do
        if _vb_listed "$m" "$srcmods/modules.builtin"; then
            continue
        fi
        if ! _vb_listed "$m" "$srcmods/modules.dep"; then
            dwarn "vfio-boot: kernel $kernel has no module $m (neither in $srcmods/modules.dep nor built in): with this kernel the binder cannot claim devices, and will say so at boot"
            continue
        fi
        # hostonly='': the module is wanted even though the host has not loaded it yet.
        # instmods resolves what it depends on (and its softdeps) from modules.dep.
        hostonly='' instmods "$m" || dwarn "vfio-boot: could not add module $m"
    done
}

# Only a regular file (or a link to one) is read; anything else fails the build, see above.
_vb_check_regular() {
    if [[ -L $1 && ! -e $1 ]]; then
        dfatal "vfio-boot: $1 is a link to $(readlink "$1"), which does not exist (or leads in a circle): the binder would refuse the whole config; fix or remove the link, then rebuild the initramfs"
        exit 1
    fi
    if [[ ! -f $1 ]]; then
        dfatal "vfio-boot: $1 is not a regular file: the binder would refuse the whole config; remove it or make it a file, then rebuild the initramfs"
        exit 1
    fi
}

# A file or directory the binder would refuse: say so now, while it is easy to fix. -L: of a
# link, its target's (a link's own mode is always 0777, and the binder follows it).
_vb_check_owner() {
    if [[ -n "$(find -L "$1" -maxdepth 0 \( ! -user 0 -o -perm /022 \) -print 2>/dev/null)" ]]; then
        dwarn "vfio-boot: $1 is not owned by root or is writable by group or others: the binder will refuse the whole config at boot and claim nothing (fix: chown root:root $1; chmod go-w $1)"
    fi
}

# Copies with owner and mode (dracut's own install helpers keep the mode but not the owner).
_vb_copy_dir() {
    mkdir -p "$initdir$2"
    chown --reference="$1" "$initdir$2" 2>/dev/null || dwarn "vfio-boot: could not give $2 the owner of $1"
    chmod --reference="$1" "$initdir$2" || dwarn "vfio-boot: could not give $2 the mode of $1"
    _vb_check_owner "$1"
}

_vb_copy_file() {
    _vb_check_regular "$1"
    _vb_check_owner "$1"
    cp -pL "$1" "$initdir$2" || dwarn "vfio-boot: could not copy $1 into the initramfs"
}

# called by dracut
install() {
    local binder confdir f
    binder=$(_vb_binder)
    confdir=$(_vb_confdir)

    if [[ ! -x $binder ]]; then
        dwarn "vfio-boot: the binder $binder is missing: this initramfs will not claim any device"
        return 0
    fi
    # Resolve links, so that the image holds a file at the fixed path.
    inst_simple "$(readlink -f "$binder")" /usr/lib/vfio-boot/vfio-boot-binder ||
        dwarn "vfio-boot: could not copy $binder into the initramfs"

    if [[ -e $confdir/vfio-boot.conf || -L $confdir/vfio-boot.conf ]]; then
        _vb_copy_dir "$confdir" /etc/vfio-boot
        _vb_copy_file "$confdir/vfio-boot.conf" /etc/vfio-boot/vfio-boot.conf
        if [[ -d $confdir/conf.d ]]; then
            _vb_copy_dir "$confdir/conf.d" /etc/vfio-boot/conf.d
            for f in "$confdir"/conf.d/*.conf; do
                # A link that leads nowhere is an entry too: see _vb_check_regular.
                [[ -e $f || -L $f ]] || continue
                _vb_copy_file "$f" "/etc/vfio-boot/conf.d/${f##*/}"
            done
        fi
    fi

    if dracut_module_included "systemd"; then
        inst_simple "$moddir/vfio-boot.service" "$systemdsystemunitdir/vfio-boot.service"
        mkdir -p "$initdir$systemdsystemunitdir/sysinit.target.wants"
        ln_r "$systemdsystemunitdir/vfio-boot.service" \
            "$systemdsystemunitdir/sysinit.target.wants/vfio-boot.service"
    else
        inst_hook pre-udev 00 "$moddir/vfio-boot-pre-udev.sh"
    fi
}
