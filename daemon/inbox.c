#include "inbox.h"

#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define WATCH_MASK                                                             \
    (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | \
     IN_ONLYDIR)

int inbox_ignored(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || name[0] == '.')
        return 1;
    if (name[n - 1] == '~')
        return 1;
    if (n >= 5 && strcmp(name + n - 5, ".part") == 0)
        return 1;
    if (n >= 4 && strcmp(name + n - 4, ".tmp") == 0)
        return 1;
    return 0;
}

/* Filesystems where inotify does not see other machines' writes. */
static const char *remote_fs(long type)
{
    switch ((unsigned long)type) {
    case 0x6969: return "NFS";
    case 0x517B: return "SMB";
    case 0xFF534D42: return "CIFS";
    case 0xFE534D42: return "SMB2";
    case 0x65735546: return "FUSE";
    case 0x01021997: return "9P";
    case 0x00C36400: return "Ceph";
    case 0x47504653: return "GPFS";
    case 0x0BD00BD0: return "Lustre";
    case 0x5346414F: return "AFS";
    }
    return NULL;
}

static void rescan_now(struct inbox *ib);
static void rewatch(uv_timer_t *t);

static void on_readable(uv_poll_t *h, int status, int events)
{
    struct inbox *ib = h->data;
    char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
    int overflow = 0;
    unsigned taken = 0;
    (void)events;
    if (status < 0)
        return;
    for (;;) {
        ssize_t n = read(ib->fd, buf, sizeof buf);
        if (n <= 0)
            break;
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            p += sizeof *e + e->len;
            if (e->mask & IN_Q_OVERFLOW) {
                overflow = 1;
                continue;
            }
            if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
                if (ib->wd >= 0) {
                    inotify_rm_watch(ib->fd, ib->wd);
                    ib->wd = -1;
                    log_err("inbox %s was %s: watching for it to come back", ib->path,
                            e->mask & IN_DELETE_SELF ? "deleted" : "moved away");
                    if (ib->ops.lost)
                        ib->ops.lost(ib->ctx, 1);
                    uv_timer_start(&ib->rewatch_timer, rewatch, 1000, 1000);
                }
                continue;
            }
            if (e->mask & IN_IGNORED || !e->len || e->wd != ib->wd)
                continue;
            if (ib->test_queue_cap && ++taken > ib->test_queue_cap) {
                overflow = 1; /* the simulated queue is full: event lost */
                continue;
            }
            /* IN_CREATE matters only for what is never written: links,
             * FIFOs, devices, directories.  A regular file waits for its
             * close-write; the claim checks what it really is. */
            if ((e->mask & IN_CREATE) && !(e->mask & IN_ISDIR)) {
                struct stat st;
                char path[4352];
                snprintf(path, sizeof path, "%s/%s", ib->path, e->name);
                /* A hard link made into the inbox is never written
                 * either: the claim refuses it. */
                if (lstat(path, &st) < 0 || (S_ISREG(st.st_mode) && st.st_nlink < 2))
                    continue;
            }
            if (!inbox_ignored(e->name))
                ib->ops.file(ib->ctx, e->name, 0);
        }
    }
    if (overflow) {
        ib->overflows++;
        log_warn("inbox %s: inotify queue overflowed: rescanning", ib->path);
        if (ib->ops.overflow)
            ib->ops.overflow(ib->ctx);
    }
}

static void rewatch(uv_timer_t *t)
{
    struct inbox *ib = t->data;
    int wd = inotify_add_watch(ib->fd, ib->path, WATCH_MASK);
    if (wd < 0)
        return; /* try again at the next tick */
    ib->wd = wd;
    uv_timer_stop(t);
    log_notice("inbox %s is back: watching again", ib->path);
    if (ib->ops.lost)
        ib->ops.lost(ib->ctx, 0);
    rescan_now(ib);
}

static void rescan_now(struct inbox *ib)
{
    if (ib->ops.overflow)
        ib->ops.overflow(ib->ctx);
}

static void poll_tick(uv_timer_t *t)
{
    struct inbox *ib = t->data;
    if (ib->ops.poll)
        ib->ops.poll(ib->ctx);
}

int inbox_start(struct inbox *ib, uv_loop_t *loop, const char *path,
                double poll_interval, int force_poll, const struct inbox_ops *ops,
                void *ctx, char *err, size_t errlen)
{
    struct statfs sf;
    const char *hook = getenv("INBOXD_TEST_INOTIFY_QUEUE");
    int r;
    memset(ib, 0, sizeof *ib);
    ib->loop = loop;
    ib->ops = *ops;
    ib->ctx = ctx;
    ib->wd = -1;
    ib->path = strdup(path);
    if (hook)
        ib->test_queue_cap = (unsigned)strtoul(hook, NULL, 10);
    ib->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (ib->fd < 0) {
        r = -errno;
        snprintf(err, errlen, "inotify_init1: %s", strerror(errno));
        return r;
    }
    ib->wd = inotify_add_watch(ib->fd, path, WATCH_MASK);
    if (ib->wd < 0) {
        r = -errno;
        snprintf(err, errlen, "cannot watch inbox %s: %s%s", path, strerror(errno),
                 errno == ENOSPC ? " (fs.inotify.max_user_watches reached)" : "");
        close(ib->fd);
        ib->fd = -1;
        return r;
    }
    uv_poll_init(loop, &ib->poll, ib->fd);
    ib->poll.data = ib;
    ib->poll_open = 1;
    uv_poll_start(&ib->poll, UV_READABLE, on_readable);
    uv_timer_init(loop, &ib->poll_timer);
    uv_timer_init(loop, &ib->rewatch_timer);
    ib->poll_timer.data = ib->rewatch_timer.data = ib;
    ib->timers_open = 1;

    if (statfs(path, &sf) == 0 && (ib->fs_name = remote_fs(sf.f_type))) {
        ib->network_fs = 1;
        if (poll_interval <= 0)
            poll_interval = 5;
        log_warn("inbox %s is on %s: inotify misses files written by other "
                 "machines there, so the inbox is also polled every %gs",
                 path, ib->fs_name, poll_interval);
    } else if (!force_poll) {
        poll_interval = 0;
    } else if (poll_interval <= 0) {
        poll_interval = 5;
    }
    ib->poll_interval = poll_interval;
    if (poll_interval > 0) {
        uint64_t ms = (uint64_t)(poll_interval * 1000);
        uv_timer_start(&ib->poll_timer, poll_tick, ms ? ms : 1, ms ? ms : 1);
    }
    return 0;
}

long inbox_scan(struct inbox *ib, size_t max)
{
    DIR *d = opendir(ib->path);
    struct dirent *e;
    long found = 0;
    size_t given = 0;
    if (!d)
        return -errno;
    while ((e = readdir(d))) {
        if (inbox_ignored(e->d_name))
            continue;
        found++;
        if (given < max) {
            ib->ops.file(ib->ctx, e->d_name, 1);
            given++;
        }
    }
    closedir(d);
    return found;
}

static void noop_close(uv_handle_t *h) { (void)h; }

void inbox_stop(struct inbox *ib)
{
    if (ib->poll_open) {
        uv_poll_stop(&ib->poll);
        uv_close((uv_handle_t *)&ib->poll, noop_close);
        ib->poll_open = 0;
    }
    if (ib->timers_open) {
        uv_close((uv_handle_t *)&ib->poll_timer, noop_close);
        uv_close((uv_handle_t *)&ib->rewatch_timer, noop_close);
        ib->timers_open = 0;
    }
    if (ib->fd >= 0)
        close(ib->fd);
    ib->fd = -1;
    free(ib->path);
    ib->path = NULL;
}
