#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/vm/late/check.sh LOG [QEMU_RC]: the assertions of the late boot on its serial log
# (tests/vm/late/run.sh writes it; late-init says what each VMTEST line is). Prints each
# failure, the lines a reader wants to see, and "late: N checks, N failed"; exits 1 when
# something failed.
#
# The late machine's addresses (run.sh): 05:00.0 the NVMe PF, 05:00.1 and 05:00.2 its VFs
# 0 and 1; hot-plugged: 06:00.0 rtl8139, 07:00.0 std VGA (secondary-vga), 08:00.0 e1000
# (no section), 04:03.0 pci-testdev behind the PCI bridge (the IOMMU group of the two e1000).
set -uo pipefail

RAW=$1
RC=${2:-0}
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
tr -d '\r' <"$RAW" >"$LOG"

PF=0000:05:00.0 VF0=0000:05:00.1 VF1=0000:05:00.2
NIC=0000:06:00.0 VGA=0000:07:00.0 OTHER=0000:08:00.0 GRP=0000:04:03.0 E1=0000:04:01.0 E2=0000:04:02.0

FAILS=()
n=0
fail() { FAILS+=("$*"); }
kmsg() { sed -n 's/^VMTEST kmsg //p' "$LOG"; }
# field STEP ADDR KEY: a key of the device's line after STEP.
field()
{
	sed -n "s/^VMTEST dev@$1 $2 .* $3=\([^ ]*\).*/\1/p" "$LOG" | head -n 1
}
expect_field()
{
	n=$((n + 1))
	local got
	got=$(field "$1" "$2" "$3")
	[ "$got" = "$4" ] || fail "after $1: $2 $3=${got:-?}, expected $4"
}
expect_field_re()
{
	n=$((n + 1))
	local got
	got=$(field "$1" "$2" "$3")
	[[ $got =~ ^$4$ ]] || fail "after $1: $2 $3=${got:-?}, expected /$4/"
}
expect_not_field()
{
	n=$((n + 1))
	local got
	got=$(field "$1" "$2" "$3")
	if [ -z "$got" ] || [ "$got" = "$4" ]; then
		fail "after $1: $2 $3=${got:-?}, expected anything but $4"
	fi
}
expect_kmsg()
{
	n=$((n + 1))
	kmsg | grep -E -- "$1" >/dev/null || fail "kernel log lacks /$1/"
}
expect_no_kmsg()
{
	n=$((n + 1))
	local l
	l=$(kmsg | grep -E -- "$1" | head -n 1)
	[ -z "$l" ] || fail "kernel log has /$1/: $l"
}
# expect_run STEP FILE KEY=VALUE (a regular expression for the value).
expect_run()
{
	n=$((n + 1))
	grep -E "^VMTEST run@$1 $2: $3\$" "$LOG" >/dev/null || fail "after $1: /run/vfio-boot/$2 lacks /$3/"
}
expect_no_run()
{
	n=$((n + 1))
	! grep -E "^VMTEST run@$1 $2: " "$LOG" >/dev/null || fail "after $1: /run/vfio-boot/$2 exists"
}
# expect_not_run STEP FILE KEY=VALUE: the record, if any, does not say that.
expect_not_run()
{
	n=$((n + 1))
	! grep -E "^VMTEST run@$1 $2: $3\$" "$LOG" >/dev/null || fail "after $1: /run/vfio-boot/$2 has /$3/"
}
expect_line()
{
	n=$((n + 1))
	grep -E -- "$1" "$LOG" >/dev/null || fail "serial log lacks /$1/"
}

# ---- the boot ----
n=$((n + 1))
[ "$RC" -eq 0 ] || fail "QEMU exited with status $RC (137: killed after the timeout); last lines: $(tail -n 5 "$LOG" | tr '\n' '|')"
expect_line '^VMTEST end$'
expect_line '^VMTEST rule .*69-vfio-boot\.rules'
n=$((n + 1))
c=$(kmsg | grep -c 'vfio-boot: done in')
[ "$c" -eq 1 ] || fail "the boot binder finished $c times, expected once"

# ---- SR-IOV: coldplug binds nvme to the PF, the rule makes the VFs and claims VF 1 ----
expect_field initramfs $PF driver none
expect_run initramfs sections/nvme-vf 'status=pending'
expect_field coldplug $PF driver nvme
# sriov=NUMVFS/TOTALVFS/AUTOPROBE: autoprobe is 0 while the VFs are made; whether it is set
# back once the chosen VFs are claimed is vfio-boot's choice.
expect_field_re coldplug $PF sriov '2/2/[01]'
expect_field coldplug $VF1 physfn $PF
expect_field coldplug $VF1 driver vfio-pci
expect_not_field coldplug $VF0 driver vfio-pci
expect_field coldplug $VF0 physfn $PF
expect_field coldplug $VF0 override '(null)'
expect_not_field coldplug $VF0 group "$(field coldplug $VF1 group)"
# The claim itself, in the kernel log and in the record, which the VF's own add event (the
# rule runs again for it) leaves as it was.
expect_kmsg "vfio-boot: \\[device nvme-vf\\] claimed $VF1 \\[1b36:0010\\] \\(VF 1 of $PF\\), was none"
expect_run coldplug devices/$VF1 'outcome=claimed'
expect_run coldplug devices/$VF1 'driver_before=none'
expect_run coldplug devices/$VF1 'by=sriov'
expect_run coldplug devices/$VF1 "pf=$PF"
expect_run coldplug devices/$VF1 'vf_index=1'
expect_run coldplug devices/$VF1 'time=[0-9]{4}-[0-9]{2}-[0-9]{2}T.*Z'
expect_run coldplug sections/nvme-vf 'status=claimed'
expect_not_run coldplug devices/$VF0 'outcome=claimed'
expect_no_kmsg "nvme $VF1"
# Once per event: a claim that unbinds the PF's driver makes a bind event, and another run.
n=$((n + 1))
c=$(kmsg | grep -c 'vfio-boot: \[device nvme-vf\]')
[ "$c" -le 20 ] || fail "$c vfio-boot lines for [device nvme-vf] in the kernel log: the rule runs in a loop"
expect_kmsg "vfio-boot: .*$VF1"

# ---- hot-plug ----
# rtl8139: its drivers (8139too, 8139cp) are not loaded before it appears: never probed.
expect_field plug-nic $NIC driver vfio-pci
expect_no_kmsg "(8139too|8139cp) $NIC"
expect_run plug-nic devices/$NIC 'outcome=claimed'
expect_run plug-nic devices/$NIC 'by=hotplug'
expect_run plug-nic devices/$NIC 'time=[0-9]{4}-[0-9]{2}-[0-9]{2}T.*Z'
expect_kmsg "vfio-boot: \[device late-nic\] .*$NIC"
# The second std VGA while bochs-drm drives the boot card: bochs-drm probes it inside the
# kernel's device_add, before udev; the claim unbinds it and names the driver.
expect_field plug-vga $VGA driver vfio-pci
expect_run plug-vga devices/$VGA 'outcome=claimed'
expect_run plug-vga devices/$VGA 'by=hotplug'
expect_kmsg "vfio-boot: \[device late-vga\] .*$VGA.*bochs-drm|vfio-boot: \[device late-vga\] .*bochs-drm.*$VGA"
# No section: left alone.
expect_field plug-other $OTHER driver e1000
expect_field plug-other $OTHER override '(null)'
expect_no_run plug-other devices/$OTHER
expect_no_kmsg "vfio-boot: .*$OTHER"
# It would share its IOMMU group with the two e1000 that no section claims: refused.
expect_field plug-group $GRP group "$(field plug-group $E1 group)"
expect_not_field plug-group $GRP driver vfio-pci
expect_field plug-group $GRP override '(null)'
expect_field plug-group $E1 driver e1000
expect_field plug-group $E2 driver e1000
expect_not_run plug-group devices/$GRP 'outcome=claimed'
expect_run plug-group sections/late-group 'status=group'
expect_run plug-group sections/late-group 'by=hotplug'
expect_kmsg "vfio-boot: \[device late-group\] .*group"

# ---- release and claim by hand ----
holder=$(sed -n 's/^VMTEST holder pid \([0-9]*\) .*/\1/p' "$LOG")
expect_line "^VMTEST holder pid [0-9]+ /dev/vfio/[0-9]+"
n=$((n + 1))
grep -E '^VMTEST rc@release-held [1-9]' "$LOG" >/dev/null || fail "release while /dev/vfio/N is held did not fail"
n=$((n + 1))
grep -E "^VMTEST out@release-held .*(sleep.*${holder:-x}|${holder:-x}.*sleep)" "$LOG" >/dev/null ||
	fail "release while held does not name the process (sleep, pid ${holder:-?})"
expect_field release-held $VGA driver vfio-pci
expect_line '^VMTEST rc@release 0$'
expect_field release $VGA driver bochs-drm
expect_field release $VGA override '(null)'
expect_run release devices/$VGA 'outcome=released'
expect_run release devices/$VGA 'by=cli-release'
expect_line '^VMTEST out@release .*bochs-drm'
expect_line '^VMTEST rc@claim 0$'
expect_field claim $VGA driver vfio-pci
expect_run claim devices/$VGA 'by=cli-claim'

# ---- what the note quotes ----
echo "late: the serial log's evidence:"
grep -E '^VMTEST (step|hand|holder|timeout@|cmd@|out@|rc@)' "$LOG" | sed 's/^/    /'
while read -r s addrs; do
	grep -E "^VMTEST dev@$s ($addrs) " "$LOG" | sed 's/ class=[^ ]*//; s/^/    /'
done <<STEPS
initramfs $PF
coldplug $PF|$VF0|$VF1
plug-nic $NIC
plug-vga $VGA
plug-other $OTHER
plug-group $GRP|$E1|$E2
release-held $VGA
release $VGA
claim $VGA
STEPS
kmsg | grep -E 'vfio-boot|vfio-pci|8139|bochs-drm 0000:07|nvme|pciehp.*Slot[(]' | sed 's/^/    /'

if [ ${#FAILS[@]} -gt 0 ]; then
	printf 'FAIL %s\n' "${FAILS[@]}"
fi
echo "late: $n checks, ${#FAILS[@]} failed"
[ ${#FAILS[@]} -eq 0 ]
