/*
 * The database: schema, versions (PRAGMA user_version) and forward
 * migrations, the clean-shutdown marker and the start-up integrity check.
 *
 * Schema version 3 (v1: the first index, a unicode61 full-text table; v2:
 * one row per mention with two indexes, an attributes table and entity
 * counters, all updated at random places by every document):
 *   documents  one row per document; id = SHA-256 of the content (hex)
 *   doc_text   title and body; the content table of fts
 *   fts        FTS5 over doc_text(title, body), tokenizer "inboxd"
 *   entity     one row per distinct (type, key): display name, folded key
 *              (norm_key, a function of key); its one index, (norm_key,
 *              type, key), serves the writer's lookups and queries by key
 *              or folded key alike
 *   aliases    the distinct surfaces of an entity
 *   doc_ents   one row per document with entities: mentions, a JSON array
 *              [[entity, [[start_byte, end_byte, surface, value, lang,
 *              confidence, attrs (JSON text) or null], ...]], ...] grouped
 *              by entity, and terms (terms.h); the content table of ent_fts
 *   ent_fts    FTS5 over doc_ents(terms), tokenizer "ascii": the entity
 *              index (which documents name an entity, use an alias, have a
 *              type); ent_vocab (fts5vocab, row) counts documents and
 *              mentions per term
 *   state      key/value: clean_shutdown, terms (tokenizer version)
 * Views under the version-2 names, for SQL users: entities (with docs and
 * mentions), mentions (one row per mention), attributes (entity, doc,
 * name, value from the mentions' attrs objects).
 */
#ifndef SQLIDX_SCHEMA_H
#define SQLIDX_SCHEMA_H

#include <sqlite3.h>
#include <stddef.h>

#define SCHEMA_VERSION 3

struct schema_opts {
    int synchronous_full;   /* synchronous=FULL instead of NORMAL */
    long long max_pages;    /* PRAGMA max_page_count when > 0 */
    int check_always;       /* integrity_check even after a clean stop */
    int cache_kib;          /* page cache size, KiB (0: SQLite's default) */
};

/* What schema_open_writer did, for logs and tests. */
struct schema_report {
    int created;          /* a new database */
    int from_version;     /* user_version found */
    int integrity_checked;/* the last stop was not clean (or check_always) */
    int rebuilt_fts;      /* the full-text table was rebuilt */
};

/* Opens (creating) the database at path for writing: WAL, the chosen
 * synchronous level, the tokenizer registered, an integrity check when the
 * last shutdown was not clean, migrations to SCHEMA_VERSION, then the
 * clean marker cleared.  A corrupt database or one of a newer schema is
 * refused: returns a negative errno with a message in err.  On success
 * *out is the connection (caller closes with schema_close_writer). */
int schema_open_writer(const char *path, const struct schema_opts *o,
                       sqlite3 **out, struct schema_report *rep, char *err,
                       size_t errlen);

/* Sets the clean-shutdown marker and closes (checkpointing the WAL).
 * NULL-safe.  Returns 0 or a negative errno when the marker could not be
 * written. */
int schema_close_writer(sqlite3 *db);

/* Opens the database read-only (queries, contains()): fails with a clear
 * message when the file does not exist, is not a database, or has a schema
 * version this code does not know.  The tokenizer is registered. */
int schema_open_reader(const char *path, sqlite3 **out, char *err,
                       size_t errlen);

/* The value of a state key (caller frees with sqlite3_free), or NULL. */
char *schema_state_get(sqlite3 *db, const char *key);
int schema_state_set(sqlite3 *db, const char *key, const char *value);

#endif
