/* Growable strings and the hash used by the extractor. */
#include "ent_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void sb_init(sbuf *b) { memset(b, 0, sizeof *b); }

void sb_free(sbuf *b)
{
    if (!b)
        return;
    free(b->s);
    memset(b, 0, sizeof *b);
}

int sb_reserve(sbuf *b, size_t extra)
{
    size_t need, cap;
    char *ns;
    if (b->oom)
        return -1;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    ns = realloc(b->s, cap);
    if (!ns) {
        b->oom = 1;
        return -1;
    }
    b->s = ns;
    b->cap = cap;
    return 0;
}

void sb_add(sbuf *b, const char *s, size_t n)
{
    if (sb_reserve(b, n) < 0)
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sb_adds(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

void sb_addc(sbuf *b, char c)
{
    if (sb_reserve(b, 1) < 0)
        return;
    b->s[b->len++] = c;
    b->s[b->len] = '\0';
}

void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sb_reserve(b, (size_t)n) < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sb_json_str(sbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;
    sb_addc(b, '"');
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            sb_addc(b, '\\');
            sb_addc(b, (char)ch);
        } else if (ch < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
            sb_add(b, e, 6);
        } else {
            sb_addc(b, (char)ch);
        }
    }
    sb_addc(b, '"');
}

const char *sb_cstr(sbuf *b)
{
    if (sb_reserve(b, 0) < 0)
        return "";
    b->s[b->len] = '\0';
    return b->s;
}

char *sb_take(sbuf *b)
{
    char *s;
    if (b->oom) {
        sb_free(b);
        return NULL;
    }
    sb_cstr(b);
    if (b->oom) {
        sb_free(b);
        return NULL;
    }
    s = b->s;
    memset(b, 0, sizeof *b);
    return s;
}

/* A 64-bit hash over 8-byte words (multiply-xorshift), never 0 (0 marks an
 * empty slot). */
uint64_t ent_hash(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xC2B2AE3D27D4EB4Full);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
        s += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, s, n);
        h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
        h ^= h >> 29;
    }
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    return h ? h : 1;
}
