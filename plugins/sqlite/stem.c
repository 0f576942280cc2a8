#include "stem.h"

#include <pthread.h>
#include <string.h>

#include "utf8.h"

/* --- Arabic ---------------------------------------------------------------- */

#define ALEF 0x0627
#define BEH 0x0628
#define TEH 0x062A
#define FEH 0x0641
#define KAF 0x0643
#define LAM 0x0644
#define NOON 0x0646
#define HEH 0x0647
#define WAW 0x0648
#define YEH 0x064A

static const uint32_t ar_pre3[][3] = {
    {WAW, ALEF, LAM}, {BEH, ALEF, LAM}, {KAF, ALEF, LAM}, {FEH, ALEF, LAM}};
static const uint32_t ar_suf2[][2] = {
    {HEH, ALEF}, {ALEF, NOON}, {ALEF, TEH}, {WAW, NOON}, {YEH, NOON},
    {YEH, HEH}};

static int is_arabic_letter(uint32_t c)
{
    return (c >= 0x0621 && c <= 0x064A) || (c >= 0x066E && c <= 0x06D3) ||
           (c >= 0x06FA && c <= 0x06FF) || (c >= 0x0750 && c <= 0x077F) ||
           (c >= 0x08A0 && c <= 0x08C9);
}

static int is_greek_letter(uint32_t c)
{
    return (c >= 0x03B1 && c <= 0x03C9) || (c >= 0x03CA && c <= 0x03CE) ||
           (c >= 0x1F00 && c <= 0x1FFF);
}

/* Strips the suffixes from w[0..n), Lucene's order, each at most once, a
 * stem of at least two letters kept; then a final accusative alef on long
 * words.  Returns the new length. */
static size_t ar_suffixes(const uint32_t *w, size_t n)
{
    for (size_t i = 0; i < sizeof ar_suf2 / sizeof ar_suf2[0]; i++) {
        if (n >= 4 && w[n - 2] == ar_suf2[i][0] && w[n - 1] == ar_suf2[i][1])
            n -= 2;
    }
    if (n >= 3 && w[n - 1] == HEH)
        n--;
    if (n >= 3 && w[n - 1] == YEH)
        n--;
    if (n >= 5 && w[n - 1] == ALEF)
        n--;
    return n;
}

static void stem_arabic(const uint32_t *w, size_t n, enum stem_mode mode,
                        struct stem_out *o)
{
    size_t p = 0, alt = (size_t)-1;

    /* one prefix, Lucene's list first */
    for (size_t i = 0; i < sizeof ar_pre3 / sizeof ar_pre3[0]; i++) {
        if (n >= 5 && w[0] == ar_pre3[i][0] && w[1] == ar_pre3[i][1] &&
            w[2] == ar_pre3[i][2]) {
            p = 3;
            break;
        }
    }
    if (!p && n >= 4 && w[0] == ALEF && w[1] == LAM) {
        p = 2;
    } else if (!p && n >= 4 && w[0] == LAM && w[1] == LAM) {
        /* ل + ال: "للمؤتمر" is ل+المؤتمر, but "للجنة" is ل+اللجنة with
         * one lam written: keep the one-lam reading as an alternative */
        p = 2;
        alt = 1;
    } else if (!p && n >= 4 && w[0] == WAW) {
        p = 1;
    } else if (!p && n >= 5 &&
               (w[0] == BEH || w[0] == KAF || w[0] == FEH || w[0] == LAM)) {
        p = 1;
        alt = 0;
    }
    o->start = p;
    o->len = n - p;
    o->alt_start = o->alt_len = 0;
    if (mode == STEM_PREFIX)
        return;
    o->len = ar_suffixes(w + p, n - p);
    if (alt != (size_t)-1) {
        o->alt_start = alt;
        o->alt_len = ar_suffixes(w + alt, n - alt);
        if (o->alt_len == o->len && o->alt_start == o->start)
            o->alt_len = 0;
    }
}

/* --- Greek ----------------------------------------------------------------- */

/* Inflectional endings after folding (lower case, no accents, σ for ς).
 * Sorted longest first at start-up. */
static const char *const gr_suffix_utf8[] = {
    /* participles */
    "μενουσ", "μενοσ", "μενου", "μενων", "μενεσ", "μενοι", "μενησ",
    "μενη", "μενο", "μενα",
    /* verbs */
    "ουσαμε", "θηκαμε", "ομαστε", "ουνται", "θηκαν", "ονται", "οντασ",
    "ωντασ", "ουμε", "ουνε", "ομαι", "εσαι", "εται", "εστε", "θηκε", "ηκαν",
    "ουν", "ετε", "ηκε", "αμε", "ατε", "ει", "αν",
    /* nouns and adjectives */
    "ατων", "ατοσ", "ηδεσ", "ηδων", "αδεσ", "αδων", "ατα", "ουσ", "εισ",
    "εων", "ου", "οσ", "ον", "οι", "ων", "ασ", "εσ", "ησ", "ωσ",
    "α", "ε", "η", "ι", "ο", "υ", "ω",
};
#define GR_N (sizeof gr_suffix_utf8 / sizeof gr_suffix_utf8[0])
_Static_assert(GR_N < 256, "gr_by_last holds suffix numbers as bytes");
#define GR_MAX 8

static uint32_t gr_suf[GR_N][GR_MAX];
static size_t gr_len[GR_N];
/* the suffixes by their last letter (α..ω: every suffix ends in one),
 * longest first */
#define GR_FIRST 0x03B1
#define GR_LAST 0x03C9
static unsigned char gr_by_last[GR_LAST - GR_FIRST + 1][GR_N];
static size_t gr_n_last[GR_LAST - GR_FIRST + 1];
static pthread_once_t gr_once = PTHREAD_ONCE_INIT;

static void gr_build(void)
{
    size_t order[GR_N];
    for (size_t i = 0; i < GR_N; i++)
        order[i] = i;
    /* decode, then a stable insertion sort by length, longest first */
    for (size_t i = 0; i < GR_N; i++) {
        const unsigned char *s = (const unsigned char *)gr_suffix_utf8[i];
        size_t len = strlen((const char *)s), at = 0, k = 0;
        while (at < len && k < GR_MAX)
            gr_suf[i][k++] = u8_next(s, len, &at);
        gr_len[i] = k;
    }
    for (size_t i = 1; i < GR_N; i++) {
        size_t v = order[i], j = i;
        while (j > 0 && gr_len[order[j - 1]] < gr_len[v]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
    {
        uint32_t tmp[GR_N][GR_MAX];
        size_t tl[GR_N];
        for (size_t i = 0; i < GR_N; i++) {
            memcpy(tmp[i], gr_suf[order[i]], sizeof tmp[i]);
            tl[i] = gr_len[order[i]];
        }
        memcpy(gr_suf, tmp, sizeof gr_suf);
        memcpy(gr_len, tl, sizeof gr_len);
    }
    for (size_t i = 0; i < GR_N; i++) {
        uint32_t last = gr_suf[i][gr_len[i] - 1];
        if (last >= GR_FIRST && last <= GR_LAST) {
            size_t b = last - GR_FIRST;
            gr_by_last[b][gr_n_last[b]++] = (unsigned char)i;
        }
    }
}

static void stem_greek(const uint32_t *w, size_t n, struct stem_out *o)
{
    size_t len = n;
    pthread_once(&gr_once, gr_build);
    o->start = 0;
    o->alt_start = o->alt_len = 0;
    if (n >= 3 && w[n - 1] >= GR_FIRST && w[n - 1] <= GR_LAST) {
        /* only the suffixes ending in the word's last letter */
        size_t b = w[n - 1] - GR_FIRST;
        for (size_t j = 0; j < gr_n_last[b]; j++) {
            size_t i = gr_by_last[b][j];
            size_t sl = gr_len[i], keep = sl >= 3 ? 3 : 2;
            if (n < sl + keep)
                continue;
            if (memcmp(w + n - sl, gr_suf[i], sl * sizeof(uint32_t)) == 0) {
                len = n - sl;
                break;
            }
        }
        /* -ία/-ιο/-ιά nouns: γραφείο and γραφείου, παιδί and παιδιά */
        if (len < n && len > 2 && w[len - 1] == 0x03B9)
            len--;
    }
    o->len = len;
}

void stem_word(const uint32_t *w, size_t n, enum stem_mode mode,
               struct stem_out *o)
{
    int ar = 1, gr = 1;
    o->start = 0;
    o->len = n;
    o->alt_start = o->alt_len = 0;
    for (size_t i = 0; i < n && (ar || gr); i++) {
        if (!is_arabic_letter(w[i]))
            ar = 0;
        if (!is_greek_letter(w[i]))
            gr = 0;
    }
    if (n == 0)
        return;
    if (ar)
        stem_arabic(w, n, mode, o);
    else if (gr && mode == STEM_FULL)
        stem_greek(w, n, o);
}
