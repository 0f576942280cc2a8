/*
 * The claim log: work/claims.log, one JSON line per claim or retry
 * ({"t":TICKET,"name":...,"name_hex":...,"received_ms":...,"attempts":N}),
 * appended before the file is renamed into work/, so that after a crash
 * the daemon knows every interrupted file's original name and how often
 * processing it was started.  One append per document instead of a
 * sidecar file per document (an inode created and deleted each time).
 *
 * The log remembers the records of tickets still in work/ ("live"); when
 * the file has grown well past them it is rewritten with only those.
 * Thread-safe: claims append from worker threads.
 */
#ifndef INBOXD_CLAIMLOG_H
#define INBOXD_CLAIMLOG_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct claimlog {
    pthread_mutex_t mu;
    int dirfd;           /* work/, borrowed */
    int fd;              /* append fd, -1 when closed */
    size_t size;         /* bytes in the file */
    size_t live_bytes;   /* bytes of the live records */
    struct cl_entry **b; /* live records by ticket */
    size_t nb, n;
};

/* One record, as read back. */
struct claim_record {
    char *name;          /* malloc'd original name (exact bytes) */
    int64_t received_ms;
    unsigned attempts;
};

/* Opens work/claims.log for appending (creating it). */
int claimlog_open(struct claimlog *l, int work_dirfd);
void claimlog_close(struct claimlog *l);

/* Appends the record of ticket (and keeps it live).  0 or -errno. */
int claimlog_append(struct claimlog *l, const char *ticket, const char *name,
                    int64_t received_ms, unsigned attempts);
/* The ticket left work/: its record is no longer needed. */
void claimlog_forget(struct claimlog *l, const char *ticket);

/* Reads the file: the last record of ticket, or -ENOENT.  Call
 * claimlog_load first (at start-up, before any append). */
int claimlog_lookup(struct claimlog *l, const char *ticket, struct claim_record *rec);
/* Start-up: reads every record of the file into the live map. */
int claimlog_load(struct claimlog *l);
/* Start-up, after recovery: keeps only the records of tickets for which
 * keep(ticket) is true and rewrites the file with them. */
int claimlog_compact(struct claimlog *l, int (*keep)(void *ctx, const char *ticket),
                     void *ctx);

#endif
