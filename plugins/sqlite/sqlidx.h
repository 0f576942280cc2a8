/*
 * The sqlite index plugin's instance, as tests and tools in this folder
 * see it (the daemon only sees the descriptor).
 *
 * Configuration ("config" object of the plugin in the daemon's config):
 *   "db"              database path; relative to the state directory
 *                     (default "inboxd.db")
 *   "linger_ms"       group commit: how long the first commit after a
 *                     quiet spell waits for the documents being prepared
 *                     (0..1000, default 5); under load the documents
 *                     queued during a commit make the next one
 *   "batch_max"       documents per transaction at most (1..100000,
 *                     default 256)
 *   "synchronous"     "normal" (default: durable across a crash of the
 *                     daemon, WAL synced at checkpoints) or "full" (each
 *                     commit synced: durable across power loss)
 *   "integrity_check" "unclean" (default: after an unclean shutdown) or
 *                     "always"
 *   "cache_mib"       page cache of the writer connection (default 32)
 *   "max_page_count"  a size limit in pages (a quota; also the disk-full
 *                     fault injection); the environment variable
 *                     INBOXD_SQLITE_MAX_PAGE_COUNT overrides it
 */
#ifndef SQLIDX_SQLIDX_H
#define SQLIDX_SQLIDX_H

#include <inboxd/plugin.h>

#include "batch.h"
#include "schema.h"

/* The descriptor (also returned by the exported entry point). */
extern const inboxd_plugin sqlidx_desc;

struct sqlidx_info {
    struct batch_stats batch;
    unsigned long checkpoints; /* run by the checkpointer thread (ckpt.h) */
    struct schema_report open;
    char path[4096];
};

/* Counters and what start-up did. */
void sqlidx_get_info(void *instance, struct sqlidx_info *out);

/* Changes PRAGMA max_page_count on the writer connection (between
 * commits).  Returns the new limit, or a negative errno. */
long long sqlidx_set_max_pages(void *instance, long long pages);

/* For tests: while held, a commit lingers (up to linger_ms, or until
 * batch_max documents are queued) as if another document were being
 * prepared.  Every hold (1) is followed by a release (0). */
void sqlidx_hold_batch(void *instance, int hold);

#endif
