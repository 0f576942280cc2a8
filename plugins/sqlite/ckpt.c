#include "ckpt.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ckpt {
    sqlite3 *writer, *db;
    ckpt_exclusive_fn exclusive;
    void *arg;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int wanted, stop;
    int seen;    /* pages in the WAL after the last commit */
    int next_at; /* pages that wake the checkpointer next */
    unsigned long done;
};

/* The writer's thread, after each commit, with the pages in the WAL.  A
 * checkpoint per CKPT_PAGES new pages, as SQLite's automatic one: pages
 * that every commit writes again (the full-text structure, the last leaf
 * of each table) are copied once per round, not once per commit. */
static int hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    struct ckpt *c = arg;
    (void)db;
    (void)name;
    pthread_mutex_lock(&c->mu);
    if (pages < c->seen) /* the WAL was restarted */
        c->next_at = CKPT_PAGES;
    c->seen = pages;
    if (pages >= c->next_at && !c->wanted) {
        c->wanted = 1;
        c->next_at = pages + CKPT_PAGES;
        pthread_cond_signal(&c->cv);
    }
    pthread_mutex_unlock(&c->mu);
    return SQLITE_OK;
}

static void catch_up(void *arg)
{
    struct ckpt *c = arg;
    sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL,
                              NULL);
}

static void *run(void *arg)
{
    struct ckpt *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        int frames = 0;
        while (!c->wanted && !c->stop)
            pthread_cond_wait(&c->cv, &c->mu);
        if (c->stop)
            break;
        c->wanted = 0;
        pthread_mutex_unlock(&c->mu);
        /* errors (busy, I/O) only leave the WAL longer: the next commit
         * over the threshold asks again, and closing the writer
         * checkpoints everything */
        sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                  &frames, NULL);
        if (frames >= CKPT_LIMIT)
            c->exclusive(c->arg, catch_up, c);
        pthread_mutex_lock(&c->mu);
        c->done++;
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

int ckpt_start(struct ckpt **out, sqlite3 *writer, const char *path,
               ckpt_exclusive_fn exclusive, void *arg, char *err,
               size_t errlen)
{
    struct ckpt *c = calloc(1, sizeof *c);
    int rc;
    *out = NULL;
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    c->writer = writer;
    c->exclusive = exclusive;
    c->arg = arg;
    c->next_at = CKPT_PAGES;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    rc = sqlite3_open_v2(path, &c->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: checkpointer: %s", path,
                 c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_extended_result_codes(c->db, 1);
    /* the writer's durability: the WAL and the database are synced when
     * a checkpoint copies frames */
    sqlite3_exec(c->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
    /* a checkpoint copies frames with a buffer of its own: no page cache */
    sqlite3_exec(c->db, "PRAGMA cache_size = 16", NULL, NULL, NULL);
    rc = pthread_create(&c->thread, NULL, run, c);
    if (rc != 0) {
        snprintf(err, errlen, "checkpointer thread: %s", strerror(rc));
        goto fail;
    }
    sqlite3_wal_hook(writer, hook, c); /* replaces the automatic one */
    *out = c;
    return 0;
fail:
    sqlite3_close(c->db);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
    return rc == ENOMEM ? -ENOMEM : -EIO;
}

void ckpt_stop(struct ckpt *c)
{
    if (!c)
        return;
    sqlite3_wal_autocheckpoint(c->writer, CKPT_PAGES); /* its own hook back */
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    sqlite3_close(c->db);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

unsigned long ckpt_count(struct ckpt *c)
{
    unsigned long n;
    if (!c)
        return 0;
    pthread_mutex_lock(&c->mu);
    n = c->done;
    pthread_mutex_unlock(&c->mu);
    return n;
}
