# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests/vm/run.sh and scripts/demo.sh: builds what the boots need, with the real
# generators, and caches each result under $VM_DIR by a hash of everything that went into it,
# so that a second run only boots.
#
# Nothing here touches the host's initramfs setup: mkinitramfs gets its own config directory
# (-d), dracut its own config (--conf, --confdir) and its own module directory
# ($dracutbasedir: links to the installed dracut plus our 90vfio-boot); both write their
# image into $VM_DIR. The hooks take the test's config and the build tree's binder from
# VFIO_BOOT_CONFDIR and VFIO_BOOT_BINDER.
#
# Needs: VM_TOP (the source tree), VM_DIR (work directory), KVER, BINDER (absolute path).

VM_SELF=$VM_TOP/tests/vm

vm_log() { printf '%s\n' "vm: $*" >&2; }

# hash_paths PATH...: one hash over names, modes, owners and contents.
hash_paths()
{
	local p
	for p in "$@"; do
		if [ -d "$p" ]; then
			(cd "$p" && find . -printf '%p %m %U %G %y\n' | LC_ALL=C sort &&
				find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
		elif [ -e "$p" ]; then
			stat -c '%n %a %u %g' "$p"
			sha256sum <"$p"
		else
			echo "missing $p"
		fi
	done | sha256sum | cut -c1-16
}

# The test root file system: static busybox and tests/vm/root-init.
img_root()
{
	local key out
	key=$(hash_paths "$VM_SELF/mkroot.sh" "$VM_SELF/root-init" /bin/busybox)
	out=$VM_DIR/root-$key.img
	if [ ! -e "$out" ]; then
		"$VM_SELF/mkroot.sh" "$out" >/dev/null || return 1
	fi
	echo "$out"
}

# A copy of this kernel's module tree without the vfio modules: "vfio modules missing from
# the kernel's tree". Module files are hard links when they can be (same file system), the
# index files are copies that depmod then rewrites (it writes new files and renames them, so
# the host's are never written).
img_novfio_tree()
{
	local src=/lib/modules/$KVER key base dst
	key=$(sha256sum <"$src/modules.dep" | cut -c1-16)
	base=$VM_DIR/trees/novfio-$key
	dst=$base/lib/modules/$KVER
	if [ ! -e "$base/.done" ]; then
		rm -rf "$base"
		mkdir -p "$dst"
		cp -al "$src/kernel" "$dst/kernel" 2>/dev/null || cp -a "$src/kernel" "$dst/kernel"
		cp -a "$src"/modules.order "$src"/modules.builtin "$src"/modules.builtin.modinfo "$dst/"
		rm -rf "$dst/kernel/drivers/vfio"
		depmod -b "$base" "$KVER" || return 1
		touch "$base/.done"
	fi
	echo "$dst"
}

# stage_config NAME SRC [CHMOD_MODE FILE]: the config under test, copied to $VM_DIR/conf/NAME
# with the owner and modes a packaged config has (root, 0755 directories, 0644 files), then
# optionally one file's mode changed (the wrong-permissions case). Prints the directory.
stage_config()
{
	local src=$2 dst=$VM_DIR/conf/$1
	rm -rf "$dst"
	mkdir -p "$dst"
	if [ -n "$src" ]; then
		cp -r "$src/." "$dst/"
	fi
	chown -R 0:0 "$dst"
	find "$dst" -type d -exec chmod 0755 {} +
	find "$dst" -type f -exec chmod 0644 {} +
	if [ $# -ge 4 ]; then
		chmod "$3" "$dst/$4"
	fi
	echo "$dst"
}

# dracut_base [VARIANT]: the dracut base directory: the installed dracut, with our module
# beside its own (VARIANT early: and the stand-in's, tests/vm/early/dracut).
dracut_base()
{
	local base=$VM_DIR/dracut-base f
	rm -rf "$base"
	mkdir -p "$base/modules.d"
	for f in /usr/lib/dracut/*; do
		[ "${f##*/}" = modules.d ] || ln -s "$f" "$base/"
	done
	for f in /usr/lib/dracut/modules.d/*; do
		ln -s "$f" "$base/modules.d/"
	done
	cp -r "$VM_TOP/hooks/dracut/90vfio-boot" "$base/modules.d/"
	if [ "${1:-}" = early ]; then
		cp -r "$VM_SELF/early/dracut/05vmtest-early" "$base/modules.d/"
		install -m 0755 "$VM_SELF/early/00-standin-early" "$base/modules.d/05vmtest-early/vmtest-early"
	fi
	echo "$base"
}

gen_versions()
{
	dpkg-query -W -f='${Package} ${Version}\n' dracut-core initramfs-tools-core udev systemd \
		kmod busybox-static 2>/dev/null
}

# img_build GEN CONFDIR TREE [VARIANT]: the initramfs for generator GEN (itools, dracut-shell or
# dracut-systemd) with the vfio-boot config in CONFDIR (an empty directory: vfio-boot
# installed but not configured), from the module tree TREE (full: the kernel's own; or a
# directory X/lib/modules/KVER). VARIANT "recipe" (itools only) adds the hook of the common
# recipe (tests/vm/recipe/vfio-recipe); VARIANT "early" the stand-in that loads the modules
# named by vmtest.early= before the binder (tests/vm/early); VARIANT "installed" builds with the hooks installed by
# hooks/rules.mk and a plain generator command (tests/vm/build-installed.sh). Prints the image path; the build's output is IMG.log
# and its duration in seconds IMG.time.
img_build()
{
	local gen=$1 confdir=$2 tree=$3 variant=${4:-} key img start rc=0 treekey
	if [ "$tree" = full ]; then
		treekey=$(sha256sum </lib/modules/"$KVER"/modules.dep)
	else
		treekey=$(sha256sum <"$tree/modules.dep")
	fi
	local extra_inputs=()
	case $variant in
	recipe) extra_inputs=("$VM_SELF/recipe") ;;
	installed) extra_inputs=("$VM_TOP/hooks/rules.mk" "$VM_SELF/build-installed.sh") ;;
	early) extra_inputs=("$VM_SELF/early") ;;
	esac
	case $gen in
	itools)
		key=$( {
			echo "$gen $KVER $treekey $variant"
			gen_versions
			hash_paths "$VM_TOP/hooks/initramfs-tools" "$VM_SELF/initramfs-tools" \
				"$VM_SELF/images.sh" "$BINDER" "$confdir"
			[ -z "$variant" ] || hash_paths "${extra_inputs[@]}"
		} | sha256sum | cut -c1-16)
		;;
	dracut-shell | dracut-systemd)
		key=$( {
			echo "$gen $KVER $treekey"
			gen_versions
			echo "$variant"
			hash_paths "$VM_TOP/hooks/dracut" "$VM_SELF/dracut" "$VM_SELF/images.sh" \
				"$BINDER" "$confdir"
			[ -z "$variant" ] || hash_paths "${extra_inputs[@]}"
		} | sha256sum | cut -c1-16)
		;;
	*)
		vm_log "unknown generator $gen"
		return 1
		;;
	esac
	local tname=full kmoddir=()
	if [ "$tree" != full ]; then
		tname=novfio
		kmoddir=(--kmoddir "$tree")
	fi
	img=$VM_DIR/img/$gen-${confdir##*/}${variant:+-$variant}-$tname-$key.img
	if [ -e "$img" ]; then
		echo "$img"
		return 0
	fi
	mkdir -p "$VM_DIR/img"
	start=$(date +%s%N)
	case $variant/$gen in
	installed/*)
		"$VM_SELF/build-installed.sh" "$gen" "$img.tmp" "$confdir" "$KVER" "$BINDER" \
			>"$img.log" 2>&1 || rc=$?
		;;
	*/itools)
		local cd=$VM_DIR/itools-conf/$key
		rm -rf "$cd"
		mkdir -p "$cd/conf.d" "$cd/hooks" "$cd/scripts/init-top"
		cp "$VM_SELF/initramfs-tools/initramfs.conf" "$VM_SELF/initramfs-tools/modules" "$cd/"
		# The same files `make install` puts under /usr/share/initramfs-tools; mkinitramfs
		# runs the hooks and copies the scripts of its -d directory the same way.
		install -m 0755 "$VM_TOP/hooks/initramfs-tools/hooks/vfio-boot" "$cd/hooks/"
		install -m 0755 "$VM_TOP/hooks/initramfs-tools/scripts/init-top/00-vfio-boot" \
			"$cd/scripts/init-top/"
		if [ "$variant" = recipe ]; then
			install -m 0755 "$VM_SELF/recipe/vfio-recipe" "$cd/hooks/"
		fi
		if [ "$variant" = early ]; then
			install -m 0755 "$VM_SELF/early/00-standin-early" "$cd/scripts/init-top/"
		fi
		if [ "$tree" = full ]; then
			VFIO_BOOT_CONFDIR=$confdir VFIO_BOOT_BINDER=$BINDER \
				mkinitramfs -d "$cd" -o "$img.tmp" "$KVER" >"$img.log" 2>&1 || rc=$?
		else
			# mkinitramfs reads /lib/modules/KVER only: show it the other tree there, in
			# a mount namespace of its own (the host's tree is not touched).
			# shellcheck disable=SC2016 # expanded by the inner sh
			VFIO_BOOT_CONFDIR=$confdir VFIO_BOOT_BINDER=$BINDER \
				unshare -m sh -c 'mount --bind "$1" "$(readlink -f /lib/modules/"$2")" &&
					exec mkinitramfs -d "$3" -o "$4" "$2"' sh \
				"$tree" "$KVER" "$cd" "$img.tmp" >"$img.log" 2>&1 || rc=$?
		fi
		;;
	*/dracut-*)
		local base flavour=${gen#dracut-}
		base=$(dracut_base "$variant")
		mkdir -p "$VM_DIR/empty"
		dracutbasedir=$base VFIO_BOOT_CONFDIR=$confdir VFIO_BOOT_BINDER=$BINDER \
			dracut --conf "$VM_SELF/dracut/$flavour.conf" --confdir "$VM_DIR/empty" \
			--kver "$KVER" "${kmoddir[@]}" \
			--force "$img.tmp" >"$img.log" 2>&1 || rc=$?
		;;
	esac
	awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f\n", (b - a) / 1e9 }' >"$img.time"
	if [ "$rc" -ne 0 ] || [ ! -s "$img.tmp" ]; then
		vm_log "building $gen image for ${confdir##*/} failed (status $rc); its output:"
		tail -n 30 "$img.log" >&2
		rm -f "$img.tmp"
		return 1
	fi
	mv "$img.tmp" "$img"
	echo "$img"
}

# img_list IMG: the image's file list, "MODE OWNER PATH" as ls -l shows them (cached beside
# the image).
img_list()
{
	local img=$1
	if [ ! -e "$img.list" ]; then
		case ${img##*/} in
		itools-*) lsinitramfs -l "$img" ;;
		*) lsinitrd "$img" 2>/dev/null ;;
		esac | awk 'length($1) == 10 && $1 ~ /^[-dlcbps][-rwxsStT]+$/ { print $1, $3, $9 }' >"$img.list.tmp" &&
			mv "$img.list.tmp" "$img.list"
	fi
	cat "$img.list"
}

# img_cat IMG PATH: a file from the image.
img_cat()
{
	local img=$1 path=$2 dir=$1.x
	if [ ! -e "$dir/.done" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		case ${img##*/} in
		itools-*) unmkinitramfs "$img" "$dir" ;;
		*) (cd "$dir" && /usr/lib/dracut/skipcpio "$img" | zstd -dc | cpio -id --quiet) ;;
		esac || return 1
		touch "$dir/.done"
	fi
	if [ -e "$dir/main/$path" ]; then
		cat "$dir/main/$path"
	else
		cat "$dir/$path"
	fi
}
