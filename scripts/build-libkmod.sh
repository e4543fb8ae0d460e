#!/usr/bin/env bash
# Usage: scripts/build-libkmod.sh OUTDIR
#        scripts/build-libkmod.sh --setup-apt   (root: only the deb-src part)
#
# Produces OUTDIR/libkmod.a, OUTDIR/include/libkmod.h and OUTDIR/libs.txt (the
# extra linker flags a -static link of libkmod.a needs). Prints nothing on
# success.
#
# Why: the binder is linked -static and Debian ships no libkmod.a, so we build
# one from Debian's own kmod source package (same version and patches as the
# system's libkmod2). kmod's configure refuses --enable-static, but the PIC
# objects libtool builds for the shared library archive and link fine.
#
# Override: to use a libkmod.a you already have, set both
#   LIBKMOD_A=/path/to/libkmod.a LIBKMOD_INCLUDE=/dir/containing/libkmod.h
# and this script only checks that they exist (nothing is built or written;
# link it with -llzma -lzstd -lz, or what your build of it needs).
#
# Needs: scripts/deps.sh's packages, a deb-src entry for the Debian release
# (added here as /etc/apt/sources.list.d/vfio-boot-deb-src.sources, copied
# from the deb entries, when running as root and none exists) and access to
# the Debian mirror once. As non-root it works once that entry exists. The
# kmod source goes to OUTDIR/src and is never committed (build/ is ignored).
# Concurrent runs on one OUTDIR wait for each other (flock).
set -euo pipefail

me="build-libkmod.sh"
DEBSRC_FILE=/etc/apt/sources.list.d/vfio-boot-deb-src.sources
OUT_LIBS="-llzma -lzstd -lz"

die() {
	echo "$me: no static libkmod could be had: $1" >&2
	shift
	local line
	for line in "$@"; do echo "$me: $line" >&2; done
	echo "$me: or point the build at one: LIBKMOD_A=/path/libkmod.a LIBKMOD_INCLUDE=/dir/with/libkmod.h" >&2
	exit 1
}

if [[ -n "${LIBKMOD_A:-}" || -n "${LIBKMOD_INCLUDE:-}" ]]; then
	[[ -f "${LIBKMOD_A:-}" ]] || die "LIBKMOD_A='${LIBKMOD_A:-}' is not a file"
	[[ -f "${LIBKMOD_INCLUDE:-}/libkmod.h" ]] ||
		die "LIBKMOD_INCLUDE='${LIBKMOD_INCLUDE:-}' has no libkmod.h"
	exit 0
fi

(($# == 1)) || { echo "usage: $me OUTDIR | --setup-apt" >&2; exit 2; }
setup_apt_only=
if [[ "$1" == --setup-apt ]]; then
	setup_apt_only=1
	log="$(mktemp)"
	trap 'rm -f "$log"' EXIT
else
	mkdir -p "$1"
	out="$(cd "$1" && pwd)"
	log="$out/build.log"
	script="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
	# Serialise concurrent runs on one OUTDIR (make -j, two checkouts' make
	# check): the second waits, then finds the first one's result up to date.
	exec 9>"$out/.lock"
	flock 9
	# Rebuild only when the recipe (this script) changed since the last build.
	if [[ "$out/libkmod.a" -nt "$script" && -f "$out/include/libkmod.h" && -f "$out/libs.txt" ]]; then
		exit 0
	fi
	: >"$log"
fi

# A failed step shows the end of its log rather than scrolling it all past.
# HINT (optional, set by the caller) says what most likely fixes it.
step() {
	local what="$1" hint="${HINT:-if a tool or library is missing: sudo bash scripts/deps.sh}"
	shift
	local t0="$SECONDS"
	echo "### $what: $*" >>"$log"
	if "$@" >>"$log" 2>&1; then
		echo "### $what: done in $((SECONDS - t0)) s" >>"$log"
	else
		echo "$me: $what failed; last lines of $log:" >&2
		tail -n 25 "$log" >&2
		die "$what failed (full log: $log)" "$hint"
	fi
}

# deb822 stanzas of the system's Debian "deb" entries, turned into deb-src
# ones with the same URIs/Suites/Components/Signed-By (comments dropped).
deb_src_stanzas() {
	awk '
	/^[[:space:]]*#/ { next }
	/^[[:space:]]*$/ { flush(); next }
	/^Types:/ { if ($0 ~ /[[:space:]]deb([[:space:]]|$)/) isdeb = 1; next }
	{ st = st $0 "\n" }
	function flush() {
		if (st != "" && isdeb) printf "%sTypes: deb-src\n%s", (n++ ? "\n" : ""), st
		st = ""; isdeb = 0
	}
	END { flush() }
	' "$@"
}

# Make `apt-get source kmod` possible: it needs a deb-src entry and its index.
have_kmod_src() { [[ "$(apt-cache showsrc kmod 2>/dev/null)" == *"Package: kmod"* ]]; }
if ! have_kmod_src; then
	# shellcheck disable=SC2016 # $(CODENAME) is apt's format field, not shell
	have_src="$(apt-get indextargets --format '$(CODENAME)' 'Created-By: Sources' 2>/dev/null || true)"
	if ((EUID != 0)); then
		[[ -n "$have_src" ]] ||
			die "apt has no deb-src entry, so kmod's source cannot be fetched" \
				"run once: sudo bash scripts/build-libkmod.sh --setup-apt" \
				"(it adds $DEBSRC_FILE and runs apt-get update)"
		die "apt has a deb-src entry but no source index" "run: sudo apt-get update"
	fi
	if [[ -z "$have_src" ]]; then
		# The distribution's own entries (deb822 on Debian 12 / Ubuntu 24.04).
		stanzas=
		for sources in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list.d/ubuntu.sources; do
			if [[ -f "$sources" ]]; then stanzas="$(deb_src_stanzas "$sources")"; fi
			[[ -z "$stanzas" ]] || break
		done
		if [[ -n "$stanzas" ]]; then
			printf '# Added by vfio-boot scripts/build-libkmod.sh: apt-get source kmod.\n%s\n' \
				"$stanzas" >"$DEBSRC_FILE"
		elif grep -qs '^deb ' /etc/apt/sources.list; then
			# Older one-line format: mirror its deb lines as deb-src lines.
			sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >"${DEBSRC_FILE%.sources}.list"
		else
			die "found no Debian/Ubuntu apt entry to derive a deb-src entry from" \
				"add a deb-src entry for your release under /etc/apt/sources.list.d/, then: apt-get update"
		fi
	fi
	HINT="apt must reach the Debian mirror: check the network/proxy, then re-run" \
		step "apt-get update" apt-get update
	have_kmod_src ||
		die "apt still knows no kmod source package after apt-get update" \
			"check the deb-src entries under /etc/apt/ and that the Debian mirror is reachable"
fi
[[ -z "$setup_apt_only" ]] || exit 0

for tool in gcc make ar autoreconf gtkdocize libtoolize pkg-config dpkg-source; do
	command -v "$tool" >/dev/null ||
		die "'$tool' is not installed" "install the build packages: sudo bash scripts/deps.sh"
done
for pc in liblzma libzstd zlib; do
	pkg-config --exists "$pc" ||
		die "$pc development files are missing" "sudo apt-get install -y liblzma-dev libzstd-dev zlib1g-dev"
done

# Fresh source tree each time: a half-configured tree from an earlier failed
# run would otherwise be reused. Downloaded .dsc/.tar files are kept.
mkdir -p "$out/src"
rm -rf "$out/src"/kmod-*/
cd "$out/src"
HINT="apt must reach the Debian mirror once (apt-get source kmod): check the network/proxy, then re-run" \
	step "apt-get source kmod" apt-get source kmod
srcdirs=("$out/src"/kmod-*/)
[[ -d "${srcdirs[0]}" ]] || die "apt-get source kmod unpacked nothing" "see $log"
src="${srcdirs[0]%/}"

cd "$src"
# What kmod's autogen.sh does, minus its own configure run.
step "gtkdocize" gtkdocize --docdir libkmod/docs
step "autoreconf" autoreconf -fi
# --sysconfdir=/etc as debian/rules does: libkmod compiles SYSCONFDIR into
# its config search path, and autoconf's default would make it read
# /usr/etc/modprobe.d instead of /etc/modprobe.d. Only the library: no man
# pages (needs xsltproc), no test modules (needs kernel headers), no openssl
# (only modinfo's signer field uses it); xz/zstd/zlib so compressed modules
# load.
step "configure" ./configure --prefix=/usr --sysconfdir=/etc \
	--with-xz --with-zstd --with-zlib --disable-manpages --disable-test-modules
step "make" make -j"$(nproc)" libkmod/libkmod.la

# libkmod.la = libkmod's own objects + the noinst libshared.la helpers
# (hash, array, strbuf, util, ...); both are needed to resolve everything.
objs=(libkmod/.libs/libkmod*.o shared/.libs/*.o)
[[ -f "${objs[0]}" ]] || die "no libkmod objects were built" "see $log"
rm -f "$out/libkmod.a.tmp"
step "ar" ar rcs "$out/libkmod.a.tmp" "${objs[@]}"
mkdir -p "$out/include"
cp libkmod/libkmod.h "$out/include/libkmod.h"
printf '%s\n' "$OUT_LIBS" >"$out/libs.txt"
# Last, so an interrupted build never looks up to date.
mv "$out/libkmod.a.tmp" "$out/libkmod.a"
