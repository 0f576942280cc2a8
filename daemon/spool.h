/*
 * The durable hand-off of files: the inbox, STATE/work, STATE/archive,
 * STATE/failed, STATE/processed.  A file is claimed by an atomic rename()
 * from the inbox into work/ under a ticket name, beside a small JSON
 * sidecar (work/TICKET.json: original name, time received, attempts).  On
 * success it goes to archive/ (content-addressed), is deleted, or is kept
 * in processed/; on failure to failed/ with NAME.error.json.  A file still
 * in work/ at start-up was interrupted and is retried; after max_attempts
 * it is quarantined as poison.
 *
 * The functions below do blocking file I/O and run on worker threads; they
 * use only the directory fds in struct spool, which are read-only after
 * spool_open.
 */
#ifndef INBOXD_SPOOL_H
#define INBOXD_SPOOL_H

#include "claimlog.h"

#include <inboxd/plugin.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define SPOOL_TICKET_LEN 16

struct spool {
    char *state_dir, *inbox; /* owned */
    int inbox_fd, state_fd, work_fd, archive_fd, failed_fd, processed_fd;
    int lock_fd;
    struct claimlog clog; /* work/claims.log: names and attempts */
    int clog_open;
    int legacy_sidecars;  /* work/ held TICKET.json files of old versions */
};

/* Opens (creating) the state dirs, takes the state dir's lock, checks the
 * inbox and work/ are on one filesystem.  On failure writes the reason to
 * err and returns a negative errno. */
int spool_open(struct spool *s, const char *inbox, const char *state_dir,
               char *err, size_t errlen);
void spool_close(struct spool *s);

/* What a claim found. */
enum claim_result {
    CLAIM_OK,       /* claimed: *ticket, *raw, *len set */
    CLAIM_GONE,     /* the name vanished: nothing to do */
    CLAIM_REJECTED, /* not taken, left in the inbox: reason set */
    CLAIM_YOUNG,    /* found by a scan and changed in the last min_age_ms:
                       maybe still being written; left for later */
    CLAIM_FAILED    /* taken but unreadable: moved to failed/, reason set */
};

struct claim {
    char ticket[SPOOL_TICKET_LEN + 1];
    unsigned char *raw; /* malloc'd with a spare NUL; caller owns */
    size_t len;
    int64_t received_ms;
    char reason[256];
};

/* Claims inbox/name: checks it (regular file, size <= max_bytes, single
 * link unless accept_hardlinks, not changed in the last min_age_ms), writes
 * the sidecar, renames it into work/ and reads the claimed copy
 * (O_NOFOLLOW). */
enum claim_result spool_claim(struct spool *s, const char *name,
                              uint64_t max_bytes, int accept_hardlinks,
                              unsigned min_age_ms, struct claim *c);

/* A file found in work/ at start-up. */
struct recovered {
    char ticket[SPOOL_TICKET_LEN + 1];
    char *name;        /* original name, owned */
    int64_t received_ms;
    unsigned attempts; /* times processing already started */
};

/* Lists work/ (sorted by ticket), removing orphan sidecars and temp files.
 * *out is a malloc'd array; free each name and the array. */
int spool_recover_list(struct spool *s, struct recovered **out, size_t *n);

/* Records one more attempt in the sidecar (before processing again). */
int spool_set_attempts(struct spool *s, const char *ticket, const char *name,
                       int64_t received_ms, unsigned attempts);

/* Reads work/TICKET. */
int spool_read_work(struct spool *s, const char *ticket, uint64_t max_bytes,
                    unsigned char **raw, size_t *len);

/* Reads archive/ID (for reprocessing). */
int spool_read_archive(struct spool *s, const char *id, uint64_t max_bytes,
                       unsigned char **raw, size_t *len);

/* Success: moves work/TICKET per on_success (0 archive, 1 delete, 2 keep)
 * and removes the sidecar. */
int spool_finish(struct spool *s, const char *ticket, const char *id,
                 const char *name, int on_success);

/* Failure: moves work/TICKET to failed/ID16_NAME and writes
 * failed/ID16_NAME.error.json with the record (a JSON object, borrowed).
 * id may be NULL (unknown).  Sets *dest (malloc'd relative name). */
int spool_fail(struct spool *s, const char *ticket, const char *id,
               const char *name, json_t *record, char **dest);

/* Remove a work entry and its sidecar (duplicate content). */
int spool_drop(struct spool *s, const char *ticket);

/* Whether archive/ID exists. */
int spool_archived(struct spool *s, const char *id);

#endif
