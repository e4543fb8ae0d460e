# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests/vm/run.sh, scripts/demo.sh, tests/vm/late/run.sh and tests/vm/fullboot/run.sh: the stand-in
# machine and one boot of it.
#
# The machine (QEMU q35, TCG, an emulated Intel IOMMU, so the guest kernel makes real IOMMU
# groups):
#   00:02.0 pcie-root-port  -> 01:00.0 std VGA (bochs-drm, the boot display, boot_vga=1)
#                              01:00.1 ich9-intel-hda (snd_hda_intel)
#   00:02.1 pcie-root-port  -> 02:00.0 std VGA (bochs-drm, boot_vga=0): the guest's card
#                              02:00.1 ich9-intel-hda (snd_hda_intel)
#   00:02.2 pcie-root-port  -> 03:00.0 pcie-pci-bridge -> 04:01.0 e1000, 04:02.0 e1000
#                              (a PCI bus cannot isolate its devices: the bridge and both
#                              e1000 share one IOMMU group)
#   00:04.0 qemu-xhci (xhci_hcd)   00:05.0 e1000e   00:06.0 virtio-blk: the test root
# Each GPU and its audio function form one IOMMU group; the two cards have the same IDs
# (1234:1111, 8086:293e), as two identical GPUs would.

# The stand-in machine's devices up to the xhci controller; each boot adds its e1000e (with or
# without a network) and its root's disk or shares from 00:05.0 on.
# shellcheck disable=SC2054 # commas belong to the -device arguments
VM_DEVICES=(
	-device intel-iommu
	-device pcie-root-port,id=rp1,chassis=1,slot=1,bus=pcie.0,addr=0x2.0x0,multifunction=on
	-device pcie-root-port,id=rp2,chassis=2,slot=2,bus=pcie.0,addr=0x2.0x1
	-device pcie-root-port,id=rp3,chassis=3,slot=3,bus=pcie.0,addr=0x2.0x2
	-device VGA,bus=rp1,addr=0x0.0x0,multifunction=on
	-device ich9-intel-hda,bus=rp1,addr=0x0.0x1
	-device VGA,bus=rp2,addr=0x0.0x0,multifunction=on
	-device ich9-intel-hda,bus=rp2,addr=0x0.0x1
	-device pcie-pci-bridge,id=pb1,bus=rp3,addr=0x0
	-device e1000,bus=pb1,addr=0x1,romfile=
	-device e1000,bus=pb1,addr=0x2,romfile=
	-device qemu-xhci,bus=pcie.0,addr=0x4
)

# vm_boot KERNEL INITRD ROOTIMG LOG TIMEOUT [EXTRA_CMDLINE...]
# Boots once, the serial console going to LOG, and kills QEMU after TIMEOUT seconds.
# Returns QEMU's status: 0 when the guest powered off, 137 when it was killed.
# Sets VM_BOOT_WALL to the wall-clock seconds the boot took.
# shellcheck disable=SC2034 # VM_BOOT_WALL is for the caller
vm_boot()
{
	local kernel=$1 initrd=$2 root=$3 log=$4 timeout=$5
	shift 5
	# no_timer_check: the kernel's early check that the timer interrupt arrives through the
	# (interrupt-remapped) IO-APIC gives up after a few loops, which a TCG guest on a busy host
	# does not always manage: "Kernel panic - not syncing: timer doesn't work through
	# Interrupt-remapped IO-APIC" at 0.036 s (seen once in 30 boots, at load average 4 on 2
	# cores). The option skips that check, as cloud images do for virtual machines.
	local cmdline="console=ttyS0 root=/dev/vda rw rootfstype=ext4 intel_iommu=on no_timer_check panic=1 rd.shell=0 rd.emergency=reboot $*"
	local start end rc=0

	start=$(date +%s%N)
	timeout --signal=KILL "$timeout" qemu-system-x86_64 \
		-machine q35 -accel tcg -m 1024 -smp 1 \
		-nographic -vga none -no-reboot -nic none \
		-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
		"${VM_DEVICES[@]}" \
		-device e1000e,bus=pcie.0,addr=0x5,romfile= \
		-drive file="$root",if=none,id=root,format=raw,snapshot=on \
		-device virtio-blk-pci,drive=root,bus=pcie.0,addr=0x6 \
		</dev/null >"$log" 2>&1 || rc=$?
	end=$(date +%s%N)
	VM_BOOT_WALL=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	return "$rc"
}

# vm_install_layer TOP DIR LOG: `make install DESTDIR=DIR` (its output in LOG), as a layer over
# this host's root (the late boot and the full boot mount it over the host's own root). The
# host is usr-merged: a /lib (/bin, /sbin) directory in the upper layer would hide the lower
# layer's symlink, so what went there moves under /usr. Returns make's status.
vm_install_layer()
{
	local top=$1 dir=$2 log=$3 d
	rm -rf "$dir"
	mkdir -p "$dir"
	if ! make -C "$top" install DESTDIR="$dir" >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		return 1
	fi
	for d in lib bin sbin; do
		if [ -L "/$d" ] && [ -d "$dir/$d" ]; then
			mkdir -p "$dir/usr/$d"
			cp -a "$dir/$d/." "$dir/usr/$d/"
			rm -rf "${dir:?}/$d"
		fi
	done
}

# vm_qmp_steps PID LOG SED QMP QMPLOG START STEPS: the host's side of a boot's steps. While PID
# runs, each step NAME that the serial LOG names (SED: a sed -n script printing NAME), once and in
# order, has its commands in the associative array named STEPS (QMP commands, one JSON object a
# word) sent to the monitor at QMP by tests/vm/late/qmp.py, the answers appended to QMPLOG. Says
# (the caller's say) what each did, in seconds since START (date +%s%N). Returns when PID is gone.
vm_qmp_steps()
{
	local pid=$1 log=$2 script=$3 qmp=$4 qmplog=$5 start=$6 s done_steps=" "
	local -n vm_steps=$7
	local qmppy
	qmppy=$(dirname "${BASH_SOURCE[0]}")/late/qmp.py
	while kill -0 "$pid" 2>/dev/null; do
		for s in $(tr -d '\r' 2>/dev/null <"$log" | sed -n "$script"); do
			case $done_steps in *" $s "*) continue ;; esac
			done_steps="$done_steps$s "
			[ -n "${vm_steps[$s]:-}" ] || continue
			# shellcheck disable=SC2086 # one JSON command per word
			if "$qmppy" "$qmp" ${vm_steps[$s]} >>"$qmplog" 2>&1; then
				say "step $s: done at $(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') s"
			else
				say "step $s: QMP failed: $(tail -n 1 "$qmplog")"
			fi
		done
		sleep 0.5
	done
}

# vm_drivers LOG: "ADDR DRIVER" for each PCI function the root init reported.
vm_drivers()
{
	sed -n 's/^VMTEST dev \([^ ]*\) .* driver=\([^ ]*\) .*/\1 \2/p' "$1" | tr -d '\r'
}
