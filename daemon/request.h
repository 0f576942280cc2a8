/*
 * Parsing what event-socket clients send: the line splitter (bytes in any
 * pieces -> lines of at most max_line bytes) and the request parser (one
 * line -> a validated request).  Both are pure, so they are fuzzed
 * (tests/fuzz/) apart from the socket.
 */
#ifndef INBOXD_REQUEST_H
#define INBOXD_REQUEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct linebuf {
    char *buf; /* owned: the start of a line that has no newline yet */
    size_t len, cap;
};

/* Called for each complete line (without its newline); return nonzero to
 * stop feeding (the client was closed). */
typedef int (*linebuf_cb)(void *ctx, char *line, size_t len);

/* Feeds n bytes.  Returns 0, 1 when a callback asked to stop, or -E2BIG
 * when a line grew past max_line (the caller disconnects), -ENOMEM. */
int linebuf_feed(struct linebuf *lb, const char *data, size_t n, size_t max_line,
                 linebuf_cb cb, void *ctx);
void linebuf_clear(struct linebuf *lb);

enum req_op { REQ_SUBSCRIBE, REQ_PING, REQ_OTHER };

struct request {
    enum req_op op;
    const char *opname;   /* points into json */
    json_t *json;         /* owned: the whole request object */
    /* subscribe */
    int has_events;       /* "events" given (else every event) */
    char **events;        /* owned globs */
    size_t n_events;
    int has_since;
    uint64_t since;
};

/* Parses one line.  0, or -EINVAL with a message for the client in err. */
int request_parse(const char *line, size_t len, struct request *r, char *err,
                  size_t errlen);
void request_clear(struct request *r);

#endif
