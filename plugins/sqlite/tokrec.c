#include "tokrec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer.h"

static __thread const struct tokrec *const *replay_recs;
static __thread size_t replay_n;

static int add(void *arg, int colocated, const char *term, size_t n,
               size_t start, size_t end)
{
    struct tokrec *r = arg;
    struct tokrec_term *t;
    if (n > UINT16_MAX || end > UINT32_MAX)
        return -EOVERFLOW;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        struct tokrec_term *v = realloc(r->v, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        r->v = v;
        r->cap = cap;
    }
    if (r->terms_len + n > r->terms_cap) {
        size_t cap = r->terms_cap ? r->terms_cap : 4096;
        char *s;
        while (cap < r->terms_len + n)
            cap *= 2;
        s = realloc(r->terms, cap);
        if (!s)
            return -ENOMEM;
        r->terms = s;
        r->terms_cap = cap;
    }
    t = &r->v[r->n++];
    t->off = (uint32_t)r->terms_len;
    t->n = (uint16_t)n;
    t->start = (uint32_t)start;
    t->end = (uint32_t)end;
    t->colocated = colocated != 0;
    memcpy(r->terms + r->terms_len, term, n);
    r->terms_len += n;
    return 0;
}

int tokrec_record(struct tokrec *r, const char *text, size_t len)
{
    struct tok *t;
    int rc;
    tokrec_free(r);
    if (!text || len == 0 || len > TOKREC_MAX_TEXT)
        return 1;
    t = tok_pool_get();
    if (!t)
        return -ENOMEM;
    rc = tok_run(t, text, len, 0, add, r);
    tok_pool_put(t);
    if (rc) {
        tokrec_free(r);
        return rc < 0 ? rc : -EIO;
    }
    r->text = text;
    r->len = len;
    r->used = 1;
    return 0;
}

void tokrec_free(struct tokrec *r)
{
    if (!r)
        return;
    free(r->terms);
    free(r->v);
    memset(r, 0, sizeof *r);
}

void tokrec_replay_set(const struct tokrec *const *recs, size_t n)
{
    replay_recs = n ? recs : NULL;
    replay_n = n;
}

int tokrec_replay(const char *text, size_t len, void *ctx,
                  int (*emit)(void *, int, const char *, int, int, int),
                  int colocated_flag)
{
    for (size_t i = 0; i < replay_n; i++) {
        const struct tokrec *r = replay_recs[i];
        if (!r || !r->used || r->len != len ||
            (r->text != text && memcmp(r->text, text, len) != 0))
            continue;
        for (size_t k = 0; k < r->n; k++) {
            const struct tokrec_term *t = &r->v[k];
            int rc = emit(ctx, t->colocated ? colocated_flag : 0,
                          r->terms + t->off, t->n, (int)t->start,
                          (int)t->end);
            if (rc)
                return -rc;
        }
        return 1;
    }
    return 0;
}
