#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/demo.sh (make demo): the common recipe against vfio-boot, in two real boots of
# Debian's kernel under QEMU (TCG: no KVM needed), on a machine with two identical GPUs.
#
# As root, on a Debian or Ubuntu machine: installs what it needs, builds the binder, builds two
# initramfs images with initramfs-tools and boots the stand-in machine (tests/vm/qemu.sh) with
# each:
#   1. the common recipe: vfio-pci and "softdep bochs pre: vfio-pci" (likewise for
#      snd_hda_intel) in the initramfs, and vfio-pci.ids=1234:1111,8086:293e on the kernel
#      command line;
#   2. vfio-boot with tests/vm/configs/gpu/vfio-boot.conf, which claims the card that is not
#      the boot display, and its audio function.
# Then it prints each PCI device and the driver it ended on in either boot, side by side.
# Work files go to $BUILD/vm (default build/vm), shared with tests/vm/run.sh.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac

say() { printf '\n== demo: %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
	die "must run as root (it installs packages, and the initramfs images must be root's): sudo make demo"
fi

# ---- packages ----
say "checking the packages it needs"
if [ -x scripts/deps.sh ]; then
	scripts/deps.sh || die "scripts/deps.sh could not install the build dependencies"
fi
pkgs=(qemu-system-x86 initramfs-tools-core busybox-static e2fsprogs cpio zstd kmod file)
kernel_pkg=linux-image-amd64
. /etc/os-release 2>/dev/null || true
[ "${ID:-}" = ubuntu ] && kernel_pkg=linux-image-generic
have_kernel=
for k in /boot/vmlinuz-*; do
	[ -d "/lib/modules/${k#/boot/vmlinuz-}" ] && have_kernel=1
done
[ -n "$have_kernel" ] || pkgs+=("$kernel_pkg")
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep '^ii' >/dev/null || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "demo: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || die "apt-get update failed"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
		die "apt-get could not install ${missing[*]}"
else
	echo "demo: all there"
fi

# ---- build ----
say "building the binder (make)"
make --no-print-directory || die "make failed"
BINDER=$top/binder/vfio-boot-binder
VM_TOP=$top
VM_DIR=$BUILD/vm
KVER=${VM_KVER:-$(for k in /boot/vmlinuz-*; do [ -d "/lib/modules/${k#/boot/vmlinuz-}" ] && echo "${k#/boot/vmlinuz-}"; done | sort -V | tail -n 1)}
KERNEL=/boot/vmlinuz-$KVER
[ -r "$KERNEL" ] || die "no kernel to boot: /boot/vmlinuz-$KVER"
. "$top/tests/vm/qemu.sh"
. "$top/tests/vm/images.sh"
mkdir -p "$VM_DIR/demo"

say "making the test root file system (ext4 image with a static busybox)"
root=$(img_root) || die "could not make the root file system"

say "building initramfs 1 with initramfs-tools: the common recipe (vfio-pci + softdeps)"
echo "demo: in the image, /etc/modprobe.d/vfio-recipe.conf:"
sed -n '/^softdep/p' tests/vm/recipe/vfio-recipe | sed 's/^/    /'
unconf=$(stage_config unconfigured "")
img_recipe=$(img_build itools "$unconf" full recipe) || die "building the recipe's image failed"
echo "demo: $img_recipe ($(cat "$img_recipe.time") s)"

say "building initramfs 2 with initramfs-tools: vfio-boot and this config"
sed 's/^/    /' tests/vm/configs/gpu/vfio-boot.conf
conf=$(stage_config gpu tests/vm/configs/gpu)
img_vb=$(img_build itools "$conf" full) || die "building vfio-boot's image failed"
echo "demo: $img_vb ($(cat "$img_vb.time") s)"

ids=1234:1111,8086:293e
say "boot 1: the recipe, with vfio-pci.ids=$ids on the kernel command line (QEMU without KVM: about 20 s)"
log1=$VM_DIR/demo/recipe.log
vm_boot "$KERNEL" "$img_recipe" "$root" "$log1.raw" 300 "vfio-pci.ids=$ids" ||
	die "boot 1 did not finish (serial log: $log1.raw)"
tr -d '\r' <"$log1.raw" >"$log1"
echo "demo: done in $VM_BOOT_WALL s (serial log: $log1)"

say "boot 2: vfio-boot (about 20 s)"
log2=$VM_DIR/demo/vfio-boot.log
vm_boot "$KERNEL" "$img_vb" "$root" "$log2.raw" 300 || die "boot 2 did not finish (serial log: $log2.raw)"
tr -d '\r' <"$log2.raw" >"$log2"
echo "demo: done in $VM_BOOT_WALL s (serial log: $log2)"
echo "demo: what the binder wrote to the kernel log:"
sed -n 's/^VMTEST kmsg \(\[[ 0-9.]*\] vfio-boot: .*\)/    \1/p' "$log2"

grep -q '^VMTEST end' "$log1" || die "boot 1 did not reach the root's init (see $log1)"
grep -q '^VMTEST end' "$log2" || die "boot 2 did not reach the root's init (see $log2)"

# ---- the table ----
what()
{
	case $1 in
	0x0300*) echo "VGA" ;;
	0x0403*) echo "HD audio" ;;
	0x0200*) echo "Ethernet" ;;
	0x0c03*) echo "USB" ;;
	0x0604*) echo "PCI bridge" ;;
	0x0600*) echo "host bridge" ;;
	0x0601*) echo "ISA bridge" ;;
	0x0106*) echo "SATA" ;;
	0x0c05*) echo "SMBus" ;;
	0x0100*) echo "storage (the root disk)" ;;
	*) echo "$1" ;;
	esac
}

say "where each device ended"
printf '%-13s %-10s %-27s %-20s %-20s\n' device id what "recipe" "vfio-boot"
printf '%-13s %-10s %-27s %-20s %-20s\n' ------ -- ---- ------ ---------
vfio_recipe=0 vfio_vb=0 lost=
while read -r _ _ addr rest; do
	id=$(sed -n 's/.*id=\([^ ]*\).*/\1/p' <<<"$rest")
	class=$(sed -n 's/.*class=\([^ ]*\).*/\1/p' <<<"$rest")
	bv=$(sed -n 's/.*boot_vga=\([^ ]*\).*/\1/p' <<<"$rest")
	d1=$(vm_drivers "$log1" | awk -v a="$addr" '$1 == a { print $2 }')
	d2=$(vm_drivers "$log2" | awk -v a="$addr" '$1 == a { print $2 }')
	w=$(what "$class")
	[ "$bv" = 1 ] && w="$w, boot display"
	mark1=$d1 mark2=$d2
	[ "$d1" = vfio-pci ] && vfio_recipe=$((vfio_recipe + 1)) && mark1="$d1 <<"
	[ "$d2" = vfio-pci ] && vfio_vb=$((vfio_vb + 1)) && mark2="$d2 <<"
	[ "$bv" = 1 ] && [ "$d1" = vfio-pci ] && lost=$addr
	printf '%-13s %-10s %-27s %-20s %-20s\n' "${addr#0000:}" "$id" "$w" "$mark1" "$mark2"
done < <(grep '^VMTEST dev ' "$log2" | sed 's/^VMTEST dev /x x /')

echo
echo "recipe:    $vfio_recipe functions on vfio-pci.${lost:+ Among them ${lost#0000:}, the boot display: the host lost its console.}"
echo "           vfio-pci.ids= matches by ID only, and both cards have the same IDs."
echo "vfio-boot: $vfio_vb functions on vfio-pci: the guest's card (boot_vga=0) and its audio"
echo "           function; the boot display and its audio stay with bochs-drm and snd_hda_intel."
echo "           The binder ran before udev's coldplug, so no host driver touched the guest's card."
