#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The benchmark: the binder against the wiki's shell loop on fake machines of 16, 256 and 1024
# PCI functions with 8 claims. Builds what it needs, prints the tables and writes them into
# bench/README.md (between the "results" markers). See bench/README.md.
#
# Knobs (environment): SIZES ("16 256 1024"); RUNS (200) and BUDGET (10 s): the binder series
# run interleaved, at most RUNS rounds, fewer once BUDGET seconds have passed, never fewer than
# 20; SHELL_RUNS (30) and SHELL_BUDGET (25 s) likewise for the shell series, never fewer than 3;
# BENCH_TMP (/dev/shm): where the trees go; BINDER (binder/vfio-boot-binder); README
# (bench/README.md; "-": print only).
set -eu
cd "$(dirname "$0")/.."

. bench/common.sh
BINDER=${BINDER:-binder/vfio-boot-binder}
SIZES=${SIZES:-16 256 1024}
SHELL_RUNS=${SHELL_RUNS:-30}
SHELL_BUDGET=${SHELL_BUDGET:-25}

die() { say "bench: $*"; exit 1; }

# ---- build ----
mkdir -p "$B" "$OUT"
[ -n "${MAKELEVEL:-}" ] || make --no-print-directory "$BINDER" >&2 ||
	{ [ -x "$BINDER" ] && say "bench: make failed; measuring the $BINDER there is"; }
# A copy: others may relink the binder while this runs.
cp "$BINDER" "$B/vfio-boot-binder"
BINDER=$B/vfio-boot-binder
build_tools
$CC -O2 -static -o "$B/noop" bench/noop.c
# shellcheck disable=SC2086
$CC -std=gnu11 -O2 -static $WARN -o "$B/floor-scan" bench/floor-scan.c
MOCK=
DYN=
if build_double "$B/vfio-boot-binder-dyn"; then
	DYN=$B/vfio-boot-binder-dyn
fi
[ -n "$DYN" ] || say "bench: no kernel double or dynamic binder: skipping (d)"
strip -o "$B/vfio-boot-binder.stripped" "$BINDER"

# ---- the trees ----
T=$(mktemp -d "${BENCH_TMP:-/dev/shm}/vbb.XXXXXX")
trap 'rm -rf "$T"' EXIT
case "$T$PWD" in *[[:space:]]*) die "paths with spaces are not supported: $T $PWD" ;; esac
RES=$OUT/results.txt
: >"$RES"

# record SIZE KEY "TIMEIT OUTPUT" SYSCALLS
record() {
	echo "$1 $2 $3 $4" >>"$RES"
	say "  $2: runs/median/p90/min/max ms: $3; syscalls $4"
}

# syscalls FILE: the total number of calls in an strace -c summary
syscalls() {
	awk '$NF == "total" { print $4 }' "$1"
}

# claimed_links ROOT: how many devices have their driver link on vfio-pci
claimed_links() {
	for l in "$1"/sys/bus/pci/devices/*/driver; do
		readlink "$l"
	done | grep -c '/vfio-pci$' || true
}

# The checks of what one run did; a run that does not do the work measures nothing.
gave_back() { grep -qx 'failed=8' "$R/run/vfio-boot/status"; }
wrote_nothing() { [ ! -e "$R/run/vfio-boot" ] && [ ! -s "$R/sys/bus/pci/drivers_probe" ]; }
overrides() { [ "$(grep -lx vfio-pci "$R"/sys/bus/pci/devices/*/driver_override | wc -l)" = 8 ]; }
bound() { [ "$(claimed_links "$R")" = 8 ]; }
claimed() { grep -qx 'claimed=8' "$R/run/vfio-boot/status" && bound; }

# count KEY CHECK [-E VAR=VALUE]... -- COMMAND [ARG]...
# One run under strace -f -c, on a freshly reset tree: the syscall count, and CHECK on what the
# run did.
count() {
	key=$1 check=$2
	shift 2
	$RESET
	strace -f -c -o "$OUT/strace-$n-$key.txt" "$@" >/dev/null 2>&1
	$check || die "($key) at $n functions: the run did not do its work ($check failed)"
}

# ---- the floor: spawning a program that does nothing ----
FLOOR=$("$B/timeit" -n 200 -t 5 -l static -- "$B/noop" ::: -l dynamic -- /bin/true)
FLOOR_STATIC=$(echo "$FLOOR" | awk '$1 == "static" { print $3 }')
FLOOR_DYN=$(echo "$FLOOR" | awk '$1 == "dynamic" { print $3 }')
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
say "floor (median ms): static no-op $FLOOR_STATIC, /bin/true $FLOOR_DYN"

# The binder series are interleaved with each other, and so are the shell ones.
TB="-n $RUNS -m 20 -t $BUDGET"
TS="-n $SHELL_RUNS -m 3 -t $SHELL_BUDGET -w 0"
# shellcheck disable=SC2016 # $0 is for the shell that runs it
SH_MOCK='unset LD_PRELOAD; . "$0"'
for n in $SIZES; do
	R=$T/$n
	"$B/mktree" "$R" "$n"
	"$B/mktree" "$T/ref$n" "$n"
	IDS=$("$B/mktree" --ids "$n")
	RESET="$B/mktree --reset $R $n"
	say "== $n PCI functions ($R; claims: $IDS)"

	count a gave_back -- "$BINDER" --root "$R"
	count b wrote_nothing -- "$BINDER" --root "$R" --dry-run
	strace -o "$OUT/trace-$n-b.txt" "$BINDER" --root "$R" --dry-run >/dev/null 2>&1
	echo "$R" >"$OUT/trace-$n-b.root"
	count c overrides -E "SYS=$R/sys" -E "IDS=$IDS" -- /bin/sh bench/wiki-recipe.sh
	count f true -- "$B/floor-scan" "$R"
	count g true -- "$B/floor-scan" --links "$R"
	set -- -l a -p "$RESET" -- "$BINDER" --root "$R" ::: \
		-l b -p "$RESET" -- "$BINDER" --root "$R" --dry-run ::: \
		-l f -- "$B/floor-scan" "$R" ::: -l g -- "$B/floor-scan" --links "$R"
	if [ -n "$DYN" ]; then
		count d0 gave_back -- "$DYN" --root "$R"
		count d1 claimed -E "LD_PRELOAD=$MOCK" -E "VFIO_MOCK_ROOT=$R" -- "$DYN" --root "$R"
		# The double in the shell that writes; its cat children do not need it.
		count d2 bound -E "LD_PRELOAD=$MOCK" -E "VFIO_MOCK_ROOT=$R" -E "SYS=$R/sys" \
			-E "IDS=$IDS" -- /bin/sh -c "$SH_MOCK" bench/wiki-recipe.sh
		set -- "$@" ::: -l d0 -p "$RESET" -- "$DYN" --root "$R" ::: \
			-l d1 -p "$RESET" -E "LD_PRELOAD=$MOCK" -E "VFIO_MOCK_ROOT=$R" -- \
			"$DYN" --root "$R"
	fi
	# shellcheck disable=SC2086 # $TB and $TS are several options
	"$B/timeit" $TB -o "$OUT/times-$n" "$@" >"$OUT/timeit-$n.txt"
	set -- -l c -p "$RESET" -E "SYS=$R/sys" -E "IDS=$IDS" -- /bin/sh bench/wiki-recipe.sh
	[ -z "$DYN" ] || set -- "$@" ::: -l d2 -p "$RESET" -E "LD_PRELOAD=$MOCK" \
		-E "VFIO_MOCK_ROOT=$R" -E "SYS=$R/sys" -E "IDS=$IDS" -- \
		/bin/sh -c "$SH_MOCK" bench/wiki-recipe.sh
	# shellcheck disable=SC2086
	"$B/timeit" $TS -o "$OUT/times-$n" "$@" >>"$OUT/timeit-$n.txt"
	while read -r key rest; do
		record "$n" "$key" "$rest" "$(syscalls "$OUT/strace-$n-$key.txt")"
	done <"$OUT/timeit-$n.txt"

	$RESET
	diff -r --no-dereference "$R" "$T/ref$n" >/dev/null || die "the reset does not restore the tree"
	rm -rf "$R" "$T/ref$n"
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the report ----
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain -- lib binder 2>/dev/null)" ] || COMMIT="$COMMIT + uncommitted changes in lib/ or binder/"
LAST=$(echo "$SIZES" | awk '{ print $NF }')
REPORT=$OUT/results.md
{
	echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) CPUs" \
		"($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
		"$(uname -sr)), source $COMMIT, by \`bench/run.sh\`."
	echo "Load average $LOAD_START at the start, $LOAD_END at the end (other work shares the machine)."
	echo "Trees on $(df --output=fstype "$T" | tail -n 1) (${BENCH_TMP:-/dev/shm})."
	echo
	echo "Binder size: $(wc -c <"$BINDER") bytes unstripped, $(wc -c <"$B/vfio-boot-binder.stripped")" \
		"bytes stripped (static)."
	echo "Floor (spawn, exit and wait; part of every time below): static no-op $FLOOR_STATIC ms," \
		"\`/bin/true\` (dynamic) $FLOOR_DYN ms (medians)."
	echo
	awk -v last="$LAST" -f - "$RES" <<'EOF'
function row(size, key, label, base,   r) {
	if (!((size, key) in med))
		return
	r = (size, base) in med ? sprintf("%.0f×", med[size, base] / med[size, key]) : "—"
	if (key == base)
		r = "1×"
	printf "| %s | %s | %d | %.2f | %.2f | %s | %s |\n", size, label, runs[size, key],
		med[size, key], p90[size, key], calls[size, key], r
}
{
	runs[$1, $2] = $3; med[$1, $2] = $4; p90[$1, $2] = $5; mn[$1, $2] = $6; calls[$1, $2] = $8
	if (!($1 in seen)) { seen[$1] = 1; sizes[++ns] = $1 }
}
END {
	print "**Static binder and shell loop on the plain fake tree** (no kernel double):"
	print ""
	print "| Functions | Run | Runs | Median ms | p90 ms | Syscalls | Shell ÷ this |"
	print "|---:|---|---:|---:|---:|---:|---:|"
	for (i = 1; i <= ns; i++) {
		row(sizes[i], "a", "(a) binder, real run (give-back path)", "c")
		row(sizes[i], "b", "(b) binder `--dry-run` (scan + plan)", "c")
		row(sizes[i], "c", "(c) shell loop (wiki recipe)", "c")
		row(sizes[i], "f", "(f) floor: list the devices, read each uevent", "c")
		row(sizes[i], "g", "(g) the floor and the binder's readlink (iommu_group) per function", "c")
	}
	if ((last, "d1") in med) {
		print ""
		print "**Under the kernel double** (`LD_PRELOAD` libsysfsmock.so: the 8 claims really bind;" \
			" dynamically linked binder, -O2, no sanitizers):"
		print ""
		print "| Functions | Run | Runs | Median ms | p90 ms | Syscalls | Shell ÷ this |"
		print "|---:|---|---:|---:|---:|---:|---:|"
		for (i = 1; i <= ns; i++) {
			row(sizes[i], "d0", "(d0) dynamic binder, plain tree, no double", "c")
			row(sizes[i], "d1", "(d1) dynamic binder under the double", "d2")
			row(sizes[i], "d2", "(d2) shell loop under the double", "d2")
		}
	}
	print ""
	if ((last, "f") in med) {
		print "**The scan against its floor**, (b) ÷ (f), medians of the same interleaved run (target: at most 1.3×):"
		print ""
		print "| Functions | (b) median ms | (f) median ms | (b) ÷ (f) | (b) min ms | (f) min ms | ratio of minima | (g) ÷ (f) |"
		print "|---:|---:|---:|---:|---:|---:|---:|---:|"
		for (i = 1; i <= ns; i++)
			if ((sizes[i], "f") in med)
				printf "| %s | %.2f | %.2f | **%.2f×** | %.2f | %.2f | %.2f× | %.2f× |\n",
					sizes[i], med[sizes[i], "b"], med[sizes[i], "f"],
					med[sizes[i], "b"] / med[sizes[i], "f"], mn[sizes[i], "b"],
					mn[sizes[i], "f"], mn[sizes[i], "b"] / mn[sizes[i], "f"],
					med[sizes[i], "g"] / med[sizes[i], "f"]
		print ""
	}
	if ((last, "a") in med) {
		fast = med[last, "a"] < 2 ? "met" : "**missed**"
		ratio = med[last, "c"] / med[last, "a"]
		printf "Target at %s functions, (a) against (c): under 2 ms: %s (%.2f ms); at least 50× faster" \
			" than the shell loop: %s (%.0f×).\n", last, fast, med[last, "a"],
			(ratio >= 50 ? "met" : "**missed**"), ratio
	}
}
EOF
	echo
	echo "Syscalls of the static binder at $LAST functions, by kind (strace -f -c; per function ="
	echo "calls ÷ $LAST):"
	echo
	echo "| Syscall | (a) real run | per function | (b) dry run | per function |"
	echo "|---|---:|---:|---:|---:|"
	awk -v n="$LAST" '
		FNR == 1 { f++ }
		$NF != "total" && $1 ~ /^[0-9.]+$/ && NF >= 5 { c[$NF, f] = $4; names[$NF] = 1 }
		END {
			for (s in names)
				printf "| %s | %d | %.2f | %d | %.2f |\n", s, c[s, 1], c[s, 1] / n,
					c[s, 2], c[s, 2] / n
		}' "$OUT/strace-$LAST-a.txt" "$OUT/strace-$LAST-b.txt" | sort -t'|' -k3 -n -r | head -n 12
	echo
	echo "The same (b) run at $LAST functions by purpose (strace; reads and closes followed"
	echo "through their file descriptor):"
	echo
	echo "| What | Syscalls | Per function |"
	echo "|---|---:|---:|"
	awk -v n="$LAST" -v root="$(cat "$OUT/trace-$LAST-b.root")" -f - "$OUT/trace-$LAST-b.txt" <<'EOF' |
function path(line,   a) { split(line, a, "\""); return a[2] }
function add(what) { count[what]++; total++ }
{
	sc = $0; sub(/\(.*/, "", sc)
	ret = $0; sub(/.*= /, "", ret); ret = ret + 0
	other = "other: start, cmdline, config, slots, plan output"
	if (sc == "readlink" || sc == "readlinkat") {
		p = path($0)
		if (p == root || index(root, p "/") == 1)
			add("readlink in realpath(): the --root prefix (not on a real boot)")
		else if (p ~ /\/iommu_group$/)
			add("readlink: iommu_group")
		else if (p ~ /\/driver$/)
			add("readlink: driver")
		else if (p ~ /^[0-9a-f]+:[0-9a-f]+:[0-9a-f]+\.[0-7]$/ || p ~ /\/sys\/bus\/pci\/devices\/[^\/]+$/)
			add("readlink: the bus's link to the device (topology path, for path=)")
		else
			add("readlink in realpath(): /sys components")
	} else if (sc == "openat") {
		p = path($0)
		if ($0 ~ /O_DIRECTORY/ && p ~ /^[0-9a-f]+:/)
			what = "open, close: the device directory"
		else if (p ~ /(^|\/)uevent$/)
			what = "open, read, close: uevent (ids, class, driver)"
		else if (p ~ /(^|\/)(vendor|device|class|subsystem_vendor|subsystem_device)$/)
			what = "open, read ×2, close: vendor, device, class, subsystem_vendor, subsystem_device"
		else if (p ~ /(^|\/)config$/)
			what = "open, pread, close: config byte 0x0e (header type, class 0x06 only)"
		else if (p ~ /(^|\/)boot_(vga|display)$/)
			what = "open: boot_vga, then boot_display (absent but on VGA functions)"
		else
			what = other
		add(what)
		if (ret >= 0)
			fd[ret] = what
	} else if (sc == "read" || sc == "pread64" || sc == "close") {
		f = $0; sub(/^[a-z0-9]+\(/, "", f); f = f + 0
		add(f in fd ? fd[f] : other)
		if (sc == "close")
			delete fd[f]
	} else {
		add(other)
	}
}
END {
	for (w in count)
		printf "| %s | %d | %.2f |\n", w, count[w], count[w] / n
	printf "| **total** | %d | %.2f |\n", total, total / n
}
EOF
		sort -t'|' -k3 -n -r | awk '/\*\*total/ { t = $0; next } { print } END { print t }'
} >"$REPORT"

cat "$REPORT"
if [ "$README" != - ]; then
	awk -v report="$REPORT" '
		/<!-- results:begin -->/ { print; while ((getline l < report) > 0) print l; skip = 1; next }
		/<!-- results:end -->/ { skip = 0 }
		!skip' "$README" >"$README.tmp"
	mv "$README.tmp" "$README"
	say "bench: wrote the results into $README"
fi

# ---- the config parser's time against the config's size ----
bench/parse.sh || say "bench: the parse benchmark failed"
# The generator's own benchmark, into its own section of the same README.
[ "${BENCH_GENERATOR:-1}" = 0 ] || README=$README bench/generator.sh
