#!/usr/bin/env bash
# Usage: scripts/build-deb.sh OUTDIR
#
# Builds vfio-boot_VERSION_amd64.deb (dpkg-buildpackage -us -uc -b) from a clean copy of the
# tree: what git tracks, as it is in the working tree (committed or not; `git stash create`
# makes that a commit without touching the index), never build/ or other untracked files.
# The copy is OUTDIR/src/vfio-boot-VERSION; the .deb, .buildinfo and .changes land in OUTDIR
# (dpkg-buildpackage writes to the parent of the tree it builds).
#
# LIBKMOD_A and LIBKMOD_INCLUDE, when set, name a static libkmod already built (make deb passes
# the tree's build/kmod): the package build then skips scripts/build-libkmod.sh. Unset, the
# package build makes its own from Debian's kmod source, as `make` does.
set -euo pipefail

(($# == 1)) || { echo "usage: $0 OUTDIR" >&2; exit 2; }
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$1"
out="$(cd "$1" && pwd)"
version="$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)"
src="$out/src/vfio-boot-$version"

rev="$(git -C "$top" stash create)"
rev="${rev:-HEAD}"
rm -rf "$out/src"
mkdir -p "$src"
git -C "$top" archive "$rev" | tar -x -C "$src"
rm -f "$out/vfio-boot_${version}_"* "$out/vfio-boot-dbgsym_${version}_"*

if [[ -n "${LIBKMOD_A:-}" ]]; then
	LIBKMOD_A="$(realpath "$LIBKMOD_A")"
	LIBKMOD_INCLUDE="$(realpath "${LIBKMOD_INCLUDE:?LIBKMOD_INCLUDE must be set with LIBKMOD_A}")"
	export LIBKMOD_A LIBKMOD_INCLUDE
fi
# The copy goes to OUTDIR/src, so the results land in OUTDIR/src: move them up.
(cd "$src" && dpkg-buildpackage -us -uc -b)
mv "$out/src/vfio-boot_${version}_"* "$out/"
mv "$out/src/vfio-boot-dbgsym_${version}_"* "$out/" 2>/dev/null || true
ls "$out/vfio-boot_${version}_amd64.deb"
