/*
 * inboxd_rank(fts, TOP [, weight per column ...]): bm25 for the rows that
 * can still be among the K best, kept in TOP (rank.h).
 *
 * The formula is FTS5's own bm25 (ext/fts5/fts5_aux.c): k1 = 1.2,
 * b = 0.75, IDF = log((N - n + 0.5) / (n + 0.5)) floored at 1e-6, the
 * frequency of a phrase in a row = the sum of its column weights over its
 * instances, D = the row's length in tokens (all columns), and
 *   score = sum over phrases of IDF * f * (k1 + 1) / (f + k1 * (1 - b + b * D / avgdl)).
 * Every term grows with f and shrinks with D, so the score computed with a
 * lower bound of D is an upper bound of the score.  D >= the last matched
 * position + 1 in each column, read from the position lists that give f;
 * the exact D (xColumnSize: a lookup in the docsize table, the expensive
 * part of bm25) is fetched only when that bound beats the K-th best exact
 * score seen so far (the K best kept in a rank_top).
 */
#include "rank.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "poslist.h"
#include "tokenizer.h"

/* The docsize table of the fts table inboxd_rank() ranks (schema.c). */
#define RANK_DOCSIZE_TABLE "fts_docsize"

#define K1 1.2
#define B 0.75

struct rank {
    int nphrase, ncol;
    double avgdl;
    double *idf;    /* per phrase */
    double *freq;   /* per phrase, this row */
    double *weight; /* per column */
    int *last;      /* per column: last matched position + 1, this row */
    sqlite3 *db;         /* the connection (for the docsize blob) */
    sqlite3_blob *sizes; /* fts_docsize.sz, opened at the first lookup */
    int no_blob;         /* the blob failed once: xColumnSize from then on */
};

static void rank_free(void *p)
{
    struct rank *r = p;
    if (!r)
        return;
    free(r->idf);
    free(r->freq);
    free(r->weight);
    free(r->last);
    sqlite3_blob_close(r->sizes);
    free(r);
}

static int count_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *arg)
{
    (void)api;
    (void)fts;
    (*(sqlite3_int64 *)arg)++;
    return SQLITE_OK;
}

/* The per-statement state: weights, IDF of each phrase, the average row
 * length.  SQLite error code. */
static int rank_new(const Fts5ExtensionApi *api, Fts5Context *fts, int nval,
                    sqlite3_value **val, struct rank **out)
{
    struct rank *r = calloc(1, sizeof *r);
    sqlite3_int64 nrow = 0, ntok = 0;
    int rc = SQLITE_NOMEM, nw;
    *out = NULL;
    if (!r)
        return SQLITE_NOMEM;
    r->nphrase = api->xPhraseCount(fts);
    r->ncol = api->xColumnCount(fts);
    nw = nval - 1; /* the collector, then the weights */
    r->idf = calloc((size_t)r->nphrase + 1, sizeof *r->idf);
    r->freq = calloc((size_t)r->nphrase + 1, sizeof *r->freq);
    r->weight = calloc((size_t)r->ncol + 1, sizeof *r->weight);
    r->last = calloc((size_t)r->ncol + 1, sizeof *r->last);
    if (!r->idf || !r->freq || !r->weight || !r->last)
        goto fail;
    for (int c = 0; c < r->ncol; c++)
        r->weight[c] = c < nw ? sqlite3_value_double(val[c + 1]) : 1.0;
    if ((rc = api->xRowCount(fts, &nrow)) != SQLITE_OK ||
        (rc = api->xColumnTotalSize(fts, -1, &ntok)) != SQLITE_OK)
        goto fail;
    r->avgdl = nrow > 0 ? (double)ntok / (double)nrow : 1.0;
    if (r->avgdl <= 0)
        r->avgdl = 1.0;
    for (int i = 0; i < r->nphrase; i++) {
        sqlite3_int64 hits = 0;
        double idf;
        if ((rc = api->xQueryPhrase(fts, i, &hits, count_row)) != SQLITE_OK)
            goto fail;
        idf = log(((double)nrow - (double)hits + 0.5) / ((double)hits + 0.5));
        r->idf[i] = idf > 0 ? idf : 1e-6;
    }
    *out = r;
    return SQLITE_OK;
fail:
    rank_free(r);
    return rc;
}

static double score(const struct rank *r, double len)
{
    double s = 0;
    /* the operations of fts5_aux.c in its order: the same doubles */
    for (int i = 0; i < r->nphrase; i++)
        s += r->idf[i] * ((r->freq[i] * (K1 + 1.0)) /
                          (r->freq[i] + K1 * (1 - B + B * len / r->avgdl)));
    return s;
}

/* The weighted frequency of phrase i in this row into r->freq[i], and
 * the last matched position + 1 per column into r->last: poslist.h's
 * reading, unrolled per column (most instances are one byte or two). */
static int phrase_stats(const Fts5ExtensionApi *api, Fts5Context *fts,
                        struct rank *r, int i)
{
    struct poslist pl;
    const unsigned char *p, *end;
    int col, off, rc, n;
    double f = 0;
    if ((rc = poslist_first(api, fts, i, &pl)) != SQLITE_OK)
        return rc;
    p = pl.p;
    end = pl.end;
    col = pl.col;
    off = pl.off;
    while (col >= 0) {
        /* the instances of column col from offset off on */
        n = 1;
        col = col < r->ncol ? col : -1;
        while (p < end) {
            uint32_t v;
            uint64_t x;
            /* eight one-byte deltas at once, the common case in a report
             * that repeats a word (no continuation bit, no 0 or 1) */
            if (end - p >= 8 && (memcpy(&x, p, 8), 1) &&
                !(x & 0x8080808080808080ull) &&
                !((x - 0x0202020202020202ull) & ~x & 0x8080808080808080ull)) {
                uint64_t sum = (x & 0x00ff00ff00ff00ffull) +
                               ((x >> 8) & 0x00ff00ff00ff00ffull);
                sum = (sum * 0x0001000100010001ull) >> 48;
                off += (int)sum - 16;
                n += 8;
                p += 8;
                continue;
            }
            v = *p++;
            if (v & 0x80)
                v = poslist_varint_rest(v, &p, end);
            if (v < 2) {
                if (v == 0)
                    p = end;
                else
                    p--;
                break;
            }
            off += (int)(v - 2);
            n++;
        }
        if (col >= 0) {
            /* FTS5 adds the weight once per instance: the same double
             * as long as weight * n is exact (whole weights, as 4 and 1) */
            f += r->weight[col] * n;
            if (off + 1 > r->last[col])
                r->last[col] = off + 1;
        }
        col = -1;
        if (p < end && *p == 1) {
            uint32_t v;
            p++;
            col = (int)poslist_varint(&p, end);
            v = poslist_varint(&p, end);
            if (v < 2)
                break;
            off = (int)(v - 2);
        }
    }
    r->freq[i] = f;
    return SQLITE_OK;
}

/* a before b: higher score, then the newer row */
static int hit_before(const struct rank_hit *a, const struct rank_hit *b)
{
    return a->score > b->score || (a->score == b->score && a->rowid > b->rowid);
}

static int cmp_hit(const void *a, const void *b)
{
    return hit_before(a, b) ? -1 : hit_before(b, a) ? 1 : 0;
}

void rank_top_add(struct rank_top *t, int64_t rowid, double score)
{
    struct rank_hit h = {rowid, score};
    int i;
    /* v[0] is the worst kept: a heap ordered by hit_before, reversed */
    if (t->n < t->k) {
        i = t->n++;
        while (i > 0 && hit_before(&t->v[(i - 1) / 2], &h)) {
            t->v[i] = t->v[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        t->v[i] = h;
        return;
    }
    if (t->k < 1 || !hit_before(&h, &t->v[0]))
        return;
    i = 0;
    for (;;) {
        int l = 2 * i + 1, m = l;
        if (l >= t->n)
            break;
        if (l + 1 < t->n && hit_before(&t->v[l], &t->v[l + 1]))
            m = l + 1;
        if (!hit_before(&h, &t->v[m]))
            break;
        t->v[i] = t->v[m];
        i = m;
    }
    t->v[i] = h;
}

void rank_top_sort(struct rank_top *t)
{
    qsort(t->v, (size_t)t->n, sizeof *t->v, cmp_hit);
}

int rank_top_bind(sqlite3_stmt *st, int i, struct rank_top *t)
{
    return sqlite3_bind_pointer(st, i, t, "inboxd_rank_top", NULL);
}

/* The row's length in tokens, all columns: what xColumnSize(-1) returns,
 * read from the same record (fts_docsize.sz, a varint per column) through
 * a blob handle moved from row to row, a b-tree seek instead of a SQL
 * statement run per row (5x fewer instructions).  -1 when the blob cannot
 * be read (the caller asks xColumnSize). */
static int doc_len(const Fts5ExtensionApi *api, Fts5Context *fts,
                   struct rank *r)
{
    unsigned char buf[64];
    const unsigned char *p = buf, *end;
    sqlite3_int64 rowid = api->xRowid(fts);
    int n, len = 0;
    if (r->no_blob || !r->db)
        return -1;
    if (!r->sizes
            ? sqlite3_blob_open(r->db, "main", RANK_DOCSIZE_TABLE, "sz", rowid, 0,
                                &r->sizes) != SQLITE_OK
            : sqlite3_blob_reopen(r->sizes, rowid) != SQLITE_OK)
        goto fail;
    n = sqlite3_blob_bytes(r->sizes);
    if (n <= 0 || n > (int)sizeof buf ||
        sqlite3_blob_read(r->sizes, buf, n, 0) != SQLITE_OK)
        goto fail;
    end = buf + n;
    for (int c = 0; c < r->ncol && p < end; c++)
        len += (int)poslist_varint(&p, end);
    return len;
fail:
    /* a row without a record, or another layout: FTS5 knows */
    if (!r->sizes)
        r->no_blob = 1;
    return -1;
}

static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
                    sqlite3_context *ctx, int nval, sqlite3_value **val)
{
    struct rank *r = api->xGetAuxdata(fts, 0);
    struct rank_top *top =
        nval > 0 ? sqlite3_value_pointer(val[0], "inboxd_rank_top") : NULL;
    double lower = 0, s;
    int rc, len = 0;

    if (!top || top->k < 1) {
        sqlite3_result_error(ctx, "inboxd_rank: no collector (rank_top_bind)",
                             -1);
        return;
    }
    if (!r) {
        if ((rc = rank_new(api, fts, nval, val, &r)) != SQLITE_OK) {
            sqlite3_result_error_code(ctx, rc);
            return;
        }
        r->db = api->xUserData(fts);
        if ((rc = api->xSetAuxdata(fts, r, rank_free)) != SQLITE_OK) {
            sqlite3_result_error_code(ctx, rc);
            return;
        }
    }
    memset(r->last, 0, (size_t)r->ncol * sizeof *r->last);
    for (int i = 0; i < r->nphrase; i++) {
        if ((rc = phrase_stats(api, fts, r, i)) != SQLITE_OK) {
            sqlite3_result_error_code(ctx, rc);
            return;
        }
    }
    for (int c = 0; c < r->ncol; c++)
        lower += r->last[c];
    /* strictly below: a row that can only tie the k-th best is scored,
     * so that ties keep the newer row as documented */
    if (top->n == top->k && score(r, lower) < top->v[0].score) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    if ((len = doc_len(api, fts, r)) < 0 &&
        (rc = api->xColumnSize(fts, -1, &len)) != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    s = score(r, len);
    rank_top_add(top, api->xRowid(fts), s);
    sqlite3_result_int(ctx, 0);
}

int rank_register(sqlite3 *db)
{
    fts5_api *api = tok_fts5_api(db);
    if (!api || api->iVersion < 2)
        return SQLITE_ERROR;
    return api->xCreateFunction(api, "inboxd_rank", db, rank_fn, NULL);
}
