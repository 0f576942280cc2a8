/*
 * The document object the pipeline carries, and the host services table
 * that plugins use to read and change it (include/inboxd/plugin.h).
 *
 * A document is owned by the pipeline job that carries it.  Only one stage
 * touches it at a time, so it has no lock of its own.
 */
#ifndef INBOXD_DOC_H
#define INBOXD_DOC_H

#include <inboxd/plugin.h>
#include <jansson.h>
#include <stdint.h>

/* A named side buffer (host->doc_set_view). */
struct doc_view {
    struct doc_view *next;
    char *name;  /* owned */
    void *data;  /* owned, len bytes plus a NUL */
    size_t len;
};

struct inboxd_doc {
    char id[65];          /* SHA-256 hex of raw */
    char *name;           /* original name (bytes), owned */
    int64_t received_ms;
    uint32_t flags;       /* INBOXD_DOC_* */
    unsigned char *raw;   /* owned; NUL-terminated for convenience */
    size_t raw_len;
    char *text;           /* owned, NULL before parse */
    size_t text_len;
    char *lang;           /* owned or NULL */
    json_t *meta;         /* object, owned */
    inboxd_entity *ents;  /* owned array, every string in it owned */
    size_t n_ents, cap_ents;
    struct doc_view *views; /* owned list */
    char *error;          /* owned or NULL: why the last stage failed */
};

/* Limits the host enforces on documents; set from config (doc_limits_set). */
struct doc_limits {
    size_t max_text_bytes;
    size_t max_entities;
};
void doc_limits_set(const struct doc_limits *l);

/* A new document; copies name and takes ownership of raw (malloc'd,
 * raw_len bytes, with one spare byte for a NUL).  Computes the id.
 * Returns NULL on out of memory. */
inboxd_doc *doc_new(const char *name, unsigned char *raw, size_t raw_len,
                    int64_t received_ms);
/* The same from a copy of the bytes. */
inboxd_doc *doc_new_copy(const char *name, const void *raw, size_t raw_len,
                         int64_t received_ms);
/* NULL-safe; returns NULL. */
inboxd_doc *doc_free(inboxd_doc *doc);

/* The services table handed to plugins; static, valid for the process. */
const inboxd_host *doc_host(void);

/* Sets the dirs reported by host->state_dir and host->config_dir (copied;
 * NULL clears). */
void doc_host_set_state_dir(const char *dir);
void doc_host_set_config_dir(const char *dir);

/* The entities as a JSON array of objects (type, text, value, key, lang,
 * start, end, confidence, attrs).  New reference. */
json_t *doc_entities_json(const inboxd_doc *doc);

/* "title" from metadata, or NULL. */
const char *doc_title(const inboxd_doc *doc);

#endif
