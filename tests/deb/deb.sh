#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package, end to end: built from a clean copy of the tree (scripts/build-deb.sh),
# checked by lintian and dpkg-deb, then installed into a fresh Debian bookworm root made by
# mmdebstrap from deb.debian.org, run there (vfio-boot --version, vfio-boot check), removed
# and purged, with the root's file list compared before and after.
#
# Every check prints one PASS or FAIL line; each step its time. Exits 1 on any FAIL, 0 with
# "skipped" when not root (mmdebstrap's root mode, chroot and mounts need it).
#
# Environment: LIBKMOD_A and LIBKMOD_INCLUDE (make deb-check passes the tree's build/kmod) let
# the package build reuse a static libkmod instead of building one from kmod's source;
# DEB_MIRROR (default http://deb.debian.org/debian), DEB_SECURITY_MIRROR; KEEP=1 keeps the
# work directory.
set -uo pipefail

me=deb
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if ((EUID != 0)); then
	echo "$me: skipped: needs root (mmdebstrap, chroot, mounts)"
	exit 0
fi
for tool in dpkg-buildpackage lintian mmdebstrap git; do
	command -v "$tool" >/dev/null || { echo "$me: FAIL: '$tool' missing: sudo bash scripts/deps.sh"; exit 1; }
done

MIRROR="${DEB_MIRROR:-http://deb.debian.org/debian}"
SECURITY="${DEB_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
work="$(mktemp -d /tmp/vfio-boot-deb.XXXXXX)"
root="$work/root"
mounted=()
cleanup() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null; done
	if [[ -n "${KEEP:-}" ]]; then echo "$me: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

fails=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
check() { # check WHAT CMD...: PASS when CMD succeeds
	local what="$1"
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
# step NAME: ends the step before (its time) and starts NAME.
t_step=$SECONDS
step_name=
step() {
	[[ -z "$step_name" ]] || echo "== $step_name: $((SECONDS - t_step)) s"
	step_name="$1"
	t_step=$SECONDS
	[[ -z "$step_name" ]] || echo "== $step_name"
}
t_all=$SECONDS
# in_root CMD...: CMD inside the fresh root, without services started by maintainer scripts.
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }

# ---- build ----
step "build: scripts/build-deb.sh (LIBKMOD_A=${LIBKMOD_A:-unset: built from the kmod source})"
if ! "$top/scripts/build-deb.sh" "$work/out" >"$work/build.log" 2>&1; then
	tail -n 30 "$work/build.log"
	fail "package builds (log above)"
	exit 1
fi
version="$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)"
deb="$work/out/vfio-boot_${version}_amd64.deb"
check "package builds: ${deb##*/}" test -f "$deb"
[[ -f "$deb" ]] || exit 1

# ---- lintian ----
step "lintian"
lintian --info "$work/out/vfio-boot_${version}_amd64.changes" >"$work/lintian.txt" 2>&1
sed 's/^/  lintian: /' "$work/lintian.txt"
check "lintian: no error" bash -c "! grep -q '^E:' '$work/lintian.txt'"
check "lintian: no warning (each is fixed or overridden with why)" bash -c "! grep -q '^W:' '$work/lintian.txt'"

# ---- dpkg-deb ----
step "dpkg-deb: contents against make install"
dpkg-deb -c "$deb" | awk '{ f = $6; sub(/^\./, "", f); if ($1 !~ /^d/) print f }' | sort >"$work/deb-files"
# What `make install` puts in place, from the same clean tree, with what dh_compress does
# (man pages and the example gzipped).
if LIBKMOD_A="${LIBKMOD_A:-}" make -C "$work/out/src/vfio-boot-$version" install \
	DESTDIR="$work/stage" >"$work/install.log" 2>&1; then
	(cd "$work/stage" && find . ! -type d | sed 's/^\.//') |
		sed -e 's|^\(/usr/share/man/.*\)$|\1.gz|' -e 's|^\(/usr/share/doc/vfio-boot/vfio-boot.conf.example\)$|\1.gz|' |
		sort >"$work/install-files"
	missing="$(comm -23 "$work/install-files" "$work/deb-files")"
	check "every file make install installs is in the package ($(wc -l <"$work/install-files") files)" test -z "$missing"
	[[ -z "$missing" ]] || while read -r f; do echo "  missing: $f"; done <<<"$missing"
	extra="$(comm -13 "$work/install-files" "$work/deb-files" | grep -v -x -e /usr/share/doc/vfio-boot/copyright \
		-e /usr/share/doc/vfio-boot/changelog.gz -e /usr/share/doc/vfio-boot/README.Debian \
		-e /usr/share/lintian/overrides/vfio-boot)"
	check "the package has nothing make install does not, but its doc files and lintian overrides" test -z "$extra"
	[[ -z "$extra" ]] || while read -r f; do echo "  extra: $f"; done <<<"$extra"
else
	tail -n 20 "$work/install.log"
	fail "make install DESTDIR= in the build tree"
fi
check "nothing under /etc in the package" bash -c "! grep -q '^/etc' '$work/deb-files'"
depends="$(dpkg-deb -f "$deb" Depends)"
echo "  Depends: $depends"
check "Depends names libxml2 (the generator dlopen()s it)" bash -c "[[ ', $depends,' =~ [\ ,]libxml2[\ ,] ]]"
check "Depends has no libkmod (it is linked statically)" bash -c "[[ '$depends' != *libkmod* ]]"
built_using="$(dpkg-deb -f "$deb" Built-Using)"
echo "  Built-Using: $built_using"
check "Built-Using names kmod's source version" bash -c "[[ '$built_using' =~ kmod\ \(=\ [^\)]+\) ]]"
triggers="$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./triggers 2>/dev/null)"
check "triggers: activate-noawait update-initramfs" grep -qx 'activate-noawait update-initramfs' <<<"$triggers"
check "no conffiles" bash -c "! dpkg-deb --ctrl-tarfile '$deb' | tar -t | grep -q conffiles"
dpkg-deb -x "$deb" "$work/x"
check "the binder in the package is statically linked" \
	bash -c "file -L '$work/x/usr/lib/vfio-boot/vfio-boot-binder' | grep -q 'statically linked'"

# ---- a fresh Debian root ----
step "mmdebstrap bookworm (minbase, with initramfs-tools)"
# The package lists stay, so that apt in the root can install the .deb's dependencies.
if ! mmdebstrap --variant=minbase --include=initramfs-tools --skip=cleanup/apt/lists bookworm "$root" \
	"deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" \
	"deb $SECURITY bookworm-security main" >"$work/mmdebstrap.log" 2>&1; then
	tail -n 20 "$work/mmdebstrap.log"
	fail "mmdebstrap made a bookworm root"
	exit 1
fi
pass "mmdebstrap made a bookworm root ($(du -sm "$root" | cut -f1) MB)"
for d in proc sys dev; do
	mount --rbind "/$d" "$root/$d" && mount --make-rslave "$root/$d" && mounted+=("$root/$d")
done
# Maintainer scripts must not start services in the root (Debian's policy-rc.d convention).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"

step "the package's dependencies (apt-get satisfy), then the user's config"
if ! in_root apt-get satisfy -y -q --no-install-recommends "$depends" >"$work/satisfy.log" 2>&1; then
	tail -n 20 "$work/satisfy.log"
	fail "apt-get satisfy the Depends"
fi
mkdir -p "$root/etc/vfio-boot"
printf '# mine\n[binder]\nwait = 0\n' >"$root/etc/vfio-boot/vfio-boot.conf"
chmod 0644 "$root/etc/vfio-boot/vfio-boot.conf"
conf_sum="$(sha256sum <"$root/etc/vfio-boot/vfio-boot.conf")"
# The file list: everything in the root but what apt and dpkg keep about themselves, logs,
# and the kernel's file systems.
snapshot() {
	(cd "$root" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run \
		-o -path ./tmp -o -path ./var/lib/dpkg -o -path ./var/lib/apt -o -path ./var/cache \
		-o -path ./var/log \) -prune -o -print) | sort >"$1"
}
snapshot "$work/files-before"

step "apt-get install ./${deb##*/}"
cp "$deb" "$root/tmp/"
in_root apt-get install -y --no-install-recommends "/tmp/${deb##*/}" >"$work/install-apt.log" 2>&1
rc=$?
sed 's/^/  apt: /' "$work/install-apt.log" | grep -v -e 'Reading' -e 'Building' -e 'Selecting' | tail -n 15
check "apt-get install ./${deb##*/} (exit $rc)" test "$rc" = 0
check "it installed vfio-boot alone (its dependencies were there)" \
	grep -q '^0 upgraded, 1 newly installed' "$work/install-apt.log"
check "the update-initramfs trigger fired on install (initramfs-tools processed it)" \
	grep -q '^Processing triggers for initramfs-tools' "$work/install-apt.log"
check "dpkg: vfio-boot installed" bash -c "chroot '$root' dpkg-query -W -f='\${db:Status-Abbrev}' vfio-boot | grep -q '^ii'"

step "run it in the root"
out="$(in_root vfio-boot --version 2>&1)"
rc=$?
echo "  $out"
check "vfio-boot --version (exit $rc): $out" bash -c "[[ $rc = 0 && '$out' == 'vfio-boot $version' ]]"
in_root vfio-boot check >"$work/check.out" 2>&1
rc=$?
sed 's/^/  check: /' "$work/check.out"
# This machine may have no IOMMU: check then exits 2 (a FAIL item), which is an answer.
check "vfio-boot check ran to an answer (exit $rc, 0-2)" bash -c "((rc = $rc, rc >= 0 && rc <= 2))"
check "vfio-boot check: its known items (CPU virtualisation, IOMMU, vfio modules, override)" bash -c \
	"grep -q '^[A-Z]* CPU virtualisation:' '$work/check.out' && grep -q '^[A-Z]* IOMMU:' '$work/check.out' &&
	grep -q '^[A-Z]* vfio modules:' '$work/check.out' && grep -q '^[A-Z]* override:' '$work/check.out'"
check "vfio-boot check: no missing library, no crash" \
	bash -c "[[ -s '$work/check.out' ]] && ! grep -q -i -e 'error while loading shared' -e 'sanitizer' -e 'segmentation' '$work/check.out'"
for p in /usr/bin/vfio-boot /lib/systemd/system-generators/vfio-boot-generator \
	/usr/lib/vfio-boot/vfio-boot-netcfg /usr/lib/vfio-boot/vfio-boot-claimed; do
	check "ldd $p: every library found" \
		bash -c "chroot '$root' ldd '$p' >'$work/ldd' && ! grep -q 'not found' '$work/ldd'"
done
check "libxml2.so.2, which the generator dlopen()s, is in the root" \
	bash -c "chroot '$root' ldconfig -p | grep -q 'libxml2.so.2 '"
mkdir -p "$root/tmp/gen/a" "$root/tmp/gen/b" "$root/tmp/gen/c"
check "vfio-boot-generator runs in the root" \
	in_root /lib/systemd/system-generators/vfio-boot-generator /tmp/gen/a /tmp/gen/b /tmp/gen/c
for f in /usr/share/initramfs-tools/hooks/vfio-boot /usr/share/initramfs-tools/scripts/init-top/00-vfio-boot \
	/usr/lib/dracut/modules.d/90vfio-boot/module-setup.sh /usr/lib/vfio-boot/vfio-boot-binder; do
	check "$f is there, executable, and dpkg says it is vfio-boot's" \
		bash -c "[[ -x '$root$f' ]] && chroot '$root' dpkg -S '$f' | grep -q '^vfio-boot: '"
done
check "the installed hook names the installed binder" \
	grep -q 'VFIO_BOOT_BINDER:-/usr/lib/vfio-boot/vfio-boot-binder' "$root/usr/share/initramfs-tools/hooks/vfio-boot"
check "the udev rule is where udev reads it" test -f "$root/usr/lib/udev/rules.d/69-vfio-boot.rules"

step "apt-get remove vfio-boot"
in_root apt-get remove -y vfio-boot >"$work/remove.log" 2>&1
rc=$?
check "apt-get remove (exit $rc)" test "$rc" = 0
check "the update-initramfs trigger fired on remove" \
	grep -q '^Processing triggers for initramfs-tools' "$work/remove.log"
snapshot "$work/files-removed"
diff -u "$work/files-before" "$work/files-removed" | sed -n 's/^[-+]\.\//  diff: &/p'
check "after remove the root's files are those before install" cmp -s "$work/files-before" "$work/files-removed"
check "after remove the user's /etc/vfio-boot/vfio-boot.conf is there, unchanged" \
	bash -c "[[ \"\$(sha256sum <'$root/etc/vfio-boot/vfio-boot.conf')\" == '$conf_sum' ]]"

step "apt-get purge vfio-boot"
in_root apt-get purge -y vfio-boot >"$work/purge.log" 2>&1
rc=$?
grep 'vfio-boot:' "$work/purge.log" | sed 's/^/  purge: /'
check "apt-get purge (exit $rc)" test "$rc" = 0
check "purge says /etc/vfio-boot is left, the user's" grep -q 'vfio-boot: /etc/vfio-boot is left in place' "$work/purge.log"
snapshot "$work/files-purged"
diff -u "$work/files-before" "$work/files-purged" | sed -n 's/^[-+]\.\//  diff: &/p'
check "after purge the root's files are those before install" cmp -s "$work/files-before" "$work/files-purged"
check "after purge the user's /etc/vfio-boot/vfio-boot.conf is there, unchanged" \
	bash -c "[[ \"\$(sha256sum <'$root/etc/vfio-boot/vfio-boot.conf')\" == '$conf_sum' ]]"
check "dpkg knows no vfio-boot any more" \
	bash -c "! chroot '$root' dpkg-query -W -f='\${db:Status-Abbrev}' vfio-boot 2>/dev/null | grep -q '^[a-z][a-zA-Z]'"

# ---- dracut takes the same trigger ----
step "dracut instead of initramfs-tools: install, purge"
if in_root apt-get install -y -q --no-install-recommends dracut >"$work/dracut.log" 2>&1; then
	snapshot "$work/files-before-dracut"
	in_root apt-get install -y --no-install-recommends "/tmp/${deb##*/}" >"$work/install-dracut.log" 2>&1
	check "with dracut: install" grep -q '^Setting up vfio-boot' "$work/install-dracut.log"
	check "with dracut: the update-initramfs trigger fired on install (dracut processed it)" \
		grep -q '^Processing triggers for dracut' "$work/install-dracut.log"
	in_root apt-get purge -y vfio-boot >"$work/purge-dracut.log" 2>&1
	check "with dracut: the trigger fired on purge" grep -q '^Processing triggers for dracut' "$work/purge-dracut.log"
	snapshot "$work/files-purged-dracut"
	diff -u "$work/files-before-dracut" "$work/files-purged-dracut" | sed -n 's/^[-+]\.\//  diff: &/p'
	check "with dracut: after purge the root's files are those before install" \
		cmp -s "$work/files-before-dracut" "$work/files-purged-dracut"
else
	tail -n 10 "$work/dracut.log"
	fail "apt-get install dracut in the root"
fi

step ""
echo "$me: $fails failed; $((SECONDS - t_all)) s in all"
((fails == 0))
