#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/README.md maps every source file to its tests: each C file of the programs, lib/ and
# the kernel double has a row, and each file a row names exists.
set -u
cd "$(dirname "$0")/../.."
fail=0 n=0
for f in $(git ls-files 'lib/*.c' 'cli/*.c' 'binder/*.c' 'generator/*.c' 'tests/mock/*.c'); do
	n=$((n + 1))
	grep -q "\`$f\`\|\`${f##*/}\`" tests/README.md || { echo "FAIL: tests/README.md has no row for $f"; fail=$((fail + 1)); }
done
for f in $(grep -o '`\(lib\|cli\|binder\|generator\|tests/mock\)/[A-Za-z0-9_.-]*\.c`' tests/README.md | tr -d '`' | sort -u); do
	[ -e "$f" ] || { echo "FAIL: tests/README.md names $f, which does not exist"; fail=$((fail + 1)); }
done
echo "map: $n source files, $fail failed"
[ "$fail" = 0 ]
