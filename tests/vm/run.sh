#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/vm/run.sh: vfio-boot in real boots. For each scenario, builds initramfs images with
# the real generators (initramfs-tools' mkinitramfs, dracut in its systemd and shell
# flavours) and vfio-boot's hooks, boots Debian's kernel on the stand-in machine under QEMU
# (see qemu.sh) with the test root (root-init), and checks the serial log: which driver each
# device ended on, what the kernel log says, what the binder recorded under /run/vfio-boot.
#
# Usage: tests/vm/run.sh [-l|--list] [-r|--repeat N] [SCENARIO[/GEN]...]
#   With no arguments, every scenario with each of its generators. GEN: itools,
#   dracut-systemd, dracut-shell. Prints one PASS/FAIL line per boot, then
#   "vm: N passed, N failed"; exits 1 when something failed. --repeat boots each N times
#   (for timing; tests/vm/timing.sh). The times of every boot go to $BUILD/vm/times.txt.
# Environment:
#   BUILD       build directory (default build); work files go to $BUILD/vm
#   VM_KVER     kernel version to boot (default: the newest with /boot/vmlinuz-VERSION)
#   VM_TIMEOUT  seconds before a boot is declared hung and QEMU killed (default 300)
#   VM_BINDER   the binder to put into the images (default binder/vfio-boot-binder)
# Must run as root (the generators write root-owned images, and the config's owner matters).
set -uo pipefail

VM_TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$VM_TOP/$BUILD ;; esac
VM_DIR=$BUILD/vm
VM_TIMEOUT=${VM_TIMEOUT:-300}
BINDER=${VM_BINDER:-$VM_TOP/binder/vfio-boot-binder}
case $BINDER in /*) ;; *) BINDER=$VM_TOP/$BINDER ;; esac

. "$VM_TOP/tests/vm/qemu.sh"
. "$VM_TOP/tests/vm/images.sh"

# ---- scenarios ----
# NAME|CONFIG|MODE|TREE|CMDLINE|GENERATORS[|VARIANT]
#   CONFIG: a directory under tests/vm/configs ("-": vfio-boot installed but not configured)
#   MODE:   "MODE FILE" to change one config file's mode ("-": none)
#   TREE:   full (the kernel's module tree) or novfio (the same without the vfio modules)
#   VARIANT: recipe: the image also holds the common recipe (tests/vm/recipe/vfio-recipe);
#            early: the stand-in for built-in drivers (tests/vm/early), which loads the
#            modules that vmtest.early= names before the binder runs;
#            installed: built after `make install` by a plain generator command
#            (tests/vm/build-installed.sh)
# The check_NAME function below says what each one must show.
SCENARIOS=(
	"gpus|gpu|-|full|-|itools dracut-systemd dracut-shell"
	"group-claim|nic-group|-|full|-|itools dracut-systemd"
	"absent|absent|-|full|-|itools dracut-systemd"
	"ambiguous|ambiguous|-|full|-|itools dracut-systemd"
	"off|gpu|-|full|vfio_boot=off|itools dracut-systemd"
	"garbage|garbage|-|full|-|itools dracut-systemd dracut-shell"
	"permissions|gpu|0664 vfio-boot.conf|full|-|itools dracut-systemd"
	"no-vfio-modules|gpu|-|novfio|-|itools dracut-systemd"
	"unconfigured|-|-|full|-|itools dracut-systemd dracut-shell"
	"installed|gpu|-|full|-|itools dracut-systemd|installed"
	"recipe|-|-|full|vfio-pci.ids=1234:1111,8086:293e|itools|recipe"
	"early-vfio|gpu|-|full|vmtest.early=vfio_iommu_type1,vfio_pci|itools dracut-systemd|early"
	"prebound|gpu|-|full|vmtest.early=bochs,snd_hda_intel|itools dracut-systemd|early"
	"early-prebound|gpu|-|full|vmtest.early=vfio_iommu_type1,vfio_pci,bochs,snd_hda_intel|itools dracut-systemd dracut-shell|early"
)

HOST_DRIVERS='bochs-drm|snd_hda_intel|e1000e?|xhci_hcd'

# ---- assertions; each failure is added to $FAILS ----
FAILS=()
fail() { FAILS+=("$*"); }

# The clean serial log: console lines without carriage returns.
LOG=
kmsg() { sed -n 's/^VMTEST kmsg //p' "$LOG"; }

driver_of() { vm_drivers "$LOG" | awk -v a="$1" '$1 == a { print $2 }'; }

expect_driver()
{
	local got
	got=$(driver_of "$1")
	[ "$got" = "$2" ] || fail "$1 is on ${got:-?}, expected $2"
}

expect_kmsg()
{
	# Not grep -q: with pipefail, a grep that stops early fails the pipeline.
	kmsg | grep -E -- "$1" >/dev/null || fail "kernel log lacks /$1/"
}

expect_no_kmsg()
{
	local l
	l=$(kmsg | grep -E -- "$1" | head -n 1)
	[ -z "$l" ] || fail "kernel log has /$1/: $l"
}

# expect_run FILE KEY=VALUE: a line of the binder's record /run/vfio-boot/FILE.
expect_run()
{
	grep -qxF "VMTEST run $1: $2" "$LOG" || fail "/run/vfio-boot/$1 lacks $2"
}

# Seconds since kernel start of the first kernel-log line matching $1 (empty if none).
kmsg_time()
{
	kmsg | grep -E -- "$1" | head -n 1 | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p'
}

# The binder finished before any host driver bound a PCI device.
expect_binder_first()
{
	local t_done first
	t_done=$(kmsg_time 'vfio-boot: done in')
	first=$(kmsg_time "^\[ *[0-9.]+\] ($HOST_DRIVERS) [0-9a-f]{4}:")
	if [ -z "$t_done" ]; then
		fail "the binder did not finish"
	elif [ -n "$first" ] && awk -v d="$t_done" -v f="$first" 'BEGIN { exit !(d > f) }'; then
		fail "a host driver bound a device at $first s, before the binder finished at $t_done s"
	fi
}

# Nothing claimed: every device where it is without vfio-boot.
expect_host_drivers()
{
	expect_driver 0000:01:00.0 bochs-drm
	expect_driver 0000:01:00.1 snd_hda_intel
	expect_driver 0000:02:00.0 bochs-drm
	expect_driver 0000:02:00.1 snd_hda_intel
	expect_driver 0000:04:01.0 e1000
	expect_driver 0000:04:02.0 e1000
	expect_driver 0000:00:05.0 e1000e
	expect_driver 0000:00:04.0 xhci_hcd
	[ -z "$(vm_drivers "$LOG" | awk '$2 == "vfio-pci"')" ] || fail "a device is on vfio-pci"
}

expect_guest_gpu_claimed()
{
	expect_driver 0000:02:00.0 vfio-pci
	expect_driver 0000:02:00.1 vfio-pci
	expect_no_kmsg 'bochs-drm 0000:02:00\.0|for 0000:02:00\.0 on minor'
	expect_no_kmsg 'snd_hda_intel 0000:02:00\.1'
	expect_driver 0000:01:00.0 bochs-drm
	expect_driver 0000:01:00.1 snd_hda_intel
	expect_kmsg 'vfio-boot: \[device guest-gpu\] claimed 0000:02:00\.0 \[1234:1111\] \(matched\), was none'
	expect_kmsg 'vfio-boot: \[device guest-gpu\] claimed 0000:02:00\.1 \[8086:293e\] \(function of 0000:02:00\.0\), was none'
	expect_run devices/0000:02:00.0 outcome=claimed
	expect_run devices/0000:02:00.1 outcome=claimed
	expect_binder_first
}

check_gpus()
{
	expect_guest_gpu_claimed
	expect_run status claimed=2
	expect_run sections/guest-gpu status=claimed
}

check_installed() { check_gpus; }

check_group-claim()
{
	expect_driver 0000:04:01.0 vfio-pci
	expect_driver 0000:04:02.0 vfio-pci
	expect_driver 0000:03:00.0 none
	grep -q '^VMTEST dev 0000:03:00.0 .* override=(null)' "$LOG" ||
		fail "the bridge 0000:03:00.0 got a driver_override"
	expect_driver 0000:00:02.2 pcieport
	expect_no_kmsg 'e1000 0000:04:0'
	expect_kmsg 'vfio-boot: \[device nic-pair\] claimed 0000:04:01\.0 \[8086:100e\] \(matched\), was none'
	expect_kmsg 'vfio-boot: \[device nic-pair\] claimed 0000:04:02\.0 \[8086:100e\] \(IOMMU group'
	expect_driver 0000:02:00.0 bochs-drm
	expect_run status claimed=2
	expect_binder_first
}

check_absent()
{
	expect_kmsg 'vfio-boot: \[device absent-gpu\] /etc/vfio-boot/vfio-boot.conf:3: no device matches "id=10de:2204": claiming nothing for it'
	expect_guest_gpu_claimed
	expect_run status claimed=2
	expect_run sections/absent-gpu status=absent
}

check_ambiguous()
{
	expect_kmsg 'vfio-boot: \[device some-gpu\] /etc/vfio-boot/vfio-boot.conf:3: 2 devices match "id=1234:1111", expected 1: claiming none of them'
	expect_kmsg 'vfio-boot: \[device some-gpu\] .*0000:01:00\.0'
	expect_kmsg 'vfio-boot: \[device some-gpu\] .*0000:02:00\.0'
	expect_host_drivers
	expect_run status claimed=0
}

check_off()
{
	expect_kmsg 'vfio-boot: vfio_boot=off on the kernel command line: claiming nothing'
	expect_host_drivers
	expect_run status state=off
}

check_garbage()
{
	expect_kmsg 'vfio-boot: /etc/vfio-boot/vfio-boot.conf:2: expected a key'
	expect_kmsg 'vfio-boot: /etc/vfio-boot/vfio-boot.conf:5: unknown section type "gizmo"'
	expect_kmsg 'vfio-boot: /etc/vfio-boot/vfio-boot.conf:9: count = "-3"'
	expect_kmsg 'vfio-boot: [0-9]+ errors in the config: the sections with errors are skipped, the rest applies'
	expect_guest_gpu_claimed
	expect_run status claimed=2
	# 15 lines from one run: the kernel's /dev/kmsg ratelimit (10 lines per 5 s per open,
	# unless printk.devkmsg=on) must not have dropped any (the binder reopens /dev/kmsg).
	expect_no_kmsg 'vfio-boot-binde?: [0-9]+ output lines suppressed'
}

check_permissions()
{
	expect_kmsg 'vfio-boot: /etc/vfio-boot/vfio-boot.conf is writable by group or others \(mode 0664\): refusing the whole config, claiming nothing'
	expect_host_drivers
	expect_run status state=config-refused
	grep 'vfio-boot: .*/vfio-boot.conf is not owned by root or is writable by group or others' "$IMG.log" >/dev/null ||
		fail "the image build did not warn about the config's mode"
}

check_no-vfio-modules()
{
	expect_kmsg 'vfio-boot: module vfio_iommu_type1 is not in /lib/modules/[^ ]* \(nor built in\)'
	expect_kmsg 'vfio-boot: vfio-pci is not available: claiming nothing, the devices stay with their host drivers'
	expect_host_drivers
	expect_run status state=no-vfio
	grep -q 'vfio-boot: kernel .* has no module vfio_pci' "$IMG.log" ||
		fail "the image build did not warn that the kernel has no vfio_pci"
}

# The common recipe (vfio-pci.ids= and softdeps, without vfio-boot) takes both cards, the
# host's boot display included: what vfio-boot is for.
check_recipe()
{
	expect_driver 0000:01:00.0 vfio-pci
	expect_driver 0000:01:00.1 vfio-pci
	expect_driver 0000:02:00.0 vfio-pci
	expect_driver 0000:02:00.1 vfio-pci
	expect_no_kmsg 'bochs-drm 0000:0|snd_hda_intel 0000:0'
	expect_no_kmsg 'vfio-boot:'
}

# ---- built-in drivers, by the stand-in (tests/vm/early/00-standin-early) ----
# The stand-in loaded each module that vmtest.early= names, and finished before the binder
# started; its image runs it before the binder.
expect_early_ran()
{
	local m t_early t_bs
	for m in "$@"; do
		expect_kmsg "vmtest-early: modprobe $m: status 0 \(initstate live\)"
	done
	t_early=$(kmsg_time 'vmtest-early: done')
	t_bs=$(kmsg_time 'vfio-boot: vfio-boot-binder .* starting')
	if [ -z "$t_early" ] || [ -z "$t_bs" ]; then
		fail "the stand-in (${t_early:-no} 'vmtest-early: done') or the binder (${t_bs:-no} start) did not run"
	elif awk -v e="$t_early" -v b="$t_bs" 'BEGIN { exit !(e > b) }'; then
		fail "the stand-in finished at $t_early s, after the binder started at $t_bs s"
	fi
	# Unbinding a host driver mid-boot must not upset the kernel.
	expect_no_kmsg 'BUG:|WARNING:|Oops|Call Trace'
	local list
	list=$(img_list "$IMG")
	case $gen in
	itools)
		awk '{ for (i = 1; i <= NF; i++) p[$i] = i } END { exit !(p["00-standin-early"] && p["00-standin-early"] < p["00-vfio-boot"]) }' <<<"$ORDER_SEEN" ||
			fail "image: init-top ORDER is \"$ORDER_SEEN\": 00-standin-early does not come before 00-vfio-boot"
		;;
	dracut-systemd)
		grep -qE ' usr/lib/systemd/system/sysinit.target.wants/vmtest-early.service$' <<<"$list" ||
			fail "image: vmtest-early.service is not wanted by sysinit.target"
		;;
	dracut-shell)
		grep -qE ' usr/lib/dracut/hooks/cmdline/99-vmtest-early-cmdline.sh$' <<<"$list" ||
			fail "image: no cmdline hook 99-vmtest-early-cmdline.sh"
		;;
	esac
}

# vfio-pci and vfio_iommu_type1 were there before the binder: it loaded nothing and said so.
expect_vfio_there_already()
{
	expect_kmsg 'vfio-boot: module vfio_iommu_type1 is loaded already: nothing to load'
	expect_kmsg 'vfio-boot: module vfio_pci is loaded already: nothing to load'
	expect_no_kmsg 'vfio-boot: loaded module'
}

# The guest's card was on its host drivers before the binder; the binder took both functions
# from them, and the host's twin card stayed.
expect_guest_gpu_taken()
{
	local a drv
	for a in 0000:01:00.0/bochs-drm 0000:01:00.1/snd_hda_intel 0000:02:00.0/bochs-drm 0000:02:00.1/snd_hda_intel; do
		expect_kmsg "vmtest-early: before the binder: ${a%/*} ${a#*/}\$"
	done
	expect_driver 0000:02:00.0 vfio-pci
	expect_driver 0000:02:00.1 vfio-pci
	expect_driver 0000:01:00.0 bochs-drm
	expect_driver 0000:01:00.1 snd_hda_intel
	expect_kmsg 'vfio-boot: \[device guest-gpu\] claimed 0000:02:00\.0 \[1234:1111\] \(matched\), was bochs-drm$'
	expect_kmsg 'vfio-boot: \[device guest-gpu\] claimed 0000:02:00\.1 \[8086:293e\] \(function of 0000:02:00\.0\), was snd_hda_intel$'
	# The stand-in loads modules; a built-in driver is said as "is built into the kernel".
	expect_kmsg 'vfio-boot: \[device guest-gpu\] 0000:02:00\.0 was on bochs-drm before the binder ran: module bochs was loaded already'
	expect_kmsg 'vfio-boot: \[device guest-gpu\] 0000:02:00\.1 was on snd_hda_intel before the binder ran: module snd_hda_intel was loaded already'
	for a in 0000:02:00.0/bochs-drm 0000:02:00.1/snd_hda_intel; do
		drv=${a#*/}
		expect_run "devices/${a%/*}" outcome=claimed
		expect_run "devices/${a%/*}" "driver_before=$drv"
		expect_run "devices/${a%/*}" driver=vfio-pci
	done
	expect_run status claimed=2
	expect_run status failed=0
	expect_run sections/guest-gpu status=claimed
}

check_early-vfio()
{
	expect_early_ran vfio_iommu_type1 vfio_pci
	expect_vfio_there_already
	# vfio-pci without ids= binds nothing by itself: the binder claims, nothing to unbind.
	expect_no_kmsg 'vmtest-early: before the binder: 0000:0[12]:00\.[01] '
	expect_guest_gpu_claimed
	expect_run devices/0000:02:00.0 driver_before=none
	expect_run status claimed=2
	expect_run sections/guest-gpu status=claimed
}

check_prebound()
{
	expect_early_ran bochs snd_hda_intel
	expect_kmsg 'vfio-boot: loaded module vfio_pci'
	expect_guest_gpu_taken
}

check_early-prebound()
{
	expect_early_ran vfio_iommu_type1 vfio_pci bochs snd_hda_intel
	expect_vfio_there_already
	expect_guest_gpu_taken
}

check_unconfigured()
{
	expect_no_kmsg 'vfio-boot:'
	expect_host_drivers
	grep -qx 'VMTEST run none' "$LOG" || fail "/run/vfio-boot exists"
}

# ---- what the image must hold ----
check_image()
{
	local gen=$1 img=$2 conf=$3 mode=$4 tree=$5 list order
	list=$(img_list "$img")
	has() { grep -qE "^[^ ]+ [^ ]+ $1\$" <<<"$list"; }
	if [ "$conf" = - ]; then
		! has 'usr/lib/vfio-boot/vfio-boot-binder' || fail "image: the binder is there without a config"
		! has 'etc/vfio-boot/vfio-boot.conf' || fail "image: a config is there"
		return
	fi
	has 'usr/lib/vfio-boot/vfio-boot-binder' || fail "image: no usr/lib/vfio-boot/vfio-boot-binder"
	local want=-rw-r--r--
	[ "$mode" = "0664 vfio-boot.conf" ] && want=-rw-rw-r--
	grep -qE "^$want root etc/vfio-boot/vfio-boot.conf\$" <<<"$list" ||
		fail "image: etc/vfio-boot/vfio-boot.conf is not $want root: $(grep 'etc/vfio-boot/vfio-boot.conf' <<<"$list")"
	if [ -e "$VM_TOP/tests/vm/configs/$conf/conf.d" ]; then
		has 'etc/vfio-boot/conf.d/50-gpu.conf' || fail "image: conf.d/50-gpu.conf is missing"
	fi
	if [ "$tree" = full ]; then
		has 'usr/lib/modules/[^ ]+/kernel/drivers/vfio/pci/vfio-pci.ko' || fail "image: no vfio-pci.ko"
		has 'usr/lib/modules/[^ ]+/kernel/drivers/vfio/vfio_iommu_type1.ko' || fail "image: no vfio_iommu_type1.ko"
	else
		! has 'usr/lib/modules/[^ ]+/kernel/drivers/vfio/.*' || fail "image: vfio modules from a tree without them"
	fi
	case $gen in
	itools)
		# The order mkinitramfs computed: 00-vfio-boot must come before udev.
		order=$(img_cat "$img" scripts/init-top/ORDER | sed -n 's#^/scripts/init-top/\([^ ]*\) .*#\1#p' | tr '\n' ' ')
		ORDER_SEEN=$order
		case " $order" in
		*" 00-vfio-boot "*" udev "*) ;;
		*) fail "image: init-top ORDER is \"$order\": 00-vfio-boot does not come before udev" ;;
		esac
		;;
	dracut-shell)
		has 'usr/lib/dracut/hooks/pre-udev/00-vfio-boot-pre-udev.sh' || fail "image: no pre-udev hook"
		! has 'usr/lib/systemd/system/vfio-boot.service' || fail "image: a systemd unit in the shell flavour"
		;;
	dracut-systemd)
		has 'usr/lib/systemd/system/vfio-boot.service' || fail "image: no vfio-boot.service"
		has 'usr/lib/systemd/system/sysinit.target.wants/vfio-boot.service' || fail "image: vfio-boot.service is not wanted by sysinit.target"
		! has 'usr/lib/dracut/hooks/pre-udev/00-vfio-boot-pre-udev.sh' || fail "image: a pre-udev hook in the systemd flavour (it would run the binder twice)"
		;;
	esac
}

# Checks that hold for every boot.
check_boot()
{
	local rc=$1 conf=$2
	if [ "$rc" -eq 137 ]; then
		fail "the boot did not finish within ${VM_TIMEOUT}s: QEMU killed; last console lines: $(tail -n 5 "$LOG" | tr '\n' '|')"
		return 1
	fi
	[ "$rc" -eq 0 ] || fail "QEMU exited with status $rc"
	if ! grep -q '^VMTEST end$' "$LOG"; then
		fail "the root init did not finish; last console lines: $(tail -n 5 "$LOG" | tr '\n' '|')"
		return 1
	fi
	if [ "$conf" != - ]; then
		local n
		n=$(kmsg | grep -c 'vfio-boot: done in')
		[ "$n" -eq 1 ] || fail "the binder finished $n times, expected once"
	fi
	return 0
}

# "kernel→/init, binder start→done, root init" from the kernel log, in seconds.
boot_times()
{
	local init bs bd root
	init=$(kmsg_time 'Run /init as init process')
	bs=$(kmsg_time 'vfio-boot: vfio-boot-binder .* starting')
	bd=$(kmsg_time 'vfio-boot: done in')
	root=$(kmsg_time 'vfio-boot-test: root init started')
	echo "${init:--} ${bs:--} ${bd:--} ${root:--}"
}

# ---- main ----
usage() { sed -n '/^# Usage/,/^# Must run/p' "$0" | sed 's/^# \{0,1\}//'; }

select=()
repeat=1
while [ $# -gt 0 ]; do
	case $1 in
	-r | --repeat)
		repeat=${2:?}
		shift
		;;
	-l | --list)
		for s in "${SCENARIOS[@]}"; do
			IFS='|' read -r name _ _ _ _ gens _ <<<"$s"
			for g in $gens; do echo "$name/$g"; done
		done
		exit 0
		;;
	-h | --help) usage; exit 0 ;;
	-*) usage >&2; exit 2 ;;
	*) select+=("$1") ;;
	esac
	shift
done

selected()
{
	[ ${#select[@]} -eq 0 ] && return 0
	local s
	for s in "${select[@]}"; do
		[ "$s" = "$1" ] || [ "$s" = "$1/$2" ] && return 0
	done
	return 1
}

preflight()
{
	local missing=() t
	[ "$(id -u)" -eq 0 ] || { echo "vm: must run as root (the images and their config must be root's)" >&2; return 1; }
	for t in qemu-system-x86_64:qemu-system-x86 mkinitramfs:initramfs-tools-core \
		dracut:dracut-core lsinitrd:dracut-core mkfs.ext4:e2fsprogs zstd:zstd \
		cpio:cpio depmod:kmod unshare:util-linux; do
		command -v "${t%%:*}" >/dev/null || missing+=("${t#*:}")
	done
	[ -x /bin/busybox ] && file -L /bin/busybox | grep 'statically linked' >/dev/null || missing+=(busybox-static)
	if [ ${#missing[@]} -gt 0 ]; then
		echo "vm: missing: ${missing[*]}; as root: apt-get install --no-install-recommends ${missing[*]}" >&2
		return 1
	fi
	if [ -z "${VM_KVER:-}" ]; then
		VM_KVER=$(for k in /boot/vmlinuz-*; do [ -d "/lib/modules/${k#/boot/vmlinuz-}" ] && echo "${k#/boot/vmlinuz-}"; done | sort -V | tail -n 1)
	fi
	KVER=$VM_KVER
	KERNEL=/boot/vmlinuz-$KVER
	if [ -z "$KVER" ] || [ ! -r "$KERNEL" ]; then
		echo "vm: no kernel to boot (/boot/vmlinuz-VERSION with /lib/modules/VERSION); install linux-image-amd64" >&2
		return 1
	fi
	if [ ! -x "$BINDER" ]; then
		echo "vm: no binder at $BINDER: run make first" >&2
		return 1
	fi
	mkdir -p "$VM_DIR/logs"
}

preflight || { echo "vm: 0 passed, 1 failed"; exit 1; }
suite_start=$(date +%s)
touch "$VM_DIR/.suite-start"
echo "vm: kernel $KVER, binder $BINDER, work directory $VM_DIR"
ROOT_IMG=$(img_root) || { echo "vm: building the root file system failed"; echo "vm: 0 passed, 1 failed"; exit 1; }

passed=0
failed=0
TIMES=$VM_DIR/times.txt
: >"$TIMES"
USED=()
# seconds with two decimals, or "-"
sec() { [ "$1" = - ] && echo - || printf '%.2f' "$1"; }

# Repeated boots (--repeat) go round the whole selection, so that a change in the
# machine's load affects every scenario alike.
for rep in $(seq 1 "$repeat"); do
	for s in "${SCENARIOS[@]}"; do
		variant=
		IFS='|' read -r name conf mode tree cmdline gens variant <<<"$s"
		for gen in $gens; do
			selected "$name" "$gen" || continue
			FAILS=()
			ORDER_SEEN=
			LOG=
			# The config, staged with the owner and modes under test.
			if [ "$conf" = - ]; then
				confdir=$(stage_config unconfigured "")
			elif [ "$mode" = - ]; then
				confdir=$(stage_config "$conf" "$VM_TOP/tests/vm/configs/$conf")
			else
				# shellcheck disable=SC2086 # MODE is "MODE FILE": two arguments
				confdir=$(stage_config "$conf-${mode%% *}" "$VM_TOP/tests/vm/configs/$conf" $mode)
			fi
			treedir=full
			if [ "$tree" = novfio ]; then
				treedir=$(img_novfio_tree) || { fail "building the module tree without vfio failed"; }
			fi
			if [ ${#FAILS[@]} -eq 0 ] && IMG=$(img_build "$gen" "$confdir" "$treedir" "$variant"); then
				USED+=("$IMG")
				build_time=$(cat "$IMG.time")s
				# An image from an earlier run: say so, its build time is not this run's.
				[ "$IMG.time" -nt "$VM_DIR/.suite-start" ] || build_time="cached, built in $build_time"
				check_image "$gen" "$IMG" "$conf" "$mode" "$tree"
				LOG=$VM_DIR/logs/$name-$gen.log
				[ "$repeat" -eq 1 ] || LOG=$VM_DIR/logs/$name-$gen-$rep.log
				extra=
				[ "$cmdline" = - ] || extra=$cmdline
				rc=0
				# shellcheck disable=SC2086 # one word per kernel parameter
				vm_boot "$KERNEL" "$IMG" "$ROOT_IMG" "$LOG.raw" "$VM_TIMEOUT" $extra || rc=$?
				tr -d '\r' <"$LOG.raw" >"$LOG"
				rm -f "$LOG.raw"
				if check_boot "$rc" "$conf"; then
					"check_$name"
				fi
				read -r t_init t_bs t_bd t_root <<<"$(boot_times)"
				echo "$name $gen build=$(cat "$IMG.time") wall=$VM_BOOT_WALL init=$t_init binder_start=$t_bs binder_done=$t_bd root=$t_root" >>"$TIMES"
				times="image ${build_time}, boot ${VM_BOOT_WALL}s; kernel log: /init $(sec "$t_init"), binder $(sec "$t_bs")..$(sec "$t_bd"), root init $(sec "$t_root")"
			else
				[ ${#FAILS[@]} -gt 0 ] || fail "building the $gen image failed (see $VM_DIR/img/*.log)"
				times="no boot"
			fi
			label=$name/$gen
			[ "$repeat" -eq 1 ] || label="$label #$rep"
			if [ ${#FAILS[@]} -eq 0 ]; then
				passed=$((passed + 1))
				echo "PASS $label ($times)"
			else
				failed=$((failed + 1))
				echo "FAIL $label ($times)"
				printf '    %s\n' "${FAILS[@]}"
				[ -z "${LOG:-}" ] || echo "    serial log: $LOG"
			fi
			if [ -n "$ORDER_SEEN" ] && [ "$rep" -eq 1 ]; then
				echo "    init-top order in the image: $ORDER_SEEN"
			fi
		done
	done
done

# After a whole run, images that no scenario uses any more go (each is 10-40 MB).
if [ ${#select[@]} -eq 0 ] && [ -d "$VM_DIR/img" ]; then
	for f in "$VM_DIR"/img/*.img; do
		[ -e "$f" ] || continue
		case " ${USED[*]} " in *" $f "*) continue ;; esac
		rm -rf "$f" "$f".*
	done
fi
echo "vm: suite took $(($(date +%s) - suite_start)) s; boot times in $TIMES"
echo "vm: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
