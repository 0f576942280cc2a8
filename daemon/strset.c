#include "strset.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct strset_node {
    struct strset_node *next;
    uint64_t h;
    char key[];
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return h;
}

static int grow(struct strset *s)
{
    size_t nb = s->nb ? s->nb * 2 : 64;
    struct strset_node **b = calloc(nb, sizeof *b);
    if (!b)
        return -ENOMEM;
    for (size_t i = 0; i < s->nb; i++) {
        struct strset_node *n = s->b[i], *next;
        for (; n; n = next) {
            next = n->next;
            n->next = b[n->h & (nb - 1)];
            b[n->h & (nb - 1)] = n;
        }
    }
    free(s->b);
    s->b = b;
    s->nb = nb;
    return 0;
}

int strset_has(const struct strset *s, const char *key)
{
    uint64_t h;
    if (!s->nb)
        return 0;
    h = hash(key);
    for (struct strset_node *n = s->b[h & (s->nb - 1)]; n; n = n->next)
        if (n->h == h && strcmp(n->key, key) == 0)
            return 1;
    return 0;
}

int strset_add(struct strset *s, const char *key)
{
    size_t len = strlen(key);
    struct strset_node *n;
    uint64_t h;
    if (strset_has(s, key))
        return 0;
    if (s->n + 1 > s->nb && grow(s) < 0)
        return -ENOMEM;
    n = malloc(sizeof *n + len + 1);
    if (!n)
        return -ENOMEM;
    h = hash(key);
    n->h = h;
    memcpy(n->key, key, len + 1);
    n->next = s->b[h & (s->nb - 1)];
    s->b[h & (s->nb - 1)] = n;
    s->n++;
    return 1;
}

int strset_del(struct strset *s, const char *key)
{
    uint64_t h;
    if (!s->nb)
        return 0;
    h = hash(key);
    for (struct strset_node **pp = &s->b[h & (s->nb - 1)]; *pp; pp = &(*pp)->next) {
        struct strset_node *n = *pp;
        if (n->h == h && strcmp(n->key, key) == 0) {
            *pp = n->next;
            free(n);
            s->n--;
            return 1;
        }
    }
    return 0;
}

void strset_clear(struct strset *s)
{
    for (size_t i = 0; i < s->nb; i++) {
        struct strset_node *n = s->b[i], *next;
        for (; n; n = next) {
            next = n->next;
            free(n);
        }
    }
    free(s->b);
    s->b = NULL;
    s->nb = s->n = 0;
}
