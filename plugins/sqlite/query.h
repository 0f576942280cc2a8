/*
 * Read-only queries over the index, for inboxctl and tests.  Every
 * function takes a connection from schema_open_reader() (the tokenizer
 * registered, so query words are folded and stemmed as the documents
 * were) and never writes.
 */
#ifndef SQLIDX_QUERY_H
#define SQLIDX_QUERY_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define Q_NO_TIME INT64_MIN

struct q_search {
    const char *query;    /* FTS5 query syntax */
    const char *lang;     /* documents whose language is lang (or lang-*) */
    const char *type;     /* with an entity of this type */
    const char *entity;   /* with this entity key (exact or folded) */
    int64_t since_ms;     /* received at or after; Q_NO_TIME: any */
    int limit;            /* > 0 */
    const char *hl_open;  /* snippet highlight markers */
    const char *hl_close;
};

/* One hit; strings valid during the callback. */
struct q_hit {
    const char *id, *name, *lang, *title, *snippet;
    double score;         /* -bm25: higher is better */
    int64_t received_ms;
};

typedef int (*q_hit_fn)(void *arg, const struct q_hit *hit);

/* Runs a search, best first, calling fn per hit.  Returns the number of
 * hits, -EINVAL for a malformed query (err says why) or another negative
 * errno. */
int q_search(sqlite3 *db, const struct q_search *s, q_hit_fn fn, void *arg,
             char *err, size_t errlen);

/* Finds the document whose id is id or starts with it (hex, any case).
 * 0 with *rowid set; -ENOENT none, -EEXIST several (err lists them),
 * -EINVAL not an id. */
int q_resolve_id(sqlite3 *db, const char *id, int64_t *rowid, char *err,
                 size_t errlen);

/* One document as a JSON object: id, name, received, indexed (RFC 3339),
 * bytes, charset, lang, langs, title, lead, byline, source_url,
 * published, meta, text (when with_text), entities (type, key, name,
 * mentions [{surface, start, end, value, lang, confidence, attrs}]).  New
 * reference, NULL on error. */
json_t *q_document(sqlite3 *db, int64_t rowid, int with_text);

/* Entities by document count (then mentions): [{type, key, name, docs,
 * mentions, aliases}], at most top (0: all); type NULL for all. */
json_t *q_entities(sqlite3 *db, const char *type, int top);

/* The entities whose key is key, or whose folded key equals key folded
 * (type NULL: any type), each with "documents": [{id, name, lang, title,
 * received, surfaces [{surface, count}], mentions [{start, end,
 * surface}]}].  An empty array when none. */
json_t *q_entity(sqlite3 *db, const char *key, const char *type);

/* Calls fn with each document received at or after since_ms (Q_NO_TIME:
 * all), oldest first, as q_document(with_text) JSON; one read snapshot.
 * Returns the count, or a negative errno: a non-zero return of fn stops
 * the export and is returned (as -ECANCELED when not negative). */
int q_export(sqlite3 *db, int64_t since_ms,
             int (*fn)(void *arg, json_t *doc), void *arg);

#endif
