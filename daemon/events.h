/*
 * The event socket: a Unix stream socket (uv_pipe) on which every event is
 * sent to every subscribed client as one line of JSON, and on which clients
 * send requests, one JSON object a line:
 *   {"op":"subscribe","events":["document.*"],"since":SEQ}
 *   {"op":"status"}   {"op":"ping"}   {"op":"reprocess","id":ID|"all":true}
 * Replies carry "reply" (the op, or "error"); events carry "event", "seq"
 * and "ts".  A client whose unsent output passes client_buffer is sent an
 * "overflow" notice and disconnected; a request line longer than max_line
 * gets an error and a disconnect; malformed input gets an error reply.
 */
#ifndef INBOXD_EVENTS_H
#define INBOXD_EVENTS_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

struct client;
struct evlog;

/* Answers a request other than subscribe/ping: returns the reply object
 * (new reference; "reply" is added) or NULL for "unknown op".  privileged
 * tells whether the peer may change state. */
typedef json_t *(*events_request_cb)(void *ctx, json_t *req, const char *op,
                                     int privileged);

struct events {
    uv_loop_t *loop;
    uv_pipe_t server;
    int server_open;
    char *path;           /* owned; NULL when the fd came from systemd */
    struct client *clients;
    size_t n_clients;
    uint64_t seq;         /* last seq sent */
    size_t client_buffer, max_line, max_clients;
    uid_t *allowed_uids; size_t n_allowed_uids; /* borrowed from config */
    gid_t *allowed_gids; size_t n_allowed_gids;
    events_request_cb on_request;
    void *ctx;
    struct evlog *log;    /* retention log, or NULL */
    uint64_t overflows, disconnects, connects;
    /* Accounting for tests and status: bytes queued to clients. */
    size_t queued_bytes;
};

/* Binds path (mode, e.g. 0660) or adopts listen_fd (>= 0, from systemd)
 * and listens.  Refuses when another daemon listens on path; replaces a
 * stale socket file.  0 or a negative errno with err filled. */
int events_listen(struct events *ev, uv_loop_t *loop, const char *path,
                  unsigned mode, int listen_fd, char *err, size_t errlen);

/* Emits an event: adds "event", "seq", "ts" in front of fields (stolen;
 * may be NULL) and sends it to every client whose subscription matches. */
void events_emit(struct events *ev, const char *event, json_t *fields);

/* Closes the server and every client (after what is queued is written, or
 * a short grace).  The loop then has no handle of ours. */
void events_close(struct events *ev);

#endif
