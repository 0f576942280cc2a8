/* A client of the daemon's event socket: connect, subscribe, read lines. */
#include "bn.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct bn_sock {
    int fd;
    char *buf;
    size_t len, cap;
    size_t consumed; /* bytes of buf given out as the last line */
};

static int sock_connect(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd;
    if (strlen(path) >= sizeof sa.sun_path)
        return -ENAMETOOLONG;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

struct bn_sock *bn_sock_open(const char *path, const char *globs, double timeout_s)
{
    struct bn_sock *s = calloc(1, sizeof *s);
    double t0 = bn_now();
    char req[1024];
    int fd = -ENOENT;
    if (!s)
        return NULL;
    s->fd = -1;
    while (bn_now() - t0 < timeout_s) {
        fd = sock_connect(path);
        if (fd >= 0)
            break;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (fd < 0) {
        bn_log("cannot connect to %s: %s", path, strerror(-fd));
        free(s);
        return NULL;
    }
    s->fd = fd;
    s->cap = 1 << 20;
    s->buf = malloc(s->cap);
    if (!s->buf)
        goto fail;
    /* {"op":"subscribe","events":["a","b"]} */
    size_t n = (size_t)snprintf(req, sizeof req, "{\"op\":\"subscribe\",\"events\":[");
    const char *p = globs;
    while (*p && n < sizeof req - 64) {
        const char *e = strchr(p, ',');
        size_t k = e ? (size_t)(e - p) : strlen(p);
        if (k > sizeof req - n - 64)
            k = sizeof req - n - 64;
        n += (size_t)snprintf(req + n, sizeof req - n, "%s\"%.*s\"", p == globs ? "" : ",",
                              (int)k, p);
        p = e ? e + 1 : p + strlen(p);
    }
    n += (size_t)snprintf(req + n, sizeof req - n, "]}\n");
    if (write_all(fd, req, n) < 0) {
        bn_log("cannot write to %s: %s", path, strerror(errno));
        goto fail;
    }
    for (;;) {
        int eof = 0;
        const char *line = bn_sock_line(s, 10, &eof);
        if (!line) {
            bn_log("no reply to subscribe from %s", path);
            goto fail;
        }
        if (strstr(line, "\"reply\"")) {
            if (strstr(line, "\"error\"")) {
                bn_log("subscribe refused: %s", line);
                goto fail;
            }
            return s;
        }
    }
fail:
    bn_sock_close(s);
    return NULL;
}

void bn_sock_close(struct bn_sock *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    free(s->buf);
    free(s);
}

const char *bn_sock_line(struct bn_sock *s, double timeout_s, int *eof)
{
    double t0 = bn_now();
    *eof = 0;
    if (s->consumed) {
        memmove(s->buf, s->buf + s->consumed, s->len - s->consumed);
        s->len -= s->consumed;
        s->consumed = 0;
    }
    size_t scanned = 0;
    for (;;) {
        char *nl = memchr(s->buf + scanned, '\n', s->len - scanned);
        if (nl) {
            *nl = '\0';
            s->consumed = (size_t)(nl - s->buf) + 1;
            return s->buf;
        }
        scanned = s->len;
        double left = timeout_s - (bn_now() - t0);
        if (left <= 0)
            return NULL;
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        int pr = poll(&p, 1, (int)(left * 1000) + 1);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            return NULL;
        if (s->cap - s->len < 65536) {
            char *nb = realloc(s->buf, s->cap * 2);
            if (!nb)
                return NULL;
            s->buf = nb;
            s->cap *= 2;
        }
        ssize_t r = read(s->fd, s->buf + s->len, s->cap - s->len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            *eof = 1;
            return NULL;
        }
        s->len += (size_t)r;
    }
}

int bn_event_name(const char *line, char *buf, size_t len)
{
    /* Events start {"event":"NAME",...; the daemon writes "event" first. */
    const char *p = strstr(line, "\"event\":");
    if (!p)
        return -1;
    p += 8;
    while (*p == ' ')
        p++;
    if (*p != '"')
        return -1;
    p++;
    const char *e = strchr(p, '"');
    if (!e || (size_t)(e - p) >= len)
        return -1;
    memcpy(buf, p, (size_t)(e - p));
    buf[e - p] = '\0';
    return 0;
}
