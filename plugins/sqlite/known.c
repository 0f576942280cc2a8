#include "known.h"

#include <stdlib.h>
#include <string.h>

#include "terms.h"

uint64_t known_entity_hash(const char *type, const char *key)
{
    uint64_t t = terms_hash(type, strlen(type));
    return terms_hash(key, strlen(key)) ^ (t * 0x9e3779b97f4a7c15ULL);
}

static uint64_t alias_hash(int64_t entity, uint64_t surface_hash)
{
    return surface_hash ^ ((uint64_t)entity * 0x9e3779b97f4a7c15ULL);
}

static void table_clear(struct known_table *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->v[i].text);
    free(t->v);
    memset(t, 0, sizeof *t);
}

/* The slot of the key (hash, owner, text[0..len)), or the empty slot
 * where it would go; NULL when the table has no slots. */
static struct known_slot *find(const struct known_table *t, uint64_t hash,
                               int64_t owner, const char *text, size_t len)
{
    size_t mask, i;
    if (!t->cap)
        return NULL;
    mask = t->cap - 1;
    for (i = (size_t)hash & mask;; i = (i + 1) & mask) {
        struct known_slot *s = &t->v[i];
        if (!s->text)
            return s;
        if (s->hash == hash && s->owner == owner &&
            memcmp(s->text, text, len) == 0 && s->text[len] == '\0')
            return s;
    }
}

static int grow(struct known_table *t)
{
    struct known_table n = {0};
    n.cap = t->cap ? t->cap * 2 : 1024;
    n.v = calloc(n.cap, sizeof *n.v);
    if (!n.v)
        return -1;
    for (size_t i = 0; i < t->cap; i++) {
        struct known_slot *s = &t->v[i];
        size_t j;
        if (!s->text)
            continue;
        for (j = (size_t)s->hash & (n.cap - 1); n.v[j].text;
             j = (j + 1) & (n.cap - 1))
            ;
        n.v[j] = *s;
        n.n++;
    }
    free(t->v);
    *t = n;
    return 0;
}

static void add(struct known_table *t, uint64_t hash, int64_t owner,
                const char *text, size_t len, int64_t value)
{
    struct known_slot *s;
    char *copy;
    if (t->n >= KNOWN_MAX)
        table_clear(t);
    if ((t->n + 1) * 2 > t->cap && grow(t) < 0)
        return;
    s = find(t, hash, owner, text, len);
    if (!s)
        return;
    if (s->text) {
        s->value = value;
        return;
    }
    copy = malloc(len + 1);
    if (!copy)
        return;
    memcpy(copy, text, len);
    copy[len] = '\0';
    s->hash = hash;
    s->owner = owner;
    s->value = value;
    s->text = copy;
    t->n++;
}

/* type "\0" key in one buffer: the caller's stack for short ones. */
#define TK_STACK 256

static char *type_key(const char *type, const char *key, char *stack,
                      size_t *len)
{
    size_t tl = strlen(type), kl = strlen(key);
    char *b = tl + kl + 2 <= TK_STACK ? stack : malloc(tl + kl + 2);
    if (!b)
        return NULL;
    memcpy(b, type, tl + 1);
    memcpy(b + tl + 1, key, kl + 1);
    *len = tl + 1 + kl;
    return b;
}

int64_t known_entity(const struct known *k, uint64_t hash, const char *type,
                     const char *key)
{
    char stack[TK_STACK], *tk;
    size_t len;
    const struct known_slot *s;
    int64_t id;
    tk = type_key(type, key, stack, &len);
    if (!tk)
        return 0;
    s = find(&k->ents, hash, 0, tk, len);
    id = s && s->text ? s->value : 0;
    if (tk != stack)
        free(tk);
    return id;
}

void known_add_entity(struct known *k, uint64_t hash, const char *type,
                      const char *key, int64_t id)
{
    char stack[TK_STACK], *tk;
    size_t len;
    tk = type_key(type, key, stack, &len);
    if (!tk)
        return;
    add(&k->ents, hash, 0, tk, len, id);
    if (tk != stack)
        free(tk);
}

int known_alias(const struct known *k, int64_t entity, uint64_t surface_hash,
                const char *surface)
{
    const struct known_slot *s =
        find(&k->aliases, alias_hash(entity, surface_hash), entity, surface,
             strlen(surface));
    return s && s->text;
}

void known_add_alias(struct known *k, int64_t entity, uint64_t surface_hash,
                     const char *surface)
{
    add(&k->aliases, alias_hash(entity, surface_hash), entity, surface,
        strlen(surface), 0);
}

void known_clear(struct known *k)
{
    if (!k)
        return;
    table_clear(&k->ents);
    table_clear(&k->aliases);
}
