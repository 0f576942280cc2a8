/*
 * Internal declarations shared by the files of the parse plugin.  Nothing
 * here is part of the plugin's interface (parse.h is).
 *
 * The pipeline of parse_document() (parse.c), one file per step:
 *   detect.c     bytes -> UTF-16 (charset detection, decoding, bad bytes)
 *   clean.c      controls and newlines, invisible characters, spaces, NFC
 *   fmt_*.c      the format: text/Markdown lines, HTML, JSON envelope
 *   lines.c      split into lines, per-line Markdown/scraper cleanup
 *   structure.c  blocks: title, paragraphs, captions, byline, source,
 *                boilerplate
 *   analyze.c    published text, offsets, words, sentences, scripts,
 *                languages
 * Data: markers.c (etc/inboxd/parse/markers.json), langs.c (langs.json).
 */
#ifndef PARSE_PINT_H
#define PARSE_PINT_H

#include "parse.h"

#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <unicode/ubrk.h>
#include <unicode/ucsdet.h>
#include <unicode/utypes.h>

/* --- growable buffers (buf.c) ---------------------------------------------
 * Both keep a NUL after len.  Functions return 0 or -ENOMEM (-E2BIG past
 * INT32_MAX units for ubuf). */
typedef struct ubuf {
    UChar *s;
    int32_t len;
    int32_t cap;
} ubuf;

int ubuf_reserve(ubuf *b, int64_t extra);
int ubuf_append(ubuf *b, const UChar *s, int32_t n);
int ubuf_append_c(ubuf *b, UChar32 c);
/* Appends UTF-8 (invalid sequences become U+FFFD). */
int ubuf_append_utf8(ubuf *b, const char *s, size_t n);
void ubuf_free(ubuf *b);

typedef struct sbuf {
    char *s;
    size_t len;
    size_t cap;
} sbuf;

int sbuf_reserve(sbuf *b, size_t extra);
int sbuf_append(sbuf *b, const char *s, size_t n);
/* Appends UTF-16 as UTF-8 (lone surrogates become U+FFFD). */
int sbuf_append_u(sbuf *b, const UChar *s, int32_t n);
void sbuf_free(sbuf *b);

/* A malloc'd UTF-8 copy of UTF-16, or NULL on out of memory. */
char *u_to_utf8_dup(const UChar *s, int32_t n);

/* snprintf(dst, cap, "%s", src) without the formatting (src NULL: ""). */
void str_copy(char *dst, size_t cap, const char *src);
/* Safe message formatting into a fixed buffer. */
void perr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* --- data files ------------------------------------------------------------ */
typedef struct pmarkers pmarkers;
typedef struct plangs plangs;

/* --- the context and its pool of per-thread ICU objects (ctx.c) ----------- */
struct pcharset_rule {
    char *pattern; /* fnmatch(3) pattern on the document name */
    char *charset; /* an ICU converter name, checked at load */
};

/* ICU objects that are not thread-safe: one set per concurrent call. */
typedef struct pws {
    struct pws *next;
    UCharsetDetector *csd;
    UBreakIterator *words;
    UBreakIterator *sentences;
    struct ptally *tally; /* analyze.c's tallies (owned, malloc'd) */
} pws;

struct parse_ctx {
    pmarkers *markers;
    plangs *langs;
    struct pcharset_rule *rules;
    size_t n_rules;
    double max_undecodable;
    pthread_mutex_t lock; /* guards pool */
    pws *pool;
};

/* Takes a workspace from the pool or makes one; NULL on failure. */
pws *ws_get(parse_ctx *ctx);
void ws_put(parse_ctx *ctx, pws *ws);

/* --- formats ------------------------------------------------------------ */
typedef enum pformat {
    FMT_TEXT = 0,
    FMT_MARKDOWN,
    FMT_HTML,
    FMT_JSON
} pformat;

const char *fmt_name(pformat f);

/* Line hints that a format gives to the structure step. */
enum {
    HINT_NONE = 0,
    HINT_HEADING, /* a heading (Markdown #, HTML h1-h6); level in plines */
    HINT_CAPTION, /* an explicit caption (figcaption) */
    HINT_IMAGE,   /* an image placeholder: dropped, the next line may be
                     its caption */
    HINT_DROP     /* decoration (rules, table separators, code fences) */
};

/* What a format extractor produces: lines of UTF-16 separated by '\n', a
 * hint per line, and envelope fields. */
typedef struct pextract {
    ubuf text;
    uint8_t *hints; /* one per line of text, HINT_* */
    uint8_t *levels; /* heading level per line (0 when none) */
    size_t n_lines; /* lines with hints (text may have more: HINT_NONE) */
    size_t cap_lines;
    pformat format; /* the document's format */
    pformat body;   /* how lines are written: FMT_TEXT or FMT_MARKDOWN;
                       FMT_HTML when each line is a block already */
    /* Envelope / HTML head fields: UTF-8, owned, NULL when absent. */
    char *title;
    char *source;
    char *published;
    char *lang_declared;
    char *canonical_url;
} pextract;

void pextract_free(pextract *x);
/* Appends one line (no '\n' inside) with a hint. */
int pextract_line(pextract *x, const UChar *s, int32_t n, uint8_t hint,
                  uint8_t level);

pformat fmt_from_name(const char *name, int *known);
/* Sniffs the format of decoded text whose name said nothing. */
pformat fmt_sniff(const UChar *u, int32_t n);

/* Extractors: 0, PARSE_FAILED with a message, or -ENOMEM. */
int fmt_html(pextract *x, const UChar *u, int32_t n, const pmarkers *m,
             char *err, size_t errlen);
int fmt_json(pextract *x, const UChar *u, int32_t n, const pmarkers *m,
             int strict, char *err, size_t errlen);
/* 1 when u looks like an HTML document or fragment. */
int fmt_looks_html(const UChar *u, int32_t n);

/* --- decoding (detect.c) --------------------------------------------------- */
typedef struct pdecoded {
    UChar *u; /* owned (malloc), len units, NUL after */
    int32_t len;
    char charset[48];
    int confidence;
    size_t bad_bytes; /* input bytes that became U+FFFD while decoding */
    int unit_bytes;   /* bytes per code unit: 2 (UTF-16), 4 (UTF-32), 1
                         (single-byte charsets), 0 (UTF-8, multi-byte) */
    int utf8;         /* decoded as UTF-8 */
} pdecoded;

int detect_decode(parse_ctx *ctx, pws *ws, const unsigned char *b, size_t n,
                  const char *name, pdecoded *out, char *err, size_t errlen);
/* 1 when detect_decode() reads b as UTF-8 (charset "UTF-8", confidence
 * 100) if it is well-formed UTF-8 without NUL and ESC: no byte order mark,
 * no charset forced for name. */
int detect_utf8_first(parse_ctx *ctx, const unsigned char *b, size_t n,
                      const char *name);

/* --- cleaning (clean.c) ---------------------------------------------------- */
/* Newlines (CR, CRLF, NEL, LS, PS, VT, FF) to LF, or to a space when
 * keep_lines (the lines are a format's blocks already), controls to
 * U+FFFD, in place.  Returns the input bytes of the replaced controls (a
 * C1 control is 2 bytes in UTF-8). */
size_t clean_controls(UChar *u, int32_t *len, int unit_bytes, int utf8,
                      int keep_lines);
/* What the space cleaning found out about the text it wrote. */
typedef struct pclean {
    int32_t nfc_from; /* where clean_nfc() has to start looking: the
                         length when the text is NFC; before it, the text
                         is NFC up to a boundary */
    uint8_t classes;  /* pclass() of its non-ASCII characters, or'ed */
    uint8_t common;   /* and and'ed (0xFF when there is none); ASCII
                         characters may add PC_FOLD1 to both (they all have
                         it but NUL, which is not in a cleaned text) */
} pclean;

/* Removes invisible characters and tatweel, makes runs of spaces one
 * space, trims lines; keeps every '\n'.  In place.  *out may be NULL. */
void clean_spaces(UChar *u, int32_t *len, pclean *out);
/* clean_controls(keep_lines 0) and clean_spaces() in one pass; returns
 * what clean_controls() does. */
size_t clean_text(UChar *u, int32_t *len, int unit_bytes, int utf8,
                  pclean *out);
/* Decoding and clean_text() in one pass, for the bytes that
 * detect_decode() reads as UTF-8 when they are (detect_utf8_first()):
 * *u (malloc'd, *len units, NUL after), the bytes of replaced controls
 * in *ctrl_bytes.  Returns 0; 1 when the bytes are not well-formed UTF-8
 * or have NUL or ESC (then detect_decode() decides; nothing is
 * allocated); -ENOMEM or -E2BIG. */
int clean_utf8(const unsigned char *b, size_t n, UChar **u, int32_t *len,
               size_t *ctrl_bytes, pclean *out);
/* NFC of the whole buffer, whose units before from are NFC and end on a
 * normalization boundary (what clean_spaces() says; 0 when unknown); 0 or
 * a negative errno. */
int clean_nfc(ubuf *b, int32_t from);
/* 1 when c is kept out of the published text (zero-width, bidi controls,
 * tatweel). */
int clean_is_invisible(UChar32 c);

/* --- lines (lines.c) ----------------------------------------------------- */
typedef struct pline {
    int32_t start; /* into the buffer */
    int32_t len;
    uint8_t hint;
    uint8_t level;
} pline;

typedef struct plines {
    pline *v;
    size_t n;
} plines;

/* Splits the cleaned buffer into lines (hints from x) and rewrites each
 * line's Markdown or scraper syntax in place (images, table pipes, links,
 * emphasis, headings, decoration). */
int lines_split(pextract *x, plines *out);

/* --- structure (structure.c) ---------------------------------------------- */
enum {
    BK_PARA = 0,
    BK_CAPTION,
    BK_TITLE
};

typedef struct pblock {
    int32_t start; /* into pstruct.buf */
    int32_t len;
    uint8_t kind;
} pblock;

typedef struct pstruct {
    ubuf buf;       /* the text of the blocks */
    pblock *blocks; /* the title first, then document order */
    size_t n_blocks;
    char *title;   /* explicit title (UTF-8, owned) or NULL: derive */
    char *source;  /* source line as written, or NULL */
    char *source_url;
    char **byline;
    size_t n_byline;
} pstruct;

int structure_build(const pmarkers *m, pextract *x, plines *lines,
                    pstruct *out);
void pstruct_free(pstruct *s);

/* --- analysis (analyze.c) -------------------------------------------------- */
/* cl: what the cleaning found about every character of the text, or NULL
 * when the text may have others (a title from HTML or JSON). */
int analyze(parse_ctx *ctx, pws *ws, const pextract *x, const pstruct *st,
            const pclean *cl, parse_result *res);

/* --- character classes (text.c) -------------------------------------------
 * ICU's properties, cached for the BMP in a table filled once (ptab_init,
 * thread-safe) because the cleaning passes look at every character. */
enum {
    PC_INVISIBLE = 1, /* removed from the text: clean_is_invisible() */
    PC_HSPACE = 2,    /* Zs, TAB: becomes one ' ' */
    PC_WHITE = 4,     /* White_Space */
    PC_ALNUM = 8,     /* u_isalnum */
    PC_DIGIT = 16,    /* Nd */
    PC_FOLD1 = 32,    /* a BMP character whose simple case folding is its
                         full case folding, NFC_Quick_Check=Yes with
                         combining class 0, and folds to such a character
                         (pfold[c] != 0): a word of these folds one by one
                         into as many units */
    PC_NFC_SAFE = 64, /* NFC_Quick_Check=Yes, combining class 0 */
    PC_NFC_MARK = 128 /* NFC_Quick_Check=Yes, combining class > 0 */
};
extern uint8_t ptab[65536];
/* The simple case folding of a BMP character when the character and its
 * folding are PC_FOLD1 (ASCII: A-Z to a-z), else 0. */
extern uint16_t pfold[65536];
/* uscript_getScript() of a BMP character (USCRIPT_CODE_LIMIT <= 256). */
extern uint8_t pscript[65536];
void ptab_init(void);
uint8_t ptab_slow(UChar32 c);
static inline uint8_t pclass(UChar32 c)
{
    return c >= 0 && c < 0x10000 ? ptab[c] : ptab_slow(c);
}

/* --- helpers (text.c) ------------------------------------------------------ */
/* Code point helpers on UTF-16. */
int txt_is_space(UChar32 c);
/* 1 when the line ends with punctuation that ends a sentence or clause
 * (Terminal_Punctuation or an ellipsis), looking past closing quotes and
 * brackets. */
int txt_ends_with_punct(const UChar *s, int32_t n);
/* 1 when the last such punctuation is a question or exclamation mark. */
int txt_ends_with_question(const UChar *s, int32_t n);
/* Words separated by spaces, counted up to max + 1 (enough to compare the
 * count with max: the rest of a long paragraph is not read). */
int32_t txt_count_spaced_words(const UChar *s, int32_t n, int32_t max);
/* 1 when s has at most max code points. */
int txt_cp_at_most(const UChar *s, int32_t n, int32_t max);
/* 1 when s has a decimal digit. */
int txt_has_digit(const UChar *s, int32_t n);
/* Finds the first http(s):// or www. URL; returns its start or -1 and its
 * length in *ulen. */
int32_t txt_find_url(const UChar *s, int32_t n, int32_t *ulen);
/* Case-insensitive (full case folding) prefix comparison: 1 when s starts
 * with p. */
int txt_starts_with_ci(const UChar *s, int32_t n, const UChar *p, int32_t pn);
/* Case-insensitive equality. */
int txt_equals_ci(const UChar *s, int32_t n, const UChar *p, int32_t pn);
/* ASCII-case-insensitive search of an ASCII needle in UTF-16. */
int32_t txt_find_ascii_ci(const UChar *s, int32_t n, const char *needle);

#endif
