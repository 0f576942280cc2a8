/*
 * rank.h -- the search's ranking: FTS5's bm25 with the index's column
 * weights, computed only for the documents that can still enter the top
 * K (an FTS5 auxiliary function, registered on reader connections).
 *
 *   SELECT fts.rowid, inboxd_rank(fts, K, 4.0, 1.0) FROM fts WHERE fts MATCH ?
 *
 * returns, per matching row, NULL when the row provably cannot be among
 * the K best rows seen in this statement, else its score: FTS5's bm25()
 * with the column weights given after K, a negative number (smaller is
 * better, like FTS5's rank): exactly bm25(fts, 4.0, 1.0).
 *
 * Why: ORDER BY rank scores every match with bm25, which looks up each
 * row's length in the docsize table; on 100,000 reports where a word
 * occurs in half of them that is ~80 ms.  A row's term frequencies and
 * its last matched position (a lower bound of its length) are in its
 * position lists already; with them bm25 has an upper bound, and a row
 * whose bound is below the K-th best score so far is skipped without the
 * length lookup.  The K best rows are the same as with ORDER BY rank.
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
/* Binds t as parameter i of st: inboxd_rank's last argument, which makes
 * it put each row it scores into t and return 0, so that
 *   SELECT count(*) FROM fts WHERE fts MATCH ? AND inboxd_rank(fts, K, 4.0, 1.0, ?)
 * ranks without handing a row back per match.  Only where no other
 * condition can reject a row after inboxd_rank saw it.  SQLite code. */
int rank_top_bind(sqlite3_stmt *st, int i, struct rank_top *t);

/* Registers inboxd_rank() on db's FTS5.  SQLITE_OK or an error code. */
int rank_register(sqlite3 *db);

#endif
