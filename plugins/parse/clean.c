/* Character-level cleaning of decoded text (pint.h): newlines, control
 * characters, invisible characters, spaces, NFC. */
#include "pint.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utf16.h>

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
        switch (c) {
        case '\n':
        case '\t':
            u[w++] = c;
            continue;
        case '\r':
            if (r < n && u[r] == '\n')
                continue; /* CRLF: the LF follows */
            u[w++] = nl;
            continue;
        case 0x0B: case 0x0C: case 0x85: case 0x2028: case 0x2029:
            u[w++] = nl;
            continue;
        default:
            break;
        }
        if (c < 0x20 || (c >= 0x7F && c < 0xA0)) {
            /* NUL and the other controls are bad bytes. */
            bytes += unit_bytes ? (size_t)unit_bytes
                     : (utf8 && c >= 0x80) ? 2
                                           : 1;
            u[w++] = 0xFFFD;
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

void clean_spaces(UChar *u, int32_t *len)
{
    int32_t r = 0, w = 0, n = *len;
    int line_start = 1, pending = 0;
    while (r < n) {
        UChar32 c = u[r];
        uint8_t k;
        if (c < 0x80) {
            r++;
            if (c == '\n') {
                u[w++] = '\n';
                line_start = 1;
                pending = 0;
            } else if (c == ' ' || c == '\t') {
                pending = !line_start;
            } else {
                if (pending)
                    u[w++] = ' ';
                u[w++] = (UChar)c;
                pending = line_start = 0;
            }
            continue;
        }
        U16_NEXT(u, r, n, c);
        k = pclass(c);
        if (k & PC_INVISIBLE)
            continue;
        if (k & PC_HSPACE) {
            pending = !line_start;
            continue;
        }
        if (pending)
            u[w++] = ' ';
        U16_APPEND_UNSAFE(u, w, c);
        pending = line_start = 0;
    }
    u[w] = 0;
    *len = w;
}

int clean_nfc(ubuf *b)
{
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *nfc = unorm2_getNFCInstance(&e);
    int32_t span, cap;
    if (U_FAILURE(e))
        return -EINVAL;
    if (!b->s || !b->len)
        return 0;
    span = unorm2_spanQuickCheckYes(nfc, b->s, b->len, &e);
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
