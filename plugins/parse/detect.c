/*
 * Charset detection and decoding to UTF-16 (the order and the reasons are
 * in parse.h).  Candidates are decoded on a sample of the document and
 * scored; the winner decodes the whole document.
 */
#include "langs.h"
#include "pint.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#define SAMPLE_MAX (32 * 1024)    /* decoded and scored per candidate */
#define UCSDET_SAMPLE (16 * 1024) /* given to ucsdet */
#define MAX_CANDIDATES 24
#define MAX_WORD_LETTERS 30

/* The legacy charsets inboxd supports, tried on every non-UTF document, in
 * order of preference when they decode a sample to the same text (the
 * windows-125x supersets first). */
static const char *const fixed_candidates[] = {
    "windows-1252", "windows-1256", "windows-1253", "windows-1258",
    "ISO-8859-6",   "ISO-8859-7",
    /* and those of the other languages with profiles (Turkish, Russian,
     * Ukrainian, Bulgarian), so that a profile's stop words never make a
     * near miss look right and skip ucsdet */
    "windows-1254", "windows-1251", "KOI8-R", NULL};

/* A subset charset passes its ucsdet confidence on to its superset, so
 * that identical decodings tie and the superset wins. */
static const char *superset_of(const char *cs)
{
    if (!strcmp(cs, "ISO-8859-1"))
        return "windows-1252";
    if (!strcmp(cs, "ISO-8859-6"))
        return "windows-1256";
    if (!strcmp(cs, "ISO-8859-7"))
        return "windows-1253";
    if (!strcmp(cs, "ISO-8859-8") || !strcmp(cs, "ISO-8859-8-I"))
        return "windows-1255";
    if (!strcmp(cs, "ISO-8859-9"))
        return "windows-1254";
    if (!strcmp(cs, "ISO-8859-2"))
        return "windows-1250"; /* not a superset, but the usual mix-up */
    return NULL;
}

/* --- decoding with a count of bad bytes ---------------------------------- */

struct cb_count {
    size_t bad;
};

static void count_cb(const void *context, UConverterToUnicodeArgs *args,
                     const char *units, int32_t length,
                     UConverterCallbackReason reason, UErrorCode *err)
{
    static const UChar sub = 0xFFFD;
    struct cb_count *c = (struct cb_count *)context;
    (void)units;
    if (reason > UCNV_IRREGULAR)
        return;
    c->bad += (size_t)length;
    *err = U_ZERO_ERROR;
    ucnv_cbToUWriteUChars(args, &sub, 1, 0, err);
}

/* The name to report: MIME, else IANA, else ICU's. */
static void display_name(UConverter *cnv, const char *alias, char *out,
                         size_t len)
{
    UErrorCode e = U_ZERO_ERROR;
    const char *in = ucnv_getName(cnv, &e), *s = NULL;
    if (U_SUCCESS(e)) {
        UErrorCode e2 = U_ZERO_ERROR;
        s = ucnv_getStandardName(in, "MIME", &e2);
        if (!s || U_FAILURE(e2)) {
            e2 = U_ZERO_ERROR;
            s = ucnv_getStandardName(in, "IANA", &e2);
            if (U_FAILURE(e2))
                s = NULL;
        }
    }
    snprintf(out, len, "%s", s ? s : alias);
}

/* Decodes b[0..n) with charset cs.  flush 0: a sample, whose cut last
 * character is not an error.  *u is malloc'd.  Returns 0, -EINVAL (unknown
 * charset), -ENOMEM or -E2BIG. */
static int decode_with(const char *cs, const unsigned char *b, size_t n,
                       int flush, UChar **u, int32_t *ulen, size_t *bad,
                       int *unit_bytes, char *name, size_t namelen)
{
    UErrorCode e = U_ZERO_ERROR;
    UConverter *cnv = ucnv_open(cs, &e);
    struct cb_count cc = {0};
    const char *src = (const char *)b, *lim = (const char *)b + n;
    UChar *out = NULL;
    size_t cap = n + 16, used = 0;
    int rc = 0;

    if (U_FAILURE(e))
        return -EINVAL;
    ucnv_setToUCallBack(cnv, count_cb, &cc, NULL, NULL, &e);
    if (U_FAILURE(e)) {
        rc = -EINVAL;
        goto out;
    }
    for (;;) {
        UChar *t, *tlim;
        UChar *no;
        if (cap >= INT32_MAX) {
            rc = -E2BIG;
            goto out;
        }
        no = realloc(out, cap * sizeof(UChar));
        if (!no) {
            rc = -ENOMEM;
            goto out;
        }
        out = no;
        t = out + used;
        tlim = out + cap - 1;
        e = U_ZERO_ERROR;
        ucnv_toUnicode(cnv, &t, tlim, &src, lim, NULL, (UBool)flush, &e);
        used = (size_t)(t - out);
        if (e == U_BUFFER_OVERFLOW_ERROR) {
            cap = cap * 2;
            continue;
        }
        if (U_FAILURE(e)) {
            rc = -EINVAL;
            goto out;
        }
        break;
    }
    out[used] = 0;
    *u = out;
    out = NULL;
    *ulen = (int32_t)used;
    *bad = cc.bad;
    if (unit_bytes) {
        int8_t mx = ucnv_getMaxCharSize(cnv);
        UConverterType t = ucnv_getType(cnv);
        *unit_bytes = (t == UCNV_UTF16_BigEndian || t == UCNV_UTF16_LittleEndian ||
                       t == UCNV_UTF16)
                          ? 2
                      : (t == UCNV_UTF32_BigEndian ||
                         t == UCNV_UTF32_LittleEndian || t == UCNV_UTF32)
                          ? 4
                      : mx == 1 ? 1
                                : 0;
    }
    if (name)
        display_name(cnv, cs, name, namelen);
out:
    free(out);
    ucnv_close(cnv);
    return rc;
}

/* --- scoring a candidate decoding -------------------------------------- */

typedef struct pscore {
    double score;
    size_t good;     /* non-ASCII letters and marks */
    size_t bad;      /* U+FFFD, controls, unassigned, private use */
    size_t odd;      /* script changes inside a word, symbols inside words */
    size_t nonascii; /* non-ASCII characters */
    size_t hits;     /* stop words */
    size_t words;
    size_t chars;
    uint64_t hash; /* of the decoded sample: equal hashes, same text */
} pscore;

static int is_bad_char(UChar32 c)
{
    int8_t t;
    if (c < 0x20)
        return !(c == '\t' || c == '\n' || c == '\r' || c == 0x0B ||
                 c == 0x0C);
    if (c < 0x7F)
        return 0;
    if (c == 0x7F || c == 0xFFFD)
        return 1;
    t = u_charType(c);
    if (t == U_CONTROL_CHAR)
        return c != 0x85;
    return t == U_UNASSIGNED || t == U_PRIVATE_USE_CHAR || t == U_SURROGATE;
}

static void score_text(const plangs *langs, const UChar *u, int32_t n,
                       pscore *s)
{
    UChar word[48];
    int32_t wl = 0, i = 0;
    int wscript = -1;     /* script of the current word, -1: none yet */
    int prev_letter = 0;  /* the previous character was a letter */
    int pending_sym = 0;  /* a symbol followed a letter */
    int prev_lower = 0;   /* the previous letter was lower case: 1 ASCII,
                             2 non-ASCII */
    int32_t spaced = 0;   /* letters of the word in scripts written with
                             spaces between words */
    memset(s, 0, sizeof *s);
    while (i < n) {
        UChar32 c;
        int letter = 0;
        U16_NEXT(u, i, n, c);
        s->chars++;
        if (c < 0x80) {
            if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
                letter = 1;
                if (wscript >= 0 && wscript != USCRIPT_LATIN)
                    s->odd++;
                wscript = USCRIPT_LATIN;
                /* "éA": a capital after a non-ASCII small letter */
                if (c <= 'Z' && prev_lower == 2)
                    s->odd++;
                prev_lower = c >= 'a' ? 1 : 0;
                spaced++; /* (ASCII alone is never odd: every candidate
                             decodes it the same) */
            } else if (c >= '0' && c <= '9') {
                prev_letter = 0;
                pending_sym = 0;
                continue;
            } else if (is_bad_char(c)) {
                s->bad++;
            }
        } else {
            int8_t t;
            s->nonascii++;
            if (is_bad_char(c)) {
                s->bad++;
                t = U_UNASSIGNED;
            } else {
                t = u_charType(c);
            }
            if ((t >= U_UPPERCASE_LETTER && t <= U_OTHER_LETTER) ||
                (t >= U_NON_SPACING_MARK && t <= U_COMBINING_SPACING_MARK)) {
                UErrorCode e = U_ZERO_ERROR;
                int sc = uscript_getScript(c, &e);
                letter = 1;
                s->good++;
                if (sc != USCRIPT_COMMON && sc != USCRIPT_INHERITED) {
                    if (wscript >= 0 && wscript != sc)
                        s->odd++;
                    wscript = sc;
                }
                /* A capital right after a small letter ("σΆ") is rare in
                 * real words and common in mis-decoded ones. */
                if (t == U_UPPERCASE_LETTER && prev_lower)
                    s->odd++;
                if (t != U_NON_SPACING_MARK && t != U_ENCLOSING_MARK &&
                    t != U_COMBINING_SPACING_MARK) {
                    int lb = u_getIntPropertyValue(c, UCHAR_LINE_BREAK);
                    prev_lower = t == U_LOWERCASE_LETTER ? 2 : 0;
                    if (lb != U_LB_IDEOGRAPHIC && lb != U_LB_COMPLEX_CONTEXT &&
                        lb != U_LB_CONDITIONAL_JAPANESE_STARTER &&
                        lb != U_LB_H2 && lb != U_LB_H3 && lb != U_LB_JL &&
                            lb != U_LB_JV && lb != U_LB_JT &&
                        ++spaced > MAX_WORD_LETTERS)
                        s->odd++; /* no real word has 30 letters */
                }
            } else if (t != U_UNASSIGNED && !u_isUWhiteSpace(c) &&
                       (prev_letter || pending_sym)) {
                /* Symbols after a letter: odd if a letter follows. */
                pending_sym = 1;
                prev_letter = 0;
                continue;
            }
        }
        if (letter) {
            if (pending_sym)
                s->odd++;
            pending_sym = 0;
            prev_letter = 1;
            if (wl < 48) {
                if (U_IS_BMP(c))
                    word[wl++] = (UChar)c;
                else
                    wl = 48; /* never a stop word */
            }
            continue;
        }
        /* A word ends. */
        s->words += wl > 0;
        if (wl > 0 && wl < 48 && langs_lookup(langs, word, wl))
            s->hits++;
        wl = 0;
        prev_lower = 0;
        spaced = 0;
        wscript = -1;
        prev_letter = 0;
        pending_sym = 0;
    }
    s->words += wl > 0;
    if (wl > 0 && wl < 48 && langs_lookup(langs, word, wl))
        s->hits++;
    s->score = (double)s->good - 6.0 * (double)s->bad - 4.0 * (double)s->odd +
               3.0 * (double)s->hits;
    s->hash = 1469598103934665603ull;
    for (int32_t k = 0; k < n; k++) {
        s->hash ^= u[k];
        s->hash *= 1099511628211ull;
    }
}

/* --- candidates ------------------------------------------------------------ */

struct cand {
    char name[48];
    int conf; /* ucsdet's (or a declared charset's) confidence */
};

/* The best total among the candidates that decode the sample to another
 * text than the best one does (a subset and its superset often decode it
 * the same); -1e300 when there is none. */
static double runner_up(const pscore *sc, const double *total,
                        const int *valid, int nc, int best)
{
    double second = -1e300;
    for (int i = 0; i < nc; i++)
        if (valid[i] && i != best && sc[i].hash != sc[best].hash &&
            total[i] > second)
            second = total[i];
    return second;
}

static int cand_add(struct cand *c, int *n, const char *name, int conf)
{
    for (int i = 0; i < *n; i++) {
        if (!strcasecmp(c[i].name, name)) {
            if (conf > c[i].conf)
                c[i].conf = conf;
            return i;
        }
    }
    if (*n >= MAX_CANDIDATES)
        return -1;
    snprintf(c[*n].name, sizeof c[*n].name, "%s", name);
    c[*n].conf = conf;
    return (*n)++;
}

/* UTF-16 without BOM: one byte of each pair (the high byte) takes few
 * values (a script block and ASCII), the other many.  Returns 1 for LE,
 * 2 for BE, 0 for neither. */
static int utf16_pattern(const unsigned char *b, size_t n)
{
    size_t h[2][256] = {{0}}, m = n & ~(size_t)1, pairs;
    double top[2];
    if (m < 4)
        return 0;
    for (size_t i = 0; i < m; i++)
        h[i & 1][b[i]]++;
    pairs = m / 2;
    for (int p = 0; p < 2; p++) {
        size_t t1 = 0, t2 = 0, t3 = 0;
        for (int v = 0; v < 256; v++) {
            size_t k = h[p][v];
            if (k > t1) {
                t3 = t2;
                t2 = t1;
                t1 = k;
            } else if (k > t2) {
                t3 = t2;
                t2 = k;
            } else if (k > t3) {
                t3 = k;
            }
        }
        top[p] = (double)(t1 + t2 + t3) / (double)pairs;
    }
    if (top[1] >= 0.85 && top[0] <= top[1] - 0.25)
        return 1; /* high bytes at odd offsets: little endian */
    if (top[0] >= 0.85 && top[1] <= top[0] - 0.25)
        return 2;
    return 0;
}

/* The charset an HTML page declares in its first bytes, or 0. */
static int html_declared(const unsigned char *b, size_t n, char *out,
                         size_t len)
{
    size_t i = 0, lim = n < 4096 ? n : 4096;
    while (i < lim && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' ||
                       b[i] == '\n'))
        i++;
    if (i >= lim || b[i] != '<')
        return 0;
    for (; i + 8 < lim; i++) {
        size_t k = 0, j;
        if (strncasecmp((const char *)b + i, "charset=", 8))
            continue;
        j = i + 8;
        while (j < lim && (b[j] == '"' || b[j] == '\'' || b[j] == ' '))
            j++;
        while (j < lim && k + 1 < len &&
               ((b[j] >= 'a' && b[j] <= 'z') || (b[j] >= 'A' && b[j] <= 'Z') ||
                (b[j] >= '0' && b[j] <= '9') || b[j] == '-' || b[j] == '_' ||
                b[j] == '.' || b[j] == ':'))
            out[k++] = (char)b[j++];
        out[k] = '\0';
        return k > 0;
    }
    return 0;
}

static void set_out(pdecoded *out, UChar *u, int32_t len, const char *name,
                    int conf, size_t bad, int unit_bytes, int utf8)
{
    out->u = u;
    out->len = len;
    snprintf(out->charset, sizeof out->charset, "%s", name);
    out->confidence = conf < 0 ? 0 : conf > 100 ? 100 : conf;
    out->bad_bytes = bad;
    out->unit_bytes = unit_bytes;
    out->utf8 = utf8;
}

static int decode_full(const char *cs, const unsigned char *b, size_t n,
                       int conf, pdecoded *out, char *err, size_t errlen)
{
    UChar *u = NULL;
    int32_t len = 0;
    size_t bad = 0;
    int ub = 0, rc;
    char name[48];
    rc = decode_with(cs, b, n, 1, &u, &len, &bad, &ub, name, sizeof name);
    if (rc < 0) {
        perr(err, errlen, "cannot decode as %s: %s", cs,
             rc == -ENOMEM ? "out of memory" : "converter error");
        return rc;
    }
    set_out(out, u, len, name, conf, bad, ub, !strcmp(name, "UTF-8"));
    return 0;
}

/* Strict UTF-8 scan: invalid bytes, valid multi-byte sequences, NUL
 * bytes, and whether ESC occurs (ISO-2022). */
struct u8scan {
    size_t invalid;
    size_t multi;
    size_t nul;
    int esc;
};

static void utf8_scan(const unsigned char *s, int32_t n, struct u8scan *r)
{
    int32_t i = 0;
    memset(r, 0, sizeof *r);
    while (i < n) {
        UChar32 c;
        int32_t start;
        /* ASCII runs without NUL or ESC, eight bytes at a time. */
        while (i + 8 <= n) {
            uint64_t w, z, x;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            z = (w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull;
            x = w ^ 0x1B1B1B1B1B1B1B1Bull;
            x = (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
            if (z || x)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        if (s[i] < 0x80) {
            if (s[i] == 0x1B)
                r->esc = 1;
            else if (s[i] == 0)
                r->nul++;
            i++;
            continue;
        }
        start = i;
        U8_NEXT(s, i, n, c);
        if (c < 0)
            r->invalid += (size_t)(i - start);
        else
            r->multi++;
    }
}

static int decode_utf8(const unsigned char *b, size_t n, size_t invalid,
                       int conf, pdecoded *out, char *err, size_t errlen)
{
    UErrorCode e = U_ZERO_ERROR;
    int32_t len = 0, nsub = 0;
    UChar *u = malloc(((size_t)n + 1) * sizeof(UChar));
    if (!u) {
        perr(err, errlen, "out of memory");
        return -ENOMEM;
    }
    u_strFromUTF8WithSub(u, (int32_t)n + 1, &len, (const char *)b,
                         (int32_t)n, 0xFFFD, &nsub, &e);
    if (U_FAILURE(e)) {
        free(u);
        perr(err, errlen, "cannot decode UTF-8: %s", u_errorName(e));
        return -EINVAL;
    }
    u[len] = 0;
    /* nsub counts invalid sequences: enough to tell valid from not when
     * the caller did not count the bytes. */
    set_out(out, u, len, "UTF-8", conf, invalid ? invalid : (size_t)nsub, 0,
            1);
    return 0;
}

static int forced_charset(parse_ctx *ctx, const char *name, const char **cs)
{
    const char *base;
    if (!name)
        return 0;
    base = strrchr(name, '/');
    base = base ? base + 1 : name;
    for (size_t i = 0; i < ctx->n_rules; i++) {
        if (!fnmatch(ctx->rules[i].pattern, name, 0) ||
            !fnmatch(ctx->rules[i].pattern, base, 0)) {
            *cs = ctx->rules[i].charset;
            return 1;
        }
    }
    return 0;
}

/* Runs ucsdet on the sample and adds its guesses. */
static void add_ucsdet(pws *ws, const unsigned char *b, size_t n, int html,
                       struct cand *c, int *nc)
{
    UErrorCode e = U_ZERO_ERROR;
    const UCharsetMatch **m;
    int32_t k = 0;
    ucsdet_enableInputFilter(ws->csd, (UBool)html);
    ucsdet_setText(ws->csd, (const char *)b, (int32_t)n, &e);
    m = ucsdet_detectAll(ws->csd, &k, &e);
    if (U_FAILURE(e))
        return;
    for (int32_t i = 0; i < k; i++) {
        UErrorCode e2 = U_ZERO_ERROR;
        const char *name = ucsdet_getName(m[i], &e2);
        int conf = ucsdet_getConfidence(m[i], &e2);
        const char *sup;
        if (U_FAILURE(e2) || !name || conf < 10)
            continue;
        /* EBCDIC and the UTFs are handled elsewhere. */
        if (!strncmp(name, "IBM4", 4) || !strncmp(name, "UTF-", 4))
            continue;
        cand_add(c, nc, name, conf);
        if ((sup = superset_of(name)))
            cand_add(c, nc, sup, conf);
    }
    ucsdet_enableInputFilter(ws->csd, 0);
}

int detect_utf8_first(parse_ctx *ctx, const unsigned char *b, size_t n,
                      const char *name)
{
    const char *forced;
    /* Steps 1 and 2 of detect_decode(). */
    if ((n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) ||
        (n >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF) ||
        (n >= 2 && ((b[0] == 0xFE && b[1] == 0xFF) ||
                    (b[0] == 0xFF && b[1] == 0xFE))))
        return 0;
    return !forced_charset(ctx, name, &forced);
}

int detect_decode(parse_ctx *ctx, pws *ws, const unsigned char *b, size_t n,
                  const char *name, pdecoded *out, char *err, size_t errlen)
{
    struct cand c[MAX_CANDIDATES];
    double total[MAX_CANDIDATES];
    pscore sc[MAX_CANDIDATES];
    int valid[MAX_CANDIDATES] = {0};
    int nc = 0, best = -1, u16, scored = 0, esc_only = 0;
    size_t sn = n < SAMPLE_MAX ? n : SAMPLE_MAX;
    double second = -1e300;
    struct u8scan r;
    const char *forced;
    char declared[40];
    int rc, html;

    memset(out, 0, sizeof *out);
    /* 1. A byte order mark. */
    if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        utf8_scan(b + 3, (int32_t)(n - 3), &r);
        return decode_utf8(b + 3, n - 3, r.invalid, 100, out, err, errlen);
    }
    if (n >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF)
        return decode_full("UTF-32BE", b + 4, n - 4, 100, out, err, errlen);
    if (n >= 4 && b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0 &&
        n % 4 == 0)
        return decode_full("UTF-32LE", b + 4, n - 4, 100, out, err, errlen);
    if (n >= 2 && b[0] == 0xFE && b[1] == 0xFF)
        return decode_full("UTF-16BE", b + 2, n - 2, 100, out, err, errlen);
    if (n >= 2 && b[0] == 0xFF && b[1] == 0xFE)
        return decode_full("UTF-16LE", b + 2, n - 2, 100, out, err, errlen);

    /* 2. A charset the configuration forces for this name. */
    if (forced_charset(ctx, name, &forced))
        return decode_full(forced, b, n, 100, out, err, errlen);

    /* 3. Valid UTF-8 without NUL bytes (NULs may mean UTF-16) and
     * without ESC (ISO-2022): the common case, in one fast pass. */
    if (!memchr(b, 0, n) && !memchr(b, 0x1B, n)) {
        rc = decode_utf8(b, n, 0, 100, out, err, errlen);
        if (rc < 0 || out->bad_bytes == 0)
            return rc;
        free(out->u);
        memset(out, 0, sizeof *out);
    }
    utf8_scan(b, (int32_t)n, &r);

    /* 4. UTF-16 without BOM when its byte pattern is clear; else UTF-8
     * when valid (NULs become U+FFFD) or when its bad bytes are few. */
    u16 = utf16_pattern(b, sn);
    if (u16) {
        cand_add(c, &nc, u16 == 1 ? "UTF-16LE" : "UTF-16BE", 60);
    } else {
        if (r.invalid == 0 && !r.esc)
            return decode_utf8(b, n, 0, 100, out, err, errlen);
        if (r.invalid > 0 && r.multi >= r.invalid)
            return decode_utf8(b, n, r.invalid,
                               (int)(100.0 * (double)r.multi /
                                     (double)(r.multi + r.invalid)),
                               out, err, errlen);
    }

    /* 5. Everything else: decode a sample with each candidate and score. */
    html = html_declared(b, n, declared, sizeof declared);
    if (html) {
        UErrorCode e = U_ZERO_ERROR;
        UConverter *cnv = ucnv_open(declared, &e);
        if (U_SUCCESS(e) && strncasecmp(declared, "utf", 3))
            cand_add(c, &nc, declared, 60);
        ucnv_close(cnv);
    }
    for (int i = 0; fixed_candidates[i]; i++)
        cand_add(c, &nc, fixed_candidates[i], 0);
    if (r.esc && r.invalid == 0 && !u16)
        esc_only = 1;

    /* Score the candidates; ucsdet (slow: n-grams for every 8-bit
     * charset) only when none of ours is clearly right: plausible and
     * speaking a language of the profiles. */
    for (int pass = 0; pass < 2; pass++) {
        int from = pass ? scored : 0;
        if (pass) {
            double margin = best < 0 ? 0 : total[best] - runner_up(sc, total, valid, nc, best);
            int ok = best >= 0 && !esc_only &&
                     sc[best].hits * 20 >= sc[best].words &&
                     sc[best].hits >= 3 &&
                     (sc[best].bad + sc[best].odd) * 50 <=
                         (sc[best].nonascii ? sc[best].nonascii : 1) &&
                     margin >= 3.0;
            if (ok)
                break;
            add_ucsdet(ws, b, sn < UCSDET_SAMPLE ? sn : UCSDET_SAMPLE, html,
                       c, &nc);
            if (esc_only) {
                /* 7-bit with escapes: an ISO-2022 charset, or UTF-8. */
                int any = 0;
                for (int i = 0; i < nc; i++)
                    any |= !strncmp(c[i].name, "ISO-2022", 8) &&
                           c[i].conf >= 30;
                if (!any)
                    return decode_utf8(b, n, 0, 100, out, err, errlen);
            }
        }
        for (int i = from; i < nc; i++) {
            UChar *u = NULL;
            int32_t len = 0;
            size_t bad = 0;
            valid[i] = 0;
            rc = decode_with(c[i].name, b, sn, sn == n, &u, &len, &bad,
                             NULL, NULL, 0);
            if (rc == -ENOMEM) {
                perr(err, errlen, "out of memory");
                return rc;
            }
            if (rc < 0)
                continue;
            score_text(ctx->langs, u, len, &sc[i]);
            free(u);
            valid[i] = 1;
        }
        /* ucsdet's opinion weighs 5% of the non-ASCII characters; it may
         * have raised the confidence of a candidate of the first pass. */
        best = -1;
        for (int i = 0; i < nc; i++) {
            total[i] = -1e300;
            if (!valid[i])
                continue;
            total[i] = sc[i].score +
                       0.05 * (double)sc[i].nonascii * c[i].conf / 100.0;
            if (best < 0 || total[i] > total[best])
                best = i;
        }
        scored = nc;
    }
    if (best >= 0)
        second = runner_up(sc, total, valid, nc, best);

    /* 6. Plausible text?  Otherwise read the bytes as UTF-8. */
    if (best >= 0) {
        pscore *s = &sc[best];
        double na = (double)(s->nonascii ? s->nonascii : 1);
        double implausible = (double)(s->bad + s->odd) / na;
        double badfrac = (double)s->bad / (double)(s->chars ? s->chars : 1);
        if (implausible <= 0.30 && badfrac <= ctx->max_undecodable) {
            double margin = second < -1e299
                                ? 1
                                : (total[best] - second) / (0.1 * na);
            int conf;
            if (margin > 1)
                margin = 1;
            conf = (int)(100.0 * (1.0 - implausible) * (0.6 + 0.4 * margin));
            if (c[best].conf > conf)
                conf = c[best].conf;
            return decode_full(c[best].name, b, n, conf, out, err, errlen);
        }
    }
    return decode_utf8(b, n, r.invalid,
                       (int)(100.0 * (1.0 - (double)r.invalid / (double)n)),
                       out, err, errlen);
}
