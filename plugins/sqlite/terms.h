/*
 * The terms of the entity index (the FTS5 table ent_fts, one row per
 * document that has entities; schema.h): plain ASCII words, so that the
 * table's "ascii" tokenizer keeps them whole and FTS5 does the rest
 * (which documents have a term, in how many documents, how often):
 *   e<rowid>            once per mention of entity <rowid>
 *   s<rowid>x<hash>     once per document using this surface for the
 *                       entity (its alias)
 *   t<hash>             once per entity of this type
 * <hash> is 16 hex digits of terms_hash() of the UTF-8 bytes.
 */
#ifndef SQLIDX_TERMS_H
#define SQLIDX_TERMS_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "jbuf.h"

/* A 64-bit hash of s[0..n) (FNV-1a with a final mix); stable across
 * versions: it is stored in the index. */
uint64_t terms_hash(const char *s, size_t n);

/* Append one term to b, each preceded by a space unless b is empty. */
void terms_entity(struct jbuf *b, int64_t entity);
void terms_alias(struct jbuf *b, int64_t entity, uint64_t surface_hash);
void terms_type(struct jbuf *b, uint64_t type_hash);

/* Registers the SQL function inboxd_hash(text): terms_hash as 16 hex
 * digits (NULL for NULL), used by migrations.  SQLITE_OK or an error. */
int terms_register(sqlite3 *db);

#endif
