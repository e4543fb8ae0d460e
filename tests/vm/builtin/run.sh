#!/usr/bin/env bash
# shellcheck disable=SC2317 # the checks are called through check()
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/vm/builtin/run.sh: vfio-boot with a kernel that really has vfio-pci built in. Builds
# the kernel from Debian's linux-source-6.1 when it is not built yet (build.sh,
# kernel.config: vfio-pci, vfio_iommu_type1, xHCI and bochs-drm built in; the audio and NIC
# drivers modules), builds an initramfs for it with the project's image builders (images.sh)
# and the guest-gpu config (tests/vm/configs/gpu), boots it on the stand-in machine
# (qemu.sh) and checks the serial log. Prints one PASS/FAIL line per check, the serial lines
# that show it, and "vm-builtin: N passed, N failed"; exits 1 when a check failed.
#
# Usage: tests/vm/builtin/run.sh [GEN...]   (GEN: itools, the default, or dracut-shell)
# Environment: BUILD (default build; work files under $BUILD/vm-builtin), VM_TIMEOUT
# (default 300), VM_BINDER (default binder/vfio-boot-binder), JOBS (make -j of the kernel),
# VM_BUILTIN_CMDLINE (more kernel parameters; vfio_boot=off must fail the claim checks).
# Must run as root. Nothing of the host's is changed: the generators see the new kernel's
# /lib/modules/KVER and /boot/config-KVER through bind mounts in a mount namespace of their own.
set -uo pipefail

VM_TOP=$(cd "$(dirname "$0")/../../.." && pwd)
HERE=$VM_TOP/tests/vm/builtin
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$VM_TOP/$BUILD ;; esac
OUT=$BUILD/vm-builtin
VM_DIR=$OUT/vm
VM_TIMEOUT=${VM_TIMEOUT:-300}
BINDER=${VM_BINDER:-$VM_TOP/binder/vfio-boot-binder}
case $BINDER in /*) ;; *) BINDER=$VM_TOP/$BINDER ;; esac
TREE=$OUT/tree
export VM_TOP VM_DIR BINDER TREE

. "$VM_TOP/tests/vm/qemu.sh"
. "$VM_TOP/tests/vm/images.sh"

passed=0
failed=0
check()
{
	local name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		echo "PASS $name"
	else
		failed=$((failed + 1))
		echo "FAIL $name"
	fi
}
why() { echo "    $*"; }
finish()
{
	echo "vm-builtin: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}
secs() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.0f", (b - a) / 1e9 }'; }

preflight()
{
	local t
	[ "$(id -u)" -eq 0 ] || { why "must run as root"; return 1; }
	for t in qemu-system-x86_64 mkinitramfs debugfs unshare zstd; do
		command -v "$t" >/dev/null || { why "missing $t"; return 1; }
	done
	[ -x "$BINDER" ] || { why "no binder at $BINDER: run make first"; return 1; }
	mkdir -p "$VM_DIR/logs"
}

total_start=$(date +%s%N)
check "preflight" preflight || finish

# ---- the kernel ----
build_start=$(date +%s%N)
KVER=$("$HERE/build.sh" "$OUT")
rc=$?
export KVER
if [ "$rc" -ne 0 ] || [ -z "$KVER" ]; then
	check "kernel build (see $OUT/build.log)" false
	finish
fi
if [ "$(secs "$build_start")" -gt 2 ]; then
	BUILD_NOTE="built now in $(cat "$OUT/build.time") s"
else
	BUILD_NOTE="already built (in $(cat "$OUT/build.time") s)"
fi
echo "vm-builtin: kernel $KVER, $BUILD_NOTE; work directory $OUT"

builtin_has() { grep -qxF "$1" "$TREE/lib/modules/$KVER/modules.builtin"; }
kernel_builtins()
{
	local m r=0
	for m in kernel/drivers/vfio/pci/vfio-pci.ko kernel/drivers/vfio/vfio_iommu_type1.ko \
		kernel/drivers/usb/host/xhci-pci.ko kernel/drivers/usb/host/xhci-hcd.ko \
		kernel/drivers/gpu/drm/tiny/bochs.ko; do
		builtin_has "$m" || { why "modules.builtin lacks $m"; r=1; }
	done
	if [ -n "$(find "$TREE/lib/modules/$KVER" -name 'vfio*.ko*' | head -n 1)" ]; then
		why "the module tree has vfio modules"
		r=1
	fi
	return "$r"
}
check "kernel: vfio-pci, vfio_iommu_type1, xhci-pci, xhci-hcd and bochs in modules.builtin, no vfio module files" kernel_builtins

# ---- the root: the test root plus init-builtin ----
root_img()
{
	local base key
	base=$(img_root) || return 1
	key=$( {
		echo "$base"
		sha256sum <"$HERE/init-builtin"
	} | sha256sum | cut -c1-16)
	ROOT_IMG=$VM_DIR/root-builtin-$key.img
	[ -e "$ROOT_IMG" ] && return 0
	cp "$base" "$ROOT_IMG.tmp"
	# debugfs writes into the ext4 image without mounting it, as mkroot.sh builds it.
	debugfs -w -f - "$ROOT_IMG.tmp" >/dev/null 2>&1 <<-DBG || return 1
		cd /sbin
		write $HERE/init-builtin init-builtin
		sif init-builtin mode 0100755
		sif init-builtin uid 0
		sif init-builtin gid 0
	DBG
	mv "$ROOT_IMG.tmp" "$ROOT_IMG"
}
check "root file system with /sbin/init-builtin" root_img || finish

# img_build with the new kernel's module tree and config where the generators look for them
# (/lib/modules/KVER, /boot/config-KVER), in a mount namespace of its own.
img_build_builtin()
{
	# shellcheck disable=SC2016 # expanded by the inner bash
	unshare -m bash -c '
		mount --bind "$TREE/lib/modules" "$(readlink -f /lib/modules)" &&
		mount --bind "$TREE/boot" /boot || exit 1
		. "$VM_TOP/tests/vm/images.sh"
		img_build "$1" "$2" full' bash "$@"
}

# ---- one boot per generator ----
LOG=
kmsg() { sed -n 's/^VMTEST kmsg //p' "$LOG"; }
kmsg_time() { kmsg | grep -E -- "$1" | head -n 1 | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p'; }
driver_is()
{
	local got
	got=$(vm_drivers "$LOG" | awk -v a="$1" '$1 == a { print $2 }')
	[ "$got" = "$2" ] || { why "$1 is on ${got:-?}, expected $2"; return 1; }
}
has_kmsg() { kmsg | grep -E -- "$1" >/dev/null || { why "kernel log lacks /$1/"; return 1; }; }
# before A B: the first kernel-log line matching A is earlier than the first matching B.
before()
{
	local a b
	a=$(kmsg_time "$1")
	b=$(kmsg_time "$2")
	[ -n "$a" ] || { why "kernel log lacks /$1/"; return 1; }
	[ -n "$b" ] || { why "kernel log lacks /$2/"; return 1; }
	awk -v a="$a" -v b="$b" 'BEGIN { exit !(a < b) }' || { why "/$1/ at $a s is not before /$2/ at $b s"; return 1; }
}

BINDER_START='vfio-boot: vfio-boot-binder .* starting'

c_finished()
{
	[ "$BOOT_RC" -eq 0 ] || why "QEMU exited with status $BOOT_RC"
	grep -q '^VMTEST end$' "$LOG" || { why "the root init did not finish; last lines: $(tail -n 5 "$LOG" | tr '\n' '|')"; return 1; }
	[ "$BOOT_RC" -eq 0 ]
}
c_builtin_at_boot()
{
	local m r=0 line
	for m in vfio_pci vfio_iommu_type1; do
		line=$(grep "^VMTEST builtin module $m " "$LOG")
		[ "$line" = "VMTEST builtin module $m sysfs=yes initstate=none refcnt=none proc_modules=no" ] ||
			{ why "${line:-no line for $m}"; r=1; }
	done
	for m in vfio vfio_pci_core xhci_hcd xhci_pci bochs; do
		grep -q "^VMTEST builtin module $m .*proc_modules=no" "$LOG" || { why "$m is in /proc/modules"; r=1; }
	done
	grep -qx 'VMTEST builtin driver vfio-pci yes' "$LOG" || { why "no vfio-pci driver"; r=1; }
	return "$r"
}
c_loaded_nothing()
{
	local l n r=0
	n=$(kmsg | grep -c 'vfio-boot: done in')
	[ "$n" -eq 1 ] || { why "the binder finished $n times, expected once"; r=1; }
	l=$(kmsg | grep -E 'vfio-boot: (loaded module|loading module|libkmod)' | head -n 3)
	[ -z "$l" ] || { why "the binder loaded or tried to load: $l"; r=1; }
	# and says why it loaded nothing
	has_kmsg 'vfio-boot: module vfio_pci is built into the kernel: nothing to load' || r=1
	has_kmsg 'vfio-boot: module vfio_iommu_type1 is built into the kernel: nothing to load' || r=1
	if img_list "$IMG" | grep -qE ' usr/lib/modules/[^ ]+/kernel/drivers/vfio/'; then
		why "the image holds vfio modules"
		r=1
	fi
	return "$r"
}
c_guest_claimed()
{
	local r=0
	driver_is 0000:02:00.0 vfio-pci || r=1
	driver_is 0000:02:00.1 vfio-pci || r=1
	has_kmsg 'vfio-boot: \[device guest-gpu\] claimed 0000:02:00\.0 \[1234:1111\] \(matched\), was bochs-drm' || r=1
	has_kmsg 'vfio-boot: \[device guest-gpu\] 0000:02:00\.0 was on bochs-drm before the binder ran: bochs is built into the kernel, so it bound the device while the kernel started' || r=1
	grep -qxF 'VMTEST run devices/0000:02:00.0: driver_before=bochs-drm' "$LOG" || { why "the record of 0000:02:00.0 does not name bochs-drm"; r=1; }
	has_kmsg 'vfio-boot: \[device guest-gpu\] claimed 0000:02:00\.1 \[8086:293e\] \(function of 0000:02:00\.0\), was none' || r=1
	grep -qxF 'VMTEST run devices/0000:02:00.0: outcome=claimed' "$LOG" || { why "no claimed record for 0000:02:00.0"; r=1; }
	grep -qxF 'VMTEST run devices/0000:02:00.1: outcome=claimed' "$LOG" || { why "no claimed record for 0000:02:00.1"; r=1; }
	return "$r"
}
# The built-in bochs-drm had the guest's card before any initramfs script ran.
c_guest_bound_first()
{
	before 'bochs-drm 0000:02:00\.0|for 0000:02:00\.0 on minor' 'Run /init as init process' &&
		before 'bochs-drm 0000:02:00\.0|for 0000:02:00\.0 on minor' "$BINDER_START"
}
c_host_drivers()
{
	local r=0
	driver_is 0000:01:00.0 bochs-drm || r=1
	driver_is 0000:01:00.1 snd_hda_intel || r=1
	driver_is 0000:04:01.0 e1000 || r=1
	driver_is 0000:04:02.0 e1000 || r=1
	driver_is 0000:00:05.0 e1000e || r=1
	return "$r"
}
c_xhci_first()
{
	driver_is 0000:00:04.0 xhci_hcd &&
		grep -q '^VMTEST builtin module xhci_pci .*proc_modules=no' "$LOG" &&
		before 'xhci_hcd 0000:00:04\.0' 'Run /init as init process' &&
		before 'xhci_hcd 0000:00:04\.0' "$BINDER_START"
}

# The serial lines that show it, for the note.
show_lines()
{
	grep -E '^VMTEST (builtin|dev 0000:0[0-4]:0[0-5]|run )' "$LOG" | grep -vE 'dev 0000:00:0[0-3]\.' | sed 's/^/    /'
	kmsg | grep -E 'Linux version|DMAR-IR|Run /init|xhci_hcd 0000:00:04\.0: xHCI Host|bochs-drm 0000:0|for 0000:0[12]:00\.0 on minor|vfio-boot|vfio-pci|vfio_pci|snd_hda_intel 0000:0|e1000e? 0000:0' |
		sed 's/^/    /'
}

GENS=("$@")
[ ${#GENS[@]} -gt 0 ] || GENS=(itools)
CONFDIR=$(stage_config gpu "$VM_TOP/tests/vm/configs/gpu")
for gen in "${GENS[@]}"; do
	img_start=$(date +%s%N)
	if ! IMG=$(img_build_builtin "$gen" "$CONFDIR"); then
		check "$gen: initramfs for $KVER" false
		continue
	fi
	img_time=$(secs "$img_start")
	check "$gen: initramfs for $KVER (${img_time} s)" true
	LOG=$VM_DIR/logs/builtin-$gen.log
	BOOT_RC=0
	# shellcheck disable=SC2086 # one word per kernel parameter
	vm_boot "$TREE/boot/vmlinuz-$KVER" "$IMG" "$ROOT_IMG" "$LOG.raw" "$VM_TIMEOUT" \
		init=/sbin/init-builtin ${VM_BUILTIN_CMDLINE:-} || BOOT_RC=$?
	tr -d '\r' <"$LOG.raw" >"$LOG"
	rm -f "$LOG.raw"
	if ! check "$gen: the boot finished (${VM_BOOT_WALL} s wall; serial log $LOG)" c_finished; then
		continue
	fi
	check "$gen: vfio_pci and vfio_iommu_type1 built in (in /sys/module without initstate or refcnt, not in /proc/modules)" c_builtin_at_boot
	check "$gen: the binder loaded nothing, said so, and ran once; the image holds no vfio module" c_loaded_nothing
	check "$gen: the guest's card and its audio function on vfio-pci, taken from the built-in bochs-drm (said, recorded) and from no driver" c_guest_claimed
	check "$gen: the built-in bochs-drm bound the guest's card before /init and before the binder" c_guest_bound_first
	check "$gen: the host's card on bochs-drm and snd_hda_intel, the NICs on e1000 and e1000e" c_host_drivers
	check "$gen: the xHCI controller bound by the built-in xhci_hcd before /init and before the binder" c_xhci_first
	echo "  serial lines ($gen):"
	show_lines
done
echo "vm-builtin: took $(secs "$total_start") s (kernel: $BUILD_NOTE)"
finish
