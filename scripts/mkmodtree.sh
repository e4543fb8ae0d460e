#!/usr/bin/env bash
# Usage: scripts/mkmodtree.sh [--without-vfio] [--from /lib/modules/X] DESTROOT VERSION
#
# Builds DESTROOT/lib/modules/VERSION, a module-tree fixture made of the real
# vfio modules of an installed Debian kernel (vfio, vfio_pci, vfio_pci_core,
# vfio_iommu_type1, vfio_virqfd, irqbypass and whatever modules.dep says they
# need), then runs depmod on it so the fixture has real modules.dep(.bin),
# modules.alias.bin, modules.softdep and modules.builtin.bin. Module files are
# copied as they are (same relative paths, names and compression) so the
# loader is tested against exactly what a Debian system has.
#
# --without-vfio: the same tree with every vfio module left out (depmod still
#                 run), for the "vfio module missing" case.
# --from DIR:     take modules from DIR (a /lib/modules/X directory) instead
#                 of the newest installed kernel that has drivers/vfio.
#
# Softdeps: vfio's "post: vfio_iommu_type1" comes from the module's own
# .modinfo, which depmod turns into modules.softdep; the host's modprobe.d is
# deliberately not copied so the fixture is the same on every machine.
# Prints nothing on success.
set -euo pipefail

me="mkmodtree.sh"
WANT=(vfio vfio_pci vfio_pci_core vfio_iommu_type1 vfio_virqfd irqbypass)

die() { echo "$me: $*" >&2; exit 1; }
usage() { echo "usage: $me [--without-vfio] [--from /lib/modules/X] DESTROOT VERSION" >&2; exit 2; }

without_vfio=
from=
while (($#)); do
	case "$1" in
	--without-vfio) without_vfio=1; shift ;;
	--from) (($# >= 2)) || usage; from="$2"; shift 2 ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
(($# == 2)) || usage
destroot="$1"
version="$2"
# depmod only accepts versions that start like "6.1"; say so before copying.
[[ "$version" =~ ^[0-9]+\.[0-9]+[^/]*$ ]] ||
	die "bad VERSION '$version' (depmod wants MAJOR.MINOR..., e.g. 6.1.0-test)"

command -v depmod >/dev/null || die "depmod not found: apt-get install kmod"

if [[ -z "$from" ]]; then
	# Newest kernel (version order) that ships vfio as modules.
	while IFS= read -r d; do
		if [[ -d "$d/kernel/drivers/vfio" ]]; then from="$d"; fi
	done < <(printf '%s\n' /lib/modules/*/ | sed 's:/$::' | sort -V)
	[[ -n "$from" ]] ||
		die "no installed kernel with vfio modules under /lib/modules: apt-get install linux-image-amd64"
fi
from="${from%/}"
[[ -f "$from/modules.dep" ]] || die "$from has no modules.dep (not a /lib/modules/X directory?)"

mkdir -p "$destroot"
destroot="$(cd "$destroot" && pwd)"
[[ "$destroot" != / ]] || die "refusing DESTROOT=/ (this would replace the system's modules)"
dest="$destroot/lib/modules/$version"

# modules.dep lines are "relpath: dep-relpath ..." with the full transitive
# closure, so the wanted modules' lines name every file we need. Module names
# use '_' while file names may use '-' (vfio-pci.ko), and files may be
# compressed (.ko.xz/.ko.zst/.ko.gz), hence the normalisation.
mapfile -t files < <(awk -v want="${WANT[*]}" '
	BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) wanted[w[i]] = 1 }
	{
		path = $1; sub(/:$/, "", path)
		name = path; sub(/.*\//, "", name); sub(/\.ko(\.[a-z]+)?$/, "", name)
		gsub(/-/, "_", name)
		if (name in wanted) for (i = 1; i <= NF; i++) { p = $i; sub(/:$/, "", p); print p }
	}' "$from/modules.dep" | sort -u)
((${#files[@]})) || die "no vfio modules listed in $from/modules.dep: apt-get install linux-image-amd64"

rm -rf "$dest"
mkdir -p "$dest"
for f in "${files[@]}"; do
	base="${f##*/}"
	if [[ -n "$without_vfio" && ("$f" == */drivers/vfio/* || "$base" == vfio*) ]]; then
		continue
	fi
	[[ -f "$from/$f" ]] || die "$from/$f is listed in modules.dep but missing"
	mkdir -p "$dest/$(dirname "$f")"
	cp -p "$from/$f" "$dest/$f"
done

# What depmod reads besides the modules: builtin lists (for
# modules.builtin.bin and modules.builtin.alias.bin) and the load order.
for f in modules.builtin modules.builtin.modinfo modules.order; do
	if [[ -f "$from/$f" ]]; then cp -p "$from/$f" "$dest/$f"; fi
done

# -C on an empty dir: the host's depmod.d must not change the fixture.
conf="$(mktemp -d)"
trap 'rm -rf "$conf"' EXIT
if ! out="$(depmod -C "$conf" -b "$destroot" "$version" 2>&1)"; then
	die "depmod -b $destroot $version failed: $out"
fi
