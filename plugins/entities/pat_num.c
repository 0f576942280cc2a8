/*
 * Numbers: MONEY (a number, a scale word, a currency), PERCENT, QUANTITY (a
 * number and the counted noun or unit after it), ranges "7 and 10 million
 * dong" as low/high.  Digits of any script; the group and decimal
 * separators read by the sentence's language (1.234,5 in vi/fr/el/de...,
 * 1,234.5 in en/ar; U+066B/U+066C Arabic separators everywhere).
 */
#include "ent_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

long long tok_int(const ent_ctx *c, size_t i)
{
    const ent_tok *t;
    size_t k;
    long long v = 0;
    int n = 0;
    if (i >= c->ntok || c->tok[i].kind != TK_NUM)
        return -1;
    t = &c->tok[i];
    k = t->s;
    while (k < t->e) {
        uint32_t cp = ent_next_cp(c->text, t->e, &k);
        uint16_t m = cp < 0x10000 ? c->d->norm->map[cp] : 0;
        if (m < '0' || m > '9')
            return -1;
        if (++n > 18)
            return -1;
        v = v * 10 + (m - '0');
    }
    return v;
}

static int ndig(const ent_ctx *c, size_t i)
{
    size_t k = c->tok[i].s;
    int n = 0;
    while (k < c->tok[i].e) {
        ent_next_cp(c->text, c->tok[i].e, &k);
        n++;
    }
    return n;
}

static int decimal_comma(const char *lang)
{
    static const char *const dc[] = {"vi", "fr", "el", "de", "es", "it", "pt", "ru", "id",
                                     "tr", "nl", "pl", "ro", "cs", "da", "sv", "nb", NULL};
    int i;
    for (i = 0; dc[i]; i++)
        if (!strncmp(lang, dc[i], 2))
            return 1;
    return 0;
}

static int is_sep(const ent_ctx *c, size_t i)
{
    return i < c->ntok && c->tok[i].kind == TK_PUNCT && !(c->tok[i].flags & TF_SPACE) &&
           (c->tok[i].cp == ',' || c->tok[i].cp == '.' || c->tok[i].cp == 0x066B ||
            c->tok[i].cp == 0x066C);
}

size_t num_parse(const ent_ctx *c, size_t i, double *val, int *ndigits, int *has_sep)
{
    size_t j = i, ng = 1, k;
    uint32_t seps[8];
    size_t groups[9];
    int dcomma, n0;
    double v;
    if (i >= c->ntok || c->tok[i].kind != TK_NUM || (c->tok[i].flags & TF_TAKEN))
        return 0;
    groups[0] = i;
    dcomma = decimal_comma(c->langs[c->tok[i].lang]);
    /* French groups with a space: 19 340 (first group of 1-3 digits, then
     * groups of exactly 3 after one space, no-break space or thin space) */
    if (!strncmp(c->langs[c->tok[i].lang], "fr", 2) && ndig(c, i) <= 3) {
        size_t k2 = i;
        size_t ng2 = 1;
        while (ng2 < 9 && k2 + 1 < c->ntok && c->tok[k2 + 1].kind == TK_NUM &&
               !(c->tok[k2 + 1].flags & TF_TAKEN) && ndig(c, k2 + 1) == 3 &&
               (c->tok[k2 + 1].s - c->tok[k2].e == 1 ||
                (c->tok[k2 + 1].s - c->tok[k2].e == 2 &&
                 !memcmp(c->text + c->tok[k2].e, "\xC2\xA0", 2)) ||
                (c->tok[k2 + 1].s - c->tok[k2].e == 3 &&
                 !memcmp(c->text + c->tok[k2].e, "\xE2\x80\xAF", 3))))
            groups[ng2++] = ++k2;
        if (ng2 > 1) {
            double v = 0;
            for (k = 0; k < ng2; k++)
                v = v * 1000 + (double)tok_int(c, groups[k]);
            *val = v;
            *ndigits = n0 = ndig(c, i);
            *has_sep = 1;
            return k2 - i + 1;
        }
    }
    while (ng < 9 && is_sep(c, j + 1) && j + 2 < c->ntok && c->tok[j + 2].kind == TK_NUM &&
           !(c->tok[j + 2].flags & (TF_SPACE | TF_TAKEN))) {
        seps[ng - 1] = c->tok[j + 1].cp;
        groups[ng++] = j + 2;
        j += 2;
    }
    n0 = ndig(c, i);
    *has_sep = ng > 1;
    /* find the decimal separator, if any: the last separator when it differs
     * from the others, or the only one when it cannot be a group separator */
    {
        size_t dec = 0; /* index of group after the decimal point, 0 = none */
        size_t last = ng - 1;
        if (ng > 1) {
            uint32_t ls = seps[last - 1];
            int same = 1;
            for (k = 0; k + 1 < last; k++)
                if (seps[k] != ls)
                    same = 0;
            if (ls == 0x066B)
                dec = last;
            else if (ls == 0x066C)
                dec = 0;
            else if (!same)
                dec = last;
            else if (last == 1) {
                int three = ndig(c, groups[1]) == 3;
                int groupsep = dcomma ? ls == '.' : ls == ',';
                if (!(three && groupsep && n0 <= 3))
                    dec = 1;
            }
            /* group separators need 3-digit groups */
            for (k = 1; k < (dec ? dec : ng); k++)
                if (ndig(c, groups[k]) != 3) {
                    /* not a well-formed number: keep the first group only */
                    ng = 1;
                    dec = 0;
                    *has_sep = 0;
                    break;
                }
        }
        v = 0;
        for (k = 0; k < (dec ? dec : ng); k++) {
            long long g = tok_int(c, groups[k]);
            if (g < 0)
                return 0;
            v = v * pow(10, ndig(c, groups[k])) + (double)g;
        }
        if (dec) {
            long long f = tok_int(c, groups[dec]);
            if (f < 0)
                return 0;
            v += (double)f / pow(10, ndig(c, groups[dec]));
        }
        *val = v;
        *ndigits = n0;
        return groups[ng - 1] - i + 1;
    }
}

static void fmt_num(sbuf *b, double v)
{
    if (v == floor(v) && fabs(v) < 1e18)
        sb_printf(b, "%.0f", v);
    else {
        char t[64];
        size_t n;
        snprintf(t, sizeof t, "%.6f", v);
        n = strlen(t);
        while (n > 0 && t[n - 1] == '0')
            t[--n] = '\0';
        if (n > 0 && t[n - 1] == '.')
            t[--n] = '\0';
        sb_adds(b, t);
    }
}

static const char *sym_currency(uint32_t cp)
{
    switch (cp) {
    case '$': return "USD";
    case 0x20AC: return "EUR";
    case 0x00A3: return "GBP";
    case 0x00A5: return "JPY";
    case 0x20AB: return "VND";
    case 0x20B9: return "INR";
    default: return NULL;
    }
}

/* Scale and currency after token j: returns tokens used. */
static size_t unit_after(const ent_ctx *c, size_t j, double *mult, const char **cur,
                         int *percent)
{
    int32_t p;
    size_t off, n, used = 0;
    *mult = 1;
    *cur = NULL;
    *percent = 0;
    if (j >= c->ntok || (c->tok[j].flags & TF_TAKEN))
        return 0;
    if (j < c->ntok && tok_is(c, j, '%')) {
        *percent = 1;
        return 1;
    }
    if (j < c->ntok && tok_is(c, j, 0x066A)) {
        *percent = 1;
        return 1;
    }
    n = match_at(c, j, 1u << PK_PERCENT, &p, &off);
    if (n) {
        *percent = 1;
        return n;
    }
    n = match_at(c, j, 1u << PK_SCALE, &p, &off);
    if (n) {
        *mult = pay_find(c->d, p, PK_SCALE)->dval;
        used = n;
        /* "5 million 300 thousand" is left as is */
    }
    n = match_at(c, j + used, 1u << PK_CURRENCY, &p, &off);
    /* "5 milliards de dongs", "5 billion of dong" */
    if (!n && used && j + used + 1 < c->ntok && (tok_flags0(c, j + used) & VF_CONNECT)) {
        n = match_at(c, j + used + 1, 1u << PK_CURRENCY, &p, &off);
        if (n)
            used++;
    }
    if (n) {
        *cur = pay_find(c->d, p, PK_CURRENCY)->str;
        used += n;
    } else if (j + used < c->ntok && c->tok[j + used].kind == TK_PUNCT &&
               !(c->tok[j + used].flags & TF_TAKEN) && sym_currency(c->tok[j + used].cp)) {
        *cur = sym_currency(c->tok[j + used].cp);
        used++;
    }
    return used;
}

static int range_link(const ent_ctx *c, size_t j)
{
    if (j >= c->ntok || (c->tok[j].flags & TF_TAKEN))
        return 0;
    if (tok_is(c, j, '-') || tok_is(c, j, 0x2013) || tok_is(c, j, 0x2014))
        return 1;
    return (tok_flags0(c, j) & (VF_AND | VF_TO)) != 0;
}

void pat_num(ent_ctx *c)
{
    size_t i;
    for (i = 0; i < c->ntok; i++) {
        double v, v2 = 0, mult, mult2 = 1;
        int nd, sep, percent = 0, percent2;
        const char *cur = NULL, *cur2;
        size_t n, j, u, n2 = 0, u2, start, end;
        int range = 0, prefix_cur = 0;
        const char *pcur = NULL;
        sbuf val, key, a;
        if (c->tok[i].kind != TK_NUM || (c->tok[i].flags & TF_TAKEN))
            continue;
        /* the tail of a longer number or code: 12/3, 3.5.1 */
        if (i > 0 && !(c->tok[i].flags & TF_SPACE) && c->tok[i - 1].kind != TK_WORD &&
            !(c->tok[i - 1].kind == TK_PUNCT && sym_currency(c->tok[i - 1].cp)) &&
            !tok_is(c, i - 1, '(') && !tok_is(c, i - 1, 0x00AB) && !tok_is(c, i - 1, '"'))
            continue;
        n = num_parse(c, i, &v, &nd, &sep);
        if (!n)
            continue;
        j = i + n;
        start = c->tok[i].s;
        if (i > 0 && c->tok[i - 1].kind == TK_PUNCT && sym_currency(c->tok[i - 1].cp) &&
            !(c->tok[i - 1].flags & TF_TAKEN)) {
            pcur = sym_currency(c->tok[i - 1].cp);
            prefix_cur = 1;
            start = c->tok[i - 1].s;
        }
        /* a number glued to a word after it is an ordinal or a compound */
        if (j < c->ntok && c->tok[j].kind == TK_WORD && !(c->tok[j].flags & TF_SPACE)) {
            int32_t p;
            size_t off;
            if (!match_at(c, j, (1u << PK_SCALE) | (1u << PK_CURRENCY) | (1u << PK_PERCENT),
                          &p, &off))
                continue;
        }
        u = unit_after(c, j, &mult, &cur, &percent);
        /* range: N (and|to|-) N unit */
        if (!u && range_link(c, j) && j + 1 < c->ntok) {
            int nd2, sep2;
            n2 = num_parse(c, j + 1, &v2, &nd2, &sep2);
            if (n2) {
                u2 = unit_after(c, j + 1 + n2, &mult2, &cur2, &percent2);
                if (u2 && (cur2 || percent2 || mult2 > 1)) {
                    range = 1;
                    mult = mult2;
                    cur = cur2;
                    percent = percent2;
                    j = j + 1 + n2;
                    u = u2;
                }
            }
        }
        if (pcur && !cur)
            cur = pcur;
        sb_init(&val);
        sb_init(&key);
        sb_init(&a);
        if (percent || cur) {
            end = c->tok[j + u - 1].e;
            if (!u)
                end = c->tok[j - 1].e;
            fmt_num(&val, v * (range ? mult : mult));
            if (range) {
                sb_adds(&a, "\"low\":");
                fmt_num(&a, v * mult);
                sb_adds(&a, ",\"high\":");
                fmt_num(&a, v2 * mult);
                val.len = 0;
                fmt_num(&val, v * mult);
                sb_addc(&val, '/');
                fmt_num(&val, v2 * mult);
            }
            if (cur) {
                if (a.len)
                    sb_addc(&a, ',');
                sb_adds(&a, "\"currency\":");
                sb_json_str(&a, cur, strlen(cur));
            }
            sb_add(&key, val.s ? val.s : "", val.len);
            if (cur) {
                sb_addc(&key, ' ');
                sb_adds(&key, cur);
            } else {
                sb_addc(&key, '%');
            }
            cand_add(c, percent ? ENT_PERCENT : ENT_MONEY, start, end,
                     prefix_cur ? (int)i - 1 : (int)i, (int)(j + u), 0.95, sb_take(&val),
                     sb_take(&key), a.len ? sb_take(&a) : NULL);
            sb_free(&a);
            i = j + u - 1;
            continue;
        }
        /* QUANTITY: a number (with a scale) and the noun after it */
        {
            size_t w = j + u;
            uint32_t pf = i > 0 ? tok_flags(c, i - 1) : 0;
            int32_t p;
            size_t off;
            if (i > 0 && (pf & VF_NUMSTOP)) {
                sb_free(&val);
                sb_free(&key);
                sb_free(&a);
                continue;
            }
            if (i > 0 && match_at(c, i - 1, 1u << PK_DOCWORD, &p, &off)) {
                sb_free(&val);
                sb_free(&key);
                sb_free(&a);
                continue;
            }
            if (w < c->ntok && c->tok[w].kind == TK_WORD && c->tok[w].ncand &&
                !(c->tok[w].flags & (TF_TAKEN | TF_NL | TF_LONG)) &&
                !(tok_flags0(c, w) & (VF_STOP | VF_AND | VF_TO | VF_NUMSTOP)) &&
                !match_at(c, w, (1u << PK_MONTH) | (1u << PK_YEARCUE), &p, &off) &&
                c->tok[w].e - c->tok[w].s >= 2) {
                end = c->tok[w].e;
                fmt_num(&val, v * mult);
                sb_adds(&a, "\"unit\":");
                sb_json_str(&a, c->text + c->tok[w].s, c->tok[w].e - c->tok[w].s);
                sb_add(&key, val.s ? val.s : "", val.len);
                sb_addc(&key, ' ');
                {
                    char *uk = key_of_span(c, c->tok[w].s, c->tok[w].e);
                    if (uk)
                        sb_adds(&key, uk);
                    free(uk);
                }
                cand_add(c, ENT_QUANTITY, start, end, (int)i, (int)w + 1, 0.85,
                         sb_take(&val), sb_take(&key), sb_take(&a));
                i = w;
                continue;
            }
            if (u && mult > 1) {
                end = c->tok[j + u - 1].e;
                fmt_num(&val, v * mult);
                sb_add(&key, val.s ? val.s : "", val.len);
                cand_add(c, ENT_QUANTITY, start, end, (int)i, (int)(j + u), 0.8,
                         sb_take(&val), sb_take(&key), NULL);
                sb_free(&a);
                i = j + u - 1;
                continue;
            }
        }
        sb_free(&val);
        sb_free(&key);
        sb_free(&a);
    }
}
