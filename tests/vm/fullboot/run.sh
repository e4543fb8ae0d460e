#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/vm/fullboot/run.sh: vfio-boot in a full systemd boot.
# The stand-in q35 machine of tests/vm/qemu.sh (same devices; e1000e on QEMU user networking)
# boots this host's own root read-only over virtio-9p with an overlay on tmpfs, vfio-boot
# installed in a second read-only layer (`make install DESTDIR=`). See README.md.
#
# Usage: tests/vm/fullboot/run.sh      (as root)
# Environment: BUILD (default build; work files in $BUILD/vm/fullboot), VM_KVER,
#   FB_TIMEOUT (seconds before QEMU is killed, default 1200), FB_GUEST_WAIT (default 240),
#   FB_NET (networkd or nm; the USB cases run in the networkd boot only).
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../../.." && pwd)
SELF=$TOP/tests/vm/fullboot
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
# FB_NET: the network daemon the booted host runs, networkd or nm (NetworkManager); the
# bridge unit must write that one's config, and only it.
FB_NET=${FB_NET:-networkd}
case $FB_NET in
networkd) W=$BUILD/vm/fullboot ;;
nm) W=$BUILD/vm/fullboot-nm ;;
*) echo "fullboot: FB_NET=$FB_NET: expected networkd or nm" >&2; exit 1 ;;
esac
FB_TIMEOUT=${FB_TIMEOUT:-1200}
FB_GUEST_WAIT=${FB_GUEST_WAIT:-240}
KVER=${VM_KVER:-$(find /boot -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sed 's/^vmlinuz-//' | sort -V | tail -n 1)}
KERNEL=/boot/vmlinuz-$KVER
LOG=$W/serial.log
# What the VM hands back (a writable 9p share): vfio-boot's outputs and the sysfs capture.
OUT=$W/out
G=fbguest
UPLINK_MAC=52:54:00:fb:00:01
QMP=$W/qmp.sock
# The USB cases (fullboot-usb): in the networkd boot only, which is enough to show them once and
# keeps the NetworkManager boot as short as it was.
USB=0
[ "$FB_NET" = networkd ] && USB=1

# shellcheck source=../qemu.sh
. "$TOP/tests/vm/qemu.sh" # VM_DEVICES: the stand-in machine
say() { printf 'fullboot: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"
for p in libvirtd qemu-system-x86_64 mkinitramfs busybox python3 virt-host-validate; do
	command -v "$p" >/dev/null || die "$p is not installed (see README.md)"
done
mkdir -p "$W"

# ---- the vfio-boot layer: make install, the test's config and units ----
I=$W/inst
vm_install_layer "$TOP" "$I" "$W/install.log" || die "make install failed"
E=$I/etc
install -d -m 0755 "$E/vfio-boot" "$E/systemd/system/multi-user.target.wants" \
	"$E/systemd/system/sockets.target.wants" "$E/libvirt/qemu" "$I/var/lib/fullboot" \
	"$I/usr/local/sbin" "$E/systemd/network"
cat >"$E/vfio-boot/vfio-boot.conf" <<CONF
# tests/vm/fullboot: the guest's card, a bridge over the e1000e, one guest.
[device guest-gpu]
match = id=1234:1111 boot_vga=0

# The host's own card: the binder must refuse it (boot display), and vfio-boot status
# must say bochs-drm holds it.
[device boot-card]
match = id=1234:1111 boot_vga=1

[bridge br0]
uplink-mac = $UPLINK_MAC

[guest $G]
devices = guest-gpu
bridge = br0
autostart = yes
shutdown-timeout = 60

# The NVMe's VF: made by vfio-boot once nvme binds the PF after boot (the udev rule), so
# pending at boot; fbguest2 waits for it.
[device fb-vf]
match = path=0000:00:0a.0/00.0
vfs = 1
allow = storage

[guest fbguest2]
after = $G
devices = fb-vf
bridge = br0
autostart = yes
shutdown-timeout = 60
restart = on-failure

# Its disk is mounted by the host (fstab): refused, never started.
[guest fbdisk]
autostart = yes
restart = on-failure
CONF
if [ $USB = 1 ]; then
	cat >>"$E/vfio-boot/vfio-boot.conf" <<'CONF'

# USB devices by identity. The outer VM starts with two identical keyboards, told apart by
# serial, one for each guest; the host hot-plugs a third (VBPLUG) while fbguest runs, unplugs
# and replugs it.
[usb fb-kbd0]
id = 0627:0001
serial = VBKBD0

[usb fb-plug]
id = 0627:0001
serial = VBPLUG

[usb fb-kbd1]
id = 0627:0001
serial = VBKBD1

# Two identical tablets, and nothing here tells them apart: neither is attached.
[usb fb-ambig]
id = 056a:0000
CONF
	sed -i -e "/^\[guest $G\]\$/a usb = fb-kbd0 fb-plug" \
		-e '/^\[guest fbguest2\]$/a usb = fb-kbd1 fb-ambig' "$E/vfio-boot/vfio-boot.conf"
fi
chmod 0644 "$E/vfio-boot/vfio-boot.conf"
# The data disk (virtio, serial fbdata) is the host's: mounted at boot, so no guest may have it.
printf '/dev/disk/by-id/virtio-fbdata /mnt/fbdata ext4 defaults,nofail 0 0\n' >"$E/fstab"
install -d -m 0755 "$I/mnt/fbdata"
# None of this host's own services (whatever the machine runs: databases, docker, timers)
# but libvirt's: they would only slow the boot.
for l in /etc/systemd/system/*.wants/*; do
	u=${l##*/}
	case $u in
	libvirtd* | libvirt-guests.service | virtlogd* | virtlockd* | getty@* | serial-getty@*) ;;
	*) [ -e "$l" ] && ln -sf /dev/null "$E/systemd/system/$u" ;;
	esac
done
# The chosen network daemon enabled, the other masked (whatever this host enables).
rm -f "$E/systemd/system/systemd-networkd.service" "$E/systemd/system/systemd-networkd.socket" \
	"$E/systemd/system/NetworkManager.service"
if [ "$FB_NET" = nm ]; then
	command -v NetworkManager >/dev/null || die "FB_NET=nm: NetworkManager is not installed"
	ln -sf /lib/systemd/system/NetworkManager.service "$E/systemd/system/multi-user.target.wants/"
	ln -sf /dev/null "$E/systemd/system/systemd-networkd.service"
	ln -sf /dev/null "$E/systemd/system/systemd-networkd.socket"
else
	ln -sf /lib/systemd/system/systemd-networkd.service "$E/systemd/system/multi-user.target.wants/"
	ln -sf /lib/systemd/system/systemd-networkd.socket "$E/systemd/system/sockets.target.wants/"
	ln -sf /dev/null "$E/systemd/system/NetworkManager.service"
fi
for u in systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer man-db.timer; do
	ln -sf /dev/null "$E/systemd/system/$u"
done
# libvirt: run QEMU as root and leave file ownership alone (the files are on 9p/overlay).
cat >"$E/libvirt/qemu.conf" <<'CONF'
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
CONF
install -m 0755 "$SELF/fullboot-driver" "$SELF/fullboot-stopreport" "$SELF/fullboot-hostdevs" \
	"$SELF/fullboot-kubelet" "$TOP/tests/vm/capture-sysfs.sh" "$I/usr/local/sbin/"
[ $USB = 1 ] && install -m 0755 "$SELF/fullboot-usb" "$I/usr/local/sbin/"
cat >"$E/systemd/system/fullboot-driver.service" <<UNIT
[Unit]
Description=fullboot test driver: waits for the guest, reports, powers off
After=multi-user.target vfio-boot-guest@$G.service
[Service]
Type=oneshot
Environment=FB_GUEST_WAIT=$FB_GUEST_WAIT
ExecStart=/usr/local/sbin/fullboot-driver
UNIT
cat >"$E/systemd/system/fullboot-stopreport.service" <<UNIT
[Unit]
Description=fullboot test: reports how the guest stopped (stops after it)
Before=vfio-boot-guest@$G.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/true
ExecStop=/usr/local/sbin/fullboot-stopreport
UNIT
ln -sf ../fullboot-driver.service "$E/systemd/system/multi-user.target.wants/"
# A stand-in kubelet: an engine that takes the vfio-pci devices it sees when it starts. Only
# the default order (after basic.target): vfio-boot's late unit must put itself before it.
cat >"$E/systemd/system/kubelet.service" <<UNIT
[Unit]
Description=fullboot test: stands in for kubelet, says the late VF's driver at its start
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/fullboot-kubelet
UNIT
ln -sf ../kubelet.service "$E/systemd/system/multi-user.target.wants/"
# The guest runner's disk check on real block devices of Debian's kernel, which has the
# device-mapper, md, btrfs and XFS that a build machine's kernel may lack: the driver runs
# tests/blockdev/real.sh with the sanitized command, once, in the networkd boot. Both are copied
# into the layer: this tree may lie where the VM does not see the host (its own /tmp).
if [ "$FB_NET" = networkd ]; then
	RCLI=${TEST_CLI:-$BUILD/test/cli/vfio-boot}
	[ -x "$RCLI" ] || die "$RCLI is missing (make test builds it)"
	install -d -m 0755 "$I/var/lib/fullboot/realdisk"
	install -m 0755 "$TOP/tests/blockdev/real.sh" "$I/var/lib/fullboot/realdisk/real.sh"
	install -m 0755 "$RCLI" "$I/var/lib/fullboot/realdisk/vfio-boot"
fi
ln -sf ../fullboot-stopreport.service "$E/systemd/system/multi-user.target.wants/"

# ---- the inner guest: a tiny multiboot kernel (guest/README.md), seconds under nested TCG ----
"$SELF/guest/build.sh" "$I/var/lib/fullboot/fbguest.elf" || die "building the inner guest failed"
# domain NAME N DEVICES: the libvirt domain NAME running the inner guest, its serial console
# in /var/log/fullboot-NAME-serial.log, with DEVICES (XML) besides.
domain()
{
	cat >"$E/libvirt/qemu/$1.xml" <<XML
<domain type='qemu'>
  <name>$1</name>
  <uuid>6b1d7f0e-4c1a-4f7e-9a55-0f00b000000$2</uuid>
  <memory unit='MiB'>160</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>/var/lib/fullboot/fbguest.elf</kernel>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
$3
    <controller type='usb' model='qemu-xhci'/>
    <serial type='file'><source path='/var/log/fullboot-$1-serial.log'/></serial>
    <console type='file'><source path='/var/log/fullboot-$1-serial.log'/><target type='serial'/></console>
    <video><model type='none'/></video>
    <memballoon model='none'/>
  </devices>
</domain>
XML
}
# Its card as vfio-boot attached it on an earlier boot (the mark, guest slot 7), but at an address
# that now holds another device: 01:00.0, the host's own card with the same IDs, as after a new
# card renumbered the buses. The runner must put the claimed 02:00.0 there, keeping slot 7.
domain "$G" 1 "    <hostdev mode='subsystem' type='pci' managed='no'>
      <source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source>
      <alias name='ua-vfio-boot-pci-guest-gpu-0'/>
      <rom bar='off'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x0'/>
    </hostdev>
    <interface type='network'>
      <source network='br0'/>
      <model type='e1000'/>
    </interface>"
# The second guest: after the first (started once it runs, stopped before it stops).
domain fbguest2 2 "    <hostdev mode='subsystem' type='pci' managed='no'>
      <source><address domain='0x0000' bus='0x05' slot='0x00' function='0x1'/></source>
      <rom bar='off'/>
    </hostdev>
    <interface type='network'>
      <source network='br0'/>
      <model type='e1000'/>
    </interface>"
# A guest whose disk the host has mounted (the layer's fstab): the runner must refuse it.
domain fbdisk 3 "    <disk type='block' device='disk'>
      <driver name='qemu' type='raw'/>
      <source dev='/dev/disk/by-id/virtio-fbdata'/>
      <target dev='vda' bus='virtio'/>
    </disk>"

# ---- the host's initramfs: initramfs-tools with vfio-boot's hooks and boot=fullboot ----
CONF=$W/conf
rm -rf "$CONF"
mkdir -p "$CONF"
cp "$E/vfio-boot/vfio-boot.conf" "$CONF/"
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
install -m 0644 "$SELF/boot-script" "$CD/scripts/fullboot"
INITRD=$W/initrd.img
VFIO_BOOT_CONFDIR=$CONF VFIO_BOOT_BINDER=$TOP/binder/vfio-boot-binder \
	mkinitramfs -d "$CD" -o "$INITRD" "$KVER" >"$W/mkinitramfs.log" 2>&1 || {
	tail -n 30 "$W/mkinitramfs.log"
	die "mkinitramfs failed"
}

# ---- the boot ----
rm -rf "$OUT"
mkdir -p "$OUT"
rm -f "$W/data.img"
truncate -s 16M "$W/data.img"
mkfs.ext4 -q -F -L fbdata "$W/data.img" || die "mkfs.ext4 failed"
# The USB devices present from the start (fullboot-usb): two identical keyboards and two
# identical tablets, each with its serial; eight USB 2 ports, so that the hot-plugged keyboard
# has a free one (port 5).
USB_DEVICES=()
if [ $USB = 1 ]; then
	# shellcheck disable=SC2054 # commas belong to the -device arguments
	USB_DEVICES=(
		-global qemu-xhci.p2=8
		-device usb-kbd,bus=usb-bus.0,port=1,serial=VBKBD0
		-device usb-kbd,bus=usb-bus.0,port=2,serial=VBKBD1
		-device usb-wacom-tablet,bus=usb-bus.0,port=3,serial=VBTAB0
		-device usb-wacom-tablet,bus=usb-bus.0,port=4,serial=VBTAB1
	)
fi
# What the host does at each "FULLBOOT usb-step NAME" of fullboot-usb (QMP commands).
# shellcheck disable=SC2034 # vm_qmp_steps reads it by name
declare -A STEP_QMP=(
	[plug]='{"execute":"device_add","arguments":{"driver":"usb-kbd","id":"fbplug","bus":"usb-bus.0","port":"5","serial":"VBPLUG"}}'
	[unplug]='{"execute":"device_del","arguments":{"id":"fbplug"}}'
	[replug]='{"execute":"device_add","arguments":{"driver":"usb-kbd","id":"fbplug2","bus":"usb-bus.0","port":"5","serial":"VBPLUG"}}'
)
rm -f "$QMP" "$W/qmp.log"
say "booting (timeout ${FB_TIMEOUT}s), serial log $LOG"
start=$(date +%s)
start_ns=$(date +%s%N)
rc=0
timeout --signal=KILL "$FB_TIMEOUT" qemu-system-x86_64 \
	-machine q35 -accel tcg -m 2048 -smp 2 \
	-nographic -vga none -no-reboot \
	-kernel "$KERNEL" -initrd "$INITRD" \
	-append "console=ttyS0 boot=fullboot root=fbroot intel_iommu=on panic=1 printk.devkmsg=on systemd.journald.forward_to_console=1 systemd.unit=multi-user.target" \
	"${VM_DEVICES[@]}" \
	-netdev user,id=n0,restrict=on \
	-device e1000e,bus=pcie.0,addr=0x5,romfile=,netdev=n0,mac=$UPLINK_MAC \
	-fsdev local,id=fsroot,path=/,security_model=passthrough,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=fsroot,mount_tag=fbroot,bus=pcie.0,addr=0x6 \
	-fsdev local,id=fsinst,path="$I",security_model=passthrough,readonly=on \
	-device virtio-9p-pci,fsdev=fsinst,mount_tag=fbinst,bus=pcie.0,addr=0x7 \
	-fsdev local,id=fsout,path="$OUT",security_model=passthrough \
	-device virtio-9p-pci,fsdev=fsout,mount_tag=fbout,bus=pcie.0,addr=0x8 \
	-drive file="$W/data.img",if=none,id=fbdata,format=raw \
	-device virtio-blk-pci,drive=fbdata,serial=fbdata,bus=pcie.0,addr=0x9 \
	-device pcie-root-port,id=rp5,chassis=5,slot=5,bus=pcie.0,addr=0xa \
	-device nvme-subsys,id=fbs0 \
	-device nvme,serial=fbvf,subsys=fbs0,bus=rp5,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,max_ioqpairs=6,msix_qsize=8 \
	"${USB_DEVICES[@]}" \
	-qmp "unix:$QMP,server=on,wait=off" \
	</dev/null >"$LOG" 2>&1 &
qpid=$!
# The host side of the USB steps: each once, in order, while QEMU runs (the timeout bounds it).
vm_qmp_steps "$qpid" "$LOG" 's/.*FULLBOOT usb-step \([a-z]*\).*/\1/p' "$QMP" "$W/qmp.log" "$start_ns" STEP_QMP
wait "$qpid" || rc=$?
say "QEMU exited with status $rc after $(($(date +%s) - start)) s"
exec "$SELF/check.sh" "$LOG" "$rc" "$OUT" "$FB_NET"
