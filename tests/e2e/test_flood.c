/* Floods (issue 7, item 2), end to end with the real build/inboxd and the
 * test plugins:
 *   - files arriving faster than they are processed, with the inotify
 *     queue overflowing (a simulated small kernel queue) and rescans:
 *     every document is processed once, memory stays bounded;
 *   - 200 simultaneous subscribers, some of which never read: the
 *     healthy ones miss no event (seq without a gap), the stuck ones are
 *     cut off at client_buffer with an overflow notice, memory stays
 *     bounded;
 *   - a client sending 100 MB without a newline is cut off at max_line;
 *   - 10,000 connect/disconnect cycles leak neither memory nor fds;
 *   - subscribing with "since" while events flow gives each event once, in
 *     order: the replay, then live.
 * Short sizes in make check; INBOXD_LONG=1 runs 50,000 files and 20,000
 * documents to the subscribers.  The figures are printed (stderr). */
#include "../lib/e2e.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char plugins_buf[2048];
static const char *plugins(void)
{
    snprintf(plugins_buf, sizeof plugins_buf,
             "[{\"name\":\"test_parse\",\"path\":\"%s\"},{\"name\":\"test_extract\",\"path\":\"%s\"}]",
             e2e_plugin("test_parse", 1), e2e_plugin("test_extract", 1));
    return plugins_buf;
}

static int is_long(void) { return getenv("INBOXD_LONG") != NULL; }

/* RSS means nothing under ASan or valgrind (they keep freed memory). */
static int rss_meaningful(void)
{
    return !(getenv("SAN") && strcmp(getenv("SAN"), "1") == 0) && !getenv("VALGRIND");
}

static int count_fds(pid_t pid)
{
    char p[64];
    int n = 0;
    snprintf(p, sizeof p, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(p);
    struct dirent *e;
    if (!d)
        return -1;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static json_t *status_of(struct e2e *e)
{
    return e2e_status(e);
}

static long st_int(json_t *st, const char *k)
{
    return (long)json_integer_value(json_object_get(st, k));
}

/* Waits until the daemon has no document in flight or queued and no
 * rescan due; returns the last status. */
static json_t *wait_idle(struct e2e *e, int timeout_ms)
{
    int64_t until = now_ms() + timeout_ms;
    for (;;) {
        json_t *st = status_of(e);
        if (!st_int(st, "in_flight") && !st_int(st, "queue") &&
            !json_is_true(json_object_get(st, "rescan_due")) && e2e_count(e, "inbox") == 0)
            return st;
        ck_assert_msg(now_ms() < until, "not idle after %d ms: %ld in flight, %ld queued",
                      timeout_ms, st_int(st, "in_flight"), st_int(st, "queue"));
        json_decref(st);
        usleep(50000);
    }
}

/* --- files faster than they are processed ------------------------------------ */

START_TEST(file_flood_with_overflows)
{
    struct e2e e;
    int n = is_long() ? 50000 : 5000;
    /* A small simulated kernel queue: most events are lost, rescans find
     * the files.  pending_cap bounds the names remembered. */
    e2e_init(&e, plugins(), "\"pending_cap\":1024,\"max_inflight\":4");
    setenv("INBOXD_TEST_INOTIFY_QUEUE", "64", 1);
    e2e_start(&e);
    unsetenv("INBOXD_TEST_INOTIFY_QUEUE");
    long rss0 = e2e_proc_kb(e.pid, "VmRSS:");
    int64_t t0 = now_ms();
    /* Two writers at once, by close-write and by rename. */
    pid_t w[2];
    for (int k = 0; k < 2; k++) {
        w[k] = fork();
        if (w[k] == 0) {
            for (int i = k; i < n; i += 2) {
                char name[64], body[160];
                int len = snprintf(body, sizeof body, "flood report %d of %d, year %d\n", i, n,
                                   1900 + i % 200);
                snprintf(name, sizeof name, "f%06d.txt", i);
                e2e_drop(&e, name, body, (size_t)len, k);
            }
            _exit(0);
        }
    }
    long peak = 0;
    for (int k = 0; k < 2; k++) {
        int st;
        while (waitpid(w[k], &st, WNOHANG) == 0) {
            long v = e2e_proc_kb(e.pid, "VmRSS:");
            if (v > peak)
                peak = v;
            usleep(20000);
        }
        ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    int64_t written = now_ms() - t0;
    json_t *st = wait_idle(&e, is_long() ? 900000 : 180000);
    int64_t total = now_ms() - t0;
    long hwm = e2e_proc_kb(e.pid, "VmHWM:");
    fprintf(stderr,
            "file_flood: %d files written in %lld ms, all processed in %lld ms; %ld inotify "
            "overflows; RSS %ld kB before, peak %ld kB (VmHWM %ld kB)\n",
            n, (long long)written, (long long)total, st_int(st, "inbox_overflows"), rss0, peak,
            hwm);
    ck_assert_int_eq(st_int(st, "done"), n);
    ck_assert_int_eq(st_int(st, "duplicates"), 0);
    ck_assert_int_eq(st_int(st, "failed"), 0);
    ck_assert_int_gt(st_int(st, "inbox_overflows"), 0);
    ck_assert_int_eq(e2e_count(&e, "archive"), n);
    ck_assert_int_eq(e2e_count(&e, "work"), 0);
    /* Memory bound: pending_cap names and max_inflight documents, not n. */
    if (rss_meaningful())
        ck_assert_msg(hwm - rss0 < 32 * 1024, "RSS grew by %ld kB for %d files", hwm - rss0, n);
    json_decref(st);
    ck_assert_int_eq(e2e_stop(&e), 0);
    e2e_cleanup(&e);
}
END_TEST

/* --- many subscribers, some stuck ------------------------------------------------ */

struct sub {
    int fd;
    int stuck;      /* never reads */
    char *buf;
    size_t len, cap;
    long first, last; /* seq */
    int done, gaps, closed, overflow_notice;
};

static int sock_connect(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    snprintf(sa.sun_path, sizeof sa.sun_path, "%.100s", path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One event line, read without a JSON parser so that 180 readers keep
 * up: the daemon writes "event" then "seq" first. */
static void sub_line(struct sub *s, const char *line, size_t len)
{
    const char *ev = memmem(line, len, "\"event\":\"", 9);
    const char *sq = memmem(line, len, "\"seq\":", 6);
    long seq = sq ? strtol(sq + 6, NULL, 10) : 0;
    if (!ev)
        return;
    ev += 9;
    if (strncmp(ev, "overflow\"", 9) == 0)
        s->overflow_notice = 1;
    else if (seq) {
        if (s->last && seq != s->last + 1)
            s->gaps++;
        if (!s->first)
            s->first = seq;
        s->last = seq;
        if (strncmp(ev, "document.done\"", 14) == 0)
            s->done++;
    }
}

static void sub_read(struct sub *s)
{
    if (s->cap - s->len < 65536) {
        s->cap = s->cap ? s->cap * 2 : 131072;
        s->buf = realloc(s->buf, s->cap);
    }
    ssize_t r = read(s->fd, s->buf + s->len, s->cap - s->len);
    if (r <= 0) {
        s->closed = 1;
        return;
    }
    s->len += (size_t)r;
    size_t used = 0;
    for (;;) {
        char *nl = memchr(s->buf + used, '\n', s->len - used);
        if (!nl)
            break;
        sub_line(s, s->buf + used, (size_t)(nl - (s->buf + used)));
        used = (size_t)(nl - s->buf) + 1;
    }
    memmove(s->buf, s->buf + used, s->len - used);
    s->len -= used;
}

START_TEST(many_subscribers_some_stuck)
{
    struct e2e e;
    const int nsubs = 200, nstuck = 20;
    int n = is_long() ? 20000 : 1000;
    struct sub *subs = calloc(nsubs, sizeof *subs);
    struct pollfd *pf = calloc(nsubs, sizeof *pf);
    e2e_init(&e, plugins(), "\"client_buffer\":1048576,\"max_clients\":512");
    e2e_start(&e);
    for (int i = 0; i < nsubs; i++) {
        subs[i].fd = sock_connect(e.sock);
        ck_assert_int_ge(subs[i].fd, 0);
        subs[i].stuck = i % (nsubs / nstuck) == 0;
        if (subs[i].stuck) {
            int sz = 4096;
            setsockopt(subs[i].fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
        }
        const char *req = "{\"op\":\"subscribe\"}\n";
        ck_assert_int_eq(write(subs[i].fd, req, strlen(req)), (ssize_t)strlen(req));
    }
    json_t *st = status_of(&e);
    ck_assert_int_eq(st_int(st, "clients"), nsubs + 1); /* and the status one */
    json_decref(st);
    long rss0 = e2e_proc_kb(e.pid, "VmRSS:");
    int64_t t_sub = now_ms();
    pid_t w = fork();
    if (w == 0) {
        /* 400 documents a second: about 1,600 events a second to each of
         * 200 clients. */
        int64_t start = now_ms();
        for (int i = 0; i < n; i++) {
            char name[64], body[600];
            int64_t due = start + (int64_t)i * 1000 / 400;
            if (due > now_ms())
                usleep((useconds_t)(due - now_ms()) * 1000);
            int len = snprintf(body, sizeof body,
                               "subscriber flood %d: a report with a few years, 1999, 2004, "
                               "2011, 2020, and some more words to make the events longer.\n",
                               i);
            snprintf(name, sizeof name, "s%06d.txt", i);
            e2e_drop(&e, name, body, (size_t)len, i % 2);
        }
        _exit(0);
    }
    /* Read every healthy subscriber until each has seen n done events. */
    int64_t until = now_ms() + (is_long() ? 900000 : 180000);
    long peak = 0;
    for (;;) {
        int healthy_done = 0, np = 0;
        for (int i = 0; i < nsubs; i++) {
            if (subs[i].stuck)
                continue;
            if (subs[i].done >= n || subs[i].closed) {
                healthy_done++;
                continue;
            }
            pf[np].fd = subs[i].fd;
            pf[np].events = POLLIN;
            np++;
        }
        if (healthy_done == nsubs - nstuck)
            break;
        ck_assert_msg(now_ms() < until, "healthy subscribers starved");
        int r = poll(pf, (nfds_t)np, 1000);
        for (int k = 0; r > 0 && k < np; k++)
            if (pf[k].revents)
                for (int i = 0; i < nsubs; i++)
                    if (subs[i].fd == pf[k].fd)
                        sub_read(&subs[i]);
        long v = e2e_proc_kb(e.pid, "VmRSS:");
        if (v > peak)
            peak = v;
    }
    waitpid(w, NULL, 0);
    int64_t read_ms = now_ms() - t_sub;
    st = status_of(&e);
    long hwm = e2e_proc_kb(e.pid, "VmHWM:");
    /* Every healthy one saw every event of the run without a gap. */
    for (int i = 0; i < nsubs; i++) {
        if (subs[i].stuck)
            continue;
        ck_assert_msg(!subs[i].closed, "healthy subscriber %d was cut off", i);
        ck_assert_int_eq(subs[i].gaps, 0);
        ck_assert_int_eq(subs[i].done, n);
    }
    /* The stuck ones were cut off: an overflow each, and they are gone. */
    ck_assert_int_eq(st_int(st, "client_overflows"), nstuck);
    ck_assert_int_eq(st_int(st, "done"), n);
    /* What the stuck ones hold is a gapless start of the stream; the
     * daemon has closed them (after the grace it gives them to read up to
     * the overflow notice). */
    for (int i = 0; i < nsubs; i++) {
        if (!subs[i].stuck)
            continue;
        while (!subs[i].closed) {
            struct pollfd p1 = {.fd = subs[i].fd, .events = POLLIN};
            ck_assert_msg(poll(&p1, 1, 15000) > 0, "stuck subscriber %d never closed", i);
            sub_read(&subs[i]);
        }
        ck_assert_int_eq(subs[i].gaps, 0);
        ck_assert_int_lt(subs[i].done, n);
    }
    json_decref(st);
    st = status_of(&e);
    ck_assert_int_eq(st_int(st, "clients"), nsubs - nstuck + 1);
    fprintf(stderr,
            "subscribers: %d (%d stuck), %d documents, %ld events each in %lld ms; RSS %ld kB "
            "before, peak %ld kB, VmHWM %ld kB\n",
            nsubs, nstuck, n, subs[1].last - subs[1].first + 1, (long long)read_ms, rss0, peak,
            hwm);
    /* Memory bound: at most client_buffer (1 MiB here) of unsent events
     * per client -- shared between clients, plus a write request per
     * event and client -- whatever the stuck ones missed. */
    if (rss_meaningful())
        ck_assert_msg(hwm - rss0 < 128 * 1024, "RSS grew by %ld kB", hwm - rss0);
    json_decref(st);
    for (int i = 0; i < nsubs; i++) {
        close(subs[i].fd);
        free(subs[i].buf);
    }
    free(subs);
    free(pf);
    ck_assert_int_eq(e2e_stop(&e), 0);
    e2e_cleanup(&e);
}
END_TEST

/* --- 100 MB without a newline --------------------------------------------------- */

START_TEST(hundred_megabytes_without_newline)
{
    struct e2e e;
    e2e_init(&e, plugins(), "");
    e2e_start(&e);
    int watcher = e2e_connect(&e);
    e2e_subscribe(watcher, "document.*");
    long rss0 = e2e_proc_kb(e.pid, "VmRSS:");
    int fd = sock_connect(e.sock);
    ck_assert_int_ge(fd, 0);
    signal(SIGPIPE, SIG_IGN);
    size_t chunk = 1 << 20, sent = 0;
    char *junk = malloc(chunk);
    memset(junk, 'x', chunk);
    memcpy(junk, "{\"op\":\"ping\",\"pad\":\"", 20);
    int64_t t0 = now_ms();
    while (sent < (size_t)100 << 20) {
        ssize_t r = write(fd, junk, chunk);
        if (r < 0) {
            ck_assert_msg(errno == EPIPE || errno == ECONNRESET, "write: %s", strerror(errno));
            break;
        }
        sent += (size_t)r;
    }
    /* It was cut off long before 100 MB, with an error naming the limit. */
    ck_assert_uint_lt(sent, (size_t)100 << 20);
    char buf[4096];
    ssize_t got = read(fd, buf, sizeof buf - 1);
    if (got > 0) {
        buf[got] = '\0';
        ck_assert_ptr_nonnull(strstr(buf, "longer than"));
    }
    close(fd);
    free(junk);
    /* The daemon goes on: a document dropped now is processed and seen. */
    e2e_drop(&e, "after.txt", "after the flood 2024\n", 21, 0);
    json_t *o = e2e_wait_event(watcher, "document.done", 10000);
    ck_assert_ptr_nonnull(o);
    json_decref(o);
    long hwm = e2e_proc_kb(e.pid, "VmHWM:");
    fprintf(stderr, "no newline: cut off after %zu bytes sent in %lld ms; RSS %ld kB, VmHWM %ld kB\n",
            sent, (long long)(now_ms() - t0), rss0, hwm);
    if (rss_meaningful())
        ck_assert_msg(hwm - rss0 < 8 * 1024, "RSS grew by %ld kB", hwm - rss0);
    close(watcher);
    ck_assert_int_eq(e2e_stop(&e), 0);
    e2e_cleanup(&e);
}
END_TEST

/* --- connect/disconnect cycles ------------------------------------------------ */

START_TEST(connect_disconnect_cycles)
{
    struct e2e e;
    const int cycles = 10000;
    e2e_init(&e, plugins(), "");
    e2e_start(&e);
    int watcher = e2e_connect(&e);
    e2e_subscribe(watcher, "document.*");
    /* Warm up so that the baseline includes what a connection allocates once. */
    for (int i = 0; i < 100; i++)
        close(sock_connect(e.sock));
    usleep(200000);
    long rss0 = e2e_proc_kb(e.pid, "VmRSS:");
    int fds0 = count_fds(e.pid);
    int64_t t0 = now_ms();
    for (int i = 0; i < cycles; i++) {
        int fd = sock_connect(e.sock);
        ck_assert_msg(fd >= 0, "connect %d failed: %s", i, strerror(errno));
        switch (i % 4) {
        case 0: break; /* connect, close */
        case 1: {      /* a request, close before the reply */
            const char *r = "{\"op\":\"ping\"}\n";
            ck_assert_int_eq(write(fd, r, strlen(r)), (ssize_t)strlen(r));
            break;
        }
        case 2: {      /* subscribe, close */
            const char *r = "{\"op\":\"subscribe\",\"since\":0}\n";
            ck_assert_int_eq(write(fd, r, strlen(r)), (ssize_t)strlen(r));
            break;
        }
        default: {     /* half a request, close */
            const char *r = "{\"op\":\"sta";
            ck_assert_int_eq(write(fd, r, strlen(r)), (ssize_t)strlen(r));
        }
        }
        close(fd);
        if (i == cycles / 2)
            e2e_drop(&e, "midway.txt", "in the middle 2021\n", 19, 0);
    }
    int64_t ms = now_ms() - t0;
    json_t *o = e2e_wait_event(watcher, "document.done", 10000);
    ck_assert_ptr_nonnull(o);
    json_decref(o);
    /* Every connection is gone: clients back to the watcher alone. */
    json_t *st = NULL;
    for (int i = 0; i < 100; i++) {
        st = status_of(&e);
        if (st_int(st, "clients") <= 2)
            break;
        json_decref(st);
        st = NULL;
        usleep(50000);
    }
    ck_assert_ptr_nonnull(st);
    ck_assert_int_le(st_int(st, "clients"), 2); /* the watcher and the status one */
    json_decref(st);
    usleep(200000);
    long rss1 = e2e_proc_kb(e.pid, "VmRSS:");
    int fds1 = count_fds(e.pid);
    fprintf(stderr, "connect/disconnect: %d cycles in %lld ms; fds %d -> %d; RSS %ld -> %ld kB\n",
            cycles, (long long)ms, fds0, fds1, rss0, rss1);
    ck_assert_int_le(fds1, fds0);
    if (rss_meaningful())
        ck_assert_msg(rss1 - rss0 < 4 * 1024, "RSS grew by %ld kB", rss1 - rss0);
    close(watcher);
    ck_assert_int_eq(e2e_stop(&e), 0);
    e2e_cleanup(&e);
}
END_TEST

/* --- subscribing with "since" while events flow ---------------------------- */

/* Replay, then live, each event once and in order: a client that connects
 * and subscribes with since 0 while documents are being processed sees
 * 1, 2, 3, ... without a gap or a repeat. */
START_TEST(subscribe_since_while_busy)
{
    struct e2e e;
    int rounds = is_long() ? 200 : 40;
    e2e_init(&e, plugins(), "");
    e2e_start(&e);
    pid_t w = fork();
    if (w == 0) {
        for (int i = 0; i < rounds * 10; i++) {
            char name[64], body[64];
            int len = snprintf(body, sizeof body, "busy %d 2020\n", i);
            snprintf(name, sizeof name, "b%05d.txt", i);
            e2e_drop(&e, name, body, (size_t)len, i % 2);
            usleep(1000);
        }
        _exit(0);
    }
    for (int r = 0; r < rounds; r++) {
        struct sub s = {0};
        s.fd = sock_connect(e.sock);
        ck_assert_int_ge(s.fd, 0);
        const char *req = "{\"op\":\"subscribe\",\"since\":0}\n";
        ck_assert_int_eq(write(s.fd, req, strlen(req)), (ssize_t)strlen(req));
        int64_t until = now_ms() + 150;
        while (now_ms() < until && !s.closed) {
            struct pollfd p1 = {.fd = s.fd, .events = POLLIN};
            if (poll(&p1, 1, 50) > 0)
                sub_read(&s);
        }
        ck_assert_msg(s.first == 1, "round %d: replay began at seq %ld", r, s.first);
        ck_assert_msg(s.gaps == 0, "round %d: %d gaps or repeats (last %ld)", r, s.gaps, s.last);
        close(s.fd);
        free(s.buf);
    }
    waitpid(w, NULL, 0);
    ck_assert_int_eq(e2e_stop(&e), 0);
    e2e_cleanup(&e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("flood");
    TCase *tc = tcase_create("e2e");
    int valgrind = getenv("VALGRIND") != NULL;
    tcase_set_timeout(tc, is_long() ? 1800 : valgrind ? 900 : 300);
    tcase_add_test(tc, file_flood_with_overflows);
    tcase_add_test(tc, many_subscribers_some_stuck);
    tcase_add_test(tc, hundred_megabytes_without_newline);
    tcase_add_test(tc, connect_disconnect_cycles);
    tcase_add_test(tc, subscribe_since_while_busy);
    suite_add_tcase(s, tc);
    return e2e_run_suite(s);
}
