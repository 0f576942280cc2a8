#include "events.h"

#include "evlog.h"
#include "request.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* One serialized line, shared by every client it is written to. */
struct wbuf {
    unsigned refs;
    size_t len;
    char data[];
};

struct wreq {
    uv_write_t req;
    struct wbuf *b;
};

struct client {
    uv_pipe_t pipe;
    struct events *ev;
    struct client *next, *prev;
    struct linebuf in;     /* request bytes not yet ending in a newline */
    char **patterns;       /* owned; NULL = every event */
    size_t n_patterns;
    int subscribed;        /* events are sent only after "subscribe" */
    int closing;
    int overflowed;        /* sent the overflow notice; closing after it */
    uv_timer_t grace;      /* closes an overflowed client that never reads */
    int handles;           /* open handles (pipe, grace) */
    int privileged;
    uid_t uid;
    gid_t gid;
    /* Replay of the retention log ("since"): while replaying, live events
     * are skipped here because they are read from the log in order. */
    int replaying;
    int replay_fd;
    off_t replay_off;
    uint64_t last_sent;
    uint64_t replay_gen;
};

static struct wbuf *wbuf_new(const char *data, size_t len)
{
    struct wbuf *b = malloc(sizeof *b + len + 1);
    if (!b)
        return NULL;
    b->refs = 1;
    b->len = len + 1;
    memcpy(b->data, data, len);
    b->data[len] = '\n';
    return b;
}

static void wbuf_unref(struct wbuf *b)
{
    if (b && --b->refs == 0)
        free(b);
}

static void client_free_cb(uv_handle_t *h)
{
    struct client *c = h->data;
    if (--c->handles > 0)
        return;
    for (size_t i = 0; i < c->n_patterns; i++)
        free(c->patterns[i]);
    free(c->patterns);
    linebuf_clear(&c->in);
    if (c->replay_fd >= 0)
        close(c->replay_fd);
    free(c);
}

static void client_close(struct client *c)
{
    struct events *ev = c->ev;
    if (c->closing)
        return;
    c->closing = 1;
    if (c->prev)
        c->prev->next = c->next;
    else
        ev->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    ev->n_clients--;
    ev->disconnects++;
    uv_close((uv_handle_t *)&c->pipe, client_free_cb);
    if (c->handles > 1)
        uv_close((uv_handle_t *)&c->grace, client_free_cb);
}

static void client_pump(struct client *c);

static void write_cb(uv_write_t *req, int status)
{
    struct wreq *w = (struct wreq *)req;
    struct client *c = req->handle->data;
    c->ev->queued_bytes -= w->b->len;
    wbuf_unref(w->b);
    free(w);
    if (status < 0) {
        if (status != UV_ECANCELED)
            client_close(c);
        return;
    }
    if (c->replaying && !c->closing && !c->overflowed &&
        uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) < c->ev->client_buffer / 2)
        client_pump(c);
}

static void grace_cb(uv_timer_t *t)
{
    client_close(t->data);
}

static void shutdown_cb(uv_shutdown_t *req, int status)
{
    struct client *c = req->handle->data;
    (void)status;
    free(req);
    client_close(c);
}

static int queue_write(struct client *c, struct wbuf *b);

/* The client stopped reading: it gets no more events, only an overflow
 * notice queued behind what it has not read, then end of stream.  If it
 * never reads that far, it is closed after a grace period.  Its memory
 * stays bounded by client_buffer plus the notice. */
static void client_overflow(struct client *c)
{
    char line[256];
    int n = snprintf(line, sizeof line,
                     "{\"event\":\"overflow\",\"last_seq\":%llu,\"reason\":\"client "
                     "too slow: more than %zu bytes unread; disconnected\"}",
                     (unsigned long long)c->last_sent, c->ev->client_buffer);
    struct wbuf *b = wbuf_new(line, (size_t)n);
    uv_shutdown_t *sd = malloc(sizeof *sd);
    c->overflowed = 1;
    c->replaying = 0;
    c->ev->overflows++;
    log_notice("event client (uid %u) too slow: more than %zu bytes unread; disconnecting",
               (unsigned)c->uid, c->ev->client_buffer);
    uv_read_stop((uv_stream_t *)&c->pipe);
    if (b) {
        queue_write(c, b);
        wbuf_unref(b);
    }
    if (!sd || uv_shutdown(sd, (uv_stream_t *)&c->pipe, shutdown_cb) < 0) {
        free(sd);
        client_close(c);
        return;
    }
    uv_timer_init(c->ev->loop, &c->grace);
    c->grace.data = c;
    c->handles++;
    uv_timer_start(&c->grace, grace_cb, 10000, 0);
}

static int client_send(struct client *c, struct wbuf *b)
{
    if (c->closing || c->overflowed)
        return -1;
    if (uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) + b->len >
        c->ev->client_buffer) {
        client_overflow(c);
        return -1;
    }
    return queue_write(c, b);
}

static int queue_write(struct client *c, struct wbuf *b)
{
    struct wreq *w;
    uv_buf_t buf;
    w = malloc(sizeof *w);
    if (!w)
        return -1;
    w->b = b;
    b->refs++;
    buf = uv_buf_init(b->data, (unsigned)b->len);
    c->ev->queued_bytes += b->len;
    if (uv_write(&w->req, (uv_stream_t *)&c->pipe, &buf, 1, write_cb) < 0) {
        c->ev->queued_bytes -= b->len;
        wbuf_unref(b);
        free(w);
        client_close(c);
        return -1;
    }
    return 0;
}

static void client_reply(struct client *c, json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    struct wbuf *b = s ? wbuf_new(s, strlen(s)) : NULL;
    free(s);
    if (b) {
        client_send(c, b);
        wbuf_unref(b);
    }
    json_decref(o);
}

static void client_error(struct client *c, const char *msg)
{
    client_reply(c, json_pack("{s:s, s:s}", "reply", "error", "error", msg));
}

static int client_wants(const struct client *c, const char *event)
{
    if (!c->patterns)
        return 1;
    for (size_t i = 0; i < c->n_patterns; i++)
        if (fnmatch(c->patterns[i], event, 0) == 0)
            return 1;
    return 0;
}

/* The event name of a serialized event line: {"event":"NAME",... */
static int line_event(const char *line, size_t len, char *out, size_t outlen)
{
    const char *p = memmem(line, len, "\"event\":\"", 9), *q;
    if (!p)
        return -1;
    p += 9;
    q = memchr(p, '"', (size_t)(line + len - p));
    if (!q || (size_t)(q - p) >= outlen)
        return -1;
    memcpy(out, p, (size_t)(q - p));
    out[q - p] = '\0';
    return 0;
}

/* Replays the log from replay_off while the client keeps up. */
static void client_pump(struct client *c)
{
    struct events *ev = c->ev;
    char buf[65536];
    while (c->replaying && !c->closing) {
        if (uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) >=
            ev->client_buffer / 2)
            return; /* write_cb calls back when it drains */
        if (c->replay_fd < 0 || c->replay_gen != ev->log->generation) {
            /* The log was compacted: read the new file from its start;
             * seq filtering below skips what was already sent. */
            if (c->replay_fd >= 0)
                close(c->replay_fd);
            c->replay_fd = open(ev->log->path, O_RDONLY | O_CLOEXEC);
            c->replay_off = 0;
            c->replay_gen = ev->log->generation;
            if (c->replay_fd < 0) {
                c->replaying = 0;
                return;
            }
        }
        ssize_t n = pread(c->replay_fd, buf, sizeof buf, c->replay_off);
        if (n <= 0) {
            /* Reached the end: every logged event is sent; go live. */
            c->replaying = 0;
            close(c->replay_fd);
            c->replay_fd = -1;
            return;
        }
        size_t used = 0;
        for (;;) {
            char *nl = memchr(buf + used, '\n', (size_t)n - used);
            char name[128];
            if (!nl)
                break;
            size_t len = (size_t)(nl - (buf + used));
            uint64_t seq = evlog_line_seq(buf + used, len);
            if (seq > c->last_sent && line_event(buf + used, len, name, sizeof name) == 0) {
                c->last_sent = seq;
                if (client_wants(c, name)) {
                    struct wbuf *b = wbuf_new(buf + used, len);
                    if (b) {
                        client_send(c, b);
                        wbuf_unref(b);
                    }
                }
            }
            used += len + 1;
        }
        if (used == 0) {
            /* A line longer than the buffer cannot be an event of ours. */
            used = (size_t)n;
        }
        c->replay_off += (off_t)used;
    }
}

static void do_subscribe(struct client *c, struct request *rq)
{
    struct events *ev = c->ev;
    json_t *reply;
    if (rq->has_since && !ev->log) {
        client_error(c, "subscribe: \"since\" needs the event log (event_retention is 0)");
        return;
    }
    for (size_t i = 0; i < c->n_patterns; i++)
        free(c->patterns[i]);
    free(c->patterns);
    /* The request's globs move to the client. */
    c->patterns = rq->has_events ? rq->events : NULL;
    c->n_patterns = rq->has_events ? rq->n_events : 0;
    rq->events = NULL;
    rq->n_events = 0;
    c->subscribed = 1;
    reply = json_pack("{s:s, s:b, s:I}", "reply", "subscribe", "ok", 1, "seq",
                      (json_int_t)ev->seq);
    if (rq->has_since && rq->since < ev->seq) {
        uint64_t s = rq->since, first = ev->log->first_seq;
        if (first && s + 1 < first) {
            char msg[256];
            snprintf(msg, sizeof msg,
                     "events %llu to %llu are older than the retention (%u events) and "
                     "are gone; replaying from %llu",
                     (unsigned long long)s + 1, (unsigned long long)first - 1,
                     ev->log->retention, (unsigned long long)first);
            json_object_set_new(reply, "warning", json_string(msg));
            json_object_set_new(reply, "lost_from", json_integer((json_int_t)s + 1));
            json_object_set_new(reply, "lost_to", json_integer((json_int_t)first - 1));
        }
        c->last_sent = s;
        c->replaying = 1;
        c->replay_fd = -1;
        c->replay_gen = (uint64_t)-1;
        client_reply(c, reply);
        client_pump(c);
        return;
    }
    client_reply(c, reply);
}

/* linebuf callback: one request line. */
static int handle_line(void *ctx, char *line, size_t len)
{
    struct client *c = ctx;
    struct request rq;
    char err[300];
    json_t *reply;
    size_t k = len;
    while (k && (line[k - 1] == '\r' || line[k - 1] == ' '))
        k--;
    if (k == 0)
        return 0;
    if (request_parse(line, len, &rq, err, sizeof err) < 0) {
        client_error(c, err);
        return c->closing;
    }
    if (rq.op == REQ_SUBSCRIBE) {
        do_subscribe(c, &rq);
    } else if (rq.op == REQ_PING) {
        client_reply(c, json_pack("{s:s, s:I}", "reply", "ping", "seq",
                                  (json_int_t)c->ev->seq));
    } else if (c->ev->on_request &&
               (reply = c->ev->on_request(c->ev->ctx, rq.json, rq.opname, c->privileged))) {
        if (!json_object_get(reply, "reply"))
            json_object_set_new(reply, "reply", json_string(rq.opname));
        client_reply(c, reply);
    } else {
        snprintf(err, sizeof err, "unknown op \"%.64s\"", rq.opname);
        client_error(c, err);
    }
    request_clear(&rq);
    return c->closing;
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    static char slab[65536];
    (void)h;
    (void)hint;
    buf->base = slab;
    buf->len = sizeof slab;
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct client *c = s->data;
    int r;
    if (n < 0) {
        client_close(c);
        return;
    }
    if (c->closing || c->overflowed)
        return;
    r = linebuf_feed(&c->in, buf->base, (size_t)n, c->ev->max_line, handle_line, c);
    if (r == -E2BIG) {
        char msg[128];
        snprintf(msg, sizeof msg, "request line longer than %zu bytes; disconnected",
                 c->ev->max_line);
        client_error(c, msg);
        client_close(c);
    } else if (r < 0) {
        client_close(c);
    }
}

static int id_allowed(uint32_t id, const uint32_t *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == id)
            return 1;
    return 0;
}

static void connection_cb(uv_stream_t *server, int status)
{
    struct events *ev = server->data;
    struct client *c;
    struct ucred cred;
    socklen_t clen = sizeof cred;
    uv_os_fd_t fd;
    if (status < 0)
        return;
    c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->ev = ev;
    c->replay_fd = -1;
    c->handles = 1;
    uv_pipe_init(ev->loop, &c->pipe, 0);
    c->pipe.data = c;
    if (uv_accept(server, (uv_stream_t *)&c->pipe) < 0) {
        uv_close((uv_handle_t *)&c->pipe, client_free_cb);
        return;
    }
    c->next = ev->clients;
    if (ev->clients)
        ev->clients->prev = c;
    ev->clients = c;
    ev->n_clients++;
    ev->connects++;
    c->uid = (uid_t)-1;
    c->gid = (gid_t)-1;
    if (uv_fileno((uv_handle_t *)&c->pipe, &fd) == 0 &&
        getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0) {
        c->uid = cred.uid;
        c->gid = cred.gid;
    }
    if (ev->n_clients > ev->max_clients) {
        client_error(c, "too many clients");
        client_close(c);
        return;
    }
    /* Without lists, the socket's mode decides who connects, and the
     * daemon's own user and root may change state.  With lists, a peer must
     * be on one of them to connect, and on the uid list to change state. */
    if (ev->n_allowed_uids || ev->n_allowed_gids) {
        if (!id_allowed(c->uid, ev->allowed_uids, ev->n_allowed_uids) &&
            !id_allowed(c->gid, ev->allowed_gids, ev->n_allowed_gids) &&
            c->uid != 0 && c->uid != geteuid()) {
            client_error(c, "permission denied: uid not allowed by allowed_uids/allowed_gids");
            client_close(c);
            return;
        }
    }
    c->privileged = c->uid == 0 || c->uid == geteuid() ||
                    id_allowed(c->uid, ev->allowed_uids, ev->n_allowed_uids);
    uv_read_start((uv_stream_t *)&c->pipe, alloc_cb, read_cb);
}

/* 1 when a daemon answers on path, 0 when nothing does (stale or absent),
 * -1 when path exists but is not a socket. */
static int probe(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct stat st;
    int fd, r;
    if (lstat(path, &st) < 0)
        return 0;
    if (!S_ISSOCK(st.st_mode))
        return -1;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    r = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return r;
}

int events_listen(struct events *ev, uv_loop_t *loop, const char *path,
                  unsigned mode, int listen_fd, char *err, size_t errlen)
{
    int r;
    ev->loop = loop;
    uv_pipe_init(loop, &ev->server, 0);
    ev->server.data = ev;
    ev->server_open = 1;
    if (listen_fd >= 0) {
        r = uv_pipe_open(&ev->server, listen_fd);
        if (r < 0) {
            snprintf(err, errlen, "socket from systemd (fd %d): %s", listen_fd,
                     uv_strerror(r));
            return r;
        }
    } else {
        if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
            snprintf(err, errlen, "socket path %s is longer than %zu bytes", path,
                     sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
            return -ENAMETOOLONG;
        }
        r = probe(path);
        if (r > 0) {
            snprintf(err, errlen,
                     "another daemon is listening on %s: refusing to start", path);
            return -EADDRINUSE;
        }
        if (r < 0) {
            snprintf(err, errlen, "%s exists and is not a socket: refusing to replace it",
                     path);
            return -EEXIST;
        }
        (void)unlink(path); /* a stale socket of a daemon that died */
        r = uv_pipe_bind(&ev->server, path);
        if (r < 0) {
            snprintf(err, errlen, "cannot bind %s: %s", path, uv_strerror(r));
            return r;
        }
        ev->path = strdup(path);
        if (chmod(path, mode) < 0) {
            r = -errno;
            snprintf(err, errlen, "chmod %s: %s", path, strerror(errno));
            return r;
        }
    }
    r = uv_listen((uv_stream_t *)&ev->server, 128, connection_cb);
    if (r < 0) {
        snprintf(err, errlen, "listen on %s: %s",
                 listen_fd >= 0 ? "the service manager's socket (fd 3)" : path,
                 uv_strerror(r));
        return r;
    }
    return 0;
}

void events_emit(struct events *ev, const char *event, json_t *fields)
{
    char ts[40];
    json_t *o = json_object();
    const char *k;
    json_t *v;
    char *s;
    struct wbuf *b;
    struct client *c, *next;
    ev->seq++;
    util_rfc3339(util_now_ms(), ts, sizeof ts);
    json_object_set_new(o, "event", json_string(event));
    json_object_set_new(o, "seq", json_integer((json_int_t)ev->seq));
    json_object_set_new(o, "ts", json_string(ts));
    if (fields) {
        json_object_foreach(fields, k, v) json_object_set(o, k, v);
        json_decref(fields);
    }
    s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s)
        return;
    evlog_append(ev->log, ev->seq, s, strlen(s));
    b = wbuf_new(s, strlen(s));
    free(s);
    if (!b)
        return;
    for (c = ev->clients; c; c = next) {
        next = c->next;
        /* Not before its subscribe: a client asking "since" would get the
         * events sent meanwhile twice, live first and replayed after. */
        if (!c->subscribed || c->replaying || !client_wants(c, event))
            continue;
        if (client_send(c, b) == 0)
            c->last_sent = ev->seq;
    }
    wbuf_unref(b);
}

static void server_closed(uv_handle_t *h) { (void)h; }

void events_close(struct events *ev)
{
    while (ev->clients)
        client_close(ev->clients);
    if (ev->server_open) {
        if (ev->path)
            (void)unlink(ev->path); /* before close, so no one connects to a dead file */
        uv_close((uv_handle_t *)&ev->server, server_closed);
        ev->server_open = 0;
    }
    free(ev->path);
    ev->path = NULL;
}
