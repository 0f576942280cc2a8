/*
 * The published text and what is measured on it (pint.h): byte offsets of
 * paragraphs and captions, ICU word and sentence counts, the dominant
 * script per block and per document (uscript), the language per block
 * (the script's language, or the stop-word profile that wins) and the
 * share of each language, the derived title, the ASCII-digit view.
 */
#include "langs.h"
#include "pint.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#define TITLE_MAX_CP 200
#define LOOKUPS_PER_BLOCK 150

typedef struct binfo {
    size_t s8, e8;     /* byte offsets in the output */
    int32_t first_end; /* where the first ICU sentence ends (units) */
    int64_t letters;
    int script;
    char lang[16];
} binfo;

/* Per-block tallies, reset between blocks, and the document's letters per
 * script; kept in the workspace from one document to the next (with the
 * profiles of each script, which do not change). */
typedef struct ptally {
    int64_t doc_scripts[USCRIPT_CODE_LIMIT];
    int64_t by_script[USCRIPT_CODE_LIMIT];
    int touched[USCRIPT_CODE_LIMIT];
    int n_touched;
    uint32_t hits[LANGS_MAX];
    uint32_t lookups;
    uint64_t mask_cache[USCRIPT_CODE_LIMIT];
    int32_t maxlen_cache[USCRIPT_CODE_LIMIT];
    uint8_t mask_known[USCRIPT_CODE_LIMIT];
    int fold1; /* every character of the text is PC_FOLD1 */
} tally;

static uint64_t script_mask(const plangs *l, tally *t, int sc)
{
    if (!t->mask_known[sc]) {
        t->mask_cache[sc] = langs_script_mask(l, (UScriptCode)sc);
        t->maxlen_cache[sc] = langs_max_len(l, t->mask_cache[sc]);
        t->mask_known[sc] = 1;
    }
    return t->mask_cache[sc];
}

static const char *decide_lang(const plangs *l, tally *t, int sc)
{
    uint64_t mask = script_mask(l, t, sc);
    const char *d;
    if (mask) {
        int best = -1;
        uint32_t bh = 0, second = 0;
        for (int i = 0, nl = langs_count(l); i < nl; i++) {
            if (!(mask & ((uint64_t)1 << i)))
                continue;
            if (t->hits[i] > bh) {
                second = bh;
                bh = t->hits[i];
                best = i;
            } else if (t->hits[i] > second) {
                second = t->hits[i];
            }
        }
        if (best >= 0 && bh > second)
            return langs_name(l, best);
        if (!(mask & (mask - 1)))
            return langs_name(l, __builtin_ctzll(mask));
    }
    d = langs_script_lang(l, (UScriptCode)sc);
    return d ? d : "und";
}

static void finish_block(const plangs *l, tally *t, binfo *b,
                         int64_t *doc_scripts)
{
    int64_t *v = t->by_script, best = 0, total = 0;
    int sc = USCRIPT_COMMON;
    int64_t kana = v[USCRIPT_HIRAGANA] + v[USCRIPT_KATAKANA];
    /* Han with kana is Japanese, Han with Hangul is Korean. */
    if (kana > 0) {
        v[USCRIPT_JAPANESE] += kana + v[USCRIPT_HAN];
        v[USCRIPT_HIRAGANA] = v[USCRIPT_KATAKANA] = v[USCRIPT_HAN] = 0;
        t->touched[t->n_touched++] = USCRIPT_JAPANESE;
    } else if (v[USCRIPT_HANGUL] > 0 && v[USCRIPT_HAN] > 0) {
        v[USCRIPT_HANGUL] += v[USCRIPT_HAN];
        v[USCRIPT_HAN] = 0;
    }
    for (int i = 0; i < t->n_touched; i++) {
        int s = t->touched[i];
        total += v[s];
        if (v[s] > best) {
            best = v[s];
            sc = s;
        }
    }
    b->letters = total;
    b->script = sc;
    {
        const char *lang = total ? decide_lang(l, t, sc) : "und";
        size_t k = strlen(lang);
        if (k >= sizeof b->lang)
            k = sizeof b->lang - 1;
        memcpy(b->lang, lang, k);
        b->lang[k] = '\0';
    }
    doc_scripts[sc] += total;
    for (int i = 0; i < t->n_touched; i++)
        v[t->touched[i]] = 0;
    t->n_touched = 0;
    memset(t->hits, 0, sizeof t->hits);
    t->lookups = 0;
}

static int word_script(const UChar *s, int32_t p, int32_t q)
{
    int32_t i = p;
    while (i < q) {
        UErrorCode e = U_ZERO_ERROR;
        UChar32 c;
        int sc;
        U16_NEXT(s, i, q, c);
        sc = c < 0x10000 ? pscript[c] : uscript_getScript(c, &e);
        if (U_SUCCESS(e) && sc != USCRIPT_COMMON && sc != USCRIPT_INHERITED &&
            sc >= 0 && sc < USCRIPT_CODE_LIMIT)
            return sc;
    }
    return USCRIPT_COMMON;
}

/* Words, scripts and languages of one block, with the word break
 * iterator (blocks are separated by blank lines, which break words and
 * sentences anyway, so counting per block is counting the text). */
static size_t scan_words(const plangs *l, tally *t, UBreakIterator *bi,
                         const UChar *s, int32_t n)
{
    UErrorCode e = U_ZERO_ERROR;
    size_t words = 0;
    int32_t p, q;
    ubrk_setText(bi, s, n, &e);
    if (U_FAILURE(e))
        return 0;
    p = ubrk_first(bi);
    for (q = ubrk_next(bi); q != UBRK_DONE; p = q, q = ubrk_next(bi)) {
        int32_t status = ubrk_getRuleStatus(bi);
        int sc;
        uint64_t mask;
        if (status < UBRK_WORD_NONE_LIMIT)
            continue;
        words++;
        if (status < UBRK_WORD_NUMBER_LIMIT)
            continue;
        sc = word_script(s, p, q);
        if (sc == USCRIPT_COMMON)
            continue;
        if (!t->by_script[sc])
            t->touched[t->n_touched++] = sc;
        t->by_script[sc] += q - p;
        mask = script_mask(l, t, sc);
        /* Two profiles or more share the script: stop words decide; the
         * first words of a block are evidence enough. */
        if ((mask & (mask - 1)) && t->lookups < LOOKUPS_PER_BLOCK) {
            t->lookups++;
            /* A word of PC_FOLD1 characters longer than the profiles'
             * stop words is none of them. */
            if (t->fold1 && q - p > t->maxlen_cache[sc])
                continue;
            uint64_t hit = langs_lookup_in(l, s + p, q - p, mask,
                                           t->maxlen_cache[sc]);
            while (hit) {
                t->hits[__builtin_ctzll(hit)]++;
                hit &= hit - 1;
            }
        }
    }
    return words;
}

/* The sentences of a block; *first_end: the end of the first one (n when
 * there is none). */
static size_t count_sentences(UBreakIterator *bi, const UChar *s, int32_t n,
                              int32_t *first_end)
{
    UErrorCode e = U_ZERO_ERROR;
    size_t k = 0;
    int32_t p, q;
    *first_end = n;
    ubrk_setText(bi, s, n, &e);
    if (U_FAILURE(e))
        return 0;
    p = ubrk_first(bi);
    q = ubrk_next(bi);
    if (q != UBRK_DONE)
        *first_end = q;
    for (; q != UBRK_DONE; p = q, q = ubrk_next(bi)) {
        int32_t i = p;
        while (i < q) {
            UChar32 c;
            U16_NEXT(s, i, q, c);
            if (pclass(c) & PC_ALNUM) {
                k++;
                break;
            }
        }
    }
    return k;
}

/* The first sentence of s (which ends at end, what count_sentences()
 * found), without a final full stop, at most TITLE_MAX_CP code points (cut
 * on a space, with an ellipsis). */
static char *derive_title(const UChar *s, int32_t end)
{
    int32_t i = 0, cp = 0, last_space = -1;
    ubuf t = {0};
    char *out;
    while (end > 0 && s[end - 1] == ' ')
        end--;
    if (end > 0 && !txt_ends_with_question(s, end) &&
        u_hasBinaryProperty(s[end - 1], UCHAR_TERMINAL_PUNCTUATION))
        end--;
    while (i < end && cp < TITLE_MAX_CP) {
        UChar32 c;
        U16_NEXT(s, i, end, c);
        cp++;
        if (c == ' ')
            last_space = i - 1;
    }
    if (i < end) {
        int32_t cut = last_space > 0 ? last_space : i;
        if (ubuf_append(&t, s, cut) < 0 || ubuf_append_c(&t, 0x2026) < 0) {
            ubuf_free(&t);
            return NULL;
        }
    } else if (ubuf_append(&t, s, end) < 0) {
        ubuf_free(&t);
        return NULL;
    }
    out = u_to_utf8_dup(t.s, t.len);
    ubuf_free(&t);
    return out;
}

/* Appends the UTF-8 of s (lone surrogates become U+FFFD) to o8, whose
 * room is reserved (three bytes a unit); returns the code points. */
static size_t put_utf8(sbuf *o8, const UChar *s, int32_t n)
{
    uint8_t *o = (uint8_t *)o8->s + o8->len, *o0 = o;
    size_t pairs = 0;
    int32_t i = 0;
    while (i < n) {
        UChar32 c = s[i++];
        if (c < 0x80) {
            *o++ = (uint8_t)c;
        } else if (c < 0x800) {
            *o++ = (uint8_t)(0xC0 | (c >> 6));
            *o++ = (uint8_t)(0x80 | (c & 0x3F));
        } else if (!U16_IS_SURROGATE(c)) {
            *o++ = (uint8_t)(0xE0 | (c >> 12));
            *o++ = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            *o++ = (uint8_t)(0x80 | (c & 0x3F));
        } else if (U16_IS_LEAD(c) && i < n && U16_IS_TRAIL(s[i])) {
            c = U16_GET_SUPPLEMENTARY(c, s[i]);
            i++;
            pairs++;
            *o++ = (uint8_t)(0xF0 | (c >> 18));
            *o++ = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
            *o++ = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            *o++ = (uint8_t)(0x80 | (c & 0x3F));
        } else {
            *o++ = 0xEF; /* U+FFFD */
            *o++ = 0xBF;
            *o++ = 0xBD;
        }
    }
    o8->len += (size_t)(o - o0);
    o8->s[o8->len] = '\0';
    return (size_t)n - pairs;
}

/* Every decimal digit as ASCII (not offset-aligned); NULL in *out when
 * the text has no non-ASCII digit.  0 or -ENOMEM. */
static int ascii_digits(const char *s, size_t n, char **out, size_t *outlen)
{
    char *o;
    size_t w = 0;
    int32_t i = 0;
    int any = 0;
    *out = NULL;
    *outlen = 0;
    while ((size_t)i < n && !any) {
        UChar32 c;
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        U8_NEXT((const uint8_t *)s, i, (int32_t)n, c);
        any = c > 0 && (pclass(c) & PC_DIGIT);
    }
    if (!any)
        return 0;
    o = malloc(n + 1);
    if (!o)
        return -ENOMEM;
    i = 0;
    while ((size_t)i < n) {
        UChar32 c;
        int32_t start = i;
        if ((unsigned char)s[i] < 0x80) {
            o[w++] = s[i++];
            continue;
        }
        U8_NEXT((const uint8_t *)s, i, (int32_t)n, c);
        if (c > 0 && (pclass(c) & PC_DIGIT)) {
            o[w++] = (char)('0' + u_charDigitValue(c));
        } else {
            while (start < i)
                o[w++] = s[start++];
        }
    }
    o[w] = '\0';
    *out = o;
    *outlen = w;
    return 0;
}

struct share {
    int script; /* -1: all scripts (the document's shares) */
    char lang[16];
    int64_t letters;
};

static int cmp_share(const void *a, const void *b)
{
    const parse_lang_share *x = a, *y = b;
    if (x->share != y->share)
        return x->share < y->share ? 1 : -1;
    return strcmp(x->lang, y->lang);
}

/* Adds letters to the (script, lang) entry; the list holds few entries. */
static void share_add(struct share *sh, size_t *ns, int script,
                      const char *lang, int64_t letters)
{
    size_t j;
    for (j = 0; j < *ns; j++)
        if (sh[j].script == script && !strcmp(sh[j].lang, lang))
            break;
    if (j == *ns) {
        sh[j].script = script;
        str_copy(sh[j].lang, sizeof sh[j].lang, lang);
        sh[j].letters = 0;
        (*ns)++;
    }
    sh[j].letters += letters;
}

/* Blocks whose language stayed unknown take the language that has most
 * letters among the other blocks in their script; then the shares. */
static int languages(binfo *bl, size_t nb, parse_result *res)
{
    struct share *by = calloc(nb + 1, sizeof *by);
    struct share *doc = calloc(nb + 1, sizeof *doc);
    size_t nby = 0, ndoc = 0;
    int64_t total = 0;
    int rc = -ENOMEM;
    if (!by || !doc)
        goto out;
    for (size_t i = 0; i < nb; i++)
        if (bl[i].letters && strcmp(bl[i].lang, "und"))
            share_add(by, &nby, bl[i].script, bl[i].lang, bl[i].letters);
    for (size_t i = 0; i < nb; i++) {
        const struct share *best = NULL;
        if (!bl[i].letters || strcmp(bl[i].lang, "und"))
            continue;
        for (size_t j = 0; j < nby; j++)
            if (by[j].script == bl[i].script &&
                (!best || by[j].letters > best->letters))
                best = &by[j];
        if (best)
            str_copy(bl[i].lang, sizeof bl[i].lang, best->lang);
    }
    for (size_t i = 0; i < nb; i++) {
        if (!bl[i].letters || !strcmp(bl[i].lang, "und"))
            continue;
        share_add(doc, &ndoc, -1, bl[i].lang, bl[i].letters);
        total += bl[i].letters;
    }
    if (ndoc) {
        res->langs = calloc(ndoc, sizeof *res->langs);
        if (!res->langs)
            goto out;
        for (size_t j = 0; j < ndoc; j++) {
            str_copy(res->langs[j].lang, sizeof res->langs[j].lang,
                     doc[j].lang);
            res->langs[j].share = (double)doc[j].letters / (double)total;
        }
        res->n_langs = ndoc;
        qsort(res->langs, ndoc, sizeof *res->langs, cmp_share);
    }
    str_copy(res->lang, sizeof res->lang,
             ndoc ? res->langs[0].lang : "und");
    rc = 0;
out:
    free(by);
    free(doc);
    return rc;
}

static int spans(const pstruct *st, const binfo *bl, uint8_t kind,
                 parse_span **out, size_t *n)
{
    size_t k = 0;
    for (size_t i = 0; i < st->n_blocks; i++)
        k += st->blocks[i].kind == kind;
    *n = 0;
    if (!k)
        return 0;
    *out = calloc(k, sizeof **out);
    if (!*out)
        return -ENOMEM;
    for (size_t i = 0; i < st->n_blocks; i++) {
        parse_span *s;
        if (st->blocks[i].kind != kind)
            continue;
        s = &(*out)[(*n)++];
        s->start = bl[i].s8;
        s->end = bl[i].e8;
        memcpy(s->lang, bl[i].lang, sizeof s->lang);
        str_copy(s->script, sizeof s->script,
                 bl[i].letters ? uscript_getShortName((UScriptCode)bl[i].script)
                               : "Zyyy");
    }
    return 0;
}

/* n bytes and a NUL. */
static char *mem_dup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

int analyze(parse_ctx *ctx, pws *ws, const pextract *x, const pstruct *st,
            const pclean *cl, parse_result *res)
{
    sbuf o8 = {0};
    binfo *bl = calloc(st->n_blocks + 1, sizeof *bl);
    tally *t = ws->tally ? ws->tally : (ws->tally = calloc(1, sizeof *t));
    int64_t best = 0, *doc_scripts;
    int rc = -ENOMEM, sc = -1, dirty = 0;
    const pblock *lead = NULL;
    size_t lead_i = 0;

    if (!bl || !t)
        goto out;
    doc_scripts = t->doc_scripts;
    memset(doc_scripts, 0, sizeof t->doc_scripts);
    t->fold1 = cl && (cl->common & PC_FOLD1);
    /* Untouched pages cost nothing: reserve the worst case. */
    if ((rc = sbuf_reserve(&o8, (size_t)st->buf.len * 3 +
                                    2 * st->n_blocks + 16)) < 0)
        goto out;
    dirty = 1; /* until the blocks are done: the tallies are reset */
    for (size_t i = 0; i < st->n_blocks; i++) {
        const pblock *b = &st->blocks[i];
        const UChar *s = st->buf.s + b->start;
        if (i && (rc = sbuf_append(&o8, "\n\n", 2)) < 0)
            goto out;
        bl[i].s8 = o8.len;
        if ((rc = sbuf_reserve(&o8, (size_t)b->len * 3)) < 0)
            goto out;
        res->counts.chars += put_utf8(&o8, s, b->len) + (i ? 2 : 0);
        bl[i].e8 = o8.len;
        if (b->kind == BK_PARA && !lead) {
            lead = b;
            lead_i = i;
        }
        res->counts.paragraphs += b->kind == BK_PARA;
        res->counts.words +=
            scan_words(ctx->langs, t, ws->words, s, b->len);
        res->counts.sentences +=
            count_sentences(ws->sentences, s, b->len, &bl[i].first_end);
        finish_block(ctx->langs, t, &bl[i], doc_scripts);
    }
    dirty = 0;
    rc = -ENOMEM;
    for (int i = 0; i < USCRIPT_CODE_LIMIT; i++) {
        if (doc_scripts[i] > best) {
            best = doc_scripts[i];
            sc = i;
        }
    }
    str_copy(res->script, sizeof res->script,
             sc >= 0 ? uscript_getShortName((UScriptCode)sc) : "Zyyy");
    if ((rc = languages(bl, st->n_blocks, res)) < 0 ||
        (rc = spans(st, bl, BK_PARA, &res->paragraphs, &res->n_paragraphs)) <
            0 ||
        (rc = spans(st, bl, BK_CAPTION, &res->captions, &res->n_captions)) < 0)
        goto out;
    rc = -ENOMEM;

    if (st->title) {
        res->title = strdup(st->title);
    } else {
        /* The lead's (or the first block's) first sentence. */
        size_t ti = lead ? lead_i : 0;
        res->title = st->n_blocks
                         ? derive_title(st->buf.s + st->blocks[ti].start,
                                        bl[ti].first_end)
                         : strdup("");
    }
    /* The lead is in the text already. */
    res->lead = lead ? mem_dup(o8.s + bl[lead_i].s8,
                               bl[lead_i].e8 - bl[lead_i].s8)
                     : strdup("");
    if (!res->title || !res->lead)
        goto out;
    if ((!cl || (cl->classes & PC_DIGIT)) &&
        ascii_digits(o8.s, o8.len, &res->ascii_digits,
                     &res->ascii_digits_len) < 0)
        goto out;
    if ((st->source && !(res->source = strdup(st->source))) ||
        (st->source_url && !(res->source_url = strdup(st->source_url))) ||
        (x->published && !(res->published = dup_or_null(x->published))) ||
        (x->lang_declared &&
         !(res->lang_declared = dup_or_null(x->lang_declared))))
        goto out;
    if (st->n_byline) {
        res->byline = calloc(st->n_byline, sizeof *res->byline);
        if (!res->byline)
            goto out;
        for (size_t i = 0; i < st->n_byline; i++) {
            if (!(res->byline[i] = strdup(st->byline[i])))
                goto out;
            res->n_byline++;
        }
    }
    res->text = o8.s;
    res->text_len = o8.len;
    o8.s = NULL;
    rc = 0;
out:
    if (dirty) {
        free(ws->tally);
        ws->tally = NULL;
    }
    sbuf_free(&o8);
    free(bl);
    return rc;
}
