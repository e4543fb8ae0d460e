#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Usage: tests/vm/timing.sh [RUNS] [OUT]
#        TIMING_REFORMAT=1 tests/vm/timing.sh [RUNS] [OUT]   (the table again from the last run)
#
# The boot timing table: boots the "gpus" scenario (the binder claims the guest's card) and
# the "unconfigured" one (vfio-boot installed, no config: no binder in the image) RUNS times
# (default 5) with each generator, and writes the medians, from the kernel log's timestamps
# (seconds since the kernel started), as Markdown to OUT (default tests/vm/TIMING.md):
# when the initramfs starts (/init), when the binder starts and finishes, when the root's
# init starts, and the boot's wall-clock time (QEMU start to power-off).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-5}
out=${2:-$top/tests/vm/TIMING.md}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac

status=0
if [ -z "${TIMING_REFORMAT:-}" ]; then
	load_before=$(cut -d' ' -f1-3 /proc/loadavg)
	"$top/tests/vm/run.sh" --repeat "$runs" gpus unconfigured | tee "$BUILD/vm/timing-run.txt" || status=$?
	echo "$load_before|$(cut -d' ' -f1-3 /proc/loadavg)" >"$BUILD/vm/timing-load.txt"
fi
IFS='|' read -r load_before load_after <"$BUILD/vm/timing-load.txt"
failed_boots=$(grep -c '^FAIL' "$BUILD/vm/timing-run.txt" || true)
times=$BUILD/vm/times.txt
kver=$(sed -n 's/^vm: kernel \([^,]*\),.*/\1/p' "$BUILD/vm/timing-run.txt")

median()
{
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f", m }'
}

# field NAME GEN KEY: the KEY= values of the matching boots, one a line.
field()
{
	awk -v n="$1" -v g="$2" -v k="$3" '$1 == n && $2 == g {
		for (i = 3; i <= NF; i++) if (index($i, k "=") == 1) {
			v = substr($i, length(k) + 2); if (v != "-") print v } }' "$times"
}

# span NAME GEN FROM TO SCALE: TO - FROM of each matching boot, times SCALE, one a line.
span()
{
	awk -v n="$1" -v g="$2" -v a="$3" -v b="$4" -v m="$5" '$1 == n && $2 == g {
		for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		if (f[a] != "-" && f[b] != "-") printf "%.3f\n", (f[b] - f[a]) * m }' "$times"
}

# The median, then the smallest and largest value in brackets.
spread()
{
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f (%.2f–%.2f)", m, v[1], v[NR] }'
}

row()
{
	local name=$1 gen=$2 label=$3 n
	n=$(field "$name" "$gen" root | wc -l)
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$gen" "$label" "$n" \
		"$(field "$name" "$gen" init | median)" \
		"$(field "$name" "$gen" binder_start | median)" \
		"$(field "$name" "$gen" binder_done | median)" \
		"$(span "$name" "$gen" binder_start binder_done 1000 | median | sed 's/\.[0-9]*$//')" \
		"$(field "$name" "$gen" root | median)" \
		"$(span "$name" "$gen" init root 1 | spread)" \
		"$(field "$name" "$gen" wall | median)"
}

{
	echo "# Boot timing: vfio-boot in real boots"
	echo
	echo "Measured by \`tests/vm/timing.sh $runs\` on $(date -u +%Y-%m-%d): kernel $kver,"
	echo "QEMU $(qemu-system-x86_64 --version | sed -n 's/.*version \([^ ]*\).*/\1/p') with TCG (no KVM), q35 with an emulated Intel IOMMU, one vCPU, 1 GiB;"
	echo "host: $(nproc) cores of $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1);"
	echo "load average before the run $load_before, after it $load_after (the machine is shared: other"
	echo "loads stretch the boots, so compare rows measured in the same run)."
	cat <<EOF
Medians of $runs boots each; the boots go round all six rows in turn, $runs times, so that the
machine's load falls on each row alike. Times in seconds since the kernel started, from the
kernel log's timestamps. binder run: its "starting" to its "done" line, in milliseconds,
loading the vfio modules included. /init → root init: the time spent in the initramfs (the
median of each boot's difference; in brackets the smallest and the largest). wall: QEMU
start to power-off. "with binder": the gpus scenario (the binder claims the guest's GPU and
its audio function); "without": vfio-boot installed but not configured, so the image holds
no binder. Under TCG everything runs some 10 to 50 times slower than on hardware: compare
the rows, not the absolute values.
EOF
	echo
	if [ "$failed_boots" -gt 0 ]; then
		echo "$failed_boots boots failed in this run (see $BUILD/vm/timing-run.txt); the medians are of the others."
		echo
	fi
	echo "| generator | binder | boots | kernel → /init | binder start | binder done | binder run (ms) | root init | /init → root init | wall |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	for gen in itools dracut-systemd dracut-shell; do
		row gpus "$gen" "with binder"
		row unconfigured "$gen" "without"
	done
	echo
	echo "Cost of the binder, per generator: its own run (median), and the difference of the medians"
	echo "of the time in the initramfs, with minus without (this one also holds what the claim"
	echo "changes afterwards: vfio-pci loads, and bochs-drm and snd_hda_intel bind one card instead"
	echo "of two):"
	echo
	for gen in itools dracut-systemd dracut-shell; do
		w=$(span gpus "$gen" init root 1 | median)
		wo=$(span unconfigured "$gen" init root 1 | median)
		r=$(span gpus "$gen" binder_start binder_done 1000 | median | sed 's/\.[0-9]*$//')
		d=$(awk -v a="$w" -v b="$wo" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%+.2f s", a - b }')
		echo "- $gen: binder run $r ms; initramfs time with minus without: $d"
	done
	echo
	echo "Where the ranges in brackets overlap, that difference is the machine's noise, and the"
	echo "binder's own run is the figure to go by."
	echo
	echo "Generators: itools = initramfs-tools (mkinitramfs; the binder runs from"
	echo "init-top/00-vfio-boot); dracut-systemd = dracut with systemd (vfio-boot.service, before"
	echo "systemd-udev-trigger.service); dracut-shell = dracut without systemd (pre-udev hook)."
	echo "Every boot's figures: build/vm/times.txt after a run."
} >"$out"
echo "timing: wrote $out"
exit "$status"
