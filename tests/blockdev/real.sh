#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/blockdev/real.sh: the guest runner's disk check on real block devices of the running
# kernel. Loop devices made from sparse files in a temporary directory stand for disks; the
# host uses each in one way (a mount here or only in another mount namespace, a multi-device
# btrfs, an XFS log device, a loop stacked on it, a device-mapper map over its disk, swap,
# another running domain) and `vfio-boot guest start` (no --root: the real host, with
# libvirt's test driver standing in for libvirtd) must refuse a guest given it. An unused one
# must start, and an md member whose array is not assembled must start with a warning.
#
# Needs root. A case the machine cannot do (a module missing from this kernel, a missing
# tool) prints "SKIP: <case>: <why>" and counts neither as passed nor as failed. Exit status:
# 0 when nothing failed.
#
# Environment: TEST_CLI (default build/test/cli/vfio-boot); VERBOSE=1 shows every message;
# REQUIRE_REAL=1 (make test sets it, since CI runs as root) makes skipping the whole script
# (not root, no free loop device) or passing no case at all a failure, so that a run that tested
# nothing cannot pass.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
CLI=${TEST_CLI:-$TOP/build/test/cli/vfio-boot}
case $CLI in /*) ;; *) CLI=$TOP/$CLI ;; esac

# skip_all WHY: nothing can be tested here.
skip_all() {
	if [ "${REQUIRE_REAL:-0}" = 1 ]; then
		echo "FAIL: every case: $1, and REQUIRE_REAL=1 (make test REQUIRE_REAL=0 to skip)"
		exit 1
	fi
	echo "SKIP: every case: $1"
	exit 0
}
if ((EUID != 0)); then
	skip_all "needs root (loop devices, mounts)"
fi
[ -x "$CLI" ] || {
	echo "real: no $CLI (make test builds it)"
	exit 1
}
if ! losetup -f >/dev/null 2>&1; then
	skip_all "no free loop device (losetup -f: $(losetup -f 2>&1))"
fi

T=$(mktemp -d /tmp/vfio-boot-real.XXXXXX)
MOUNTS=()
SWAPS=()
DMS=()
NODES=()
NSPID=
cleanup() {
	local i
	[ -n "$NSPID" ] && kill "$NSPID" 2>/dev/null && wait "$NSPID" 2>/dev/null
	for ((i = ${#SWAPS[@]} - 1; i >= 0; i--)); do swapoff "${SWAPS[i]}" 2>/dev/null; done
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount "${MOUNTS[i]}" 2>/dev/null; done
	for i in "${NODES[@]}"; do rm -f "$i"; done
	for ((i = ${#DMS[@]} - 1; i >= 0; i--)); do dmsetup remove "${DMS[i]}" 2>/dev/null; done
	# Newest first: a loop stacked on another goes before the one below it. Partitions partx
	# added outlive the loop device's detach: the next user of it would find them.
	[ -f "$T/loops" ] && tac "$T/loops" | while read -r l; do
		partx -d "$l" >/dev/null 2>&1
		losetup -d "$l" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0 failed=0 skipped=0
# VERBOSE=1: what the runner said in each case, also when it passed.
pass() {
	echo "PASS: $1"
	[ -n "${VERBOSE:-}" ] && [ -f "$T/${1%% *}.err" ] && sed 's/^/    /' "$T/${1%% *}.err"
	passed=$((passed + 1))
}
fail() {
	echo "FAIL: $1"
	[ -n "${2:-}" ] && sed 's/^/    /' "$2"
	failed=$((failed + 1))
}
skip() {
	echo "SKIP: $1: $2"
	skipped=$((skipped + 1))
}

# Loop devices are listed in a file: they are made in command substitutions (subshells).
# loopdev FILE: a loop device over FILE (a sparse image or a block device), printed.
loopdev() {
	local dev
	dev=$(losetup -f --show "$1") || return 1
	echo "$dev" >>"$T/loops"
	echo "$dev"
}
# mkloop NAME MIB: a loop device over a new sparse file.
mkloop() {
	truncate -s "${2}M" "$T/$1.img" && loopdev "$T/$1.img"
}
# partdisk NAME MIB: a loop disk with one partition, printed; its partition is ${dev}p1.
# Kernels without the DOS partition parser do not scan it: partx then adds the partition.
partdisk() {
	local dev
	truncate -s "${2}M" "$T/$1.img" && echo ',,L' | sfdisk -q "$T/$1.img" >/dev/null &&
		dev=$(loopdev "$T/$1.img") || return 1
	[ -b "${dev}p1" ] || partx -a "$dev" 2>/dev/null
	for _ in $(seq 50); do
		[ -b "${dev}p1" ] && echo "$dev" && return 0
		sleep 0.1
	done
	return 1
}
domount() {
	mkdir -p "$2" && mount "${@:3}" "$1" "$2" && MOUNTS+=("$2")
}
# A file system built as a module is listed only once loaded: load it first (quietly; a kernel
# without it says so through /proc/filesystems).
has_fs() {
	modprobe -q "$1" 2>/dev/null
	grep -qw "$1" /proc/filesystems
}

# libvirt's test driver reads the domains from this file; those without a runstate run.
NODE=$T/node.xml
DOMAINS=
# guest NAME DEV [running]: a domain with DEV as its only disk.
domain() {
	local state='<test:runstate>5</test:runstate>'
	[ "${3:-}" = running ] && state=
	DOMAINS+="
  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>$1</name><memory>1048576</memory><vcpu>1</vcpu><os><type>hvm</type></os>
    <devices>
      <disk type='block' device='disk'><source dev='$2'/><target dev='vda' bus='virtio'/></disk>
    </devices>$state
  </domain>"
}
write_node() {
	printf '<?xml version="1.0"?>\n<node>%s\n</node>\n' "$DOMAINS" >"$NODE"
}

# start CASE GUEST: runs the runner; its stderr goes to $T/CASE.err, its status is returned.
start() {
	env -u VFIO_BOOT_ROOT -u NOTIFY_SOCKET "$CLI" guest start --uri "test://$NODE" -- "$2" \
		>"$T/$1.out" 2>"$T/$1.err"
}
# refused CASE GUEST TEXT...: exit 2, and every TEXT in what it said.
refused() {
	local c=$1 g=$2 st t
	shift 2
	start "$c" "$g"
	st=$?
	if [ "$st" -ne 2 ]; then
		fail "$c: exit $st, expected 2 (refused)" "$T/$c.err"
		return
	fi
	for t in "$@"; do
		grep -qF -- "$t" "$T/$c.err" || {
			fail "$c: no \"$t\" in the refusal" "$T/$c.err"
			return
		}
	done
	pass "$c"
}

# ---- the cases: set up every use first, then run the runner against each ----
# Each setup function prints nothing on success, or a reason to skip.
declare -A WHY=() DISK=()

# An unused disk: started, nothing said about the disk.
DISK[unused]=$(mkloop unused 16) || WHY[unused]="losetup failed"

# ext4 mounted here.
if has_fs ext4 && command -v mkfs.ext4 >/dev/null; then
	d=$(mkloop ext4 32) && mkfs.ext4 -q -F "$d" && domount "$d" "$T/mnt-ext4" &&
		DISK[ext4]=$d || WHY[ext4]="cannot make or mount an ext4"
else
	WHY[ext4]="no ext4 in this kernel or no mkfs.ext4"
fi

# ext4 mounted only in another mount namespace (a container's): this one does not see it.
if has_fs ext4 && command -v unshare >/dev/null; then
	if d=$(mkloop ns 32) && mkfs.ext4 -q -F "$d"; then
		mkdir -p "$T/mnt-ns"
		unshare -m --propagation private sh -c \
			"mount '$d' '$T/mnt-ns' && touch '$T/ns-ready' && exec sleep 600" \
			>/dev/null 2>"$T/ns.setup" &
		NSPID=$!
		for _ in $(seq 100); do
			[ -e "$T/ns-ready" ] || ! kill -0 "$NSPID" 2>/dev/null && break
			sleep 0.1
		done
		if [ -e "$T/ns-ready" ] && ! grep -q " $T/mnt-ns " /proc/self/mountinfo; then
			DISK[namespace]=$d
		else
			WHY[namespace]="unshare -m could not mount it: $(cat "$T/ns.setup")"
		fi
	else
		WHY[namespace]="cannot make an ext4"
	fi
else
	WHY[namespace]="no ext4 or no unshare"
fi

# btrfs over two devices, mounted through the first: the guest gets the second.
if ! has_fs btrfs; then
	WHY[btrfs]="no btrfs in this kernel"
elif ! command -v mkfs.btrfs >/dev/null; then
	WHY[btrfs]="no mkfs.btrfs (btrfs-progs; scripts/deps.sh installs it)"
else
	d1=$(mkloop btrfs1 256) && d2=$(mkloop btrfs2 256) &&
		mkfs.btrfs -q -f -d raid1 -m raid1 "$d1" "$d2" >"$T/btrfs.setup" 2>&1 &&
		domount "$d1" "$T/mnt-btrfs" -o "device=$d1,device=$d2" 2>>"$T/btrfs.setup" &&
		DISK[btrfs]=$d2 || WHY[btrfs]="cannot make or mount it: $(tail -n 2 "$T/btrfs.setup")"
fi

# XFS with an external log device: the guest gets the log.
if ! has_fs xfs; then
	WHY[xfslog]="no xfs in this kernel"
elif ! command -v mkfs.xfs >/dev/null; then
	WHY[xfslog]="no mkfs.xfs (xfsprogs; scripts/deps.sh installs it)"
else
	d1=$(mkloop xfsdata 320) && d2=$(mkloop xfslog 64) &&
		mkfs.xfs -q -f -l "logdev=$d2" "$d1" >"$T/xfs.setup" 2>&1 &&
		domount "$d1" "$T/mnt-xfs" -o "logdev=$d2" 2>>"$T/xfs.setup" &&
		DISK[xfslog]=$d2 || WHY[xfslog]="cannot make or mount it: $(tail -n 2 "$T/xfs.setup")"
fi

# A loop device stacked on the disk, its file system mounted: loop registers no holder.
if has_fs ext4; then
	lower=$(mkloop stacked 32) && upper=$(loopdev "$lower") && mkfs.ext4 -q -F "$upper" &&
		domount "$upper" "$T/mnt-stacked" && DISK[stacked]=$lower &&
		UPPER=$upper || WHY[stacked]="cannot stack or mount a loop device"
else
	WHY[stacked]="no ext4 in this kernel"
fi

# A partition of a disk that a device-mapper map holds (as multipath holds its paths).
if ! command -v sfdisk >/dev/null; then
	WHY[dm-parent]="no sfdisk (fdisk; scripts/deps.sh installs it)"
elif ! dmsetup version >/dev/null 2>&1; then
	WHY[dm-parent]="no device-mapper in this kernel (dmsetup version fails)"
else
	d=$(partdisk dmdisk 64) &&
		dmsetup create "vb-real-$$" --table "0 $(blockdev --getsz "$d") linear $d 0" &&
		DMS+=("vb-real-$$") && [ -b "${d}p1" ] && DISK[dm-parent]=${d}p1 ||
		WHY[dm-parent]="cannot partition the loop disk or map it"
fi

# A partition of a disk on which a loop device is stacked, its file system mounted.
if ! command -v sfdisk >/dev/null; then
	WHY[loop-parent]="no sfdisk (fdisk; scripts/deps.sh installs it)"
else
	d=$(partdisk lpdisk 64) && upper=$(loopdev "$d") && mkfs.ext4 -q -F "$upper" &&
		domount "$upper" "$T/mnt-lp" && DISK[loop-parent]=${d}p1 && LPUPPER=$upper ||
		WHY[loop-parent]="cannot partition the loop disk, stack or mount"
fi

# Swap.
if [ ! -e /proc/swaps ]; then
	WHY[swap]="no swap in this kernel"
else
	d=$(mkloop swap 32) && mkswap -q "$d" >/dev/null 2>&1 &&
		swapon "$d" 2>"$T/swap.setup" && SWAPS+=("$d") && DISK[swap]=$d ||
		WHY[swap]="swapon failed: $(cat "$T/swap.setup" 2>/dev/null)"
fi

# Another running libvirt domain's disk, here through a partition of it.
if command -v sfdisk >/dev/null; then
	d=$(partdisk domdisk 32) && DISK[domain]=$d && domain neighbour "${d}p1" running ||
		WHY[domain]="cannot partition the loop disk"
else
	d=$(mkloop domain 16) && DISK[domain]=$d && domain neighbour "$d" running
fi

# An md member whose array is not assembled: a v1.2 superblock written as mdadm would,
# since assembling one needs md in the kernel and only the signature matters here.
d=$(mkloop md 16) && python3 - "$d" <<'EOF' && DISK[md]=$d || WHY[md]="cannot write the md superblock"
import struct, sys
sb = bytearray(256)
struct.pack_into("<IIII", sb, 0, 0xa92b4efc, 1, 0, 0)       # magic, major, feature_map, pad
sb[16:32] = bytes(range(1, 17))                              # set_uuid
sb[32:64] = b"host:vbtest".ljust(32, b"\0")                  # set_name
struct.pack_into("<QIIQII", sb, 64, 1700000000, 1, 0, 32768 - 2048, 128, 2)
struct.pack_into("<I", sb, 88, 0)                            # new_level
struct.pack_into("<Q", sb, 128, 2048)                        # data_offset
struct.pack_into("<Q", sb, 136, 32768 - 2048)                # data_size
struct.pack_into("<Q", sb, 144, 8)                           # super_offset (1.2: 4 KiB)
struct.pack_into("<I", sb, 160, 0)                           # dev_number
sb[168:184] = bytes(range(17, 33))                           # device_uuid
struct.pack_into("<I", sb, 220, 0)                           # max_dev
s = sum(struct.unpack_from("<64I", sb)) & 0xffffffffffffffff
struct.pack_into("<I", sb, 216, ((s & 0xffffffff) + (s >> 32)) & 0xffffffff)
with open(sys.argv[1], "r+b") as f:
    f.seek(4096)
    f.write(sb)
EOF

# A partition whose /dev node is gone (covered: the whole disk's exclusive open answers for
# it) and one whose node is another device's (a stale or planted node: cannot tell).
for c in partnode-missing partnode-other; do
	if ! command -v sfdisk >/dev/null; then
		WHY[$c]="no sfdisk (fdisk; scripts/deps.sh installs it)"
	elif [ -z "${DISK[unused]:-}" ]; then
		WHY[$c]="${WHY[unused]}"
	elif d=$(partdisk "$c" 16) && rm -f "${d}p1" && NODES+=("${d}p1"); then
		[ $c = partnode-other ] && mknod "${d}p1" b $(stat -c '0x%t 0x%T' "${DISK[unused]}")
		DISK[$c]=$d
	else
		WHY[$c]="cannot partition the loop disk or replace its partition's node"
	fi
done

for c in unused ext4 namespace btrfs xfslog stacked dm-parent loop-parent swap domain md \
	partnode-missing partnode-other; do
	[ -n "${DISK[$c]:-}" ] && domain "g-$c" "${DISK[$c]}"
done
write_node
udevadm settle >/dev/null 2>&1 || true

# ---- run ----
if [ -n "${DISK[unused]:-}" ]; then
	start unused g-unused
	st=$?
	if [ "$st" -eq 0 ] && ! grep -qiE "host|busy|warn" "$T/unused.err"; then
		pass unused
	else
		fail "unused: exit $st, expected 0 and no word of a use" \
			"$T/unused.err"
	fi
else
	skip unused "${WHY[unused]}"
fi

run_case() { # CASE TEXT...: refused, or skipped with its reason
	local c=$1
	shift
	if [ -z "${DISK[$c]:-}" ]; then
		skip "$c" "${WHY[$c]:-not set up}"
		return
	fi
	refused "$c" "g-$c" "${DISK[$c]}" "$@"
}
run_case ext4 "is mounted on $T/mnt-ext4 (ext4) by the host"
run_case namespace "the kernel reports it busy"
run_case btrfs "is mounted on $T/mnt-btrfs (btrfs over several devices)"
run_case xfslog "is the external log of the XFS mounted on $T/mnt-xfs"
run_case stacked "backs loop device ${UPPER:-?}"
run_case dm-parent "is held by /dev/dm-"
run_case loop-parent "backs loop device ${LPUPPER:-?}"
run_case swap "is the host's swap"
run_case domain "running domain neighbour"

if [ -n "${DISK[md]:-}" ]; then
	start md g-md
	st=$?
	if [ "$st" -eq 0 ] && grep -qF "${DISK[md]}" "$T/md.err" &&
		grep -qF "linux_raid_member" "$T/md.err"; then
		pass "md (warned)"
	else
		fail "md: exit $st, expected 0 and a warning naming linux_raid_member" "$T/md.err"
	fi
else
	skip md "${WHY[md]}"
fi
if [ -n "${DISK[partnode-missing]:-}" ] && [ ! -e "${DISK[partnode-missing]}p1" ]; then
	c=partnode-missing
	start $c g-$c
	st=$?
	if [ "$st" -eq 0 ] &&
		grep -qF "whether partition ${DISK[$c]}p1 is busy" "$T/$c.err"; then
		pass "$c (warned)"
	else
		fail "$c: exit $st, expected 0 and a warning naming ${DISK[$c]}p1" "$T/$c.err"
	fi
else
	skip partnode-missing "${WHY[partnode-missing]:-udev made the node again}"
fi
run_case partnode-other "cannot ask the kernel whether ${DISK[partnode-other]:-?}p1 is in use" \
	"No such device" "have udev make it afresh"

# The kernel cannot be asked (here: the runner is not root, so the exclusive open fails with
# EACCES): only it sees a mount in another namespace or ZFS, so an unused disk is refused too.
if [ -z "${DISK[unused]:-}" ]; then
	skip unasked "${WHY[unused]}"
elif ! command -v setpriv >/dev/null || ! command -v unshare >/dev/null; then
	skip unasked "no setpriv or unshare (util-linux)"
else
	# nobody must reach the test driver's file, not the rest of $T; and the start lock, which
	# only root may take in /run/vfio-boot: a tmpfs of its own there, in a mount namespace of
	# its own (the kernel's answer is the same in every namespace).
	chmod 0711 "$T" && chmod 0644 "$NODE" && mkdir -p /run/vfio-boot
	c=unasked
	unshare -m --propagation private sh -c \
		'mount -t tmpfs -o mode=0777 vb-real /run/vfio-boot && exec "$@"' sh \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		env -u VFIO_BOOT_ROOT -u NOTIFY_SOCKET "$CLI" guest start --uri "test://$NODE" \
		-- g-unused >"$T/$c.out" 2>"$T/$c.err"
	st=$?
	if [ "$st" -eq 2 ] && grep -qF "cannot ask the kernel whether ${DISK[unused]}" \
		"$T/$c.err" && grep -qF "Permission denied" "$T/$c.err" &&
		grep -qF "as root" "$T/$c.err"; then
		pass "$c"
	else
		fail "$c: exit $st, expected 2 (refused: the kernel could not be asked, as root)" \
			"$T/$c.err"
	fi
fi

skip zfs "ZFS is not installable here; the kernel's exclusive-open answer is what covers an imported pool's member"

if [ "$passed" -eq 0 ] && [ "${REQUIRE_REAL:-0}" = 1 ]; then
	echo "FAIL: no case passed, and REQUIRE_REAL=1"
	failed=$((failed + 1))
fi
echo "real: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
