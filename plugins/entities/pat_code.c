/*
 * Patterns over characters: URL, EMAIL and official document numbers
 * (DOCREF).
 *
 * DOCREF shapes (letters may carry Vietnamese diacritics, Đ = D):
 *   Party:  NUMBER-TYPE/ISSUER[-ISSUER2]       25-NQ/TW, 961-CTr/TU
 *   State:  NUMBER[/YEAR]/TYPE-ISSUER[-ISSUER2] 15/2020/NĐ-CP, 123/QĐ-TTg
 * with no space inside.  TYPE and ISSUER are Latin words of 1..8 letters
 * beginning with a capital.  A known TYPE (doc_types) gives "kind", a known
 * ISSUER (doc_issuers) gives "issuer"; a code whose type is unknown is kept
 * with a lower confidence.
 */
#include "ent_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ASCII form of a short Latin word: diacritics dropped, case kept. */
static void ascii_word(const ent_ctx *c, size_t i, char *out, size_t cap)
{
    const ent_tok *t = &c->tok[i];
    size_t k = t->s, n = 0;
    while (k < t->e && n + 1 < cap) {
        uint32_t cp = ent_next_cp(c->text, t->e, &k);
        uint32_t m;
        if (cp < 0x80) {
            out[n++] = (char)cp;
            continue;
        }
        if (cp == 0x0110) {
            out[n++] = 'D';
            continue;
        }
        if (cp == 0x0111) {
            out[n++] = 'd';
            continue;
        }
        m = cp < 0x10000 ? c->d->norm->map[cp] : 0;
        if (m && m < 0x80) {
            /* keep the case of the original */
            int upper = c->d->norm->cls[cp] == CC_UPPER;
            out[n++] = (char)(upper && m >= 'a' && m <= 'z' ? m - 32 : m);
        }
    }
    out[n] = '\0';
}

static int code_word(const ent_ctx *c, size_t i)
{
    const ent_tok *t;
    size_t nl = 0, k;
    if (i >= c->ntok)
        return 0;
    t = &c->tok[i];
    if (t->kind != TK_WORD || t->script != SC_LATN || !(t->flags & TF_CAP) ||
        (t->flags & (TF_SPACE | TF_TAKEN)))
        return 0;
    for (k = t->s; k < t->e;) {
        ent_next_cp(c->text, t->e, &k);
        nl++;
    }
    return nl >= 1 && nl <= 8;
}

static int adj_punct(const ent_ctx *c, size_t i, uint32_t cp)
{
    return i < c->ntok && tok_is(c, i, cp) && !(c->tok[i].flags & (TF_SPACE | TF_TAKEN));
}

static int adj_num(const ent_ctx *c, size_t i)
{
    return i < c->ntok && c->tok[i].kind == TK_NUM &&
           !(c->tok[i].flags & (TF_SPACE | TF_TAKEN));
}

static void emit_docref(ent_ctx *c, size_t i, size_t j, size_t ti, size_t tyi,
                        size_t isi, int party)
{
    char type[24], issuer[24], w[24];
    const ent_doctype *dt, *is;
    sbuf v, k, a;
    size_t x;
    (void)ti;
    ascii_word(c, tyi, type, sizeof type);
    ascii_word(c, isi, issuer, sizeof issuer);
    dt = NULL;
    for (x = 0; x < c->d->ndoctypes; x++)
        if (!strcasecmp(c->d->doctypes[x].code, type))
            dt = &c->d->doctypes[x];
    is = NULL;
    for (x = 0; x < c->d->nissuers; x++)
        if (!strcasecmp(c->d->issuers[x].code, issuer))
            is = &c->d->issuers[x];
    sb_init(&v);
    sb_init(&k);
    sb_init(&a);
    for (x = i; x < j; x++) {
        const ent_tok *t = &c->tok[x];
        if (t->kind == TK_WORD) {
            ascii_word(c, x, w, sizeof w);
            sb_adds(&v, w);
        } else if (t->kind == TK_NUM) {
            size_t q = t->s;
            while (q < t->e) {
                uint32_t cp = ent_next_cp(c->text, t->e, &q);
                sb_addc(&v, cp < 0x10000 ? (char)c->d->norm->map[cp] : '?');
            }
        } else {
            sb_addc(&v, (char)t->cp);
        }
    }
    sb_cstr(&v);
    for (x = 0; x < v.len; x++)
        sb_addc(&k, v.s[x] >= 'a' && v.s[x] <= 'z' ? (char)(v.s[x] - 32) : v.s[x]);
    sb_adds(&a, "\"type\":");
    sb_json_str(&a, type, strlen(type));
    if (dt) {
        sb_adds(&a, ",\"kind\":");
        sb_json_str(&a, dt->kind, strlen(dt->kind));
    }
    sb_adds(&a, ",\"issuer_code\":");
    sb_json_str(&a, issuer, strlen(issuer));
    if (is) {
        sb_adds(&a, ",\"issuer\":");
        sb_json_str(&a, is->kind, strlen(is->kind));
    }
    sb_adds(&a, party ? ",\"system\":\"party\"" : ",\"system\":\"state\"");
    cand_add(c, ENT_DOCREF, c->tok[i].s, c->tok[j - 1].e, (int)i, (int)j,
             dt && is ? 0.97 : dt || is ? 0.85 : 0.6, sb_take(&v), sb_take(&k),
             sb_take(&a));
}

static void docrefs(ent_ctx *c)
{
    size_t i;
    for (i = 0; i < c->ntok; i++) {
        size_t j, tyi, isi;
        if (c->tok[i].kind != TK_NUM || (c->tok[i].flags & TF_TAKEN))
            continue;
        /* not the tail of something else (a path, a longer code) */
        if (i > 0 && !(c->tok[i].flags & TF_SPACE) &&
            (c->tok[i - 1].kind != TK_PUNCT || tok_is(c, i - 1, '/') ||
             tok_is(c, i - 1, '-') || tok_is(c, i - 1, '.')))
            continue;
        /* Party: N-TYPE/ISSUER */
        if (adj_punct(c, i + 1, '-') && code_word(c, i + 2) && adj_punct(c, i + 3, '/') &&
            code_word(c, i + 4)) {
            tyi = i + 2;
            isi = i + 4;
            j = i + 5;
            if (adj_punct(c, j, '-') && code_word(c, j + 1))
                j += 2;
            emit_docref(c, i, j, i, tyi, isi, 1);
            i = j - 1;
            continue;
        }
        /* State: N[/YEAR]/TYPE-ISSUER */
        j = i + 1;
        if (adj_punct(c, j, '/') && adj_num(c, j + 1))
            j += 2;
        if (adj_punct(c, j, '/') && code_word(c, j + 1) && adj_punct(c, j + 2, '-') &&
            code_word(c, j + 3)) {
            tyi = j + 1;
            isi = j + 3;
            j += 4;
            if (adj_punct(c, j, '-') && code_word(c, j + 1))
                j += 2;
            emit_docref(c, i, j, i, tyi, isi, 0);
            i = j - 1;
        }
    }
}

/* ---- URL and EMAIL ---------------------------------------------------- */

static int url_char(const ent_ctx *c, uint32_t cp)
{
    if (cp < 0x80)
        return cp > 0x20 && cp != '"' && cp != '<' && cp != '>' && cp != '`' &&
               cp != '{' && cp != '}' && cp != '|' && cp != '\\' && cp != '^' &&
               cp != 0x7F;
    if (cp < 0x10000) {
        uint8_t cl = c->d->norm->cls[cp];
        return cl == CC_LETTER || cl == CC_UPPER || cl == CC_DIGIT || cl == CC_MARK;
    }
    return 0;
}

/* Marks the tokens overlapping [s, e) taken; returns the token range. */
static void take_bytes(ent_ctx *c, size_t from, size_t s, size_t e, size_t *ti, size_t *tj)
{
    size_t i = from;
    while (i > 0 && c->tok[i].s > s)
        i--;
    while (i < c->ntok && c->tok[i].e <= s)
        i++;
    *ti = i;
    while (i < c->ntok && c->tok[i].s < e) {
        c->tok[i].flags |= TF_TAKEN;
        i++;
    }
    *tj = i;
}

static int word_is(const ent_ctx *c, size_t i, const char *w)
{
    size_t n = strlen(w);
    return i < c->ntok && c->tok[i].kind == TK_WORD && c->tok[i].e - c->tok[i].s == n &&
           (c->text[c->tok[i].s] | 0x20) == w[0] &&
           strncasecmp(c->text + c->tok[i].s, w, n) == 0;
}

static void urls(ent_ctx *c)
{
    size_t i;
    for (i = 0; i < c->ntok; i++) {
        size_t s, e, k, ti, tj;
        int paren = 0;
        char f0;
        if ((c->tok[i].flags & TF_TAKEN) || c->tok[i].kind != TK_WORD)
            continue;
        f0 = (char)(c->text[c->tok[i].s] | 0x20);
        if (f0 != 'h' && f0 != 'f' && f0 != 'w')
            continue;
        if ((word_is(c, i, "http") || word_is(c, i, "https") || word_is(c, i, "ftp")) &&
            adj_punct(c, i + 1, ':') && adj_punct(c, i + 2, '/') && adj_punct(c, i + 3, '/')) {
            s = c->tok[i].s;
            k = c->tok[i + 3].e;
        } else if (word_is(c, i, "www") && adj_punct(c, i + 1, '.') &&
                   i + 2 < c->ntok && !(c->tok[i + 2].flags & TF_SPACE) &&
                   c->tok[i + 2].kind == TK_WORD) {
            s = c->tok[i].s;
            k = c->tok[i + 1].e;
        } else {
            continue;
        }
        if (i > 0 && !(c->tok[i].flags & TF_SPACE) && c->tok[i - 1].kind != TK_PUNCT)
            continue;
        e = k;
        while (k < c->len) {
            size_t q = k;
            uint32_t cp = ent_next_cp(c->text, c->len, &q);
            if (!url_char(c, cp))
                break;
            if (cp == '(')
                paren++;
            if (cp == ')' && --paren < 0)
                break;
            k = q;
            e = k;
        }
        /* trailing punctuation belongs to the sentence */
        while (e > s && strchr(".,;:!?'*", c->text[e - 1]))
            e--;
        if (e <= c->tok[i + 1].e + 1)
            continue;
        take_bytes(c, i, s, e, &ti, &tj);
        {
            sbuf k2;
            size_t x;
            sb_init(&k2);
            for (x = s; x < e; x++) {
                char ch = c->text[x];
                /* scheme and host in lower case */
                sb_addc(&k2, ch);
            }
            cand_add(c, ENT_URL, s, e, (int)ti, (int)tj, 0.99, NULL, sb_take(&k2), NULL);
        }
        i = tj ? tj - 1 : i;
    }
}

static int email_local(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '_' || ch == '%' || ch == '+' || ch == '-';
}

static void emails(ent_ctx *c)
{
    size_t i;
    for (i = 0; i < c->ntok; i++) {
        size_t at, s, e, ti, tj, dot = 0, lim;
        if (!tok_is(c, i, '@') || (c->tok[i].flags & (TF_TAKEN | TF_SPACE)) ||
            i + 1 >= c->ntok || (c->tok[i + 1].flags & TF_SPACE))
            continue;
        at = c->tok[i].s;
        s = at;
        lim = at > 64 ? at - 64 : 0;
        while (s > lim && email_local(c->text[s - 1]))
            s--;
        while (s < at && c->text[s] == '.')
            s++;
        if (s == at)
            continue;
        e = at + 1;
        while (e < c->len && e - at < 255 &&
               (email_local(c->text[e]) && c->text[e] != '%' && c->text[e] != '+' &&
                c->text[e] != '_')) {
            e++;
        }
        while (e > at + 1 && (c->text[e - 1] == '.' || c->text[e - 1] == '-'))
            e--;
        dot = 0;
        for (lim = at + 1; lim < e; lim++)
            if (c->text[lim] == '.')
                dot = lim;
        if (!dot || dot >= e - 2 || dot == at + 1)
            continue;
        take_bytes(c, i, s, e, &ti, &tj);
        {
            sbuf k;
            size_t x;
            sb_init(&k);
            for (x = s; x < e; x++) {
                char ch = c->text[x];
                sb_addc(&k, ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch);
            }
            cand_add(c, ENT_EMAIL, s, e, (int)ti, (int)tj, 0.98, NULL, sb_take(&k), NULL);
        }
    }
}

void pat_code(ent_ctx *c)
{
    urls(c);
    emails(c);
    docrefs(c);
}
