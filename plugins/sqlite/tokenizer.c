#include "tokenizer.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/utf16.h>

#include "fold.h"
#include "stem.h"
#include "tokrec.h"
#include "utf8.h"

struct tok {
    UBreakIterator *bi;
    int busy;
    UChar *u16;
    size_t u16cap;
    struct cpbuf cp;
    struct fold_scratch sc;
    char term[TOK_MAX_CP * 4 + 8];
    struct tok *next; /* pool link */
};

int tok_new(struct tok **out)
{
    UErrorCode e = U_ZERO_ERROR;
    struct tok *t;
    int rc = fold_init();
    *out = NULL;
    if (rc < 0)
        return rc;
    t = calloc(1, sizeof *t);
    if (!t)
        return -ENOMEM;
    t->bi = ubrk_open(UBRK_WORD, "", NULL, 0, &e);
    if (U_FAILURE(e) || !t->bi) {
        free(t);
        return -EIO;
    }
    *out = t;
    return 0;
}

void tok_free(struct tok *t)
{
    if (!t)
        return;
    ubrk_close(t->bi);
    free(t->u16);
    cpbuf_free(&t->cp);
    fold_scratch_free(&t->sc);
    free(t);
}

/* UTF-8 to UTF-16 with u8_next's decoding, so offsets can be walked back
 * with the same decoder. */
static int to_u16(struct tok *t, const unsigned char *s, size_t len,
                  int32_t *n16)
{
    size_t i = 0, k = 0;
    if (len + 1 > t->u16cap) {
        size_t cap = len + 64;
        UChar *u = realloc(t->u16, cap * sizeof *u);
        if (!u)
            return -ENOMEM;
        t->u16 = u;
        t->u16cap = cap;
    }
    while (i < len) {
        uint32_t c = s[i];
        if (c < 0x80) {
            t->u16[k++] = (UChar)c;
            i++;
            continue;
        }
        c = u8_next_fast(s, len, &i);
        if (c == 0)
            c = 0xFFFD;
        if (c >= 0x10000) {
            t->u16[k++] = U16_LEAD(c);
            t->u16[k++] = U16_TRAIL(c);
        } else {
            t->u16[k++] = (UChar)c;
        }
    }
    *n16 = (int32_t)k;
    return 0;
}

/* Advances the (UTF-16 index, byte offset) cursor to UTF-16 index to. */
static void walk(const unsigned char *s, size_t len, int32_t *u, size_t *b,
                 int32_t to)
{
    while (*u < to && *b < len) {
        if (s[*b] < 0x80) {
            (*b)++;
            (*u)++;
            continue;
        }
        *u += u8_next_fast(s, len, b) >= 0x10000 ? 2 : 1;
    }
}

static size_t encode(const uint32_t *v, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < 0x80)
            out[k++] = (char)v[i];
        else
            k += u8_put(v[i], out + k);
    }
    return k;
}

/* Stems one folded word and emits it (and its alternative stem). */
static int emit_word(struct tok *t, const uint32_t *w, size_t len, int flags,
                     size_t bstart, size_t bend, tok_emit_fn emit, void *arg)
{
    struct stem_out so;
    size_t n;
    int rc;
    if (flags & TOK_NOSTEM) {
        so.start = 0;
        so.len = len;
        so.alt_len = 0;
    } else {
        stem_word(w, len, (flags & TOK_PREFIX) ? STEM_PREFIX : STEM_FULL, &so);
    }
    n = encode(w + so.start, so.len, t->term);
    rc = emit(arg, 0, t->term, n, bstart, bend);
    if (rc)
        return rc;
    if (so.alt_len && !(flags & TOK_QUERY)) {
        n = encode(w + so.alt_start, so.alt_len, t->term);
        rc = emit(arg, 1, t->term, n, bstart, bend);
    }
    return rc;
}

static int run(struct tok *t, const char *text, size_t len, int flags,
               tok_emit_fn emit, void *arg)
{
    const unsigned char *s = (const unsigned char *)text;
    UErrorCode e = U_ZERO_ERROR;
    int32_t n16, prev, cur, cu = 0;
    size_t cb = 0;
    int rc;

    if (len > (size_t)INT32_MAX / 2)
        return -E2BIG;
    if (len == 0)
        return 0;
    rc = to_u16(t, s, len, &n16);
    if (rc < 0)
        return rc;
    ubrk_setText(t->bi, t->u16, n16, &e);
    if (U_FAILURE(e))
        return -EIO;
    prev = ubrk_first(t->bi);
    for (cur = ubrk_next(t->bi); cur != UBRK_DONE;
         prev = cur, cur = ubrk_next(t->bi)) {
        size_t bstart, bend;
        if (ubrk_getRuleStatus(t->bi) < UBRK_WORD_NONE_LIMIT)
            continue;
        t->cp.n = 0;
        rc = fold_u16(t->u16 + prev, cur - prev, &t->cp, &t->sc);
        if (rc < 0)
            return rc;
        if (t->cp.n == 0)
            continue;
        if (t->cp.n > TOK_MAX_CP)
            t->cp.n = TOK_MAX_CP;
        walk(s, len, &cu, &cb, prev);
        bstart = cb;
        walk(s, len, &cu, &cb, cur);
        bend = cb;
        /* apostrophes separate words, as in FTS5's own tokenizers:
         * committee's, l'homme, don't */
        {
            size_t a = 0;
            for (size_t k = 0; k <= t->cp.n; k++) {
                if (k < t->cp.n && t->cp.v[k] != '\'')
                    continue;
                if (k > a) {
                    rc = emit_word(t, t->cp.v + a, k - a, flags, bstart, bend,
                                   emit, arg);
                    if (rc)
                        return rc;
                }
                a = k + 1;
            }
        }
    }
    return 0;
}

int tok_run(struct tok *t, const char *text, size_t len, int flags,
            tok_emit_fn emit, void *arg)
{
    int rc;
    if (t->busy) {
        /* re-entered on the same connection: use a fresh one */
        struct tok *o;
        rc = tok_new(&o);
        if (rc < 0)
            return rc;
        rc = tok_run(o, text, len, flags, emit, arg);
        tok_free(o);
        return rc;
    }
    t->busy = 1;
    rc = run(t, text, len, flags, emit, arg);
    t->busy = 0;
    /* do not keep the buffers of one huge document around */
    if (t->u16cap > (4u << 20)) {
        free(t->u16);
        t->u16 = NULL;
        t->u16cap = 0;
    }
    return rc;
}

/* --- the pool -------------------------------------------------------------- */

#define POOL_KEEP 16
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static struct tok *pool_head;
static int pool_n;

struct tok *tok_pool_get(void)
{
    struct tok *t;
    pthread_mutex_lock(&pool_mu);
    t = pool_head;
    if (t) {
        pool_head = t->next;
        pool_n--;
    }
    pthread_mutex_unlock(&pool_mu);
    if (!t && tok_new(&t) < 0)
        return NULL;
    t->next = NULL;
    return t;
}

void tok_pool_put(struct tok *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&pool_mu);
    if (pool_n < POOL_KEEP) {
        t->next = pool_head;
        pool_head = t;
        pool_n++;
        t = NULL;
    }
    pthread_mutex_unlock(&pool_mu);
    tok_free(t);
}

void tok_pool_drain(void)
{
    struct tok *t, *next;
    pthread_mutex_lock(&pool_mu);
    t = pool_head;
    pool_head = NULL;
    pool_n = 0;
    pthread_mutex_unlock(&pool_mu);
    for (; t; t = next) {
        next = t->next;
        tok_free(t);
    }
}

/* --- normalize ------------------------------------------------------------- */

struct joiner {
    char *buf;
    size_t n, cap;
};

static int join_emit(void *arg, int colocated, const char *term, size_t n,
                     size_t start, size_t end)
{
    struct joiner *j = arg;
    (void)start;
    (void)end;
    if (colocated)
        return 0;
    if (j->n + n + 2 > j->cap) {
        size_t cap = (j->cap ? j->cap : 64);
        char *b;
        while (cap < j->n + n + 2)
            cap *= 2;
        b = realloc(j->buf, cap);
        if (!b)
            return -ENOMEM;
        j->buf = b;
        j->cap = cap;
    }
    if (j->n)
        j->buf[j->n++] = ' ';
    memcpy(j->buf + j->n, term, n);
    j->n += n;
    j->buf[j->n] = '\0';
    return 0;
}

static char *normalize_with(struct tok *t, const char *s, size_t len, int stem)
{
    struct joiner j = {0};
    int rc = tok_run(t, s, len, TOK_QUERY | (stem ? 0 : TOK_NOSTEM),
                     join_emit, &j);
    if (rc) {
        free(j.buf);
        return NULL;
    }
    if (!j.buf)
        j.buf = calloc(1, 1);
    return j.buf;
}

char *tok_normalize(const char *s, size_t len, int stem)
{
    struct tok *t = tok_pool_get();
    char *r;
    if (!t)
        return NULL;
    r = normalize_with(t, s, len, stem);
    tok_pool_put(t);
    return r;
}

/* --- SQLite glue ----------------------------------------------------------- */

struct fts_ctx {
    void *ctx;
    int (*x)(void *, int, const char *, int, int, int);
};

static int fts_emit(void *arg, int colocated, const char *term, size_t n,
                    size_t start, size_t end)
{
    struct fts_ctx *f = arg;
    return f->x(f->ctx, colocated ? FTS5_TOKEN_COLOCATED : 0, term, (int)n,
                (int)start, (int)end);
}

static int x_create(void *ctx, const char **argv, int argc,
                    Fts5Tokenizer **out)
{
    struct tok *t;
    (void)ctx;
    (void)argv;
    if (argc > 0)
        return SQLITE_ERROR;
    if (tok_new(&t) < 0)
        return SQLITE_ERROR;
    *out = (Fts5Tokenizer *)t;
    return SQLITE_OK;
}

static void x_delete(Fts5Tokenizer *p) { tok_free((struct tok *)p); }

static int x_tokenize(Fts5Tokenizer *p, void *ctx, int flags, const char *text,
                      int n,
                      int (*x)(void *, int, const char *, int, int, int))
{
    struct fts_ctx f = {ctx, x};
    int tf = 0, rc;
    if (flags & FTS5_TOKENIZE_QUERY)
        tf |= TOK_QUERY;
    if (flags & FTS5_TOKENIZE_PREFIX)
        tf |= TOK_PREFIX;
    if (n <= 0 || !text)
        return SQLITE_OK;
    if (flags == FTS5_TOKENIZE_DOCUMENT) {
        /* recorded before the commit (tokrec.h)? */
        rc = tokrec_replay(text, (size_t)n, ctx, x, FTS5_TOKEN_COLOCATED);
        if (rc < 0)
            return -rc;
        if (rc > 0)
            return SQLITE_OK;
    }
    rc = tok_run((struct tok *)p, text, (size_t)n, tf, fts_emit, &f);
    if (rc == -ENOMEM)
        return SQLITE_NOMEM;
    if (rc < 0)
        return SQLITE_ERROR;
    return rc; /* 0 or the callback's SQLite code */
}

static void fn_fold(sqlite3_context *c, int argc, sqlite3_value **argv)
{
    struct tok *t = sqlite3_user_data(c);
    const char *s;
    char *r;
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(c);
        return;
    }
    s = (const char *)sqlite3_value_text(argv[0]);
    r = s ? normalize_with(t, s, (size_t)sqlite3_value_bytes(argv[0]), 0)
          : NULL;
    if (!r) {
        sqlite3_result_error_nomem(c);
        return;
    }
    sqlite3_result_text(c, r, -1, free);
}

static void fn_destroy(void *p) { tok_free(p); }

fts5_api *tok_fts5_api(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return api;
}

int tok_register(sqlite3 *db)
{
    static fts5_tokenizer tk = {x_create, x_delete, x_tokenize};
    fts5_api *api = tok_fts5_api(db);
    struct tok *t;
    int rc;
    if (!api || api->iVersion < 2)
        return SQLITE_ERROR;
    rc = api->xCreateTokenizer(api, "inboxd", NULL, &tk, NULL);
    if (rc != SQLITE_OK)
        return rc;
    if (tok_new(&t) < 0)
        return SQLITE_ERROR;
    return sqlite3_create_function_v2(
        db, "inboxd_fold", 1,
        SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, t, fn_fold,
        NULL, NULL, fn_destroy);
}
