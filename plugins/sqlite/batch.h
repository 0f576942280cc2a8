/*
 * Group commit.  Threads hand in jobs with batch_submit() and block; the
 * first thread that finds no commit under way becomes the leader.  After a
 * quiet spell (nothing was queued when the last commit ended) it waits up
 * to linger_ms for the jobs being prepared (or until max_jobs are
 * queued); under load it takes the queue as it is.  It calls commit() once
 * for all of them, then wakes the others.  While a leader commits, new
 * jobs queue up for the next one.
 */
#ifndef SQLIDX_BATCH_H
#define SQLIDX_BATCH_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct batch_job {
    void *item;       /* the caller's data */
    int status;       /* set by commit(): an inboxd_status */
    char err[512];    /* set by commit() with status != OK */
    int done;         /* internal */
    struct batch_job *next;
};

/* Commits jobs[0..n) in one transaction and sets each one's status. */
typedef void (*batch_commit_fn)(void *arg, struct batch_job **jobs, size_t n);

struct batch_stats {
    uint64_t commits;  /* calls of commit() */
    uint64_t jobs;     /* jobs committed */
    uint64_t max_jobs; /* the largest batch */
};

struct batch {
    pthread_mutex_t mu;
    pthread_cond_t cv_lead; /* the leader: queue full */
    pthread_cond_t cv_done; /* followers: a commit ended */
    struct batch_job *head, *tail;
    size_t queued;
    size_t incoming; /* callers between batch_enter and batch_submit */
    int loaded;      /* others queued during the last commit: under load */
    int leading;
    unsigned linger_ms;
    size_t max_jobs;
    struct batch_job **take; /* max_jobs slots, used by the leader */
    batch_commit_fn commit;
    void *arg;
    struct batch_stats stats;
};

/* A caller announces that it will submit soon (it is preparing its rows):
 * a leader after a quiet spell lingers only while such callers exist, so
 * a lone document is committed at once and documents arriving together
 * share a commit.  Every
 * batch_enter is followed by batch_submit or batch_leave. */
void batch_enter(struct batch *b);
void batch_leave(struct batch *b);

/* 0 or -ENOMEM. */
int batch_init(struct batch *b, unsigned linger_ms, size_t max_jobs,
               batch_commit_fn commit, void *arg);
/* No job may be pending.  NULL-safe. */
void batch_destroy(struct batch *b);

/* Queues job and returns once it has been committed (job->status set). */
void batch_submit(struct batch *b, struct batch_job *job);

/* Runs fn(arg) while no commit runs and none can start (for maintenance on
 * the writer connection). */
void batch_exclusive(struct batch *b, void (*fn)(void *), void *arg);

/* A copy of the counters. */
struct batch_stats batch_get_stats(struct batch *b);

#endif
