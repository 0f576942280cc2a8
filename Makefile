# inboxd -- plain Makefile.  `make` builds everything into build/.
#
#   make              daemon, inboxctl, every plugin (build/plugins/NAME.so)
#   make run          install missing packages (as root), build, run on ./var
#   make check        install missing packages, build, run every test
#   make check SAN=1  the same under ASan+UBSan (separate build dir)
#   make check-long   the long runs (torture, fuzzing, floods)
#   make bench        the benchmark (bench/)
#   make eval         entity extraction scores
#   make install PREFIX=/usr/local DESTDIR=...
#
# Layout conventions (so that a new plugin or test needs no edit here):
#   daemon/*.c                 -> build/inboxd (main.c) + build/libinboxd-core.a
#   daemon/ctl/*.c             -> build/inboxctl
#   plugins/NAME/*.c           -> build/plugins/NAME.so
#   plugins/NAME/plugin.mk     -> optional: PLUGIN_LIBS_NAME, PLUGIN_CFLAGS_NAME
#   plugins/NAME/tests/*.c     -> build/tests/NAME_FILE (unit tests, linked
#                                 with the plugin's objects and the core)
#   tests/plugins/NAME.c       -> build/tests/plugins/NAME.so (test plugins)
#   tests/unit/*.c, tests/e2e/*.c -> build/tests/FILE (Check tests)

PREFIX ?= /usr/local
DESTDIR ?=
SAN ?= 0
CC ?= cc

ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD ?= build
SANFLAGS :=
endif

PKGS := libuv jansson icu-uc icu-i18n sqlite3 libsystemd nettle
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

OPT ?= -O2 -g
CFLAGS_BASE := -std=gnu11 $(OPT) -Wall -Wextra -Werror -Wno-unused-parameter \
	-D_GNU_SOURCE -Iinclude -Idaemon $(SANFLAGS)
ALL_CFLAGS = $(CFLAGS_BASE) $(PKG_CFLAGS) $(CFLAGS)
LDLIBS_CORE := $(PKG_LIBS) -lpthread -ldl -lm
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)

# --- daemon and core -------------------------------------------------------
CORE_SRC := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
CORE_LIB := $(BUILD)/libinboxd-core.a
CTL_SRC := $(wildcard daemon/ctl/*.c)
CTL_OBJ := $(CTL_SRC:%.c=$(BUILD)/obj/%.o)

# --- plugins ---------------------------------------------------------------
PLUGINS := $(notdir $(patsubst %/,%,$(dir $(wildcard plugins/*/*.c))))
PLUGINS := $(sort $(PLUGINS))
-include $(wildcard plugins/*/plugin.mk)
PLUGIN_SOS := $(PLUGINS:%=$(BUILD)/plugins/%.so)

# --- tests -----------------------------------------------------------------
TEST_PLUGIN_SRC := $(wildcard tests/plugins/*.c)
TEST_PLUGIN_SOS := $(TEST_PLUGIN_SRC:tests/plugins/%.c=$(BUILD)/tests/plugins/%.so)
TESTLIB_SRC := $(wildcard tests/lib/*.c)
TESTLIB_OBJ := $(TESTLIB_SRC:%.c=$(BUILD)/obj/%.o)
CORE_TEST_SRC := $(wildcard tests/unit/*.c tests/e2e/*.c)
CORE_TESTS := $(foreach f,$(CORE_TEST_SRC),$(BUILD)/tests/$(basename $(notdir $(f))))
PLUGIN_TEST_SRC := $(wildcard plugins/*/tests/*.c)
PLUGIN_TESTS := $(foreach f,$(PLUGIN_TEST_SRC),$(BUILD)/tests/$(word 2,$(subst /, ,$(f)))_$(basename $(notdir $(f))))

.PHONY: all deps run check check-long bench eval fuzz install uninstall clean tests
all: $(BUILD)/inboxd $(BUILD)/inboxctl $(PLUGIN_SOS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -MMD -MP -c $< -o $@

$(CORE_LIB): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/inboxd: $(BUILD)/obj/daemon/main.o $(CORE_LIB)
	$(CC) $(ALL_LDFLAGS) -rdynamic -o $@ $^ $(LDLIBS_CORE)

# A plugin.mk may add objects (from its own folder) and libraries to
# inboxctl with CTL_EXTRA_OBJ += $(BUILD)/obj/plugins/NAME/FILE.o and
# CTL_EXTRA_LIBS += ... (the index plugin's tokenizer, for queries).
$(BUILD)/inboxctl: $(CTL_OBJ) $(CTL_EXTRA_OBJ) $(CORE_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CTL_EXTRA_LIBS) $(LDLIBS_CORE)

# One .so per plugin folder; the plugin sees only include/ (and its own dir).
define plugin_rule
PLUGIN_OBJ_$(1) := $$(patsubst %.c,$$(BUILD)/obj/%.o,$$(wildcard plugins/$(1)/*.c))
$$(BUILD)/obj/plugins/$(1)/%.o: plugins/$(1)/%.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS_BASE) $$(PLUGIN_CFLAGS_$(1)) $$(CFLAGS) -fPIC -fvisibility=hidden -MMD -MP -c $$< -o $$@
$$(BUILD)/plugins/$(1).so: $$(PLUGIN_OBJ_$(1))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) -shared -o $$@ $$^ $$(PLUGIN_LIBS_$(1))
endef
$(foreach p,$(PLUGINS),$(eval $(call plugin_rule,$(p))))

$(BUILD)/tests/plugins/%.so: tests/plugins/%.c include/inboxd/plugin.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -fPIC -fvisibility=hidden -shared $(ALL_LDFLAGS) -o $@ $<

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(TESTLIB_OBJ) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS_CORE)
$(BUILD)/tests/%: $(BUILD)/obj/tests/e2e/%.o $(TESTLIB_OBJ) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS_CORE)

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -fPIC -MMD -MP -c $< -o $@

# Plugin unit tests: plugins/P/tests/T.c -> build/tests/P_T, linked with the
# plugin's own objects, the core (a real host) and the plugin's libraries.
define plugin_test_rule
$$(BUILD)/tests/$(1)_$(2): $$(BUILD)/obj/plugins/$(1)/tests/$(2).o $$(PLUGIN_OBJ_$(1)) $$(TESTLIB_OBJ) $$(CORE_LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ $$(CHECK_LIBS) $$(PLUGIN_LIBS_$(1)) $$(LDLIBS_CORE)
$$(BUILD)/obj/plugins/$(1)/tests/$(2).o: plugins/$(1)/tests/$(2).c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) $$(PLUGIN_CFLAGS_$(1)) $$(CHECK_CFLAGS) -Iplugins/$(1) -fPIC -MMD -MP -c $$< -o $$@
endef
$(foreach f,$(PLUGIN_TEST_SRC),$(eval $(call plugin_test_rule,$(word 2,$(subst /, ,$(f))),$(basename $(notdir $(f))))))

tests: all $(TEST_PLUGIN_SOS) $(CORE_TESTS) $(PLUGIN_TESTS)

deps:
	@sh scripts/deps.sh

run: deps
	$(MAKE) all
	@mkdir -p var/inbox var/state
	@echo "inboxd: drop files into $(CURDIR)/var/inbox; watch with: $(BUILD)/inboxctl subscribe"
	exec $(BUILD)/inboxd

check: deps
	$(MAKE) tests
	BUILD=$(BUILD) SAN=$(SAN) sh tests/run.sh

check-long: deps
	$(MAKE) tests
	BUILD=$(BUILD) SAN=$(SAN) LONG=1 sh tests/run.sh

-include bench/bench.mk
-include tests/fuzz/fuzz.mk
-include tests/eval/eval.mk
-include scripts/install.mk

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
