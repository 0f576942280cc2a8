/*
 * The daemon: one libuv loop that owns the configuration, the plugins, the
 * spool, the inbox watcher, the event socket and the pipeline.  Everything
 * in struct daemon is touched on the loop thread only; worker threads see
 * one job (and its document) at a time.
 */
#ifndef INBOXD_DAEMON_H
#define INBOXD_DAEMON_H

#include "config.h"
#include "events.h"
#include "inbox.h"
#include "plugins.h"
#include "spool.h"
#include "strset.h"

#include <uv.h>

/* Command-line values that win over the configuration file. */
struct overrides {
    const char *config_path, *inbox, *state_dir, *socket, *log_level;
};

struct pname;
struct job;

struct daemon {
    uv_loop_t *loop;
    struct config cfg;
    struct overrides ov;
    char *exe_dir;            /* owned */

    struct plugin *plugins;   /* owned array */
    size_t n_plugins;

    struct spool spool;
    struct inbox inbox;
    int inbox_open;
    struct events ev;

    /* Names seen in the inbox, waiting for a slot (bounded by
     * cfg.pending_cap: past it, names are forgotten and a rescan is due). */
    struct pname *pend_head, *pend_tail;
    size_t n_pending;
    struct strset pending;
    int rescan_due;
    int young_seen;           /* a scan left a file still being written */
    struct strset rejected;   /* name+inode+mtime already reported */

    /* Jobs in the pipeline (at most cfg.max_inflight). */
    struct job *jobs;
    unsigned inflight;
    struct strset ids_inflight;
    struct job *recovered_head, *recovered_tail; /* from work/, waiting */
    struct pname *reprocess_head, *reprocess_tail; /* ids */
    size_t n_reprocess_waiting;

    /* Counters. */
    uint64_t received, done, failed, duplicates, rejected_n, retries,
        reprocessed;
    uint64_t start_ms;
    char condition[256];      /* a persistent problem (disk full), or "" */

    /* Lifecycle. */
    int stopping, reloading, ready;
    int exit_code;
    int sig_count;
    uv_signal_t sigterm, sigint, sighup;
    uv_timer_t tick, stop_timer;
    uint64_t watchdog_usec;   /* from WATCHDOG_USEC, 0 = off */
    uint64_t last_watchdog_ms;
    int stuck;                /* a stage passed stage_timeout */
    uint64_t progress_mark;   /* done+failed+... at the last tick */
    char last_status[256];
};

/* Runs the daemon until it stops; returns the exit code. */
int daemon_run(const struct overrides *ov);

/* inboxd --check-config: loads the configuration and every plugin (create
 * and destroy), prints every problem; returns 0 or 1. */
int daemon_check_config(const struct overrides *ov);

/* Builds the configuration (default, file, overrides) into cfg; prints
 * problems to stderr.  0 or -1. */
int daemon_build_config(const struct overrides *ov, const char *exe_dir,
                        struct config *cfg);

/* pipeline.c */
void pipeline_file_seen(struct daemon *d, const char *name, int from_scan);
void pipeline_rescan(struct daemon *d);
void pipeline_pump(struct daemon *d);
int pipeline_recover(struct daemon *d);
int pipeline_reprocess(struct daemon *d, const char *id, char *err, size_t errlen);
size_t pipeline_reprocess_all(struct daemon *d);
void pipeline_check_timeouts(struct daemon *d);
void pipeline_abandon_waiting(struct daemon *d);
void pipeline_clear(struct daemon *d);

/* control.c: answers socket requests and fills status. */
json_t *control_request(void *ctx, json_t *req, const char *op, int privileged);
json_t *control_status(struct daemon *d);
void control_notify_status(struct daemon *d);

/* lifecycle (daemon.c) */
void daemon_maybe_finish_stop(struct daemon *d);
void daemon_maybe_finish_reload(struct daemon *d);

#endif
