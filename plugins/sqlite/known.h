/*
 * The writer's memory of what is already stored: entity rowids by (type,
 * key) and the aliases of entities.  Most entities and aliases of a new
 * document are known ones; remembering them spares an index lookup per
 * entity and an INSERT OR IGNORE per alias in the commit.
 *
 * Used by the committing thread only (one at a time).  It must never
 * claim more than the database holds: whatever a transaction added is
 * forgotten when the transaction is rolled back (known_clear), and so is
 * everything when rows are deleted (a reprocess).  Bounded: when a table
 * is full it is emptied and fills again.
 */
#ifndef SQLIDX_KNOWN_H
#define SQLIDX_KNOWN_H

#include <stddef.h>
#include <stdint.h>

/* Entries per table at most (~0.5 MB per table with its strings; the
 * daemon's memory is to stay flat in the number of documents). */
#define KNOWN_MAX 4096

struct known_slot {
    uint64_t hash;
    int64_t owner; /* aliases: the entity (part of the key); entities: 0 */
    int64_t value; /* entities: the rowid */
    char *text;    /* owned: type "\0" key for entities, the surface for
                    * aliases; NULL in an empty slot */
};

struct known_table {
    struct known_slot *v;
    size_t cap, n; /* cap a power of two, n <= cap / 2 */
};

/* Zero-initialised is empty. */
struct known {
    struct known_table ents, aliases;
};

/* The hash known_entity and known_add_entity take for (type, key). */
uint64_t known_entity_hash(const char *type, const char *key);

/* The entity's rowid, or 0 when not known. */
int64_t known_entity(const struct known *k, uint64_t hash, const char *type,
                     const char *key);
/* Remembers it (a no-op on out of memory: it is only a shortcut). */
void known_add_entity(struct known *k, uint64_t hash, const char *type,
                      const char *key, int64_t id);

/* 1 when surface is a known alias of entity.  surface_hash: terms_hash of
 * the surface. */
int known_alias(const struct known *k, int64_t entity, uint64_t surface_hash,
                const char *surface);
void known_add_alias(struct known *k, int64_t entity, uint64_t surface_hash,
                     const char *surface);

/* Forgets everything (keeps nothing allocated).  NULL-safe. */
void known_clear(struct known *k);

#endif
