# SPDX-License-Identifier: GPL-2.0-or-later
# vfio-boot. `make` builds the static binder; `make check` installs what it needs (as root),
# builds and runs every test. See README.md.

VERSION := 0.1
BUILD ?= build
CC ?= gcc
CLANG ?= clang
PREFIX ?= /usr
# The one directory of vfio-boot's private programs (the binder, netcfg, claimed): the
# install rules, the unit templates, the generator's drop-ins and the hooks all name it.
LIBEXECDIR ?= $(PREFIX)/lib/vfio-boot
# The udev rule that runs the binder for devices that appear after boot.
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d

WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-Wno-missing-field-initializers
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -DVERSION=\"$(VERSION)\" -Ilib $(WARN)
CFLAGS ?= -O2 -g
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
CFLAGS_TEST := $(BASE_CFLAGS) -O1 -g $(SAN)

# Debian ships no libkmod.a: scripts/build-libkmod.sh makes one from Debian's kmod source.
# Set LIBKMOD_A and LIBKMOD_INCLUDE to use your own.
LIBKMOD_A ?= $(BUILD)/kmod/libkmod.a
LIBKMOD_INCLUDE ?= $(BUILD)/kmod/include
KMOD_LIBS := -llzma -lzstd -lz

LIB_SRC := $(wildcard lib/*.c)
BINDER_SRC := $(wildcard binder/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/rel/%.o)
BINDER_OBJ := $(BINDER_SRC:%.c=$(BUILD)/rel/%.o)
LIB_TOBJ := $(LIB_SRC:%.c=$(BUILD)/test/%.o)
BINDER_TOBJ := $(BINDER_SRC:%.c=$(BUILD)/test/%.o)

# lib/ is an archive: each program pulls in only the objects it uses, so the static binder
# never drags in what the CLI needs (libvirt, libblkid).
LIB_A := $(BUILD)/rel/libvfio-boot.a
LIB_TA := $(BUILD)/test/libvfio-boot.a

BINDER := binder/vfio-boot-binder
TEST_BINDER := $(BUILD)/test/vfio-boot-binder

.SECONDARY:
.PHONY: all check deps test unit-tests fuzz fuzz-short format format-check bench clean \
	bench-generator \
	check-static install uninstall deb deb-check
all: $(BINDER)

$(LIBKMOD_A): scripts/build-libkmod.sh
	@scripts/build-libkmod.sh $(BUILD)/kmod || { \
		echo "make: no static libkmod could be had (see above)."; \
		echo "make: as root, 'scripts/build-libkmod.sh $(BUILD)/kmod' builds one from Debian's kmod source;"; \
		echo "make: or set LIBKMOD_A=/path/libkmod.a LIBKMOD_INCLUDE=/path/include"; \
		exit 1; }

# Headers are tracked per object (-MMD): a change rebuilds what includes it, nothing else.
DEPFLAGS = -MMD -MP
# Only the binder includes libkmod.h: lib/, the command and the generator build without it.
$(BUILD)/rel/binder/%.o: binder/%.c | $(LIBKMOD_A)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(DEPFLAGS) -I$(LIBKMOD_INCLUDE) -c $< -o $@

$(BUILD)/test/binder/%.o: binder/%.c | $(LIBKMOD_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_TEST) $(DEPFLAGS) -I$(LIBKMOD_INCLUDE) -Itests -Itests/mock -c $< -o $@

$(BUILD)/rel/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/test/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_TEST) $(DEPFLAGS) -Itests -Itests/mock -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(LIB_TA): $(LIB_TOBJ)
	@rm -f $@
	ar rcs $@ $^

$(BINDER): $(BINDER_OBJ) $(LIB_A) $(LIBKMOD_A)
	$(CC) -static -o $@ $(BINDER_OBJ) $(LIB_A) $(LIBKMOD_A) $(KMOD_LIBS)

# The same program, dynamically linked and sanitized, so that the sysfs mock can be preloaded.
$(TEST_BINDER): $(BINDER_TOBJ) $(LIB_TA) $(LIBKMOD_A)
	$(CC) $(SAN) -o $@ $(BINDER_TOBJ) $(LIB_TA) $(LIBKMOD_A) $(KMOD_LIBS)

check-static: $(BINDER)
	@file -L $(BINDER) | grep -q 'statically linked' || \
		{ echo "$(BINDER) is not statically linked:"; file -L $(BINDER); exit 1; }
	@echo "static: $$(file -L $(BINDER) | cut -d: -f2-)"

# ---- the other programs and the hooks: each part's rules live beside it ----
include tests/mock/rules.mk
include generator/rules.mk
include cli/rules.mk
include hooks/rules.mk
-include tests/vm/rules.mk

# The domain XML reader and editor are the one part of lib/ that needs libxml2's headers: only
# the programs that read domains link them (lib/ is an archive), never the binder.
$(BUILD)/rel/lib/domxml.o $(BUILD)/rel/lib/domxml-edit.o: CFLAGS += $(GEN_XML_CFLAGS)
$(BUILD)/test/lib/domxml.o $(BUILD)/test/lib/domxml-edit.o: CFLAGS_TEST += $(GEN_XML_CFLAGS)

# Only now are the programs the fragments define known.
all: $(GENERATOR) $(NETCFG) $(CLAIMED) $(CLI)

# ---- tests ----

UNIT_TESTS := $(patsubst tests/%.c,$(BUILD)/test/tests/%,$(wildcard tests/test-*.c))

# Libraries that parts of lib/ and the programs' tests need beyond libc.
TEST_LIBS := $(CLI_LIBS) $(GEN_XML_LIBS)
$(BUILD)/test/tests/test-%: $(BUILD)/test/tests/test-%.o $(MOCK_FIXTURE_O) \
		$(BUILD)/test/tests/logcapture.o $(LIB_TA)
	$(CC) $(SAN) -o $@ $^ -lcmocka $(TEST_LIBS)

deps:
	@scripts/deps.sh

test: $(UNIT_TESTS) $(TEST_BINDER) $(MOCK_SO) $(TEST_GENERATOR) $(TEST_NETCFG) $(TEST_CLAIMED) \
		$(TEST_CLI)
	@BUILD=$(BUILD) TEST_BINDER=$(TEST_BINDER) MOCK_SO=$(MOCK_SO) TEST_CLI=$(TEST_CLI) \
		REQUIRE_REAL=$${REQUIRE_REAL:-1} tests/run.sh $(UNIT_TESTS) tests/cli/replay.sh tests/cli/completion.sh \
		tests/hooks/hooks.sh tests/blockdev/real.sh tests/build/build.sh tests/docs/map.sh \
		tests/deb/built-using.sh

# ---- fuzzing: libFuzzer on the config parser and on what the generator and netcfg write ----
FUZZ := $(BUILD)/fuzz/fuzz-config
FUZZ_TIME ?= 300
FUZZ_CORPUS := tests/fuzz/corpus/config
# Only what the parser uses: other parts of lib/ need libraries the fuzzer need not link.
FUZZ_SRC := $(addprefix lib/,config-parse.c config-schema.c config-value.c config-device.c \
	config-usb.c usb.c config-load.c bridge.c guest.c guest-order.c guest-usb.c contract.c \
	escape.c record.c name.c selector.c \
	cmdline.c pci.c pci-links.c pci-parse.c log.c util.c strbuf.c sysroot.c) \
	$(wildcard lib/sysroot-*.c)
$(FUZZ): tests/fuzz/fuzz-config.c $(FUZZ_SRC) $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(CLANG) -std=gnu11 -D_GNU_SOURCE -Ilib -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ tests/fuzz/fuzz-config.c $(FUZZ_SRC)

# The initramfs reader of `vfio-boot check`: images of any bytes, every decompressor.
FUZZ_INITRD := $(BUILD)/fuzz/fuzz-initrd
FUZZ_INITRD_CORPUS := tests/fuzz/corpus/initrd
$(FUZZ_INITRD): tests/fuzz/fuzz-initrd.c cli/initrd.c cli/initrd.h lib/util.h lib/sysroot.c \
		lib/util.c
	@mkdir -p $(@D)
	$(CLANG) -std=gnu11 -D_GNU_SOURCE -Ilib -Icli -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ tests/fuzz/fuzz-initrd.c cli/initrd.c lib/sysroot.c \
		lib/util.c -lz -llzma -lzstd -llz4

# What the generator and netcfg write, from a config and its conf.d file's name.
FUZZ_GEN := $(BUILD)/fuzz/fuzz-generator
FUZZ_GEN_CORPUS := tests/fuzz/corpus/generator
FUZZ_GEN_SRC := $(FUZZ_SRC) lib/domxml.c \
	$(addprefix generator/,guest-dropin.c output.c netcfg-nm.c netcfg-networkd.c)
$(FUZZ_GEN): tests/fuzz/fuzz-generator.c tests/generated-keys.h $(FUZZ_GEN_SRC) \
		$(wildcard lib/*.h generator/*.h)
	@mkdir -p $(@D)
	$(CLANG) -std=gnu11 -D_GNU_SOURCE -Ilib -Igenerator $(GEN_XML_CFLAGS) $(GEN_DEFS) -g -O1 \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ \
		tests/fuzz/fuzz-generator.c $(FUZZ_GEN_SRC) $(GEN_XML_LIBS)

# The option ROM parser of `vfio-boot check`: any bytes as a ROM.
FUZZ_ROM := $(BUILD)/fuzz/fuzz-rom
FUZZ_ROM_CORPUS := tests/fuzz/corpus/rom
$(FUZZ_ROM): tests/fuzz/fuzz-rom.c lib/pci-rom.c lib/pci-rom.h
	@mkdir -p $(@D)
	$(CLANG) -std=gnu11 -D_GNU_SOURCE -Ilib -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ tests/fuzz/fuzz-rom.c lib/pci-rom.c

# The Resizable BAR capability parser of `vfio-boot check`: any bytes as config space.
FUZZ_REBAR := $(BUILD)/fuzz/fuzz-rebar
FUZZ_REBAR_CORPUS := tests/fuzz/corpus/rebar
$(FUZZ_REBAR): tests/fuzz/fuzz-rebar.c lib/pci-rebar.c lib/pci-rebar.h lib/pci-extcap.c \
		lib/pci-extcap.h
	@mkdir -p $(@D)
	$(CLANG) -std=gnu11 -D_GNU_SOURCE -Ilib -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ tests/fuzz/fuzz-rebar.c lib/pci-rebar.c \
		lib/pci-extcap.c

# fuzz-run NAME BINARY CORPUS SECONDS OPTIONS: a run from the kept corpus; in CI its last lines
# only, but its exit status whole, so that a crash fails the build.
define fuzz-run
	@mkdir -p $(BUILD)/fuzz/new-corpus-$(1)
	@echo "fuzz-$(1): $(4) s"
	@$(2) -max_total_time=$(4) $(5) $(BUILD)/fuzz/new-corpus-$(1) $(3) \
		>$(BUILD)/fuzz/$(1).log 2>&1; rc=$$?; tail -n 3 $(BUILD)/fuzz/$(1).log; \
		[ $$rc = 0 ] || { echo "fuzz-$(1) failed ($$rc): $(BUILD)/fuzz/$(1).log"; exit 1; }
endef

FUZZ_ALL := $(FUZZ) $(FUZZ_INITRD) $(FUZZ_GEN) $(FUZZ_ROM) $(FUZZ_REBAR)
fuzz: $(FUZZ_ALL)
	$(call fuzz-run,config,$(FUZZ),$(FUZZ_CORPUS),$(FUZZ_TIME),-dict=tests/fuzz/config.dict)
	$(call fuzz-run,initrd,$(FUZZ_INITRD),$(FUZZ_INITRD_CORPUS),$(FUZZ_TIME),-rss_limit_mb=1024)
	$(call fuzz-run,generator,$(FUZZ_GEN),$(FUZZ_GEN_CORPUS),$(FUZZ_TIME),-dict=tests/fuzz/config.dict)
	$(call fuzz-run,rom,$(FUZZ_ROM),$(FUZZ_ROM_CORPUS),$(FUZZ_TIME),)
	$(call fuzz-run,rebar,$(FUZZ_REBAR),$(FUZZ_REBAR_CORPUS),$(FUZZ_TIME),)

# CI: every kept input, then a short run from them.
fuzz-short: $(FUZZ_ALL)
	$(call fuzz-run,config,$(FUZZ),$(FUZZ_CORPUS),20,-dict=tests/fuzz/config.dict)
	$(call fuzz-run,initrd,$(FUZZ_INITRD),$(FUZZ_INITRD_CORPUS),20,-rss_limit_mb=1024)
	$(call fuzz-run,generator,$(FUZZ_GEN),$(FUZZ_GEN_CORPUS),20,-dict=tests/fuzz/config.dict)
	$(call fuzz-run,rom,$(FUZZ_ROM),$(FUZZ_ROM_CORPUS),10,)
	$(call fuzz-run,rebar,$(FUZZ_REBAR),$(FUZZ_REBAR_CORPUS),10,)

# ---- style ----
C_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(C_FILES)
format-check:
	@clang-format --dry-run -Werror $(C_FILES) && echo "format: ok"

check: deps
	@$(MAKE) --no-print-directory all check-static
	@$(MAKE) --no-print-directory test
	@$(MAKE) --no-print-directory fuzz-short
	@$(MAKE) --no-print-directory format-check
	@$(MAKE) --no-print-directory deb-check
	@$(MAKE) --no-print-directory vm-check
	@$(MAKE) --no-print-directory vm-fullboot
	@$(MAKE) --no-print-directory vm-builtin

# The binder and the hooks that put it into the initramfs; the generator, units and command.
# An existing /etc/vfio-boot is never touched: the example goes to the documentation.
install: $(BINDER) install-hooks install-generator install-cli
	install -D -m 0755 $(BINDER) $(DESTDIR)$(LIBEXECDIR)/vfio-boot-binder
	install -D -m 0644 udev/69-vfio-boot.rules $(DESTDIR)$(UDEVRULESDIR)/69-vfio-boot.rules
	install -D -m 0644 conf/vfio-boot.conf $(DESTDIR)$(PREFIX)/share/doc/vfio-boot/vfio-boot.conf.example
	install -D -m 0644 doc/vfio-boot.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/vfio-boot.conf.5
	install -D -m 0644 doc/vfio-boot-binder.8 $(DESTDIR)$(PREFIX)/share/man/man8/vfio-boot-binder.8

uninstall: uninstall-hooks uninstall-generator uninstall-cli
	rm -f $(DESTDIR)$(LIBEXECDIR)/vfio-boot-binder \
		$(DESTDIR)$(UDEVRULESDIR)/69-vfio-boot.rules \
		$(DESTDIR)$(PREFIX)/share/doc/vfio-boot/vfio-boot.conf.example \
		$(DESTDIR)$(PREFIX)/share/man/man5/vfio-boot.conf.5 \
		$(DESTDIR)$(PREFIX)/share/man/man8/vfio-boot-binder.8
	-rmdir $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(PREFIX)/share/doc/vfio-boot 2>/dev/null

# ---- the Debian package (debian/) ----
# `make deb`: vfio-boot_VERSION_amd64.deb in $(BUILD)/deb/, built by dpkg-buildpackage from a
# clean copy of what git tracks (scripts/build-deb.sh), with this tree's static libkmod.
# `make deb-check`: tests/deb/deb.sh, the package built, lintian-checked, installed into a fresh
# Debian root, run, removed and purged (root; network to deb.debian.org).
DEB_DIR := $(BUILD)/deb
deb: $(LIBKMOD_A)
	@mkdir -p $(DEB_DIR)
	@LIBKMOD_A=$(abspath $(LIBKMOD_A)) LIBKMOD_INCLUDE=$(abspath $(LIBKMOD_INCLUDE)) \
		scripts/build-deb.sh $(DEB_DIR) >$(DEB_DIR).log 2>&1 || \
		{ tail -n 30 $(DEB_DIR).log; echo "make deb: failed, full log: $(DEB_DIR).log"; exit 1; }
	@echo "deb: $$(ls $(DEB_DIR)/vfio-boot_*_amd64.deb) (log: $(DEB_DIR).log)"

deb-check: $(LIBKMOD_A)
	@LIBKMOD_A=$(abspath $(LIBKMOD_A)) LIBKMOD_INCLUDE=$(abspath $(LIBKMOD_INCLUDE)) tests/deb/deb.sh

bench: $(BINDER)
	@bench/run.sh

bench-generator: $(GENERATOR)
	@bench/generator.sh

clean:
	rm -rf $(BUILD)/rel $(BUILD)/test $(BUILD)/tests $(BUILD)/fuzz $(BINDER) $(GENERATOR) \
		$(NETCFG) $(CLAIMED) $(CLI)

# What each object included when it was last built (see DEPFLAGS).
-include $(shell find $(BUILD)/rel $(BUILD)/test $(BUILD)/tests -type f -name '*.d' 2>/dev/null)
