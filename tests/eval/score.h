/*
 * Scoring entities against gold annotations (header-only: the eval driver
 * and the regression test both include it).
 *
 * Gold format (tests/fixtures/gold/ *.txt): the report's text with each
 * entity marked in place as [[TYPE|surface]] or [[TYPE|surface|value]];
 * "[[" never occurs in the reports otherwise.  gold_parse() returns the
 * plain text (markup removed) and the spans as byte offsets into it.
 * Matching is exact: same type, same start and end (CoNLL style).
 */
#ifndef ENT_SCORE_H
#define ENT_SCORE_H

#include "entities.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct gold_span {
    int type;
    size_t start, end;
    char *value; /* owned or NULL */
} gold_span;

typedef struct gold_doc {
    char *text; /* owned, plain */
    size_t len;
    gold_span *sp;
    size_t n, cap;
    char lang[16];
} gold_doc;

typedef struct score {
    size_t tp[ENT_NTYPES], fp[ENT_NTYPES], fn[ENT_NTYPES];
    size_t vok[ENT_NTYPES], vn[ENT_NTYPES]; /* values right / compared */
} score;

static void gold_free(gold_doc *g)
{
    size_t i;
    for (i = 0; i < g->n; i++)
        free(g->sp[i].value);
    free(g->sp);
    free(g->text);
    memset(g, 0, sizeof *g);
}

/* Parses marked-up text; returns 0 or -1 with a message in err. */
static int gold_parse(const char *src, size_t n, gold_doc *g, char *err, size_t errlen)
{
    size_t i = 0, o = 0;
    memset(g, 0, sizeof *g);
    g->text = malloc(n + 1);
    if (!g->text)
        return -1;
    while (i < n) {
        if (i + 1 < n && src[i] == '[' && src[i + 1] == '[') {
            const char *close = NULL, *bar1, *bar2 = NULL;
            size_t k;
            char tname[16];
            int type;
            for (k = i + 2; k + 1 < n; k++)
                if (src[k] == ']' && src[k + 1] == ']') {
                    close = src + k;
                    break;
                }
            bar1 = close ? memchr(src + i + 2, '|', (size_t)(close - (src + i + 2))) : NULL;
            if (!close || !bar1 || (size_t)(bar1 - (src + i + 2)) >= sizeof tname) {
                snprintf(err, errlen, "bad markup at byte %zu", i);
                return -1;
            }
            memcpy(tname, src + i + 2, (size_t)(bar1 - (src + i + 2)));
            tname[bar1 - (src + i + 2)] = '\0';
            type = ent_type_from_name(tname);
            if (type < 0) {
                snprintf(err, errlen, "unknown type %s at byte %zu", tname, i);
                return -1;
            }
            bar2 = memchr(bar1 + 1, '|', (size_t)(close - (bar1 + 1)));
            if (g->n == g->cap) {
                size_t cap = g->cap ? g->cap * 2 : 64;
                gold_span *ns = realloc(g->sp, cap * sizeof *ns);
                if (!ns)
                    return -1;
                g->sp = ns;
                g->cap = cap;
            }
            {
                const char *se = bar2 ? bar2 : close;
                size_t sl = (size_t)(se - (bar1 + 1));
                gold_span *s = &g->sp[g->n++];
                s->type = type;
                s->start = o;
                memcpy(g->text + o, bar1 + 1, sl);
                o += sl;
                s->end = o;
                s->value = bar2 ? strndup(bar2 + 1, (size_t)(close - (bar2 + 1))) : NULL;
            }
            i = (size_t)(close - src) + 2;
            continue;
        }
        g->text[o++] = src[i++];
    }
    g->text[o] = '\0';
    g->len = o;
    return 0;
}

/* Adds the comparison of predicted entities (only the types in mask) with
 * the gold spans to sc. */
static void score_add(score *sc, const gold_span *gs, size_t ng, const ent_list *l,
                      unsigned mask, FILE *verbose, const char *text)
{
    size_t i, j;
    char *hit = calloc(ng + 1, 1);
    for (i = 0; i < l->n; i++) {
        const ent_entity *e = &l->v[i];
        int found = 0;
        if (!(mask & (1u << e->type)))
            continue;
        for (j = 0; j < ng; j++)
            if (!hit[j] && gs[j].type == e->type && gs[j].start == e->start &&
                gs[j].end == e->end) {
                hit[j] = 1;
                found = 1;
                if (gs[j].value) {
                    sc->vn[e->type]++;
                    if (!strcmp(gs[j].value, e->value))
                        sc->vok[e->type]++;
                    else if (verbose)
                        fprintf(verbose, "VALUE %s \"%.*s\": %s, gold %s\n",
                                ent_type_name(e->type), (int)(e->end - e->start),
                                text + e->start, e->value, gs[j].value);
                }
                break;
            }
        if (found) {
            sc->tp[e->type]++;
        } else {
            sc->fp[e->type]++;
            if (verbose) {
                size_t a = e->start > 60 ? e->start - 60 : 0, b = e->end + 40;
                while (a > 0 && ((unsigned char)text[a] & 0xC0) == 0x80)
                    a--;
                for (j = e->end; j < b && text[j]; j++)
                    ;
                while (j > e->end && ((unsigned char)text[j] & 0xC0) == 0x80)
                    j--;
                fprintf(verbose, "FP %s \"%.*s\"\t%.*s<<%.*s>>%.*s\n", ent_type_name(e->type),
                        (int)(e->end - e->start), text + e->start, (int)(e->start - a), text + a,
                        (int)(e->end - e->start), text + e->start, (int)(j - e->end),
                        text + e->end);
            }
        }
    }
    for (j = 0; j < ng; j++)
        if (!hit[j] && (mask & (1u << gs[j].type))) {
            sc->fn[gs[j].type]++;
            if (verbose) {
                size_t a = gs[j].start > 60 ? gs[j].start - 60 : 0, b = gs[j].end, e2 = b;
                while (a > 0 && ((unsigned char)text[a] & 0xC0) == 0x80)
                    a--;
                while (text[e2] && e2 < b + 40)
                    e2++;
                while (e2 > b && ((unsigned char)text[e2] & 0xC0) == 0x80)
                    e2--;
                fprintf(verbose, "FN %s \"%.*s\"\t%.*s<<%.*s>>%.*s\n", ent_type_name(gs[j].type),
                        (int)(gs[j].end - gs[j].start), text + gs[j].start,
                        (int)(gs[j].start - a), text + a, (int)(b - gs[j].start),
                        text + gs[j].start, (int)(e2 - b), text + b);
            }
        }
    free(hit);
}

static double prf(size_t tp, size_t fp, size_t fn, double *p, double *r)
{
    *p = tp + fp ? (double)tp / (double)(tp + fp) : 1.0;
    *r = tp + fn ? (double)tp / (double)(tp + fn) : 1.0;
    return *p + *r > 0 ? 2 * *p * *r / (*p + *r) : 0;
}

/* ---- NewsFANE ------------------------------------------------------------ */

static int map_newsfane(const char *cls)
{
    static const char *const per[] = {"Politician", "Other_PER", "Athlete", "Artist",
                                      "Businessman", "Businessperson", "Scientist", "Police",
                                      "Religious_PER", "Lawyer", "Engineer", NULL};
    static const char *const loc[] = {"Nation", "Population-Center", "State-or-Province",
                                      "County-or-District", "Continent", "Region-General",
                                      "Water-Body", "Land-Region-Natural", "Celestial",
                                      "Address", "Region-International", NULL};
    static const char *const org[] = {"Government", "Non-Governmental", "Commercial",
                                      "Educational", "Media", "Sports", "Religious",
                                      "Medical-Science", "Entertainment", "Group", NULL};
    int i;
    for (i = 0; per[i]; i++)
        if (!strcmp(cls, per[i]))
            return ENT_PERSON;
    for (i = 0; loc[i]; i++)
        if (!strcmp(cls, loc[i]))
            return ENT_LOC;
    for (i = 0; org[i]; i++)
        if (!strcmp(cls, org[i]))
            return ENT_ORG;
    return -1;
}

static int is_prefix_clitic(const char *t)
{
    return !strcmp(t, "و") || !strcmp(t, "ب") || !strcmp(t, "ل") || !strcmp(t, "ف") ||
           !strcmp(t, "ك");
}

static int is_suffix_clitic(const char *t)
{
    static const char *const s[] = {"ه", "ها", "هم", "هما", "هن", "نا", "ي", "ني", "كم", "كما", "كن", NULL};
    int i;
    for (i = 0; s[i]; i++)
        if (!strcmp(t, s[i]))
            return 1;
    return 0;
}

/* Removes U+200E, U+200F and U+FEFF in place. */
static void strip_marks(char *s)
{
    char *w = s;
    while (*s) {
        if ((unsigned char)s[0] == 0xE2 && (unsigned char)s[1] == 0x80 &&
            ((unsigned char)s[2] == 0x8E || (unsigned char)s[2] == 0x8F)) {
            s += 3;
            continue;
        }
        if ((unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
            (unsigned char)s[2] == 0xBF) {
            s += 3;
            continue;
        }
        *w++ = *s++;
    }
    *w = '\0';
}


/* Reads NewsFANE Gold (DIR/NewsFANE_Gold_dev.txt): the sentences rebuilt as
 * running text (clitics re-attached, one sentence a line) and the PERSON /
 * LOC / ORG spans as byte offsets into it.  Returns 0, 1 when the file is
 * absent, -1 on error.  *text and *spans are the caller's (free). */
static int newsfane_load(const char *dir, char **text_out, size_t *len_out,
                         gold_span **spans_out, size_t *n_out, size_t *nsent_out)
{
    char path[4096], line[4096];
    FILE *f;
    char *text = NULL;
    size_t tlen = 0, tcap = 0, ng = 0, gcap = 0, nsent = 0;
    gold_span *gs = NULL;
    int cur_type = -1, attach_next = 0, first_in_sent = 1;
    size_t cur_start = 0, last_end = 0;
    snprintf(path, sizeof path, "%.4000s/NewsFANE_Gold_dev.txt", dir);
    f = fopen(path, "r");
    if (!f)
        return 1;
#define PUT(s, n)                                                                         \
    do {                                                                                  \
        if (tlen + (n) + 2 > tcap) {                                                      \
            char *nt_;                                                                    \
            tcap = (tlen + (n) + 2) * 2;                                                  \
            nt_ = realloc(text, tcap);                                                    \
            if (!nt_)                                                                     \
                goto fail;                                                                \
            text = nt_;                                                                   \
        }                                                                                 \
        memcpy(text + tlen, s, n);                                                        \
        tlen += n;                                                                        \
    } while (0)
#define CLOSE()                                                                           \
    do {                                                                                  \
        if (cur_type >= 0) {                                                              \
            if (ng == gcap) {                                                             \
                gold_span *ns_;                                                           \
                gcap = gcap ? gcap * 2 : 1024;                                            \
                ns_ = realloc(gs, gcap * sizeof *gs);                                     \
                if (!ns_)                                                                 \
                    goto fail;                                                            \
                gs = ns_;                                                                 \
            }                                                                             \
            gs[ng].type = cur_type;                                                       \
            gs[ng].start = cur_start;                                                     \
            gs[ng].end = last_end;                                                        \
            gs[ng].value = NULL;                                                          \
            ng++;                                                                         \
            cur_type = -1;                                                                \
        }                                                                                 \
    } while (0)
    while (fgets(line, sizeof line, f)) {
        char *tab, *tok, *tag;
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        strip_marks(line);
        tab = strchr(line, '\t');
        if (!tab || tab == line) {
            CLOSE();
            if (!first_in_sent) {
                PUT("\n", 1);
                nsent++;
            }
            first_in_sent = 1;
            attach_next = 0;
            continue;
        }
        *tab = '\0';
        tok = line;
        tag = tab + 1;
        if (!first_in_sent && !attach_next && !is_suffix_clitic(tok))
            PUT(" ", 1);
        {
            size_t s = tlen;
            int type = -1;
            PUT(tok, strlen(tok));
            if (tag[0] == 'B' || tag[0] == 'I')
                type = map_newsfane(tag + 2);
            if (tag[0] == 'B' || type < 0 || type != cur_type)
                CLOSE();
            if (type >= 0 && cur_type < 0) {
                cur_type = type;
                cur_start = s;
            }
            if (type >= 0)
                last_end = tlen;
        }
        attach_next = is_prefix_clitic(tok);
        first_in_sent = 0;
    }
    CLOSE();
#undef PUT
#undef CLOSE
    fclose(f);
    if (!text && !(text = malloc(1)))
        goto fail2;
    text[tlen] = '\0';
    *text_out = text;
    *len_out = tlen;
    *spans_out = gs;
    *n_out = ng;
    *nsent_out = nsent;
    return 0;
fail:
    fclose(f);
fail2:
    free(text);
    free(gs);
    return -1;
}

#endif
