#include "fold.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utf16.h>

/* Code points below FOLD_TABLE are folded by table lookup; above, runs are
 * normalized with ICU at run time (CJK, Hangul, presentation forms). */
#define FOLD_TABLE 0x3000u
#define FOLD_DEL 0xFFFFFFFFu
#define FOLD_MULTI 0x80000000u

static uint32_t fmap[FOLD_TABLE];
static uint32_t *fpool;
static size_t fpool_n, fpool_cap;

/* The pool lives as long as the library: free it when the plugin is
 * unloaded (dlclose), so leak checkers see a clean exit. */
__attribute__((destructor)) static void fold_fini(void)
{
    free(fpool);
    fpool = NULL;
    fpool_n = fpool_cap = 0;
}
static const UNormalizer2 *nfkc_cf;
static const UNormalizer2 *nfd;
static int fold_status = -EIO;
static pthread_once_t fold_once = PTHREAD_ONCE_INIT;

int cpbuf_reserve(struct cpbuf *b, size_t extra)
{
    size_t need = b->n + extra, cap;
    uint32_t *v;
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    v = realloc(b->v, cap * sizeof *v);
    if (!v)
        return -ENOMEM;
    b->v = v;
    b->cap = cap;
    return 0;
}

void cpbuf_free(struct cpbuf *b)
{
    if (!b)
        return;
    free(b->v);
    b->v = NULL;
    b->n = b->cap = 0;
}

void fold_scratch_free(struct fold_scratch *s)
{
    if (!s)
        return;
    free(s->u);
    s->u = NULL;
    s->cap = 0;
}

/* Marks that carry no meaning for search in the scripts we fold. */
static int removable(uint32_t c)
{
    return (c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
           (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
           (c >= 0xFE20 && c <= 0xFE2F) ||
           /* Hebrew points and cantillation */
           (c >= 0x0591 && c <= 0x05BD) || c == 0x05BF || c == 0x05C1 ||
           c == 0x05C2 || c == 0x05C4 || c == 0x05C5 || c == 0x05C7 ||
           /* Arabic: honorific signs, harakat, superscript alef, Quranic
            * annotation, extended marks, tatweel */
           (c >= 0x0610 && c <= 0x061A) || (c >= 0x064B && c <= 0x065F) ||
           c == 0x0670 || (c >= 0x06D6 && c <= 0x06DC) ||
           (c >= 0x06DF && c <= 0x06E4) || c == 0x06E7 || c == 0x06E8 ||
           (c >= 0x06EA && c <= 0x06ED) || (c >= 0x08D3 && c <= 0x08FF) ||
           c == 0x0640;
}

/* Letters that are unified without a decomposition.  Returns the number of
 * code points written to out (0 when c is not special). */
static int special(uint32_t c, uint32_t *out)
{
    switch (c) {
    /* Arabic (Lucene's ArabicNormalizer, plus Persian letters) */
    case 0x0622: case 0x0623: case 0x0625: case 0x0671: case 0x0672:
    case 0x0673: case 0x0675:
        out[0] = 0x0627; return 1;
    case 0x0649: case 0x06CC: case 0x06D2:
        out[0] = 0x064A; return 1;
    case 0x0629: case 0x06C0: case 0x06D5:
        out[0] = 0x0647; return 1;
    case 0x06A9: case 0x06AA:
        out[0] = 0x0643; return 1;
    /* Latin letters without a canonical decomposition */
    case 0x0111: case 0x00F0: out[0] = 'd'; return 1;
    /* apostrophes, so don’t meets don't */
    case 0x2019: case 0x2018: case 0x02BC: case 0x02B9: out[0] = '\''; return 1;
    case 0x0142: out[0] = 'l'; return 1;
    case 0x00F8: out[0] = 'o'; return 1;
    case 0x0127: out[0] = 'h'; return 1;
    case 0x0131: out[0] = 'i'; return 1;
    case 0x0167: out[0] = 't'; return 1;
    case 0x00E6: out[0] = 'a'; out[1] = 'e'; return 2;
    case 0x0153: out[0] = 'o'; out[1] = 'e'; return 2;
    case 0x00FE: out[0] = 't'; out[1] = 'h'; return 2;
    default:
        return 0;
    }
}

/* Scripts whose letters lose their diacritics by decomposition: Latin,
 * IPA, Greek, Cyrillic, Armenian, and the Latin/Greek extended blocks. */
static int decomposes(uint32_t c)
{
    return c < 0x0590 || (c >= 0x1D00 && c < 0x2000) ||
           (c >= 0x2C60 && c < 0x2C80) || (c >= 0x2DE0 && c < 0x2E00);
}

/* Folds one code point that is already NFKC-casefolded; appends to out. */
static void fold_one(uint32_t c, uint32_t *out, size_t *k, size_t max)
{
    uint32_t sp[2];
    int n;
    if (*k + 4 > max)
        return;
    if (removable(c))
        return;
    if (u_charType((UChar32)c) == U_DECIMAL_DIGIT_NUMBER) {
        int v = u_charDigitValue((UChar32)c);
        if (v >= 0 && v <= 9) {
            out[(*k)++] = (uint32_t)('0' + v);
            return;
        }
    }
    n = special(c, sp);
    if (n) {
        for (int i = 0; i < n; i++)
            out[(*k)++] = sp[i];
        return;
    }
    if (decomposes(c)) {
        UChar dec[32];
        UErrorCode e = U_ZERO_ERROR;
        int32_t dn = unorm2_getDecomposition(nfd, (UChar32)c, dec, 32, &e);
        if (U_SUCCESS(e) && dn > 0) {
            int32_t i = 0;
            while (i < dn) {
                UChar32 d;
                U16_NEXT(dec, i, dn, d);
                if (removable((uint32_t)d))
                    continue;
                n = special((uint32_t)d, sp);
                if (n) {
                    for (int j = 0; j < n && *k < max; j++)
                        out[(*k)++] = sp[j];
                } else if (*k < max) {
                    out[(*k)++] = (uint32_t)d;
                }
            }
            return;
        }
    }
    out[(*k)++] = c;
}

static int pool_add(const uint32_t *v, size_t n, uint32_t *entry)
{
    if (fpool_n + n > fpool_cap) {
        size_t cap = fpool_cap ? fpool_cap * 2 : 1024;
        uint32_t *p;
        while (cap < fpool_n + n)
            cap *= 2;
        p = realloc(fpool, cap * sizeof *p);
        if (!p)
            return -ENOMEM;
        fpool = p;
        fpool_cap = cap;
    }
    memcpy(fpool + fpool_n, v, n * sizeof *v);
    *entry = FOLD_MULTI | ((uint32_t)n << 24) | (uint32_t)fpool_n;
    fpool_n += n;
    return 0;
}

static void fold_build(void)
{
    UErrorCode e = U_ZERO_ERROR;
    nfkc_cf = unorm2_getNFKCCasefoldInstance(&e);
    if (U_FAILURE(e))
        return;
    nfd = unorm2_getNFDInstance(&e);
    if (U_FAILURE(e))
        return;
    for (uint32_t c = 0; c < FOLD_TABLE; c++) {
        UChar in[2], mid[64];
        uint32_t out[64];
        size_t k = 0;
        int32_t n, i = 0, inl = 0;
        if (c < 0x80) {
            fmap[c] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
            continue;
        }
        if (c >= 0xD800 && c <= 0xDFFF) {
            fmap[c] = 0xFFFD;
            continue;
        }
        U16_APPEND_UNSAFE(in, inl, c);
        e = U_ZERO_ERROR;
        n = unorm2_normalize(nfkc_cf, in, inl, mid, 64, &e);
        if (U_FAILURE(e)) {
            fmap[c] = c;
            continue;
        }
        while (i < n) {
            UChar32 d;
            U16_NEXT(mid, i, n, d);
            fold_one((uint32_t)d, out, &k, 64);
        }
        if (k == 0)
            fmap[c] = FOLD_DEL;
        else if (k == 1)
            fmap[c] = out[0];
        else if (pool_add(out, k, &fmap[c]) < 0)
            return;
    }
    fold_status = 0;
}

int fold_init(void)
{
    pthread_once(&fold_once, fold_build);
    return fold_status;
}

static int put_table(uint32_t c, struct cpbuf *out)
{
    uint32_t m = fmap[c];
    if (m == FOLD_DEL)
        return 0;
    if (!(m & FOLD_MULTI)) {
        out->v[out->n++] = m;
        return 0;
    }
    {
        size_t n = (m >> 24) & 0x7F, at = m & 0xFFFFFF;
        if (cpbuf_reserve(out, n) < 0)
            return -ENOMEM;
        memcpy(out->v + out->n, fpool + at, n * sizeof(uint32_t));
        out->n += n;
    }
    return 0;
}

/* Normalizes a run of code points >= FOLD_TABLE with nfkc_cf and folds the
 * result. */
static int fold_run(const UChar *s, int32_t n, struct cpbuf *out,
                    struct fold_scratch *sc)
{
    UErrorCode e = U_ZERO_ERROR;
    int32_t m, i = 0;
    if (sc->cap < n * 2 + 16) {
        int32_t cap = n * 2 + 16;
        UChar *u = realloc(sc->u, (size_t)cap * sizeof *u);
        if (!u)
            return -ENOMEM;
        sc->u = u;
        sc->cap = cap;
    }
    m = unorm2_normalize(nfkc_cf, s, n, sc->u, sc->cap, &e);
    if (e == U_BUFFER_OVERFLOW_ERROR) {
        UChar *u = realloc(sc->u, (size_t)(m + 16) * sizeof *u);
        if (!u)
            return -ENOMEM;
        sc->u = u;
        sc->cap = m + 16;
        e = U_ZERO_ERROR;
        m = unorm2_normalize(nfkc_cf, s, n, sc->u, sc->cap, &e);
    }
    if (U_FAILURE(e))
        return -EIO;
    if (cpbuf_reserve(out, (size_t)m) < 0)
        return -ENOMEM;
    while (i < m) {
        UChar32 d;
        U16_NEXT(sc->u, i, m, d);
        if ((uint32_t)d < FOLD_TABLE) {
            if (put_table((uint32_t)d, out) < 0)
                return -ENOMEM;
        } else if (!removable((uint32_t)d) && !U_IS_SURROGATE(d)) {
            out->v[out->n++] = (uint32_t)d;
        }
    }
    return 0;
}

int fold_u16(const UChar *s, int32_t n, struct cpbuf *out,
             struct fold_scratch *sc)
{
    int32_t i = 0;
    if (cpbuf_reserve(out, (size_t)n + 4) < 0)
        return -ENOMEM;
    while (i < n) {
        UChar u = s[i];
        if (u < 0x80) {
            if (out->n == out->cap && cpbuf_reserve(out, 1) < 0)
                return -ENOMEM;
            out->v[out->n++] = (u >= 'A' && u <= 'Z') ? (uint32_t)u + 32u : u;
            i++;
        } else if (u < FOLD_TABLE) {
            if (cpbuf_reserve(out, 1) < 0 || put_table(u, out) < 0)
                return -ENOMEM;
            i++;
        } else {
            int32_t j = i, rc;
            while (j < n && s[j] >= FOLD_TABLE)
                j++;
            rc = fold_run(s + i, j - i, out, sc);
            if (rc < 0)
                return rc;
            i = j;
        }
    }
    return 0;
}
