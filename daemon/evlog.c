#include "evlog.h"

#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

uint64_t evlog_line_seq(const char *line, size_t len)
{
    const char *p = memmem(line, len, "\"seq\":", 6);
    uint64_t v = 0;
    if (!p)
        return 0;
    p += 6;
    while (p < line + len && *p >= '0' && *p <= '9')
        v = v * 10 + (uint64_t)(*p++ - '0');
    return v;
}

/* Scans the file: first and last seq, line count. */
static void scan(struct evlog *l)
{
    FILE *f = fopen(l->path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    l->first_seq = l->last_seq = 0;
    l->lines = 0;
    if (!f)
        return;
    while ((n = getline(&line, &cap, f)) > 0) {
        uint64_t s = evlog_line_seq(line, (size_t)n);
        if (!s || line[n - 1] != '\n')
            continue; /* a torn last line from a crash */
        if (!l->first_seq)
            l->first_seq = s;
        if (s > l->last_seq)
            l->last_seq = s;
        l->lines++;
    }
    free(line);
    fclose(f);
}

int evlog_open(struct evlog **out, const char *dir, unsigned retention)
{
    struct evlog *l;
    *out = NULL;
    if (retention == 0)
        return 0;
    l = calloc(1, sizeof *l);
    if (!l || !(l->path = util_path_join(dir, "events.log"))) {
        free(l);
        return -ENOMEM;
    }
    l->retention = retention;
    scan(l);
    l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (l->fd < 0) {
        int e = -errno;
        free(l->path);
        free(l);
        return e;
    }
    /* A torn line would glue onto the next append: end it. */
    {
        off_t sz = lseek(l->fd, 0, SEEK_END);
        char c = '\n';
        int rfd = open(l->path, O_RDONLY | O_CLOEXEC);
        if (sz > 0 && rfd >= 0 && pread(rfd, &c, 1, sz - 1) == 1 && c != '\n')
            (void)!write(l->fd, "\n", 1);
        if (rfd >= 0)
            close(rfd);
    }
    *out = l;
    return 0;
}

static void compact(struct evlog *l)
{
    FILE *f = fopen(l->path, "r");
    char *tmp = NULL, *line = NULL;
    size_t cap = 0, skip, kept = 0;
    ssize_t n;
    FILE *o;
    uint64_t first = 0;
    if (!f)
        return;
    if (asprintf(&tmp, "%s.tmp", l->path) < 0) {
        fclose(f);
        return;
    }
    o = fopen(tmp, "w");
    if (!o)
        goto out;
    skip = l->lines > l->retention ? l->lines - l->retention : 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        uint64_t s = evlog_line_seq(line, (size_t)n);
        if (!s || line[n - 1] != '\n')
            continue;
        if (skip) {
            skip--;
            continue;
        }
        if (!first)
            first = s;
        fwrite(line, 1, (size_t)n, o);
        kept++;
    }
    if (fclose(o) == 0 && rename(tmp, l->path) == 0) {
        int fd = open(l->path, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd >= 0) {
            close(l->fd);
            l->fd = fd;
            l->lines = kept;
            l->first_seq = first;
            l->generation++;
        }
    } else
        (void)unlink(tmp);
out:
    free(line);
    free(tmp);
    fclose(f);
}

void evlog_append(struct evlog *l, uint64_t seq, const char *line, size_t len)
{
    struct iovec iov[2] = {{(void *)line, len}, {"\n", 1}};
    if (!l)
        return;
    if (writev(l->fd, iov, 2) < 0) {
        log_warn("event log %s: %s", l->path, strerror(errno));
        return;
    }
    if (!l->first_seq)
        l->first_seq = seq;
    l->last_seq = seq;
    l->lines++;
    if (l->lines >= 2 * (size_t)l->retention)
        compact(l);
}

struct evlog *evlog_close(struct evlog *l)
{
    if (!l)
        return NULL;
    if (l->fd >= 0)
        close(l->fd);
    free(l->path);
    free(l);
    return NULL;
}
