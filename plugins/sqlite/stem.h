/*
 * Light stemmers over folded code points (fold.h output: lower case, no
 * diacritics, Arabic letters unified).
 *   Arabic: Lucene's ArabicStemmer (one prefix of ال وال بال كال فال لل و,
 *     then the suffixes ها ان ات ون ين يه ه ي in order), plus the
 *     single-letter proclitics ب ك ف ل on longer words and a final
 *     accusative alef.  Where the prefix is ambiguous (لل, ب ك ف ل) an
 *     alternative stem is given for the index to store at the same
 *     position, so both readings match.
 *   Greek: strips the longest inflectional suffix (nouns, adjectives,
 *     common verb and participle endings) keeping a stem of 2-3 letters,
 *     then a stem-final ι, so Επιτροπή, ΕΠΙΤΡΟΠΗΣ and Επιτροπών meet.
 * The affix lists are part of the algorithm (changing them changes the
 * index terms; STEM_VERSION is stored with the index and a change makes
 * the index rebuild its full-text table).
 */
#ifndef SQLIDX_STEM_H
#define SQLIDX_STEM_H

#include <stddef.h>
#include <stdint.h>

#define STEM_VERSION 1

enum stem_mode {
    STEM_FULL = 0,   /* prefixes and suffixes */
    STEM_PREFIX = 1  /* prefix queries: proclitics only, word ends kept */
};

/* One stemmed word: the primary stem is w[*start .. *start + *len);
 * when *alt_len is non-zero an alternative stem is w[*alt_start ..
 * *alt_start + *alt_len) (both inside the input). */
struct stem_out {
    size_t start, len;
    size_t alt_start, alt_len;
};

/* Stems w[0..n) (not modified) by its script.  Words that are not all
 * Arabic or all Greek letters come back unchanged. */
void stem_word(const uint32_t *w, size_t n, enum stem_mode mode,
               struct stem_out *out);

#endif
