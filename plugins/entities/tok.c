/*
 * Tokenizer: words (letters with their marks), numbers (digit runs of any
 * script) and single punctuation characters, with the white space between
 * them recorded as flags.  Token boundaries follow the Unicode word-break
 * classes for the alphabetic scripts the extractor knows (letters and marks
 * join, everything else splits), read from the per-code-point table built
 * with ICU -- the same boundaries as ICU's word break iterator gives these
 * scripts, at table-lookup speed.
 *
 * Each word gets its readings: the normalized full form, and for Arabic the
 * forms without the clitic prefixes (wa-, fa-, bi-, li-, ka-, and li+al-
 * written lil-), each with its vocabulary id and hash.
 */
#include "ent_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>

#define TOK_MAXBYTES 160 /* longer words are never looked up */

static uint8_t cls_of(const ent_norm *nm, uint32_t cp, uint8_t *script)
{
    int8_t t;
    UErrorCode st = U_ZERO_ERROR;
    UScriptCode sc;
    if (cp < 0x10000) {
        *script = nm->script[cp];
        return nm->cls[cp];
    }
    *script = SC_OTHER;
    t = (int8_t)u_charType((UChar32)cp);
    if (t == U_DECIMAL_DIGIT_NUMBER)
        return CC_DIGIT;
    if (t == U_NON_SPACING_MARK || t == U_ENCLOSING_MARK || t == U_COMBINING_SPACING_MARK)
        return CC_MARK;
    if (t == U_FORMAT_CHAR)
        return CC_DROP;
    if (u_isalpha((UChar32)cp)) {
        sc = uscript_getScript((UChar32)cp, &st);
        (void)sc;
        return u_isupper((UChar32)cp) ? CC_UPPER : CC_LETTER;
    }
    if (u_isUWhiteSpace((UChar32)cp))
        return CC_SPACE;
    return CC_PUNCT;
}

/* Scans the next raw token from *i (< len).  Returns its kind, 0 at the
 * end.  *ws gets TF_SPACE/TF_NL for the space skipped before it. */
static int scan(const ent_norm *nm, const char *t, size_t len, size_t *i,
                size_t *ts, size_t *te, uint32_t *cp0, uint8_t *script,
                uint16_t *fl)
{
    size_t k = *i, prev;
    uint32_t cp;
    uint8_t cl, sc;
    int kind = 0;
    uint16_t ws = 0;
    int nletters = 0, nupper = 0;
    *script = SC_OTHER;
    while (k < len) {
        prev = k;
        cp = ent_next_cp(t, len, &k);
        cl = cls_of(nm, cp, &sc);
        if (kind == 0) {
            if (cl == CC_SPACE) {
                ws |= TF_SPACE;
                continue;
            }
            if (cl == CC_NL) {
                ws |= TF_SPACE | TF_NL;
                continue;
            }
            if (cl == CC_DROP)
                continue;
            *ts = prev;
            *cp0 = cp;
            if (cl == CC_DIGIT) {
                kind = TK_NUM;
            } else if (cl == CC_LETTER || cl == CC_UPPER || cl == CC_MARK) {
                kind = TK_WORD;
                *script = sc;
                if (cl == CC_UPPER) {
                    ws |= TF_CAP;
                    nupper++;
                }
                if (cl != CC_MARK)
                    nletters++;
            } else {
                *te = k;
                *i = k;
                *fl = ws;
                return TK_PUNCT;
            }
            continue;
        }
        if (kind == TK_NUM) {
            if (cl != CC_DIGIT) {
                k = prev;
                break;
            }
        } else {
            if (cl == CC_LETTER || cl == CC_UPPER) {
                if (*script == SC_OTHER)
                    *script = sc;
                nletters++;
                if (cl == CC_UPPER)
                    nupper++;
            } else if (cl != CC_MARK && cl != CC_DROP) {
                k = prev;
                break;
            }
        }
    }
    if (!kind) {
        *i = k;
        return 0;
    }
    if (kind == TK_WORD && nletters >= 2 && nupper == nletters)
        ws |= TF_ALLCAPS;
    *te = k;
    *i = k;
    *fl = ws;
    return kind;
}

static void strip_suffix(const ent_data *d, int script, sbuf *f);
static void apply_rewrites(const ent_data *d, int script, sbuf *f);

/* Applies the script's rewrites and strips one matching ending. */
static void finish_form(const ent_data *d, int script, sbuf *f)
{
    size_t r;
    if (script < 0 || script >= SC_NSCRIPTS || f->len == 0)
        return;
    apply_rewrites(d, script, f);
    strip_suffix(d, script, f);
    (void)r;
}

static void strip_suffix(const ent_data *d, int script, sbuf *f)
{
    size_t r;
    if (script < 0 || script >= SC_NSCRIPTS || f->len == 0)
        return;
    for (r = 0; r < d->nsuffixes[script]; r++) {
        const char *sfx = d->suffixes[script][r];
        size_t sl = strlen(sfx);
        /* keep at least 3 letters (2-byte scripts: 6 bytes) */
        if (f->len >= sl + 6 && memcmp(f->s + f->len - sl, sfx, sl) == 0) {
            f->len -= sl;
            f->s[f->len] = '\0';
            break;
        }
    }
}

/* The script's rewrites (key_rewrites), in order. */
static void apply_rewrites(const ent_data *d, int script, sbuf *f)
{
    size_t r, q;
    int any = 0;
    if (script < 0 || script >= SC_NSCRIPTS || f->len == 0 || !d->nrewrites[script])
        return;
    /* most words hold nothing to rewrite: one pass over byte pairs says so */
    for (q = 0; q < f->len && !any; q++) {
        unsigned key = (unsigned)(unsigned char)f->s[q] << 8 |
                       (q + 1 < f->len ? (unsigned char)f->s[q + 1] : 0);
        if (d->rw_first[script][key >> 3] & (1u << (key & 7)))
            for (r = 0; r < d->nrewrites[script] && !any; r++) {
                const ent_rewrite *w = &d->rewrites[script][r];
                if (q + w->from_len <= f->len && !memcmp(f->s + q, w->from, w->from_len))
                    any = 1;
            }
    }
    if (!any)
        return;
    for (r = 0; r < d->nrewrites[script]; r++) {
        const ent_rewrite *w = &d->rewrites[script][r];
        if (w->at_end) {
            if (f->len >= w->from_len + (size_t)w->min_left &&
                memcmp(f->s + f->len - w->from_len, w->from, w->from_len) == 0) {
                f->len -= w->from_len;
                sb_add(f, w->to, w->to_len);
            }
        } else {
            size_t p = 0;
            while (p + w->from_len <= f->len) {
                /* words are short: a plain scan beats memmem's set-up */
                const char *hit = NULL;
                size_t q;
                for (q = p; q + w->from_len <= f->len; q++)
                    if (f->s[q] == w->from[0] &&
                        (w->from_len < 2 || f->s[q + 1] == w->from[1]) &&
                        !memcmp(f->s + q, w->from, w->from_len)) {
                        hit = f->s + q;
                        break;
                    }
                if (!hit)
                    break;
                p = (size_t)(hit - f->s);
                {
                    if (w->to_len == w->from_len) {
                        memcpy(f->s + p, w->to, w->to_len);
                    } else {
                        sbuf t;
                        sb_init(&t);
                        sb_add(&t, f->s, p);
                        sb_add(&t, w->to, w->to_len);
                        sb_add(&t, f->s + p + w->from_len, f->len - p - w->from_len);
                        if (t.oom) {
                            sb_free(&t);
                            f->oom = 1;
                            return;
                        }
                        sb_free(f);
                        *f = t;
                    }
                    p += w->to_len ? w->to_len : 1;
                }
            }
        }
    }
}

void data_match_form(const ent_data *d, const char *w, size_t n, sbuf *out)
{
    size_t i = 0;
    int script = SC_OTHER;
    while (i < n) {
        uint32_t cp = ent_next_cp(w, n, &i);
        if (cp < 0x10000 && d->norm->script[cp] != SC_OTHER) {
            script = d->norm->script[cp];
            break;
        }
    }
    out->len = 0;
    norm_append(d->norm, w, n, out);
    finish_form(d, script, out);
    sb_cstr(out);
}

/* Splits a phrase as the tokenizer does; calls fn for each token. */
int data_split(const ent_data *d, const char *s, size_t len,
               int (*fn)(void *arg, const char *w, size_t n, int kind),
               void *arg)
{
    size_t i = 0, ts = 0, te = 0;
    uint32_t cp;
    uint8_t sc;
    uint16_t fl;
    int kind, rc;
    while ((kind = scan(d->norm, s, len, &i, &ts, &te, &cp, &sc, &fl)) != 0) {
        rc = fn(arg, s + ts, te - ts, kind);
        if (rc < 0)
            return rc;
    }
    return 0;
}

#define AR_WAW "\xD9\x88"
#define AR_FEH "\xD9\x81"
#define AR_BEH "\xD8\xA8"
#define AR_KAF "\xD9\x83"
#define AR_LAM "\xD9\x84"
#define AR_ALEF "\xD8\xA7"

static int starts(const char *s, size_t n, const char *p)
{
    size_t pl = strlen(p);
    return n >= pl && memcmp(s, p, pl) == 0;
}

/* Surface offset after k letters of the word at [s, e). */
static size_t skip_letters(const ent_ctx *c, size_t s, size_t e, int k)
{
    size_t i = s;
    while (i < e && k > 0) {
        uint32_t cp = ent_next_cp(c->text, e, &i);
        uint8_t sc;
        uint8_t cl = cls_of(c->d->norm, cp, &sc);
        if (cl == CC_LETTER || cl == CC_UPPER) {
            k--;
            /* skip the marks and tatweel that follow the letter */
            while (i < e) {
                size_t j = i;
                uint32_t c2 = ent_next_cp(c->text, e, &j);
                uint8_t cl2 = cls_of(c->d->norm, c2, &sc);
                if (cl2 != CC_MARK && cl2 != CC_DROP)
                    break;
                i = j;
            }
        }
    }
    return i;
}

static void add_cand(ent_ctx *c, ent_tok *t, const char *form, size_t n,
                     int strip, int al, int clitic, sbuf *f)
{
    ent_cand *cd;
    uint64_t h;
    int r;
    f->len = 0;
    sb_add(f, form, n);
    strip_suffix(c->d, t->script, f);
    if (f->oom) {
        c->err = -ENOMEM;
        return;
    }
    h = ent_hash(f->s, f->len);
    for (r = 0; r < t->ncand; r++)
        if (t->cand[r].h == h)
            return;
    if (t->ncand >= TOK_MAXCAND)
        return;
    cd = &t->cand[t->ncand++];
    cd->h = h;
    cd->id = vocab_find(&c->d->vocab, f->s, f->len, h);
    cd->al = (uint8_t)al;
    cd->prefix = (uint8_t)clitic;
    cd->off = strip ? skip_letters(c, t->s, t->e, strip) : t->s;
}

static void arabic_cands(ent_ctx *c, ent_tok *t, const char *w, size_t n, sbuf *f)
{
    const char *base[2];
    size_t blen[2];
    int bstrip[2], nb = 1, b;
    base[0] = w;
    blen[0] = n;
    bstrip[0] = 0;
    if ((starts(w, n, AR_WAW) || starts(w, n, AR_FEH)) && n >= 2 + 4) {
        base[1] = w + 2;
        blen[1] = n - 2;
        bstrip[1] = 1;
        nb = 2;
    }
    for (b = 0; b < nb; b++) {
        const char *x = base[b];
        size_t xl = blen[b];
        if (b > 0)
            add_cand(c, t, x, xl, bstrip[b], starts(x, xl, AR_ALEF AR_LAM) && xl >= 6,
                     1, f);
        if ((starts(x, xl, AR_BEH) || starts(x, xl, AR_KAF) || starts(x, xl, AR_LAM)) &&
            xl >= 2 + 4) {
            if (starts(x, xl, AR_LAM AR_LAM) && xl >= 4 + 4) {
                /* li + al-X is written lil-X: al-hizb in lil-hizb, and
                 * al-lajna in lil-lajna (X begins with lam) */
                char tmp[TOK_MAXBYTES * 2 + 8];
                if (xl + 4 < sizeof tmp) {
                    /* the fused lil- stays in the surface: it is one
                     * written word (للأمم المتحدة) */
                    memcpy(tmp, AR_ALEF AR_LAM, 4);
                    memcpy(tmp + 4, x + 4, xl - 4);
                    add_cand(c, t, tmp, xl, bstrip[b], 1, 1, f);
                    memcpy(tmp, AR_ALEF, 2);
                    memcpy(tmp + 2, x, xl);
                    add_cand(c, t, tmp, xl + 2, bstrip[b], 1, 1, f);
                }
            }
            /* lil- is one written word (li + al-): its surface stays whole */
            add_cand(c, t, x + 2, xl - 2,
                     starts(x, xl, AR_LAM AR_LAM) ? bstrip[b] : bstrip[b] + 1,
                     starts(x + 2, xl - 2, AR_ALEF AR_LAM) && xl >= 2 + 6, 1, f);
        }
    }
}

static int lang_index(ent_ctx *c, const char *tag)
{
    int i;
    for (i = 0; i < c->nlangs; i++)
        if (strcmp(c->langs[i], tag) == 0)
            return i;
    if (c->nlangs >= 32)
        return 0;
    snprintf(c->langs[c->nlangs], sizeof c->langs[0], "%s", tag);
    c->lang_data[c->nlangs] = (uint8_t)data_lang_index(c->d, tag);
    c->lang_script[c->nlangs] = c->lang_data[c->nlangs]
                                    ? c->d->dlang_script[c->lang_data[c->nlangs]]
                                    : SC_OTHER;
    return c->nlangs++;
}

static int lang_is_latin(const char *l)
{
    static const char *const ll[] = {"en", "vi", "fr", "de", "es", "it", "pt", "nl",
                                     "id", "ms", "tr", "pl", "ro", "sv", "da", "no",
                                     "fi", "cs", "hu", NULL};
    int i;
    if (!l)
        return 0;
    for (i = 0; ll[i]; i++)
        if (strncmp(l, ll[i], 2) == 0 && (l[2] == '\0' || l[2] == '-'))
            return 1;
    return 0;
}

static const char *span_lang(const ent_ctx *c, size_t off)
{
    size_t lo = 0, hi = c->o->n_spans;
    if (!c->o->spans)
        return NULL;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const ent_span_lang *sp = &c->o->spans[mid];
        if (off < sp->start)
            hi = mid;
        else if (off >= sp->end)
            lo = mid + 1;
        else
            return sp->lang[0] ? sp->lang : NULL;
    }
    return NULL;
}

/* The language of tokens [a, b) (one sentence). */
static const char *sentence_lang(ent_ctx *c, size_t a, size_t b)
{
    int cnt[SC_NSCRIPTS] = {0};
    int best = SC_OTHER, vi = 0, en = 0, fr = 0;
    size_t i;
    const char *dl = c->o->doc_lang, *sl;
    sl = a < b ? span_lang(c, c->tok[a].s) : NULL;
    if (sl)
        return sl;
    for (i = a; i < b; i++) {
        const ent_tok *t = &c->tok[i];
        if (t->kind != TK_WORD)
            continue;
        cnt[t->script]++;
        if (t->script == SC_LATN) {
            size_t k = t->s;
            while (k < t->e) {
                uint32_t cp = ent_next_cp(c->text, t->e, &k);
                if ((cp >= 0x1EA0 && cp <= 0x1EF9) || cp == 0x01A1 || cp == 0x01A0 ||
                    cp == 0x01B0 || cp == 0x01AF || cp == 0x0103 || cp == 0x0102 ||
                    cp == 0x0111 || cp == 0x0110) {
                    vi++;
                    break;
                }
            }
            if (t->e - t->s <= 4) {
                char w[5];
                size_t n = t->e - t->s, k2;
                for (k2 = 0; k2 < n; k2++)
                    w[k2] = (char)(c->text[t->s + k2] | 0x20);
                w[n] = '\0';
                if (!strcmp(w, "the") || !strcmp(w, "of") || !strcmp(w, "and") ||
                    !strcmp(w, "to") || !strcmp(w, "in") || !strcmp(w, "is") ||
                    !strcmp(w, "for") || !strcmp(w, "with"))
                    en++;
                else if (!strcmp(w, "le") || !strcmp(w, "la") || !strcmp(w, "les") ||
                         !strcmp(w, "des") || !strcmp(w, "du") || !strcmp(w, "et") ||
                         !strcmp(w, "est") || !strcmp(w, "une") || !strcmp(w, "dans") ||
                         !strcmp(w, "pour") || !strcmp(w, "aux"))
                    fr++;
            }
        }
    }
    for (i = 1; i < SC_NSCRIPTS; i++)
        if (cnt[i] > cnt[best])
            best = (int)i;
    switch (best) {
    case SC_ARAB:
        if (dl && (!strncmp(dl, "fa", 2) || !strncmp(dl, "ur", 2) || !strncmp(dl, "ps", 2)))
            return dl;
        return "ar";
    case SC_GREK:
        return "el";
    case SC_CYRL:
        return dl && !lang_is_latin(dl) && strncmp(dl, "ar", 2) && strncmp(dl, "el", 2)
                   ? dl : "ru";
    case SC_LATN:
        if (vi * 10 >= cnt[SC_LATN] && vi > 0)
            return "vi";
        if (fr > en)
            return "fr";
        if (en > fr)
            return "en";
        return lang_is_latin(dl) ? dl : "en";
    default:
        return dl && *dl ? dl : "und";
    }
}

int tok_block(ent_ctx *c, size_t s, size_t e)
{
    const ent_norm *nm = c->d->norm;
    size_t i = s, ts = 0, te = 0, sent0;
    uint32_t cp;
    uint8_t sc;
    uint16_t fl;
    int kind, newsent = 1;
    sbuf *f = &c->nb;
    sbuf *formp = &c->form;
    c->ntok = 0;
    while ((kind = scan(nm, c->text, e, &i, &ts, &te, &cp, &sc, &fl)) != 0) {
        ent_tok *t;
        if (c->ntok == c->captok) {
            size_t cap = c->captok ? c->captok * 2 : 1024;
            ent_tok *nt = realloc(c->tok, cap * sizeof *nt);
            if (!nt)
                return -ENOMEM;
            c->tok = nt;
            c->captok = cap;
        }
        t = &c->tok[c->ntok++];
        t->s = ts;
        t->e = te;
        t->kind = (uint8_t)kind;
        t->script = sc;
        t->flags = fl;
        t->ncand = 0;
        t->lang = 0;
        t->startk = 0;
        t->cp = kind == TK_PUNCT ? cp : 0;
        if ((fl & TF_NL) || newsent)
            t->flags |= TF_SENT;
        newsent = 0;
        if (kind == TK_PUNCT) {
            if ((cp == '.' || cp == '!' || cp == '?' || cp == 0x061F || cp == 0x06D4 ||
                 cp == 0x037E || cp == ';' || cp == 0x2026) &&
                (i >= e || c->text[i] == ' ' || c->text[i] == '\n' || c->text[i] == '\r'))
                newsent = 1;
        }
        t->c0 = t->c1 = t->clast = 0;
        t->nl = 0;
        t->hz = 0;
        if (kind == TK_WORD) {
            /* letters, first two, last, hamza forms: read once here */
            size_t q = ts;
            while (q < te && t->nl < 0xFFFF) {
                uint32_t x = ent_next_cp(c->text, te, &q);
                uint8_t scx;
                uint8_t cl = cls_of(nm, x, &scx);
                if (cl != CC_LETTER && cl != CC_UPPER)
                    continue;
                if (t->nl == 0)
                    t->c0 = x;
                else if (t->nl == 1)
                    t->c1 = x;
                t->clast = x;
                t->nl++;
                if (x == 0x0622)
                    t->hz |= TH_MADDA;
                if (x == 0x0623 || x == 0x0625)
                    t->hz |= TH_HAMZA_ALEF;
                if (x >= 0x0621 && x <= 0x0626)
                    t->hz |= TH_HAMZA;
            }
        }
        if (te - ts > TOK_MAXBYTES) {
            t->flags |= TF_LONG;
            continue;
        }
        f->len = 0;
        norm_append(nm, c->text + ts, te - ts, f);
        if (f->oom)
            return -ENOMEM;
        if (f->len == 0)
            continue;
        apply_rewrites(c->d, sc, f); /* once for every reading */
        if (f->oom)
            return -ENOMEM;
        add_cand(c, t, f->s, f->len, 0,
                 sc == SC_ARAB && starts(f->s, f->len, AR_ALEF AR_LAM) && f->len >= 6, 0,
                 formp);
        if (sc == SC_ARAB && kind == TK_WORD)
            arabic_cands(c, t, f->s, f->len, formp);
        if (t->ncand && t->cand[0].al)
            t->flags |= TF_PLAINAL | TF_AL;
        for (int r = 1; r < t->ncand; r++)
            if (t->cand[r].al)
                t->flags |= TF_AL;
        for (int r = 0; r < t->ncand; r++)
            if (t->cand[r].id >= 0 && (size_t)t->cand[r].id < c->d->nstartk)
                t->startk |= c->d->startk[t->cand[r].id];
        if (c->err)
            return c->err;
    }
    /* languages by sentence */
    sent0 = 0;
    for (i = 0; i <= c->ntok; i++) {
        if (i == c->ntok || (i > sent0 && (c->tok[i].flags & TF_SENT))) {
            int li = lang_index(c, sentence_lang(c, sent0, i));
            size_t k;
            for (k = sent0; k < i; k++) {
                ent_tok *t = &c->tok[k];
                int r, dl = c->lang_data[li];
                /* a word in another script than its sentence's (a Latin name
                 * in Arabic text) takes its flags from every language */
                uint32_t keep = ~0u;
                if (!dl || c->lang_script[li] != t->script) {
                    /* only what names a name: its own language is unknown */
                    dl = ENT_ANYLANG;
                    keep = VF_GIVEN | VF_SURNAME | VF_SYLLABLE | VF_GAZ | VF_PARTICLE;
                }
                t->lang = (uint8_t)li;
                for (r = 0; r < t->ncand; r++)
                    t->cand[r].fl = t->cand[r].id < 0 ? 0
                                  : c->d->vocab.flags[t->cand[r].id] |
                                        (data_lang_flags(c->d, t->cand[r].id, dl) & keep);
            }
            sent0 = i;
        }
    }
    return 0;
}

uint32_t tok_flags(const ent_ctx *c, size_t i)
{
    const ent_tok *t = &c->tok[i];
    uint32_t f = 0;
    int r;
    for (r = 0; r < t->ncand; r++)
        f |= t->cand[r].fl;
    return f;
}

uint32_t tok_flags0(const ent_ctx *c, size_t i)
{
    const ent_tok *t = &c->tok[i];
    return t->ncand ? t->cand[0].fl : 0;
}

int tok_is(const ent_ctx *c, size_t i, uint32_t cp)
{
    return i < c->ntok && c->tok[i].kind == TK_PUNCT && c->tok[i].cp == cp;
}

int tok_adjacent(const ent_ctx *c, size_t i)
{
    return i < c->ntok && !(c->tok[i].flags & TF_SPACE);
}

const ent_payload *pay_find(const ent_data *d, int32_t p, int kind)
{
    for (; p >= 0; p = d->trie.pay[p].next)
        if (d->trie.pay[p].kind == kind)
            return &d->trie.pay[p];
    return NULL;
}

/* A phrase of language L holds in sentences of L, in sentences of unknown
 * language, and for words in another script than their sentence's. */
static int lang_ok(const ent_ctx *c, const ent_tok *t, int plang)
{
    int dl;
    if (plang == 0)
        return 1;
    dl = c->lang_data[t->lang];
    return !dl || dl == plang || c->lang_script[t->lang] != t->script;
}

static int has_kinds(const ent_ctx *c, const ent_tok *t, int32_t p, unsigned kinds)
{
    const ent_data *d = c->d;
    for (; p >= 0; p = d->trie.pay[p].next)
        if ((kinds & (1u << d->trie.pay[p].kind)) && lang_ok(c, t, d->trie.pay[p].lang))
            return 1;
    return 0;
}

#define MATCH_MAXDEPTH 16

size_t match_at(const ent_ctx *c, size_t i, unsigned kinds, int32_t *pay,
                size_t *off)
{
    const ent_data *d = c->d;
    size_t best = 0;
    int r;
    /* most words start no phrase of these kinds: no walk then */
    if (i >= c->ntok || (c->tok[i].flags & TF_TAKEN) || !(c->tok[i].startk & kinds))
        return 0;
    for (r = 0; r < c->tok[i].ncand; r++) {
        int32_t node = trie_child(&d->trie, 0, c->tok[i].cand[r].id);
        size_t k = i, n = 1;
        while (node >= 0) {
            if (n > best && d->trie.first[node] >= 0 &&
                has_kinds(c, &c->tok[i], d->trie.first[node], kinds)) {
                best = n;
                *pay = d->trie.first[node];
                *off = c->tok[i].cand[r].off;
            }
            k++;
            if (k >= c->ntok || n >= MATCH_MAXDEPTH || (c->tok[k].flags & (TF_TAKEN | TF_NL)) ||
                !c->tok[k].ncand)
                break;
            node = trie_child(&d->trie, node, c->tok[k].cand[0].id);
            n++;
        }
    }
    return best;
}
