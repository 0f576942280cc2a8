#include "utf8.h"

#include <stdlib.h>
#include <string.h>

uint32_t u8_next(const unsigned char *s, size_t len, size_t *i)
{
    size_t p = *i;
    uint32_t c = s[p], min;
    int n;

    if (c < 0x80) {
        *i = p + 1;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 1; c &= 0x1F; min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2; c &= 0x0F; min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3; c &= 0x07; min = 0x10000;
    } else {
        goto bad;
    }
    if (len - p <= (size_t)n)
        goto bad;
    for (int k = 1; k <= n; k++) {
        unsigned char b = s[p + k];
        if ((b & 0xC0) != 0x80)
            goto bad;
        c = (c << 6) | (b & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        goto bad;
    *i = p + 1 + n;
    return c;
bad:
    *i = p + 1;
    return 0xFFFD;
}

size_t u8_put(uint32_t c, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (c < 0x80) {
        o[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (unsigned char)(0xC0 | (c >> 6));
        o[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (c >> 12));
        o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (c >> 18));
    o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

int u8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t at = i;
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        if (u8_next(u, len, &i) == 0xFFFD &&
            !(i - at == 3 && u[at] == 0xEF && u[at + 1] == 0xBF &&
              u[at + 2] == 0xBD))
            return 0;
    }
    return 1;
}

char *u8_lossy(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    char *out = malloc(len * 3 + 1), *o = out;
    size_t i = 0;
    if (!out)
        return NULL;
    while (i < len) {
        uint32_t c = u8_next(u, len, &i);
        if (c == 0)
            c = 0xFFFD;
        o += u8_put(c, o);
    }
    *o = '\0';
    return out;
}
