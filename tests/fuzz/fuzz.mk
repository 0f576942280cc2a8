# Fuzzing (tests/fuzz/) and the torture program (tests/torture/); included
# by the top Makefile.
#
#   make fuzz                  libFuzzer targets, built with clang (ASan +
#                              UBSan) into build-fuzz/fuzz_TARGET
#   make fuzz-run FUZZ_TIME=S  runs each target S seconds (default 120) on
#                              its seed corpus; a crash fails and leaves the
#                              input in build-fuzz/crashes/TARGET/ (keep it
#                              in tests/fuzz/regress/TARGET/ once fixed)
#   make tests                 also builds $(BUILD)/tests/fuzz_TARGET: the
#                              same targets replaying the corpus and every
#                              kept crasher as a Check program (make check),
#                              and $(BUILD)/tests/torture
#
# Targets: request (daemon/request.c), config (daemon/config.c), and, when
# their sources exist, parse (plugins/parse/parse.h) and entities
# (plugins/entities/entities.h).

FUZZ_TARGETS := request config
FUZZ_CFLAGS_request :=
FUZZ_CFLAGS_config :=
FUZZ_OBJ_request :=
FUZZ_OBJ_config :=
FUZZ_LIBS_request :=
FUZZ_LIBS_config :=
ifneq ($(wildcard plugins/parse/parse.h),)
FUZZ_TARGETS += parse
FUZZ_CFLAGS_parse := -Iplugins/parse $(PLUGIN_CFLAGS_parse)
FUZZ_OBJ_parse := $(PLUGIN_OBJ_parse)
FUZZ_LIBS_parse := $(PLUGIN_LIBS_parse)
endif
ifneq ($(wildcard plugins/entities/entities.h),)
FUZZ_TARGETS += entities
FUZZ_CFLAGS_entities := -Iplugins/entities $(PLUGIN_CFLAGS_entities)
FUZZ_OBJ_entities := $(PLUGIN_OBJ_entities)
FUZZ_LIBS_entities := $(PLUGIN_LIBS_entities)
endif

# --- replay programs (make check) ------------------------------------------
FUZZ_REPLAY := $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz_%)

$(BUILD)/obj/tests/fuzz/target_%.o: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(FUZZ_CFLAGS_$*) -DFUZZ_TOP='"$(CURDIR)"' -fPIC -MMD -MP -c $< -o $@
$(BUILD)/obj/tests/fuzz/replay_%.o: tests/fuzz/replay.c tests/fuzz/fuzz.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -DFUZZ_TARGET=$* -DFUZZ_TOP='"$(CURDIR)"' -fPIC -MMD -MP -c $< -o $@

define fuzz_replay_rule
$$(BUILD)/tests/fuzz_$(1): $$(BUILD)/obj/tests/fuzz/replay_$(1).o $$(BUILD)/obj/tests/fuzz/target_$(1).o $$(FUZZ_OBJ_$(1)) $$(CORE_LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ $$(CHECK_LIBS) $$(FUZZ_LIBS_$(1)) $$(LDLIBS_CORE)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_replay_rule,$(t))))

# --- the torture program (tests/torture/) -----------------------------------
TORTURE_SRC := $(wildcard tests/torture/*.c)
TORTURE_OBJ := $(TORTURE_SRC:%.c=$(BUILD)/obj/%.o)
ifneq ($(TORTURE_SRC),)
$(BUILD)/tests/torture: $(TORTURE_OBJ) $(TESTLIB_OBJ) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS_CORE)
TORTURE_BIN := $(BUILD)/tests/torture
endif

# Its plugins (tests/torture/plugins/NAME.c -> $(BUILD)/tests/plugins/NAME.so).
TORTURE_PLUGIN_SRC := $(wildcard tests/torture/plugins/*.c)
TORTURE_PLUGINS := $(TORTURE_PLUGIN_SRC:tests/torture/plugins/%.c=$(BUILD)/tests/plugins/%.so)
$(TORTURE_PLUGINS): $(BUILD)/tests/plugins/%.so: tests/torture/plugins/%.c include/inboxd/plugin.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -fPIC -fvisibility=hidden -shared $(ALL_LDFLAGS) -o $@ $< -lpthread

tests: $(FUZZ_REPLAY) $(TORTURE_BIN) $(TORTURE_PLUGINS)

# --- libFuzzer builds (make fuzz) -------------------------------------------
FUZZ_CC ?= clang
FUZZ_DIR := build-fuzz
FUZZ_TIME ?= 120
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_BASE := -std=gnu11 -O1 -g -Wall -Wno-unused-parameter -D_GNU_SOURCE \
	-Iinclude -Idaemon $(PKG_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_CORE_OBJ := $(CORE_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)

$(FUZZ_DIR)/obj/daemon/%.o: daemon/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_BASE) -c $< -o $@
$(FUZZ_DIR)/libcore.a: $(FUZZ_CORE_OBJ)
	rm -f $@ && ar rcs $@ $^
$(FUZZ_DIR)/obj/plugins/%.o: plugins/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_BASE) $(PLUGIN_CFLAGS_$(firstword $(subst /, ,$*))) -fvisibility=hidden -c $< -o $@
$(FUZZ_DIR)/obj/fuzz_%.o: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_BASE) $(FUZZ_CFLAGS_$*) -DFUZZ_TOP='"$(CURDIR)"' -c $< -o $@

define fuzz_bin_rule
$$(FUZZ_DIR)/fuzz_$(1): $$(FUZZ_DIR)/obj/fuzz_$(1).o $$(patsubst $$(BUILD)/obj/%,$$(FUZZ_DIR)/obj/%,$$(FUZZ_OBJ_$(1))) $$(FUZZ_DIR)/libcore.a
	$$(FUZZ_CC) $$(FUZZ_SAN) -fsanitize=fuzzer -o $$@ $$^ $$(FUZZ_LIBS_$(1)) $$(PKG_LIBS) -lpthread -ldl -lm
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_bin_rule,$(t))))

FUZZ_MAXLEN_request := 4096
FUZZ_MAXLEN_config := 4096
FUZZ_MAXLEN_parse := 65536
FUZZ_MAXLEN_entities := 16384

.PHONY: fuzz fuzz-run
fuzz: $(FUZZ_BINS)

# Each target in turn for FUZZ_TIME seconds; the working corpus grows in
# build-fuzz/corpus/TARGET (the seed corpus is only read).
fuzz-run: fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/crashes/$$t; \
	    dict=""; [ -f tests/fuzz/$$t.dict ] && dict="-dict=tests/fuzz/$$t.dict"; \
	    kept=""; [ -d tests/fuzz/regress/$$t ] && kept=tests/fuzz/regress/$$t; \
	    echo "fuzz: $$t for $(FUZZ_TIME) s"; \
	    INBOXD_TOP=$(CURDIR) ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	    $(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_TIME) -timeout=30 -rss_limit_mb=2560 \
	        -max_len=$(FUZZ_MAXLEN_$$t) -print_final_stats=1 $$dict \
	        -artifact_prefix=$(FUZZ_DIR)/crashes/$$t/ \
	        $(FUZZ_DIR)/corpus/$$t tests/fuzz/corpus/$$t $$kept \
	        > $(FUZZ_DIR)/$$t.log 2>&1 || { \
	        echo "fuzz: $$t FAILED; the input is in $(FUZZ_DIR)/crashes/$$t/"; \
	        tail -n 60 $(FUZZ_DIR)/$$t.log; exit 1; }; \
	    grep -E '^stat::(number_of_executed_units|peak_rss_mb|new_units_added)' $(FUZZ_DIR)/$$t.log | sed "s/^/fuzz: $$t /"; \
	done
