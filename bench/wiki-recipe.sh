#!/bin/sh
# The common wiki recipe for handing PCI devices to vfio-pci at boot (the
# Arch/Gentoo/Proxmox wikis' "vfio-pci-override.sh" and friends), as it is
# usually written: a loop over every PCI function, $(cat) per attribute,
# compared against a list of vendor:device IDs; for each hit driver_override,
# unbind the driver that has it, drivers_probe.
#
# Changed for the benchmark only where it must be: SYS points it at a fake
# tree instead of /sys, IDS are the tree's 8 claimed functions (mktree --ids).
# It is run as written, with /bin/sh, no set -eu, as the wikis have it.
SYS=${SYS:-/sys}
IDS=${IDS:-"10de:2204 10de:1aef"}

for dev in "$SYS"/bus/pci/devices/*; do
	vendor=$(cat "$dev/vendor")
	device=$(cat "$dev/device")
	for id in $IDS; do
		if [ "${vendor#0x}:${device#0x}" = "$id" ]; then
			addr=$(basename "$dev")
			echo "vfio-pci" > "$dev/driver_override"
			if [ -e "$dev/driver" ]; then
				echo "$addr" > "$dev/driver/unbind"
			fi
			echo "$addr" > "$SYS/bus/pci/drivers_probe"
		fi
	done
done
