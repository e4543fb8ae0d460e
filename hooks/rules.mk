# SPDX-License-Identifier: GPL-2.0-or-later
# hooks/rules.mk: installs the initramfs hooks. Included by the top-level Makefile, which
# wires `make install` and `make uninstall` to install-hooks and uninstall-hooks; also usable
# alone: make -f hooks/rules.mk install-hooks DESTDIR=/tmp/stage
#
# dracut and initramfs-tools look for hooks in fixed places, whatever PREFIX is:
#   DRACUT_MODULES_DIR   /usr/lib/dracut/modules.d  (dracut's dracutbasedir/modules.d)
#   INITRAMFS_TOOLS_DIR  /usr/share/initramfs-tools (packages' hooks and scripts)
# The hooks copy the binder from $(LIBEXECDIR)/vfio-boot-binder: that default is
# written into them when it is not /usr/lib/vfio-boot. In the initramfs the binder is always at
# /usr/lib/vfio-boot/vfio-boot-binder.

PREFIX ?= /usr
DESTDIR ?=
DRACUT_MODULES_DIR ?= /usr/lib/dracut/modules.d
INITRAMFS_TOOLS_DIR ?= /usr/share/initramfs-tools
LIBEXECDIR ?= $(PREFIX)/lib/vfio-boot
VFIO_BOOT_HOOKS_BINDER := $(LIBEXECDIR)/vfio-boot-binder

HOOKS_DRACUT_DIR := $(DESTDIR)$(DRACUT_MODULES_DIR)/90vfio-boot
HOOKS_ITOOLS_HOOK := $(DESTDIR)$(INITRAMFS_TOOLS_DIR)/hooks/vfio-boot
HOOKS_ITOOLS_SCRIPT := $(DESTDIR)$(INITRAMFS_TOOLS_DIR)/scripts/init-top/00-vfio-boot

# Replaces the binder's default path in the files that copy it.
HOOKS_SED := sed -e 's|VFIO_BOOT_BINDER:-/usr/lib/vfio-boot/vfio-boot-binder|VFIO_BOOT_BINDER:-$(VFIO_BOOT_HOOKS_BINDER)|'

.PHONY: install-hooks uninstall-hooks

install-hooks:
	install -d $(HOOKS_DRACUT_DIR)
	$(HOOKS_SED) hooks/dracut/90vfio-boot/module-setup.sh >$(HOOKS_DRACUT_DIR)/module-setup.sh
	chmod 0755 $(HOOKS_DRACUT_DIR)/module-setup.sh
	install -m 0755 hooks/dracut/90vfio-boot/vfio-boot-pre-udev.sh $(HOOKS_DRACUT_DIR)/
	install -m 0644 hooks/dracut/90vfio-boot/vfio-boot.service $(HOOKS_DRACUT_DIR)/
	install -d $(dir $(HOOKS_ITOOLS_HOOK)) $(dir $(HOOKS_ITOOLS_SCRIPT))
	$(HOOKS_SED) hooks/initramfs-tools/hooks/vfio-boot >$(HOOKS_ITOOLS_HOOK)
	chmod 0755 $(HOOKS_ITOOLS_HOOK)
	install -m 0755 hooks/initramfs-tools/scripts/init-top/00-vfio-boot $(HOOKS_ITOOLS_SCRIPT)

uninstall-hooks:
	rm -f $(HOOKS_DRACUT_DIR)/module-setup.sh $(HOOKS_DRACUT_DIR)/vfio-boot-pre-udev.sh \
		$(HOOKS_DRACUT_DIR)/vfio-boot.service $(HOOKS_ITOOLS_HOOK) $(HOOKS_ITOOLS_SCRIPT)
	-rmdir $(HOOKS_DRACUT_DIR) 2>/dev/null
