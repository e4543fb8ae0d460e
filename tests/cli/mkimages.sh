#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the initramfs images `vfio-boot check` is tested on, with the real generators and the
# hooks of this tree, and caches them: mkimages.sh OUTDIR prints one "NAME PATH" line each.
#   itools-{zstd,gzip,xz,lz4}  mkinitramfs -d, config A, the binder (one per compressor)
#   itools-nobinder           mkinitramfs, config A, VFIO_BOOT_BINDER missing: no binder
#   dracut                    dracut --no-hostonly --conf/--confdir, config A, the binder
#   dracut-nobinder           the same without the binder
# A stale image is any of these checked against config B: no extra build.
# Nothing here touches the host's initramfs setup (own -d directory, own dracut config).
set -euo pipefail
out=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
kver=$(ls /lib/modules | sort -V | tail -n1)
binder=$top/binder/vfio-boot-binder
[ -x "$binder" ] || binder=$top/tests/cli/confA/vfio-boot.conf # any file: the hook copies it
mkdir -p "$out"
# One key for everything that goes in: rebuild when hooks, config, kernel or tools change.
key=$( {
	echo "$kver"
	cat "$0" "$top"/hooks/initramfs-tools/hooks/vfio-boot "$top"/hooks/dracut/90vfio-boot/* \
		"$top"/tests/cli/confA/vfio-boot.conf "$top"/tests/vm/initramfs-tools/initramfs.conf
	dpkg-query -W -f='${Version}\n' dracut-core initramfs-tools-core 2>/dev/null || true
} | sha256sum | cut -c1-12)
dir=$out/$key
mkdir -p "$dir"
confA=$dir/confA
if [ ! -e "$confA/vfio-boot.conf" ]; then
	install -d -m 0755 "$confA"
	install -m 0644 "$top/tests/cli/confA/vfio-boot.conf" "$confA/"
fi

itools() { # NAME COMPRESS BINDER
	local img=$dir/$1.img cd=$dir/itools-$1
	if [ ! -s "$img" ]; then
		rm -rf "$cd"
		mkdir -p "$cd/conf.d" "$cd/hooks" "$cd/scripts/init-top"
		sed "s/^COMPRESS=.*/COMPRESS=$2/" "$top/tests/vm/initramfs-tools/initramfs.conf" >"$cd/initramfs.conf"
		: >"$cd/modules"
		install -m 0755 "$top/hooks/initramfs-tools/hooks/vfio-boot" "$cd/hooks/"
		install -m 0755 "$top/hooks/initramfs-tools/scripts/init-top/00-vfio-boot" "$cd/scripts/init-top/"
		VFIO_BOOT_CONFDIR=$confA VFIO_BOOT_BINDER=$3 \
			mkinitramfs -d "$cd" -o "$img.tmp" "$kver" >"$img.log" 2>&1
		mv "$img.tmp" "$img"
	fi
	echo "$1 $img"
}

dracut_img() { # NAME BINDER [--add vfio-boot]
	local img=$dir/$1.img base=$dir/dracut-base f
	if [ ! -s "$img" ]; then
		rm -rf "$base"
		mkdir -p "$base/modules.d" "$dir/empty"
		for f in /usr/lib/dracut/*; do [ "${f##*/}" = modules.d ] || ln -s "$f" "$base/"; done
		for f in /usr/lib/dracut/modules.d/*; do ln -s "$f" "$base/modules.d/"; done
		cp -r "$top/hooks/dracut/90vfio-boot" "$base/modules.d/"
		dracutbasedir=$base VFIO_BOOT_CONFDIR=$confA VFIO_BOOT_BINDER=$2 \
			dracut --no-hostonly --conf "$top/tests/vm/dracut/shell.conf" --confdir "$dir/empty" \
			"${@:3}" --kver "$kver" --force "$img.tmp" >"$img.log" 2>&1
		mv "$img.tmp" "$img"
	fi
	echo "$1 $img"
}

for c in zstd gzip xz lz4; do itools "itools-$c" "$c" "$binder"; done
itools itools-nobinder zstd /nonexistent/vfio-boot-binder
dracut_img dracut "$binder" --add vfio-boot
# Without a binder the module's check() leaves it out: asking for it with --add would fail.
dracut_img dracut-nobinder /nonexistent/vfio-boot-binder
