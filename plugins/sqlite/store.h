/*
 * Writing one prepared document (sdoc.h) into the database, inside a
 * transaction the caller opened; the writer connection's prepared
 * statements and scratch buffers.
 */
#ifndef SQLIDX_STORE_H
#define SQLIDX_STORE_H

#include <sqlite3.h>
#include <stdint.h>

#include "sdoc.h"

struct store;
/* SQLITE_OK, or an SQLite error code (the statements did not prepare). */
int store_new(sqlite3 *db, struct store **out);
/* NULL-safe. */
void store_free(struct store *s);

/* Writes d (inside a transaction the caller opened).  *written is 0 when
 * the document was already stored and not a reprocess (nothing done), 1
 * when inserted, 2 when replaced in place.  Returns an SQLite result
 * code; on an error the caller rolls the transaction back. */
int store_write(struct store *s, const struct sdoc *d, int64_t now_ms,
                int *written);

/* To be called when the caller rolled back a transaction in which
 * store_write ran: the rows it added are gone. */
void store_rolled_back(struct store *s);

/* 1 when the id is stored (on the writer connection). */
int store_has(struct store *s, const char *id);

#endif
