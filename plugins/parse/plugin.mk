# The parse plugin: ICU (charset detection, conversion, normalization,
# segmentation, scripts), libxml2 (HTML), jansson (JSON, data files).
PLUGIN_CFLAGS_parse := $(shell pkg-config --cflags icu-uc icu-i18n libxml-2.0 jansson)
PLUGIN_LIBS_parse := $(shell pkg-config --libs icu-uc icu-i18n libxml-2.0 jansson) -lpthread -lm
