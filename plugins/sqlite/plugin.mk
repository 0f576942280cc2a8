# The sqlite index plugin: SQLite (FTS5), ICU (word break, normalization),
# jansson (metadata).  inboxctl links the tokenizer and the query layer so
# that its queries are folded and stemmed exactly as the index was.
PLUGIN_CFLAGS_sqlite := $(shell pkg-config --cflags sqlite3 icu-uc icu-i18n jansson)
PLUGIN_LIBS_sqlite := $(shell pkg-config --libs sqlite3 icu-uc icu-i18n jansson) -lpthread
CTL_EXTRA_OBJ += $(BUILD)/obj/plugins/sqlite/tokenizer.o \
	$(BUILD)/obj/plugins/sqlite/fold.o \
	$(BUILD)/obj/plugins/sqlite/stem.o \
	$(BUILD)/obj/plugins/sqlite/utf8.o \
	$(BUILD)/obj/plugins/sqlite/schema.o \
	$(BUILD)/obj/plugins/sqlite/query.o \
	$(BUILD)/obj/plugins/sqlite/rank.o \
	$(BUILD)/obj/plugins/sqlite/snippet.o \
	$(BUILD)/obj/plugins/sqlite/qdate.o \
	$(BUILD)/obj/plugins/sqlite/terms.o \
	$(BUILD)/obj/plugins/sqlite/jbuf.o \
	$(BUILD)/obj/plugins/sqlite/tokrec.o \
	$(BUILD)/obj/plugins/sqlite/walbuf.o
CTL_EXTRA_LIBS += $(shell pkg-config --libs sqlite3 icu-uc icu-i18n jansson)
