#include "store.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "known.h"
#include "terms.h"
#include "tokenizer.h"

enum {
    S_DOC_SEL, S_DOC_INS, S_DOC_UPD, S_TEXT_SEL, S_TEXT_PUT, S_FTS_INS,
    S_FTS_DEL, S_ENT_SEL, S_ENT_INS, S_ALIAS_INS, S_DE_SEL, S_DE_PUT,
    S_DE_DEL, S_EF_INS, S_EF_DEL, S_EF_HAS, S_ALIAS_DEL, S_ENT_DEL,
    S_ENT_ALIASES_DEL, S_N
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
    [S_ENT_SEL] = "SELECT rowid FROM entity WHERE norm_key = ?3 AND"
                  " type = ?1 AND key = ?2",
    [S_ENT_INS] = "INSERT INTO entity(type, key, name, norm_key)"
                  " VALUES(?1, ?2, ?3, ?4)",
    [S_ALIAS_INS] = "INSERT OR IGNORE INTO aliases(entity, surface)"
                    " VALUES(?1, ?2)",
    [S_DE_SEL] = "SELECT mentions, terms FROM doc_ents WHERE doc = ?1",
    [S_DE_PUT] = "INSERT INTO doc_ents(doc, mentions, terms)"
                 " VALUES(?1, ?2, ?3)",
    [S_DE_DEL] = "DELETE FROM doc_ents WHERE doc = ?1",
    [S_EF_INS] = "INSERT INTO ent_fts(rowid, terms) VALUES(?1, ?2)",
    [S_EF_DEL] = "INSERT INTO ent_fts(ent_fts, rowid, terms)"
                 " VALUES('delete', ?1, ?2)",
    [S_EF_HAS] = "SELECT 1 FROM ent_fts WHERE ent_fts MATCH ?1 LIMIT 1",
    [S_ALIAS_DEL] = "DELETE FROM aliases WHERE entity = ?1 AND surface = ?2",
    [S_ENT_DEL] = "DELETE FROM entity WHERE rowid = ?1",
    [S_ENT_ALIASES_DEL] = "DELETE FROM aliases WHERE entity = ?1",
};

/* Scratch kept between documents at most (bytes per buffer). */
#define SCRATCH_KEEP (256u * 1024)

struct store {
    sqlite3 *db;
    sqlite3_stmt *st[S_N];
    struct jbuf mentions, terms, term; /* scratch of the writer */
    struct known known;                /* entities and aliases stored */
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
    jb_free(&s->mentions);
    jb_free(&s->terms);
    jb_free(&s->term);
    known_clear(&s->known);
    free(s);
}

void store_rolled_back(struct store *s)
{
    known_clear(&s->known);
}

/* Runs a statement that returns no rows (or whose rows do not matter);
 * resets it. */
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

/* Removes the full-text entries and the entity rows of a stored document;
 * *old_mentions gets a copy of its mentions JSON (for collect(), NULL when
 * it had none). */
static int remove_content(struct store *s, int64_t rowid, char **old_mentions)
{
    sqlite3_stmt *st = s->st[S_TEXT_SEL];
    int rc;
    *old_mentions = NULL;
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

    st = s->st[S_DE_SEL];
    sqlite3_bind_int64(st, 1, rowid);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *m = (const char *)sqlite3_column_text(st, 0);
        sqlite3_stmt *del = s->st[S_EF_DEL];
        *old_mentions = m ? strdup(m) : NULL;
        sqlite3_bind_int64(del, 1, rowid);
        sqlite3_bind_value(del, 2, sqlite3_column_value(st, 1));
        rc = m && !*old_mentions ? SQLITE_NOMEM : done(del);
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_int64(s->st[S_DE_DEL], 1, rowid);
    return done(s->st[S_DE_DEL]);
}

/* 1 when some document has the term, 0 when none, or -(SQLite code). */
static int has_term(struct store *s, const struct jbuf *term)
{
    sqlite3_stmt *st = s->st[S_EF_HAS];
    int rc;
    if (term->failed)
        return -SQLITE_NOMEM;
    sqlite3_bind_text(st, 1, term->s, (int)term->len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : -rc;
}

/* After a reprocess: the aliases and entities that the old version of the
 * document used and no document uses any more are deleted. */
static int collect(struct store *s, const char *old_mentions)
{
    json_t *groups = json_loads(old_mentions, 0, NULL), *g;
    size_t i;
    int rc = SQLITE_OK;
    known_clear(&s->known); /* rows may go */
    if (!json_is_array(groups)) {
        json_decref(groups);
        return SQLITE_OK; /* unreadable: leave the rows, never fail on it */
    }
    json_array_foreach(groups, i, g) {
        json_int_t ent = json_integer_value(json_array_get(g, 0));
        json_t *ms = json_array_get(g, 1), *m;
        size_t k;
        int has;
        if (!ent || !json_is_array(ms))
            continue;
        json_array_foreach(ms, k, m) {
            const char *surface = json_string_value(json_array_get(m, 2));
            if (!surface)
                continue;
            jb_reset(&s->term);
            terms_alias(&s->term, ent, terms_hash(surface, strlen(surface)));
            has = has_term(s, &s->term);
            if (has == 0) {
                sqlite3_stmt *st = s->st[S_ALIAS_DEL];
                sqlite3_bind_int64(st, 1, ent);
                sqlite3_bind_text(st, 2, surface, -1, SQLITE_STATIC);
                has = -done(st);
            }
            if (has < 0) {
                rc = -has;
                goto out;
            }
        }
        jb_reset(&s->term);
        terms_entity(&s->term, ent);
        has = has_term(s, &s->term);
        if (has == 0) {
            sqlite3_bind_int64(s->st[S_ENT_DEL], 1, ent);
            has = -done(s->st[S_ENT_DEL]);
            if (has == 0) {
                sqlite3_bind_int64(s->st[S_ENT_ALIASES_DEL], 1, ent);
                has = -done(s->st[S_ENT_ALIASES_DEL]);
            }
        }
        if (has < 0) {
            rc = -has;
            goto out;
        }
    }
out:
    json_decref(groups);
    return rc;
}

/* The entity's rowid, inserting it when new. */
static int64_t entity_id(struct store *s, const struct sdoc *d,
                         const struct sdoc_group *g, int *rc)
{
    const struct sdoc_ent *e = &d->ents[g->first];
    sqlite3_stmt *st = s->st[S_ENT_SEL];
    int64_t id = known_entity(&s->known, g->ent_hash, e->type, e->key);
    char *norm;
    if (id) {
        *rc = SQLITE_OK;
        return id;
    }
    /* the folded key leads the entity index */
    norm = tok_normalize(e->key, strlen(e->key), 0);
    if (!norm) {
        *rc = SQLITE_NOMEM;
        return 0;
    }
    sqlite3_bind_text(st, 1, e->type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, e->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, norm, -1, SQLITE_STATIC);
    *rc = sqlite3_step(st);
    if (*rc == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (*rc == SQLITE_ROW) {
        *rc = SQLITE_OK;
        known_add_entity(&s->known, g->ent_hash, e->type, e->key, id);
        goto out;
    }
    if (*rc != SQLITE_DONE)
        goto out;
    st = s->st[S_ENT_INS];
    sqlite3_bind_text(st, 1, e->type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, e->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, e->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, norm, -1, SQLITE_STATIC);
    *rc = done(st);
    if (*rc == SQLITE_OK) {
        id = sqlite3_last_insert_rowid(s->db);
        known_add_entity(&s->known, g->ent_hash, e->type, e->key, id);
    }
out:
    free(norm);
    return *rc == SQLITE_OK ? id : 0;
}

/* The document's entities: one doc_ents row (the mentions, grouped by
 * entity, and the terms) and its terms in ent_fts; new entities and
 * aliases. */
static int write_entities(struct store *s, int64_t doc, const struct sdoc *d)
{
    sqlite3_stmt *st;
    int rc;
    if (!d->n_groups)
        return SQLITE_OK;
    jb_reset(&s->mentions);
    jb_reset(&s->terms);
    jb_char(&s->mentions, '[');
    for (size_t i = 0; i < d->n_groups; i++) {
        const struct sdoc_group *g = &d->groups[i];
        int64_t ent = entity_id(s, d, g, &rc);
        if (rc != SQLITE_OK)
            return rc;
        for (size_t k = g->surf_first; k < g->surf_first + g->n_surf; k++) {
            const struct sdoc_surface *sf = &d->surf[k];
            if (!known_alias(&s->known, ent, sf->hash, sf->surface)) {
                st = s->st[S_ALIAS_INS];
                sqlite3_bind_int64(st, 1, ent);
                sqlite3_bind_text(st, 2, sf->surface, -1, SQLITE_STATIC);
                rc = done(st);
                if (rc != SQLITE_OK)
                    return rc;
                known_add_alias(&s->known, ent, sf->hash, sf->surface);
            }
            terms_alias(&s->terms, ent, sf->hash);
        }
        for (size_t k = 0; k < g->n; k++)
            terms_entity(&s->terms, ent);
        /* groups are sorted by type: one type term per entity is enough
         * to find the document, one per new type keeps the list short */
        if (i == 0 || strcmp(d->ents[g->first].type,
                             d->ents[d->groups[i - 1].first].type) != 0)
            terms_type(&s->terms, g->type_hash);
        if (i)
            jb_char(&s->mentions, ',');
        jb_char(&s->mentions, '[');
        jb_int(&s->mentions, ent);
        jb_char(&s->mentions, ',');
        jb_raw(&s->mentions, d->json.s + g->json_off, g->json_len);
        jb_char(&s->mentions, ']');
    }
    jb_char(&s->mentions, ']');
    if (s->mentions.failed || s->terms.failed)
        return SQLITE_NOMEM;
    st = s->st[S_DE_PUT];
    sqlite3_bind_int64(st, 1, doc);
    sqlite3_bind_text(st, 2, s->mentions.s, (int)s->mentions.len,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, 3, s->terms.s, (int)s->terms.len, SQLITE_STATIC);
    rc = done(st);
    if (rc != SQLITE_OK)
        return rc;
    st = s->st[S_EF_INS];
    sqlite3_bind_int64(st, 1, doc);
    sqlite3_bind_text(st, 2, s->terms.s, (int)s->terms.len, SQLITE_STATIC);
    rc = done(st);
    /* do not keep the buffers of one huge document around */
    if (s->mentions.cap > SCRATCH_KEEP)
        jb_free(&s->mentions);
    if (s->terms.cap > SCRATCH_KEEP)
        jb_free(&s->terms);
    return rc;
}

int store_write(struct store *s, const struct sdoc *d, int64_t now_ms,
                int *written)
{
    sqlite3_stmt *st;
    char *old_mentions = NULL;
    int64_t rowid;
    int rc;

    *written = 0;
    rowid = doc_rowid(s, d->id, &rc);
    if (rc != SQLITE_OK)
        return rc;
    if (rowid && !d->reprocess)
        return SQLITE_OK; /* already stored: idempotent */
    if (rowid) {
        rc = remove_content(s, rowid, &old_mentions);
        if (rc != SQLITE_OK)
            goto fail;
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
    {
        const struct tokrec *recs[2] = {&d->rec[0], &d->rec[1]};
        tokrec_replay_set(recs, 2);
        rc = done(st);
        tokrec_replay_set(NULL, 0);
    }
    if (rc != SQLITE_OK)
        goto fail;
    rc = write_entities(s, rowid, d);
    if (rc == SQLITE_OK && old_mentions)
        rc = collect(s, old_mentions);
    if (rc != SQLITE_OK)
        goto fail;
    free(old_mentions);
    return SQLITE_OK;
fail:
    free(old_mentions);
    *written = 0;
    return rc;
}
