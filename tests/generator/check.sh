#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Golden-tree tests of vfio-boot-generator and vfio-boot-netcfg, and (with --verify)
# systemd-analyze verify of every unit the generator makes, together with the templates.
#
# Usage: tests/generator/check.sh [--verify] [--update] GENERATOR NETCFG CLAIMED [CASE...]
#
# Each tests/generator/cases/CASE holds:
#   root/           the machine: etc/vfio-boot/vfio-boot.conf, etc/libvirt/qemu/*.xml, ...
#   expected/       the generator's output directory, exactly (absent: empty)
#   expected.log    its messages, exactly (absent: none)
#   expected.rc     its exit status (absent: 0)
#   netcfg/BACKEND/BRIDGE/  one run of `vfio-boot-netcfg --backend BACKEND BRIDGE` (BACKEND
#                   auto: no --backend) on a fresh copy of root/: run/ is what it must leave
#                   in ROOT/run, exactly, expected.log and expected.rc as above.
# In expected files the install paths read @UNITDIR@ and @LIBEXECDIR@ (from the environment,
# as the build passed them to the generator). --update rewrites the expected files instead.
#
# Runs as root: the config must be owned by root (vfio-boot.conf(5)).
set -euo pipefail

verify=0
update=0
while [[ $# -gt 0 && $1 == --* ]]; do
	case $1 in
	--verify) verify=1 ;;
	--update) update=1 ;;
	--) shift; break ;;
	*) echo "check.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
if [[ $# -lt 3 ]]; then
	echo "usage: $0 [--verify] [--update] GENERATOR NETCFG CLAIMED [CASE...]" >&2
	exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
abs() { [[ $1 == /* ]] && echo "$1" || echo "$PWD/$1"; }
generator=$(abs "$1")
netcfg=$(abs "$2")
claimed=$(abs "$3")
shift 3
UNITDIR=${UNITDIR:-/lib/systemd/system}
LIBEXECDIR=${LIBEXECDIR:-/usr/lib/vfio-boot}
BINDIR=${BINDIR:-/usr/bin}

if [[ $(id -u) -ne 0 ]]; then
	echo "check.sh: needs root (the config must be owned by root)" >&2
	exit 1
fi

cases=("$@")
if [[ ${#cases[@]} -eq 0 ]]; then
	for d in "$here"/cases/*/; do cases+=("$(basename "$d")"); done
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vb-gen-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

fail() {
	echo "FAIL $*"
	failed=$((failed + 1))
}

# A fresh, root-owned copy of a case's machine (git keeps no owners and few modes). Fixing
# owners and modes costs two processes a run: only when the checkout needs it.
fix_owners=0
if [[ -n $(find "$here/cases" \( ! -uid 0 -o -perm -g+w -o -perm -o+w \) ! -type l -print -quit) ]]; then
	fix_owners=1
fi
fresh_root() {
	local dst=$1
	rm -rf "$dst"
	cp -a "$here/cases/$case/root" "$dst"
	if [[ $fix_owners -eq 1 ]]; then
		chown -R 0:0 "$dst"
		chmod -R go-w "$dst"
	fi
}

# Copies tree $1 to $2 with the install paths replaced by their placeholders; modes are kept
# (they matter for NetworkManager's keyfiles). Few processes: each costs here.
normalize() {
	local src=$1 dst=$2 link target
	rm -rf "$dst"
	if [[ ! -d $src ]]; then
		mkdir -p "$dst"
		return 0
	fi
	cp -a "$src" "$dst"
	find "$dst" -type f -exec sed -i -e "s|$UNITDIR|@UNITDIR@|g" \
		-e "s|$LIBEXECDIR|@LIBEXECDIR@|g" {} +
	while IFS=$'\t' read -r -d '' link target; do
		target=${target//"$UNITDIR"/@UNITDIR@}
		ln -sfn "${target//"$LIBEXECDIR"/@LIBEXECDIR@}" "$link"
	done < <(find "$dst" -type l -printf '%p\t%l\0')
}

# Compares (or with --update stores) what a run made: tree, log, exit status.
compare() {
	local what=$1 got_tree=$2 got_log=$3 got_rc=$4 exp=$5 exp_tree=$6
	local exp_rc=0 ok=1 d
	[[ -f $exp/expected.rc ]] && exp_rc=$(cat "$exp/expected.rc")
	if [[ $update -eq 1 ]]; then
		rm -rf "$exp_tree" "$exp/expected.log" "$exp/expected.rc"
		if [[ -n $(ls -A "$got_tree") ]]; then cp -a "$got_tree" "$exp_tree"; fi
		[[ -s $got_log ]] && cp "$got_log" "$exp/expected.log"
		[[ $got_rc -ne 0 ]] && echo "$got_rc" >"$exp/expected.rc"
		echo "updated $what"
		return
	fi
	if [[ $got_rc -ne $exp_rc ]]; then
		fail "$what: exit status $got_rc, expected $exp_rc"
		ok=0
	fi
	if [[ -d $exp_tree ]]; then
		if ! d=$(diff -r --no-dereference "$exp_tree" "$got_tree" 2>&1); then
			fail "$what: output differs from ${exp_tree#"$here"/}:"
			echo "$d" | head -40
			ok=0
		fi
		# diff ignores modes: compare them too. Git keeps no 0600, so the rule that
		# NetworkManager's keyfiles are 0600 (it ignores others) is stated here.
		if [[ $ok -eq 1 ]] && ! d=$(diff <(cd "$exp_tree" && find . -printf '%P %y %m\n' |
			sed -E 's/^(.*\.nmconnection f) [0-7]+$/\1 600/' | sort) \
			<(cd "$got_tree" && find . -printf '%P %y %m\n' | sort)); then
			fail "$what: file types or modes differ (expected <, got >):"
			echo "$d"
			ok=0
		fi
	elif [[ -n $(ls -A "$got_tree") ]]; then
		fail "$what: expected no output, got:"
		(cd "$got_tree" && find . -mindepth 1)
		ok=0
	fi
	if [[ -f $exp/expected.log ]]; then
		if ! d=$(diff "$exp/expected.log" "$got_log"); then
			fail "$what: messages differ (expected <, got >):"
			echo "$d"
			ok=0
		fi
	elif [[ -s $got_log ]]; then
		fail "$what: expected no messages, got:"
		cat "$got_log"
		ok=0
	fi
	[[ $ok -eq 1 ]] && passed=$((passed + 1))
	return 0
}

# The root systemd-analyze verify runs below: the templates, the targets they name and the
# programs they run. Made once; each case puts its output in /run/systemd/system.
vroot=$tmp/vroot
make_vroot() {
	local u
	mkdir -p "$vroot/usr/lib/systemd/system" "$vroot/run/systemd" "$vroot$BINDIR" \
		"$vroot$LIBEXECDIR" "$vroot/bin"
	cp -a /lib/systemd/system/*.target "$vroot/usr/lib/systemd/system/"
	for u in "$here"/../../units/*.service; do
		sed -e "s|/usr/bin/vfio-boot|$BINDIR/vfio-boot|g" \
			-e "s|/usr/lib/vfio-boot|$LIBEXECDIR|g" "$u" \
			>"$vroot/usr/lib/systemd/system/${u##*/}"
	done
	cp "$netcfg" "$vroot$LIBEXECDIR/vfio-boot-netcfg"
	cp "$claimed" "$vroot$LIBEXECDIR/vfio-boot-claimed"
	# The guest runner is another part's: verify only needs something executable there.
	printf '#!/bin/sh\nexit 1\n' >"$vroot$BINDIR/vfio-boot"
	chmod 0755 "$vroot$BINDIR/vfio-boot"
	cp "$(command -v sleep)" "$vroot/bin/sleep"
}

# systemd-analyze verify of every unit in the output, with the templates.
verify_units() {
	local out=$1 u units=()
	[[ -d $vroot ]] || make_vroot
	rm -rf "$vroot/run/systemd/system"
	# verify does not read generator directories; /run/systemd/system is read the same way.
	cp -a "$out" "$vroot/run/systemd/system"
	while IFS= read -r -d '' u; do
		u=${u##*/}
		units+=("${u%.d}")
	done < <(find "$out" -mindepth 1 \( -name '*.service.d' -o -name '*.service' \) -print0)
	[[ ${#units[@]} -eq 0 ]] && return 0
	mapfile -t units < <(printf '%s\n' "${units[@]}" | sort -u)
	local log=$tmp/verify.log rc=0
	systemd-analyze verify --root="$vroot" --man=no "${units[@]}" >"$log" 2>&1 || rc=$?
	if [[ $rc -ne 0 || -s $log ]]; then
		fail "$case: systemd-analyze verify (exit $rc) on ${units[*]}:"
		cat "$log"
	else
		passed=$((passed + 1))
		echo "ok   $case: systemd-analyze verify: ${#units[@]} units"
	fi
}

for case in "${cases[@]}"; do
	c=$here/cases/$case
	[[ -d $c/root ]] || { fail "$case: no root/"; continue; }

	fresh_root "$tmp/root"
	rm -rf "$tmp/out" && mkdir "$tmp/out"
	rc=0
	VFIO_BOOT_ROOT=$tmp/root "$generator" "$tmp/out" "$tmp/out.early" "$tmp/out.late" \
		2>"$tmp/log" || rc=$?
	# The late and early directories are not ours to write.
	for x in early late; do
		if [[ -e $tmp/out.$x ]]; then fail "$case: wrote $x directory"; fi
	done
	normalize "$tmp/out" "$tmp/norm"
	before=$failed
	compare "$case: generator" "$tmp/norm" "$tmp/log" "$rc" "$c" "$c/expected"
	[[ $failed -eq $before && $update -eq 0 ]] && echo "ok   $case: generator"
	if [[ $verify -eq 1 && $update -eq 0 ]]; then verify_units "$tmp/out"; fi

	[[ -d $c/netcfg ]] || continue
	for run in "$c"/netcfg/*/*/; do
		run=${run%/}
		bridge=${run##*/}
		backend=$(basename "$(dirname "$run")")
		fresh_root "$tmp/root"
		args=()
		[[ $backend != auto ]] && args=(--backend "$backend")
		rc=0
		"$netcfg" --root "$tmp/root" "${args[@]}" "$bridge" 2>"$tmp/log" || rc=$?
		normalize "$tmp/root/run" "$tmp/norm"
		before=$failed
		compare "$case: netcfg $backend $bridge" "$tmp/norm" "$tmp/log" "$rc" "$run" "$run/run"
		[[ $failed -eq $before && $update -eq 0 ]] && echo "ok   $case: netcfg $backend $bridge"
	done
done

echo "generator: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
