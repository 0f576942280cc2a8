/*
 * PERSON, ORG and LOC: gazetteer names, then rules.
 *   - a title or role (titles) introduces a person name, possibly after a
 *     complement (an organisation, a place, adjectives with al-, "of the"):
 *     السكرتير الإقليمي للحزب هوانج ترونج دونج, Chairman of X Vo Trong Hai;
 *   - an organisation head word (org_heads) and what qualifies it: Arabic
 *     al- words after it (لجنة التعبئة الجماهيرية); in cased scripts the
 *     capitalized run around it (Κεντρική Επιτροπή Μαζικής Κινητοποίησης,
 *     Ministry of Foreign Affairs);
 *   - a place cue (loc_cues: province, مقاطعة, tỉnh) before a name, or a
 *     tail (loc_tails: Province) after one;
 *   - a known given name, or a Vietnamese family name followed by name
 *     syllables, starts a person name without a title.
 * Arabic has no capitals: a name is a run of words that are not function
 * words, cue words or al- words (bounded), Vietnamese syllables are known.
 */
#include "ent_internal.h"

#include <stdlib.h>
#include <string.h>

#define RULE_KINDS ((1u << PK_TITLE) | (1u << PK_ORGHEAD) | (1u << PK_LOCCUE) | (1u << PK_GROUP))
#define GAZ_KIND (1u << PK_GAZ)

static int is_word(const ent_ctx *c, size_t i)
{
    return i < c->ntok && c->tok[i].kind == TK_WORD && c->tok[i].ncand &&
           !(c->tok[i].flags & (TF_TAKEN | TF_LONG));
}

static int cased(const ent_ctx *c, size_t i)
{
    int s = c->tok[i].script;
    return s == SC_LATN || s == SC_GREK || s == SC_CYRL;
}

static int is_en(const ent_ctx *c, size_t i)
{
    return !strncmp(c->langs[c->tok[i].lang], "en", 2);
}

static size_t nletters(const ent_ctx *c, size_t i)
{
    return c->tok[i].nl;
}

static size_t gaz_at(const ent_ctx *c, size_t i, const ent_payload **gp, size_t *off)
{
    int32_t p;
    size_t n = match_at(c, i, GAZ_KIND, &p, off);
    if (!n)
        return 0;
    *gp = pay_find(c->d, p, PK_GAZ);
    /* a cased script wants a capital (or an acronym): on the first word,
     * or on a later one of a longer name (châu Âu, mer Rouge, dpa alone
     * is not enough) */
    if (cased(c, i) && !(c->tok[i].flags & TF_CAP)) {
        size_t k;
        for (k = i + 1; k < i + n; k++)
            if (c->tok[k].flags & TF_CAP)
                return n;
        return 0;
    }
    return n;
}

static size_t rule_at2(const ent_ctx *c, size_t i, const ent_payload **rp, size_t *off,
                       int32_t *plist)
{
    int32_t p;
    size_t n = match_at(c, i, RULE_KINDS, &p, off);
    *plist = p;
    static const int order[] = {PK_TITLE, PK_ORGHEAD, PK_LOCCUE, PK_GROUP};
    int k;
    if (!n)
        return 0;
    for (k = 0; k < 4; k++)
        if ((*rp = pay_find(c->d, p, order[k])))
            return n;
    return 0;
}

static size_t rule_at(const ent_ctx *c, size_t i, const ent_payload **rp, size_t *off)
{
    int32_t pl;
    return rule_at2(c, i, rp, off, &pl);
}

/* A title, an organisation head or a place cue starts at token i. */
static int cue_here(const ent_ctx *c, size_t i)
{
    int32_t p;
    size_t off;
    return match_at(c, i, (1u << PK_TITLE) | (1u << PK_ORGHEAD) | (1u << PK_LOCCUE), &p, &off) > 0;
}

/* Token j begins with wa-/fa- before another word: a new clause. */
static int conj_prefixed(const ent_ctx *c, size_t j)
{
    size_t k;
    uint32_t c0;
    if (j >= c->ntok || c->tok[j].script != SC_ARAB || c->tok[j].ncand < 2)
        return 0;
    k = c->tok[j].s;
    c0 = ent_next_cp(c->text, c->tok[j].e, &k);
    return c0 == 0x0648 || c0 == 0x0641;
}

/* ---- name runs --------------------------------------------------------- */

/* An Arabic word with a clitic prefix (bi-, li-, ka-) that ends with a
 * possessive pronoun (-ha, -hum, -huma, -kum, -na; not -hu, which ends many
 * transcribed names). */
static int ends_pronoun(const ent_ctx *c, size_t i)
{
    const ent_tok *t = &c->tok[i];
    size_t n = t->e - t->s;
    const char *w = c->text + t->s;
    int r, prep = 0;
    for (r = 1; r < t->ncand; r++)
        if (t->cand[r].prefix) {
            uint32_t cp;
            size_t k = t->s;
            cp = ent_next_cp(c->text, t->e, &k);
            if (cp == 0x0628 || cp == 0x0644 || cp == 0x0643)
                prep = 1;
        }
    if (!prep || n < 8)
        return 0;
    return (n >= 4 && !memcmp(w + n - 4, "\xD9\x87\xD9\x85", 4)) || /* -hum */
           (n >= 4 && !memcmp(w + n - 4, "\xD9\x86\xD8\xA7", 4)) || /* -na */
           (n >= 4 && !memcmp(w + n - 4, "\xD9\x83\xD9\x85", 4)) || /* -kum */
           (n >= 4 && !memcmp(w + n - 4, "\xD9\x87\xD8\xA7", 4));  /* -ha */
}

/* The surface has an alef with madda: the transcription of a Vietnamese
 * syllable (آنه), not the function word (أنه, انه), though both
 * normalize alike. */
static int madda_alef(const ent_ctx *c, size_t i)
{
    return (c->tok[i].hz & TH_MADDA) != 0;
}

static int hamza_any(const ent_ctx *c, size_t i)
{
    return (c->tok[i].hz & TH_HAMZA) != 0;
}

/* A verb form no name has: a past plural (-uu, written -wa: استنكروا), or
 * form X (ista-) of more than 5 letters. */
static int verb_like(const ent_ctx *c, size_t i)
{
    const ent_tok *t = &c->tok[i];
    size_t n = t->e - t->s;
    const char *w = c->text + t->s;
    if (n >= 8 && !memcmp(w + n - 4, "\xD9\x88\xD8\xA7", 4)) /* -وا */
        return 1;
    if (n >= 12 && !memcmp(w, "\xD8\xA7\xD8\xB3\xD8\xAA", 6)) /* است */
        return 1;
    if (n >= 10 && (!memcmp(w, "\xD9\x8A\xD8\xAA", 4) || !memcmp(w, "\xD8\xAA\xD8\xAA", 4)))
        return 1; /* يت-, تت-: present tense of form V/VI */
    /* verbal nouns of five letters: taf'il (تشكيل, تنفيذ) and if'al (إصدار,
     * اعلان); names seldom have these shapes */
    if (n == 10) {
        uint32_t l[5];
        size_t k = 0;
        int m;
        for (m = 0; m < 5 && k < n; m++)
            l[m] = ent_next_cp(w, n, &k);
        if (m == 5 && k == n) {
            uint32_t a = l[0] < 0x10000 ? c->d->norm->map[l[0]] : 0;
            if (a == 0x062A && l[3] == 0x064A)
                return 1;
            if (a == 0x0627 && l[3] == 0x0627 && l[1] != 0x0644)
                return 1;
        }
    }
    return 0;
}

static int ar_name_ok(const ent_ctx *c, size_t i, int pos, int strong)
{
    const ent_tok *t;
    uint32_t f0, f;
    int r;
    if (!is_word(c, i))
        return 0;
    t = &c->tok[i];
    if (t->script != SC_ARAB || (pos > 0 && (t->flags & TF_NL)))
        return 0;
    f0 = tok_flags0(c, i);
    f = tok_flags(c, i);
    if (pos > 0 && match_at(c, i, GAZ_KIND | (1u << PK_TITLE) | (1u << PK_ORGHEAD), &(int32_t){0},
                            &(size_t){0}) > 1)
        return 0;
    /* a Vietnamese syllable that is also a function word once normalized
     * (آنه / أنه, لان / لأن): a name with madda, or after another syllable
     * when written without any hamza */
    if (strong && (f0 & VF_SYLLABLE) && !(f0 & VF_CUE) &&
        (!(f0 & VF_STOP) || madda_alef(c, i) ||
         (pos > 0 && !hamza_any(c, i) && (tok_flags(c, i - 1) & VF_SYLLABLE))))
        return 1;
    if (f0 & (VF_STOP | VF_NOTNAME | VF_ORGSTOP | VF_AND | VF_TO | VF_NUMSTOP | VF_NUMPREP |
              VF_HONORIFIC))
        return 0;
    if ((f0 & VF_CUE) && cue_here(c, i))
        return 0;
    if ((f0 & VF_GAZ) && !(f0 & (VF_GIVEN | VF_SYLLABLE)))
        return 0;
    if ((t->flags & TF_AL) && !(f0 & VF_GIVEN))
        return 0; /* al- words are no name words, but البرتو, اليكس are */
    /* a reading without its clitic that is a known word: "and the", "with
     * the president"; a preposition before a function word is rarer than
     * a name that starts like one (باول is no bi + awwal) */
    for (r = 1; r < t->ncand; r++) {
        uint32_t fl = t->cand[r].fl;
        if (f & (VF_GIVEN | VF_SYLLABLE))
            break;
        if (fl & (VF_CUE | VF_NOTNAME | VF_TITLE))
            return 0;
        if ((fl & VF_STOP) && t->cand[r].prefix) {
            size_t k = t->s;
            uint32_t c0 = ent_next_cp(c->text, t->e, &k);
            if (c0 == 0x0648 || c0 == 0x0641) /* wa-, fa- */
                return 0;
        }
    }
    if (nletters(c, i) < 2)
        return 0;
    if (!(f & (VF_SYLLABLE | VF_GIVEN)) && verb_like(c, i))
        return 0;
    if (pos > 0) {
        uint32_t cp = t->c0, cp2 = t->c1, last = t->clast;
        size_t nl = t->nl;
        /* "and X" inside a name is a new phrase: فيلتمان وأبلغه, عماد ومحمد */
        if (cp == 0x0648 && t->ncand > 1 && (!(f & (VF_SYLLABLE | VF_GIVEN)) || !(f0 & (VF_SYLLABLE | VF_GIVEN))))
            return 0;
        if (!(f & (VF_SYLLABLE | VF_GIVEN))) {
            /* bi-/li- + ta-: a verbal noun with a preposition (بتوقيت) */
            if ((cp == 0x0628 || cp == 0x0644) && cp2 == 0x062A)
                return 0;
            /* ya-/ta- before a consonant: a verb (يناهز, تباحث); names
             * transcribed from other languages have a vowel there (يوسف,
             * تيري, توني, تشيني) */
            if ((cp == 0x064A || cp == 0x062A) && nl >= 4 && cp2 != 0x064A && cp2 != 0x0648 &&
                cp2 != 0x0627 && cp2 != 0x0634 && cp2 != 0x0647)
                return 0;
            int after_particle = (tok_flags(c, i - 1) & VF_PARTICLE) != 0;
            /* sa- + ya-/ta-: a verb in the future (سيطلب) */
            if (pos >= 2 && cp == 0x0633 && nl >= 4 && (cp2 == 0x064A || cp2 == 0x062A))
                return 0;
            /* from the third word on: a word with bi-/li- (لمناقشة, بفوز)
             * or a noun with -hu (تشبثه) is the sentence going on; not
             * after a particle (بن لادن) */
            if (pos >= 2 && nl >= 4 && (cp == 0x0628 || cp == 0x0644) && !after_particle)
                return 0;
            if (pos >= 2 && nl >= 4 && last == 0x0647 && !after_particle)
                return 0;
        }
    } else if (!(f & (VF_SYLLABLE | VF_GIVEN)) && t->ncand > 1) {
        /* a first word with wa- that is no known name: "and ..." */
        size_t k = t->s;
        if (ent_next_cp(c->text, t->e, &k) == 0x0648)
            return 0;
    }
    /* a preposition before and a pronoun after: bi-naziri-hi */
    if (!(f & (VF_SYLLABLE | VF_GIVEN)) && t->ncand > 1 && ends_pronoun(c, i))
        return 0;
    /* -hum, -ha on a long word: a verb or a noun with its pronoun
     * (اعتقلتهم, سلطاتها) */
    if (!(f & (VF_SYLLABLE | VF_GIVEN)) && nletters(c, i) >= 5) {
        const char *w = c->text + t->s;
        size_t n = t->e - t->s;
        if (n >= 4 && (!memcmp(w + n - 4, "\xD9\x87\xD9\x85", 4) ||
                       !memcmp(w + n - 4, "\xD9\x87\xD8\xA7", 4)))
            return 0;
    }
    return 1;
}

/* After token j the phrase ends: punctuation, a line end, a function
 * word, a known non-name, a title, an al- word, a verb shape, the text end. */
static int phrase_ends_hard(const ent_ctx *c, size_t j)
{
    size_t k = j + 1;
    uint32_t f;
    if (k >= c->ntok || c->tok[k].kind != TK_WORD || (c->tok[k].flags & TF_NL))
        return 1;
    f = tok_flags(c, k);
    if (f & (VF_STOP | VF_NOTNAME | VF_TITLE | VF_CUE | VF_AND))
        return 1;
    /* an accusative noun after the name: شن غيلرمان هجوما */
    if (c->tok[k].script == SC_ARAB && c->tok[k].clast == 0x0627 && c->tok[k].nl >= 3 &&
        !(f & (VF_GIVEN | VF_SYLLABLE)))
        return 1;
    return verb_like(c, k);
}

static int phrase_ends_after(const ent_ctx *c, size_t j)
{
    if (j + 1 < c->ntok && c->tok[j + 1].kind == TK_WORD && (c->tok[j + 1].flags & TF_AL) &&
        !(c->tok[j + 1].flags & TF_NL))
        return 1;
    return phrase_ends_hard(c, j);
}

static size_t run_ar(const ent_ctx *c, size_t i, size_t max, int strong, int al_first)
{
    size_t j = i, words = 0;
    /* max counts the words that are not particles (محمد بن زايد آل نهيان) */
    while (j < c->ntok && words < max && j - i < 2 * max) {
        if (ar_name_ok(c, j, (int)(j - i), strong)) {
            /* a third word needs support: a known name, a particle before
             * it, or the end of the phrase after it (else it is the verb or
             * the noun that follows the name: سيب بلاتر قبيل كأس) */
            if (words >= 2 && !(strong && (tok_flags(c, j) & VF_SYLLABLE)) &&
                !(tok_flags(c, j) & (VF_GIVEN | VF_SYLLABLE | VF_PARTICLE)) &&
                !(tok_flags(c, j - 1) & VF_PARTICLE) && !phrase_ends_after(c, j))
                break;
            if (!(tok_flags0(c, j) & VF_PARTICLE))
                words++;
            j++;
            continue;
        }
        if (is_word(c, j) && c->tok[j].script == SC_ARAB && (c->tok[j].flags & TF_PLAINAL) &&
            !(c->tok[j].flags & TF_NL) &&
            !(tok_flags0(c, j) & (VF_STOP | VF_NOTNAME | VF_ORGSTOP | VF_CUE | VF_GAZ))) {
            if (j > i && (tok_flags(c, j - 1) & VF_PARTICLE)) {
                j++;
                words++;
                continue;
            }
            /* a family name with al- ends a name that began with a given
             * name: فؤاد السنيورة, عمر حسن البشير */
            if (j > i && (tok_flags(c, i) & VF_GIVEN) &&
                ((tok_flags(c, j + 1) & VF_PARTICLE) || phrase_ends_hard(c, j))) {
                j++;
                /* ... and may go on with a particle: زين العابدين بن علي */
                if (j + 1 < c->ntok && (tok_flags0(c, j) & VF_PARTICLE) && words < max) {
                    words++;
                    continue;
                }
                break;
            }
            if (j == i && al_first) {
                j++;
                break;
            }
        }
        break;
    }
    /* a name does not end on a particle (bin, abu) */
    while (j > i && (tok_flags0(c, j - 1) & VF_PARTICLE))
        j--;
    return j;
}

static int cs_name_ok(const ent_ctx *c, size_t i, int pos)
{
    const ent_tok *t;
    uint32_t f0;
    if (!is_word(c, i) || !cased(c, i))
        return 0;
    t = &c->tok[i];
    if (!(t->flags & TF_CAP) || (pos > 0 && (t->flags & TF_NL)))
        return 0;
    f0 = tok_flags0(c, i);
    /* a capital inside a sentence makes a name even of a word that is a
     * function word once its diacritics are gone (Đỗ / do) */
    if ((f0 & (VF_STOP | VF_NOTNAME)) && (t->flags & TF_SENT))
        return 0;
    if (f0 & (VF_ORGSTOP | VF_HONORIFIC))
        return 0;
    /* the first word of a cue phrase stops a name only where the phrase is
     * there (Chính phủ, not Phạm Minh Chính) */
    if ((f0 & VF_CUE) && cue_here(c, i))
        return 0;
    if ((t->flags & TF_ALLCAPS) && nletters(c, i) > 1)
        return 0;
    if (pos > 0 && match_at(c, i, GAZ_KIND | (1u << PK_ORGHEAD), &(int32_t){0}, &(size_t){0}) > 1)
        return 0;
    return 1;
}

static size_t run_cs(const ent_ctx *c, size_t i, size_t max)
{
    size_t j = i;
    while (j < c->ntok && j - i < max) {
        if (cs_name_ok(c, j, (int)(j - i))) {
            j++;
            continue;
        }
        if (j > i && is_word(c, j) && (tok_flags0(c, j) & VF_PARTICLE) &&
            !(c->tok[j].flags & TF_NL) && cs_name_ok(c, j + 1, 1)) {
            j++;
            continue;
        }
        if (j > i && tok_is(c, j, '-') && tok_adjacent(c, j) && tok_adjacent(c, j + 1) &&
            cs_name_ok(c, j + 1, 1)) {
            j++;
            continue;
        }
        break;
    }
    return j;
}

/* ---- emitting --------------------------------------------------------------- */

static void attr_str(sbuf *a, const char *k, const char *v)
{
    if (!v)
        return;
    if (a->len)
        sb_addc(a, ',');
    sb_json_str(a, k, strlen(k));
    sb_addc(a, ':');
    sb_json_str(a, v, strlen(v));
}

static ent_cand_ent *emit(ent_ctx *c, int type, size_t ti, size_t off, size_t tj, double conf,
                          char *key, sbuf *a)
{
    size_t end = c->tok[tj - 1].e;
    char *value = strndup(c->text + off, end - off);
    if (!key)
        key = key_of_span(c, off, end);
    return cand_add(c, type, off, end, (int)ti, (int)tj, conf, value, key,
                    a && a->len ? sb_take(a) : NULL);
}

static void emit_gaz(ent_ctx *c, size_t i, size_t off, size_t n, const ent_payload *g,
                     const char *role, const char *cue_kind)
{
    const ent_gaz *z = &c->d->gaz[g->ival];
    sbuf a;
    sb_init(&a);
    attr_str(&a, "role", role);
    attr_str(&a, "canonical", z->canonical);
    if (z->attrs && strlen(z->attrs) > 2) {
        if (a.len)
            sb_addc(&a, ',');
        sb_add(&a, z->attrs + 1, strlen(z->attrs) - 2);
    }
    if (cue_kind && !(z->attrs && strstr(z->attrs, "\"kind\"")))
        attr_str(&a, "kind", cue_kind);
    emit(c, z->type, i, off, i + n, n > 1 ? 0.95 : 0.9, strdup(z->key), &a);
}

static void emit_person(ent_ctx *c, size_t i, size_t off, size_t j, double conf,
                        const char *role)
{
    sbuf a;
    sb_init(&a);
    attr_str(&a, "role", role);
    emit(c, ENT_PERSON, i, off, j, conf, NULL, &a);
}

/* ---- organisations -------------------------------------------------------- */

/* Arabic: head [al-word | gazetteer name]{1,6}.  Returns the end token. */
/* An al- word that can be an adjective agreeing with a definite head: a
 * nisba (-i, -iyya) or a feminine ending.  Not a verbal noun object
 * (الحزب التركيز). */
static int adjective_like(const ent_ctx *c, size_t i)
{
    uint32_t last = c->tok[i].clast;
    return last == 0x064A || last == 0x0629 || last == 0x0649;
}

/* The last letter of token i (normalized: teh marbuta reads heh). */
static uint32_t last_letter(const ent_ctx *c, size_t i)
{
    return c->tok[i].clast;
}

static size_t org_ar(ent_ctx *c, size_t i, size_t off, size_t n, const ent_payload *h, int emit_it)
{
    size_t k = i + n, m = 0, gn, goff;
    const ent_payload *g;
    int definite = (c->tok[i].flags & TF_AL) != 0, joined = 0;
    /* an adjective agrees with a definite head in gender: الحزب الشيوعي,
     * اللجنة المركزية, not الحزب التوجيهية (that one qualifies another
     * noun) */
    int fem = 0, masc = 0;
    size_t q;
    for (q = i; q < i + n; q++) {
        if (last_letter(c, q) == 0x0629)
            fem = 1;
        else
            masc = 1;
    }
    /* "descriptor": a noun that comes before a proper name and is not part
     * of it (نادي, صحيفة, شركة); "prefix": one that only drops before a
     * known name (حركة حماس) but heads names of its own (حركة المقاومة) */
    int descriptor = h->str && !strcmp(h->str, "descriptor");
    int only_before = h->str && !strcmp(h->str, "before_name");
    int prefix = descriptor || only_before || (h->str && !strcmp(h->str, "prefix"));
    /* a generic head before a known name (حركة حماس, منظمة أوبك, وكالة
     * فرانس برس): the name is the organisation; the head only describes */
    if (k < c->ntok && !(c->tok[k].flags & (TF_NL | TF_TAKEN)) &&
        (gn = gaz_at(c, k, &g, &goff)) && goff == c->tok[k].s &&
        (g->type == ENT_ORG || (descriptor && g->type == ENT_LOC))) {
        size_t after = k + gn;
        if (prefix || after >= c->ntok || !(c->tok[after].flags & TF_PLAINAL) ||
            (c->tok[after].flags & TF_NL)) {
            if (emit_it)
                emit_gaz(c, k, goff, gn, g, NULL, NULL);
            return after;
        }
    }
    /* "before_name": a word that names nothing by itself (حركة, تنظيم) */
    if (only_before)
        return i;
    /* "named": a head that takes a proper name (جامعة فؤاد الأول, منتخب
     * هولندا): the head and the name */
    if (h->str && !strcmp(h->str, "named") && k < c->ntok &&
        !(c->tok[k].flags & (TF_NL | TF_TAKEN | TF_AL)) && ar_name_ok(c, k, 0, 0)) {
        size_t j = k + 1;
        while (j < c->ntok && j < k + 3 && ar_name_ok(c, j, (int)(j - k), 0))
            j++;
        /* an ordinal or an adjective of the name: الأول, الأمريكية */
        if (j < c->ntok && (c->tok[j].flags & TF_PLAINAL) && !(c->tok[j].flags & TF_NL) &&
            adjective_like(c, j) && !(tok_flags0(c, j) & (VF_STOP | VF_NOTNAME)))
            j++;
        if (emit_it) {
            sbuf a;
            sb_init(&a);
            emit(c, ENT_ORG, i, off, j, 0.7, NULL, &a);
        }
        return j;
    }
    /* a descriptor before a name with al- (نادي النصر): the name */
    if (descriptor && k < c->ntok && (c->tok[k].flags & TF_PLAINAL) &&
        !(c->tok[k].flags & (TF_NL | TF_TAKEN)) &&
        !(tok_flags0(c, k) & (VF_STOP | VF_NOTNAME | VF_ORGSTOP | VF_CUE)) &&
        !adjective_like(c, k)) {
        if (emit_it) {
            sbuf a;
            sb_init(&a);
            emit(c, ENT_ORG, k, c->tok[k].s, k + 1, 0.7, NULL, &a);
        }
        return k + 1;
    }
    /* a descriptor (نادي, صحيفة, شركة) before a proper name: the name */
    if (descriptor && k < c->ntok && !(c->tok[k].flags & (TF_NL | TF_TAKEN | TF_AL)) &&
        ar_name_ok(c, k, 0, 0)) {
        size_t j = k + 1;
        while (j < c->ntok && j < k + 3 && ar_name_ok(c, j, (int)(j - k), 0))
            j++;
        if (emit_it) {
            sbuf a;
            sb_init(&a);
            emit(c, ENT_ORG, k, c->tok[k].s, j, 0.7, NULL, &a);
        }
        return j;
    }
    while (k < c->ntok && m < 6) {
        if (c->tok[k].flags & (TF_NL | TF_TAKEN))
            break;
        if ((gn = gaz_at(c, k, &g, &goff)) && goff == c->tok[k].s && g->type != ENT_PERSON) {
            /* a place qualifies the head (جامعة القاهرة); another body
             * starts a new name (الجمعية العامة مجلس الأمن) */
            if (g->type == ENT_ORG)
                break;
            k += gn;
            m++;
            continue;
        }
        if (is_word(c, k) && c->tok[k].script == SC_ARAB && (c->tok[k].flags & TF_PLAINAL) &&
            !(tok_flags0(c, k) & (VF_ORGSTOP | VF_STOP | VF_NOTNAME | VF_TITLE)) &&
            (!definite || m > 0 ||
             (adjective_like(c, k) && (last_letter(c, k) == 0x0629 ? fem : masc)))) {
            k++;
            m++;
            continue;
        }
        /* "and" joins two fields of one body: وزارة الطاقة والمعادن, كلية
         * الآداب والعلوم الاجتماعية (one wal- word after an al- word) */
        if (m > 0 && !joined && is_word(c, k) && c->tok[k].script == SC_ARAB &&
            (c->tok[k].flags & TF_AL) && !(c->tok[k].flags & TF_PLAINAL) && conj_prefixed(c, k) &&
            !(tok_flags(c, k) & (VF_ORGSTOP | VF_STOP | VF_NOTNAME | VF_TITLE | VF_CUE | VF_GAZ)) &&
            (k + 1 >= c->ntok || !(c->tok[k + 1].flags & TF_PLAINAL) || adjective_like(c, k + 1))) {
            joined = 1;
            k++;
            m++;
            continue;
        }
        /* right after the head: its genitive with lil- (اللجنة الدائمة
         * للحزب) or an indefinite noun before an al- word (جمعية ضحايا
         * العامل) */
        if (m == 0 && is_word(c, k) && c->tok[k].script == SC_ARAB &&
            !(tok_flags0(c, k) & (VF_ORGSTOP | VF_STOP | VF_NOTNAME | VF_TITLE)) &&
            !(c->tok[k].ncand > 1 && !(c->tok[k].flags & TF_AL) &&
              (c->tok[k].c0 == 0x0644 || c->tok[k].c0 == 0x0628)) &&
            (!(tok_flags(c, k) & (VF_TITLE | VF_CUE)) || (c->tok[k].flags & TF_AL)) &&
            k + 1 < c->ntok && is_word(c, k + 1) && (c->tok[k + 1].flags & TF_PLAINAL) &&
            !(c->tok[k + 1].flags & TF_NL) &&
            !(tok_flags0(c, k + 1) & (VF_ORGSTOP | VF_STOP | VF_NOTNAME | VF_TITLE))) {
            uint32_t cp0;
            size_t q = c->tok[k].s;
            cp0 = ent_next_cp(c->text, c->tok[k].e, &q);
            if (cp0 != 0x0648 && cp0 != 0x0641) { /* not a new clause with wa-/fa- */
                k += 2;
                m += 2;
                continue;
            }
        }
        break;
    }
    if (m == 0 && h->ival != 2)
        return i;
    if (emit_it) {
        sbuf a;
        sb_init(&a);
        attr_str(&a, "kind", h->str);
        emit(c, ENT_ORG, i, off, k, m ? 0.8 : 0.75, NULL, &a);
    }
    return k;
}

static int cap_or_gaz(const ent_ctx *c, size_t k, size_t *len)
{
    const ent_payload *g;
    size_t off, n;
    if ((n = gaz_at(c, k, &g, &off)) && g->type != ENT_PERSON) {
        *len = n;
        return 1;
    }
    if (is_word(c, k) && cased(c, k) && (c->tok[k].flags & TF_CAP) && !(c->tok[k].flags & TF_NL) &&
        !(tok_flags0(c, k) & (VF_STOP | VF_HONORIFIC | VF_NOTNAME))) {
        *len = 1;
        return 1;
    }
    return 0;
}

/* Cased: the tail after a head: [connector] capitalized words / names.  In
 * English only after a connector (Ministry of X); elsewhere also directly
 * (Επιτροπή Μαζικής Κινητοποίησης, Ban Dân vận Tỉnh ủy). */
static size_t org_tail(const ent_ctx *c, size_t k, int direct)
{
    size_t m = 0, len;
    while (k < c->ntok && m < 8) {
        if (c->tok[k].flags & (TF_NL | TF_TAKEN))
            break;
        if (is_word(c, k) && (tok_flags0(c, k) & VF_CONNECT)) {
            size_t q = k + 1;
            while (q < c->ntok && q < k + 3 && is_word(c, q) && (tok_flags0(c, q) & VF_CONNECT) &&
                   !(c->tok[q].flags & TF_CAP))
                q++;
            if (cap_or_gaz(c, q, &len)) {
                k = q + len;
                m++;
                direct = 1;
                continue;
            }
            break;
        }
        if (direct && cap_or_gaz(c, k, &len)) {
            k += len;
            m++;
            continue;
        }
        if (direct && is_word(c, k) && !(c->tok[k].flags & TF_CAP)) {
            /* a lowercase place cue inside: "tỉnh Hà Tĩnh" */
            int32_t p;
            size_t off, n = match_at(c, k, 1u << PK_LOCCUE, &p, &off);
            if (n && cap_or_gaz(c, k + n, &len)) {
                k += n + len;
                m++;
                continue;
            }
        }
        break;
    }
    return k;
}

/* A cased organisation around position i: the capitalized run from i that
 * holds a head word.  Returns the end token (i = none). */
static size_t org_cased(ent_ctx *c, size_t i, int emit_it)
{
    size_t k = i, last_head = 0, head_len = 0, len, e;
    const ent_payload *hp = NULL;
    int found = 0, connected = 0;
    if (!is_word(c, i) || !cased(c, i) || !(c->tok[i].flags & TF_CAP))
        return i;
    while (k < c->ntok && k - i < 10) {
        int32_t p;
        size_t off, n;
        if (k > i && (c->tok[k].flags & (TF_NL | TF_TAKEN)))
            break;
        n = match_at(c, k, 1u << PK_ORGHEAD, &p, &off);
        /* a title ends the run unless a longer head starts there
         * (Party Secretary / Party Committee) */
        if (k > i && (tok_flags0(c, k) & VF_TITLE) &&
            match_at(c, k, 1u << PK_TITLE, &(int32_t){0}, &(size_t){0}) > n)
            break;
        /* the head belongs to the first noun phrase: not "Congress of the Party" */
        if (n && !connected && ((c->tok[k].flags & TF_CAP) || k > i)) {
            found = 1;
            last_head = k;
            head_len = n;
            hp = pay_find(c->d, p, PK_ORGHEAD);
            k += n;
            continue;
        }
        if (cap_or_gaz(c, k, &len)) {
            k += len;
            continue;
        }
        /* lowercase syllables inside a capitalized name (vi) */
        if (found)
            break;
        if (k > i && is_word(c, k) && (tok_flags0(c, k) & VF_CONNECT) && cap_or_gaz(c, k + 1, &len)) {
            connected = 1;
            k++;
            continue;
        }
        break;
    }
    if (!found)
        return i;
    e = org_tail(c, last_head + head_len, !is_en(c, last_head));
    if (e == last_head + head_len && last_head == i && hp->ival != 2)
        return i; /* a bare "Committee" */
    if (emit_it) {
        sbuf a;
        sb_init(&a);
        attr_str(&a, "kind", hp->str);
        emit(c, ENT_ORG, i, c->tok[i].s, e, 0.8, NULL, &a);
    }
    return e;
}

/* ---- places ----------------------------------------------------------------- */

static size_t loc_after_cue(ent_ctx *c, size_t i, size_t n, const ent_payload *cue, int emit_it)
{
    size_t k = i + n, j, gn, goff;
    const ent_payload *g;
    int weak = cue->ival == 1;
    if (k >= c->ntok || (c->tok[k].flags & TF_NL))
        return i;
    /* natural features keep their cue word: نهر النيل, بحيرة تشاد */
    int feature = cue->str && (!strcmp(cue->str, "river") || !strcmp(cue->str, "lake") ||
                               !strcmp(cue->str, "sea") || !strcmp(cue->str, "mountain") ||
                               !strcmp(cue->str, "gulf") || !strcmp(cue->str, "desert") ||
                               !strcmp(cue->str, "valley") || !strcmp(cue->str, "ocean"));
    size_t cue_off = c->tok[i].ncand ? c->tok[i].cand[0].off : c->tok[i].s;
    {
        int32_t pq;
        match_at(c, i, 1u << PK_LOCCUE, &pq, &cue_off);
    }
    if ((gn = gaz_at(c, k, &g, &goff)) && g->type == ENT_LOC) {
        if (emit_it) {
            if (feature) {
                const ent_gaz *z = &c->d->gaz[g->ival];
                sbuf a;
                sb_init(&a);
                attr_str(&a, "kind", cue->str);
                attr_str(&a, "canonical", z->canonical);
                emit(c, ENT_LOC, i, cue_off, k + gn, 0.9, strdup(z->key), &a);
            } else {
                emit_gaz(c, k, goff, gn, g, NULL, cue->str);
            }
        }
        return k + gn;
    }
    if (c->tok[k].script == SC_ARAB) {
        int al_first = !(c->tok[i].flags & TF_AL) && !weak;
        size_t q, syl = 0;
        j = run_ar(c, k, 3, 1, al_first);
        if (j == k)
            return i;
        for (q = k; q < j; q++)
            if (tok_flags0(c, q) & VF_SYLLABLE)
                syl++;
        if (weak && syl < (j - k + 1) / 2 + (j - k == 1))
            return i;
    } else if (cased(c, k)) {
        j = run_cs(c, k, 4);
        if (j == k)
            return i;
    } else {
        return i;
    }
    /* "tỉnh Võ Trọng Hải": a family name and two syllables is a person
     * (the cue was an adjective: UBND tỉnh) */
    if (j - k >= 3 && (tok_flags(c, k) & VF_SURNAME))
        return i;
    /* "مدينة إسرائيلية": one adjective after the cue is no name */
    if (j == k + 1 && c->tok[k].script == SC_ARAB && !(tok_flags(c, k) & VF_SYLLABLE) &&
        adjective_like(c, k))
        return i;
    if (emit_it) {
        sbuf a;
        sb_init(&a);
        attr_str(&a, "kind", cue->str);
        if (feature)
            emit(c, ENT_LOC, i, cue_off, j, weak ? 0.7 : 0.8, NULL, &a);
        else
            emit(c, ENT_LOC, k, c->tok[k].cand[0].off, j, weak ? 0.7 : 0.8, NULL, &a);
    }
    return j;
}

/* ---- persons ------------------------------------------------------------------ */

static void person_after_title(ent_ctx *c, size_t i, size_t n, const ent_payload *t)
{
    size_t k = i + n, steps = 0, gn, rn, goff, roff, j;
    const ent_payload *g, *r;
    const char *role = t->str;
    if (t->ival == 3) {
        /* a cue (said, a nationality): the name follows at once; one word
         * only when it is a given name or stands before a boundary */
        const ent_tok *tk;
        if (k >= c->ntok || !is_word(c, k) || (c->tok[k].flags & TF_NL))
            return;
        tk = &c->tok[k];
        if ((gn = gaz_at(c, k, &g, &goff)) && g->type == ENT_PERSON) {
            emit_gaz(c, k, goff, gn, g, NULL, NULL);
            return;
        }
        if (gn || rule_at(c, k, &r, &roff))
            return;
        if (tk->script == SC_ARAB && (tk->flags & TF_PLAINAL) && !tok_flags(c, k) &&
            last_letter(c, k) == 0x064A && k + 1 < c->ntok &&
            (c->tok[k + 1].kind == TK_PUNCT || (tok_flags0(c, k + 1) & VF_STOP) ||
             (c->tok[k + 1].flags & TF_NL))) {
            /* a family name alone after "said": وقال الحريري إن */
            emit_person(c, k, tk->s, k + 1, 0.6, NULL);
            return;
        }
        if (tk->script == SC_ARAB) {
            /* after a weak cue the first word must look like a name: no
             * clitic (بعملية), no verb (راقبت, تضم) */
            uint32_t f1 = tok_flags(c, k);
            if (!(f1 & (VF_GIVEN | VF_SYLLABLE))) {
                size_t q = tk->s, nl = nletters(c, k);
                uint32_t a0 = ent_next_cp(c->text, tk->e, &q), a1 = 0, last = 0;
                int r2, clitic = 0;
                for (r2 = 1; r2 < tk->ncand; r2++)
                    if (tk->cand[r2].prefix)
                        clitic = 1;
                if (q < tk->e)
                    a1 = ent_next_cp(c->text, tk->e, &q);
                q = tk->s;
                while (q < tk->e) {
                    uint32_t x = ent_next_cp(c->text, tk->e, &q);
                    if (x < 0x10000 && c->d->norm->map[x])
                        last = x;
                }
                if (clitic || last == 0x062A ||
                    ((a0 == 0x064A || a0 == 0x062A) && a1 != 0x064A && a1 != 0x0648 &&
                     a1 != 0x0627 && a1 != 0x0634 && nl >= 3))
                    return;
            }
            j = run_ar(c, k, 4, 0, 0);
            /* accusatives (موقفا صعبا, ثانيا): no name */
            if (!(tok_flags(c, k) & VF_GIVEN) && tk->clast == 0x0627 &&
                (j == k + 1 || c->tok[k + 1].clast == 0x0627))
                return;
        } else if (cased(c, k))
            j = run_cs(c, k, 5);
        else
            return;
        if (j == k + 1 && !(tok_flags(c, k) & VF_GIVEN) &&
            (!(j >= c->ntok || c->tok[j].kind == TK_PUNCT || (c->tok[j].flags & TF_NL) ||
               (tok_flags0(c, j) & (VF_STOP | VF_NOTNAME))) ||
             verb_like(c, k) || (tk->c0 == 0x0633 && (tk->c1 == 0x064A || tk->c1 == 0x062A))))
            return;
        if (j > k)
            emit_person(c, k, tk->cand[0].off, j, j - k > 1 ? 0.8 : 0.65, NULL);
        return;
    }
    while (k < c->ntok && steps < 12) {
        const ent_tok *tk = &c->tok[k];
        if (tk->flags & (TF_NL | TF_TAKEN))
            return;
        steps++;
        if (tok_is(c, k, '(')) {
            size_t q = k + 1;
            while (q < c->ntok && q < k + 16 && !tok_is(c, q, ')') && !(c->tok[q].flags & TF_NL))
                q++;
            if (!tok_is(c, q, ')'))
                return;
            k = q + 1;
            continue;
        }
        if (tok_is(c, k, '-') || tok_is(c, k, 0x2013) || tok_is(c, k, 0x2014) || tok_is(c, k, ':')) {
            k++;
            continue;
        }
        if (tk->kind != TK_WORD)
            return;
        gn = gaz_at(c, k, &g, &goff);
        rn = rule_at(c, k, &r, &roff);
        if (gn && gn >= rn) {
            if (g->type == ENT_PERSON) {
                emit_gaz(c, k, goff, gn, g, role, NULL);
                return;
            }
            if (cased(c, k)) {
                size_t e = org_cased(c, k, 0);
                if (e > k + gn) {
                    k = org_cased(c, k, 1);
                    continue;
                }
            }
            emit_gaz(c, k, goff, gn, g, NULL, NULL);
            k += gn;
            continue;
        }
        if (rn) {
            const ent_payload *q;
            int32_t plist;
            size_t e = k;
            rule_at2(c, k, &r, &roff, &plist);
            if (pay_find(c->d, plist, PK_TITLE) && !pay_find(c->d, plist, PK_ORGHEAD)) {
                k += rn;
                continue;
            }
            if ((q = pay_find(c->d, plist, PK_ORGHEAD)))
                e = tk->script == SC_ARAB ? org_ar(c, k, roff, rn, q, 1) : org_cased(c, k, 1);
            if (e == k && (q = pay_find(c->d, plist, PK_LOCCUE)))
                e = loc_after_cue(c, k, rn, q, 1);
            /* "member of a committee for ...": no name follows */
            if (e == k && pay_find(c->d, plist, PK_ORGHEAD))
                return;
            k = e > k ? e : k + rn;
            continue;
        }
        if (tk->script == SC_ARAB) {
            /* al- words qualify the title (الأمريكي, السابق) */
            if ((tk->flags & TF_AL) && !(tok_flags0(c, k) & VF_STOP)) {
                k++;
                continue;
            }
            j = run_ar(c, k, 4, 1, 0);
            if (j == k + 1 && j < c->ntok && !(c->tok[j].flags & TF_NL) &&
                c->tok[j].kind == TK_WORD && !(tok_flags(c, j) & (VF_STOP | VF_NOTNAME))) {
                /* one word followed by more words: a complement (رئيس وزراء
                 * بريطانيا) when a place, a body or an al- word follows, else
                 * no name can be told */
                const ent_payload *g2;
                size_t o2;
                if (gaz_at(c, j, &g2, &o2) || rule_at(c, j, &g2, &o2)) {
                    k = j;
                    continue;
                }
                if ((c->tok[j].flags & TF_PLAINAL) && !(tok_flags(c, k) & VF_NOTNAME) &&
                    !(tok_flags0(c, j) & (VF_ORGSTOP | VF_CUE | VF_GAZ | VF_NOTNAME)) &&
                    ((tok_flags(c, k) & VF_GIVEN) || last_letter(c, j) == 0x064A)) {
                    /* a given name and a family name with al- (فارس السقاف) */
                    emit_person(c, k, tk->cand[0].off, j + 1, 0.75, role);
                    return;
                }
                if (c->tok[j].flags & TF_AL) {
                    k = j;
                    continue;
                }
                if (!(tok_flags(c, k) & (VF_GIVEN | VF_SYLLABLE)) && !verb_like(c, j))
                    return;
            }
            if (j == k + 1 && !(tok_flags(c, k) & (VF_GIVEN | VF_SYLLABLE)) && !ar_name_ok(c, k, 1, 1))
                return; /* one word that could not stand inside a name */
            if (j > k)
                emit_person(c, k, tk->cand[0].off, j, j - k > 1 ? 0.9 : 0.75, role);
            return;
        }
        if (cased(c, k)) {
            if (tk->flags & TF_CAP) {
                size_t e = org_cased(c, k, 0);
                if (e > k) {
                    org_cased(c, k, 1);
                    k = e;
                    continue;
                }
                j = run_cs(c, k, 5);
                if (j > k)
                    emit_person(c, k, tk->s, j, j - k > 1 ? 0.9 : 0.75, role);
                return;
            }
            if (tok_flags0(c, k) & VF_CONNECT) {
                k++;
                continue;
            }
        }
        return;
    }
}

/* A Vietnamese name without a title: a family name and known syllables. */
static size_t vn_name(const ent_ctx *c, size_t i)
{
    size_t j, q, syl = 0;
    if (!(tok_flags(c, i) & VF_SURNAME))
        return i;
    if (c->tok[i].script == SC_ARAB)
        j = run_ar(c, i, 4, 1, 0);
    else if (cased(c, i))
        j = run_cs(c, i, 4);
    else
        return i;
    if (j - i < 2)
        return i;
    for (q = i; q < j; q++)
        if (tok_flags(c, q) & VF_SYLLABLE)
            syl++;
    if (syl + 1 < j - i || syl < 2)
        return i;
    return j;
}

/* After a person ending at token e: "... و Y Z" or "، Y Z" names another
 * person in the same list. */
static size_t coordinated(ent_ctx *c, size_t e)
{
    size_t k = e, j, q;
    const ent_tok *t;
    int r;
    if (k < c->ntok && (tok_is(c, k, 0x060C) || tok_is(c, k, ',')))
        k++;
    if (k >= c->ntok || !is_word(c, k) || c->tok[k].script != SC_ARAB ||
        (c->tok[k].flags & TF_NL))
        return e;
    t = &c->tok[k];
    q = t->s;
    if (ent_next_cp(c->text, t->e, &q) != 0x0648)
        return e;
    for (r = 1; r < t->ncand; r++)
        if (t->cand[r].prefix && !(t->cand[r].fl & (VF_STOP | VF_NOTNAME | VF_CUE | VF_TITLE)) &&
            !t->cand[r].al)
            break;
    if (r == t->ncand || (t->cand[r].fl & VF_GAZ))
        return e;
    j = k + 1;
    while (j < c->ntok && j - k <= 3 && ar_name_ok(c, j, (int)(j - k), 0))
        j++;
    if (j - k < 2)
        return e;
    emit_person(c, k, t->cand[r].off, j, 0.65, NULL);
    return j;
}

static size_t given_name(const ent_ctx *c, size_t i, size_t *off)
{
    const ent_tok *t = &c->tok[i];
    size_t j;
    int r;
    if (!is_word(c, i))
        return i;
    if (t->script == SC_ARAB) {
        if (t->ncand && (t->cand[0].fl & (VF_STOP | VF_NOTNAME | VF_CUE)))
            return i; /* لجان is a word, not li + Jan */
        /* the reading that is a given name gives the surface start */
        for (r = 0; r < t->ncand; r++)
            if ((t->cand[r].fl & VF_GIVEN) && !(t->cand[r].fl & (VF_STOP | VF_CUE)) &&
                t->cand[r].off - t->s <= 2) /* one clitic letter at most (ولجان: no) */
                break;
        if (r == t->ncand)
            return i;
        *off = t->cand[r].off;
        j = run_ar(c, i, 4, 0, 0);
        if (j == i) {
            /* the given name itself did not pass as a name word (a clitic
             * reading): run from the next word */
            j = run_ar(c, i + 1, 3, 0, 0);
            if (j == i + 1)
                return i;
        }
        return j - i >= 2 ? j : i;
    }
    if (cased(c, i) && (tok_flags0(c, i) & VF_GIVEN) && (t->flags & TF_CAP)) {
        *off = t->s;
        j = run_cs(c, i + 1, 4);
        return j > i + 1 ? j : i;
    }
    return i;
}

/* A scorer in a match report: "X Y ( 29 )". */
static size_t name_minute(const ent_ctx *c, size_t i, size_t *off)
{
    size_t j, k = i;
    const ent_tok *t = &c->tok[i];
    long long v;
    int r;
    if (t->script != SC_ARAB || !is_word(c, i))
        return i;
    /* cheap test first: "( NUM )" within the next five tokens */
    for (j = i + 1; j < c->ntok && j <= i + 5; j++)
        if (tok_is(c, j, '('))
            break;
    if (j >= c->ntok || j > i + 5 || j + 2 >= c->ntok || c->tok[j + 1].kind != TK_NUM)
        return i;
    *off = t->cand[0].off;
    if (!ar_name_ok(c, i, 0, 0)) {
        /* with wa- (و) before it: the reading without it */
        if (!conj_prefixed(c, i))
            return i;
        for (r = 1; r < t->ncand; r++)
            if (t->cand[r].prefix && !(t->cand[r].fl & (VF_STOP | VF_NOTNAME | VF_CUE)) &&
                !t->cand[r].al)
                break;
        if (r == t->ncand)
            return i;
        *off = t->cand[r].off;
        k = i + 1;
    }
    j = run_ar(c, k, 3, 0, 0);
    if (k == i + 1 && j == k)
        j = k;
    if (j == i || j + 2 >= c->ntok || !tok_is(c, j, '(') || c->tok[j + 1].kind != TK_NUM ||
        !tok_is(c, j + 2, ')'))
        return i;
    v = tok_int(c, j + 1);
    if (v < 1 || v > 130)
        return i;
    return j;
}

int name_word_ok(const ent_ctx *c, size_t i)
{
    const ent_tok *t;
    if (i >= c->ntok)
        return 0;
    t = &c->tok[i];
    if (t->script == SC_ARAB)
        return !(tok_flags0(c, i) & (VF_STOP | VF_NOTNAME)) && !verb_like(c, i) &&
               t->clast != 0x062A && t->clast != 0x0629;
    return cased(c, i) && cs_name_ok(c, i, 1);
}

/* Sports results: "ليفربول ( انجلترا )", "سبارتاك موسكو ( روسيا )": a
 * name or a city before a country in brackets is a team.  Returns the end
 * of the team name (i = none). */
static size_t team_paren(const ent_ctx *c, size_t i)
{
    size_t j = i, gn, goff;
    const ent_payload *g;
    if (!is_word(c, i) || c->tok[i].script != SC_ARAB)
        return i;
    while (j < c->ntok && j < i + 3 && is_word(c, j) && !(c->tok[j].flags & TF_NL) &&
           !(tok_flags0(c, j) & (VF_STOP | VF_NOTNAME | VF_CUE)))
        j++;
    if (j == i || !tok_is(c, j, '(') || j + 1 >= c->ntok)
        return i;
    gn = gaz_at(c, j + 1, &g, &goff);
    if (!gn || g->type != ENT_LOC || !tok_is(c, j + 1 + gn, ')'))
        return i;
    if (!c->d->gaz[g->ival].attrs || !strstr(c->d->gaz[g->ival].attrs, "\"country\""))
        return i;
    return j;
}

/* ---- the pass --------------------------------------------------------------- */

/* Lists of people: after each person, "و Y Z" or "، Y Z" (bounded). */
static void coordinate_all(ent_ctx *c, size_t first)
{
    size_t k, n = c->nc;
    for (k = first; k < n && k < c->nc; k++) {
        size_t e2;
        int more = 8;
        if (c->c[k].type != ENT_PERSON || c->c[k].tend <= 0)
            continue;
        e2 = (size_t)c->c[k].tend;
        while (more-- > 0) {
            size_t n2 = coordinated(c, e2);
            if (n2 <= e2)
                break;
            e2 = n2;
        }
    }
}

/* Places that play: a country or city right after a sports verb, or after
 * على/ضد/مع that follows one (فازت نيجيريا على النيجر), is a team: ORG. */
static void teams(ent_ctx *c, size_t first)
{
    size_t k;
    for (k = first; k < c->nc; k++) {
        ent_cand_ent *e = &c->c[k];
        size_t t, q;
        int team = 0;
        if (e->type != ENT_LOC || e->tstart <= 0 || !e->key || strncmp(e->key, "loc:", 4))
            continue;
        t = (size_t)e->tstart;
        if (c->tok[t].script != SC_ARAB)
            continue;
        if (tok_flags(c, t - 1) & VF_TEAMCUE)
            team = 1;
        else if ((tok_flags(c, t - 1) & VF_VERSUS) || (c->tok[t].ncand > 1 &&
                 c->tok[t].cand[0].off != e->start))
            for (q = t - 1; q + 5 > t && q > 0 && !team; q--)
                if (tok_flags(c, q - 1) & VF_TEAMCUE)
                    team = 1;
        if (team) {
            char *a = NULL;
            e->type = ENT_ORG;
            if (e->attrs && (a = malloc(strlen(e->attrs) + 20)) != NULL) {
                sprintf(a, "%s,\"team\":true", e->attrs);
                free(e->attrs);
                e->attrs = a;
            }
        }
    }
}

void names_run(ent_ctx *c)
{
    size_t i, first = c->nc;
    for (i = 0; i < c->ntok; i++) {
        size_t gn, rn, goff = 0, roff = 0, e, off = 0;
        const ent_payload *g = NULL, *r = NULL;
        const ent_tok *t = &c->tok[i];
        if (!is_word(c, i))
            continue;
        e = team_paren(c, i);
        if (e > i) {
            sbuf a;
            sb_init(&a);
            attr_str(&a, "kind", "team");
            emit(c, ENT_ORG, i, t->cand[0].off, e, 0.7, NULL, &a);
            i = e - 1;
            continue;
        }
        /* a wire credit in brackets: "( الفرنسية )", "( الأوروبية - أرشيف )":
         * the agency named by its nationality */
        if (t->script == SC_ARAB && i > 0 && tok_is(c, i - 1, '(') && (t->flags & TF_PLAINAL) &&
            t->clast == 0x0629 && adjective_like(c, i) && i + 1 < c->ntok &&
            (tok_is(c, i + 1, ')') || tok_is(c, i + 1, '-')) && !tok_flags0(c, i)) {
            sbuf a;
            sb_init(&a);
            attr_str(&a, "kind", "news agency");
            emit(c, ENT_ORG, i, t->s, i + 1, 0.6, NULL, &a);
            continue;
        }
        gn = gaz_at(c, i, &g, &goff);
        rn = rule_at(c, i, &r, &roff);
        /* "Đức Lâm": a one-word place name that a capitalized name word
         * follows is the start of a person's name */
        if (gn == 1 && g->type == ENT_LOC && cased(c, i) && i + 1 < c->ntok &&
            cs_name_ok(c, i + 1, 1) && !(c->tok[i + 1].flags & TF_SPACE ? 0 : 1) &&
            !gaz_at(c, i + 1, &(const ent_payload *){NULL}, &(size_t){0}) &&
            (tok_flags(c, i + 1) & (VF_SYLLABLE | VF_GIVEN | VF_SURNAME)))
            gn = 0;
        if (gn && gn >= rn) {
            if (cased(c, i) && g->type != ENT_PERSON) {
                e = org_cased(c, i, 0);
                if (e > i + gn) {
                    org_cased(c, i, 1);
                    i = e - 1;
                    continue;
                }
            }
            emit_gaz(c, i, goff, gn, g, NULL, NULL);
            i += gn - 1;
            continue;
        }
        if (rn) {
            /* a phrase may be a title, a head and a cue at once (بلدية):
             * the first rule that finds something wins */
            const ent_payload *q;
            int32_t plist;
            rule_at2(c, i, &r, &roff, &plist);
            if ((q = pay_find(c->d, plist, PK_TITLE)) &&
                !(cased(c, i) && !(t->flags & TF_CAP) && q->str == NULL)) {
                size_t before = c->nc;
                person_after_title(c, i, rn, q);
                if (c->nc > before) {
                    /* the title's own words are no entity of their own
                     * (Bí thư Tỉnh ủy) */
                    take(c, i, i + rn);
                    continue;
                }
            }
            if ((q = pay_find(c->d, plist, PK_ORGHEAD))) {
                if (t->script == SC_ARAB)
                    e = org_ar(c, i, roff, rn, q, 1);
                else
                    e = org_cased(c, i, 1);
                if (e > i) {
                    i = e - 1;
                    continue;
                }
            }
            if ((q = pay_find(c->d, plist, PK_LOCCUE))) {
                e = loc_after_cue(c, i, rn, q, 1);
                if (e > i) {
                    i = e - 1;
                    continue;
                }
            }
            if ((q = pay_find(c->d, plist, PK_GROUP))) {
                sbuf a;
                sb_init(&a);
                attr_str(&a, "kind", q->str ? q->str : "group");
                emit(c, ENT_ORG, i, roff, i + rn, 0.6, NULL, &a);
                i += rn - 1;
                continue;
            }
            continue;
        }
        if (cased(c, i) && (t->flags & TF_CAP)) {
            size_t k, len;
            e = org_cased(c, i, 1);
            if (e > i) {
                i = e - 1;
                continue;
            }
            /* X Province */
            k = i;
            while (k < c->ntok && k - i < 4 && cs_name_ok(c, k, (int)(k - i)))
                k++;
            if (k > i) {
                int32_t p;
                size_t o2, n2 = match_at(c, k, 1u << PK_LOCTAIL, &p, &o2);
                if (n2) {
                    sbuf a;
                    sb_init(&a);
                    attr_str(&a, "kind", pay_find(c->d, p, PK_LOCTAIL)->str);
                    emit(c, ENT_LOC, i, t->s, k, 0.8, NULL, &a);
                    take(c, k, k + n2);
                    i = k + n2 - 1;
                    continue;
                }
            }
            (void)len;
        }
        e = vn_name(c, i);
        if (e > i) {
            emit_person(c, i, t->ncand ? t->cand[0].off : t->s, e, 0.7, NULL);
            i = e - 1;
            continue;
        }
        e = given_name(c, i, &off);
        if (e > i) {
            emit_person(c, i, off, e, 0.7, NULL);
            i = e - 1;
            continue;
        }
        e = name_minute(c, i, &off);
        if (e > i) {
            emit_person(c, i, off, e, 0.65, NULL);
            i = e - 1;
            continue;
        }
    }
    coordinate_all(c, first);
    teams(c, first);
}
