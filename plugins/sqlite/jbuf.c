#include "jbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jb_free(struct jbuf *b)
{
    if (!b)
        return;
    free(b->s);
    memset(b, 0, sizeof *b);
}

void jb_reset(struct jbuf *b)
{
    b->len = 0;
    b->failed = 0;
    if (b->s)
        b->s[0] = '\0';
}

/* Room for n more bytes and the NUL. */
static int room(struct jbuf *b, size_t n)
{
    size_t cap;
    char *s;
    if (b->failed)
        return 0;
    if (b->len + n + 1 <= b->cap)
        return 1;
    if (n > ((size_t)-1) / 4 - b->len) {
        b->failed = 1;
        return 0;
    }
    cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
        cap *= 2;
    s = realloc(b->s, cap);
    if (!s) {
        b->failed = 1;
        return 0;
    }
    b->s = s;
    b->cap = cap;
    return 1;
}

void jb_raw(struct jbuf *b, const char *s, size_t n)
{
    if (!room(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void jb_cstr(struct jbuf *b, const char *s) { jb_raw(b, s, strlen(s)); }

void jb_char(struct jbuf *b, char c) { jb_raw(b, &c, 1); }

void jb_int(struct jbuf *b, int64_t v)
{
    char t[24];
    int n = snprintf(t, sizeof t, "%lld", (long long)v);
    jb_raw(b, t, (size_t)n);
}

void jb_real(struct jbuf *b, double v)
{
    char t[40];
    int n;
    if (!isfinite(v)) {
        jb_raw(b, "null", 4);
        return;
    }
    n = snprintf(t, sizeof t, "%.17g", v);
    /* "1" would read back as an integer: keep it a real */
    if (!strpbrk(t, ".eE") && n < (int)sizeof t - 2) {
        t[n++] = '.';
        t[n++] = '0';
    }
    jb_raw(b, t, (size_t)n);
}

void jb_jstr(struct jbuf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *run;
    if (!s) {
        jb_raw(b, "null", 4);
        return;
    }
    jb_char(b, '"');
    for (run = p; *p; p++) {
        char esc[6];
        size_t n = 2;
        if (*p >= 0x20 && *p != '"' && *p != '\\')
            continue;
        jb_raw(b, (const char *)run, (size_t)(p - run));
        run = p + 1;
        esc[0] = '\\';
        switch (*p) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\t': esc[1] = 't'; break;
        case '\r': esc[1] = 'r'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[*p >> 4];
            esc[5] = hex[*p & 15];
            n = 6;
        }
        jb_raw(b, esc, n);
    }
    jb_raw(b, (const char *)run, (size_t)(p - run));
    jb_char(b, '"');
}

void jb_hex64(struct jbuf *b, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    char t[16];
    for (int i = 15; i >= 0; i--, v >>= 4)
        t[i] = hex[v & 15];
    jb_raw(b, t, 16);
}
