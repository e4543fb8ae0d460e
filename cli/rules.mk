# The vfio-boot command (cli/): `vfio-boot guest start|stop|run NAME`, list, plan, status and
# check. Included by the top Makefile after LIB_A/LIB_TA (or LIB_OBJ/LIB_TOBJ) and
# tests/mock/rules.mk (it uses BUILD, CC, BASE_CFLAGS, CFLAGS, CFLAGS_TEST, SAN, PREFIX).
#
# Defines: CLI (cli/vfio-boot), TEST_CLI (sanitized build the tests run), CLI_LIBS (what any
# program linking cli/ objects needs), install-cli, uninstall-cli, clean-cli.
#
# Unlike the binder, the command is linked dynamically: libvirt has no static build. lib/
# objects stay free of these libraries so that the static binder links as before.

CLI_PKGS := libvirt libxml-2.0 blkid libpci zlib liblzma libzstd liblz4 libsystemd libudev
CLI_CFLAGS := $(shell pkg-config --cflags $(CLI_PKGS) 2>/dev/null || echo -I/usr/include/libxml2)
CLI_LIBS := $(shell pkg-config --libs $(CLI_PKGS) 2>/dev/null || echo -lvirt -lxml2 -lblkid -lpci -lz -llzma -lzstd -llz4 -lsystemd -ludev)

CLI_SRC := $(wildcard cli/*.c)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/rel/%.o)
CLI_TOBJ := $(CLI_SRC:%.c=$(BUILD)/test/%.o)
# Everything but main(), for tests that drive the runner inside their own process.
CLI_TOBJ_LIB := $(filter-out %/main.o,$(CLI_TOBJ))

# lib/ as the top Makefile links it: an archive when there is one.
CLI_LIB := $(or $(LIB_A),$(LIB_OBJ))
CLI_TLIB := $(or $(LIB_TA),$(LIB_TOBJ))

CLI := cli/vfio-boot
TEST_CLI := $(BUILD)/test/cli/vfio-boot

# More specific than the top Makefile's %.o rules (shorter stem), so these win for cli/.
$(BUILD)/rel/cli/%.o: cli/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(DEPFLAGS) $(CLI_CFLAGS) -c $< -o $@

$(BUILD)/test/cli/%.o: cli/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_TEST) $(DEPFLAGS) $(CLI_CFLAGS) -c $< -o $@

$(CLI): $(CLI_OBJ) $(CLI_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(CLI_LIBS)

$(TEST_CLI): $(CLI_TOBJ) $(CLI_TLIB)
	$(CC) $(SAN) -o $@ $^ $(CLI_LIBS)

# The list/plan/status/check and claim/release tests (tests/test-cli-*.c) run $(TEST_CLI) too.
$(patsubst tests/%.c,$(BUILD)/test/tests/%,$(wildcard tests/test-cli-*.c)): | $(TEST_CLI)

# tests/test-runner-*.c run $(TEST_CLI) (TEST_CLI in the environment overrides the path);
# the in-process ones below have their own rule.
RUNNER_INPROC_TESTS := $(addprefix $(BUILD)/test/tests/,test-runner-events test-runner-usb \
	test-runner-attach)
RUNNER_CLI_TESTS := $(filter-out $(RUNNER_INPROC_TESTS),$(patsubst tests/%.c,$(BUILD)/test/tests/%, \
	$(wildcard tests/test-runner-*.c)))
$(RUNNER_CLI_TESTS): | $(TEST_CLI)

# tests/test-runner-{events,usb,attach}.c call the runner in their own process, next to their
# own libvirt connections (the test driver's test:///default, and the persistent definitions
# the runner defines there, are shared only inside one process).
$(RUNNER_INPROC_TESTS:%=%.o): CFLAGS_TEST += -Icli $(CLI_CFLAGS)
$(RUNNER_INPROC_TESTS): %: %.o $(CLI_TOBJ_LIB) $(CLI_TLIB) $(MOCK_FIXTURE_O) \
		$(BUILD)/test/tests/logcapture.o
	$(CC) $(SAN) -o $@ $^ $(CLI_LIBS) -lcmocka

.PHONY: install-cli uninstall-cli clean-cli
install-cli: $(CLI)
	install -D -m 0755 $(CLI) $(DESTDIR)$(PREFIX)/bin/vfio-boot
	install -D -m 0644 doc/vfio-boot-guest.8 $(DESTDIR)$(PREFIX)/share/man/man8/vfio-boot-guest.8
	install -D -m 0644 doc/vfio-boot.8 $(DESTDIR)$(PREFIX)/share/man/man8/vfio-boot.8
	install -D -m 0644 completion/vfio-boot.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/vfio-boot

uninstall-cli:
	rm -f $(DESTDIR)$(PREFIX)/bin/vfio-boot $(DESTDIR)$(PREFIX)/share/man/man8/vfio-boot-guest.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/vfio-boot.8 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/vfio-boot

clean-cli:
	rm -f $(CLI)
