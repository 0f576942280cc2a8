/*
 * What the fuzz targets share: the libFuzzer entry points, a trap that
 * names the broken invariant, and a strict UTF-8 check.  The same target
 * sources build two ways: with clang and -fsanitize=fuzzer into
 * build-fuzz/ (make fuzz), and with the project's compiler into a Check
 * program that replays the seed corpus and every kept crasher (make check,
 * replay.c).
 */
#ifndef TESTS_FUZZ_H
#define TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An invariant failed: say which, then abort (libFuzzer keeps the input). */
#define FUZZ_ASSERT(cond)                                                     \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,       \
                    __LINE__, #cond);                                         \
            abort();                                                          \
        }                                                                     \
    } while (0)

/* 1 when s[0..len) is strict UTF-8 (no overlongs, surrogates, > U+10FFFF). */
static inline int fuzz_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned c = *p;
        size_t n;
        unsigned cp;
        if (c < 0x80) {
            p++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07; }
        else return 0;
        if ((size_t)(end - p) < n + 1)
            return 0;
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        p += n + 1;
    }
    return 1;
}

/* The source tree (for data files): INBOXD_TOP, else the compiled-in one. */
static inline const char *fuzz_top(void)
{
    const char *t = getenv("INBOXD_TOP");
#ifdef FUZZ_TOP
    if (!t)
        t = FUZZ_TOP;
#endif
    return t ? t : ".";
}

#endif
