/*
 * poslist.h -- reading the position list of a phrase in the current row
 * of an FTS5 query, for the auxiliary functions (rank.c, snippet.c).
 *
 * xPhraseFirst gives the first instance; the rest of the row's list is
 * Fts5PhraseIter's a .. b (a public struct), in FTS5's position-list
 * format, which is its file format and so does not change: per instance
 * a varint of (offset delta + 2), or 1, the new column's number and
 * (offset + 2).  Reading it here costs a few instructions an instance
 * instead of an xPhraseNext call (3x fewer instructions in all on reports
 * that repeat the query's words).  A value the format does not allow
 * ends the list.
 */
#ifndef INBOXD_SQLITE_POSLIST_H
#define INBOXD_SQLITE_POSLIST_H

#include <sqlite3.h>
#include <stdint.h>

struct poslist {
    const unsigned char *p, *end;
    int col; /* -1: no more instances */
    int off; /* token offset in the column */
};

/* The rest of a varint of SQLite's format (7 bits a byte, high bit:
 * more) whose first byte was v, at most 32 bits; 0 when it runs past
 * end. */
static inline uint32_t poslist_varint_rest(uint32_t v, const unsigned char **p,
                                           const unsigned char *end)
{
    v &= 0x7f;
    for (int i = 1; i < 5 && *p < end; i++) {
        unsigned char c = *(*p)++;
        v = (v << 7) | (c & 0x7f);
        if (!(c & 0x80))
            return v;
    }
    *p = end;
    return 0;
}

static inline uint32_t poslist_varint(const unsigned char **p,
                                      const unsigned char *end)
{
    uint32_t v;
    if (*p >= end)
        return 0;
    v = *(*p)++;
    return v & 0x80 ? poslist_varint_rest(v, p, end) : v;
}

/* Positions pl on phrase's first instance in the row (pl->col -1 when
 * there is none).  SQLite error code. */
static inline int poslist_first(const Fts5ExtensionApi *api, Fts5Context *fts,
                                int phrase, struct poslist *pl)
{
    Fts5PhraseIter it;
    int rc = api->xPhraseFirst(fts, phrase, &it, &pl->col, &pl->off);
    pl->p = it.a;
    pl->end = it.a ? it.b : it.a;
    return rc;
}

/* The next instance (pl->col -1 at the end). */
static inline void poslist_next(struct poslist *pl)
{
    uint32_t v = poslist_varint(&pl->p, pl->end);
    if (v == 1) {
        pl->col = (int)poslist_varint(&pl->p, pl->end);
        pl->off = 0;
        v = poslist_varint(&pl->p, pl->end);
    }
    if (v < 2 || pl->col < 0) {
        pl->col = -1;
        return;
    }
    pl->off += (int)(v - 2);
}

#endif
