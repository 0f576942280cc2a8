/*
 * Minimal UTF-8 helpers for the sqlite plugin (the plugin sees only
 * include/inboxd/plugin.h from the project, so it carries its own).
 * Offsets and lengths are in bytes.
 */
#ifndef SQLIDX_UTF8_H
#define SQLIDX_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the code point at s[*i] (i < len) and advances *i.  Invalid,
 * overlong, surrogate or truncated sequences yield U+FFFD and advance by
 * exactly one byte, so every byte is consumed exactly once. */
uint32_t u8_next(const unsigned char *s, size_t len, size_t *i);

/* u8_next with the one- and two-byte sequences (ASCII, Latin, Greek,
 * Cyrillic, Arabic, Hebrew) decoded inline. */
static inline uint32_t u8_next_fast(const unsigned char *s, size_t len,
                                    size_t *i)
{
    size_t p = *i;
    uint32_t c = s[p];
    if (c < 0x80) {
        *i = p + 1;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF && len - p > 1 && (s[p + 1] & 0xC0) == 0x80) {
        *i = p + 2;
        return ((c & 0x1F) << 6) | (s[p + 1] & 0x3F);
    }
    return u8_next(s, len, i);
}

/* Encodes c (<= U+10FFFF, not a surrogate) into out (4 bytes room);
 * returns the number of bytes written. */
size_t u8_put(uint32_t c, char *out);

/* 1 when s[0..len) is valid UTF-8. */
int u8_valid(const char *s, size_t len);

/* A NUL-terminated copy of s[0..len) with each invalid byte replaced by
 * U+FFFD and NUL bytes by U+FFFD.  Caller frees (free()).  NULL on out of
 * memory. */
char *u8_lossy(const char *s, size_t len);

#endif
