#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/vm/fullboot/check.sh LOG [QEMU_STATUS [OUT [NET]]]: the assertions on the serial log,
# and on what the VM wrote into OUT (vfio-boot's outputs, the sysfs capture) when given. NET is
# the network daemon the VM ran (networkd, the default, or nm).
set -uo pipefail
LOG=$1 RC=${2:-0} OUT=${3:-} NET=${4:-networkd}
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
case $OUT in '' | /*) ;; *) OUT=$(pwd)/$OUT ;; esac
fails=0
L=$(tr -d '\r' <"$LOG")
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
has() { grep -E -- "$2" <<<"$L" >/dev/null && ok "$1" || bad "$1 (no /$2/)"; }
# status_usb NAME SECTION REGEX: a line of [usb SECTION]'s part of the text of vfio-boot status
# that fullboot-usb printed (FULLBOOT usb-status) matches REGEX
status_usb()
{
	awk -v s="[usb $2]" -v re="$3" '/FULLBOOT usb-status / {
		sub(/.*FULLBOOT usb-status /, "")
		if (/^\[/) in_s = index($0, s " ") == 1
		if (in_s && $0 ~ re) f = 1
	} END { exit !f }' <<<"$L" && ok "$1" || bad "$1 (no /$3/ in [usb $2] of the status)"
}
hasnt() { grep -E -- "$2" <<<"$L" >/dev/null && bad "$1 (found /$2/)" || ok "$1"; }
[ "$RC" = 0 ] && ok "QEMU powered off by itself" || bad "QEMU status $RC (137: killed by the timeout)"
has "root is the overlay" 'FULLBOOT initramfs: root is overlay'
has "binder claimed 02:00.0 in the initramfs" 'vfio-boot: .*claimed 0000:02:00.0'
has "02:00.0 on vfio-pci after boot" 'FULLBOOT driver 0000:02:00.0 vfio-pci'
has "generator instantiated the guest unit" 'FULLBOOT wants: .*vfio-boot-guest@fbguest.service'
has "bridge unit ran" 'FULLBOOT unit vfio-boot-bridge@br0.service: active/exited'
if [ "$NET" = nm ]; then
	has "NetworkManager ran" 'FULLBOOT unit NetworkManager.service: active/running'
	has "the bridge's keyfile, mode 0600, in /run" 'FULLBOOT netcfg 600 root /run/NetworkManager/system-connections/vfio-boot-br0.nmconnection'
	has "the uplink's keyfile, mode 0600, in /run" 'FULLBOOT netcfg 600 root /run/NetworkManager/system-connections/vfio-boot-br0-uplink.nmconnection'
	if grep -E 'FULLBOOT netcfg .* /run/systemd/network/' <<<"$L" >/dev/null; then bad "networkd config written too"; else ok "no networkd config"; fi
else
	has "systemd-networkd ran" 'FULLBOOT unit systemd-networkd.service: active/running'
	has "the bridge's .netdev in /run" 'FULLBOOT netcfg [0-7]+ root /run/systemd/network/.*br0.*\.netdev'
	if grep -E 'FULLBOOT netcfg .* /run/NetworkManager/' <<<"$L" >/dev/null; then bad "NetworkManager config written too"; else ok "no NetworkManager config"; fi
fi
has "bridge has a DHCP address" 'FULLBOOT addr [0-9]+: br0 +inet 10\.0\.2\.'
has "e1000e is a bridge port" 'FULLBOOT port .*master br0'
has "guest unit running" 'FULLBOOT guest unit vfio-boot-guest@fbguest.service: active'
has "domain running" 'FULLBOOT domstate running'
has "domain has the hostdev" "FULLBOOT hostdev .*bus='0x02' slot='0x00'"
has "guest sees the device" 'FULLBOOT guest-serial FBGUEST pci .* 0x1234:0x1111'
# The moved card: the domain named 01:00.0 (the host's card) with vfio-boot's mark at guest slot 7
has "moved card: the running guest has the claimed card at its guest address" 'FULLBOOT moved: live pci alias=ua-vfio-boot-pci-guest-gpu-0 source=0000:02:00.0 guest=0000:00:07.0 '
has "moved card: so has the persistent definition" 'FULLBOOT moved: inactive pci alias=ua-vfio-boot-pci-guest-gpu-0 source=0000:02:00.0 guest=0000:00:07.0 '
hasnt "moved card: the old address is gone, not doubled" 'FULLBOOT moved: (live|inactive) pci .*source=0000:01:00\.0'
has "moved card: the runner logged the move, from where to where" 'FULLBOOT moved: journal .*moved.*0000:01:00\.0.*0000:02:00\.0'
has "moved card: the guest sees it in slot 7" 'FULLBOOT guest-serial FBGUEST pci 0000:00:07\.0 0x1234:0x1111'
has "the guest's interface is a bridge port" 'FULLBOOT port [0-9]+: vnet[0-9]+: .*master br0'
if grep -E 'FULLBOOT guest-serial FBGUEST power button pressed' <<<"$L" >/dev/null; then bad "the guest powered off before the host shutdown"; else ok "guest still up when the host shutdown began"; fi
has "guest found its power button" 'FULLBOOT guest-serial FBGUEST ready, power button at acpi'
has "guest stopped gracefully" 'FULLBOOT stop: guest-serial FBGUEST power button pressed'
has "guest unit stopped cleanly" 'FULLBOOT stop: guest unit inactive result=success'
# order: the second guest starts once the first runs, and is down before the first stops
has "second guest ran" 'FULLBOOT unit vfio-boot-guest@fbguest2.service: active/running'
o=$(grep -oE 'FULLBOOT order: .*' <<<"$L" | head -n 1)
if [ -n "$o" ] && awk '{ a = $4; b = $9; exit !(b + 0 >= a + 0 && b != "0.0") }' <<<"${o#FULLBOOT order: }"; then
	ok "second guest started after the first was running ($o)"
else
	bad "second guest start order (${o:-no order line})"
fi
o=$(grep -oE 'FULLBOOT stop: order .*' <<<"$L" | head -n 1)
if [ -n "$o" ] && awk '{ a = $4; b = $10; exit !(a + 0 > 0 && a + 0 <= b + 0) }' <<<"${o#FULLBOOT stop: order }"; then
	ok "second guest stopped before the first began to stop ($o)"
else
	bad "second guest stop order (${o:-no stop order line})"
fi
has "second guest stopped cleanly" 'FULLBOOT stop: order vfio-boot-guest@fbguest2.service inactive at [0-9.]+ s result=success'
# restart = on-failure: a crash of the second guest is seen and the guest comes back once
has "the crash is reported as one" 'FULLBOOT crash: journal guest fbguest2 (crashed|failed): its emulator'
has "the unit failed with the runner's crash status" 'FULLBOOT crash: journal .*status=4'
has "the guest came back once" 'FULLBOOT crash: vfio-boot-guest@fbguest2.service active restarts=1 domstate=running'
# a VF made after boot: pending at boot, made and claimed by the udev rule, in fbguest2
has "the VF section is pending at boot" 'vfio-boot: \[device fb-vf\] /etc/vfio-boot/vfio-boot.conf:[0-9]+: the VFs of 0000:05:00.0 are not made yet: vfio-boot makes 1 once its host driver'
has "the PF stays with nvme" 'FULLBOOT vf 0000:05:00.0 driver=nvme'
has "the VF is on vfio-pci" 'FULLBOOT vf 0000:05:00.1 driver=vfio-pci physfn=../0000:05:00.0'
has "the VF's record: claimed after boot for its PF" 'FULLBOOT vf record .*outcome=claimed.*'
has "the VF's record says the udev rule made it" 'FULLBOOT vf record .*by=sriov'
has "the VF section claimed" 'FULLBOOT vf section .*status=claimed'
has "fbguest2's domain has the VF" "FULLBOOT hostdev2 .*bus='0x05' slot='0x00' function='0x1'"
has "fbguest2 sees the VF" 'FULLBOOT guest2-serial FBGUEST pci [0-9a-f:.]+ 0x1b36:0x0010 class=0x0108'
# the late VF is claimed before the engines start: kubelet (a stand-in) sees it on vfio-pci
has "the stand-in kubelet saw the late VF on vfio-pci at its start" 'FULLBOOT kubelet: 0000:05:00\.1 driver=vfio-pci at '
has "kubelet.service is ordered after vfio-boot-late.service" 'FULLBOOT kubelet after: After=.*vfio-boot-late\.service'
has "vfio-boot-late.service ran and ended well" 'FULLBOOT late unit: active/exited result=success'
if grep -E 'nvme nvme[0-9]+: pci function 0000:05:00\.[12]' <<<"$L" >/dev/null; then bad "nvme probed a VF"; else ok "nvme never probed a VF"; fi
# lose no data: the host's mounted disk is never a guest's
has "the host mounted the data disk" 'FULLBOOT mount /mnt/fbdata +/dev/vd[a-z] +ext4'
has "guest on the mounted disk refused, naming it" 'FULLBOOT fbdisk journal guest fbdisk: .*/dev/disk/by-id/virtio-fbdata.* is mounted on /mnt/fbdata .*by the host'
has "its unit failed with the refusal status, not restarted" 'FULLBOOT fbdisk unit failed result=exit-code status=2 restarts=0'
has "that guest never ran" 'FULLBOOT fbdisk domstate shut off'
# the vfio-boot command on the booted host
has "status: the guest's card claimed at boot" 'FULLBOOT status \[device guest-gpu\] boot record: claimed'
has "status: 02:00.0 on vfio-pci" 'FULLBOOT status +0000:02:00.0: on vfio-pci'
has "status: the host's card is not on vfio-pci" 'FULLBOOT status +0000:01:00.0: NOT on vfio-pci'
has "status: the host's card is held by bochs-drm" 'FULLBOOT status +held by bochs-drm'
has "status: the guest's unit is active" 'FULLBOOT status \[guest fbguest\] vfio-boot-guest@fbguest.service: active'
has "status exits 2 (boot-card is not on vfio-pci)" 'FULLBOOT status exit 2'
has "check: IOMMU passes with intel_iommu=on" 'FULLBOOT check PASS IOMMU'
has "check: the kernel remaps interrupts" 'FULLBOOT check PASS interrupt remapping: on'
# check for one section and one address, beside virt-host-validate qemu (fullboot-driver): each
# ran to an answer (check: 0, or 2 with a FAIL line; virt-host-validate: 0, or 1 with a FAIL)
has "check guest-gpu ran to an answer" 'FULLBOOT checkcard end: exit [02]$'
has "check of the boot display (by address) ran to an answer" 'FULLBOOT checkboot end: exit [02]$'
has "the boot display is 01:00.0 (boot_vga)" 'FULLBOOT checkboot begin: vfio-boot check 0000:01:00\.0 '
has "virt-host-validate qemu ran beside it" 'FULLBOOT vhv end: exit [01]$'
has "virt-host-validate qemu checked the IOMMU" 'FULLBOOT vhv +QEMU: Checking for device assignment IOMMU support'
hasnt "check SECTION and check ADDRESS leave the host's lines out" 'FULLBOOT check(card|boot) [A-Z]+ (CPU virtualisation|IOMMU|KVM|vfio container):'
has "check: the booted host has a vfio container" 'FULLBOOT check PASS vfio container: /dev/vfio/vfio is there'
if [ -n "$OUT" ]; then
	# check --json guest-gpu: parses; every line is about the section's card (02:00.0) or its
	# audio function (02:00.1), under the section
	if python3 - "$OUT/checkcardjson.out" <<'PY'; then
import json, sys
checks = json.load(open(sys.argv[1]))["checks"]
bad = [c for c in checks
       if c["device"] not in ("0000:02:00.0", "0000:02:00.1") or c["section"] != "guest-gpu"]
sys.exit(1 if bad else 0)
PY
		ok "check --json guest-gpu parses, each line about 02:00.0 or 02:00.1 [device guest-gpu]"
	else
		bad "check --json guest-gpu ($OUT/checkcardjson.out)"
	fi
	# Each per-device item has a line for the card, and the host-wide override item one in the
	# whole check (FB_CHECK_ITEMS=0 leaves this out, for a tree whose items report nothing).
	if [ "${FB_CHECK_ITEMS:-1}" = 1 ]; then
		for i in reset power framebuffer rom bars holders sriov; do
			if python3 - "$OUT/checkcardjson.out" "$i" <<'PY'; then
import json, sys
checks = json.load(open(sys.argv[1]))["checks"]
sys.exit(0 if any(c["item"] == sys.argv[2] and c["device"] == "0000:02:00.0" for c in checks) else 1)
PY
				ok "check --json guest-gpu has a $i line for the card"
			else
				bad "check --json guest-gpu has no $i line"
			fi
			has "check guest-gpu: a $i line in the text" "FULLBOOT checkcard (PASS|WARN|FAIL) 0000:02:00\.0 \[device guest-gpu\]: $i: "
			has "check of the boot display: a $i line" "FULLBOOT checkboot (PASS|WARN|FAIL) 0000:01:00\.0( \[device boot-card\])?: $i: "
		done
		if python3 -c 'import json, sys; sys.exit(0 if any(c["item"] == "override" for c in json.load(open(sys.argv[1]))["checks"]) else 1)' "$OUT/checkjson.out"; then
			ok "check --json has an override line"
		else
			bad "check --json has no override line"
		fi
	fi
	for j in statusjson checkjson listjson planjson; do
		if python3 -m json.tool "$OUT/$j.out" >/dev/null 2>&1; then ok "$j parses"; else bad "$j does not parse ($OUT/$j.out)"; fi
	done
	if python3 "$TOP/tests/cli/jsoncheck.py" status-vm "$OUT/statusjson.out"; then
		ok "status --json: claimed, held by bochs-drm, guest active"
	else
		bad "status --json content"
	fi
	# The capture, replayed on this host through --root, tells the same story.
	CLI=${VFIO_BOOT_CLI:-$TOP/cli/vfio-boot}
	R=$("$CLI" status --root "$OUT/sysfs" 2>&1)
	grep -q '0000:02:00.0: on vfio-pci' <<<"$R" && grep -q 'held by bochs-drm' <<<"$R" &&
		ok "status --root on the capture" || bad "status --root on the capture: $R"
fi
# The guest runner's disk check on real block devices of Debian's kernel (networkd boot only).
if [ "$NET" = networkd ]; then
	for c in ext4 namespace btrfs xfslog stacked dm-parent loop-parent swap domain md unused \
		partnode-missing partnode-other unasked; do
		has "disk check on a real kernel: $c" "FULLBOOT realdisk PASS: $c( |\$)"
	done
	has "disk check on a real kernel: nothing failed" 'FULLBOOT realdisk real: [0-9]+ passed, 0 failed'
fi
# USB devices by identity (networkd boot only; fullboot-usb). $1 of a usbhd line: the device.
if [ "$NET" = networkd ]; then
	has "usb-start: fb-kbd0 attached to fbguest at start, with vfio-boot's mark" 'FULLBOOT usb-start: fbguest live usb alias=ua-vfio-boot-usb-fb-kbd0-0 .* -> [0-9.-]+ 0627:0001 serial=VBKBD0$'
	has "usb-start: fbguest's persistent definition has no USB hostdev" 'FULLBOOT usb-start: fbguest inactive usb hostdevs: 0$'
	has "usb-two: fb-kbd1, the identical keyboard, attached to fbguest2" 'FULLBOOT usb-start: fbguest2 live usb alias=ua-vfio-boot-usb-fb-kbd1-0 .* -> [0-9.-]+ 0627:0001 serial=VBKBD1$'
	has "usb-two: fbguest2's persistent definition has no USB hostdev" 'FULLBOOT usb-start: fbguest2 inactive usb hostdevs: 0$'
	hasnt "usb-two: each keyboard in its own guest only" 'FULLBOOT usb-start: fbguest live .*serial=VBKBD1|FULLBOOT usb-start: fbguest2 live .*serial=VBKBD0'
	has "usb-ambig: two identical tablets, count 1: ambiguous" 'FULLBOOT usb record fb-ambig: .*status=ambiguous'
	has "usb-ambig: neither attached" 'FULLBOOT usb-ambig: fbguest2 live fb-ambig hostdevs: 0$'
	status_usb "usb-ambig: vfio-boot status says fb-ambig is ambiguous" fb-ambig 'now: ambiguous'
	status_usb "usb-status: vfio-boot status shows fb-kbd0 attached by fbguest's runner" fb-kbd0 'guest runner: attached'
	status_usb "usb-status: and fb-kbd1 by fbguest2's" fb-kbd1 'guest runner: attached'
	has "usb-plug: the host's QMP device_add reached the outer VM" 'FULLBOOT usb-plug: outer device [0-9.-]+ bus [0-9]+ device [0-9]+ after'
	has "usb-plug: attached live to fbguest" 'FULLBOOT usb-plug: fbguest live usb alias=ua-vfio-boot-usb-fb-plug-0 .* -> [0-9.-]+ 0627:0001 serial=VBPLUG$'
	has "usb-unplug: the device left the outer VM" 'FULLBOOT usb-unplug: outer device gone after'
	has "usb-unplug: detached from fbguest" 'FULLBOOT usb-unplug: fbguest live without fb-plug after'
	has "usb-replug: attached again" 'FULLBOOT usb-replug: fbguest live usb alias=ua-vfio-boot-usb-fb-plug-0 .* -> [0-9.-]+ 0627:0001 serial=VBPLUG$'
	d1=$(sed -n 's/.*FULLBOOT usb-plug: fbguest live usb alias=ua-vfio-boot-usb-fb-plug-0 .* device=\([0-9]*\) .*/\1/p' <<<"$L" | head -n 1)
	d2=$(sed -n 's/.*FULLBOOT usb-replug: fbguest live usb alias=ua-vfio-boot-usb-fb-plug-0 .* device=\([0-9]*\) .*/\1/p' <<<"$L" | head -n 1)
	if [ -n "$d1" ] && [ -n "$d2" ] && [ "$d1" != "$d2" ]; then
		ok "usb-replug: by its new device number ($d1, then $d2)"
	else
		bad "usb-replug: device numbers ${d1:-?} then ${d2:-?}"
	fi
	has "usb-replug: still nothing in the persistent definition" 'FULLBOOT usb-replug: fbguest inactive usb hostdevs: 0$'
	has "usb: the runner journals the attach, with the device and the guest" 'FULLBOOT usb journal guest fbguest: \[usb fb-plug\] attached .*VBPLUG'
	has "usb: the runner journals the detach on unplug" 'FULLBOOT usb journal guest fbguest: \[usb fb-plug\] detached '
	has "usb: detached when the guest stopped" 'FULLBOOT stop: usb record fb-kbd0: .*status=detached'
fi
# order: the guest's stop report comes before the host's power-off
s=$(grep -n 'FULLBOOT stop: guest unit' <<<"$L" | head -n 1 | cut -d: -f1)
p=$(grep -n 'reboot: Power down' <<<"$L" | head -n 1 | cut -d: -f1)
if [ -n "$s" ] && [ -n "$p" ] && [ "$s" -lt "$p" ]; then ok "guest stopped before host power-off"; else bad "guest stop before power-off (lines ${s:-?} ${p:-?})"; fi
echo "fullboot: $fails failed"
[ "$fails" = 0 ]
