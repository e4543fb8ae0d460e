#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/vm/fullboot/check.sh LOG [QEMU_STATUS]: the assertions on the serial log.
set -uo pipefail
LOG=$1 RC=${2:-0}
fails=0
L=$(tr -d '\r' <"$LOG")
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
has() { grep -E -- "$2" <<<"$L" >/dev/null && ok "$1" || bad "$1 (no /$2/)"; }
[ "$RC" = 0 ] && ok "QEMU powered off by itself" || bad "QEMU status $RC (137: killed by the timeout)"
has "root is the overlay" 'FULLBOOT initramfs: root is overlay'
has "binder claimed 02:00.0 in the initramfs" 'vfio-boot: .*claimed 0000:02:00.0'
has "02:00.0 on vfio-pci after boot" 'FULLBOOT driver 0000:02:00.0 vfio-pci'
has "generator instantiated the guest unit" 'FULLBOOT wants: .*vfio-boot-guest@fbguest.service'
has "bridge unit ran" 'FULLBOOT unit vfio-boot-bridge@br0.service: active/exited'
has "bridge has a DHCP address" 'FULLBOOT addr [0-9]+: br0 +inet 10\.0\.2\.'
has "e1000e is a bridge port" 'FULLBOOT port .*master br0'
has "guest unit running" 'FULLBOOT guest unit vfio-boot-guest@fbguest.service: active'
has "domain running" 'FULLBOOT domstate running'
has "domain has the hostdev" "FULLBOOT hostdev .*bus='0x02' slot='0x00'"
has "guest sees the device" 'FULLBOOT guest-serial FBGUEST pci .* 0x1234:0x1111'
has "guest on the bridge got a DHCP lease" 'FULLBOOT guest-serial FBGUEST .*lease of 10\.0\.2\.'
if grep -E 'FULLBOOT guest-serial FBGUEST power button pressed' <<<"$L" >/dev/null; then bad "the guest powered off before the host shutdown"; else ok "guest still up when the host shutdown began"; fi
has "guest found its power button" 'FULLBOOT guest-serial FBGUEST ready, power button at /dev/input/event'
has "guest stopped gracefully" 'FULLBOOT stop: guest-serial FBGUEST power button pressed'
has "guest unit stopped cleanly" 'FULLBOOT stop: guest unit inactive result=success'
# order: the guest's stop report comes before the host's power-off
s=$(grep -n 'FULLBOOT stop: guest unit' <<<"$L" | head -n 1 | cut -d: -f1)
p=$(grep -n 'reboot: Power down' <<<"$L" | head -n 1 | cut -d: -f1)
if [ -n "$s" ] && [ -n "$p" ] && [ "$s" -lt "$p" ]; then ok "guest stopped before host power-off"; else bad "guest stop before power-off (lines ${s:-?} ${p:-?})"; fi
echo "fullboot: $fails failed"
[ "$fails" = 0 ]
