/*
 * Writing one document into the database (within the caller's
 * transaction).  A document is first copied out of the host's object into
 * a struct sdoc on the thread that runs process() (so the parsing of
 * metadata and attributes runs in parallel), then written by whichever
 * thread commits the batch.
 */
#ifndef SQLIDX_STORE_H
#define SQLIDX_STORE_H

#include <inboxd/plugin.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* One entity mention.  type/surface/value/lang point into the host's
 * entity (valid while process() runs); key, name, norm_key and attrs are
 * owned. */
struct sdoc_ent {
    const char *type, *surface, *value, *lang, *attrs_json;
    char *key;      /* key, else value, else surface */
    char *name;     /* display name: value, else surface */
    char *norm_key; /* the key through the tokenizer's folding */
    char **attrs;   /* name, value, name, value... */
    size_t n_attrs; /* pairs */
    size_t start, end;
    double confidence;
};

/* A document ready to be written.  Owned strings are freed by
 * sdoc_clear; id and text point into the host's document. */
struct sdoc {
    const char *id;
    char *name;
    int64_t received_ms;
    int64_t bytes;
    int reprocess;
    char *charset, *lang, *langs, *title, *lead, *byline, *source_url,
        *published, *meta;
    const char *text;
    size_t text_len;
    struct sdoc_ent *ents; /* sorted by (type, key) */
    size_t n_ents;
};

/* Copies what the index needs out of doc.  0, or -ENOMEM / -EINVAL with a
 * message in err. */
int sdoc_prepare(struct sdoc *d, const inboxd_host *h, inboxd_doc *doc,
                 char *err, size_t errlen);
/* NULL-safe; leaves *d zeroed. */
void sdoc_clear(struct sdoc *d);

/* The prepared statements of the writer connection. */
struct store;
int store_new(sqlite3 *db, struct store **out);
void store_free(struct store *s);

/* Writes d (inside a transaction the caller opened).  *written is 0 when
 * the document was already stored and not a reprocess (nothing done), 1
 * when inserted, 2 when replaced in place.  Returns an SQLite result
 * code. */
int store_write(struct store *s, const struct sdoc *d, int64_t now_ms,
                int *written);

/* 1 when the id is stored (on the writer connection). */
int store_has(struct store *s, const char *id);

#endif
