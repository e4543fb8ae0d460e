#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Usage: tests/vm/build-installed.sh GEN OUT CONFDIR KVER BINDER
#
# "After make install and a config, a plain mkinitramfs or dracut includes the binder, with
# no other step": installs the hooks with hooks/rules.mk (install-hooks, DESTDIR empty,
# PREFIX=/usr) and the binder at /usr/lib/vfio-boot/vfio-boot-binder, puts CONFDIR at
# /etc/vfio-boot, gives the generator the test machine's settings in its own /etc files, and
# runs it with no option that points at vfio-boot and no VFIO_BOOT_* variable:
#   itools:          mkinitramfs -o OUT KVER          (what update-initramfs runs)
#   dracut-systemd:  dracut --force --kver KVER OUT
# All of it happens in a mount namespace of its own, on overlays over /usr and /etc whose
# upper layers are in a scratch directory: the host's /usr and /etc are not written.
set -euo pipefail

gen=$1 out=$2 confdir=$3 kver=$4 binder=$5
top=$(cd "$(dirname "$0")/../.." && pwd)

if [ -z "${VM_IN_NAMESPACE:-}" ]; then
	exec unshare -m env VM_IN_NAMESPACE=1 "$0" "$@"
fi

scratch=$(mktemp -d "$(dirname "$out")/installed.XXXXXX")
trap 'umount /etc /usr 2>/dev/null || true; rm -rf "$scratch"' EXIT
mkdir -p "$scratch"/{usr-up,usr-work,etc-up,etc-work}
mount --make-rprivate /
mount -t overlay overlay -o "lowerdir=/usr,upperdir=$scratch/usr-up,workdir=$scratch/usr-work" /usr
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$scratch/etc-up,workdir=$scratch/etc-work" /etc

# What `make install` does for the hooks and the binder.
make --no-print-directory -C "$top" -f hooks/rules.mk install-hooks >/dev/null
install -D -m 0755 "$binder" /usr/lib/vfio-boot/vfio-boot-binder
rm -rf /etc/vfio-boot
cp -a "$confdir" /etc/vfio-boot

case $gen in
itools)
	# The test machine's initramfs-tools settings (the stand-in host drivers forced in).
	install -m 0644 "$top/tests/vm/initramfs-tools/initramfs.conf" \
		"$top/tests/vm/initramfs-tools/modules" /etc/initramfs-tools/
	rm -rf /etc/initramfs-tools/conf.d/* /etc/initramfs-tools/hooks/* \
		/etc/initramfs-tools/scripts/*
	unset VFIO_BOOT_CONFDIR VFIO_BOOT_BINDER
	mkinitramfs -o "$out" "$kver"
	;;
dracut-systemd)
	mkdir -p /etc/dracut.conf.d
	rm -f /etc/dracut.conf.d/*
	: >/etc/dracut.conf
	install -m 0644 "$top/tests/vm/dracut/systemd.conf" /etc/dracut.conf.d/50-test-machine.conf
	unset VFIO_BOOT_CONFDIR VFIO_BOOT_BINDER dracutbasedir
	dracut --force --kver "$kver" "$out"
	;;
*)
	echo "build-installed.sh: unknown generator $gen" >&2
	exit 2
	;;
esac
