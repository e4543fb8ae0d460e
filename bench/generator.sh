#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The generator on chains of guests: N [guest] sections, each started after the next one
# (g1 after g2, ..., the last after none), so that every `after` names a guest further down
# the file ("chain"); the same chain whose last guest has an error, so that every guest is
# skipped for starting after a skipped one ("skipped"); and, for comparison, the same N
# guests without `after` ("flat": reading the config and writing the drop-ins). Reports the
# median wall time of each and the ratio from one size to the next (about 2 when the work
# grows linearly), into bench/README.md between the "generator" markers. Measured, not
# asserted.
#
# First, the generator against its floor (bench/floor-generator.c, a static program that
# writes the same directories, files and links from a manifest of a reference run): 100
# guests, each with a bridge and each after the one before, once without any domain XML and
# once with one per guest; the ratios go into bench/README.md between the "genfloor" markers.
#
# Environment: SIZES ("1000 2000 4000 8000"), RUNS (timed runs per size and kind, 3),
# FLOOR_RUNS (200) and FLOOR_BUDGET (10 s) for the floor comparison, GENERATOR
# (generator/vfio-boot-generator), BENCH_TMP (/dev/shm), README (bench/README.md; "-": print
# only), CC (cc).
set -eu

SIZES=${SIZES:-1000 2000 4000 8000}
RUNS=${RUNS:-3}
FLOOR_RUNS=${FLOOR_RUNS:-200}
FLOOR_BUDGET=${FLOOR_BUDGET:-10}
GENERATOR=${GENERATOR:-generator/vfio-boot-generator}
README=${README:-bench/README.md}
CC=${CC:-cc}

say() { printf '%s\n' "$*" >&2; }

# into_readme NAME REPORT: REPORT replaces what README holds between the NAME markers
into_readme() {
	[ "$README" != - ] || return 0
	awk -v report="$2" -v begin="<!-- $1:begin -->" -v end="<!-- $1:end -->" '
		$0 == begin { print; while ((getline l < report) > 0) print l; skip = 1; next }
		$0 == end { skip = 0 }
		!skip' "$README" >"$README.tmp"
	mv "$README.tmp" "$README"
	say "bench: wrote the $1 results into $README"
}

[ -n "${MAKELEVEL:-}" ] || make --no-print-directory "$GENERATOR" >&2
T=$(mktemp -d "${BENCH_TMP:-/dev/shm}/vbg.XXXXXX")
trap 'rm -rf "$T"' EXIT
$CC -std=gnu11 -O2 -Wall -o "$T/timeit" bench/timeit.c
cp "$GENERATOR" "$T/vfio-boot-generator"
# shellcheck disable=SC2016 # for the script to expand
printf 'rm -rf "$1"/*\n' >"$T/clean.sh"

# $1 guests into $2; $3: chain, skipped or flat
conf() {
	awk -v n="$1" -v kind="$3" 'BEGIN {
		for (i = 1; i <= n; i++) {
			printf "[guest g%d]\nautostart = yes\n", i
			if (kind != "flat" && i < n)
				printf "after = g%d\n", i + 1
			if (kind == "skipped" && i == n)
				printf "restart = sometimes\n"
		}
	}' >"$2"
}

# ---- the generator against its floor ----
$CC -std=gnu11 -O2 -static -Wall -Wextra -Werror -o "$T/floor-generator" bench/floor-generator.c
$CC -std=gnu11 -O2 -static -o "$T/noop" bench/noop.c

# manifest DIR: what DIR holds, in the floor's format, each directory before its entries
manifest() {
	(cd "$1" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort | while IFS= read -r e; do
		if [ -L "$e" ]; then
			printf 'l %s\n%s\n' "$e" "$(readlink "$e")"
		elif [ -d "$e" ]; then
			printf 'd %s\n' "$e"
		else
			printf 'f %s\n%s\n' "$e" "$(wc -c <"$e")"
			cat "$e"
		fi
	done)
}

# 100 guests, guest i on bridge bri and after guest i-1; $1: root, $2: with XML (1) or not
guests100() {
	mkdir -p "$1/etc/vfio-boot" "$1/etc/libvirt/qemu" "$1/proc" "$1/out" "$1/floor"
	printf 'BOOT_IMAGE=/vmlinuz\n' >"$1/proc/cmdline"
	awk 'BEGIN {
		for (i = 1; i <= 100; i++)
			printf "[bridge br%d]\nuplink = eth%d\n\n", i, i
		for (i = 1; i <= 100; i++) {
			printf "[guest g%d]\nautostart = yes\nbridge = br%d\n", i, i
			if (i > 1)
				printf "after = g%d\n", i - 1
			print ""
		}
	}' >"$1/etc/vfio-boot/vfio-boot.conf"
	[ "$2" = 1 ] || return 0
	i=1
	while [ $i -le 100 ]; do
		printf "<domain type='kvm'><name>g%d</name><devices><disk type='block' device='disk'><source dev='/dev/disk/by-id/nvme-%d'/><target dev='vda' bus='virtio'/></disk><interface type='bridge'><source bridge='br%d'/></interface></devices></domain>\n" \
			$i $i $i >"$1/etc/libvirt/qemu/g$i.xml"
		i=$((i + 1))
	done
}

set --
for kind in noxml xml; do
	r=$T/floor-$kind
	guests100 "$r" "$([ $kind = xml ] && echo 1 || echo 0)"
	VFIO_BOOT_ROOT=$r SYSTEMD_IN_INITRD=0 "$T/vfio-boot-generator" "$r/out" 2>"$T/log-$kind" ||
		{ say "bench: the generator failed on 100 guests ($kind)"; exit 1; }
	manifest "$r/out" >"$T/manifest-$kind"
	"$T/floor-generator" "$T/manifest-$kind" "$r/floor"
	diff -r --no-dereference "$r/out" "$r/floor" >/dev/null ||
		{ say "bench: the floor does not write what the generator writes ($kind)"; exit 1; }
	[ $# = 0 ] || set -- "$@" :::
	set -- "$@" -l "gen-$kind" -p "/bin/sh $T/clean.sh $r/out" -E VFIO_BOOT_ROOT="$r" \
		-E SYSTEMD_IN_INITRD=0 -- "$T/vfio-boot-generator" "$r/out" ::: \
		-l "floor-$kind" -p "/bin/sh $T/clean.sh $r/floor" -- \
		"$T/floor-generator" "$T/manifest-$kind" "$r/floor"
done
WARNINGS=$(grep -c . "$T/log-noxml" || true)
"$T/timeit" -n "$FLOOR_RUNS" -m 20 -t "$FLOOR_BUDGET" "$@" ::: -l noop -- "$T/noop" \
	>"$T/times-floor"
say "bench: generator and floor, 100 guests:"
cat "$T/times-floor" >&2
FLOOR_REPORT=$T/floor.md
# shellcheck disable=SC2016 # backquotes for Markdown
{
	printf 'Measured %s on %s CPUs (%s), source %s, by `bench/generator.sh`.\n' \
		"$(date -u '+%Y-%m-%d %H:%M UTC')" "$(nproc)" "$(uname -sr)" \
		"$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	printf 'Load average %s. Interleaved, one run of each per round; ms.\n' \
		"$(cut -d' ' -f1-3 /proc/loadavg)"
	printf 'Without domain XML the generator printed %s line(s) of warning.\n\n' "$WARNINGS"
	awk '{ runs[$1] = $2; med[$1] = $3; p90[$1] = $4; min[$1] = $5 }
	END {
		print "| Case | Runs | generator median | floor median | ratio | generator min | floor min | ratio of minima |"
		print "|---|---:|---:|---:|---:|---:|---:|---:|"
		n = split("noxml xml", k, " ")
		for (i = 1; i <= n; i++) {
			g = "gen-" k[i]; f = "floor-" k[i]
			printf "| %s | %d | %.2f | %.2f | **%.2f×** | %.2f | %.2f | %.2f× |\n",
				k[i] == "xml" ? "each guest with its domain XML" : "no domain XML",
				runs[g], med[g], med[f], med[g] / med[f], min[g], min[f], min[g] / min[f]
		}
		printf "\nSpawning a static program that does nothing (part of every time above): %.2f ms (median).\n", med["noop"]
	}' "$T/times-floor"
} >"$FLOOR_REPORT"
cat "$FLOOR_REPORT"
into_readme genfloor "$FLOOR_REPORT"
[ -z "${FLOOR_ONLY:-}" ] || exit 0

# ---- chains of guests ----
REPORT=$T/report.md
# shellcheck disable=SC2016 # backquotes for Markdown
{
	printf 'Measured %s on %s CPUs (%s), source %s, by `bench/generator.sh`.\n' \
		"$(date -u '+%Y-%m-%d %H:%M UTC')" "$(nproc)" "$(uname -sr)" \
		"$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	printf 'Load average %s at the start. Median of %s runs, in ms; × previous size.\n\n' \
		"$(cut -d' ' -f1-3 /proc/loadavg)" "$RUNS"
	printf '| Guests | chain | × | skipped | × | flat | × |\n'
	printf '|---:|---:|---:|---:|---:|---:|---:|\n'
} >"$REPORT"

KINDS="chain skipped flat"
prev=
for n in $SIZES; do
	set --
	for kind in $KINDS; do
		r=$T/$kind-$n
		mkdir -p "$r/etc/vfio-boot" "$r/proc" "$r/out"
		conf "$n" "$r/etc/vfio-boot/vfio-boot.conf" "$kind"
		printf 'BOOT_IMAGE=/vmlinuz\n' >"$r/proc/cmdline"
		# Each run writes into an emptied output directory: the generator creates anew.
		[ $# = 0 ] || set -- "$@" :::
		set -- "$@" -l "$kind" -p "/bin/sh $T/clean.sh $r/out" -E VFIO_BOOT_ROOT="$r" \
			-E SYSTEMD_IN_INITRD=0 -E SYSTEMD_LOG_LEVEL=emerg \
			-- "$T/vfio-boot-generator" "$r/out"
	done
	"$T/timeit" -n "$RUNS" -m "$RUNS" -w 0 "$@" >"$T/times-$n"
	[ "$(find "$T/chain-$n/out" -name '50-vfio-boot.conf' | wc -l)" = "$n" ] ||
		{ say "bench: the generator made no drop-in for each of $n guests"; exit 1; }
	[ "$(find "$T/skipped-$n/out" -name '50-vfio-boot.conf' | wc -l)" = 0 ] ||
		{ say "bench: the generator did not skip the guests after a skipped one"; exit 1; }
	cur=$(for kind in $KINDS; do awk -v k="$kind" '$1 == k { print $3 }' "$T/times-$n"; done)
	awk -v n="$n" -v cur="$cur" -v prev="$prev" 'BEGIN {
		nc = split(cur, c, " "); split(prev, p, " ")
		printf "| %d", n
		for (i = 1; i <= nc; i++)
			printf " | %.1f | %s", c[i], p[i] == "" ? "" : sprintf("%.2f", c[i] / p[i])
		printf " |\n"
	}' >>"$REPORT"
	say "bench: $n guests: $(echo "$cur" | tr '\n' ' ')ms (chain skipped flat)"
	prev=$cur
done

cat "$REPORT"
into_readme generator "$REPORT"
