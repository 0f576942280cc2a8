/*
 * inboxd plugin ABI -- the one header a plugin author needs.
 *
 * A plugin is a shared object that exports one symbol, INBOXD_PLUGIN_ENTRY
 * ("inboxd_plugin_entry"), a function returning a pointer to a const
 * descriptor (struct inboxd_plugin).  The host checks the descriptor's
 * abi_version and build signature before calling anything else and refuses
 * the plugin with a clear error when they do not match (as nginx does).
 *
 * The host passes its services to the plugin as a table of function pointers
 * (struct inboxd_host).  New entries are only ever appended to that table,
 * and its `size` field tells a plugin which entries exist, so a plugin never
 * links against the daemon (as SQLite's sqlite3_api_routines).
 *
 * Conventions:
 *   - Strings are NUL-terminated UTF-8 unless stated otherwise.
 *   - Functions returning int return 0 on success or a negative errno.
 *   - Offsets into the document text are BYTE offsets into the UTF-8 text
 *     published by the parse stage (field names say so: start/end are bytes).
 *   - Everything the host returns stays owned by the host and stays valid
 *     until the document is modified by the same plugin or the call to
 *     process() returns, unless the comment says "caller frees" -- then free
 *     it with host->free().
 *   - Everything a plugin passes to the host is copied; the plugin keeps
 *     ownership of its own buffers.
 *
 * Building an out-of-tree plugin:
 *     cc $(pkg-config --cflags inboxd-plugin) -shared -fPIC -o my.so my.c
 */
#ifndef INBOXD_PLUGIN_H
#define INBOXD_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change of the structures below. */
#define INBOXD_ABI_VERSION 1

#define INBOXD__STR2(x) #x
#define INBOXD__STR(x) INBOXD__STR2(x)

/* The build signature: ABI version, pointer size and byte order.  A plugin
 * built on a different kind of machine or against another ABI is refused
 * even if abi_version happened to match. */
#define INBOXD_BUILD_SIGNATURE                                                \
    "inboxd-abi-" INBOXD__STR(INBOXD_ABI_VERSION) "/ptr"                      \
    INBOXD__STR(__SIZEOF_POINTER__) "/bo" INBOXD__STR(__BYTE_ORDER__)

/* The name of the one exported entry symbol. */
#define INBOXD_PLUGIN_ENTRY "inboxd_plugin_entry"

/* Declare the entry function of a plugin: INBOXD_PLUGIN_EXPORT(my_desc). */
#define INBOXD_PLUGIN_EXPORT(desc)                                            \
    __attribute__((visibility("default")))                                    \
    const struct inboxd_plugin *inboxd_plugin_entry(void);                    \
    const struct inboxd_plugin *inboxd_plugin_entry(void) { return &(desc); }

typedef struct inboxd_doc inboxd_doc; /* opaque, owned by the host */

/* The pipeline stages, in the order documents flow through them. */
typedef enum inboxd_stage {
    INBOXD_STAGE_PARSE = 1,   /* raw bytes -> UTF-8 text, language, metadata */
    INBOXD_STAGE_EXTRACT = 2, /* text -> entities */
    INBOXD_STAGE_INDEX = 3,   /* store document, text and entities */
    INBOXD_STAGE_SINK = 4     /* anything else that consumes documents */
} inboxd_stage;

/* What process() returns. */
typedef enum inboxd_status {
    INBOXD_OK = 0,     /* the stage is done; the document goes on */
    INBOXD_FAILED = 1, /* permanent failure: the document goes to failed/
                          with the message given to host->doc_error() */
    INBOXD_RETRY = 2   /* transient failure (disk full, database locked):
                          the document stays in work/ and is retried later
                          with backoff */
} inboxd_status;

/* Descriptor flags. */
#define INBOXD_PLUGIN_CONCURRENT 0x1u /* process() may run on several
                                         documents at once, on different
                                         threads, with one instance */

/* Document flags (host->doc_flags). */
#define INBOXD_DOC_REPROCESS 0x1u /* re-run on an archived original:
                                     index plugins update in place */

/* Log priorities are syslog's (<syslog.h> LOG_ERR ... LOG_DEBUG). */
#define INBOXD_LOG_ERR 3
#define INBOXD_LOG_WARNING 4
#define INBOXD_LOG_NOTICE 5
#define INBOXD_LOG_INFO 6
#define INBOXD_LOG_DEBUG 7

/* One entity, as a plugin hands it to the host and as the host returns it.
 * The layout is frozen for this ABI version. */
typedef struct inboxd_entity {
    const char *type;  /* PERSON ORG LOC DATE DOCREF QUANTITY MONEY PERCENT
                          URL EMAIL, or a plugin's own upper-case type */
    const char *text;  /* the surface text, as written */
    const char *value; /* normalized value (ISO date, number, name) */
    const char *key;   /* canonical cross-script key */
    const char *lang;  /* language of the sentence, BCP 47 ("ar"), or NULL */
    const char *attrs; /* a JSON object (role, kind, latin, issuer...), or
                          NULL */
    size_t start;      /* byte offset of the surface in the doc text */
    size_t end;        /* byte offset one past the surface */
    double confidence; /* 0..1 */
} inboxd_entity;

/* The host's services.  Append only: check `size` before using an entry
 * added after the first release (offsetof(struct inboxd_host, member)). */
typedef struct inboxd_host {
    uint32_t abi_version; /* INBOXD_ABI_VERSION of the host */
    uint32_t size;        /* sizeof(struct inboxd_host) of the host */

    /* Log a line.  plugin and doc may be NULL. */
    void (*log)(int priority, const char *plugin, const inboxd_doc *doc,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

    /* Free memory the host returned with "caller frees". */
    void (*free)(void *p);

    /* The daemon's state directory (where a store keeps its files). */
    const char *(*state_dir)(void);

    /* Identity: the SHA-256 of the content in lower-case hex (64 chars),
     * the original file name (bytes as found, may be invalid UTF-8), the
     * time the file was received (ms since the epoch). */
    const char *(*doc_id)(const inboxd_doc *doc);
    const char *(*doc_name)(const inboxd_doc *doc);
    int64_t (*doc_received_ms)(const inboxd_doc *doc);
    uint32_t (*doc_flags)(const inboxd_doc *doc);

    /* The original bytes, exactly as in the file. */
    const unsigned char *(*doc_raw)(const inboxd_doc *doc, size_t *len);

    /* The published UTF-8 text (NULL before the parse stage set it), and
     * setting it.  The text must be valid UTF-8 without NUL bytes: -EINVAL
     * otherwise, -E2BIG past the configured max_text_bytes.  Setting the
     * text drops the entities, whose offsets pointed into the old text. */
    const char *(*doc_text)(const inboxd_doc *doc, size_t *len);
    int (*doc_set_text)(inboxd_doc *doc, const char *utf8, size_t len);

    /* The dominant language (BCP 47, "ar", "el", "und"), or NULL. */
    const char *(*doc_lang)(const inboxd_doc *doc);
    int (*doc_set_lang)(inboxd_doc *doc, const char *lang);

    /* Metadata: a JSON object.  doc_meta_get returns the JSON text of one
     * member (or of the whole object when key is NULL), or NULL when absent;
     * caller frees.  doc_meta_set parses json_text and stores it under key
     * (-EINVAL when it is not valid JSON); json_text NULL removes the key.
     * Keys the host itself fills: "title", "lang", "charset". */
    char *(*doc_meta_get)(const inboxd_doc *doc, const char *key);
    int (*doc_meta_set)(inboxd_doc *doc, const char *key,
                        const char *json_text);

    /* Entities.  doc_add_entity copies the entity; start/end must lie on
     * the text (start <= end <= text length): -ERANGE otherwise, -E2BIG past
     * max_entities.  doc_entity returns NULL past the end. */
    int (*doc_add_entity)(inboxd_doc *doc, const inboxd_entity *e);
    size_t (*doc_entity_count)(const inboxd_doc *doc);
    const inboxd_entity *(*doc_entity)(const inboxd_doc *doc, size_t i);
    void (*doc_clear_entities)(inboxd_doc *doc);

    /* Named side buffers one stage leaves for the next (e.g. the parse
     * stage's "text.ascii_digits": the text with Arabic-Indic digits as
     * ASCII).  Any bytes; the host copies them. */
    int (*doc_set_view)(inboxd_doc *doc, const char *name, const void *data,
                        size_t len);
    const void *(*doc_view)(const inboxd_doc *doc, const char *name,
                            size_t *len);

    /* The reason a document failed; shown in document.failed and in the
     * failed/ record.  Call before returning INBOXD_FAILED/INBOXD_RETRY. */
    void (*doc_error)(inboxd_doc *doc, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

    /* The directory of the daemon's data files (etc/inboxd in the source
     * tree, /etc/inboxd when installed): plugins resolve relative paths of
     * their data files (marker lists, gazetteers) against it. */
    const char *(*config_dir)(void);

    /* Append new services here. */
} inboxd_host;

/* The plugin descriptor returned by the entry symbol.  Static and const. */
typedef struct inboxd_plugin {
    uint32_t abi_version;  /* INBOXD_ABI_VERSION */
    uint32_t size;         /* sizeof(struct inboxd_plugin) */
    const char *signature; /* INBOXD_BUILD_SIGNATURE */
    const char *name;      /* short name, [a-z0-9_-] */
    const char *version;   /* the plugin's own version */
    const char *description;
    inboxd_stage stage;
    uint32_t flags; /* INBOXD_PLUGIN_* */

    /* Make an instance.  config_json is the plugin's "config" object from
     * the daemon's configuration ("{}" when absent).  On failure return a
     * negative errno and write a message naming the problem into err
     * (errlen bytes); *instance is then not used.  Called on the loop
     * thread at start-up and on reload. */
    int (*create)(void **instance, const char *config_json,
                  const inboxd_host *host, char *err, size_t errlen);

    /* Process one document; runs on a worker thread.  Returns an
     * inboxd_status. */
    int (*process)(void *instance, inboxd_doc *doc);

    /* Free an instance; NULL-safe.  Called after the last process(). */
    void (*destroy)(void *instance);

    /* Optional, index stage: 1 when a document with this id is already
     * stored, 0 when not, a negative errno on error.  Runs on a worker
     * thread; must be safe to call concurrently with process(). */
    int (*contains)(void *instance, const char *id);

    /* Reserved for later members; zero. */
    void *reserved[8];
} inboxd_plugin;

/* The type of the entry symbol. */
typedef const inboxd_plugin *(*inboxd_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif
#endif /* INBOXD_PLUGIN_H */
