#include "schema.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "rank.h"
#include "snippet.h"
#include "stem.h"
#include "terms.h"
#include "tokenizer.h"
#include "walbuf.h"

/* The reader's page cache, KiB: at most, allocated as pages are read. */
#define READER_CACHE_KIB "32768"

/* The terms the full-text index holds depend on these; a change rebuilds. */
#define TERMS_STR(t, s) "tok" #t ".stem" #s
#define TERMS_X(t, s) TERMS_STR(t, s)
#define TERMS_VERSION TERMS_X(TOK_VERSION, STEM_VERSION)

/* The views that keep the version-2 names readable with SQL: entities
 * (with docs and mentions counted by the entity index), mentions (one row
 * per mention) and attributes (from the mentions' attrs objects). */
#define VIEWS_V3                                                              \
    "CREATE VIEW entities AS SELECT e.rowid AS rowid, e.type AS type,"        \
    " e.key AS key, e.name AS name, e.norm_key AS norm_key, v.doc AS docs,"   \
    " v.cnt AS mentions FROM entity e JOIN ent_vocab v"                       \
    " ON v.term = 'e' || e.rowid;"                                            \
    "CREATE VIEW mentions AS SELECT d.doc AS doc,"                            \
    " json_extract(g.value, '$[0]') AS entity,"                               \
    " json_extract(m.value, '$[0]') AS start_byte,"                           \
    " json_extract(m.value, '$[1]') AS end_byte,"                             \
    " json_extract(m.value, '$[2]') AS surface,"                              \
    " json_extract(m.value, '$[3]') AS value,"                                \
    " json_extract(m.value, '$[4]') AS lang,"                                 \
    " json_extract(m.value, '$[5]') AS confidence,"                           \
    " json_extract(m.value, '$[6]') AS attrs"                                 \
    " FROM doc_ents d, json_each(d.mentions) g,"                              \
    " json_each(g.value, '$[1]') m;"                                          \
    "CREATE VIEW attributes AS SELECT DISTINCT m.entity AS entity,"           \
    " m.doc AS doc, a.key AS name,"                                           \
    " CASE a.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'"          \
    "  ELSE CAST(a.value AS TEXT) END AS value"                               \
    " FROM mentions m, json_each(CASE WHEN json_valid(m.attrs)"               \
    "  AND json_type(m.attrs) = 'object' THEN m.attrs ELSE '{}' END) a"       \
    " WHERE m.attrs IS NOT NULL AND a.type <> 'null';"

static const char schema_v3[] =
    "CREATE TABLE documents("
    " rowid INTEGER PRIMARY KEY,"
    " id TEXT NOT NULL UNIQUE,"
    " name TEXT NOT NULL,"
    " received_ms INTEGER NOT NULL,"
    " indexed_ms INTEGER NOT NULL,"
    " bytes INTEGER NOT NULL,"
    " charset TEXT, lang TEXT, langs TEXT, title TEXT, lead TEXT,"
    " byline TEXT, source_url TEXT, published TEXT,"
    " meta TEXT NOT NULL DEFAULT '{}');"
    "CREATE INDEX documents_received ON documents(received_ms);"
    "CREATE TABLE doc_text(doc INTEGER PRIMARY KEY, title TEXT, body TEXT);"
    "CREATE VIRTUAL TABLE fts USING fts5(title, body, content='doc_text',"
    " content_rowid='doc', tokenize='inboxd');"
    "INSERT INTO fts(fts, rank) VALUES('rank', 'bm25(4.0, 1.0)');"
    "CREATE TABLE entity("
    " rowid INTEGER PRIMARY KEY,"
    " type TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL,"
    " norm_key TEXT NOT NULL DEFAULT '',"
    " UNIQUE(norm_key, type, key));"
    "CREATE TABLE aliases(entity INTEGER NOT NULL, surface TEXT NOT NULL,"
    " PRIMARY KEY(entity, surface)) WITHOUT ROWID;"
    "CREATE TABLE doc_ents(doc INTEGER PRIMARY KEY, mentions TEXT NOT NULL,"
    " terms TEXT NOT NULL);"
    "CREATE VIRTUAL TABLE ent_fts USING fts5(terms, content='doc_ents',"
    " content_rowid='doc', columnsize=0, tokenize='ascii');"
    "CREATE VIRTUAL TABLE ent_vocab USING fts5vocab(ent_fts, row);"
    VIEWS_V3
    "CREATE TABLE state(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;";

/* v1 -> v2: metadata columns out of the JSON, entity counters and folded
 * keys, aliases and attributes from the mentions, the full-text table
 * re-created with the inboxd tokenizer. */
static const char migrate_v1_v2[] =
    "ALTER TABLE documents ADD COLUMN langs TEXT;"
    "ALTER TABLE documents ADD COLUMN lead TEXT;"
    "ALTER TABLE documents ADD COLUMN byline TEXT;"
    "ALTER TABLE documents ADD COLUMN source_url TEXT;"
    "ALTER TABLE documents ADD COLUMN published TEXT;"
    "UPDATE documents SET"
    " langs = CASE WHEN json_type(meta, '$.langs') = 'array'"
    "   THEN json_extract(meta, '$.langs') END,"
    " lead = CASE WHEN json_type(meta, '$.lead') = 'text'"
    "   THEN json_extract(meta, '$.lead') END,"
    " byline = CASE WHEN json_type(meta, '$.byline') = 'array'"
    "   THEN json_extract(meta, '$.byline') END,"
    " source_url = CASE WHEN json_type(meta, '$.source_url') = 'text'"
    "   THEN json_extract(meta, '$.source_url') END,"
    " published = CASE WHEN json_type(meta, '$.published') = 'text'"
    "   THEN json_extract(meta, '$.published') END"
    " WHERE json_valid(meta);"
    "CREATE INDEX documents_received ON documents(received_ms);"
    "ALTER TABLE entities ADD COLUMN norm_key TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE entities ADD COLUMN docs INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE entities ADD COLUMN mentions INTEGER NOT NULL DEFAULT 0;"
    "UPDATE entities SET norm_key = inboxd_fold(key),"
    " docs = (SELECT count(DISTINCT doc) FROM mentions m"
    "   WHERE m.entity = entities.rowid),"
    " mentions = (SELECT count(*) FROM mentions m"
    "   WHERE m.entity = entities.rowid);"
    "CREATE INDEX entities_key ON entities(key);"
    "CREATE INDEX entities_norm ON entities(norm_key);"
    "ALTER TABLE mentions ADD COLUMN value TEXT;"
    "ALTER TABLE mentions ADD COLUMN lang TEXT;"
    "ALTER TABLE mentions ADD COLUMN confidence REAL;"
    "CREATE TABLE aliases(entity INTEGER NOT NULL, surface TEXT NOT NULL,"
    " PRIMARY KEY(entity, surface)) WITHOUT ROWID;"
    "INSERT OR IGNORE INTO aliases SELECT entity, surface FROM mentions;"
    "CREATE TABLE attributes(entity INTEGER NOT NULL, doc INTEGER NOT NULL,"
    " name TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY(entity, name, value, doc)) WITHOUT ROWID;"
    "INSERT OR IGNORE INTO attributes"
    " SELECT m.entity, m.doc, j.key,"
    "  CASE j.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'"
    "   ELSE CAST(j.value AS TEXT) END"
    " FROM mentions m, json_each(m.attrs) j"
    " WHERE m.attrs IS NOT NULL AND json_valid(m.attrs)"
    "  AND json_type(m.attrs) = 'object' AND j.type <> 'null';"
    "CREATE INDEX attributes_doc ON attributes(doc);"
    "CREATE TABLE state(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
    "DROP TABLE fts;"
    "CREATE VIRTUAL TABLE fts USING fts5(title, body, content='doc_text',"
    " content_rowid='doc', tokenize='inboxd');"
    "INSERT INTO fts(fts, rank) VALUES('rank', 'bm25(4.0, 1.0)');"
    "INSERT INTO fts(fts) VALUES('rebuild');";

/* v2 -> v3: the mentions of a document in one doc_ents row, the entity
 * index (ent_fts) instead of the mentions and attributes indexes and the
 * entity counters; views under the old names. */
static const char migrate_v2_v3[] =
    "CREATE TABLE entity("
    " rowid INTEGER PRIMARY KEY,"
    " type TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL,"
    " norm_key TEXT NOT NULL DEFAULT '',"
    " UNIQUE(norm_key, type, key));"
    "INSERT INTO entity(rowid, type, key, name, norm_key)"
    " SELECT rowid, type, key, name, norm_key FROM entities"
    " WHERE rowid IN (SELECT entity FROM mentions);"
    "CREATE TABLE doc_ents(doc INTEGER PRIMARY KEY, mentions TEXT NOT NULL,"
    " terms TEXT NOT NULL);"
    "INSERT INTO doc_ents(doc, mentions, terms)"
    " SELECT doc, '[' || group_concat(g, ',') || ']', group_concat(t, ' ')"
    " FROM (SELECT m.doc AS doc, json_array(m.entity, json_group_array("
    "   json_array(m.start_byte, m.end_byte, m.surface, m.value, m.lang,"
    "    m.confidence, m.attrs))) AS g,"
    "  replace(group_concat(DISTINCT 's' || m.entity || 'x' ||"
    "   inboxd_hash(m.surface)), ',', ' ') || ' ' ||"
    "  trim(replace(hex(zeroblob(count(*))), '00', 'e' || m.entity || ' '))"
    "   || ' t' || inboxd_hash(e.type) AS t"
    "  FROM (SELECT * FROM mentions ORDER BY doc, entity, start_byte) m"
    "  JOIN entity e ON e.rowid = m.entity"
    "  GROUP BY m.doc, m.entity ORDER BY m.doc, e.type, e.key)"
    " GROUP BY doc;"
    "DROP TABLE attributes;"
    "DROP TABLE mentions;"
    "DROP TABLE entities;"
    "DELETE FROM aliases WHERE entity NOT IN (SELECT rowid FROM entity);"
    "CREATE VIRTUAL TABLE ent_fts USING fts5(terms, content='doc_ents',"
    " content_rowid='doc', columnsize=0, tokenize='ascii');"
    "INSERT INTO ent_fts(ent_fts) VALUES('rebuild');"
    "CREATE VIRTUAL TABLE ent_vocab USING fts5vocab(ent_fts, row);"
    VIEWS_V3;

static const char *const migrations[] = {
    NULL,          /* 0 -> 1: a new database is created at the latest */
    migrate_v1_v2, /* 1 -> 2 */
    migrate_v2_v3, /* 2 -> 3 */
};

static int rc_errno(int rc)
{
    switch (rc & 0xFF) {
    case SQLITE_OK: return 0;
    case SQLITE_FULL: return -ENOSPC;
    case SQLITE_READONLY: return -EROFS;
    case SQLITE_CORRUPT: case SQLITE_NOTADB: return -EBADMSG;
    case SQLITE_CANTOPEN: return -ENOENT;
    case SQLITE_BUSY: case SQLITE_LOCKED: return -EBUSY;
    case SQLITE_NOMEM: return -ENOMEM;
    case SQLITE_PERM: case SQLITE_AUTH: return -EACCES;
    default: return -EIO;
    }
}

static int fail(int rc, char *err, size_t errlen, const char *path,
                sqlite3 *db, const char *what)
{
    snprintf(err, errlen, "%s: %s: %s", path, what,
             db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    return rc_errno(rc) ? rc_errno(rc) : -EIO;
}

static int int_pragma(sqlite3 *db, const char *sql, long long *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

char *schema_state_get(sqlite3 *db, const char *key)
{
    sqlite3_stmt *st;
    char *v = NULL;
    if (sqlite3_prepare_v2(db, "SELECT value FROM state WHERE key = ?1", -1,
                           &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        v = sqlite3_mprintf("%s", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

int schema_state_set(sqlite3 *db, const char *key, const char *value)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(
        db, "INSERT OR REPLACE INTO state(key, value) VALUES(?1, ?2)", -1,
        &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* PRAGMA integrity_check; 0 when "ok", else -EBADMSG with the first
 * problems in err. */
static int integrity(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    char msg[512] = "";
    size_t used = 0;
    int rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check(8)", -1, &st,
                                NULL), ok = 0;
    if (rc != SQLITE_OK)
        goto corrupt;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        if (!line)
            continue;
        if (strcmp(line, "ok") == 0) {
            ok = 1;
            continue;
        }
        if (used < sizeof msg - 4)
            used += (size_t)snprintf(msg + used, sizeof msg - used, "%s%s",
                                     used ? "; " : "", line);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        goto corrupt;
    if (ok && !used)
        return 0;
    snprintf(err, errlen,
             "%s: the database is corrupt (integrity_check: %.400s); it is "
             "left as it is: move it aside and restore a backup or rebuild "
             "it with 'inboxctl reprocess --all'",
             path, msg);
    return -EBADMSG;
corrupt:
    snprintf(err, errlen,
             "%s: the database is corrupt (integrity_check failed: %s); it "
             "is left as it is: move it aside and restore a backup or "
             "rebuild it with 'inboxctl reprocess --all'",
             path, sqlite3_errmsg(db));
    return -EBADMSG;
}

/* Checks the file is a database at all (and readable); 0 or a message. */
static int probe(sqlite3 *db, const char *path, long long *version, char *err,
                 size_t errlen)
{
    long long n;
    int rc = int_pragma(db, "SELECT count(*) FROM sqlite_schema", &n);
    if (rc == SQLITE_NOTADB) {
        snprintf(err, errlen, "%s: not an SQLite database (%s)", path,
                 sqlite3_errmsg(db));
        return -EBADMSG;
    }
    if ((rc & 0xFF) == SQLITE_CORRUPT) {
        snprintf(err, errlen,
                 "%s: the database is corrupt (%s); it is left as it is: "
                 "move it aside and restore a backup or rebuild it with "
                 "'inboxctl reprocess --all'",
                 path, sqlite3_errmsg(db));
        return -EBADMSG;
    }
    if (rc != SQLITE_OK)
        return fail(rc, err, errlen, path, db, "cannot read the database");
    rc = int_pragma(db, "PRAGMA user_version", version);
    if (rc != SQLITE_OK)
        return fail(rc, err, errlen, path, db, "cannot read the version");
    if (*version > SCHEMA_VERSION || *version < 0) {
        snprintf(err, errlen,
                 "%s: schema version %lld is newer than this build knows "
                 "(%d); use a newer inboxd",
                 path, *version, SCHEMA_VERSION);
        return -EPROTO;
    }
    if (*version == 0 && n > 0) {
        snprintf(err, errlen,
                 "%s: a database that inboxd did not create (no schema "
                 "version, %lld objects); refusing to write into it",
                 path, n);
        return -EPROTO;
    }
    return 0;
}

static int has_table(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st;
    int yes = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM sqlite_schema WHERE type = 'table'"
                           " AND name = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

/* Brings the schema to SCHEMA_VERSION and the terms to TERMS_VERSION, in
 * one transaction. */
static int migrate(sqlite3 *db, long long version, struct schema_report *rep,
                   const char *path, char *err, size_t errlen)
{
    char *terms = NULL, vsql[64];
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return fail(rc, err, errlen, path, db, "cannot start the migration");
    if (version == 0) {
        rc = sqlite3_exec(db, schema_v3, NULL, NULL, NULL);
        rep->created = 1;
        if (rc != SQLITE_OK)
            goto bad;
    }
    for (long long v = version ? version : SCHEMA_VERSION; v < SCHEMA_VERSION;
         v++) {
        rc = sqlite3_exec(db, migrations[v], NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            goto bad;
        rep->rebuilt_fts = 1;
    }
    terms = schema_state_get(db, "terms");
    if (!terms || strcmp(terms, TERMS_VERSION) != 0) {
        if (!rep->created && !rep->rebuilt_fts) {
            rc = sqlite3_exec(db,
                              "INSERT INTO fts(fts) VALUES('rebuild');"
                              "UPDATE entity SET norm_key = inboxd_fold(key);",
                              NULL, NULL, NULL);
            if (rc != SQLITE_OK)
                goto bad;
            rep->rebuilt_fts = 1;
        }
        rc = schema_state_set(db, "terms", TERMS_VERSION);
        if (rc != SQLITE_OK)
            goto bad;
    }
    sqlite3_free(terms);
    terms = NULL;
    snprintf(vsql, sizeof vsql, "PRAGMA user_version = %d", SCHEMA_VERSION);
    rc = sqlite3_exec(db, vsql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        goto bad;
    rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        goto bad;
    return 0;
bad:
    sqlite3_free(terms);
    {
        int e = fail(rc, err, errlen, path, db,
                     version == 0 ? "cannot create the schema"
                                  : "schema migration failed");
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return e;
    }
}

int schema_open_writer(const char *path, const struct schema_opts *o,
                       sqlite3 **out, struct schema_report *rep, char *err,
                       size_t errlen)
{
    sqlite3 *db = NULL;
    long long version = 0;
    char sql[96];
    int rc, e;
    struct schema_report dummy;

    if (!rep)
        rep = &dummy;
    memset(rep, 0, sizeof *rep);
    *out = NULL;
    /* the WAL's frames written once per commit (walbuf.h); SQLite's own
     * VFS when the wrapper cannot be registered */
    rc = sqlite3_open_v2(path, &db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                             SQLITE_OPEN_FULLMUTEX,
                         walbuf_register() == SQLITE_OK ? WALBUF_VFS : NULL);
    if (rc != SQLITE_OK) {
        e = fail(rc, err, errlen, path, db, "cannot open");
        goto out;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 5000);
    if (tok_register(db) != SQLITE_OK ||
        terms_register(db) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot register the inboxd tokenizer "
                 "(FTS5 or ICU data missing)", path);
        e = -EIO;
        goto out;
    }
    e = probe(db, path, &version, err, errlen);
    if (e < 0)
        goto out;
    rep->from_version = (int)version;
    if (version > 0) {
        char *clean = has_table(db, "state")
                          ? schema_state_get(db, "clean_shutdown")
                          : NULL;
        int was_clean = clean && strcmp(clean, "1") == 0;
        sqlite3_free(clean);
        if (!was_clean || o->check_always) {
            rep->integrity_checked = 1;
            e = integrity(db, path, err, errlen);
            if (e < 0)
                goto out;
        }
    }
    rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        e = fail(rc, err, errlen, path, db, "cannot switch to WAL");
        goto out;
    }
    snprintf(sql, sizeof sql, "PRAGMA synchronous = %s",
             o->synchronous_full ? "FULL" : "NORMAL");
    sqlite3_exec(db, sql, NULL, NULL, NULL);
    if (o->cache_kib > 0) {
        snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", o->cache_kib);
        sqlite3_exec(db, sql, NULL, NULL, NULL);
    }
    if (o->max_pages > 0) {
        snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", o->max_pages);
        sqlite3_exec(db, sql, NULL, NULL, NULL);
    }
    e = migrate(db, version, rep, path, err, errlen);
    if (e < 0)
        goto out;
    rc = schema_state_set(db, "clean_shutdown", "0");
    if (rc != SQLITE_OK) {
        e = fail(rc, err, errlen, path, db, "cannot write the state");
        goto out;
    }
    *out = db;
    return 0;
out:
    sqlite3_close(db);
    return e;
}

int schema_close_writer(sqlite3 *db)
{
    int rc;
    if (!db)
        return 0;
    sqlite3_exec(db, "PRAGMA optimize", NULL, NULL, NULL);
    rc = schema_state_set(db, "clean_shutdown", "1");
    sqlite3_close_v2(db);
    return rc == SQLITE_OK ? 0 : rc_errno(rc);
}

int schema_open_reader(const char *path, sqlite3 **out, char *err,
                       size_t errlen)
{
    sqlite3 *db = NULL;
    struct stat sb;
    long long version = 0;
    int rc, e;

    *out = NULL;
    if (stat(path, &sb) < 0) {
        e = -errno;
        snprintf(err, errlen, "%s: %s%s", path, strerror(errno),
                 errno == ENOENT ? " (no index database there: is the "
                                   "state directory right?)"
                                 : "");
        return e;
    }
    if (!S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        return -EINVAL;
    }
    rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX,
                         NULL);
    if (rc != SQLITE_OK) {
        e = fail(rc, err, errlen, path, db, "cannot open");
        goto out;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 5000);
    if (tok_register(db) != SQLITE_OK || rank_register(db) != SQLITE_OK ||
        snippet_register(db) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot register the inboxd tokenizer "
                 "and ranking (FTS5 or ICU data missing)", path);
        e = -EIO;
        goto out;
    }
    e = probe(db, path, &version, err, errlen);
    if (e < 0)
        goto out;
    if (version != SCHEMA_VERSION) {
        snprintf(err, errlen,
                 "%s: schema version %lld, this build reads %d: start inboxd "
                 "once to migrate it",
                 path, version, SCHEMA_VERSION);
        e = -EPROTO;
        goto out;
    }
    {
        /* the terms of this build: a query is folded as the index was */
        char *terms = schema_state_get(db, "terms");
        int same = terms && strcmp(terms, TERMS_VERSION) == 0;
        sqlite3_free(terms);
        if (!same) {
            snprintf(err, errlen,
                     "%s: the full-text index was built by another version "
                     "of inboxd: start inboxd once to rebuild it",
                     path);
            e = -EPROTO;
            goto out;
        }
    }
    /* A search reads its words' position lists more than once (the
     * ranking, their document counts, the snippets): a cache that holds
     * them all reads each page once (pages are allocated on use). */
    sqlite3_exec(db, "PRAGMA cache_size = -" READER_CACHE_KIB, NULL, NULL,
                 NULL);
    *out = db;
    return 0;
out:
    sqlite3_close(db);
    return e;
}
