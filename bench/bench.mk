# The benchmark (bench/, docs/BENCHMARKS.md).  Included by the top Makefile.
#
#   make bench                 N=10,000 reports, every section
#   make bench QUICK=1         1,000 reports (same as ARGS=--quick)
#   make bench N=100000        another corpus size
#   make bench ARGS="--keep --no-recoll"   any inboxd-bench option
#   make bench-deps            installs recollcmd and time (as root)
#
# Everything is built into $(BUILD)/bench/.  bench/run.sh builds each part
# on its own, so a plugin that does not build yet only skips its sections.

BENCH_DIR := $(BUILD)/bench
BENCH_SRC := $(wildcard bench/*.c)
BENCH_OBJ := $(BENCH_SRC:%.c=$(BUILD)/obj/%.o)
BENCH_ARGS = $(if $(N),--n $(N)) $(if $(filter 1 yes true,$(QUICK)),--quick) $(ARGS)

.PHONY: bench-deps bench-build
bench: bench-deps
	@BUILD=$(BUILD) MAKE="$(MAKE)" sh bench/run.sh $(BENCH_ARGS)

bench-deps:
	@INBOXD_EXTRA_DEPS="recollcmd time" sh scripts/deps.sh || \
		echo "bench: the peer (recollcmd) is missing: its row will be skipped"

bench-build: $(BENCH_DIR)/inboxd-bench $(BENCH_DIR)/bench-floor

# The driver: bench/*.c with the core library (util, SHA-256).
$(BENCH_DIR)/inboxd-bench: $(BENCH_OBJ) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS_CORE)

# The floor: SQLite only.
$(BENCH_DIR)/bench-floor: $(BUILD)/obj/bench/tools/floor.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS_CORE)

# Helpers linked with one plugin's own objects (as its unit tests are), so
# they call its host-free API: parse.h, entities.h, the sqlite query layer.
define bench_tool_rule
$$(BUILD)/obj/bench/tools/$(1).o: bench/tools/$(1).c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) $$(PLUGIN_CFLAGS_$(2)) -Iplugins/$(2) -fPIC -MMD -MP -c $$< -o $$@
$$(BENCH_DIR)/bench-$(1): $$(BUILD)/obj/bench/tools/$(1).o $$(PLUGIN_OBJ_$(2)) $(3)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ $$(PLUGIN_LIBS_$(2)) $$(LDLIBS_CORE)
endef
$(eval $(call bench_tool_rule,parse,parse,))
$(eval $(call bench_tool_rule,entities,entities,))
$(eval $(call bench_tool_rule,query,sqlite,))

# The sqlite plugin alone: dlopen()s build/plugins/sqlite.so and drives it
# with the core's document object (daemon/doc.h), as the daemon does.
$(BENCH_DIR)/bench-index: $(BUILD)/obj/bench/tools/index.o $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS_CORE)

# The bench's own unit tests (corpus, helpers; no timing asserted), run by
# `make check` like every program in $(BUILD)/tests/.
BENCH_LIB_OBJ := $(filter-out $(BUILD)/obj/bench/main.o,$(BENCH_OBJ))
$(BUILD)/obj/bench/tests/%.o: bench/tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Ibench -fPIC -MMD -MP -c $< -o $@
$(BUILD)/tests/bench_%: $(BUILD)/obj/bench/tests/%.o $(BENCH_LIB_OBJ) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS_CORE)
tests: $(patsubst bench/tests/%.c,$(BUILD)/tests/bench_%,$(wildcard bench/tests/*.c))
