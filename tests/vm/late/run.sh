#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/vm/late/run.sh: devices that appear after boot, in one real boot. The stand-in q35
# machine of tests/vm/qemu.sh plus an NVMe with SR-IOV and three empty hot-plug ports boots
# this host's own root read-only over virtio-9p with an overlay (as tests/vm/fullboot does),
# vfio-boot installed in a second layer (`make install DESTDIR=`), and late-init as init: the
# real systemd-udevd with vfio-boot's rule, then steps. For each "VMTEST step NAME" on the
# console this script adds the step's device by QMP device_add; check.sh then reads the log.
# See tests/vm/README.md ("The late boot").
#
# Usage: tests/vm/late/run.sh      (as root)
# Environment: BUILD (default build; work files in $BUILD/vm/late), VM_KVER,
#   LATE_TIMEOUT (seconds before QEMU is killed, default 600), LATE_CMDLINE (more kernel
#   parameters; late.hand=1 makes the VFs by hand after coldplug: the machine alone).
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../../.." && pwd)
SELF=$TOP/tests/vm/late
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
W=$BUILD/vm/late
LATE_TIMEOUT=${LATE_TIMEOUT:-600}
KVER=${VM_KVER:-$(find /boot -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sed 's/^vmlinuz-//' | sort -V | tail -n 1)}
KERNEL=/boot/vmlinuz-$KVER
LOG=$W/serial.log
QMP=$W/qmp.sock

# shellcheck source=../qemu.sh
. "$TOP/tests/vm/qemu.sh" # VM_DEVICES: the stand-in machine
say() { printf 'late: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"
for p in qemu-system-x86_64 mkinitramfs python3 /lib/systemd/systemd-udevd; do
	command -v "$p" >/dev/null || die "$p is not installed"
done
mkdir -p "$W"

# ---- the vfio-boot layer: make install, the config, the init ----
I=$W/inst
vm_install_layer "$TOP" "$I" "$W/install.log" || die "make install failed"
install -d -m 0755 "$I/etc/vfio-boot" "$I/usr/local/sbin"
install -m 0755 "$SELF/late-init" "$I/usr/local/sbin/late-init"
# The NVMe PF by its path, one VF of two by index; the hot-plug ports' cards; a device
# hot-plugged behind the PCI bridge, in one IOMMU group with two e1000 that no section takes
# (refused).
cat >"$I/etc/vfio-boot/vfio-boot.conf" <<'CONF'
# tests/vm/late: devices that appear after boot.
[device nvme-vf]
match = path=0000:00:03.0/00.0
vfs = 2
vf-index = 1
allow = storage

[device late-vga]
match = id=1234:1111 path=0000:00:03.2/00.0
hotplug = yes

[device late-nic]
match = id=10ec:8139
hotplug = yes

[device late-group]
match = id=1b36:0005
hotplug = yes
CONF
chmod 0644 "$I/etc/vfio-boot/vfio-boot.conf"

# ---- the initramfs: initramfs-tools with vfio-boot's hooks and boot=fullboot ----
CONF=$W/conf
rm -rf "$CONF"
mkdir -p "$CONF"
cp "$I/etc/vfio-boot/vfio-boot.conf" "$CONF/"
chown -R 0:0 "$CONF"
chmod 0755 "$CONF"
CD=$W/itools
rm -rf "$CD"
mkdir -p "$CD/conf.d" "$CD/hooks" "$CD/scripts/init-top"
cp "$TOP/tests/vm/initramfs-tools/initramfs.conf" "$CD/"
{
	cat "$TOP/tests/vm/initramfs-tools/modules"
	printf '%s\n' 9p 9pnet_virtio overlay
} >"$CD/modules"
install -m 0755 "$TOP/hooks/initramfs-tools/hooks/vfio-boot" "$CD/hooks/"
install -m 0755 "$TOP/hooks/initramfs-tools/scripts/init-top/00-vfio-boot" "$CD/scripts/init-top/"
install -m 0644 "$TOP/tests/vm/fullboot/boot-script" "$CD/scripts/fullboot"
INITRD=$W/initrd.img
t0=$(date +%s)
VFIO_BOOT_CONFDIR=$CONF VFIO_BOOT_BINDER=$TOP/binder/vfio-boot-binder \
	mkinitramfs -d "$CD" -o "$INITRD" "$KVER" >"$W/mkinitramfs.log" 2>&1 || {
	tail -n 30 "$W/mkinitramfs.log"
	die "mkinitramfs failed"
}
say "initramfs built in $(($(date +%s) - t0)) s"

# ---- the machine ----
# 00:03.0 a root port with the NVMe (SR-IOV, 2 VFs); 00:03.1-00:03.3 empty hot-plug ports
# with native PCIe hot-plug (pciehp), not ACPI's; 00:06.0, 00:07.0 the 9p root and layer.
# The VGA's port reserves a 32-bit prefetchable window for its 16 MiB frame buffer.
# shellcheck disable=SC2054 # commas belong to the -device arguments
LATE_DEVICES=(
	-global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off
	-device pcie-root-port,id=rpn,chassis=4,slot=4,bus=pcie.0,addr=0x3.0x0,multifunction=on
	-device pcie-root-port,id=hp1,chassis=5,slot=5,bus=pcie.0,addr=0x3.0x1
	-device pcie-root-port,id=hp2,chassis=6,slot=6,bus=pcie.0,addr=0x3.0x2,pref32-reserve=32M
	-device pcie-root-port,id=hp3,chassis=7,slot=7,bus=pcie.0,addr=0x3.0x3
	-device nvme-subsys,id=s0
	-device nvme,serial=late0,subsys=s0,bus=rpn,addr=0x0,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,max_ioqpairs=6,msix_qsize=8
)
# What run.sh adds at each step of late-init (QMP device_add arguments).
# shellcheck disable=SC2034 # vm_qmp_steps reads it by name
declare -A STEP_ADD=(
	[plug-nic]='{"execute":"device_add","arguments":{"driver":"rtl8139","id":"late-nic","bus":"hp1","addr":"0x0","romfile":""}}'
	[plug-vga]='{"execute":"device_add","arguments":{"driver":"secondary-vga","id":"late-vga","bus":"hp2","addr":"0x0"}}'
	[plug-other]='{"execute":"device_add","arguments":{"driver":"e1000","id":"late-other","bus":"hp3","addr":"0x0","romfile":""}}'
	# Into a free slot of the stand-in machine's pcie-pci-bridge (SHPC hot-plug, shpchp): one
	# IOMMU group with the two e1000 there, which no section claims.
	[plug-group]='{"execute":"device_add","arguments":{"driver":"pci-testdev","id":"late-group","bus":"pb1","addr":"0x3"}}'
)

rm -f "$QMP" "$LOG" "$W/qmp.log"
say "booting (timeout ${LATE_TIMEOUT}s), serial log $LOG"
start=$(date +%s%N)
# shellcheck disable=SC2086 # LATE_CMDLINE: one word per parameter
timeout --signal=KILL "$LATE_TIMEOUT" qemu-system-x86_64 \
	-machine q35 -accel tcg -m 1536 -smp 1 \
	-nographic -vga none -no-reboot -nic none \
	-kernel "$KERNEL" -initrd "$INITRD" \
	-append "console=ttyS0 boot=fullboot root=fbroot intel_iommu=on no_timer_check panic=1 quiet printk.devkmsg=on init=/usr/local/sbin/late-init ${LATE_CMDLINE:-}" \
	-qmp "unix:$QMP,server=on,wait=off" \
	"${VM_DEVICES[@]}" \
	"${LATE_DEVICES[@]}" \
	-device e1000e,bus=pcie.0,addr=0x5,romfile= \
	-fsdev local,id=fsroot,path=/,security_model=passthrough,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=fsroot,mount_tag=fbroot,bus=pcie.0,addr=0x6 \
	-fsdev local,id=fsinst,path="$I",security_model=passthrough,readonly=on \
	-device virtio-9p-pci,fsdev=fsinst,mount_tag=fbinst,bus=pcie.0,addr=0x7 \
	</dev/null >"$LOG" 2>&1 &
qpid=$!

# The host side of the steps: each "VMTEST step NAME" once, in order.
vm_qmp_steps "$qpid" "$LOG" 's/^VMTEST step \([^ ]*\).*/\1/p' "$QMP" "$W/qmp.log" "$start" STEP_ADD
rc=0
wait "$qpid" || rc=$?
wall=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
say "QEMU exited with status $rc after $wall s"
echo "$wall" >"$W/wall"
exec "$SELF/check.sh" "$LOG" "$rc"
