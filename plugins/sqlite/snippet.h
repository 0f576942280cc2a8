/*
 * snippet.h -- the search hits' snippets: an FTS5 auxiliary function
 *
 *   inboxd_snippet(fts, OPEN, CLOSE, ELLIPSIS, NTOKENS)
 *
 * returns NTOKENS tokens of the column and place where the query's
 * phrases are densest (most distinct phrases, then most instances; the
 * earliest of equals), the instances wrapped in OPEN ... CLOSE, with
 * ELLIPSIS where the text goes on before or after.  What FTS5's
 * snippet(fts, -1, ...) shows, tokenizing the text only up to the end of
 * the window instead of all of it twice (the tokenizer is the costly
 * part: ICU word break, folding, stemming).
 */
#ifndef INBOXD_SQLITE_SNIPPET_H
#define INBOXD_SQLITE_SNIPPET_H

#include <sqlite3.h>

/* Registers inboxd_snippet() on db's FTS5.  SQLITE_OK or an error code. */
int snippet_register(sqlite3 *db);

#endif
