/*
 * The "inboxd" FTS5 tokenizer: ICU word break (dictionary segmentation for
 * CJK, Thai...), then fold.h's folding, then stem.h's light stemmers.
 * Documents and queries go through the same code, so a query word meets
 * its inflected forms.  Token offsets given to FTS5 are bytes into the
 * UTF-8 text.
 *
 * A struct tok holds one ICU break iterator and the buffers of a
 * tokenization; it is used by one thread at a time (each SQLite connection
 * gets its own through tok_register; other callers borrow one from a
 * process-wide pool).
 */
#ifndef SQLIDX_TOKENIZER_H
#define SQLIDX_TOKENIZER_H

#include <sqlite3.h>
#include <stddef.h>

/* Version of the terms the tokenizer produces (folding + stemming); stored
 * with the index, a change rebuilds the full-text table. */
#define TOK_VERSION 1

/* The longest term, in code points; longer words are cut (the same way in
 * documents and queries). */
#define TOK_MAX_CP 96

/* tok_run flags */
#define TOK_QUERY 0x1  /* a query: no alternative stems */
#define TOK_PREFIX 0x2 /* a prefix query term: word ends not stemmed */
#define TOK_NOSTEM 0x4 /* fold only */

struct tok;

/* 0 or a negative errno (-EIO: ICU data missing). */
int tok_new(struct tok **out);
/* NULL-safe. */
void tok_free(struct tok *t);

/* Called for each term: colocated is 1 for an alternative stem at the same
 * position as the previous term; start/end are byte offsets of the word in
 * the text.  A non-zero return stops the run and is returned by tok_run. */
typedef int (*tok_emit_fn)(void *arg, int colocated, const char *term,
                           size_t n, size_t start, size_t end);

/* Tokenizes text[0..len) (any bytes: invalid UTF-8 reads as U+FFFD). */
int tok_run(struct tok *t, const char *text, size_t len, int flags,
            tok_emit_fn emit, void *arg);

/* Borrow a tokenizer from the process-wide pool (NULL on error) and give
 * it back; tok_pool_drain frees the idle ones. */
struct tok *tok_pool_get(void);
void tok_pool_put(struct tok *t);
void tok_pool_drain(void);

/* The folded terms of s[0..len) (stemmed when stem), separated by single
 * spaces; "" when there are none.  Caller frees (free()).  NULL on
 * error. */
char *tok_normalize(const char *s, size_t len, int stem);

/* db's FTS5 API (owned by db), or NULL when FTS5 is missing. */
fts5_api *tok_fts5_api(sqlite3 *db);

/* Registers, on db, the FTS5 tokenizer "inboxd" and the SQL function
 * inboxd_fold(text) (tok_normalize without stemming).  SQLITE_OK or an
 * SQLite error code. */
int tok_register(sqlite3 *db);

#endif
