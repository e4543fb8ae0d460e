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
# Environment: SIZES ("1000 2000 4000 8000"), RUNS (timed runs per size and kind, 3),
# GENERATOR (generator/vfio-boot-generator), BENCH_TMP (/dev/shm), README (bench/README.md;
# "-": print only), CC (cc).
set -eu

SIZES=${SIZES:-1000 2000 4000 8000}
RUNS=${RUNS:-3}
GENERATOR=${GENERATOR:-generator/vfio-boot-generator}
README=${README:-bench/README.md}
CC=${CC:-cc}

say() { printf '%s\n' "$*" >&2; }

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
if [ "$README" != - ]; then
	awk -v report="$REPORT" '
		/<!-- generator:begin -->/ { print; while ((getline l < report) > 0) print l; skip = 1; next }
		/<!-- generator:end -->/ { skip = 0 }
		!skip' "$README" >"$README.tmp"
	mv "$README.tmp" "$README"
	say "bench: wrote the results into $README"
fi
