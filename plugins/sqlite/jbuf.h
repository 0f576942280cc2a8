/*
 * A growable text buffer for building JSON and term lists by hand (the
 * write path builds them once per document; jansson objects would cost
 * more than the rows they describe).
 */
#ifndef SQLIDX_JBUF_H
#define SQLIDX_JBUF_H

#include <stddef.h>
#include <stdint.h>

/* Owned by whoever declared it (zero-initialised is empty); free with
 * jb_free.  After a failed append, failed is set, the contents are
 * unspecified and every later append is a no-op: check failed once at
 * the end.  s is NUL-terminated whenever len > 0 and !failed. */
struct jbuf {
    char *s;
    size_t len, cap;
    int failed;
};

void jb_free(struct jbuf *b);
/* Empties the buffer (keeps its memory) and clears failed. */
void jb_reset(struct jbuf *b);

void jb_raw(struct jbuf *b, const char *s, size_t n);
void jb_cstr(struct jbuf *b, const char *s);
void jb_char(struct jbuf *b, char c);
void jb_int(struct jbuf *b, int64_t v);
/* A JSON number, or null when v is not finite (NaN, infinity). */
void jb_real(struct jbuf *b, double v);
/* s (UTF-8, NUL-terminated) as a JSON string; NULL as null.  Quotes,
 * backslashes and control characters are escaped; other bytes are copied
 * (the caller gives valid UTF-8). */
void jb_jstr(struct jbuf *b, const char *s);
/* 16 lower-case hex digits. */
void jb_hex64(struct jbuf *b, uint64_t v);

#endif
