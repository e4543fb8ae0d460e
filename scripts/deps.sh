#!/usr/bin/env bash
# Install every Debian package needed to build vfio-boot and run `make check`.
# Idempotent: when everything is already installed it only asks dpkg and exits
# (no apt-get update), so CI and the Makefile can call it on every run.
# Later parts: add packages to the PKGS list below, each with a reason.
set -euo pipefail

PKGS=(
	# Compiler, make, libc headers and static libc (the binder links -static).
	build-essential
	# pkg-config: kmod's configure finds liblzma/libzstd/zlib through it.
	pkg-config
	# file: the build checks the binder really is "statically linked".
	file
	# kmod's Debian source is regenerated the way its autogen.sh does
	# (gtkdocize + autoreconf) before configure; see scripts/build-libkmod.sh.
	autoconf automake libtool gtk-doc-tools
	# dpkg-dev: `apt-get source kmod` unpacks with dpkg-source.
	dpkg-dev
	# Compression libraries libkmod is built against; their .a files are
	# what the static binder links (-llzma -lzstd -lz).
	libzstd-dev liblzma-dev zlib1g-dev
	# Unit tests.
	libcmocka-dev
	# Fuzzing: clang, its libFuzzer/ASan runtime, and llvm-symbolizer for
	# readable sanitizer stack traces.
	clang libclang-rt-14-dev llvm
	# depmod: tests build module-tree fixtures (scripts/mkmodtree.sh).
	kmod
	# The bench counts syscalls with strace -c.
	strace
	# Real vfio modules for the module fixture; a later part boots this
	# kernel under QEMU.
	linux-image-amd64
	# `make format-check`.
	clang-format
	# The bench's timing runs.
	hyperfine
	# The vfio-boot command (cli/): libvirt's C API, libxml2 for domain XML
	# (the generator reads it too), libblkid for disk identity.
	libvirt-dev libxml2-dev libblkid-dev
	# vfio-boot list/status/check: pci.ids names (libpci), guest unit state
	# over sd-bus (libsystemd), initramfs images read in-process (lz4 beside
	# the gzip, xz and zstd libraries above); python3 checks the JSON.
	libpci-dev pci.ids libsystemd-dev liblz4-dev python3
	# vfio-boot status --prometheus: the tests parse it with the reference client's parser.
	python3-prometheus-client
	# vfio-boot export kubevirt: tests/export/kubevirt.py reads the YAML with PyYAML, a real
	# parser, before checking it by KubeVirt's rules.
	python3-yaml
	# The generator's tests: systemd-analyze verify, systemd-escape.
	systemd
	# Real-kernel boots (tests/vm/): QEMU, both initramfs generators side by
	# side (the -core packages do not take over the host's own initramfs),
	# a static busybox for the test root, mkfs.ext4 -d, and tools to unpack
	# and inspect the images.
	qemu-system-x86 dracut-core initramfs-tools-core busybox-static e2fsprogs
	cpio zstd util-linux
	# The full-boot test (tests/vm/fullboot) boots this machine's own root, so
	# what the VM runs is installed here: libvirtd with its QEMU driver and
	# virsh. (Without recommends there is no dnsmasq: libvirt's own "default"
	# network then fails to start in the VM, which the test does not use.)
	libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients
	# make vm-builtin (run by make check): a kernel with vfio-pci, vfio_iommu_type1, xHCI and
	# bochs-drm built in, built from Debian's own kernel source with the kernel's build tools.
	linux-source-6.1 bison flex libelf-dev bc
	# ... and boots it with systemd as init, udev (the bridge's device unit)
	# and the system bus (libvirtd; vfio-boot status asks systemd over it),
	# once with systemd-networkd and once with NetworkManager (the bridge
	# unit writes the config of whichever runs). Installed without starting
	# anything (see policy-rc.d below).
	systemd-sysv udev dbus network-manager
	# tests/blockdev/real.sh: the disk check on real loop devices: a btrfs over
	# two devices (btrfs-progs), an XFS with an external log (xfsprogs), a disk
	# with a partition table (sfdisk, in fdisk).
	btrfs-progs xfsprogs fdisk
	# The Debian package (make deb, tests/deb): debhelper for debian/rules (dh, compat 13;
	# it brings dpkg-dev's dpkg-buildpackage), lintian to check the package, mmdebstrap to
	# make the fresh bookworm root the test installs it into, git for the clean copy of the
	# tree the package is built from. No fakeroot: debian/control says Rules-Requires-Root: no.
	debhelper lintian mmdebstrap git
)

# One dpkg-query for all packages keeps the all-present case fast.
# "ii " = installed and configured; anything else (unknown, half-installed,
# removed with config left) needs apt. Unknown names print nothing here.
declare -A ok=()
while read -r status pkg; do
	if [[ "$status" == ii ]]; then ok["$pkg"]=1; fi
done < <(dpkg-query -W -f='${db:Status-Abbrev}${Package}\n' "${PKGS[@]}" 2>/dev/null || true)

missing=()
for p in "${PKGS[@]}"; do
	[[ -n "${ok[$p]:-}" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	exit 0
fi

if ((EUID != 0)); then
	echo "deps.sh: missing packages: ${missing[*]}" >&2
	echo "deps.sh: run as root, or:" >&2
	echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi

echo "deps.sh: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Install, never start: libvirtd and NetworkManager are for the VMs the tests boot, and
# NetworkManager started on a build machine could take over its network. A policy-rc.d that
# denies (101) is Debian's way to keep maintainer scripts from starting services.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 0755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
# Update first: a stale or empty package list makes install fail with 404s.
apt-get update -qq
# No recommends: nothing here needs them (linux-image-amd64's are firmware
# and apparmor, which a module fixture and a QEMU guest do not need).
apt-get install -y -qq --no-install-recommends "${missing[@]}"
