# The entities plugin: ICU (normalization, case folding, transliteration)
# and jansson (data files, config).
PLUGIN_CFLAGS_entities := $(shell pkg-config --cflags icu-uc icu-i18n jansson)
PLUGIN_LIBS_entities := $(shell pkg-config --libs icu-uc icu-i18n jansson) -lpthread -lm
