/*
 * Resolution inside a document: a person named in full once
 * (السكرتير الإقليمي للحزب هوانج ترونج دونج) is found again where the same
 * words come back without a title (هوانج ترونج دونج), and, for names that
 * begin with a known given name, where the family name comes back alone.
 * Such mentions get the key of the full mention.  Spelling variants
 * (هوانج / هوانغ) already share their match forms, hence their keys.
 */
#include "ent_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NAMES_MAX 4096

static uint64_t tok_hash_at(const ent_ctx *c, size_t i, size_t off)
{
    const ent_tok *t = &c->tok[i];
    int r;
    for (r = 0; r < t->ncand; r++)
        if (t->cand[r].off == off)
            return t->cand[r].h;
    return t->ncand ? t->cand[0].h : 0;
}

/* A word that may continue a name follows: the family name alone is then
 * the start of another person's name (مبارك بوصوفة). */
static int name_follows(const ent_ctx *c, size_t j)
{
    const ent_tok *u;
    if (j >= c->ntok)
        return 0;
    u = &c->tok[j];
    if (u->kind != TK_WORD || (u->flags & (TF_NL | TF_TAKEN)) || !u->ncand)
        return 0;
    if (tok_flags0(c, j) & (VF_STOP | VF_NOTNAME | VF_CUE))
        return 0;
    if (u->script == SC_ARAB) /* only a known name part: verbs follow names */
        return (tok_flags(c, j) & (VF_GIVEN | VF_SYLLABLE | VF_PARTICLE)) != 0;
    return (u->flags & TF_CAP) != 0;
}

/* The set starts small and doubles at half full: a fresh large table per
 * document costs page faults and zeroing that dwarf the lookups. */
static int set_grow(ent_ctx *c)
{
    uint32_t nmask = c->name_first ? 2 * c->name_mask + 1 : 63;
    uint64_t *nt = calloc((size_t)nmask + 1, sizeof *nt);
    if (!nt)
        return -ENOMEM;
    for (uint32_t i = 0; c->name_first && i <= c->name_mask; i++) {
        uint64_t h = c->name_first[i];
        uint32_t k;
        if (!h)
            continue;
        for (k = (uint32_t)h & nmask; nt[k]; k = (k + 1) & nmask)
            ;
        nt[k] = h;
    }
    free(c->name_first);
    c->name_first = nt;
    c->name_mask = nmask;
    return 0;
}

static int set_add(ent_ctx *c, uint64_t h)
{
    uint32_t k;
    if ((!c->name_first || 2 * (c->name_used + 1) > c->name_mask + 1) && set_grow(c) < 0)
        return -ENOMEM;
    k = (uint32_t)h & c->name_mask;
    while (c->name_first[k] && c->name_first[k] != h)
        k = (k + 1) & c->name_mask;
    if (!c->name_first[k])
        c->name_used++;
    c->name_first[k] = h;
    c->name_bloom[(h >> 50) & 255] |= 1ull << ((h >> 44) & 63);
    return 0;
}

static int set_has(const ent_ctx *c, uint64_t h)
{
    uint32_t k;
    if (!c->name_first || !h || !(c->name_bloom[(h >> 50) & 255] >> ((h >> 44) & 63) & 1))
        return 0;
    k = (uint32_t)h & c->name_mask;
    while (c->name_first[k]) {
        if (c->name_first[k] == h)
            return 1;
        k = (k + 1) & c->name_mask;
    }
    return 0;
}

static void register_names(ent_ctx *c)
{
    size_t i;
    for (i = 0; i < c->nc && c->nnames < NAMES_MAX; i++) {
        ent_cand_ent *e = &c->c[i];
        ent_name *nm;
        size_t k;
        int n = 0, dup;
        uint64_t h[6];
        if (e->type != ENT_PERSON || e->tstart < 0 || e->tend - e->tstart < 2 ||
            e->tend - e->tstart > 6 || e->conf < 0.7)
            continue;
        for (k = (size_t)e->tstart; k < (size_t)e->tend; k++) {
            if (c->tok[k].kind != TK_WORD)
                continue;
            h[n++] = tok_hash_at(c, k, k == (size_t)e->tstart ? e->start : c->tok[k].s);
        }
        if (n < 2)
            continue;
        dup = 0;
        for (k = 0; k < c->nnames && !dup; k++)
            if (c->names[k].n == n && !memcmp(c->names[k].h, h, (size_t)n * sizeof h[0]))
                dup = 1;
        if (dup)
            continue;
        if (c->nnames == c->capnames) {
            size_t cap = c->capnames ? c->capnames * 2 : 16;
            ent_name *nn = realloc(c->names, cap * sizeof *nn);
            if (!nn) {
                c->err = -ENOMEM;
                return;
            }
            c->names = nn;
            c->capnames = cap;
        }
        nm = &c->names[c->nnames];
        memset(nm, 0, sizeof *nm);
        memcpy(nm->h, h, (size_t)n * sizeof h[0]);
        nm->n = n;
        nm->type = e->type;
        /* the family name alone: names with a given name first, not
         * Vietnamese ones (whose last word is the given name) */
        /* the family name alone: names in the given-name-first order (not
         * Vietnamese ones), with a family name that is no given name */
        nm->lastname_ok = !(tok_flags(c, (size_t)e->tstart) & (VF_SURNAME | VF_SYLLABLE)) &&
                          ((tok_flags(c, (size_t)e->tstart) & VF_GIVEN) ||
                           (e->attrs && strstr(e->attrs, "\"role\""))) &&
                          !(tok_flags(c, (size_t)e->tend - 1) & (VF_SYLLABLE | VF_GIVEN)) &&
                          !(c->tok[e->tend - 1].flags & TF_AL) &&
                          name_word_ok(c, (size_t)e->tend - 1) &&
                          !(tok_flags(c, (size_t)e->tend - 2) & VF_PARTICLE) &&
                          c->tok[e->tend - 1].e - c->tok[e->tend - 1].s >= 4;
        nm->key = e->key ? strdup(e->key) : NULL;
        nm->value = e->value ? strdup(e->value) : NULL;
        if (set_add(c, h[0]) < 0 || (nm->lastname_ok && set_add(c, h[n - 1]) < 0)) {
            free(nm->key);
            free(nm->value);
            c->err = -ENOMEM;
            return;
        }
        c->nnames++;
    }
}

void resolve_block(ent_ctx *c)
{
    size_t i;
    if (c->err)
        return;
    register_names(c);
    if (!c->nnames)
        return;
    for (i = 0; i < c->ntok; i++) {
        const ent_tok *t = &c->tok[i];
        size_t best_len = 0, best_name = 0, best_off = 0, k;
        int r;
        if (t->kind != TK_WORD || (t->flags & TF_TAKEN) || !t->ncand)
            continue;
        for (r = 0; r < t->ncand; r++) {
            if (!set_has(c, t->cand[r].h))
                continue;
            for (k = 0; k < c->nnames; k++) {
                const ent_name *nm = &c->names[k];
                int w, ok = 1;
                if (nm->h[0] == t->cand[r].h) {
                    if ((size_t)nm->n <= best_len || i + (size_t)nm->n > c->ntok)
                        continue;
                    for (w = 1; w < nm->n && ok; w++) {
                        const ent_tok *u = &c->tok[i + (size_t)w];
                        if (u->kind != TK_WORD || (u->flags & (TF_TAKEN | TF_NL)) || !u->ncand ||
                            u->cand[0].h != nm->h[w])
                            ok = 0;
                    }
                    if (ok) {
                        best_len = (size_t)nm->n;
                        best_name = k;
                        best_off = t->cand[r].off;
                    }
                } else if (nm->lastname_ok && nm->h[nm->n - 1] == t->cand[r].h && best_len == 0 &&
                           !(tok_flags0(c, i) & (VF_STOP | VF_CUE)) &&
                           (t->script == SC_ARAB || (t->flags & TF_CAP)) &&
                           !name_follows(c, i + 1)) {
                    best_len = 1;
                    best_name = k;
                    best_off = t->cand[r].off;
                }
            }
        }
        if (best_len) {
            const ent_name *nm = &c->names[best_name];
            size_t end = c->tok[i + best_len - 1].e;
            char *v = strndup(c->text + best_off, end - best_off);
            cand_add(c, nm->type, best_off, end, (int)i, (int)(i + best_len),
                     best_len > 1 ? 0.85 : 0.7, v, nm->key ? strdup(nm->key) : NULL,
                     strdup("\"mention\":\"short\""));
            i += best_len - 1;
        }
    }
}

void resolve_free(ent_ctx *c)
{
    size_t i;
    for (i = 0; i < c->nnames; i++) {
        free(c->names[i].key);
        free(c->names[i].value);
        free(c->names[i].attrs);
    }
    free(c->names);
    free(c->name_first);
    c->names = NULL;
    c->name_first = NULL;
    c->name_used = 0;
    c->nnames = c->capnames = 0;
}
