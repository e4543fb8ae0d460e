#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Usage: tests/vm/mkroot.sh OUT.img
# Builds the test root file system, an ext4 image made without mounting anything
# (mkfs.ext4 -d): a static busybox, its applet links and tests/vm/root-init as /sbin/init.
set -euo pipefail

out=$1
here=$(cd "$(dirname "$0")" && pwd)
busybox=${BUSYBOX:-/bin/busybox}

file -L "$busybox" | grep 'statically linked' >/dev/null ||
	{ echo "mkroot.sh: $busybox is not a static busybox (install busybox-static)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
d=$tmp/root
mkdir -p "$d"/{bin,sbin,dev,proc,sys,run,tmp,root,etc}
cp "$busybox" "$d/bin/busybox"
for a in $("$busybox" --list); do
	[ "$a" = busybox ] || ln -sf busybox "$d/bin/$a"
done
install -m 0755 "$here/root-init" "$d/sbin/init"
: >"$d/etc/fstab"
# systemd's switch-root (dracut's systemd initramfs) only enters a root that looks like an OS.
printf 'NAME="vfio-boot test root"\nID=vfio-boot-test\n' >"$d/etc/os-release"
rm -f "$out.tmp"
mkfs.ext4 -q -F -L vmroot -d "$d" "$out.tmp" 32M
mv "$out.tmp" "$out"
