/*
 * Plugin isolation: a plugin configured with "isolate": true runs in
 * worker processes -- the daemon re-executed with --worker, talking over a
 * socketpair (wire.h).  A worker that crashes or passes stage_timeout is
 * killed and replaced; the document fails with the reason ("plugin
 * entities crashed: SIGSEGV") and the daemon's loop never notices.
 */
#ifndef INBOXD_WORKER_H
#define INBOXD_WORKER_H

#include "config.h"
#include "doc.h"

struct worker_pool;

/* Starts n workers for plugin pc (each loads the plugin and creates its
 * instance); fails, with err filled, when the first one cannot. */
int worker_pool_create(struct worker_pool **out, const struct plugin_conf *pc,
                       const char *path, const struct config *cfg, size_t n, char *err,
                       size_t errlen);

/* Runs doc through a free worker (waits for one); returns an inboxd_status,
 * with the document's error set on failure.  Called on worker threads. */
int worker_pool_process(struct worker_pool *wp, inboxd_doc *doc);

/* Stops the workers (EOF, then SIGKILL after a grace); NULL-safe. */
struct worker_pool *worker_pool_destroy(struct worker_pool *wp);

/* How many workers were restarted after a crash or a timeout. */
unsigned long worker_pool_restarts(const struct worker_pool *wp);

/* inboxd --worker ...: the worker process's main; returns the exit code. */
int worker_main(int argc, char **argv);

#endif
