#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the fullboot inner guest, a Multiboot v1 ELF for qemu -kernel: build.sh OUT.elf
# Needs only gcc and binutils (no multilib: nothing from libc or libgcc is linked).
set -e
[ $# -eq 1 ] || {
	echo "usage: $0 OUT.elf" >&2
	exit 2
}
src=$(dirname "$0")
out=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# min-pagesize=0: GCC 12 takes reads from fixed low addresses (the BIOS data area) for
# out-of-bounds accesses of a null pointer.
cflags="-m32 -march=i686 -mgeneral-regs-only -ffreestanding -fno-pic -fno-pie -fno-stack-protector
	-fno-asynchronous-unwind-tables -fcf-protection=none -nostdlib -O2 -std=gnu11
	-Wall -Wextra -Werror --param=min-pagesize=0"
# shellcheck disable=SC2086 # word splitting of the flags is meant
gcc $cflags -c "$src/start.S" -o "$tmp/start.o"
# shellcheck disable=SC2086
gcc $cflags -c "$src/fbguest.c" -o "$tmp/fbguest.o"
ld -m elf_i386 -nostdlib -z noexecstack --no-warn-rwx-segments -T "$src/fbguest.ld" -o "$out" "$tmp/start.o" "$tmp/fbguest.o"
