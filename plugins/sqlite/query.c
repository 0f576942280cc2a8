#include "query.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jbuf.h"
#include "qdate.h"
#include "rank.h"
#include "terms.h"
#include "tokenizer.h"

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* A nullable text column as JSON (string or null). */
static json_t *j_text(sqlite3_stmt *st, int i)
{
    const char *s = col_text(st, i);
    return s ? json_string(s) : json_null();
}

/* A column holding JSON text, parsed (null when absent or invalid). */
static json_t *j_json(sqlite3_stmt *st, int i)
{
    const char *s = col_text(st, i);
    json_t *v = s ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;
    return v ? v : json_null();
}

static json_t *j_time(int64_t ms)
{
    char buf[40];
    q_format_time(ms, buf, sizeof buf);
    return json_string(buf);
}

/* --- search ---------------------------------------------------------------- */

/* The entities whose key is ?1 or whose folded key is ?2 (the folding of
 * ?1, stored as norm_key for every key): a lookup in entity's index.  An
 * empty folding (a key of punctuation only) matches the exact key only. */
#define BY_KEY(T) "(" T "norm_key = ?2 AND (?2 <> '' OR " T "key = ?1))"

/* The search runs in two statements.  The first finds the matches that
 * pass the filters and ranks them with inboxd_rank() into the caller's
 * top ?9 (rank.h: bm25, only for the rows that can still be among the
 * best), without the documents table unless a filter needs it: in WHERE
 * when nothing else filters, else in the result columns.  The second
 * fetches each of the best with its snippet (snippet.h). */
#define RANK_SELECT "SELECT inboxd_rank(fts, ?9, ?7, ?8) FROM fts"
#define RANK_COLLECT                                                         \
    "SELECT count(*) FROM fts WHERE fts MATCH ?3"                            \
    " AND inboxd_rank(fts, ?9, ?7, ?8)"
#define RANK_JOIN " JOIN documents d ON d.rowid = fts.rowid"
#define RANK_WHERE " WHERE fts MATCH ?3"
#define RANK_LANG " AND (d.lang = ?4 OR d.lang LIKE ?4 || '-%')"
#define RANK_SINCE " AND d.received_ms >= ?5"
/* "+": a test of each match, not rowids for FTS5 to look up one by one
 * (which restarted the full-text query, and its ranking, per entity row) */
#define RANK_ENTITY                                                          \
    " AND +fts.rowid IN (SELECT rowid FROM ent_fts WHERE ent_fts MATCH ?6)"

static const char hit_sql[] =
    "SELECT d.id, d.name, d.lang, d.title, d.received_ms,"
    " inboxd_snippet(fts, ?1, ?2, '…', 16)"
    " FROM fts JOIN documents d ON d.rowid = fts.rowid"
    " WHERE fts MATCH ?3 AND fts.rowid = ?4";

/* The entity-index query (terms.h) for --entity and --type: the entities
 * whose key is entity or folds like it (of that type, when given) as
 * "e1 OR e2 ...", or the type's term.  "e0" (no document) when no entity
 * matches.  0, or a negative errno with err set. */
static int entity_filter(sqlite3 *db, const struct q_search *s,
                         struct jbuf *out, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    char *norm;
    int rc;
    if (!s->entity) {
        terms_type(out, terms_hash(s->type, strlen(s->type)));
        return out->failed ? -ENOMEM : 0;
    }
    norm = tok_normalize(s->entity, strlen(s->entity), 0);
    if (!norm) {
        snprintf(err, errlen, "cannot fold the entity key");
        return -ENOMEM;
    }
    rc = sqlite3_prepare_v2(db,
                            "SELECT rowid FROM entity WHERE " BY_KEY("")
                            " AND (?3 IS NULL OR type = ?3)",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        free(norm);
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -EIO;
    }
    sqlite3_bind_text(st, 1, s->entity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, norm, -1, SQLITE_STATIC);
    if (s->type)
        sqlite3_bind_text(st, 3, s->type, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->len)
            jb_cstr(out, " OR");
        terms_entity(out, sqlite3_column_int64(st, 0));
    }
    if (rc != SQLITE_DONE)
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    free(norm);
    if (rc != SQLITE_DONE)
        return (rc & 0xFF) == SQLITE_BUSY ? -EBUSY : -EIO;
    if (!out->len)
        terms_entity(out, 0);
    return out->failed ? -ENOMEM : 0;
}

/* A step's failure as q_search reports it: a plain SQLITE_ERROR comes
 * from the MATCH expression (syntax, unknown column, unterminated
 * string). */
static int step_error(sqlite3 *db, int rc, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    if ((rc & 0xFF) == SQLITE_ERROR)
        return -EINVAL;
    return (rc & 0xFF) == SQLITE_BUSY ? -EBUSY : -EIO;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err,
                   size_t errlen)
{
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK)
        return 0;
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    return -EIO;
}

/* The best matches, best first, into top; their number or a negative
 * errno. */
static int rank_matches(sqlite3 *db, const struct q_search *s,
                        const struct jbuf *filter, struct rank_top *top,
                        char *err, size_t errlen)
{
    char sql[512];
    sqlite3_stmt *st = NULL;
    int rc, join = s->lang || s->since_ms != Q_NO_TIME;
    int collect = !join && !filter->len;

    if (collect)
        snprintf(sql, sizeof sql, "%s", RANK_COLLECT);
    else
        snprintf(sql, sizeof sql, "%s%s%s%s%s%s", RANK_SELECT,
                 join ? RANK_JOIN : "", RANK_WHERE, s->lang ? RANK_LANG : "",
                 s->since_ms != Q_NO_TIME ? RANK_SINCE : "",
                 filter->len ? RANK_ENTITY : "");
    if ((rc = prepare(db, sql, &st, err, errlen)) < 0)
        return rc;
    sqlite3_bind_text(st, 3, s->query, -1, SQLITE_STATIC);
    if (s->lang)
        sqlite3_bind_text(st, 4, s->lang, -1, SQLITE_STATIC);
    if (s->since_ms != Q_NO_TIME)
        sqlite3_bind_int64(st, 5, s->since_ms);
    if (filter->len)
        sqlite3_bind_text(st, 6, filter->s, (int)filter->len, SQLITE_STATIC);
    sqlite3_bind_double(st, 7, RANK_TITLE_WEIGHT);
    sqlite3_bind_double(st, 8, RANK_BODY_WEIGHT);
    rank_top_bind(st, 9, top);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ; /* the rows went into top */
    rc = rc == SQLITE_DONE ? 0 : step_error(db, rc, err, errlen);
    sqlite3_finalize(st);
    if (rc < 0)
        return rc;
    rank_top_sort(top);
    return top->n;
}

int q_search(sqlite3 *db, const struct q_search *s, q_hit_fn fn, void *arg,
             char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    struct jbuf filter = {0};
    struct rank_top top = {NULL, 0, s->limit > 0 ? s->limit : 20};
    int found, n = 0, rc;

    if (!s->query || !*s->query) {
        snprintf(err, errlen, "empty query");
        return -EINVAL;
    }
    if (s->entity || s->type) {
        n = entity_filter(db, s, &filter, err, errlen);
        if (n < 0)
            goto out;
    }
    top.v = malloc((size_t)top.k * sizeof *top.v);
    if (!top.v) {
        snprintf(err, errlen, "out of memory (%d hits)", top.k);
        n = -ENOMEM;
        goto out;
    }
    found = rank_matches(db, s, &filter, &top, err, errlen);
    if (found <= 0) {
        n = found;
        goto out;
    }
    if ((n = prepare(db, hit_sql, &st, err, errlen)) < 0)
        goto out;
    sqlite3_bind_text(st, 1, s->hl_open ? s->hl_open : "[", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, s->hl_close ? s->hl_close : "]", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, 3, s->query, -1, SQLITE_STATIC);
    for (int i = 0; i < found; i++) {
        sqlite3_bind_int64(st, 4, top.v[i].rowid);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            struct q_hit h = {
                .id = col_text(st, 0),
                .name = col_text(st, 1),
                .lang = col_text(st, 2),
                .title = col_text(st, 3),
                .received_ms = sqlite3_column_int64(st, 4),
                .score = top.v[i].score,
                .snippet = col_text(st, 5),
            };
            n++;
            if (fn && fn(arg, &h))
                break;
        } else if (rc != SQLITE_DONE) {
            n = step_error(db, rc, err, errlen);
            goto out;
        }
        /* SQLITE_DONE: the row went away since it was ranked (a
         * reprocess replaced it); it is not a hit any more. */
        sqlite3_reset(st);
    }
out:
    sqlite3_finalize(st);
    free(top.v);
    jb_free(&filter);
    return n;
}

/* --- documents ------------------------------------------------------------- */

int q_resolve_id(sqlite3 *db, const char *id, int64_t *rowid, char *err,
                 size_t errlen)
{
    char lower[65];
    size_t n = id ? strlen(id) : 0;
    sqlite3_stmt *st;
    int rc, found = 0;

    if (n == 0 || n > 64) {
        snprintf(err, errlen, "'%.80s' is not a document id (1 to 64 hex "
                 "digits)", id ? id : "");
        return -EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)id[i])) {
            snprintf(err, errlen, "'%.80s' is not a document id (1 to 64 "
                     "hex digits)", id);
            return -EINVAL;
        }
        lower[i] = (char)tolower((unsigned char)id[i]);
    }
    lower[n] = '\0';
    rc = sqlite3_prepare_v2(db,
                            "SELECT rowid, id FROM documents WHERE id >= ?1"
                            " AND id < ?1 || 'g' ORDER BY id LIMIT 6",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -EIO;
    }
    sqlite3_bind_text(st, 1, lower, -1, SQLITE_TRANSIENT);
    err[0] = '\0';
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (found++ == 0) {
            *rowid = sqlite3_column_int64(st, 0);
            snprintf(err, errlen, "id prefix '%s' matches several documents: "
                     "%.64s", lower, col_text(st, 1));
        } else {
            size_t used = strlen(err);
            if (used + 70 < errlen)
                snprintf(err + used, errlen - used, ", %.64s%s",
                         col_text(st, 1), found == 6 ? ", ..." : "");
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -EIO;
    }
    if (found == 0) {
        snprintf(err, errlen, "no document with id %s%s", lower,
                 n < 64 ? "..." : "");
        return -ENOENT;
    }
    if (found > 1)
        return -EEXIST;
    err[0] = '\0';
    return 0;
}

/* The entities of a document with their mentions, grouped. */
static json_t *doc_entities(sqlite3 *db, int64_t rowid)
{
    sqlite3_stmt *st;
    json_t *arr = json_array(), *cur = NULL, *mentions = NULL;
    int64_t last = -1;
    if (sqlite3_prepare_v2(
            db,
            "SELECT e.rowid, e.type, e.key, e.name, m.surface, m.start_byte,"
            " m.end_byte, m.value, m.lang, m.confidence, m.attrs"
            " FROM mentions m JOIN entity e ON e.rowid = m.entity"
            " WHERE m.doc = ?1 ORDER BY e.type, e.key, m.start_byte",
            -1, &st, NULL) != SQLITE_OK) {
        json_decref(arr);
        return NULL;
    }
    sqlite3_bind_int64(st, 1, rowid);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t ent = sqlite3_column_int64(st, 0);
        json_t *m;
        if (ent != last) {
            mentions = json_array();
            cur = json_pack("{s:o, s:o, s:o, s:o}", "type", j_text(st, 1),
                            "key", j_text(st, 2), "name", j_text(st, 3),
                            "mentions", mentions);
            json_array_append_new(arr, cur);
            last = ent;
        }
        m = json_pack("{s:o, s:I, s:I, s:o, s:o, s:f, s:o}", "surface",
                      j_text(st, 4), "start",
                      (json_int_t)sqlite3_column_int64(st, 5), "end",
                      (json_int_t)sqlite3_column_int64(st, 6), "value",
                      j_text(st, 7), "lang", j_text(st, 8), "confidence",
                      sqlite3_column_double(st, 9), "attrs", j_json(st, 10));
        if (m && mentions)
            json_array_append_new(mentions, m);
    }
    sqlite3_finalize(st);
    return arr;
}

json_t *q_document(sqlite3 *db, int64_t rowid, int with_text)
{
    sqlite3_stmt *st;
    json_t *o = NULL;
    if (sqlite3_prepare_v2(
            db,
            "SELECT d.id, d.name, d.received_ms, d.indexed_ms, d.bytes,"
            " d.charset, d.lang, d.langs, d.title, d.lead, d.byline,"
            " d.source_url, d.published, d.meta, t.body"
            " FROM documents d LEFT JOIN doc_text t ON t.doc = d.rowid"
            " WHERE d.rowid = ?1",
            -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, rowid);
    if (sqlite3_step(st) == SQLITE_ROW) {
        o = json_pack(
            "{s:o, s:o, s:o, s:I, s:o, s:I, s:I, s:o, s:o, s:o, s:o, s:o,"
            " s:o, s:o, s:o, s:o}",
            "id", j_text(st, 0), "name", j_text(st, 1), "received",
            j_time(sqlite3_column_int64(st, 2)), "received_ms",
            (json_int_t)sqlite3_column_int64(st, 2), "indexed",
            j_time(sqlite3_column_int64(st, 3)), "indexed_ms",
            (json_int_t)sqlite3_column_int64(st, 3), "bytes",
            (json_int_t)sqlite3_column_int64(st, 4), "charset",
            j_text(st, 5), "lang", j_text(st, 6), "langs", j_json(st, 7),
            "title", j_text(st, 8), "lead", j_text(st, 9), "byline",
            j_json(st, 10), "source_url", j_text(st, 11), "published",
            j_text(st, 12), "meta", j_json(st, 13));
        if (o && with_text)
            json_object_set_new(o, "text", j_text(st, 14));
    }
    sqlite3_finalize(st);
    if (o) {
        json_t *ents = doc_entities(db, rowid);
        if (!ents) {
            json_decref(o);
            return NULL;
        }
        json_object_set_new(o, "entities", ents);
    }
    return o;
}

/* --- entities -------------------------------------------------------------- */

json_t *q_entities(sqlite3 *db, const char *type, int top)
{
    sqlite3_stmt *st;
    json_t *arr;
    if (sqlite3_prepare_v2(
            db,
            "SELECT e.type, e.key, e.name, v.doc, v.cnt,"
            " (SELECT json_group_array(surface) FROM aliases a"
            "  WHERE a.entity = e.rowid)"
            " FROM ent_vocab v"
            " JOIN entity e ON e.rowid = CAST(substr(v.term, 2) AS INTEGER)"
            " WHERE v.term >= 'e' AND v.term < 'f'"
            " AND (?1 IS NULL OR e.type = ?1)"
            " ORDER BY v.doc DESC, v.cnt DESC, e.type, e.key LIMIT ?2",
            -1, &st, NULL) != SQLITE_OK)
        return NULL;
    if (type)
        sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, top > 0 ? top : -1);
    arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *e = json_pack("{s:o, s:o, s:o, s:I, s:I, s:o}", "type",
                              j_text(st, 0), "key", j_text(st, 1), "name",
                              j_text(st, 2), "docs",
                              (json_int_t)sqlite3_column_int64(st, 3),
                              "mentions",
                              (json_int_t)sqlite3_column_int64(st, 4),
                              "aliases", j_json(st, 5));
        if (e)
            json_array_append_new(arr, e);
    }
    sqlite3_finalize(st);
    return arr;
}

static json_t *entity_documents(sqlite3 *db, int64_t ent)
{
    sqlite3_stmt *st;
    struct jbuf term = {0};
    json_t *docs = json_array(), *cur = NULL;
    int64_t last = -1;
    if (sqlite3_prepare_v2(
            db,
            "SELECT d.rowid, d.id, d.name, d.lang, d.title, d.received_ms,"
            " m.start_byte, m.end_byte, m.surface"
            " FROM ent_fts f JOIN documents d ON d.rowid = f.rowid"
            " JOIN mentions m ON m.doc = f.rowid"
            " WHERE ent_fts MATCH ?2 AND m.entity = ?1"
            " ORDER BY d.received_ms DESC, d.rowid, m.start_byte",
            -1, &st, NULL) != SQLITE_OK) {
        json_decref(docs);
        return NULL;
    }
    jb_reset(&term);
    terms_entity(&term, ent);
    if (term.failed) {
        sqlite3_finalize(st);
        json_decref(docs);
        return NULL;
    }
    sqlite3_bind_int64(st, 1, ent);
    sqlite3_bind_text(st, 2, term.s, (int)term.len, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t doc = sqlite3_column_int64(st, 0);
        json_t *surfaces, *m;
        const char *surface = col_text(st, 8);
        size_t i;
        json_t *s;
        if (doc != last) {
            cur = json_pack("{s:o, s:o, s:o, s:o, s:o, s:[], s:[]}", "id",
                            j_text(st, 1), "name", j_text(st, 2), "lang",
                            j_text(st, 3), "title", j_text(st, 4),
                            "received", j_time(sqlite3_column_int64(st, 5)),
                            "surfaces", "mentions");
            json_array_append_new(docs, cur);
            last = doc;
        }
        if (!cur)
            continue;
        m = json_pack("{s:I, s:I, s:s}", "start",
                      (json_int_t)sqlite3_column_int64(st, 6), "end",
                      (json_int_t)sqlite3_column_int64(st, 7), "surface",
                      surface ? surface : "");
        json_array_append_new(json_object_get(cur, "mentions"), m);
        surfaces = json_object_get(cur, "surfaces");
        json_array_foreach(surfaces, i, s) {
            if (strcmp(json_string_value(json_object_get(s, "surface")),
                       surface ? surface : "") == 0) {
                json_object_set_new(
                    s, "count",
                    json_integer(json_integer_value(json_object_get(s, "count")) + 1));
                break;
            }
        }
        if (i == json_array_size(surfaces))
            json_array_append_new(surfaces,
                                  json_pack("{s:s, s:i}", "surface",
                                            surface ? surface : "", "count",
                                            1));
    }
    sqlite3_finalize(st);
    jb_free(&term);
    return docs;
}

json_t *q_entity(sqlite3 *db, const char *key, const char *type)
{
    sqlite3_stmt *st;
    json_t *arr;
    char *norm = tok_normalize(key, strlen(key), 0);
    if (!norm)
        return NULL;
    if (sqlite3_prepare_v2(
            db,
            "SELECT e.rowid, e.type, e.key, e.name, v.doc, v.cnt,"
            " (SELECT json_group_array(surface) FROM aliases a"
            "  WHERE a.entity = e.rowid)"
            " FROM entity e JOIN ent_vocab v ON v.term = 'e' || e.rowid"
            " WHERE " BY_KEY("e.") " AND (?3 IS NULL OR e.type = ?3)"
            " ORDER BY e.key = ?1 DESC, v.doc DESC, e.type, e.key",
            -1, &st, NULL) != SQLITE_OK) {
        free(norm);
        return NULL;
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, norm, -1, SQLITE_STATIC);
    if (type)
        sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
    arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *docs = entity_documents(db, sqlite3_column_int64(st, 0));
        json_t *e = json_pack("{s:o, s:o, s:o, s:I, s:I, s:o, s:o}", "type",
                              j_text(st, 1), "key", j_text(st, 2), "name",
                              j_text(st, 3), "docs",
                              (json_int_t)sqlite3_column_int64(st, 4),
                              "mentions",
                              (json_int_t)sqlite3_column_int64(st, 5),
                              "aliases", j_json(st, 6), "documents",
                              docs ? docs : json_array());
        if (e)
            json_array_append_new(arr, e);
    }
    sqlite3_finalize(st);
    free(norm);
    return arr;
}

/* --- export ---------------------------------------------------------------- */

int q_export(sqlite3 *db, int64_t since_ms,
             int (*fn)(void *arg, json_t *doc), void *arg)
{
    sqlite3_stmt *st;
    int rc, n = 0, stop = 0;
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return -EIO;
    rc = sqlite3_prepare_v2(db,
                            "SELECT rowid FROM documents WHERE ?1 IS NULL OR"
                            " received_ms >= ?1 ORDER BY received_ms, rowid",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -EIO;
    }
    if (since_ms != Q_NO_TIME)
        sqlite3_bind_int64(st, 1, since_ms);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *doc = q_document(db, sqlite3_column_int64(st, 0), 1);
        if (!doc) {
            stop = -EIO;
            break;
        }
        stop = fn(arg, doc);
        json_decref(doc);
        if (stop)
            break;
        n++;
    }
    if (!stop && rc != SQLITE_DONE)
        stop = -EIO;
    sqlite3_finalize(st);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (stop)
        return stop < 0 ? stop : -ECANCELED;
    return n;
}
