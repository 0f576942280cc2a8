/*
 * Watching the inbox: raw inotify (IN_CLOSE_WRITE, IN_MOVED_TO, IN_CREATE
 * for things that are never written, IN_Q_OVERFLOW, IN_DELETE_SELF and
 * IN_MOVE_SELF of the inbox) on a uv_poll_t; a poll timer on network and
 * FUSE filesystems where inotify misses other machines' writes (or always,
 * with force_poll); and the directory scan used at start-up and after an
 * overflow.
 */
#ifndef INBOXD_INBOX_H
#define INBOXD_INBOX_H

#include <uv.h>

struct inbox_ops {
    /* A name that may be a complete file: from close-write or rename-in
     * (from_scan 0), or found by a scan (1: it may still be being written). */
    void (*file)(void *ctx, const char *name, int from_scan);
    /* Events were lost (IN_Q_OVERFLOW): rescan. */
    void (*overflow)(void *ctx);
    /* The poll timer fired: rescan. */
    void (*poll)(void *ctx);
    /* The inbox itself was deleted or moved (lost = 1), or is back (0). */
    void (*lost)(void *ctx, int lost);
};

struct inbox {
    uv_loop_t *loop;
    char *path;           /* owned */
    int fd;               /* inotify fd */
    int wd;               /* watch, -1 while the inbox is gone */
    uv_poll_t poll;
    uv_timer_t poll_timer, rewatch_timer;
    int poll_open, timers_open;
    double poll_interval; /* seconds, 0 = off */
    int network_fs;       /* statfs said NFS/CIFS/SMB/FUSE... */
    const char *fs_name;
    struct inbox_ops ops;
    void *ctx;
    /* Test hook (INBOXD_TEST_INOTIFY_QUEUE=N): at most N events are taken
     * from one read, the rest are dropped and an overflow is reported, the
     * way a full kernel queue does. */
    unsigned test_queue_cap;
    unsigned long long overflows;
};

/* 1 when a writer's temporary name: ".x", "x.part", "x.tmp", "x~". */
int inbox_ignored(const char *name);

/* Starts watching.  poll_interval > 0 with force_poll polls on any
 * filesystem; on a network filesystem polling is on with poll_interval or
 * 5 s.  0 or a negative errno with err filled. */
int inbox_start(struct inbox *ib, uv_loop_t *loop, const char *path,
                double poll_interval, int force_poll, const struct inbox_ops *ops,
                void *ctx, char *err, size_t errlen);

/* Calls ops.file for up to max names in the inbox (not ignored ones);
 * returns how many were found in all (so the caller knows if it saw all),
 * or a negative errno. */
long inbox_scan(struct inbox *ib, size_t max);

/* Stops watching; handles are closed on the loop. */
void inbox_stop(struct inbox *ib);

#endif
