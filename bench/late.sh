#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Devices that come after boot, on the 1024-function tree (bench/mktree.c), in one run:
#   (a) a full binder run, `vfio-boot-binder --root TREE` (the baseline);
#   (h) the claim of one hot-plugged device, `vfio-boot-binder --event=add --device=ADDR
#       --root TREE`, ADDR being gpu-d's 0000:04:00.0 with `hotplug = yes` added to its
#       section (target: (h) at most one tenth of (a));
#   (v) under the kernel double, `sriov_numvfs` written on a PF of the tree until the last of
#       its VFS VFs is made: in the double this is the double's own cost, not the kernel's.
# Ratios are reported, not asserted. Knobs: N (1024), VFS (8), RUNS (200), BUDGET (10 s),
# BENCH_TMP (/dev/shm), BINDER (binder/vfio-boot-binder), README (bench/README.md; "-": print
# only).
set -eu
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
B=$BUILD/bench
OUT=bench/out
BINDER=${BINDER:-binder/vfio-boot-binder}
N=${N:-1024}
VFS=${VFS:-8}
RUNS=${RUNS:-200}
BUDGET=${BUDGET:-10}
README=${README:-bench/README.md}
CC=${CC:-gcc}
LIBKMOD_A=${LIBKMOD_A:-$BUILD/kmod/libkmod.a}
LIBKMOD_INCLUDE=${LIBKMOD_INCLUDE:-$BUILD/kmod/include}
WARN="-Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes"
WARN="$WARN -Wno-missing-field-initializers -Wno-format-truncation"
ADDR=0000:04:00.0

say() { printf '%s\n' "$*" >&2; }
die() { say "bench/late: $*"; exit 1; }

mkdir -p "$B" "$OUT"
[ -n "${MAKELEVEL:-}" ] || make --no-print-directory "$BINDER" >&2
cp "$BINDER" "$B/vfio-boot-binder-late"
BINDER=$B/vfio-boot-binder-late
# shellcheck disable=SC2086 # $WARN is several flags
$CC -std=gnu11 -O2 $WARN -o "$B/timeit" bench/timeit.c
# shellcheck disable=SC2086
$CC -std=gnu11 -D_GNU_SOURCE -O2 $WARN -Ilib -Itests/mock -DSRCDIR="\"$PWD\"" \
	-DMOCK_SO='"/nonexistent"' -DMOCK_WRITE='"/nonexistent"' -o "$B/mktree" bench/mktree.c \
	tests/mock/fixture*.c -lcmocka
$CC -std=gnu11 -D_GNU_SOURCE -O2 -fPIC -shared -o "$B/libsysfsmock.so" tests/mock/sysfs-mock*.c \
	-ldl -lpthread
MOCK=$(realpath "$B/libsysfsmock.so")
$CC -std=gnu11 -D_GNU_SOURCE -O2 -I"$LIBKMOD_INCLUDE" -o "$B/mock-write" tests/mock/mock-write.c \
	"$LIBKMOD_A" -llzma -lzstd -lz

T=$(mktemp -d "${BENCH_TMP:-/dev/shm}/vbl.XXXXXX")
trap 'rm -rf "$T"' EXIT
R=$T/tree
"$B/mktree" "$R" "$N"
RESET="$B/mktree --reset $R $N"
# gpu-d is the config's last section: it now takes its device when it appears after boot.
printf 'hotplug = yes\n' >>"$R/etc/vfio-boot/vfio-boot.conf"

# ---- (h) and (a): what each run did, then both interleaved ----
: >"$OUT/timeit-late.txt"
: >"$OUT/strace-late-a.txt"
: >"$OUT/strace-late-h.txt"
if "$BINDER" --help 2>&1 | grep -q -- '--event'; then
$RESET
"$BINDER" --event=add --device=$ADDR --root "$R" >/dev/null 2>&1 ||
	die "(h) failed: $BINDER --event=add --device=$ADDR --root $R"
grep -qx vfio-pci "$R/sys/bus/pci/devices/$ADDR/driver_override" ||
	die "(h) did not claim $ADDR: a run that does no work measures nothing"
[ "$(grep -lx vfio-pci "$R"/sys/bus/pci/devices/*/driver_override | wc -l)" = 1 ] ||
	die "(h) touched other devices than $ADDR"
strace -f -c -o "$OUT/strace-late-h.txt" "$BINDER" --event=add --device=$ADDR --root "$R" \
	>/dev/null 2>&1 || true
$RESET
strace -f -c -o "$OUT/strace-late-a.txt" "$BINDER" --root "$R" >/dev/null 2>&1 || true
"$B/timeit" -n "$RUNS" -m 20 -t "$BUDGET" \
	-l a -p "$RESET" -- "$BINDER" --root "$R" ::: \
	-l h -p "$RESET" -- "$BINDER" --event=add --device=$ADDR --root "$R" >"$OUT/timeit-late.txt"
$RESET
else
	say "bench/late: $BINDER has no --event mode yet: (a) and (h) not measured"
fi

# ---- (v): a PF of the tree given SR-IOV, its VFs on a bus of their own ----
PF=
for d in "$R"/sys/bus/pci/devices/*; do
	[ -e "$d/physfn" ] || [ ! -e "$d/driver" ] && continue
	case $(cat "$d/class") in 0x02*) PF=${d##*/} && break ;; esac
done
[ -n "$PF" ] || die "no bound network function in the tree to give SR-IOV"
P=$R/sys/bus/pci/devices/$PF
# VF 0 at fe:00.0: offset = routing ID of fe:00.0 - the PF's.
BUS=$(printf '%d' "0x$(echo "$PF" | cut -c6-7)")
DEVFN=$(($(printf '%d' "0x$(echo "$PF" | cut -c9-10)") * 8 + $(echo "$PF" | cut -c12)))
printf '%s\n' "$VFS" >"$P/sriov_totalvfs"
echo 0 >"$P/sriov_numvfs"
echo 0 >"$P/sriov_drivers_autoprobe"
echo $((0xfe00 - BUS * 256 - DEVFN)) >"$P/sriov_offset"
echo 1 >"$P/sriov_stride"
echo 10ca >"$P/sriov_vf_device"
MW="env LD_PRELOAD=$MOCK VFIO_MOCK_ROOT=$R $B/mock-write write /sys/bus/pci/devices/$PF/sriov_numvfs"
$MW "$VFS"
LAST=$(readlink "$P/virtfn$((VFS - 1))")
[ -e "$P/${LAST}/physfn" ] || die "(v) made no VF $((VFS - 1)) of $PF"
$MW 0
[ ! -e "$P/virtfn0" ] || die "(v) did not take the VFs away"
# The removal is the untimed preparation of each run.
printf '#!/bin/sh\nexec %s 0\n' "$MW" >"$T/vf-reset"
chmod +x "$T/vf-reset"
"$B/timeit" -n "$RUNS" -m 20 -t "$BUDGET" \
	-l v -p "$T/vf-reset" -E "LD_PRELOAD=$MOCK" -E "VFIO_MOCK_ROOT=$R" -- \
	"$B/mock-write" write "/sys/bus/pci/devices/$PF/sriov_numvfs" "$VFS" ::: \
	-l v0 -p "$T/vf-reset" -E "LD_PRELOAD=$MOCK" -E "VFIO_MOCK_ROOT=$R" -- \
	"$B/mock-write" write "/sys/bus/pci/devices/$PF/sriov_numvfs" 0 >>"$OUT/timeit-late.txt"

# ---- the report ----
REPORT=$OUT/results-late.md
med() { awk -v k="$1" '$1 == k { print $3 }' "$OUT/timeit-late.txt"; }
calls() { awk '$NF == "total" { print $4 }' "$OUT/strace-late-$1.txt"; }
{
	echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) CPUs, source" \
		"$(git rev-parse --short HEAD 2>/dev/null || echo unknown), by \`bench/late.sh\`," \
		"$N functions, trees on $(df --output=fstype "$T" | tail -n 1)."
	echo
	echo "| Run | Median ms | Syscalls |"
	echo "|---|---:|---:|"
	echo "| (a) full binder run | $(med a) | $(calls a) |"
	echo "| (h) one hot-plugged device, \`--event=add --device=$ADDR\` | $(med h) | $(calls h) |"
	echo "| (v) \`sriov_numvfs\` = $VFS to the last VF made, under the double | $(med v) | — |"
	echo "| (v0) the same write of 0 under the double (the write's floor) | $(med v0) | — |"
	echo
	[ -z "$(med h)" ] || awk -v a="$(med a)" -v h="$(med h)" 'BEGIN {
		printf "(h) ÷ (a) = **%.3f** (target at most 0.1: %s).\n", h / a,
			h / a <= 0.1 ? "met" : "**missed**" }'
	echo "(v) is the double's cost of making $VFS VFs of $PF (its directories, links and groups"
	echo "in a file tree), not a kernel's: on a real machine the time is the PF driver's and the"
	echo "kernel's (see tests/vm for real boots)."
} >"$REPORT"
cat "$REPORT"
if [ "$README" != - ]; then
	awk -v report="$REPORT" '
		/<!-- late:begin -->/ { print; while ((getline l < report) > 0) print l; skip = 1; next }
		/<!-- late:end -->/ { skip = 0 }
		!skip' "$README" >"$README.tmp"
	mv "$README.tmp" "$README"
fi
