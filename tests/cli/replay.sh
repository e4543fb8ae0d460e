#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/cli/replay.sh: vfio-boot list, plan, status and check on trees captured from real
# kernels (tests/vm/capture-sysfs.sh), through --root. Each tests/cli/fixtures/NAME.tar.gz is
# one capture (a tarball, because git keeps neither empty directories nor owners, and the
# drivers' directories are empty and the config must be root's). Text outputs are compared
# with tests/cli/golden/replay-NAME-CMD.txt (the tree's path written ROOT; with
# VFIO_BOOT_UPDATE_GOLDEN=1 they are written instead), JSON outputs go through python3's
# parser. `vfio-boot export ENGINE` for each engine is compared the same way
# (replay-NAME-export-ENGINE.txt) and its output goes through tests/export/check.py ENGINE, the
# engine's own rules. Exit status: 0 when all match.
#
# Environment: TEST_CLI (default build/test/cli/vfio-boot).
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
CLI=${TEST_CLI:-$TOP/build/test/cli/vfio-boot}
case $CLI in /*) ;; *) CLI=$TOP/$CLI ;; esac
FIX=$TOP/tests/cli/fixtures
GOLD=$TOP/tests/cli/golden
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0 n=0
bad() {
	printf 'FAIL %s\n' "$*"
	fails=$((fails + 1))
}

[ -x "$CLI" ] || {
	echo "replay: no $CLI (make test builds it)"
	exit 1
}
if [ "$(id -u)" != 0 ]; then
	# The config in a capture must be root's, or vfio-boot refuses it, as it should.
	echo "replay: skipped: needs root to unpack the captures with their owners"
	exit 0
fi

for tarball in "$FIX"/*.tar.gz; do
	name=$(basename "$tarball" .tar.gz)
	root=$T/$name
	mkdir -p "$root"
	tar -xzpf "$tarball" --same-owner -C "$root" || {
		bad "$name: cannot unpack $tarball"
		continue
	}
	for cmd in list plan status check; do
		n=$((n + 1))
		out=$("$CLI" "$cmd" --root "$root" 2>&1)
		rc=$?
		text=$(printf '%s\nexit %d\n' "$out" "$rc" | sed "s|$root|ROOT|g")
		g=$GOLD/replay-$name-$cmd.txt
		if [ "${VFIO_BOOT_UPDATE_GOLDEN:-}" = 1 ]; then
			printf '%s\n' "$text" >"$g"
		elif [ ! -f "$g" ]; then
			bad "$name $cmd: no golden $g (VFIO_BOOT_UPDATE_GOLDEN=1 writes it)"
		elif ! diff -u "$g" - <<<"$text" >"$T/diff"; then
			bad "$name $cmd differs from $g:"
			cat "$T/diff"
		fi
		n=$((n + 1))
		# A full disk: the output was not written whole, and the exit status says so.
		n=$((n + 1))
		"$CLI" "$cmd" --root "$root" >/dev/full 2>"$T/err"
		rc=$?
		if [ "$rc" != 7 ] || ! grep -q "writing the output" "$T/err"; then
			bad "$name $cmd >/dev/full: exit $rc, expected 7 and a word on stderr: $(cat "$T/err")"
		fi
		n=$((n + 1))
		# status and check exit non-zero on purpose; the document must still be whole
		"$CLI" "$cmd" --json --root "$root" >"$T/out.json" 2>"$T/err" || :
		python3 -m json.tool "$T/out.json" >/dev/null 2>"$T/jerr" ||
			bad "$name $cmd --json does not parse: $(cat "$T/jerr" "$T/err")"
	done
	# What each engine is told of the claimed devices, by its own rules. The node is named,
	# so that the output does not depend on the capture's /etc/hostname.
	for engine in kubevirt sriov-dp nova proxmox; do
		n=$((n + 1))
		"$CLI" export "$engine" --node "$name" --root "$root" >"$T/export" 2>"$T/err"
		rc=$?
		text=$(cat "$T/export" "$T/err"; printf 'exit %d\n' "$rc")
		text=$(sed "s|$root|ROOT|g" <<<"$text")
		g=$GOLD/replay-$name-export-$engine.txt
		if [ "${VFIO_BOOT_UPDATE_GOLDEN:-}" = 1 ]; then
			printf '%s\n' "$text" >"$g"
		elif [ ! -f "$g" ]; then
			bad "$name export $engine: no golden $g (VFIO_BOOT_UPDATE_GOLDEN=1 writes it)"
		elif ! diff -u "$g" - <<<"$text" >"$T/diff"; then
			bad "$name export $engine differs from $g:"
			cat "$T/diff"
		fi
		n=$((n + 1))
		python3 "$TOP/tests/export/check.py" "$engine" <"$T/export" 2>"$T/cerr" ||
			bad "$name export $engine: tests/export/check.py: $(cat "$T/cerr")"
	done
done
echo "replay: $n checks, $fails failed"
[ "$fails" = 0 ]
