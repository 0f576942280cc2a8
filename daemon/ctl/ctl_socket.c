#include "ctl_socket.h"

#include "config.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

char *ctl_socket_path(const char *opt_socket, const char *opt_config)
{
    if (opt_socket)
        return strdup(opt_socket);
    if (opt_config) {
        struct config cfg;
        char *errors = NULL, *exe = config_exe_dir(), *r = NULL;
        if (config_default(&cfg, exe) == 0 &&
            config_load_file(&cfg, opt_config, &errors) == 0)
            r = strdup(cfg.socket);
        else
            fprintf(stderr, "%s", errors ? errors : "inboxctl: cannot read the config\n");
        free(errors);
        free(exe);
        config_clear(&cfg);
        return r;
    }
    if (getenv("INBOXD_SOCKET"))
        return strdup(getenv("INBOXD_SOCKET"));
    return strdup("./var/inboxd.sock");
}

static int connect_to(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd;
    if (strlen(path) >= sizeof sa.sun_path) {
        fprintf(stderr, "inboxctl: socket path too long: %s\n", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        fprintf(stderr, "inboxctl: cannot connect to %s: %s%s\n", path, strerror(errno),
                errno == ENOENT || errno == ECONNREFUSED ? " (is inboxd running?)" : "");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static int send_json(int fd, json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    size_t len, off = 0;
    json_decref(o);
    if (!s)
        return -1;
    len = strlen(s);
    s[len++] = '\n'; /* json_dumps left room: replace the NUL */
    while (off < len) {
        ssize_t w = write(fd, s + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            free(s);
            return -1;
        }
        off += (size_t)w;
    }
    free(s);
    return 0;
}

/* A line reader over a socket. */
struct reader {
    int fd;
    char *buf;
    size_t len, cap;
};

/* Returns a line (NUL-terminated, without newline, valid until the next
 * call), or NULL at end of stream / timeout (timeout_ms < 0: none). */
static char *read_line(struct reader *r, int timeout_ms)
{
    static size_t consumed;
    if (consumed) {
        memmove(r->buf, r->buf + consumed, r->len - consumed);
        r->len -= consumed;
        consumed = 0;
    }
    for (;;) {
        char *nl = r->len ? memchr(r->buf, '\n', r->len) : NULL;
        if (nl) {
            *nl = '\0';
            consumed = (size_t)(nl - r->buf) + 1;
            return r->buf;
        }
        if (r->len + 65536 > r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 131072;
            char *nb = realloc(r->buf, cap);
            if (!nb)
                return NULL;
            r->buf = nb;
            r->cap = cap;
        }
        if (timeout_ms >= 0) {
            struct pollfd p = {.fd = r->fd, .events = POLLIN};
            if (poll(&p, 1, timeout_ms) <= 0)
                return NULL;
        }
        ssize_t n = read(r->fd, r->buf + r->len, r->cap - r->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return NULL;
        r->len += (size_t)n;
    }
}

/* Sends req and returns the first reply object (events before it are
 * skipped), or NULL with a message. */
static json_t *request(const char *sock, json_t *req)
{
    struct reader r = {0};
    json_t *reply = NULL;
    char *line;
    r.fd = connect_to(sock);
    if (r.fd < 0) {
        json_decref(req);
        return NULL;
    }
    if (send_json(r.fd, req) < 0) {
        fprintf(stderr, "inboxctl: cannot send to %s\n", sock);
        goto out;
    }
    while ((line = read_line(&r, 10000))) {
        json_t *o = json_loads(line, 0, NULL);
        if (o && json_object_get(o, "reply")) {
            reply = o;
            break;
        }
        json_decref(o);
    }
    if (!reply)
        fprintf(stderr, "inboxctl: no reply from %s\n", sock);
out:
    close(r.fd);
    free(r.buf);
    return reply;
}

int ctl_subscribe(const char *sock, int argc, char **argv)
{
    static const struct option opts[] = {{"event", required_argument, 0, 'e'},
                                         {"count", required_argument, 0, 'n'},
                                         {"since", required_argument, 0, 's'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    json_t *events = json_array();
    long count = -1;
    long long since = -1;
    long got = 0;
    unsigned long long last_seq = 0;
    int c, rc = 0;
    struct reader r = {0};
    char *line, *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "e:n:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'e': json_array_append_new(events, json_string(optarg)); break;
        case 'n':
            count = strtol(optarg, &end, 10);
            if (*end || count < 1) {
                fprintf(stderr, "inboxctl: --count needs a positive number\n");
                json_decref(events);
                return 2;
            }
            break;
        case 's':
            since = strtoll(optarg, &end, 10);
            if (*end || since < 0) {
                fprintf(stderr, "inboxctl: --since needs a seq number (>= 0)\n");
                json_decref(events);
                return 2;
            }
            break;
        case 'h':
            printf("usage: inboxctl subscribe [--event GLOB]... [--count N] [--since SEQ]\n");
            json_decref(events);
            return 0;
        default: json_decref(events); return 2;
        }
    }
    r.fd = connect_to(sock);
    if (r.fd < 0) {
        json_decref(events);
        return 1;
    }
    json_t *req = json_pack("{s:s}", "op", "subscribe");
    if (json_array_size(events))
        json_object_set(req, "events", events);
    json_decref(events);
    if (since >= 0) {
        json_object_set_new(req, "since", json_integer(since));
        last_seq = (unsigned long long)since;
    }
    if (send_json(r.fd, req) < 0) {
        fprintf(stderr, "inboxctl: cannot send to %s\n", sock);
        close(r.fd);
        return 1;
    }
    int subscribed = 0;
    while ((count < 0 || got < count) && (line = read_line(&r, -1))) {
        json_t *o = json_loads(line, 0, NULL);
        const char *reply = o ? json_string_value(json_object_get(o, "reply")) : NULL;
        const char *ev = o ? json_string_value(json_object_get(o, "event")) : NULL;
        if (reply) {
            if (strcmp(reply, "error") == 0) {
                fprintf(stderr, "inboxctl: %s\n",
                        json_string_value(json_object_get(o, "error")));
                rc = 1;
                json_decref(o);
                break;
            }
            if (strcmp(reply, "subscribe") == 0) {
                const char *w = json_string_value(json_object_get(o, "warning"));
                if (w)
                    fprintf(stderr, "inboxctl: %s\n", w);
                subscribed = 1;
            }
            json_decref(o);
            continue;
        }
        if (ev && strcmp(ev, "overflow") == 0) {
            fprintf(stderr, "inboxctl: disconnected by the daemon: %s\n",
                    json_string_value(json_object_get(o, "reason")));
            json_decref(o);
            rc = 3;
            break;
        }
        unsigned long long seq = (unsigned long long)json_integer_value(json_object_get(o, "seq"));
        /* Events sent before the subscription took effect may not match
         * the filter; events replayed and sent live may overlap. */
        if (!subscribed || (seq && seq <= last_seq)) {
            json_decref(o);
            continue;
        }
        last_seq = seq;
        json_decref(o);
        fputs(line, stdout);
        fputc('\n', stdout);
        fflush(stdout);
        got++;
    }
    close(r.fd);
    free(r.buf);
    if (count > 0 && got < count && rc == 0) {
        fprintf(stderr, "inboxctl: the daemon closed the connection after %ld events\n", got);
        rc = 1;
    }
    return rc;
}

int ctl_status(const char *sock, int argc, char **argv)
{
    int as_json = 0;
    json_t *st, *plugins, *p;
    size_t i;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--json") == 0)
            as_json = 1;
        else {
            fprintf(stderr, "usage: inboxctl status [--json]\n");
            return 2;
        }
    }
    st = request(sock, json_pack("{s:s}", "op", "status"));
    if (!st)
        return 1;
    if (as_json) {
        json_object_del(st, "reply");
        char *s = json_dumps(st, JSON_INDENT(2));
        puts(s ? s : "{}");
        free(s);
        json_decref(st);
        return 0;
    }
    printf("inboxd %s  pid %lld  %s  up %llds\n",
           json_string_value(json_object_get(st, "version")),
           (long long)json_integer_value(json_object_get(st, "pid")),
           json_string_value(json_object_get(st, "state")),
           (long long)json_integer_value(json_object_get(st, "uptime_s")));
    printf("inbox      %s\nstate dir  %s\n", json_string_value(json_object_get(st, "inbox")),
           json_string_value(json_object_get(st, "state_dir")));
    static const char *keys[] = {"received", "indexed", "failed", "duplicates", "rejected",
                                 "in_flight", "queue", "retries", "clients", "seq"};
    for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
        printf("%-11s%lld\n", keys[i], (long long)json_integer_value(json_object_get(st, keys[i])));
    if (json_string_value(json_object_get(st, "condition")))
        printf("condition  %s\n", json_string_value(json_object_get(st, "condition")));
    plugins = json_object_get(st, "plugins");
    printf("\n%-16s %-8s %-10s %10s %8s %9s\n", "PLUGIN", "STAGE", "VERSION", "PROCESSED",
           "FAILED", "AVG MS");
    json_array_foreach(plugins, i, p) {
        printf("%-16s %-8s %-10s %10lld %8lld %9.2f\n",
               json_string_value(json_object_get(p, "name")),
               json_string_value(json_object_get(p, "stage")),
               json_string_value(json_object_get(p, "version")),
               (long long)json_integer_value(json_object_get(p, "processed")),
               (long long)json_integer_value(json_object_get(p, "failed")),
               json_number_value(json_object_get(p, "avg_ms")));
    }
    json_decref(st);
    return 0;
}

int ctl_reprocess(const char *sock, int argc, char **argv)
{
    json_t *req, *rep;
    int rc;
    if (argc != 2) {
        fprintf(stderr, "usage: inboxctl reprocess ID|--all\n");
        return 2;
    }
    if (strcmp(argv[1], "--all") == 0)
        req = json_pack("{s:s, s:b}", "op", "reprocess", "all", 1);
    else
        req = json_pack("{s:s, s:s}", "op", "reprocess", "id", argv[1]);
    rep = request(sock, req);
    if (!rep)
        return 1;
    if (strcmp(json_string_value(json_object_get(rep, "reply")), "error") == 0) {
        fprintf(stderr, "inboxctl: %s\n", json_string_value(json_object_get(rep, "error")));
        rc = 1;
    } else {
        printf("queued %lld document(s) for reprocessing\n",
               (long long)json_integer_value(json_object_get(rep, "queued")));
        rc = 0;
    }
    json_decref(rep);
    return rc;
}
