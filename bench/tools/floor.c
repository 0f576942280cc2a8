/*
 * bench-floor DB DIR [BATCH]: the floor of indexing.  Inserts the text of
 * every *.txt file in DIR (name order) into a plain FTS5 table (tokenizer
 * unicode61) in transactions of BATCH (default 256) documents, with the
 * settings the inboxd index uses (WAL, synchronous=NORMAL).  No parsing, no
 * entities: what indexing the same texts costs at least.
 *
 * Prints one JSON object: {"docs", "bytes", "seconds", "docs_per_s",
 * "mb_per_s"}; the caller measures memory and CPU.  Exit 1 on error with
 * the reason on stderr.
 */
#include <dirent.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int txt_filter(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 4 && strcmp(d->d_name + n - 4, ".txt") == 0;
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Reads path into *buf (grown as needed); returns the length or -1. */
static long read_file(const char *path, char **buf, size_t *cap)
{
    FILE *f = fopen(path, "rb");
    size_t n = 0;
    if (!f)
        return -1;
    for (;;) {
        if (*cap - n < 65536) {
            size_t nc = *cap ? *cap * 2 : 1 << 17;
            char *nb = realloc(*buf, nc);
            if (!nb) {
                fclose(f);
                return -1;
            }
            *buf = nb;
            *cap = nc;
        }
        size_t r = fread(*buf + n, 1, *cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    return bad ? -1 : (long)n;
}

static int exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "bench-floor: %s: %s\n", sql, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct dirent **names = NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL;
    char *buf = NULL;
    size_t cap = 0, docs = 0;
    unsigned long long bytes = 0;
    int n = 0, rc = 1;
    long batch = argc > 3 ? strtol(argv[3], NULL, 10) : 256;

    if (argc < 3 || batch < 1) {
        fprintf(stderr, "usage: bench-floor DB DIR [BATCH]\n");
        return 2;
    }
    n = scandir(argv[2], &names, txt_filter, name_cmp);
    if (n < 0) {
        fprintf(stderr, "bench-floor: %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    (void)unlink(argv[1]);
    double t0 = now();
    if (sqlite3_open(argv[1], &db) != SQLITE_OK) {
        fprintf(stderr, "bench-floor: %s: %s\n", argv[1], sqlite3_errmsg(db));
        goto out;
    }
    if (exec(db, "PRAGMA journal_mode=WAL") || exec(db, "PRAGMA synchronous=NORMAL") ||
        exec(db, "CREATE VIRTUAL TABLE docs USING fts5(name UNINDEXED, body,"
                 " tokenize='unicode61')"))
        goto out;
    if (sqlite3_prepare_v2(db, "INSERT INTO docs(name, body) VALUES(?1, ?2)", -1, &ins,
                           NULL) != SQLITE_OK) {
        fprintf(stderr, "bench-floor: %s\n", sqlite3_errmsg(db));
        goto out;
    }
    if (exec(db, "BEGIN"))
        goto out;
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[2], names[i]->d_name);
        long len = read_file(path, &buf, &cap);
        if (len < 0) {
            fprintf(stderr, "bench-floor: %s: %s\n", path, strerror(errno));
            goto out;
        }
        sqlite3_bind_text(ins, 1, names[i]->d_name, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, buf, (int)len, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            fprintf(stderr, "bench-floor: insert %s: %s\n", path, sqlite3_errmsg(db));
            goto out;
        }
        sqlite3_reset(ins);
        docs++;
        bytes += (unsigned long long)len;
        if (docs % (size_t)batch == 0 && (exec(db, "COMMIT") || exec(db, "BEGIN")))
            goto out;
    }
    if (exec(db, "COMMIT"))
        goto out;
    sqlite3_finalize(ins);
    ins = NULL;
    if (sqlite3_close(db) != SQLITE_OK) {
        fprintf(stderr, "bench-floor: close: %s\n", sqlite3_errmsg(db));
        goto out;
    }
    db = NULL;
    double secs = now() - t0;
    printf("{\"docs\":%zu,\"bytes\":%llu,\"seconds\":%.6f,\"docs_per_s\":%.3f,"
           "\"mb_per_s\":%.3f,\"batch\":%ld}\n",
           docs, bytes, secs, secs > 0 ? (double)docs / secs : 0,
           secs > 0 ? (double)bytes / 1e6 / secs : 0, batch);
    rc = 0;
out:
    sqlite3_finalize(ins);
    sqlite3_close(db);
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(buf);
    return rc;
}
