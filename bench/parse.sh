#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The config parser's time against the config's size (bench/parse.c): builds it with -O2 from
# lib/, runs it, prints the table and writes it into bench/README.md (between the "parse"
# markers). Reported, not asserted. Knobs: RUNS (9), SIZES_KIB ("128 256 512 1024"), README
# (bench/README.md; "-": print only).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
CC=${CC:-gcc}
README=${README:-bench/README.md}
mkdir -p "$BUILD/bench"
# lib/ but its libxml2 reader, whatever files the parser is split into.
# shellcheck disable=SC2046
$CC -std=gnu11 -D_GNU_SOURCE -O2 -Ilib -Wall -Wextra -Werror -o "$BUILD/bench/parse" \
	bench/parse.c $(grep -L '<libxml/' lib/*.c)
# shellcheck disable=SC2086
OUT=$("$BUILD/bench/parse" -r "${RUNS:-9}" ${SIZES_KIB:-128 256 512 1024})
REPORT=$(
	echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) CPUs, source" \
		"$(git rev-parse --short HEAD 2>/dev/null || echo unknown), by \`bench/parse.sh\`."
	echo
	echo "| Shape | KiB | Sections | Median ms | Min ms | × previous size |"
	echo "|---|---:|---:|---:|---:|---:|"
	echo "$OUT" | awk 'NR > 1 { printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }'
)
echo "$REPORT"
if [ "$README" != - ]; then
	printf '%s\n' "$REPORT" >"$BUILD/bench/parse.md"
	awk -v report="$BUILD/bench/parse.md" '
		/<!-- parse:begin -->/ { print; while ((getline l < report) > 0) print l; skip = 1; next }
		/<!-- parse:end -->/ { skip = 0 }
		!skip' "$README" >"$README.tmp"
	mv "$README.tmp" "$README"
	echo "bench: wrote the parse results into $README" >&2
fi
