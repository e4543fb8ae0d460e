#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/hooks/hooks.sh: how the initramfs hooks copy the config, without building an image.
# The initramfs-tools hook runs as mkinitramfs runs it (DESTDIR, version, the real
# hook-functions); dracut's module-setup.sh is sourced with dracut's helpers stubbed, and its
# install() called. Each case: a FIFO in conf.d fails the build at once (reading it would hang
# it), a link in conf.d that leads nowhere or a directory named like a drop-in fails it naming
# it, and a link to a good file is copied as a file without a warning about the link's own mode.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0 n=0
bad() {
	printf 'FAIL %s\n' "$*"
	fails=$((fails + 1))
}

if [ "$(id -u)" != 0 ]; then
	# The config must be root's, or the hooks warn, as they should.
	echo "hooks: skipped: needs root for a root-owned config"
	exit 0
fi

# A config directory: vfio-boot.conf and conf.d/, root's, mode 0755/0644.
mkconf() {
	rm -rf "$T/conf" "$T/image"
	install -d -m 0755 "$T/conf" "$T/conf/conf.d" "$T/image"
	printf '[device gpu]\nmatch = id=1234:1111\n' >"$T/conf/vfio-boot.conf"
	chmod 0644 "$T/conf/vfio-boot.conf"
	printf '#!/bin/sh\n' >"$T/binder"
	chmod 0755 "$T/binder"
}

# Runs one hook on $T/conf into $T/image: "itools" or "dracut". Sets rc and err.
run_hook() {
	local out=$T/out
	case $1 in
	itools)
		[ -r /usr/share/initramfs-tools/hook-functions ] || return 2
		DESTDIR=$T/image version=0.0.0-none verbose=n VFIO_BOOT_CONFDIR=$T/conf \
			VFIO_BOOT_BINDER=$T/binder timeout 20 \
			"$TOP/hooks/initramfs-tools/hooks/vfio-boot" >"$out" 2>&1
		;;
	dracut)
		# shellcheck disable=SC2016 # for the inner shell
		initdir=$T/image VFIO_BOOT_CONFDIR=$T/conf VFIO_BOOT_BINDER=$T/binder timeout 20 \
			bash -c '
			dwarn() { echo "W: $*" >&2; }
			dfatal() { echo "F: $*" >&2; }
			inst_simple() { mkdir -p "$initdir${2%/*}" && cp "$1" "$initdir$2"; }
			dracut_module_included() { return 1; }
			inst_hook() { :; }
			. "$1/hooks/dracut/90vfio-boot/module-setup.sh"
			moddir=$1/hooks/dracut/90vfio-boot install' _ "$TOP" >"$out" 2>&1
		;;
	esac
	rc=$?
	err=$(cat "$out")
	return 0
}

for hook in itools dracut; do
	# A FIFO in conf.d: the build ends by itself, failed, naming the file.
	mkconf
	mkfifo -m 0644 "$T/conf/conf.d/20-fifo.conf"
	n=$((n + 1))
	if ! run_hook $hook; then
		echo "hooks: $hook: skipped (no initramfs-tools here)"
		continue
	fi
	if [ "$rc" = 124 ]; then
		bad "$hook: a FIFO in conf.d hangs the hook"
	elif [ "$rc" = 0 ] || ! grep -q "20-fifo.conf is not a regular file" <<<"$err"; then
		bad "$hook: a FIFO in conf.d: exit $rc, expected a failed build naming it; output: $err"
	fi

	# A link that leads nowhere: the build fails, naming the link and its target.
	mkconf
	ln -s /nonexistent/narrow.conf "$T/conf/conf.d/40-narrow.conf"
	n=$((n + 1))
	run_hook $hook
	if [ "$rc" = 0 ] || ! grep -q "40-narrow.conf is a link to /nonexistent/narrow.conf" <<<"$err"; then
		bad "$hook: a dangling link in conf.d: exit $rc, expected a failed build naming it; output: $err"
	fi

	# A directory named like a drop-in: the build fails, naming it.
	mkconf
	install -d -m 0755 "$T/conf/conf.d/30-dir.conf"
	n=$((n + 1))
	run_hook $hook
	if [ "$rc" = 0 ] || ! grep -q "30-dir.conf is not a regular file" <<<"$err"; then
		bad "$hook: a directory in conf.d: exit $rc, expected a failed build naming it; output: $err"
	fi

	# A link to a good file: copied as that file, and no warning about the link's mode.
	mkconf
	printf '[device usb]\nmatch = class=0c0330\n' >"$T/usb.conf"
	chmod 0644 "$T/usb.conf"
	ln -s "$T/usb.conf" "$T/conf/conf.d/50-usb.conf"
	n=$((n + 1))
	run_hook $hook
	if [ "$rc" != 0 ] || grep -q "conf" <<<"$err"; then
		bad "$hook: a link to a good file: exit $rc, expected no word about the config; output: $err"
	fi
	if [ ! -f "$T/image/etc/vfio-boot/conf.d/50-usb.conf" ] ||
		[ -L "$T/image/etc/vfio-boot/conf.d/50-usb.conf" ] ||
		! cmp -s "$T/usb.conf" "$T/image/etc/vfio-boot/conf.d/50-usb.conf"; then
		bad "$hook: a link to a good file is not in the image as that file"
	fi

	# The link's target is what counts: a group-writable target is warned about.
	chmod 0664 "$T/usb.conf"
	n=$((n + 1))
	run_hook $hook
	if ! grep -q "50-usb.conf is not owned by root or is writable" <<<"$err"; then
		bad "$hook: a link to a group-writable file is not warned about; output: $err"
	fi
done
echo "hooks: $n checks, $fails failed"
[ "$fails" = 0 ]
