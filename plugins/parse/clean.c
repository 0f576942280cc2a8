/* Character-level cleaning of decoded text (pint.h): newlines, control
 * characters, invisible characters, spaces, NFC. */
#include "pint.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utf16.h>

/* The control character rule of clean_controls() for the unit c, which
 * lf_next (a line feed follows it) may concern: the code unit to keep, 0
 * to drop it (the CR of a CRLF), or U+FFFD; *bytes counts the input bytes
 * of replaced controls.  Surrogates are left to the caller. */
static inline UChar control(UChar c, int lf_next, UChar nl, int unit_bytes,
                            int utf8, size_t *bytes)
{
    switch (c) {
    case '\n':
    case '\t':
        return c;
    case '\r':
        return lf_next ? 0 : nl; /* CRLF: the LF follows */
    case 0x0B: case 0x0C: case 0x85: case 0x2028: case 0x2029:
        return nl;
    default:
        break;
    }
    if (c < 0x20 || (c >= 0x7F && c < 0xA0)) {
        /* NUL and the other controls are bad bytes. */
        *bytes += unit_bytes ? (size_t)unit_bytes
                  : (utf8 && c >= 0x80) ? 2
                                        : 1;
        return 0xFFFD;
    }
    return c;
}

size_t clean_controls(UChar *u, int32_t *len, int unit_bytes, int utf8,
                      int keep_lines)
{
    int32_t r = 0, w = 0, n = *len;
    size_t bytes = 0;
    UChar nl = keep_lines ? ' ' : '\n';
    while (r < n) {
        UChar c = u[r++];
        if (c >= 0x20 && c < 0x7F) {
            u[w++] = c;
            continue;
        }
        if (U16_IS_SURROGATE(c)) {
            if (U16_IS_LEAD(c) && r < n && U16_IS_TRAIL(u[r])) {
                u[w++] = c;
                u[w++] = u[r++];
            } else {
                u[w++] = 0xFFFD;
            }
            continue;
        }
        c = control(c, r < n && u[r] == '\n', nl, unit_bytes, utf8, &bytes);
        if (c)
            u[w++] = c;
    }
    u[w] = 0;
    *len = w;
    return bytes;
}

int clean_is_invisible(UChar32 c)
{
    if (c < 0xAD)
        return 0;
    switch (c) {
    case 0x00AD: /* soft hyphen */
    case 0x0640: /* Arabic tatweel */
    case 0x180E: /* Mongolian vowel separator */
    case 0x200B: /* zero width space */
    case 0x2060: /* word joiner */
    case 0xFEFF: /* zero width no-break space, stray BOM */
        return 1;
    default:
        break;
    }
    if (c < 0x061C)
        return 0;
    return u_hasBinaryProperty(c, UCHAR_BIDI_CONTROL) ||
           u_hasBinaryProperty(c, UCHAR_JOIN_CONTROL);
}

/* The writer of clean_spaces(): invisible characters out, runs of spaces
 * to one, lines trimmed; and the NFC quick check (UAX #15) of what it
 * writes: every character NFC_Quick_Check=Yes, the combining classes of
 * each run of marks in order. */
typedef struct spacer {
    UChar *u;
    int32_t w;
    int line_start, pending;
    int32_t nfc_from; /* -1 while the quick check holds */
    int32_t starter;  /* where the last character of class 0 starts */
    uint8_t ccc;      /* combining class of the last character */
    uint8_t classes;  /* pclass() of the non-ASCII characters written */
    uint8_t common;   /* and and'ed */
} spacer;

static inline void sp_ascii(spacer *p, UChar c)
{
    if (c == '\n') {
        p->u[p->w++] = '\n';
        p->line_start = 1;
        p->pending = 0;
    } else if (c == ' ' || c == '\t') {
        p->pending = !p->line_start;
        return;
    } else {
        if (p->pending)
            p->u[p->w++] = ' ';
        p->u[p->w++] = c;
        p->pending = p->line_start = 0;
    }
    p->starter = p->w - 1;
    p->ccc = 0;
}

static inline void sp_other(spacer *p, UChar32 c)
{
    uint8_t k = pclass(c);
    if (k & PC_INVISIBLE)
        return;
    if (k & PC_HSPACE) {
        p->pending = !p->line_start;
        return;
    }
    if (p->pending) {
        p->u[p->w++] = ' ';
        p->starter = p->w - 1;
        p->ccc = 0;
    }
    p->classes |= k;
    p->common &= k;
    if (p->nfc_from < 0) {
        if (k & PC_NFC_SAFE) {
            p->starter = p->w;
            p->ccc = 0;
        } else {
            uint8_t cc = (k & PC_NFC_MARK) ? u_getCombiningClass(c) : 0;
            if (!(k & PC_NFC_MARK) || cc < p->ccc)
                p->nfc_from = p->starter;
            p->ccc = cc;
        }
    }
    U16_APPEND_UNSAFE(p->u, p->w, c);
    p->pending = p->line_start = 0;
}

static void sp_end(spacer *p, int32_t *len, pclean *out)
{
    p->u[p->w] = 0;
    *len = p->w;
    if (out) {
        out->nfc_from = p->nfc_from < 0 ? p->w : p->nfc_from;
        out->classes = p->classes;
        out->common = p->common;
    }
}

void clean_spaces(UChar *u, int32_t *len, pclean *out)
{
    spacer p = {u, 0, 1, 0, -1, 0, 0, 0, 0xFF};
    int32_t r = 0, n = *len;
    while (r < n) {
        UChar32 c = u[r];
        if (c < 0x80) {
            r++;
            sp_ascii(&p, (UChar)c);
            continue;
        }
        U16_NEXT(u, r, n, c);
        sp_other(&p, c);
    }
    sp_end(&p, len, out);
}

size_t clean_text(UChar *u, int32_t *len, int unit_bytes, int utf8,
                  pclean *out)
{
    spacer p = {u, 0, 1, 0, -1, 0, 0, 0, 0xFF};
    int32_t r = 0, n = *len;
    size_t bytes = 0;
    while (r < n) {
        UChar32 c = u[r++];
        if (c >= 0x20 && c < 0x7F) {
            sp_ascii(&p, (UChar)c);
            continue;
        }
        if (U16_IS_SURROGATE(c)) {
            if (U16_IS_LEAD(c) && r < n && U16_IS_TRAIL(u[r]))
                c = U16_GET_SUPPLEMENTARY(c, u[r++]);
            else
                c = 0xFFFD;
            sp_other(&p, c);
            continue;
        }
        c = control((UChar)c, r < n && u[r] == '\n', '\n', unit_bytes, utf8,
                    &bytes);
        if (c >= 0x80)
            sp_other(&p, c);
        else if (c)
            sp_ascii(&p, (UChar)c);
    }
    sp_end(&p, len, out);
    return bytes;
}

/* The code point of the well-formed UTF-8 sequence (Unicode table 3-7) at
 * b[*i] (not ASCII), *i moved past it; -1 when it is not one. */
static inline int32_t utf8_next(const unsigned char *b, size_t n, size_t *i)
{
    size_t k = *i;
    uint32_t c = b[k], t1, t2, t3;
    if (c >= 0xC2 && c <= 0xDF) {
        if (k + 1 >= n || ((t1 = b[k + 1]) & 0xC0) != 0x80)
            return -1;
        *i = k + 2;
        return (int32_t)(((c & 0x1F) << 6) | (t1 & 0x3F));
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (k + 2 >= n)
            return -1;
        t1 = b[k + 1];
        t2 = b[k + 2];
        if ((t1 & 0xC0) != 0x80 || (t2 & 0xC0) != 0x80 ||
            (c == 0xE0 && t1 < 0xA0) || (c == 0xED && t1 > 0x9F))
            return -1;
        *i = k + 3;
        return (int32_t)(((c & 0x0F) << 12) | ((t1 & 0x3F) << 6) |
                         (t2 & 0x3F));
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (k + 3 >= n)
            return -1;
        t1 = b[k + 1];
        t2 = b[k + 2];
        t3 = b[k + 3];
        if ((t1 & 0xC0) != 0x80 || (t2 & 0xC0) != 0x80 ||
            (t3 & 0xC0) != 0x80 || (c == 0xF0 && t1 < 0x90) ||
            (c == 0xF4 && t1 > 0x8F))
            return -1;
        *i = k + 4;
        return (int32_t)(((c & 0x07) << 18) | ((t1 & 0x3F) << 12) |
                         ((t2 & 0x3F) << 6) | (t3 & 0x3F));
    }
    return -1;
}

/* 1 when b[i] starts one of the common characters that the cleaning
 * writes as they are (with a space before when one is pending): ASCII
 * letters, digits and punctuation, two-byte letters (Arabic, Greek,
 * Cyrillic, Hebrew) that are not spaces nor invisible and are NFC starters;
 * the character in *cp, its class in *k (PC_FOLD1 for ASCII), its length
 * in *adv. */
static inline int word_char(const unsigned char *b, size_t n, size_t i,
                            int32_t *cp, uint8_t *k, int *adv)
{
    int32_t c = b[i], x;
    uint8_t kk;
    if (c > 0x20 && c < 0x7F) {
        *cp = c;
        *k = PC_FOLD1; /* what pclean needs of ASCII: no PC_DIGIT */
        *adv = 1;
        return 1;
    }
    if (c < 0xC2 || c > 0xDF || i + 1 >= n || (b[i + 1] & 0xC0) != 0x80)
        return 0;
    x = ((c & 0x1F) << 6) | (b[i + 1] & 0x3F);
    kk = ptab[x];
    if (x < 0xA0 ||
        (kk & (PC_INVISIBLE | PC_HSPACE | PC_NFC_SAFE)) != PC_NFC_SAFE)
        return 0;
    *cp = x;
    *k = kk;
    *adv = 2;
    return 1;
}

int clean_utf8(const unsigned char *b, size_t n, UChar **u, int32_t *len,
               size_t *ctrl_bytes, pclean *out)
{
    spacer p = {NULL, 0, 1, 0, -1, 0, 0, 0, 0xFF};
    size_t i = 0, bytes = 0;
    int32_t ulen;
    if (n > INT32_MAX - 1)
        return -E2BIG;
    /* A UTF-8 sequence gives at most one UTF-16 unit per byte. */
    p.u = malloc((n + 1) * sizeof(UChar));
    if (!p.u)
        return -ENOMEM;
    while (i < n) {
        int32_t c, cp;
        uint8_t k;
        int adv;
        if (word_char(b, n, i, &cp, &k, &adv)) {
            /* A run of characters written as they are: what sp_ascii()
             * and sp_other() do for them, with less to decide. */
            if (p.pending)
                p.u[p.w++] = ' ';
            p.pending = p.line_start = 0;
            p.ccc = 0;
            for (;;) {
                p.classes |= k;
                p.common &= k;
                p.starter = p.w;
                p.u[p.w++] = (UChar)cp;
                i += (size_t)adv;
                if (i >= n)
                    break;
                if (word_char(b, n, i, &cp, &k, &adv))
                    continue;
                /* One space between two of them stays as it is. */
                if (b[i] != ' ' || i + 1 >= n ||
                    !word_char(b, n, i + 1, &cp, &k, &adv))
                    break;
                p.u[p.w++] = ' ';
                i++;
            }
            continue;
        }
        c = b[i];
        if (c >= 0x20 && c < 0x7F) {
            i++;
            sp_ascii(&p, (UChar)c);
            continue;
        }
        if (c < 0x80) {
            i++;
            if (c == 0 || c == 0x1B) /* maybe UTF-16, or ISO-2022 */
                goto not_plain;
        } else if ((c = utf8_next(b, n, &i)) < 0) {
            goto not_plain;
        }
        if (c >= 0xA0 && c != 0x2028 && c != 0x2029) {
            sp_other(&p, c);
            continue;
        }
        c = control((UChar)c, i < n && b[i] == '\n', '\n', 0, 1, &bytes);
        if (c >= 0x80)
            sp_other(&p, c);
        else if (c)
            sp_ascii(&p, (UChar)c);
    }
    sp_end(&p, &ulen, out);
    *u = p.u;
    *len = ulen;
    *ctrl_bytes = bytes;
    return 0;
not_plain:
    free(p.u);
    return 1;
}

int clean_nfc(ubuf *b, int32_t from)
{
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *nfc;
    int32_t span, cap;
    if (!b->s || !b->len || from >= b->len)
        return 0;
    if (from < 0)
        from = 0;
    nfc = unorm2_getNFCInstance(&e);
    if (U_FAILURE(e))
        return -EINVAL;
    /* b->s[0..from) is NFC and ends before a starter: a boundary. */
    span = from + unorm2_spanQuickCheckYes(nfc, b->s + from, b->len - from, &e);
    if (U_FAILURE(e))
        return -EINVAL;
    if (span == b->len)
        return 0;
    cap = b->len + (b->len - span) / 2 + 16;
    for (;;) {
        int32_t got;
        UChar *o;
        if (cap < 0 || cap > INT32_MAX / 2)
            return -E2BIG;
        o = malloc((size_t)cap * sizeof(UChar));
        if (!o)
            return -ENOMEM;
        memcpy(o, b->s, (size_t)span * sizeof(UChar));
        e = U_ZERO_ERROR;
        got = unorm2_normalizeSecondAndAppend(nfc, o, span, cap, b->s + span,
                                              b->len - span, &e);
        if (e == U_BUFFER_OVERFLOW_ERROR || (U_SUCCESS(e) && got >= cap)) {
            free(o);
            cap = got + 16;
            continue;
        }
        if (U_FAILURE(e)) {
            free(o);
            return -EINVAL;
        }
        o[got] = 0;
        free(b->s);
        b->s = o;
        b->len = got;
        b->cap = cap;
        return 0;
    }
}
