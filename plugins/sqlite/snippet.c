/*
 * inboxd_snippet(fts, OPEN, CLOSE, ELLIPSIS, NTOKENS) (snippet.h).
 *
 * The window is chosen as FTS5's snippet() chooses it (fts5_aux.c), from
 * the instances' positions: for each instance, the NTOKENS tokens from it
 * score 1000 per distinct phrase and 1 per further instance, and the
 * window at the column's start scores 120 more (the lead sentence); the
 * best window (the first of equals) is moved so its instances sit in the
 * middle, within the column.  FTS5 finds every sentence start by
 * tokenizing each column in full; here the text is tokenized only up to
 * the window's end, and a window moves back to the start of the sentence
 * of its first instance when that is at most NTOKENS / 2 tokens before it
 * (a line end or . ! ? ; ؟ ۔ 。 between two tokens starts a sentence).
 * The output is FTS5's: the text from the window's first token (from the
 * column's start when the window is there) to its last (to the column's
 * end when the window reaches it), each phrase instance wrapped in
 * OPEN ... CLOSE (instances that overlap are one), ELLIPSIS before and
 * after when text was left out; line ends become spaces (a snippet is one
 * line).
 */
#include "snippet.h"

#include <stdlib.h>
#include <string.h>

#include "jbuf.h"
#include "poslist.h"
#include "tokenizer.h"

struct inst {
    int col, first, last; /* token positions of one phrase instance */
    int phrase;
};

/* The positions recorded while tokenizing: from, n positions on. */
struct win {
    const char *text;
    int from, n;
    int pos;            /* position of the last token seen */
    int prev_end;       /* byte end of the previous token */
    int seen;           /* recorded positions so far */
    int more;           /* a token after the recorded ones exists */
    int *bstart, *bend; /* byte range of each recorded position */
    unsigned char *sentence; /* the position starts a sentence */
};

static int cmp_inst(const void *a, const void *b)
{
    const struct inst *x = a, *y = b;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    return x->last < y->last ? -1 : x->last > y->last;
}

/* Every instance of every phrase in the row, sorted by column and
 * position, into *out (malloc'd).  Their number or a negative SQLite
 * code. */
static int collect(const Fts5ExtensionApi *api, Fts5Context *fts,
                   struct inst **out)
{
    int nphrase = api->xPhraseCount(fts), n = 0, cap = 0, rc;
    struct inst *v = NULL;
    for (int i = 0; i < nphrase; i++) {
        struct poslist pl;
        int size = api->xPhraseSize(fts, i);
        if ((rc = poslist_first(api, fts, i, &pl)) != SQLITE_OK)
            goto fail;
        for (; pl.col >= 0; poslist_next(&pl)) {
            if (n == cap) {
                struct inst *nv;
                cap = cap ? 2 * cap : 64;
                if (!(nv = realloc(v, (size_t)cap * sizeof *v))) {
                    rc = SQLITE_NOMEM;
                    goto fail;
                }
                v = nv;
            }
            v[n].col = pl.col;
            v[n].first = pl.off;
            v[n].last = pl.off + (size > 0 ? size - 1 : 0);
            v[n].phrase = i;
            n++;
        }
    }
    if (n)
        qsort(v, (size_t)n, sizeof *v, cmp_inst);
    *out = v;
    return n;
fail:
    free(v);
    return -rc;
}

/* FTS5's window score for the ntok positions from position from in the
 * column of v[i] (v[i] its first instance at or after from), and the
 * window's start once its instances are centred (within colsize
 * tokens). */
static int score_window(const struct inst *v, int n, int i, int from,
                        int ntok, int colsize, unsigned char *seen,
                        int nphrase, int *start)
{
    int score = 0, first = -1, last = 0, adj;
    memset(seen, 0, (size_t)nphrase);
    for (int j = i; j < n && v[j].col == v[i].col && v[j].first < from + ntok;
         j++) {
        score += seen[v[j].phrase] ? 1 : 1000;
        seen[v[j].phrase] = 1;
        if (first < 0)
            first = v[j].first;
        last = v[j].last + 1;
    }
    adj = first - (ntok - (last - first)) / 2;
    if (adj + ntok > colsize)
        adj = colsize - ntok;
    *start = adj < 0 ? 0 : adj;
    return score;
}

/* A sentence ends in text[a, z) (the bytes between two tokens). */
static int sentence_break(const char *text, int a, int z)
{
    for (int i = a; i < z; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n' || c == '.' || c == '!' || c == '?' || c == ';')
            return 1;
        if (i + 1 < z &&
            ((c == 0xd8 && (unsigned char)text[i + 1] == 0x9f) ||  /* ؟ */
             (c == 0xdb && (unsigned char)text[i + 1] == 0x94) ||  /* ۔ */
             (c == 0xcd && (unsigned char)text[i + 1] == 0xbe)))   /* ; */
            return 1;
        if (i + 2 < z && c == 0xe3 && (unsigned char)text[i + 1] == 0x80 &&
            (unsigned char)text[i + 2] == 0x82) /* 。 */
            return 1;
    }
    return 0;
}

static int on_token(void *arg, int flags, const char *tok, int ntok, int s,
                    int e)
{
    struct win *w = arg;
    int k, first = 0;
    (void)tok;
    (void)ntok;
    if (!(flags & FTS5_TOKEN_COLOCATED)) {
        w->pos++;
        first = 1;
    }
    if (w->pos < w->from) {
        w->prev_end = e;
        return SQLITE_OK;
    }
    if (w->pos >= w->from + w->n) {
        w->more = 1;
        return SQLITE_DONE;
    }
    k = w->pos - w->from;
    if (first && k >= w->seen) {
        w->bstart[k] = s;
        w->bend[k] = e;
        w->sentence[k] = w->pos == 0 || sentence_break(w->text, w->prev_end, s);
        w->seen = k + 1;
    } else if (k < w->seen && e > w->bend[k]) {
        w->bend[k] = e;
    }
    if (e > w->prev_end)
        w->prev_end = e;
    return SQLITE_OK;
}

static void put_text(struct jbuf *b, const char *s, int n)
{
    int i = 0;
    while (i < n) {
        int j = i;
        while (j < n && s[j] != '\n' && s[j] != '\r')
            j++;
        jb_raw(b, s + i, (size_t)(j - i));
        if (j < n)
            jb_char(b, ' ');
        i = j + 1;
    }
}

/* The snippet of column col, positions start .. start + ntok - 1 (of the
 * recorded ones), into b. */
static void render(struct jbuf *b, const char *text, int len,
                   const struct win *w, int start, int ntok,
                   const struct inst *v, int n, int col, const char *open,
                   const char *close, const char *ellipsis)
{
    int from, i = 0, last = start + ntok - 1, more;
#define BS(p) (w->bstart[(p) - w->from])
#define BE(p) (w->bend[(p) - w->from])
    if (!w->seen || start < w->from || start >= w->from + w->seen) {
        put_text(b, text, len);
        return;
    }
    more = w->more || last < w->from + w->seen - 1;
    if (last > w->from + w->seen - 1)
        last = w->from + w->seen - 1;
    from = start == 0 ? 0 : BS(start);
    if (start > 0)
        jb_cstr(b, ellipsis);
    while (i < n && v[i].col != col)
        i++;
    while (i < n && v[i].col == col && v[i].first <= last) {
        int a = v[i].first, z = v[i].last;
        /* overlapping instances are one */
        for (i++; i < n && v[i].col == col && v[i].first <= z; i++)
            if (v[i].last > z)
                z = v[i].last;
        if (z < start)
            continue;
        a = a < start ? start : a;
        z = z > last ? last : z;
        put_text(b, text + from, BS(a) - from);
        jb_cstr(b, open);
        put_text(b, text + BS(a), BE(z) - BS(a));
        jb_cstr(b, close);
        from = BE(z);
    }
    if (more) {
        put_text(b, text + from, BE(last) - from);
        jb_cstr(b, ellipsis);
    } else {
        put_text(b, text + from, len - from);
    }
#undef BS
#undef BE
}

/* The best window: its column, start and first instance.  SQLite code. */
static int choose(const Fts5ExtensionApi *api, Fts5Context *fts,
                  const struct inst *v, int n, int ntok, int nphrase,
                  unsigned char *seen, int *bcol, int *bstart, int *bfirst)
{
    int best = 0, prev_col = -1, colsize = 0, rc;
    *bcol = *bstart = *bfirst = 0;
    for (int i = 0; i < n; i++) {
        int start, score;
        if (v[i].col != prev_col) {
            if ((rc = api->xColumnSize(fts, v[i].col, &colsize)) != SQLITE_OK)
                return rc;
            prev_col = v[i].col;
            /* the lead: the window at the column's start */
            if (colsize > ntok && v[i].first > 0 && v[i].first < ntok) {
                score = score_window(v, n, i, 0, ntok, colsize, seen, nphrase,
                                     &start) + 120;
                if (score > best) {
                    best = score;
                    *bcol = v[i].col;
                    *bstart = *bfirst = 0;
                }
            }
        }
        score = score_window(v, n, i, v[i].first, ntok, colsize, seen,
                             nphrase, &start);
        if (score > best) {
            best = score;
            *bcol = v[i].col;
            *bstart = start;
            *bfirst = v[i].first;
        }
    }
    return SQLITE_OK;
}

static void snippet_fn(const Fts5ExtensionApi *api, Fts5Context *fts,
                       sqlite3_context *ctx, int nval, sqlite3_value **val)
{
    const char *open, *close, *ellipsis, *text;
    int ntok, nphrase = api->xPhraseCount(fts), n, rc, len = 0;
    int bcol, bstart, bfirst, start, lo, hi;
    struct inst *v = NULL;
    unsigned char *seen = NULL;
    struct win w = {0};
    struct jbuf b = {0};

    if (nval != 4) {
        sqlite3_result_error(ctx, "inboxd_snippet: 4 arguments after the "
                             "table: open, close, ellipsis, tokens", -1);
        return;
    }
    open = (const char *)sqlite3_value_text(val[0]);
    close = (const char *)sqlite3_value_text(val[1]);
    ellipsis = (const char *)sqlite3_value_text(val[2]);
    ntok = sqlite3_value_int(val[3]);
    if (!open || !close || !ellipsis) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    ntok = ntok < 1 ? 1 : ntok > 64 ? 64 : ntok;
    if ((n = collect(api, fts, &v)) < 0) {
        rc = -n;
        goto fail;
    }
    rc = SQLITE_NOMEM;
    seen = malloc((size_t)nphrase + 1);
    if (!seen)
        goto fail;
    if ((rc = choose(api, fts, v, n, ntok, nphrase, seen, &bcol, &bstart,
                     &bfirst)) != SQLITE_OK ||
        (rc = api->xColumnText(fts, bcol, &text, &len)) != SQLITE_OK)
        goto fail;
    if (!text)
        text = "";
    /* record from half a window before the start (or the first instance:
     * a long phrase puts the centred start after it) to a window after
     * the later of the two: the sentence start may move the window */
    lo = bstart < bfirst ? bstart : bfirst;
    hi = bstart > bfirst ? bstart : bfirst;
    w.text = text;
    w.from = lo - ntok / 2 > 0 ? lo - ntok / 2 : 0;
    w.n = hi + ntok - w.from;
    rc = SQLITE_NOMEM;
    w.bstart = malloc((size_t)w.n * sizeof *w.bstart);
    w.bend = malloc((size_t)w.n * sizeof *w.bend);
    w.sentence = malloc((size_t)w.n);
    if (!w.bstart || !w.bend || !w.sentence)
        goto fail;
    w.pos = -1;
    rc = api->xTokenize(fts, text, len, &w, on_token);
    if (rc != SQLITE_OK && rc != SQLITE_DONE)
        goto fail;
    start = bstart;
    for (int p = bfirst; p >= bfirst - ntok / 2 && p >= w.from; p--) {
        if (p - w.from < w.seen && w.sentence[p - w.from]) {
            start = p;
            break;
        }
    }
    render(&b, text, len, &w, start, ntok, v, n, bcol, open, close, ellipsis);
    if (b.failed) {
        rc = SQLITE_NOMEM;
        goto fail;
    }
    sqlite3_result_text(ctx, b.s ? b.s : "", (int)b.len, SQLITE_TRANSIENT);
    rc = SQLITE_OK;
fail:
    if (rc != SQLITE_OK)
        sqlite3_result_error_code(ctx, rc);
    jb_free(&b);
    free(w.bstart);
    free(w.bend);
    free(w.sentence);
    free(seen);
    free(v);
}

int snippet_register(sqlite3 *db)
{
    fts5_api *api = tok_fts5_api(db);
    if (!api || api->iVersion < 2)
        return SQLITE_ERROR;
    return api->xCreateFunction(api, "inboxd_snippet", NULL, snippet_fn,
                                NULL);
}
