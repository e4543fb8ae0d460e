#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/vm/capture-sysfs.sh OUT: copies what vfio-boot reads of a running system (/sys, /proc,
# /run/vfio-boot, /etc/vfio-boot) into the tree OUT, so that `vfio-boot --root OUT` sees that
# system as it was. Run in the VM boots (tests/vm/fullboot) and on a real host; the trees are
# the fixtures of tests/cli/replay.sh.
#
# sysfs is copied as the kernel lays it out: the bus's links keep their relative targets, so
# that /sys/bus/pci/devices/X, its driver and iommu_group links resolve inside OUT as they do
# in /sys. Only small text attributes, the config space and option ROMs are copied; never the
# BARs.
# modules.dep keeps only its vfio lines (the rest is half a megabyte nobody reads here).
# POSIX sh and coreutils (or busybox), so that it runs in a minimal root too.
set -eu
OUT=${1:?usage: capture-sysfs.sh OUT}
case $OUT in /*) ;; *) OUT=$(pwd)/$OUT ;; esac
mkdir -p "$OUT"

# link PATH: recreate the symlink PATH (absolute, under /) in OUT with its own target.
link()
{
	mkdir -p "$OUT${1%/*}"
	ln -sfn "$(readlink "$1")" "$OUT$1"
}

# file PATH...: copy the regular files that exist and can be read (sysfs attributes can fail
# to read: EIO, EINVAL), keeping their modes.
file()
{
	for f; do
		[ -f "$f" ] || continue
		mkdir -p "$OUT${f%/*}"
		cat "$f" >"$OUT$f" 2>/dev/null || {
			rm -f "$OUT$f"
			continue
		}
		chmod "$(stat -c %a "$f")" "$OUT$f"
	done
}

ATTRS="uevent vendor device class subsystem_vendor subsystem_device revision boot_vga
	boot_display reset_method resource driver_override config modalias irq numa_node enable
	power_state d3cold_allowed"

# the targets of the devices' driver and iommu_group links first
mkdir -p "$OUT/sys/bus/pci/drivers" "$OUT/sys/kernel/iommu_groups" "$OUT/sys/firmware/acpi/tables" \
	"$OUT/sys/module"
for d in /sys/bus/pci/drivers/* /sys/kernel/iommu_groups/*; do
	[ -d "$d" ] && mkdir -p "$OUT$d"
done
for l in /sys/bus/pci/devices/*; do
	[ -L "$l" ] || continue
	link "$l"
	real=$(readlink -f "$l")
	mkdir -p "$OUT$real"
	# one cp per device: under TCG every process counts
	set --
	for a in $ATTRS; do
		[ -f "$real/$a" ] && set -- "$@" "$real/$a"
	done
	[ $# = 0 ] || cp -p "$@" "$OUT$real/" 2>/dev/null || :
	# The option ROM as the kernel reads it: enabled for the read and disabled after, as
	# sysfs-pci.rst says; not of a device on vfio-pci, which a guest may be using.
	drv=$(readlink "$real/driver" 2>/dev/null || :)
	if [ -f "$real/rom" ] && [ "${drv##*/}" != vfio-pci ] && echo 1 >"$real/rom" 2>/dev/null; then
		cat "$real/rom" >"$OUT$real/rom" 2>/dev/null || rm -f "$OUT$real/rom"
		echo 0 >"$real/rom" || :
	fi
	for a in driver iommu_group; do
		[ -L "$real/$a" ] && link "$real/$a"
	done
	# the bridges between this function and the root complex exist as directories
	d=${real%/*}
	while [ "${d#/sys/devices/}" != "$d" ]; do
		mkdir -p "$OUT$d"
		d=${d%/*}
	done
done
for l in /sys/kernel/iommu_groups/*/devices/*; do
	[ -L "$l" ] && link "$l"
done
for l in /sys/class/iommu/*; do
	[ -L "$l" ] || continue
	link "$l"
	real=$(readlink -f "$l")
	mkdir -p "$OUT$real"
	file "$real/intel-iommu/cap" "$real/intel-iommu/ecap" "$real/intel-iommu/version" \
		"$real/amd-iommu/cap" "$real/amd-iommu/features"
done
for s in /sys/bus/pci/slots/*; do
	file "$s/address"
done
file /sys/firmware/acpi/tables/DMAR /sys/firmware/acpi/tables/IVRS
for m in /sys/module/*vfio*; do
	[ -d "$m" ] || continue
	mkdir -p "$OUT$m"
	for p in "$m"/parameters/*; do
		file "$p"
	done
done

file /proc/cmdline /proc/iomem /proc/cpuinfo /proc/interrupts /proc/swaps /proc/sys/kernel/osrelease
mkdir -p "$OUT/proc/self"
cat /proc/self/mountinfo >"$OUT/proc/self/mountinfo"

for k in /lib/modules/*; do
	[ -f "$k/modules.dep" ] || continue
	mkdir -p "$OUT$k"
	grep vfio "$k/modules.dep" >"$OUT$k/modules.dep" || :
	file "$k/modules.builtin"
done
for d in /run/vfio-boot /etc/vfio-boot; do
	if [ -d "$d" ]; then
		mkdir -p "$OUT${d%/*}"
		cp -pR "$d" "$OUT${d%/*}/"
	fi
done
for f in /etc/modprobe.d/*.conf; do
	file "$f"
done
# The host's name: vfio-boot export names the node by it (Proxmox maps) when --node is not given.
file /etc/hostname
