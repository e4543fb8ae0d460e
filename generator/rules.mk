# The systemd generator, the bridge writer, the guest devices check and the unit templates;
# included by the top Makefile.
#
# Uses:    BUILD, CC, BASE_CFLAGS, CFLAGS, CFLAGS_TEST, SAN, LIB_A and LIB_TA (or LIB_OBJ and
#          LIB_TOBJ), PREFIX, DESTDIR: include it after they are set.
# Defines: GENERATOR, NETCFG, CLAIMED (release programs, in generator/), their sanitized twins
#          TEST_GENERATOR, TEST_NETCFG, TEST_CLAIMED (under BUILD, used by `make test`), and
#          the phony targets generator, check-generator, install-generator and
#          uninstall-generator.
#
# Needs pkg-config, libxml2-dev (the generator reads libvirt's domain XML) and, for
# check-generator, systemd (systemd-analyze, systemd-escape).

GEN_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
PKG_CONFIG ?= pkg-config

# Where systemd looks; asked once, not at every expansion.
ifeq ($(origin SYSTEMD_GENERATORDIR),undefined)
SYSTEMD_GENERATORDIR := $(or $(shell $(PKG_CONFIG) --variable=systemdsystemgeneratordir systemd 2>/dev/null),/lib/systemd/system-generators)
endif
ifeq ($(origin SYSTEMD_UNITDIR),undefined)
SYSTEMD_UNITDIR := $(or $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
endif
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/lib/vfio-boot
MANDIR ?= $(PREFIX)/share/man

ifeq ($(origin GEN_XML_CFLAGS),undefined)
GEN_XML_CFLAGS := $(shell $(PKG_CONFIG) --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2)
GEN_XML_LIBS := $(shell $(PKG_CONFIG) --libs libxml-2.0 2>/dev/null || echo -lxml2)
endif

GEN_DEFS := -DVB_UNITDIR='"$(SYSTEMD_UNITDIR)"' -DVB_LIBEXECDIR='"$(LIBEXECDIR)"'
GEN_CFLAGS := -I$(GEN_DIR) $(GEN_XML_CFLAGS) $(GEN_DEFS)

# lib/ as the top Makefile links it: an archive when there is one.
GEN_LIB := $(or $(LIB_A),$(LIB_OBJ))
GEN_TLIB := $(or $(LIB_TA),$(LIB_TOBJ))

GENERATOR := $(GEN_DIR)/vfio-boot-generator
NETCFG := $(GEN_DIR)/vfio-boot-netcfg
CLAIMED := $(GEN_DIR)/vfio-boot-claimed

GEN_MAIN_SRC := $(addprefix $(GEN_DIR)/,generator.c guest-dropin.c output.c)
NETCFG_SRC := $(addprefix $(GEN_DIR)/,netcfg.c netcfg-detect.c netcfg-networkd.c netcfg-nm.c)
CLAIMED_SRC := $(GEN_DIR)/claimed.c

TEST_GENERATOR := $(BUILD)/test/$(GENERATOR)
TEST_NETCFG := $(BUILD)/test/$(NETCFG)
TEST_CLAIMED := $(BUILD)/test/$(CLAIMED)

# More specific than the top Makefile's %.o rules, so these win for generator/ sources.
$(BUILD)/rel/$(GEN_DIR)/%.o: $(GEN_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(DEPFLAGS) $(GEN_CFLAGS) -c $< -o $@

$(BUILD)/test/$(GEN_DIR)/%.o: $(GEN_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_TEST) $(DEPFLAGS) $(GEN_CFLAGS) -c $< -o $@

# Not linked with libxml2: lib/domxml.c opens it when the first domain XML is read.
$(GENERATOR): $(GEN_MAIN_SRC:%.c=$(BUILD)/rel/%.o) $(GEN_LIB)
	$(CC) $(LDFLAGS) -o $@ $^
$(NETCFG): $(NETCFG_SRC:%.c=$(BUILD)/rel/%.o) $(GEN_LIB)
	$(CC) $(LDFLAGS) -o $@ $^
$(CLAIMED): $(CLAIMED_SRC:%.c=$(BUILD)/rel/%.o) $(GEN_LIB)
	$(CC) $(LDFLAGS) -o $@ $^

$(TEST_GENERATOR): $(GEN_MAIN_SRC:%.c=$(BUILD)/test/%.o) $(GEN_TLIB)
	$(CC) $(SAN) -o $@ $^
$(TEST_NETCFG): $(NETCFG_SRC:%.c=$(BUILD)/test/%.o) $(GEN_TLIB)
	$(CC) $(SAN) -o $@ $^
$(TEST_CLAIMED): $(CLAIMED_SRC:%.c=$(BUILD)/test/%.o) $(GEN_TLIB)
	$(CC) $(SAN) -o $@ $^

# tests/test-generator-*.c run the sanitized programs and the golden cases: they are told
# where those are, and the install paths the generator writes into units.
GEN_TESTS := $(patsubst tests/%.c,$(BUILD)/test/tests/%,$(wildcard tests/test-generator-*.c))
$(GEN_TESTS:%=%.o): CFLAGS_TEST += $(GEN_DEFS) -DVB_SRCDIR='"$(abspath .)"' \
	-DVB_TEST_BINDIR='"$(abspath $(BUILD)/test/$(GEN_DIR))"'
$(GEN_TESTS): | $(TEST_GENERATOR) $(TEST_NETCFG) $(TEST_CLAIMED)

.PHONY: generator check-generator install-generator uninstall-generator
generator: $(GENERATOR) $(NETCFG) $(CLAIMED)

# Golden trees for every case in tests/generator, then systemd-analyze verify on every unit
# made, with the templates, below a root where the programs they run are installed.
check-generator: $(GENERATOR) $(NETCFG) $(CLAIMED)
	@UNITDIR=$(SYSTEMD_UNITDIR) LIBEXECDIR=$(LIBEXECDIR) BINDIR=$(BINDIR) \
		tests/generator/check.sh --verify $(GENERATOR) $(NETCFG) $(CLAIMED)

# Units name the programs by their installed paths; PREFIX moves them.
GEN_UNIT_SED := -e 's|/usr/bin/vfio-boot|$(BINDIR)/vfio-boot|g' \
	-e 's|/usr/lib/vfio-boot|$(LIBEXECDIR)|g'

install-generator: $(GENERATOR) $(NETCFG) $(CLAIMED)
	install -d $(DESTDIR)$(SYSTEMD_GENERATORDIR) $(DESTDIR)$(LIBEXECDIR) \
		$(DESTDIR)$(SYSTEMD_UNITDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(GENERATOR) $(DESTDIR)$(SYSTEMD_GENERATORDIR)/
	install -m 0755 $(NETCFG) $(CLAIMED) $(DESTDIR)$(LIBEXECDIR)/
	for u in units/*.service; do \
		sed $(GEN_UNIT_SED) $$u > $(DESTDIR)$(SYSTEMD_UNITDIR)/$${u##*/} && \
		chmod 0644 $(DESTDIR)$(SYSTEMD_UNITDIR)/$${u##*/} || exit 1; \
	done
	install -m 0644 doc/vfio-boot-generator.8 $(DESTDIR)$(MANDIR)/man8/

uninstall-generator:
	rm -f $(DESTDIR)$(SYSTEMD_GENERATORDIR)/vfio-boot-generator \
		$(DESTDIR)$(LIBEXECDIR)/vfio-boot-netcfg $(DESTDIR)$(LIBEXECDIR)/vfio-boot-claimed \
		$(addprefix $(DESTDIR)$(SYSTEMD_UNITDIR)/,$(notdir $(wildcard units/*.service))) \
		$(DESTDIR)$(MANDIR)/man8/vfio-boot-generator.8
	-rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null
