/*
 * The vocabulary (normalized words -> ids, with per-word flags) and the trie
 * of phrases over word ids.  Both are open-addressing hash tables built at
 * load time and only read afterwards.
 */
#include "ent_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int vocab_init(ent_vocab *v)
{
    memset(v, 0, sizeof *v); /* the bloom filter too */
    v->mask = 1023;
    v->hash = calloc(v->mask + 1, sizeof *v->hash);
    v->slot_id = calloc(v->mask + 1, sizeof *v->slot_id);
    if (!v->hash || !v->slot_id)
        return -ENOMEM;
    return 0;
}

void vocab_free(ent_vocab *v)
{
    uint32_t i;
    if (!v)
        return;
    for (i = 0; i < v->n; i++)
        free(v->words[i]);
    free(v->words);
    free(v->lens);
    free(v->flags);
    free(v->hash);
    free(v->slot_id);
    memset(v, 0, sizeof *v);
}

static int vocab_rehash(ent_vocab *v)
{
    uint32_t nmask = v->mask * 2 + 1, i;
    uint64_t *nh = calloc((size_t)nmask + 1, sizeof *nh);
    int32_t *ni = calloc((size_t)nmask + 1, sizeof *ni);
    if (!nh || !ni) {
        free(nh);
        free(ni);
        return -ENOMEM;
    }
    for (i = 0; i <= v->mask; i++) {
        uint32_t k;
        if (!v->hash[i])
            continue;
        k = (uint32_t)v->hash[i] & nmask;
        while (nh[k])
            k = (k + 1) & nmask;
        nh[k] = v->hash[i];
        ni[k] = v->slot_id[i];
    }
    free(v->hash);
    free(v->slot_id);
    v->hash = nh;
    v->slot_id = ni;
    v->mask = nmask;
    return 0;
}

static void bloom_bits(uint64_t h, uint32_t *a, uint32_t *b)
{
    *a = (uint32_t)(h >> 40) & (VOCAB_BLOOM_WORDS * 64 - 1);
    *b = (uint32_t)(h >> 20) & (VOCAB_BLOOM_WORDS * 64 - 1);
}

int32_t vocab_find(const ent_vocab *v, const char *w, size_t n, uint64_t h)
{
    uint32_t k = (uint32_t)h & v->mask, a, b;
    bloom_bits(h, &a, &b);
    if (!(v->bloom[a >> 6] >> (a & 63) & 1) || !(v->bloom[b >> 6] >> (b & 63) & 1))
        return -1;
    while (v->hash[k]) {
        if (v->hash[k] == h) {
            int32_t id = v->slot_id[k];
            if (v->lens[id] == n && memcmp(v->words[id], w, n) == 0)
                return id;
        }
        k = (k + 1) & v->mask;
    }
    return -1;
}

int32_t vocab_intern(ent_vocab *v, const char *w, size_t n)
{
    uint64_t h = ent_hash(w, n);
    int32_t id = vocab_find(v, w, n, h);
    uint32_t k;
    char *copy;
    if (id >= 0)
        return id;
    if ((v->n + 1) * 2 > v->mask && vocab_rehash(v) < 0)
        return -ENOMEM;
    if (v->n == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 256;
        char **nw = realloc(v->words, cap * sizeof *nw);
        uint32_t *nf;
        if (!nw)
            return -ENOMEM;
        v->words = nw;
        nf = realloc(v->flags, cap * sizeof *nf);
        if (!nf)
            return -ENOMEM;
        v->flags = nf;
        {
            size_t *nl = realloc(v->lens, cap * sizeof *nl);
            if (!nl)
                return -ENOMEM;
            v->lens = nl;
        }
        v->cap = cap;
    }
    copy = malloc(n + 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, w, n);
    copy[n] = '\0';
    id = (int32_t)v->n++;
    v->words[id] = copy;
    v->lens[id] = n;
    v->flags[id] = 0;
    k = (uint32_t)h & v->mask;
    while (v->hash[k])
        k = (k + 1) & v->mask;
    v->hash[k] = h;
    v->slot_id[k] = id;
    {
        uint32_t a, b;
        bloom_bits(h, &a, &b);
        v->bloom[a >> 6] |= 1ull << (a & 63);
        v->bloom[b >> 6] |= 1ull << (b & 63);
    }
    return id;
}

/* ---- trie ---------------------------------------------------------------- */

static uint64_t edge_key(int32_t parent, int32_t id)
{
    return ((uint64_t)(uint32_t)parent << 32 | (uint32_t)id) + 1; /* != 0 */
}

static uint32_t edge_slot(uint64_t key, uint32_t mask)
{
    uint64_t x = key * 0x9E3779B97F4A7C15ull;
    return (uint32_t)(x >> 32) & mask;
}

int trie_init(ent_trie *t)
{
    memset(t, 0, sizeof *t);
    t->emask = 1023;
    t->ekey = calloc(t->emask + 1, sizeof *t->ekey);
    t->echild = calloc(t->emask + 1, sizeof *t->echild);
    t->capnodes = 256;
    t->first = malloc(t->capnodes * sizeof *t->first);
    if (!t->ekey || !t->echild || !t->first)
        return -ENOMEM;
    t->nnodes = 1;
    t->first[0] = -1;
    return 0;
}

void trie_free(ent_trie *t)
{
    if (!t)
        return;
    free(t->ekey);
    free(t->echild);
    free(t->first);
    free(t->pay);
    memset(t, 0, sizeof *t);
}

int32_t trie_child(const ent_trie *t, int32_t node, int32_t id)
{
    uint64_t key;
    uint32_t k;
    if (id < 0 || node < 0)
        return -1;
    key = edge_key(node, id);
    k = edge_slot(key, t->emask);
    while (t->ekey[k]) {
        if (t->ekey[k] == key)
            return t->echild[k];
        k = (k + 1) & t->emask;
    }
    return -1;
}

static int edges_grow(ent_trie *t)
{
    uint32_t nmask = t->emask * 2 + 1, i;
    uint64_t *nk = calloc((size_t)nmask + 1, sizeof *nk);
    int32_t *nc = calloc((size_t)nmask + 1, sizeof *nc);
    if (!nk || !nc) {
        free(nk);
        free(nc);
        return -ENOMEM;
    }
    for (i = 0; i <= t->emask; i++) {
        uint32_t k;
        if (!t->ekey[i])
            continue;
        k = edge_slot(t->ekey[i], nmask);
        while (nk[k])
            k = (k + 1) & nmask;
        nk[k] = t->ekey[i];
        nc[k] = t->echild[i];
    }
    free(t->ekey);
    free(t->echild);
    t->ekey = nk;
    t->echild = nc;
    t->emask = nmask;
    return 0;
}

static int32_t trie_step_add(ent_trie *t, int32_t node, int32_t id)
{
    int32_t c = trie_child(t, node, id);
    uint64_t key;
    uint32_t k;
    if (c >= 0)
        return c;
    if ((t->nedges + 1) * 2 > t->emask && edges_grow(t) < 0)
        return -ENOMEM;
    if (t->nnodes == t->capnodes) {
        uint32_t cap = t->capnodes * 2;
        int32_t *nf = realloc(t->first, cap * sizeof *nf);
        if (!nf)
            return -ENOMEM;
        t->first = nf;
        t->capnodes = cap;
    }
    c = (int32_t)t->nnodes++;
    t->first[c] = -1;
    key = edge_key(node, id);
    k = edge_slot(key, t->emask);
    while (t->ekey[k])
        k = (k + 1) & t->emask;
    t->ekey[k] = key;
    t->echild[k] = c;
    t->nedges++;
    return c;
}

int trie_add(ent_trie *t, const int32_t *ids, size_t n, const ent_payload *p)
{
    int32_t node = 0, q;
    size_t i;
    for (i = 0; i < n; i++) {
        node = trie_step_add(t, node, ids[i]);
        if (node < 0)
            return node;
    }
    /* The same meaning twice on one phrase is kept once. */
    for (q = t->first[node]; q >= 0; q = t->pay[q].next)
        if (t->pay[q].kind == p->kind && t->pay[q].type == p->type &&
            t->pay[q].ival == p->ival && t->pay[q].str == p->str)
            return 0;
    if (t->npay == t->cappay) {
        uint32_t cap = t->cappay ? t->cappay * 2 : 256;
        ent_payload *np = realloc(t->pay, cap * sizeof *np);
        if (!np)
            return -ENOMEM;
        t->pay = np;
        t->cappay = cap;
    }
    t->pay[t->npay] = *p;
    t->pay[t->npay].next = t->first[node];
    t->first[node] = (int32_t)t->npay++;
    return 0;
}
