# make eval: entity extraction scores (tests/eval/ent_eval.c).
#   - the gold set tests/fixtures/gold/*.txt: precision/recall/F1 per type
#   - cross-script linking over the gazetteers
#   - PERSON/LOC/ORG on NewsFANE Gold dev in ../shared/eval/newsfane-dev
#     (skipped when absent; never copied into the project)
#   - throughput on Arabic text (EVAL_BENCH_MB, default 50)
EVAL_BIN := $(BUILD)/eval/ent_eval
EVAL_DATA := etc/inboxd/entities
NEWSFANE_DIR ?= $(CURDIR)/../shared/eval/newsfane-dev
EVAL_BENCH_MB ?= 50

$(EVAL_BIN): tests/eval/ent_eval.c tests/eval/score.h $(PLUGIN_OBJ_entities)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(PLUGIN_CFLAGS_entities) $(CFLAGS) -Iplugins/entities -o $@ \
		tests/eval/ent_eval.c $(PLUGIN_OBJ_entities) $(PLUGIN_LIBS_entities) $(ALL_LDFLAGS)

eval: $(EVAL_BIN)
	$(EVAL_BIN) gold $(EVAL_DATA) tests/fixtures/gold
	$(EVAL_BIN) links $(EVAL_DATA)
	@$(EVAL_BIN) newsfane $(EVAL_DATA) $(NEWSFANE_DIR); rc=$$?; \
	  if [ $$rc -ne 0 ] && [ $$rc -ne 77 ]; then exit $$rc; fi
	$(EVAL_BIN) bench $(EVAL_DATA) tests/fixtures/001_9dbad9a477df04d3.txt $(EVAL_BENCH_MB)
