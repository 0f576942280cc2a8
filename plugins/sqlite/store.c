#include "store.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer.h"
#include "utf8.h"

/* --- preparing ------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static char *meta_string(json_t *meta, const char *key)
{
    json_t *v = json_object_get(meta, key);
    return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

static char *meta_array(json_t *meta, const char *key)
{
    json_t *v = json_object_get(meta, key);
    if (json_is_string(v)) {
        json_t *a = json_pack("[O]", v);
        char *s = a ? json_dumps(a, JSON_COMPACT) : NULL;
        json_decref(a);
        return s;
    }
    return json_is_array(v) ? json_dumps(v, JSON_COMPACT) : NULL;
}

static int ent_cmp(const void *a, const void *b)
{
    const struct sdoc_ent *x = a, *y = b;
    int c = strcmp(x->type, y->type);
    return c ? c : strcmp(x->key, y->key);
}

/* name/value pairs of an attrs object; scalars as text, the rest as
 * compact JSON. */
static int parse_attrs(struct sdoc_ent *e)
{
    json_t *o, *v;
    const char *k;
    size_t n = 0;
    if (!e->attrs_json)
        return 0;
    o = json_loads(e->attrs_json, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return 0;
    }
    e->attrs = calloc(json_object_size(o) * 2 + 1, sizeof(char *));
    if (!e->attrs) {
        json_decref(o);
        return -ENOMEM;
    }
    json_object_foreach(o, k, v) {
        char *val;
        if (json_is_null(v))
            continue;
        if (json_is_string(v))
            val = strdup(json_string_value(v));
        else if (json_is_true(v))
            val = strdup("true");
        else if (json_is_false(v))
            val = strdup("false");
        else
            val = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        e->attrs[2 * n] = strdup(k);
        e->attrs[2 * n + 1] = val;
        if (!val || !e->attrs[2 * n]) {
            free(val);
            free(e->attrs[2 * n]);
            e->attrs[2 * n] = NULL;
            json_decref(o);
            return -ENOMEM;
        }
        e->n_attrs = ++n;
    }
    json_decref(o);
    return 0;
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

int sdoc_prepare(struct sdoc *d, const inboxd_host *h, inboxd_doc *doc,
                 char *err, size_t errlen)
{
    const char *name = h->doc_name(doc), *lang = h->doc_lang(doc);
    char *metatext = h->doc_meta_get(doc, NULL);
    json_t *meta = NULL;
    size_t raw_len = 0, n;

    memset(d, 0, sizeof *d);
    d->id = h->doc_id(doc);
    d->received_ms = h->doc_received_ms(doc);
    d->reprocess = (h->doc_flags(doc) & INBOXD_DOC_REPROCESS) != 0;
    h->doc_raw(doc, &raw_len);
    d->bytes = (int64_t)raw_len;
    d->text = h->doc_text(doc, &d->text_len);
    if (!d->text) {
        d->text = "";
        d->text_len = 0;
    }
    d->name = u8_lossy(name ? name : "", name ? strlen(name) : 0);
    d->lang = dup_or_null(lang);
    if (metatext) {
        meta = json_loads(metatext, 0, NULL);
        h->free(metatext);
    }
    if (!json_is_object(meta)) {
        json_decref(meta);
        meta = json_object();
    }
    d->meta = json_dumps(meta, JSON_COMPACT);
    d->title = meta_string(meta, "title");
    d->lead = meta_string(meta, "lead");
    d->byline = meta_array(meta, "byline");
    d->source_url = meta_string(meta, "source_url");
    d->published = meta_string(meta, "published");
    d->charset = meta_string(meta, "charset");
    {
        json_t *l = json_object_get(meta, "langs");
        d->langs = json_is_array(l) ? json_dumps(l, JSON_COMPACT) : NULL;
    }
    json_decref(meta);
    if (!d->name || !d->meta || (lang && !d->lang))
        goto nomem;

    n = h->doc_entity_count(doc);
    if (n) {
        d->ents = calloc(n, sizeof *d->ents);
        if (!d->ents)
            goto nomem;
    }
    for (size_t i = 0; i < n; i++) {
        const inboxd_entity *e = h->doc_entity(doc, i);
        struct sdoc_ent *x = &d->ents[d->n_ents];
        const char *key;
        if (!e || !e->type || !e->text)
            continue;
        key = nonempty(e->key);
        if (!key)
            key = nonempty(e->value);
        if (!key)
            key = e->text;
        x->type = e->type;
        x->surface = e->text;
        x->value = e->value;
        x->lang = e->lang;
        x->attrs_json = e->attrs;
        x->start = e->start;
        x->end = e->end;
        x->confidence = e->confidence;
        x->key = strdup(key);
        x->name = strdup(nonempty(e->value) ? e->value : e->text);
        d->n_ents++;
        if (!x->key || !x->name || parse_attrs(x) < 0)
            goto nomem;
    }
    if (d->n_ents > 1)
        qsort(d->ents, d->n_ents, sizeof *d->ents, ent_cmp);
    /* the folded key, once per distinct (type, key) */
    for (size_t i = 0; i < d->n_ents; i++) {
        struct sdoc_ent *x = &d->ents[i];
        if (i > 0 && ent_cmp(&d->ents[i - 1], x) == 0)
            continue;
        x->norm_key = tok_normalize(x->key, strlen(x->key), 0);
        if (!x->norm_key) {
            snprintf(err, errlen, "cannot fold the entity key '%.80s'",
                     x->key);
            sdoc_clear(d);
            return -EIO;
        }
    }
    return 0;
nomem:
    snprintf(err, errlen, "out of memory preparing the document");
    sdoc_clear(d);
    return -ENOMEM;
}

void sdoc_clear(struct sdoc *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_ents; i++) {
        struct sdoc_ent *x = &d->ents[i];
        free(x->key);
        free(x->name);
        free(x->norm_key);
        for (size_t k = 0; x->attrs && k < 2 * x->n_attrs; k++)
            free(x->attrs[k]);
        free(x->attrs);
    }
    free(d->ents);
    free(d->name);
    free(d->charset);
    free(d->lang);
    free(d->langs);
    free(d->title);
    free(d->lead);
    free(d->byline);
    free(d->source_url);
    free(d->published);
    free(d->meta);
    memset(d, 0, sizeof *d);
}

/* --- writing --------------------------------------------------------------- */

enum {
    S_DOC_SEL, S_DOC_INS, S_DOC_UPD, S_TEXT_SEL, S_TEXT_PUT, S_FTS_INS,
    S_FTS_DEL, S_ENT_SEL, S_ENT_INS, S_ENT_UPD, S_MEN_INS, S_ALIAS_INS,
    S_ATTR_INS, S_OLD_ENT, S_OLD_ATTR, S_OLD_ALIAS, S_OLD_ENTDEL, S_OLD_MEN,
    S_N
};

static const char *const sql[S_N] = {
    [S_DOC_SEL] = "SELECT rowid FROM documents WHERE id = ?1",
    [S_DOC_INS] =
        "INSERT INTO documents(id, name, received_ms, indexed_ms, bytes,"
        " charset, lang, langs, title, lead, byline, source_url, published,"
        " meta) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
        " ?13, ?14)",
    [S_DOC_UPD] =
        "UPDATE documents SET name = ?2, received_ms = ?3, indexed_ms = ?4,"
        " bytes = ?5, charset = ?6, lang = ?7, langs = ?8, title = ?9,"
        " lead = ?10, byline = ?11, source_url = ?12, published = ?13,"
        " meta = ?14 WHERE rowid = ?1",
    [S_TEXT_SEL] = "SELECT title, body FROM doc_text WHERE doc = ?1",
    [S_TEXT_PUT] = "INSERT OR REPLACE INTO doc_text(doc, title, body)"
                   " VALUES(?1, ?2, ?3)",
    [S_FTS_INS] = "INSERT INTO fts(rowid, title, body) VALUES(?1, ?2, ?3)",
    [S_FTS_DEL] = "INSERT INTO fts(fts, rowid, title, body)"
                  " VALUES('delete', ?1, ?2, ?3)",
    [S_ENT_SEL] = "SELECT rowid FROM entities WHERE type = ?1 AND key = ?2",
    [S_ENT_INS] = "INSERT INTO entities(type, key, name, norm_key)"
                  " VALUES(?1, ?2, ?3, ?4)",
    [S_ENT_UPD] = "UPDATE entities SET docs = docs + 1,"
                  " mentions = mentions + ?2 WHERE rowid = ?1",
    [S_MEN_INS] = "INSERT INTO mentions(doc, entity, start_byte, end_byte,"
                  " surface, value, lang, confidence, attrs)"
                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [S_ALIAS_INS] = "INSERT OR IGNORE INTO aliases(entity, surface)"
                    " VALUES(?1, ?2)",
    [S_ATTR_INS] = "INSERT OR IGNORE INTO attributes(entity, doc, name,"
                   " value) VALUES(?1, ?2, ?3, ?4)",
    [S_OLD_ENT] =
        "UPDATE entities SET docs = docs - 1, mentions = mentions -"
        " (SELECT count(*) FROM mentions m WHERE m.doc = ?1"
        "  AND m.entity = entities.rowid)"
        " WHERE rowid IN (SELECT entity FROM mentions WHERE doc = ?1)",
    [S_OLD_ATTR] = "DELETE FROM attributes WHERE doc = ?1",
    [S_OLD_ALIAS] =
        "DELETE FROM aliases WHERE (entity, surface) IN"
        " (SELECT entity, surface FROM mentions WHERE doc = ?1)"
        " AND NOT EXISTS (SELECT 1 FROM mentions m2"
        "  WHERE m2.entity = aliases.entity AND m2.surface = aliases.surface"
        "  AND m2.doc <> ?1)",
    [S_OLD_ENTDEL] = "DELETE FROM entities WHERE docs <= 0 AND rowid IN"
                     " (SELECT entity FROM mentions WHERE doc = ?1)",
    [S_OLD_MEN] = "DELETE FROM mentions WHERE doc = ?1",
};

struct store {
    sqlite3 *db;
    sqlite3_stmt *st[S_N];
};

int store_new(sqlite3 *db, struct store **out)
{
    struct store *s = calloc(1, sizeof *s);
    int rc = SQLITE_OK;
    *out = NULL;
    if (!s)
        return SQLITE_NOMEM;
    s->db = db;
    for (int i = 0; i < S_N && rc == SQLITE_OK; i++)
        rc = sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                &s->st[i], NULL);
    if (rc != SQLITE_OK) {
        store_free(s);
        return rc;
    }
    *out = s;
    return SQLITE_OK;
}

void store_free(struct store *s)
{
    if (!s)
        return;
    for (int i = 0; i < S_N; i++)
        sqlite3_finalize(s->st[i]);
    free(s);
}

/* Runs a statement that returns no rows; resets it. */
static int done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static int64_t doc_rowid(struct store *s, const char *id, int *rc)
{
    sqlite3_stmt *st = s->st[S_DOC_SEL];
    int64_t r = 0;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    *rc = sqlite3_step(st);
    if (*rc == SQLITE_ROW) {
        r = sqlite3_column_int64(st, 0);
        *rc = SQLITE_OK;
    } else if (*rc == SQLITE_DONE) {
        *rc = SQLITE_OK;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

int store_has(struct store *s, const char *id)
{
    int rc;
    int64_t r = doc_rowid(s, id, &rc);
    if (rc != SQLITE_OK)
        return -EIO;
    return r != 0;
}

static void bind_doc(sqlite3_stmt *st, const struct sdoc *d, int64_t now)
{
    sqlite3_bind_text(st, 2, d->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, d->received_ms);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int64(st, 5, d->bytes);
    bind_opt(st, 6, d->charset);
    bind_opt(st, 7, d->lang);
    bind_opt(st, 8, d->langs);
    bind_opt(st, 9, d->title);
    bind_opt(st, 10, d->lead);
    bind_opt(st, 11, d->byline);
    bind_opt(st, 12, d->source_url);
    bind_opt(st, 13, d->published);
    sqlite3_bind_text(st, 14, d->meta, -1, SQLITE_STATIC);
}

/* Removes the full-text entry, mentions, attributes and unused aliases of
 * a stored document, and its share of the entity counters. */
static int remove_content(struct store *s, int64_t rowid)
{
    sqlite3_stmt *st = s->st[S_TEXT_SEL];
    int rc;
    sqlite3_bind_int64(st, 1, rowid);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        sqlite3_stmt *del = s->st[S_FTS_DEL];
        sqlite3_bind_int64(del, 1, rowid);
        sqlite3_bind_value(del, 2, sqlite3_column_value(st, 0));
        sqlite3_bind_value(del, 3, sqlite3_column_value(st, 1));
        rc = done(del);
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_OK)
        return rc;
    static const int order[] = {S_OLD_ENT, S_OLD_ATTR, S_OLD_ALIAS,
                                S_OLD_ENTDEL, S_OLD_MEN};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        sqlite3_bind_int64(s->st[order[i]], 1, rowid);
        rc = done(s->st[order[i]]);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

static int64_t entity_id(struct store *s, const struct sdoc_ent *e, int *rc)
{
    sqlite3_stmt *st = s->st[S_ENT_SEL];
    int64_t id = 0;
    sqlite3_bind_text(st, 1, e->type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, e->key, -1, SQLITE_STATIC);
    *rc = sqlite3_step(st);
    if (*rc == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (*rc == SQLITE_ROW) {
        *rc = SQLITE_OK;
        return id;
    }
    if (*rc != SQLITE_DONE)
        return 0;
    st = s->st[S_ENT_INS];
    sqlite3_bind_text(st, 1, e->type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, e->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, e->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, e->norm_key ? e->norm_key : "", -1,
                      SQLITE_STATIC);
    *rc = done(st);
    return *rc == SQLITE_OK ? sqlite3_last_insert_rowid(s->db) : 0;
}

static int write_mention(struct store *s, int64_t doc, int64_t ent,
                         const struct sdoc_ent *e)
{
    sqlite3_stmt *st = s->st[S_MEN_INS];
    int rc;
    sqlite3_bind_int64(st, 1, doc);
    sqlite3_bind_int64(st, 2, ent);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)e->start);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)e->end);
    sqlite3_bind_text(st, 5, e->surface, -1, SQLITE_STATIC);
    bind_opt(st, 6, e->value);
    bind_opt(st, 7, e->lang);
    sqlite3_bind_double(st, 8, e->confidence);
    bind_opt(st, 9, e->attrs_json);
    rc = done(st);
    if (rc != SQLITE_OK)
        return rc;
    st = s->st[S_ALIAS_INS];
    sqlite3_bind_int64(st, 1, ent);
    sqlite3_bind_text(st, 2, e->surface, -1, SQLITE_STATIC);
    rc = done(st);
    for (size_t k = 0; rc == SQLITE_OK && k < e->n_attrs; k++) {
        st = s->st[S_ATTR_INS];
        sqlite3_bind_int64(st, 1, ent);
        sqlite3_bind_int64(st, 2, doc);
        sqlite3_bind_text(st, 3, e->attrs[2 * k], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, e->attrs[2 * k + 1], -1, SQLITE_STATIC);
        rc = done(st);
    }
    return rc;
}

static int write_entities(struct store *s, int64_t doc, const struct sdoc *d)
{
    size_t i = 0;
    while (i < d->n_ents) {
        size_t j = i;
        int rc;
        int64_t ent = entity_id(s, &d->ents[i], &rc);
        if (rc != SQLITE_OK)
            return rc;
        while (j < d->n_ents &&
               strcmp(d->ents[j].type, d->ents[i].type) == 0 &&
               strcmp(d->ents[j].key, d->ents[i].key) == 0) {
            rc = write_mention(s, doc, ent, &d->ents[j]);
            if (rc != SQLITE_OK)
                return rc;
            j++;
        }
        sqlite3_bind_int64(s->st[S_ENT_UPD], 1, ent);
        sqlite3_bind_int64(s->st[S_ENT_UPD], 2, (sqlite3_int64)(j - i));
        rc = done(s->st[S_ENT_UPD]);
        if (rc != SQLITE_OK)
            return rc;
        i = j;
    }
    return SQLITE_OK;
}

int store_write(struct store *s, const struct sdoc *d, int64_t now_ms,
                int *written)
{
    sqlite3_stmt *st;
    int64_t rowid;
    int rc;

    *written = 0;
    rowid = doc_rowid(s, d->id, &rc);
    if (rc != SQLITE_OK)
        return rc;
    if (rowid && !d->reprocess)
        return SQLITE_OK; /* already stored: idempotent */
    if (rowid) {
        rc = remove_content(s, rowid);
        if (rc != SQLITE_OK)
            return rc;
        st = s->st[S_DOC_UPD];
        sqlite3_bind_int64(st, 1, rowid);
        bind_doc(st, d, now_ms);
        rc = done(st);
        *written = 2;
    } else {
        st = s->st[S_DOC_INS];
        sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
        bind_doc(st, d, now_ms);
        rc = done(st);
        rowid = sqlite3_last_insert_rowid(s->db);
        *written = 1;
    }
    if (rc != SQLITE_OK)
        goto fail;
    st = s->st[S_TEXT_PUT];
    sqlite3_bind_int64(st, 1, rowid);
    bind_opt(st, 2, d->title);
    sqlite3_bind_text64(st, 3, d->text, d->text_len, SQLITE_STATIC,
                       SQLITE_UTF8);
    rc = done(st);
    if (rc != SQLITE_OK)
        goto fail;
    st = s->st[S_FTS_INS];
    sqlite3_bind_int64(st, 1, rowid);
    bind_opt(st, 2, d->title);
    sqlite3_bind_text64(st, 3, d->text, d->text_len, SQLITE_STATIC,
                       SQLITE_UTF8);
    rc = done(st);
    if (rc != SQLITE_OK)
        goto fail;
    rc = write_entities(s, rowid, d);
    if (rc != SQLITE_OK)
        goto fail;
    return SQLITE_OK;
fail:
    *written = 0;
    return rc;
}
