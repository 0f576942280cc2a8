/*
 * bench-query DB QUERIES.json: asks the inboxd index what `inboxctl
 * search` asks it, through the sqlite plugin's own query layer
 * (schema_open_reader + q_search, linked from plugins/sqlite).
 *
 *  - every "words" entry: the number of documents found (all hits; the
 *    count of the same full-text MATCH, see count());
 *  - every "two_word" query, "repeat" times after one warm-up run, with
 *    "limit" hits (what a user asks for): the latency of each run.
 *
 * Prints {"docs": N, "counts": {word: hits}, "latency": {"queries",
 * "runs", "limit", "p50_ms", "p90_ms", "p99_ms", "max_ms", "mean_ms"}}.
 *
 * bench-query DB QUERIES.json INBOXCTL adds "cold": the same statistics
 * for each two-word query run COLD_REPEAT times as a user runs it, one
 * `INBOXCTL --db DB search QUERY --limit L --json` process each (start,
 * ICU and SQLite set-up, an empty page cache), output to /dev/null.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "query.h"
#include "schema.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int count_hit(void *arg, const struct q_hit *hit)
{
    (void)hit;
    (*(long *)arg)++;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double quantile(const double *v, size_t n, double q)
{
    size_t k = (size_t)(q * (double)n + 0.999999);
    if (n == 0)
        return 0;
    if (k < 1)
        k = 1;
    return v[(k > n ? n : k) - 1];
}

/* Runs q; returns the hits or a negative errno (message on stderr). */
static long run(sqlite3 *db, const char *q, int limit)
{
    char err[512] = "";
    long hits = 0;
    struct q_search s = {.query = q, .since_ms = Q_NO_TIME, .limit = limit,
                         .hl_open = "[", .hl_close = "]"};
    int rc = q_search(db, &s, count_hit, &hits, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "bench-query: %s: %s\n", q, err[0] ? err : strerror(-rc));
        return rc;
    }
    return hits;
}

/* Documents matching q: count(*) over the same MATCH q_search() runs (the
 * connection has the inboxd tokenizer, so words are folded and stemmed
 * alike), without building a snippet per hit; q_search() itself when the
 * schema has no "fts" table any more. */
static long count(sqlite3 *db, const char *q)
{
    sqlite3_stmt *st = NULL;
    long n = -1;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM fts WHERE fts MATCH ?1", -1, &st, NULL) !=
        SQLITE_OK) {
        sqlite3_finalize(st);
        return run(db, q, 1000000000);
    }
    sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    else
        fprintf(stderr, "bench-query: %s: %s\n", q, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return n;
}

#define COLD_REPEAT 5

extern char **environ;

/* One inboxctl search process; its wall time in ms, or -1. */
static double cold_run(const char *ctl, const char *db, const char *q,
                       int limit)
{
    char lim[32];
    char *argv[] = {(char *)ctl, "--db", (char *)db, "search", (char *)q,
                    "--limit", lim, "--json", NULL};
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int st;
    double t0;
    snprintf(lim, sizeof lim, "%d", limit);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    t0 = now();
    if (posix_spawn(&pid, ctl, &fa, NULL, argv, environ) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return -1;
    }
    posix_spawn_file_actions_destroy(&fa);
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    return (now() - t0) * 1000;
}

static json_t *stats(const double *v, size_t n, size_t nq, int limit)
{
    double sum = 0;
    for (size_t k = 0; k < n; k++)
        sum += v[k];
    return json_pack("{s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:f}", "queries", (int)nq, "runs",
                     (int)n, "limit", limit, "p50_ms", quantile(v, n, 0.5), "p90_ms",
                     quantile(v, n, 0.9), "p99_ms", quantile(v, n, 0.99), "max_ms",
                     n ? v[n - 1] : 0.0, "mean_ms", n ? sum / (double)n : 0.0);
}

int main(int argc, char **argv)
{
    sqlite3 *db = NULL;
    json_error_t jerr;
    json_t *spec = NULL, *out = NULL, *counts;
    double *lat = NULL;
    char err[512];
    int rc = 1;

    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: bench-query DB QUERIES.json [INBOXCTL]\n");
        return 2;
    }
    spec = json_load_file(argv[2], 0, &jerr);
    if (!spec) {
        fprintf(stderr, "bench-query: %s:%d: %s\n", argv[2], jerr.line, jerr.text);
        return 1;
    }
    if (schema_open_reader(argv[1], &db, err, sizeof err) < 0) {
        fprintf(stderr, "bench-query: %s\n", err);
        goto out;
    }
    out = json_object();
    counts = json_object();
    json_object_set_new(out, "counts", counts);
    {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, "SELECT count(*) FROM documents", -1, &st, NULL) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            json_object_set_new(out, "docs", json_integer(sqlite3_column_int64(st, 0)));
        sqlite3_finalize(st);
    }
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(spec, "words"), i, w)
    {
        const char *word = json_string_value(json_object_get(w, "word"));
        if (!word)
            continue;
        long hits = count(db, word);
        json_object_set_new(counts, word, json_integer(hits < 0 ? -1 : hits));
    }
    json_t *two = json_object_get(spec, "two_word");
    int repeat = (int)json_integer_value(json_object_get(spec, "repeat"));
    int limit = (int)json_integer_value(json_object_get(spec, "limit"));
    if (repeat < 1)
        repeat = 10;
    if (limit < 1)
        limit = 10;
    size_t nq = json_array_size(two), n = 0;
    lat = calloc(nq * (size_t)repeat + 1, sizeof *lat);
    if (!lat)
        goto out;
    json_array_foreach(two, i, w)
    {
        const char *q = json_string_value(w);
        if (!q || run(db, q, limit) < 0) /* warm-up; an error is reported once */
            continue;
        for (int k = 0; k < repeat; k++) {
            double t0 = now();
            if (run(db, q, limit) < 0)
                break;
            lat[n++] = (now() - t0) * 1000;
        }
    }
    qsort(lat, n, sizeof *lat, cmp_double);
    json_object_set_new(out, "latency", stats(lat, n, nq, limit));
    if (argc == 4) {
        double *cold = calloc(nq * COLD_REPEAT + 1, sizeof *cold);
        size_t nc = 0;
        if (!cold)
            goto out;
        json_array_foreach(two, i, w)
        {
            const char *q = json_string_value(w);
            for (int k = 0; q && k < COLD_REPEAT; k++) {
                double ms = cold_run(argv[3], argv[1], q, limit);
                if (ms < 0) {
                    fprintf(stderr, "bench-query: %s search '%s' failed\n", argv[3], q);
                    break;
                }
                cold[nc++] = ms;
            }
        }
        qsort(cold, nc, sizeof *cold, cmp_double);
        json_object_set_new(out, "cold", stats(cold, nc, nq, limit));
        free(cold);
    }
    char *s = json_dumps(out, JSON_COMPACT);
    if (s) {
        printf("%s\n", s);
        free(s);
        rc = 0;
    }
out:
    free(lat);
    json_decref(out);
    json_decref(spec);
    sqlite3_close(db);
    return rc;
}
