#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The build itself: the command and the generator build without the static libkmod, and a
# header change rebuilds exactly the objects that include it.
set -u
cd "$(dirname "$0")/../.."
pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

B=$(mktemp -d)
trap 'rm -rf "$B"' EXIT

# The programs go to $B too, so that the tree's own build is left alone.
M=(BUILD="$B" LIBKMOD_A=/nonexistent/libkmod.a LIBKMOD_INCLUDE=/nonexistent CLI="$B/vfio-boot"
	GENERATOR="$B/gen" NETCFG="$B/netcfg" CLAIMED="$B/claimed")
if make -s "${M[@]}" -j2 "$B/vfio-boot" "$B/gen" "$B/netcfg" "$B/claimed" >"$B/log" 2>&1 &&
	[ -x "$B/vfio-boot" ] && [ -x "$B/gen" ]; then
	ok "the command and the generator build with no libkmod"
else
	bad "building the command or the generator needed libkmod:"; tail -5 "$B/log"
fi

# lib/escape.h is included by some objects and not by others: -W asks what a change to it
# would rebuild, without touching it.
would=$(make -n -W lib/escape.h "${M[@]}" "$B/vfio-boot" 2>&1 | grep -o -- '-c [^ ]*\.c' | sort -u)
includers=$(grep -l '#include "escape.h"' lib/*.c cli/*.c | sort -u)
for f in $includers; do
	grep -qx -- "-c $f" <<<"$would" || bad "a change to lib/escape.h does not rebuild $f"
done
# lib/log.c includes no escape.h, directly or not: it must not be rebuilt.
if gcc -std=gnu11 -D_GNU_SOURCE -Ilib -M lib/log.c | grep -q 'escape\.h'; then
	bad "lib/log.c now includes lib/escape.h: pick another bystander for this test"
elif grep -qx -- "-c lib/log.c" <<<"$would"; then
	bad "a change to lib/escape.h rebuilds lib/log.c, which does not include it"
else
	ok "a change to lib/escape.h rebuilds its $(grep -c . <<<"$includers") includers, not lib/log.c"
fi

echo "build: $pass passed, $fail failed"
[ "$fail" = 0 ]
