/*
 * rank.h -- the search's ranking: the K best rows by FTS5's bm25 with the
 * index's column weights, computed only for the rows that can still enter
 * the top K (an FTS5 auxiliary function, registered on reader
 * connections).
 *
 *   struct rank_top top = {v, 0, K};       (v: K entries, the caller's)
 *   SELECT count(*) FROM fts WHERE fts MATCH ? AND inboxd_rank(fts, ?, 4.0, 1.0)
 *       (the ? after fts bound with rank_top_bind(st, i, &top))
 *   rank_top_sort(&top);                    (top.v[0 .. top.n), best first)
 *
 * inboxd_rank puts each row it scores into top and returns 0, so no row
 * is handed back per match.  Used in WHERE only where no other condition
 * can reject a row after it saw it; with filters it goes in the result
 * columns (SELECT inboxd_rank(...) FROM fts JOIN ... WHERE ...), which
 * are computed for the rows that pass.  The scores are exactly
 * -bm25(fts, 4.0, 1.0), the K rows those of ORDER BY rank LIMIT K (ties:
 * the newer row).
 *
 * Why: ORDER BY rank scores every match with bm25, which looks up each
 * row's length in the docsize table; on 100,000 reports where a word
 * occurs in half of them that is ~80 ms.  A row's term frequencies and
 * its last matched position (a lower bound of its length) are in its
 * position lists already; with them bm25 has an upper bound, and a row
 * whose bound is below the K-th best score so far is skipped without the
 * length lookup.
 */
#ifndef INBOXD_SQLITE_RANK_H
#define INBOXD_SQLITE_RANK_H

#include <sqlite3.h>
#include <stdint.h>

/* The weights of the fts table's columns (title, body): the same as in
 * its 'rank' configuration, bm25(4.0, 1.0) in schema.c. */
#define RANK_TITLE_WEIGHT 4.0
#define RANK_BODY_WEIGHT 1.0

/* The k best rows of a search, kept by the caller (v holds k entries,
 * caller-owned).  score is -bm25: higher is better; equal scores put the
 * newer row (higher rowid) first. */
struct rank_hit {
    int64_t rowid;
    double score;
};
struct rank_top {
    struct rank_hit *v;
    int n, k;
};

/* Offers a row to t (kept if among the k best so far). */
void rank_top_add(struct rank_top *t, int64_t rowid, double score);
/* Sorts t->v[0 .. n) best first. */
void rank_top_sort(struct rank_top *t);
/* Binds t as parameter i of st, for inboxd_rank's first argument after
 * the table.  t must outlive the statement's steps.  SQLite code. */
int rank_top_bind(sqlite3_stmt *st, int i, struct rank_top *t);

/* Registers inboxd_rank() on db's FTS5.  SQLITE_OK or an error code. */
int rank_register(sqlite3 *db);

#endif
