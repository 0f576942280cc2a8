/*
 * Internals of the entity extractor shared by its files.  Not for the host.
 *
 * Pipeline of one ent_extract() call (extract.c): the text is cut into
 * blocks at line ends; each block is tokenized (tok.c), the patterns run
 * over the tokens (pat_code.c: URL, EMAIL, DOCREF; pat_date.c; pat_num.c),
 * then the name rules (names.c: gazetteer, titles, cue words), then mentions
 * of names already found are linked (resolve.c).  Tokens taken by one rule
 * are marked so no two entities overlap.  Everything is linear in the text:
 * each rule looks at a bounded window of tokens from each position.
 */
#ifndef ENT_INTERNAL_H
#define ENT_INTERNAL_H

#include "entities.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

/* ---- strings ------------------------------------------------------------ */

/* A growable byte buffer; s is NUL-terminated when len > 0 or after
 * sb_cstr().  Owned. */
typedef struct sbuf {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;
void sb_init(sbuf *b);
void sb_free(sbuf *b);
/* Room for extra more bytes and the NUL: 0, or -1 (oom set). */
int sb_reserve(sbuf *b, size_t extra);
void sb_add(sbuf *b, const char *s, size_t n);
void sb_adds(sbuf *b, const char *s);
void sb_addc(sbuf *b, char c);
void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal (quoted, escaped). */
void sb_json_str(sbuf *b, const char *s, size_t n);
const char *sb_cstr(sbuf *b);
char *sb_take(sbuf *b); /* caller frees; buffer reset */

uint64_t ent_hash(const void *p, size_t n);

/* ---- normalization (norm.c) -------------------------------------------- */

enum ent_script { SC_OTHER = 0, SC_LATN, SC_ARAB, SC_GREK, SC_CYRL, SC_NSCRIPTS };

/* Per-code-point tables for the BMP, built once with ICU. */
typedef struct ent_norm {
    uint16_t map[65536];   /* folded, diacritic-free, Arabic letters unified;
                              0 = dropped (marks, tatweel, format chars) */
    uint8_t cls[65536];    /* CC_* class of the code point */
    uint8_t script[65536]; /* enum ent_script for letters */
} ent_norm;

enum ent_cclass {
    CC_SPACE = 0, /* white space and controls */
    CC_LETTER,    /* letters, and marks joining them */
    CC_UPPER,     /* an upper- or title-case letter */
    CC_DIGIT,     /* a decimal digit of any script */
    CC_PUNCT,     /* anything else printable */
    CC_NL,        /* a line end */
    CC_MARK,      /* a combining mark or joiner: part of the word */
    CC_DROP       /* format/zero-width chars: invisible, inside words */
};

int norm_build(ent_norm *n, char *err, size_t errlen);
/* Decodes one code point of s[*i..len) and advances *i (at least 1 byte);
 * malformed bytes give U+FFFD.  Inline: the hottest function. */
static inline uint32_t ent_next_cp(const char *s, size_t len, size_t *i)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t k = *i;
    uint32_t c = p[k];
    if (c < 0x80) {
        *i = k + 1;
        return c;
    }
    if (c >= 0xC2 && c < 0xE0 && k + 1 < len && (p[k + 1] & 0xC0) == 0x80) {
        *i = k + 2;
        return ((c & 0x1F) << 6) | (p[k + 1] & 0x3F);
    }
    if (c >= 0xE0 && c < 0xF0 && k + 2 < len && (p[k + 1] & 0xC0) == 0x80 &&
        (p[k + 2] & 0xC0) == 0x80) {
        uint32_t v = ((c & 0x0F) << 12) | ((uint32_t)(p[k + 1] & 0x3F) << 6) |
                     (p[k + 2] & 0x3F);
        if (v >= 0x800 && (v < 0xD800 || v > 0xDFFF)) {
            *i = k + 3;
            return v;
        }
    }
    if (c >= 0xF0 && c < 0xF5 && k + 3 < len && (p[k + 1] & 0xC0) == 0x80 &&
        (p[k + 2] & 0xC0) == 0x80 && (p[k + 3] & 0xC0) == 0x80) {
        uint32_t v = ((c & 0x07) << 18) | ((uint32_t)(p[k + 1] & 0x3F) << 12) |
                     ((uint32_t)(p[k + 2] & 0x3F) << 6) | (p[k + 3] & 0x3F);
        if (v >= 0x10000 && v <= 0x10FFFF) {
            *i = k + 4;
            return v;
        }
    }
    *i = k + 1;
    return 0xFFFD;
}

/* Appends the normalized form of s[0..n) to out. */
void norm_append(const ent_norm *nm, const char *s, size_t n, sbuf *out);

/* Rewrites applied to normalized tokens of one script, in order:
 * replace `from` by `to`; at_end: only as the token's ending. */
typedef struct ent_rewrite {
    char *from, *to;
    size_t from_len, to_len;
    int at_end;
    int min_left; /* letters (bytes) that must remain before an ending */
} ent_rewrite;

/* ---- vocabulary and trie (vocab.c) --------------------------------------- */

/* Flags of a single normalized word. */
enum {
    VF_STOP = 1u << 0,      /* function word: never part of a name */
    VF_GIVEN = 1u << 1,     /* a given name: starts a person name */
    VF_SURNAME = 1u << 2,   /* a (Vietnamese) family name */
    VF_SYLLABLE = 1u << 3,  /* a syllable of Vietnamese names */
    VF_PARTICLE = 1u << 4,  /* inside names: bin, de, van, abu, abd */
    VF_CONNECT = 1u << 5,   /* links capitalized words: of, the, tou */
    VF_CUE = 1u << 6,       /* starts a title, organisation or place cue */
    VF_ORGSTOP = 1u << 7,   /* ends an organisation phrase */
    VF_GAZ = 1u << 8,       /* a one-word gazetteer name */
    VF_NOTNAME = 1u << 9,   /* a common word that is no name (verbs...) */
    VF_PERCENT = 1u << 10,  /* "%"-like word after a number */
    VF_NUMPREP = 1u << 11,  /* a word before a year: in, fi, nam */
    VF_NUMSTOP = 1u << 12,  /* a number after it is no quantity (No., raqm) */
    VF_AND = 1u << 13,      /* "and": joins ranges (wa, va, kai) */
    VF_TO = 1u << 14,       /* "to": joins ranges (ila, den, eos) */
    VF_HONORIFIC = 1u << 15, /* Mr, Mrs: a title without a role */
    VF_TITLE = 1u << 16,     /* starts a title */
    VF_TEAMCUE = 1u << 17,   /* a sports verb: a place after it is a team */
    VF_VERSUS = 1u << 18     /* على, ضد, مع after a sports verb */
};

#define VOCAB_BLOOM_WORDS 4096 /* 256 Kbit: most words of a text are unknown */
typedef struct ent_vocab {
    uint64_t bloom[VOCAB_BLOOM_WORDS];
    uint64_t *hash; /* slots: hash of the word, 0 empty */
    int32_t *slot_id;
    uint32_t mask;
    char **words;   /* by id, owned */
    size_t *lens;   /* by id */
    uint32_t *flags;
    uint32_t n, cap;
} ent_vocab;

int vocab_init(ent_vocab *v);
void vocab_free(ent_vocab *v);
/* Returns the id of the word (adding it), or -ENOMEM. */
int32_t vocab_intern(ent_vocab *v, const char *w, size_t n);
/* The id of the word or -1. */
int32_t vocab_find(const ent_vocab *v, const char *w, size_t n, uint64_t h);

/* What a phrase in the trie means. */
enum ent_pkind {
    PK_GAZ = 0,   /* a gazetteer name */
    PK_TITLE,     /* a title or role before a person name */
    PK_ORGHEAD,   /* a word that heads an organisation name */
    PK_LOCCUE,    /* a word before a place name (province of) */
    PK_LOCTAIL,   /* a word after a place name (Province) */
    PK_MONTH,     /* a month name; ival 1..12 */
    PK_MONTHWORD, /* "month" before a month number (thang) */
    PK_DAYWORD,   /* "day" before a day number (ngay) */
    PK_YEARCUE,   /* "year" before a year (am, nam) */
    PK_QUARTER,   /* "quarter" (al-rub', quy) */
    PK_ORDINAL,   /* an ordinal; ival 1.. */
    PK_SCALE,     /* thousand, million...; dval multiplier */
    PK_CURRENCY,  /* a currency name; str ISO code */
    PK_PERCENT,   /* "per cent" phrases */
    PK_DOCWORD,   /* resolution, decision: before a document number */
    PK_GROUP,     /* a group of people (the Muslims) as an ORG */
    PK_NKINDS
};

typedef struct ent_payload {
    uint8_t kind;    /* enum ent_pkind */
    uint8_t type;    /* enum ent_type for PK_GAZ */
    uint8_t lang;    /* data language index; 0 = any language */
    int32_t ival;    /* month, ordinal, gazetteer index */
    double dval;     /* multiplier */
    const char *str; /* role, kind, currency code (owned by the data) */
    int32_t next;    /* next payload of the same node, -1 */
} ent_payload;

typedef struct ent_trie {
    /* edges: open addressing on (parent << 32 | word id) */
    uint64_t *ekey;
    int32_t *echild;
    uint32_t emask, nedges;
    int32_t *first; /* per node: first payload, -1 */
    uint32_t nnodes, capnodes;
    ent_payload *pay;
    uint32_t npay, cappay;
    uint32_t kinds_at_root[1]; /* unused */
} ent_trie;

int trie_init(ent_trie *t);
void trie_free(ent_trie *t);
/* The child of node along word id, or -1. */
int32_t trie_child(const ent_trie *t, int32_t node, int32_t id);
/* Adds the path (ids) and a payload at its end. Returns 0 or -ENOMEM. */
int trie_add(ent_trie *t, const int32_t *ids, size_t n, const ent_payload *p);

/* ---- data (data.c) ------------------------------------------------------ */

#define ENT_MAXLANGS 32
#define ENT_ANYLANG 255

/* The flags of word id in data language lang (ENT_ANYLANG: in any). */
uint32_t data_lang_flags(const ent_data *d, int32_t id, int lang);
/* The data language index of a BCP 47 tag, 0 when none. */
int data_lang_index(const ent_data *d, const char *tag);

typedef struct ent_gaz {
    char *canonical; /* the canonical name */
    char *key;       /* the cross-script key */
    char *attrs;     /* extra JSON members ("kind":"province"), or NULL */
    uint8_t type;
} ent_gaz;

typedef struct ent_doctype {
    char *code;   /* "NQ", "QD" (ASCII, upper case) */
    char *kind;   /* "resolution" */
} ent_doctype;

struct ent_data {
    ent_norm *norm;
    ent_vocab vocab;
    ent_trie trie;
    ent_gaz *gaz;
    size_t ngaz, capgaz;
    ent_doctype *doctypes, *issuers;
    size_t ndoctypes, nissuers;
    ent_rewrite *rewrites[SC_NSCRIPTS];
    uint8_t rw_first[SC_NSCRIPTS][8192]; /* bit per first two bytes of a
                                            rewrite's "from" */
    size_t nrewrites[SC_NSCRIPTS];
    char **suffixes[SC_NSCRIPTS]; /* endings stripped for matching, longest
                                     first */
    size_t nsuffixes[SC_NSCRIPTS];
    /* Languages of the data files (index 0 = files without "lang"): word
     * flags and phrases hold in their own language only, so that a stop
     * word of one language is no stop word of another. */
    char dlangs[ENT_MAXLANGS][16];
    uint8_t dlang_script[ENT_MAXLANGS];
    int ndlangs;
    int cur_lang; /* while loading */
    uint32_t *startk; /* per word id: 1 << PK_* of the phrases it starts */
    size_t nstartk;
    uint64_t *lf_key; /* (id << 8 | lang) + 1; lang 255 = any language */
    uint32_t *lf_val;
    uint32_t lf_mask, lf_n;
    char **strs; /* owned strings the payloads point to */
    size_t nstrs, capstrs;
    size_t nentries;
    /* Transliterators for the "latin" attribute: a pool, since ICU
     * transliterators are not thread-safe. */
    pthread_mutex_t tr_lock;
    void **tr_pool;
    size_t tr_n, tr_cap;
    void *tr_proto;
};

/* Interns a string owned by the data. NULL on ENOMEM. */
const char *data_str(ent_data *d, const char *s);
/* The normalized match form of one word (after rewrites and endings), as
 * the tokenizer computes it. */
void data_match_form(const ent_data *d, const char *w, size_t n, sbuf *out);
/* Adds a phrase (split into words as the tokenizer does) with payload p.
 * Returns 0, -ENOMEM, or -EINVAL for a phrase with no word. */
int data_add_phrase(ent_data *d, const char *phrase, const ent_payload *p);
/* Sets flags on a single word. */
int data_flag_word(ent_data *d, const char *word, uint32_t flags);

const ent_doctype *data_doctype(const ent_data *d, const char *code);
const ent_doctype *data_issuer(const ent_data *d, const char *code);

/* ---- tokens (tok.c) ------------------------------------------------------ */

enum { TK_WORD = 1, TK_NUM, TK_PUNCT };

enum {
    TF_CAP = 1u << 0,     /* starts with an upper-case letter */
    TF_SPACE = 1u << 1,   /* white space before it */
    TF_NL = 1u << 2,      /* a line end before it */
    TF_SENT = 1u << 3,    /* first token of a sentence */
    TF_TAKEN = 1u << 4,   /* part of an entity already */
    TF_AL = 1u << 5,      /* Arabic: carries the article (al-, wal-, bil-) */
    TF_PLAINAL = 1u << 6, /* Arabic: begins with a bare al- */
    TF_ALLCAPS = 1u << 7, /* every letter upper case (2 letters or more) */
    TF_LONG = 1u << 8     /* too long to look up */
};

#define TOK_MAXCAND 6

enum { TH_MADDA = 1, TH_HAMZA_ALEF = 2, TH_HAMZA = 4 };

typedef struct ent_cand {
    size_t off;   /* surface start of this reading (after clitics) */
    int32_t id;   /* vocabulary id or -1 */
    uint64_t h;   /* hash of the match form (0 when none) */
    uint32_t fl;  /* the word's flags in the sentence's language */
    uint8_t al;   /* this reading had the article */
    uint8_t prefix; /* a clitic was removed */
} ent_cand;

typedef struct ent_tok {
    size_t s, e;    /* surface bytes */
    uint16_t flags;
    uint8_t kind;   /* TK_* */
    uint8_t script; /* enum ent_script of the first letter */
    uint8_t ncand;
    uint8_t lang;   /* index into the call's language table */
    uint32_t cp;    /* TK_PUNCT: the code point */
    uint32_t startk; /* kinds of the phrases that may start here */
    uint32_t c0, c1;  /* the first two letters as written */
    uint32_t clast;   /* the last letter as written */
    uint16_t nl;      /* letters */
    uint8_t hz;       /* TH_* hamza forms seen */
    ent_cand cand[TOK_MAXCAND];
} ent_tok;

/* The call's scratch and results. */
typedef struct ent_cand_ent {
    int type;
    size_t start, end;
    double conf;
    char *value, *key, *attrs; /* owned (malloc) */
    int tstart, tend;          /* token range in the block, or -1 */
    int year_missing;          /* DATE without a year: value "--MM-DD" */
    int month, day;
    size_t seq;                /* order of addition (stable sort) */
} ent_cand_ent;

/* A person name of the document, for later short mentions. */
typedef struct ent_name {
    uint64_t h[6]; /* match-form hashes of the words */
    int n;
    int type;
    int lastname_ok; /* the last word alone may refer to it */
    char *key, *value, *attrs; /* owned */
} ent_name;

typedef struct ent_ctx {
    const ent_data *d;
    const ent_opts *o;
    const char *text;
    size_t len;
    /* block */
    ent_tok *tok;
    size_t ntok, captok;
    sbuf nb;   /* normalization scratch */
    sbuf form; /* reading scratch (tok.c) */
    sbuf kf;   /* key scratch (key_of_span) */
    /* languages met: index -> tag */
    char langs[32][16];
    uint8_t lang_data[32];   /* data language index of each */
    uint8_t lang_script[32]; /* script of each language */
    int nlangs;
    /* candidates of the block */
    ent_cand_ent *c;
    size_t nc, capc;
    size_t seq;
    /* document state */
    ent_name *names;
    size_t nnames, capnames;
    uint64_t *name_first; /* hash set of first/last words of names */
    uint64_t name_bloom[256]; /* 16 Kbit in front of it */
    uint32_t name_mask;
    uint32_t name_used;   /* slots taken in name_first */
    int last_year;      /* latest explicit year met (not after ref_year) */
    ent_list *out;
    struct ent_pend {
        size_t idx; /* in out */
        int month, day;
    } *pend; /* dates waiting for a year */
    size_t npend, cappend;
    /* latin readings already made in this call (names repeat) */
    struct ent_latin {
        uint64_t h;
        char *value, *latin; /* owned */
    } *lat;
    size_t latmask, nlat;
    void *tr;           /* transliterator taken from the pool */
    int err;
} ent_ctx;

/* Tokenizes text[s..e) into ctx->tok. Returns 0 or -ENOMEM. */
int tok_block(ent_ctx *c, size_t s, size_t e);
/* 1 when token i's reading r has flag f. */
uint32_t tok_flags(const ent_ctx *c, size_t i);          /* any reading */
uint32_t tok_flags0(const ent_ctx *c, size_t i);         /* full form */
int tok_is(const ent_ctx *c, size_t i, uint32_t cp);    /* punct cp */
int tok_adjacent(const ent_ctx *c, size_t i);           /* no space before */

/* Longest phrase of the trie at token i whose payloads include a kind in
 * kinds (bit mask of 1 << PK_*).  Returns the number of tokens (0 = none),
 * sets *pay to the first payload of the match and *off to the surface
 * start (after clitics).  Tokens flagged TF_TAKEN are never crossed. */
size_t match_at(const ent_ctx *c, size_t i, unsigned kinds, int32_t *pay,
                size_t *off);
/* The first payload of kind k in the list starting at p, or NULL. */
const ent_payload *pay_find(const ent_data *d, int32_t p, int kind);

/* ---- candidates (extract.c) ------------------------------------------------ */

/* Adds an entity candidate for tokens [ti, tj) (or -1) over bytes
 * [start, end); takes ownership of value, key, attrs (may be NULL: value
 * defaults to the surface).  Marks the tokens taken. */
ent_cand_ent *cand_add(ent_ctx *c, int type, size_t start, size_t end,
                       int ti, int tj, double conf, char *value, char *key,
                       char *attrs);
void take(ent_ctx *c, size_t i, size_t j);
int taken(const ent_ctx *c, size_t i, size_t j);

/* ---- rules ------------------------------------------------------------------ */
void pat_code(ent_ctx *c);  /* URL, EMAIL, DOCREF */
void pat_date(ent_ctx *c);  /* DATE */
void pat_num(ent_ctx *c);   /* MONEY, PERCENT, QUANTITY */
void names_run(ent_ctx *c); /* PERSON, ORG, LOC */
void resolve_block(ent_ctx *c); /* later mentions of names */
/* Token i could be the family name in a name (names.c). */
int name_word_ok(const ent_ctx *c, size_t i);
void resolve_free(ent_ctx *c);

/* Key of a surface span: the match forms of its words joined by spaces.
 * Caller frees. */
char *key_of_span(ent_ctx *c, size_t start, size_t end);
/* The number in token range [i..); digits of any script, separators by
 * language. Returns tokens used (0 = no number) and the value. */
size_t num_parse(const ent_ctx *c, size_t i, double *val, int *ndigits,
                 int *has_sep);
/* The ASCII digits value of a TK_NUM token (up to 18 digits); -1 if none. */
long long tok_int(const ent_ctx *c, size_t i);

/* Latin reading of a string (ICU Any-Latin; Latin-ASCII). Caller frees;
 * NULL when unavailable. */
char *latin_of(ent_ctx *c, const char *s);
void latin_release(ent_ctx *c);
void latin_cache_free(ent_ctx *c);

#endif
