# Kernel double and fake-tree fixtures for the tests; included by the top Makefile.
#
# Uses:    BUILD (build dir), CC, CFLAGS_TEST (warnings + sanitizers for test
#          code), optionally LDFLAGS_TEST, and LIBKMOD_A/LIBKMOD_INCLUDE/
#          KMOD_LIBS when the build has its own libkmod (else -lkmod).
# Defines: MOCK_SO, MOCK_WRITE, MOCK_FIXTURE_O (a list), MOCK_TESTS, their rules, and
#          the phony check-mock that runs the double's self-test.
#
# The double is built without sanitizers: it is preloaded into programs that
# may or may not carry ASan's runtime.

MOCK_SRC := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
MOCK_TOP := $(abspath $(MOCK_SRC)/../..)

MOCK_SO := $(BUILD)/tests/libsysfsmock.so
MOCK_WRITE := $(BUILD)/tests/mock-write
# The fake-tree builder's parts (fixture*.c) share fixture-internal.h; tests see fixture.h.
MOCK_FIXTURE_SRC := $(wildcard $(MOCK_SRC)/fixture*.c)
MOCK_FIXTURE_O := $(patsubst $(MOCK_SRC)/%.c,$(BUILD)/tests/%.o,$(MOCK_FIXTURE_SRC))
MOCK_TESTS := $(patsubst $(MOCK_SRC)/../%.c,$(BUILD)/tests/%,$(wildcard $(MOCK_SRC)/../test-mock-*.c))

MOCK_SO_CFLAGS := -Wall -Wextra -Werror -O1 -g -fPIC -shared -fvisibility=hidden -D_GNU_SOURCE
MOCK_HDRS := $(MOCK_SRC)/mock-common.h $(MOCK_SRC)/fixture.h $(MOCK_SRC)/mock-test.h

# mock-write drives libkmod as the binder does, so it links the binder's libkmod.
ifneq ($(LIBKMOD_A),)
MOCK_KMOD_CFLAGS := -I$(LIBKMOD_INCLUDE)
MOCK_KMOD_LIBS := $(LIBKMOD_A) $(KMOD_LIBS)
MOCK_KMOD_DEP := $(LIBKMOD_A)
else
MOCK_KMOD_LIBS := -lkmod
endif

# The double's parts (sysfs-mock*.c) share sysfs-mock.h; only the wrappers are exported.
MOCK_SO_SRC := $(wildcard $(MOCK_SRC)/sysfs-mock*.c)
$(MOCK_SO): $(MOCK_SO_SRC) $(MOCK_SRC)/sysfs-mock.h $(MOCK_SRC)/mock-common.h
	@mkdir -p $(@D)
	$(CC) $(MOCK_SO_CFLAGS) -o $@ $(MOCK_SO_SRC) -ldl -lpthread

$(MOCK_FIXTURE_O): $(BUILD)/tests/%.o: $(MOCK_SRC)/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_TEST) $(DEPFLAGS) -D_GNU_SOURCE -DSRCDIR='"$(MOCK_TOP)"' \
		-DMOCK_SO='"$(abspath $(MOCK_SO))"' -DMOCK_WRITE='"$(abspath $(MOCK_WRITE))"' \
		-c -o $@ $<

# No sanitizers: the self-test starts it a few hundred times and ASan's start-up and
# leak check would make that 10x slower (test-binder covers ASan programs under the double).
$(MOCK_WRITE): $(MOCK_SRC)/mock-write.c | $(MOCK_KMOD_DEP)
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -O1 -g -D_GNU_SOURCE $(MOCK_KMOD_CFLAGS) -o $@ $< \
		$(MOCK_KMOD_LIBS)

$(MOCK_TESTS): $(BUILD)/tests/%: $(MOCK_SRC)/../%.c $(MOCK_FIXTURE_O) $(MOCK_HDRS) | $(MOCK_SO) \
		$(MOCK_WRITE)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_TEST) -D_GNU_SOURCE -o $@ $< $(MOCK_FIXTURE_O) $(LDFLAGS_TEST) -lcmocka

# The top Makefile's generic unit-test rule builds tests/test-mock-*.c too; they need the helper.
$(MOCK_TESTS:$(BUILD)/tests/%=$(BUILD)/test/tests/%): | $(MOCK_SO) $(MOCK_WRITE)

.PHONY: check-mock
check-mock: $(MOCK_TESTS) $(MOCK_SO) $(MOCK_WRITE)
	@for t in $(MOCK_TESTS); do $$t || exit 1; done
