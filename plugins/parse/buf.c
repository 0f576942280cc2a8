/* Growable UTF-16 and UTF-8 buffers, and small string helpers. */
#include "pint.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

int ubuf_reserve(ubuf *b, int64_t extra)
{
    int64_t need = (int64_t)b->len + extra + 1;
    int64_t cap;
    UChar *ns;
    if (extra < 0 || need > INT32_MAX)
        return -E2BIG;
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    if (cap > INT32_MAX)
        cap = INT32_MAX;
    ns = realloc(b->s, (size_t)cap * sizeof(UChar));
    if (!ns)
        return -ENOMEM;
    b->s = ns;
    b->cap = (int32_t)cap;
    return 0;
}

int ubuf_append(ubuf *b, const UChar *s, int32_t n)
{
    int rc;
    if (n <= 0) {
        if (!b->s && (rc = ubuf_reserve(b, 0)) < 0)
            return rc;
        b->s[b->len] = 0;
        return 0;
    }
    if ((rc = ubuf_reserve(b, n)) < 0)
        return rc;
    memcpy(b->s + b->len, s, (size_t)n * sizeof(UChar));
    b->len += n;
    b->s[b->len] = 0;
    return 0;
}

int ubuf_append_c(ubuf *b, UChar32 c)
{
    UChar tmp[2];
    int32_t i = 0;
    UBool err = 0;
    U16_APPEND(tmp, i, 2, c, err);
    if (err)
        return -EINVAL;
    return ubuf_append(b, tmp, i);
}

int ubuf_append_utf8(ubuf *b, const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    int32_t i = 0, len;
    int rc;
    if (n > INT32_MAX / 2)
        return -E2BIG;
    len = (int32_t)n;
    if ((rc = ubuf_reserve(b, len)) < 0)
        return rc;
    /* Every UTF-8 byte gives at most one UTF-16 unit. */
    while (i < len) {
        UChar32 c;
        U8_NEXT(p, i, len, c);
        if (c < 0)
            c = 0xFFFD;
        U16_APPEND_UNSAFE(b->s, b->len, c);
    }
    b->s[b->len] = 0;
    return 0;
}

void ubuf_free(ubuf *b)
{
    if (!b)
        return;
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

int sbuf_reserve(sbuf *b, size_t extra)
{
    size_t need = b->len + extra + 1, cap;
    char *ns;
    if (need < b->len)
        return -E2BIG;
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 128;
    while (cap < need) {
        if (cap > SIZE_MAX / 2)
            return -E2BIG;
        cap *= 2;
    }
    ns = realloc(b->s, cap);
    if (!ns)
        return -ENOMEM;
    b->s = ns;
    b->cap = cap;
    return 0;
}

int sbuf_append(sbuf *b, const char *s, size_t n)
{
    int rc = sbuf_reserve(b, n);
    if (rc < 0)
        return rc;
    if (n)
        memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
    return 0;
}

int sbuf_append_u(sbuf *b, const UChar *s, int32_t n)
{
    int rc;
    int32_t i = 0;
    if (n < 0)
        return -EINVAL;
    /* One UTF-16 unit gives at most three UTF-8 bytes. */
    if ((rc = sbuf_reserve(b, (size_t)n * 3)) < 0)
        return rc;
    while (i < n) {
        UChar32 c = s[i];
        if (c < 0x80) {
            b->s[b->len++] = (char)c;
            i++;
            continue;
        }
        U16_NEXT(s, i, n, c);
        if (U_IS_SURROGATE(c))
            c = 0xFFFD;
        U8_APPEND_UNSAFE((uint8_t *)b->s, b->len, c);
    }
    b->s[b->len] = '\0';
    return 0;
}

void sbuf_free(sbuf *b)
{
    if (!b)
        return;
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

char *u_to_utf8_dup(const UChar *s, int32_t n)
{
    sbuf b = {0};
    if (sbuf_append_u(&b, s, n) < 0) {
        sbuf_free(&b);
        return NULL;
    }
    if (!b.s)
        return strdup("");
    return b.s;
}

void str_copy(char *dst, size_t cap, const char *src)
{
    size_t k = src ? strlen(src) : 0;
    if (!cap)
        return;
    if (k >= cap)
        k = cap - 1;
    memcpy(dst, src, k);
    dst[k] = '\0';
}

void perr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || !errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}
