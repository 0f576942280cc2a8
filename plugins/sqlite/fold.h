/*
 * Character folding for the full-text index, one code point at a time:
 *   - NFKC with Unicode case folding (ICU's nfkc_cf): compatibility forms
 *     (full-width Latin, Arabic presentation forms, ligatures) become their
 *     plain letters, case is folded (final sigma becomes sigma), default
 *     ignorables (ZWJ, ZWNJ, soft hyphen, bidi controls) disappear;
 *   - diacritics removed from Latin, Greek and Cyrillic letters (canonical
 *     decomposition, combining marks dropped), plus the Latin letters that
 *     do not decompose (đ ł ø ħ ı ŧ æ œ þ ð);
 *   - Arabic: harakat, Quranic marks and tatweel removed, alef forms
 *     (آ أ إ ٱ) unified to ا, ى to ي, ة to ه, Persian yeh/keheh to Arabic;
 *     Hebrew points removed;
 *   - every decimal digit (Arabic-Indic, Persian, Devanagari...) as ASCII.
 * The tables are built once from ICU, on first use, thread-safely.
 */
#ifndef SQLIDX_FOLD_H
#define SQLIDX_FOLD_H

#include <stddef.h>
#include <stdint.h>
#include <unicode/utypes.h>

/* A growable array of code points.  Owned by whoever declared it; free
 * with cpbuf_free. */
struct cpbuf {
    uint32_t *v;
    size_t n, cap;
};
int cpbuf_reserve(struct cpbuf *b, size_t extra);
void cpbuf_free(struct cpbuf *b);

/* Scratch space for fold_u16 (reused between calls; free with
 * fold_scratch_free). */
struct fold_scratch {
    UChar *u;
    int32_t cap;
};
void fold_scratch_free(struct fold_scratch *s);

/* Builds the tables (once).  0, or -EIO when ICU's normalization data is
 * missing. */
int fold_init(void);

/* Appends the folding of the UTF-16 text s[0..n) to out.  0 or -ENOMEM /
 * -EIO.  fold_init must have succeeded. */
int fold_u16(const UChar *s, int32_t n, struct cpbuf *out,
             struct fold_scratch *scratch);

#endif
