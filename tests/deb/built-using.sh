#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# debian/rules' Built-Using names the kmod source the static libkmod was built from, not
# whichever .dsc happens to be left in the libkmod build directory: scripts/build-libkmod.sh
# keeps the downloaded .dsc files of earlier runs, and an older upload can sort after a newer
# one ("30-1.dsc" after "30-1+deb12u1.dsc").
set -u
cd "$(dirname "$0")/../.." || exit 1
command -v dpkg-parsechangelog >/dev/null || { echo "built-using: skipped: no dpkg-dev"; exit 0; }
t="$(mktemp -d)"
trap 'rm -rf "$t"' EXIT
fail=0
# A libkmod build directory as build-libkmod.sh leaves it after kmod's security update: the
# old upload's .dsc kept, the source tree of the new one (the only one: it removes the old).
mkdir -p "$t/kmod/src/kmod-30+20221128/debian"
: >"$t/kmod/libkmod.a"
: >"$t/kmod/src/kmod_30+20221128-1.dsc"
: >"$t/kmod/src/kmod_30+20221128-1+deb12u1.dsc"
cat >"$t/kmod/src/kmod-30+20221128/debian/changelog" <<'CL'
kmod (30+20221128-1+deb12u1) bookworm-security; urgency=medium

  * Security update.

 -- Someone <someone@example.org>  Mon, 01 Jan 2024 00:00:00 +0000
CL
# shellcheck disable=SC2016 # $(KMOD_BU) is make's, expanded by make
# Run from make test: the outer make's jobserver is not this one's.
got="$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -f debian/rules --no-print-directory LIBKMOD_A="$t/kmod/libkmod.a" \
	--eval 'built-using-kmod: ; @echo "$(KMOD_BU)"' built-using-kmod)"
want="kmod (= 30+20221128-1+deb12u1)"
if [ "$got" = "$want" ]; then
	echo "PASS Built-Using: $got"
else
	echo "FAIL Built-Using: \"$got\", want \"$want\" (the source the library was built from)"
	fail=1
fi
echo "built-using: $fail failed"
[ "$fail" = 0 ]
