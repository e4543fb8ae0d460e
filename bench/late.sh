#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Devices that come after boot, on the 1024-function tree (bench/mktree.c), in one run:
#   (a) a full binder run, `vfio-boot-binder --root TREE` (the baseline: 8 devices claimed);
#   (h) the claim of one hot-plugged device, `vfio-boot-binder --event=add --device=ADDR
#       --root TREE`, ADDR being gpu-d's 0000:04:00.0 with `hotplug = yes` added to its
#       section (it claims the device and its audio function; target: (h) at most one tenth
#       of (a));
#   (n) the same event for a device no section matches (a config read and a match);
#   (a-dry) and (h-dry) the same two as dry runs of the static binder, without the double: the
#       reading and the planning alone, which is what a full scan would cost (the target is
#       about not scanning the whole tree; the double's own cost of each claim is left out);
#   (e) `--event=bind` of a PF of a `vfs = VFS` section: VFs made, claimed, verified, and the
#       binder's own figure for sriov_numvfs written to the last VF verified on vfio-pci;
#   (v) `sriov_numvfs` written on that PF until the last of its VFs is made (no binder).
# All of them run the same binder, built as bench/run.sh builds its (d) series (dynamic, -O2,
# no sanitizer), under the kernel double, so that each does its work: binds happen, the run
# is checked to have done it before it is timed. A static binder is not driven by the double
# (LD_PRELOAD does not reach it); without it a claim's probe binds nothing and fails.
# Ratios are reported, not asserted. Knobs: N (1024), VFS (8), RUNS (200), BUDGET (10 s),
# BENCH_TMP (/dev/shm), README (bench/README.md; "-": print only).
set -eu
cd "$(dirname "$0")/.."

. bench/common.sh
N=${N:-1024}
VFS=${VFS:-8}
ADDR=0000:04:00.0
MATE=0000:04:00.1

die() { say "bench/late: $*"; exit 1; }

build_tools
# The binder of bench/run.sh's (d), which the double drives.
build_double "$B/vfio-boot-binder-late"
$CC -std=gnu11 -D_GNU_SOURCE -O2 -I"$LIBKMOD_INCLUDE" -o "$B/mock-write" tests/mock/mock-write.c \
	"$LIBKMOD_A" -llzma -lzstd -lz
BINDER=$B/vfio-boot-binder-late
# The static binder the initramfs and the udev rule run, for the dry runs; a copy, as in run.sh.
STATIC=${STATIC:-binder/vfio-boot-binder}
[ -n "${MAKELEVEL:-}" ] || make --no-print-directory "$STATIC" >&2
cp "$STATIC" "$B/vfio-boot-binder-static"
STATIC=$B/vfio-boot-binder-static

T=$(mktemp -d "${BENCH_TMP:-/dev/shm}/vbl.XXXXXX")
trap 'rm -rf "$T"' EXIT
R=$T/tree
"$B/mktree" "$R" "$N"
RESET="$B/mktree --reset $R $N"
CONF=$R/etc/vfio-boot/vfio-boot.conf
# gpu-d is the config's last section: it now takes its device when it appears after boot.
printf 'hotplug = yes\n' >>"$CONF"
DOUBLE="-E LD_PRELOAD=$MOCK -E VFIO_MOCK_ROOT=$R"
under() { env "LD_PRELOAD=$MOCK" "VFIO_MOCK_ROOT=$R" "$@"; }

# A network function bound to its driver: no section matches it; (e) gives it SR-IOV.
PF=
for d in "$R"/sys/bus/pci/devices/*; do
	[ -e "$d/physfn" ] || [ ! -e "$d/driver" ] && continue
	case $(cat "$d/class") in 0x02*) PF=${d##*/} && break ;; esac
done
[ -n "$PF" ] || die "no bound network function in the tree"

# What each run did, before any is timed: a run that does no work measures nothing.
on_vfio() { readlink "$R/sys/bus/pci/devices/$1/driver" | grep -q '/vfio-pci$'; }
vfio_count() {
	for l in "$R"/sys/bus/pci/devices/*/driver; do readlink "$l"; done | grep -c '/vfio-pci$' || true
}
$RESET
under "$BINDER" --root "$R" >/dev/null 2>&1 || die "(a) failed"
if ! grep -qx 'claimed=8' "$R/run/vfio-boot/status" || [ "$(vfio_count)" != 8 ]; then
	die "(a) did not claim the 8 devices"
fi
$RESET
under "$BINDER" --event=add --device=$ADDR --root "$R" >/dev/null 2>&1 || die "(h) failed"
if ! on_vfio $ADDR || ! on_vfio $MATE || [ "$(vfio_count)" != 2 ]; then
	die "(h) did not claim $ADDR and $MATE alone"
fi
grep -q '^by=hotplug$' "$R/run/vfio-boot/devices/$ADDR" || die "(h) wrote no record by=hotplug"
$RESET
under "$BINDER" --event=add --device="$PF" --root "$R" >/dev/null 2>&1 || die "(n) failed"
if [ -e "$R/run/vfio-boot" ] || [ "$(vfio_count)" != 0 ]; then
	die "(n) touched something"
fi
$RESET
"$STATIC" --dry-run --event=add --device=$ADDR --root "$R" | grep -q "to /sys/bus/pci/devices/$MATE/driver_override" ||
	die "(h-dry) planned no claim of $ADDR and $MATE"
[ ! -e "$R/run/vfio-boot" ] || die "(h-dry) wrote $R/run/vfio-boot: a dry run writes nothing"
"$STATIC" --dry-run --root "$R" | grep -c "to /sys/bus/pci/devices/.*/driver_override" | grep -qx 8 ||
	die "(a-dry) planned no claim of the 8 devices"
for k in a h n; do
	case $k in
	a) set -- "$BINDER" --root "$R" ;;
	h) set -- "$BINDER" --event=add --device=$ADDR --root "$R" ;;
	n) set -- "$BINDER" --event=add --device="$PF" --root "$R" ;;
	esac
	$RESET
	strace -f -c -o "$OUT/strace-late-$k.txt" -E "LD_PRELOAD=$MOCK" -E "VFIO_MOCK_ROOT=$R" \
		"$@" >/dev/null 2>&1 || true
done
# shellcheck disable=SC2086 # $DOUBLE is several options
"$B/timeit" -n "$RUNS" -m 20 -t "$BUDGET" \
	-l a -p "$RESET" $DOUBLE -- "$BINDER" --root "$R" ::: \
	-l h -p "$RESET" $DOUBLE -- "$BINDER" --event=add --device=$ADDR --root "$R" ::: \
	-l n -p "$RESET" $DOUBLE -- "$BINDER" --event=add --device="$PF" --root "$R" ::: \
	-l 0 $DOUBLE -- "$BINDER" --version ::: \
	-l ad -p "$RESET" -- "$STATIC" --dry-run --root "$R" ::: \
	-l hd -p "$RESET" -- "$STATIC" --dry-run --event=add --device=$ADDR --root "$R" \
	>"$OUT/timeit-late.txt"
$RESET

# ---- (v) and (e): the network function given SR-IOV, its VFs on a bus of their own ----
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

# (e): a section takes every VF of that PF; its bind event makes, claims and verifies them.
printf '\n[device vfs]\nmatch = address=%s\nvfs = %s\n' "$PF" "$VFS" >>"$CONF"
printf '#!/bin/sh\n%s 0\nrm -rf %s/run/vfio-boot\n: >%s/dev/kmsg\n' "$MW" "$R" "$R" >"$T/vf-reset-e"
chmod +x "$T/vf-reset-e"
"$T/vf-reset-e"
under "$BINDER" --event=bind --device="$PF" --root "$R" >/dev/null 2>&1 || die "(e) failed"
for i in $(seq 0 $((VFS - 1))); do
	on_vfio "$(basename "$(readlink "$P/virtfn$i")")" || die "(e) left VF $i of $PF off vfio-pci"
done
grep -q "the last chosen VF verified on vfio-pci" "$R/dev/kmsg" || die "(e) logged no VF time"
# The binder's own figure, sriov_numvfs written to the last VF verified, over runs of its own.
: >"$OUT/late-e-ms.txt"
for i in $(seq 1 20); do
	"$T/vf-reset-e"
	under "$BINDER" --event=bind --device="$PF" --root "$R" >/dev/null 2>&1
	sed -n 's/.*the last chosen VF verified on vfio-pci \([0-9]*\) ms after.*/\1/p' \
		"$R/dev/kmsg" >>"$OUT/late-e-ms.txt"
done
# shellcheck disable=SC2086 # $DOUBLE is several options
"$B/timeit" -n "$RUNS" -m 20 -t "$BUDGET" \
	-l e -p "$T/vf-reset-e" $DOUBLE -- "$BINDER" --event=bind --device="$PF" --root "$R" \
	>>"$OUT/timeit-late.txt"

# ---- the report ----
REPORT=$OUT/results-late.md
med() { awk -v k="$1" '$1 == k { print $3 }' "$OUT/timeit-late.txt"; }
calls() { awk '$NF == "total" { print $4 }' "$OUT/strace-late-$1.txt"; }
{
	echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) CPUs, source" \
		"$(git rev-parse --short HEAD 2>/dev/null || echo unknown), by \`bench/late.sh\`," \
		"$N functions, trees on $(df --output=fstype "$T" | tail -n 1), load average" \
		"$(cut -d' ' -f1-3 /proc/loadavg) at the end. Every run: the dynamic -O2 binder" \
		"under the kernel double."
	echo
	echo "| Run | Median ms | Syscalls |"
	echo "|---|---:|---:|"
	echo "| (a) full binder run (8 devices claimed) | $(med a) | $(calls a) |"
	echo "| (h) one hot-plugged device, \`--event=add --device=$ADDR\` (it and $MATE claimed) | $(med h) | $(calls h) |"
	echo "| (n) \`--event=add\` for $PF, which no section matches | $(med n) | $(calls n) |"
	echo "| (a-dry) full binder run, \`--dry-run\`, static binder, no double | $(med ad) | — |"
	echo "| (h-dry) one hot-plugged device, \`--dry-run\`, static binder, no double | $(med hd) | — |"
	echo "| (e) \`--event=bind\` of $PF with \`vfs = $VFS\`: VFs made, claimed, verified, the rest | $(med e) | — |"
	echo "| (v) \`sriov_numvfs\` = $VFS to the last VF made, the double alone | $(med v) | — |"
	echo "| (v0) the same write of 0 (the write's floor) | $(med v0) | — |"
	echo "| (0) \`vfio-boot-binder --version\` under the double: spawn, dynamic link, the double's start | $(med 0) | — |"
	echo
	awk -v a="$(med a)" -v h="$(med h)" -v n="$(med n)" -v z="$(med 0)" 'BEGIN {
		printf "(h) ÷ (a) = **%.3f** (target at most 0.1: %s); (n) ÷ (a) = **%.3f**.\n",
			h / a, h / a <= 0.1 ? "met" : "**missed**", n / a
		printf "Less the floor (0) that every run pays: (h − 0) ÷ (a − 0) = %.3f, (n − 0) ÷ (a − 0) = %.3f.\n",
			(h - z) / (a - z), (n - z) / (a - z) }'
	awk -v a="$(med ad)" -v h="$(med hd)" 'BEGIN {
		printf "Dry runs, the reading and planning alone: (h-dry) ÷ (a-dry) = **%.3f** (target at most 0.1: %s).\n",
			h / a, h / a <= 0.1 ? "met" : "**missed**" }'
	sort -n "$OUT/late-e-ms.txt" | awk '{ v[NR] = $1 } END {
		printf "The binder'"'"'s own figure in (e), sriov_numvfs written to the last of the %d VFs verified on vfio-pci: median %s ms over %d runs (min %s, max %s).\n",
			'"$VFS"', v[int((NR + 1) / 2)], NR, v[1], v[NR] }'
	echo "(e), (v) and that figure are the double's cost of making $VFS VFs of $PF (its directories,"
	echo "links and groups in a file tree) and the binder's of claiming them, not a kernel's: on a"
	echo "real machine the time is the PF driver's and the kernel's (see tests/vm for real boots)."
} >"$REPORT"
cat "$REPORT"
if [ "$README" != - ]; then
	awk -v report="$REPORT" '
		/<!-- late:begin -->/ { print; while ((getline l < report) > 0) print l; skip = 1; next }
		/<!-- late:end -->/ { skip = 0 }
		!skip' "$README" >"$README.tmp"
	mv "$README.tmp" "$README"
fi
