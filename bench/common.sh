# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0-or-later
# What bench/run.sh and bench/late.sh share, sourced from the top of the tree: the build's
# knobs, and the timer and tree builder every series needs (the trees are the tests' own
# fixture's; cmocka only for its failure reports). Sets B (the bench's build directory).
BUILD=${BUILD:-build}
B=$BUILD/bench
OUT=bench/out
RUNS=${RUNS:-200}
BUDGET=${BUDGET:-10}
README=${README:-bench/README.md}
CC=${CC:-gcc}
LIBKMOD_A=${LIBKMOD_A:-$BUILD/kmod/libkmod.a}
LIBKMOD_INCLUDE=${LIBKMOD_INCLUDE:-$BUILD/kmod/include}
WARN="-Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes"
WARN="$WARN -Wno-missing-field-initializers -Wno-format-truncation"

say() { printf '%s\n' "$*" >&2; }

build_tools() {
	mkdir -p "$B" "$OUT"
	# shellcheck disable=SC2086 # $WARN is several flags
	$CC -std=gnu11 -O2 $WARN -o "$B/timeit" bench/timeit.c
	# shellcheck disable=SC2086
	$CC -std=gnu11 -D_GNU_SOURCE -O2 $WARN -Ilib -Itests/mock -DSRCDIR="\"$PWD\"" \
		-DMOCK_SO='"/nonexistent"' -DMOCK_WRITE='"/nonexistent"' -o "$B/mktree" \
		bench/mktree.c tests/mock/fixture*.c -lcmocka
}

# The kernel double, and the binder it can drive: the same sources as the static binder,
# linked dynamically (LD_PRELOAD does not reach a static program), -O2, no sanitizer. Sets MOCK.
build_double() {
	$CC -std=gnu11 -D_GNU_SOURCE -O2 -fPIC -shared -o "$B/libsysfsmock.so" \
		tests/mock/sysfs-mock*.c -ldl -lpthread || return
	# shellcheck disable=SC2034 # for the script that sources this
	MOCK=$(realpath "$B/libsysfsmock.so")
	# shellcheck disable=SC2046 # one word per source file
	$CC -std=gnu11 -D_GNU_SOURCE -DVERSION='"0.1"' -Ilib -I"$LIBKMOD_INCLUDE" -O2 \
		-o "$1" $(grep -L '<libxml/' lib/*.c) binder/*.c "$LIBKMOD_A" -llzma -lzstd -lz
}
