/*
 * The event retention log: STATE/events.log holds the last
 * event_retention events, one JSON line each, so that seq numbers persist
 * across restarts and a client reconnecting with "since" gets what it
 * missed.  Appends go through write(2) on the loop thread (no fsync: the
 * log is for subscribers, documents are never in it).  When the file holds
 * twice the retention it is compacted to the newest `retention` lines.
 */
#ifndef INBOXD_EVLOG_H
#define INBOXD_EVLOG_H

#include <stddef.h>
#include <stdint.h>

struct evlog {
    char *path;        /* owned */
    int fd;            /* append fd */
    unsigned retention;
    uint64_t last_seq; /* 0 when empty */
    uint64_t first_seq;/* oldest seq in the file, 0 when empty */
    size_t lines;
    uint64_t generation; /* bumped on compaction */
};

/* Opens or creates dir/events.log and reads its first and last seq.
 * retention 0 disables the log (returns NULL in *out, 0). */
int evlog_open(struct evlog **out, const char *dir, unsigned retention);
/* Appends one line (without its newline) whose seq is seq. */
void evlog_append(struct evlog *l, uint64_t seq, const char *line, size_t len);
/* NULL-safe; returns NULL. */
struct evlog *evlog_close(struct evlog *l);

/* The seq in a line "{"event":...,"seq":N,...", or 0. */
uint64_t evlog_line_seq(const char *line, size_t len);

#endif
