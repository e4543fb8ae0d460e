# SPDX-License-Identifier: GPL-2.0-or-later
# tests/vm/rules.mk: real-kernel boots under QEMU. Included by the top-level Makefile.
#   make vm-check    every scenario with each generator (tests/vm/run.sh; as root; about
#                    20 minutes from an empty cache on 2 cores without KVM, and only the
#                    boots, about 10 minutes, when the images are cached under $(BUILD)/vm),
#                    then the late boot: SR-IOV VFs, hot-plug, claim and release
#                    (tests/vm/late/run.sh; one boot, not run when VM_ARGS picks scenarios)
#   make vm-late     the late boot alone (tests/vm/late/run.sh; about 2 minutes)
#   make vm-timing   the boot timing table, tests/vm/TIMING.md (tests/vm/timing.sh)
#   make demo        the recipe against vfio-boot on the stand-in machine (scripts/demo.sh)
#   make vm-fullboot the full systemd boot with bridge, guest and graceful stop (as root)
#   make vm-builtin  a kernel with vfio-pci, xHCI and bochs-drm built in, from Debian's
#                    linux-source-6.1 (built once), booted on the stand-in machine
#                    (tests/vm/builtin/run.sh; as root)
# VM_ARGS passes arguments to tests/vm/run.sh, e.g. make vm-check VM_ARGS=gpus/itools

VM_BINDER ?= $(or $(BINDER),binder/vfio-boot-binder)
VM_ARGS ?=
VM_RUNS ?= 5

.PHONY: vm-check vm-timing demo

vm-check: $(VM_BINDER)
	@BUILD=$(or $(BUILD),build) VM_BINDER=$(VM_BINDER) tests/vm/run.sh $(VM_ARGS)
	@$(if $(VM_ARGS),,BUILD=$(or $(BUILD),build) tests/vm/late/run.sh)

.PHONY: vm-late
vm-late: $(VM_BINDER)
	@BUILD=$(or $(BUILD),build) tests/vm/late/run.sh

vm-timing: $(VM_BINDER)
	@BUILD=$(or $(BUILD),build) VM_BINDER=$(VM_BINDER) tests/vm/timing.sh $(VM_RUNS)

demo:
	@scripts/demo.sh
# The full systemd boot: the inner guest alone first (15 s), then the boot with
# systemd-networkd and again with NetworkManager (about 2.5 minutes each here).
# tests/vm/fullboot/README.md.
.PHONY: vm-fullboot
vm-fullboot: $(VM_BINDER) $(TEST_CLI)
	@tests/vm/fullboot/guest/test.sh
	@BUILD=$(or $(BUILD),build) FB_NET=networkd tests/vm/fullboot/run.sh
	@BUILD=$(or $(BUILD),build) FB_NET=nm tests/vm/fullboot/run.sh
# The kernel with vfio-pci built in: built when it is not (tests/vm/builtin/build.sh), then
# one boot with initramfs-tools (VM_BUILTIN_ARGS=dracut-shell adds or picks generators).
.PHONY: vm-builtin
vm-builtin: $(VM_BINDER)
	@BUILD=$(or $(BUILD),build) VM_BINDER=$(VM_BINDER) tests/vm/builtin/run.sh $(VM_BUILTIN_ARGS)
