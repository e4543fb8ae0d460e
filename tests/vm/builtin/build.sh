#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Usage: tests/vm/builtin/build.sh OUT
# Builds the kernel of `make vm-builtin` from Debian's linux-source-6.1 (/usr/src/
# linux-source-6.1.tar.xz; as root: apt-get install linux-source-6.1 bison flex libelf-dev bc):
# `make allnoconfig` with tests/vm/builtin/kernel.config as KCONFIG_ALLCONFIG, so vfio-pci,
# vfio_iommu_type1, xHCI and bochs-drm are built in and little else is there. Installs into
# OUT/tree a root of its own, never the host's:
#   OUT/tree/boot/vmlinuz-KVER, OUT/tree/boot/config-KVER
#   OUT/tree/lib/modules/KVER   the modules, modules.builtin*, modules.order, depmod's indexes
# and prints KVER. Does nothing when OUT/tree was built from the same tarball, fragment and
# script. The build's output goes to OUT/build.log, its wall-clock seconds to OUT/build.time.
# JOBS (default: the number of CPUs) is make's -j.
set -euo pipefail

out=$1
here=$(cd "$(dirname "$0")" && pwd)
tarball=${LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
frag=$here/kernel.config
jobs=${JOBS:-$(nproc)}

say() { printf '%s\n' "vm-builtin: $*" >&2; }

if [ ! -r "$tarball" ]; then
	say "no $tarball: as root, apt-get install --no-install-recommends linux-source-6.1 bison flex libelf-dev bc"
	exit 1
fi
for t in bison flex bc gcc make; do
	command -v "$t" >/dev/null || { say "missing $t: apt-get install --no-install-recommends bison flex libelf-dev bc build-essential"; exit 1; }
done

mkdir -p "$out"
key=$( {
	stat -c '%s %Y' "$tarball"
	sha256sum <"$frag"
	sha256sum <"$0"
} | sha256sum | cut -c1-16)
if [ -e "$out/tree/.done-$key" ]; then
	cat "$out/tree/kver"
	exit 0
fi

src=$out/linux-source-6.1
if [ ! -e "$out/.unpacked-$(stat -c '%s-%Y' "$tarball")" ]; then
	say "unpacking $tarball"
	rm -rf "$src" "$out"/.unpacked-*
	tar -xJf "$tarball" -C "$out"
	touch "$out/.unpacked-$(stat -c '%s-%Y' "$tarball")"
fi

start=$(date +%s%N)
rm -rf "$out/tree"
{
	make -C "$src" mrproper
	KCONFIG_ALLCONFIG=$frag make -C "$src" allnoconfig
} >"$out/build.log" 2>&1

# Every line of the fragment must hold: an option whose dependencies are missing would be
# silently dropped by Kconfig.
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*) grep -qxF -- "$line" "$src/.config" || {
		say "$frag: \"$line\" does not hold: $(grep -E "^(# )?${line%%=*}[= ]" "$src/.config" || echo "not in .config (a dependency is off)")"
		bad=1
	} ;;
	esac
done <"$frag"
[ "$bad" -eq 0 ] || exit 1

kver=$(make -s -C "$src" kernelrelease)
say "building $kver with make -j$jobs (output in $out/build.log)"
if ! make -C "$src" -j"$jobs" bzImage modules >>"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	exit 1
fi
mkdir -p "$out/tree/boot"
# modules_install runs depmod with INSTALL_MOD_PATH as its base directory.
make -C "$src" INSTALL_MOD_PATH="$out/tree" modules_install >>"$out/build.log" 2>&1
rm -f "$out/tree/lib/modules/$kver/build" "$out/tree/lib/modules/$kver/source"
cp "$src/arch/x86/boot/bzImage" "$out/tree/boot/vmlinuz-$kver"
cp "$src/.config" "$out/tree/boot/config-$kver"
awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.0f\n", (b - a) / 1e9 }' >"$out/build.time"
echo "$kver" >"$out/tree/kver"
touch "$out/tree/.done-$key"
say "built $kver in $(cat "$out/build.time") s"
echo "$kver"
