#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Writes the seed images of fuzz-initrd to tests/fuzz/corpus/initrd: a tiny tree (the binder
# and a config, as check looks for them) as a plain cpio, and compressed the ways the kernel
# and the generators do it, plus an early-microcode part followed by a compressed one.
# Needs cpio, gzip, xz, zstd, lz4. Run from the top of the tree.
set -eu
OUT=tests/fuzz/corpus/initrd
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/tree/etc/vfio-boot/conf.d" "$T/tree/usr/lib/vfio-boot" "$T/early/kernel/x86" "$OUT"
printf '[device gpu]\nmatch = id=1234:1111\n' >"$T/tree/etc/vfio-boot/vfio-boot.conf"
printf '[binder]\nwait = 5\n' >"$T/tree/etc/vfio-boot/conf.d/10-wait.conf"
printf '#!/bin/sh\n' >"$T/tree/usr/lib/vfio-boot/vfio-boot-binder"
printf 'ucode' >"$T/early/kernel/x86/GenuineIntel.bin"
(cd "$T/tree" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$T/main.cpio"
(cd "$T/early" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$T/early.cpio"
cp "$T/main.cpio" "$OUT/plain.cpio"
gzip -9 -n -c "$T/main.cpio" >"$OUT/main.gz"
xz --check=crc32 -c "$T/main.cpio" >"$OUT/main.xz"
zstd -q -19 -c "$T/main.cpio" >"$OUT/main.zst"
lz4 -q -l -c "$T/main.cpio" >"$OUT/main.lz4-legacy"
lz4 -q -c "$T/main.cpio" >"$OUT/main.lz4-frame"
cat "$T/early.cpio" "$OUT/main.zst" >"$OUT/early-then-zstd"
