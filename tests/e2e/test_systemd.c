/* The daemon under a service manager, without one: sd_notify messages
 * (READY, STATUS, WATCHDOG, RELOADING, STOPPING) on a notification socket
 * the test owns, socket activation (LISTEN_FDS/LISTEN_PID, and the real
 * systemd-socket-activate), and logging to stderr or to the journal. */
#include "../lib/e2e.h"
#include "../lib/notify.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static char plugins_buf[2048];
/* test_parse, then extra (a plugin object text) or test_extract. */
static const char *plugins(const char *extra)
{
    if (extra)
        snprintf(plugins_buf, sizeof plugins_buf, "[{\"name\":\"test_parse\",\"path\":\"%s\"},%s]",
                 e2e_plugin("test_parse", 1), extra);
    else
        snprintf(plugins_buf, sizeof plugins_buf,
                 "[{\"name\":\"test_parse\",\"path\":\"%s\"},{\"name\":\"test_extract\","
                 "\"path\":\"%s\"}]",
                 e2e_plugin("test_parse", 1), e2e_plugin("test_extract", 1));
    return plugins_buf;
}

static char slow_buf[1024];
static const char *slow_plugin(int ms)
{
    snprintf(slow_buf, sizeof slow_buf,
             "{\"name\":\"test_slow\",\"path\":\"%s\",\"config\":{\"match\":\"SLOW\","
             "\"sleep_ms\":%d}}",
             e2e_plugin("test_slow", 1), ms);
    return slow_buf;
}

/* Starts the daemon of e with NOTIFY_SOCKET=n and the extra env, and
 * waits for READY=1; returns the index of that message. */
static int start_notified(struct e2e *e, struct notify *n, const char *const *extra_env)
{
    char ns[400];
    const char *env[16];
    int k = 0;
    snprintf(ns, sizeof ns, "NOTIFY_SOCKET=%s", n->path);
    env[k++] = ns;
    for (int i = 0; extra_env && extra_env[i] && k < 15; i++)
        env[k++] = extra_env[i];
    env[k] = NULL;
    struct launch l = {.config = e->config, .env = env, .listen_fd = -1, .stderr_fd = -1};
    notify_launch(e, &l);
    int r = notify_wait(n, "READY=1", 20000);
    if (r < 0) {
        char *log = notify_slurp(e->log);
        ck_abort_msg("no READY=1 within 20 s; daemon log:\n%s", log ? log : "(none)");
    }
    return r;
}

/* Every message came from the main process (NotifyAccess=main). */
static void assert_all_from(const struct notify *n, pid_t pid)
{
    for (size_t i = 0; i < n->n; i++)
        ck_assert_msg(n->msgs[i].pid == pid, "message %zu (%s) from pid %d, daemon is %d", i,
                      n->msgs[i].text, (int)n->msgs[i].pid, (int)pid);
}

/* Drains the socket for ms milliseconds. */
static void collect(struct notify *n, int ms)
{
    int64_t end = notify_now_ms() + ms;
    for (;;) {
        int64_t left = end - notify_now_ms();
        if (left <= 0)
            return;
        notify_recv(n, (int)left);
    }
}

static int count_line(const struct notify *n, size_t from, const char *line)
{
    int c = 0;
    for (size_t i = from; i < n->n; i++)
        c += notify_has_line(n->msgs[i].text, line);
    return c;
}

/* STATUS= with the live counters: "N indexed, N failed, N in flight, N queued". */
static void parse_status(const char *msg, long *indexed, long *failed, long *inflight,
                         long *queued)
{
    char v[300];
    ck_assert_ptr_nonnull(notify_value(msg, "STATUS=", v, sizeof v));
    ck_assert_msg(sscanf(v, "%ld indexed, %ld failed, %ld in flight, %ld queued", indexed,
                         failed, inflight, queued) == 4,
                  "STATUS line not as documented: %s", v);
}

START_TEST(ready_status_stopping)
{
    struct e2e e;
    struct notify n;
    long idx, fl, inf, q;
    e2e_init(&e, plugins(NULL), "\"max_inflight\":4");
    notify_open(&n, e.dir);
    /* Files waiting before the start are found by the rescan before READY. */
    e2e_drop_fixture(&e, "000_a330e98d170c7b72.txt", "a.txt", 0);
    e2e_drop_fixture(&e, "001_9dbad9a477df04d3.txt", "b.txt", 0);
    int ready = start_notified(&e, &n, NULL);
    /* READY=1 only once the socket listens: a connection succeeds at once. */
    int fd = e2e_connect(&e);
    ck_assert_msg(fd >= 0, "READY=1 sent before the socket listens");
    close(fd);
    json_t *st = e2e_status(&e);
    ck_assert_int_eq(json_integer_value(json_object_get(st, "plugins_loaded")), 2);
    json_decref(st);
    /* The STATUS sent with READY already counts the two rescanned files. */
    int s0 = notify_find(&n, (size_t)ready, "STATUS=");
    if (s0 < 0)
        s0 = notify_wait(&n, "STATUS=", 3000);
    ck_assert_int_ge(s0, 0);
    parse_status(n.msgs[s0].text, &idx, &fl, &inf, &q);
    ck_assert_msg(idx + fl + inf + q == 2, "first STATUS does not count the 2 waiting files: %s",
                  n.msgs[s0].text);
    /* Live counters follow the work. */
    int64_t end = notify_now_ms() + 10000;
    idx = 0;
    while (idx != 2 && notify_now_ms() < end) {
        int i = notify_wait(&n, "STATUS=", (int)(end - notify_now_ms()));
        if (i < 0)
            break;
        parse_status(n.msgs[i].text, &idx, &fl, &inf, &q);
    }
    ck_assert_int_eq(idx, 2);
    ck_assert_int_eq(fl, 0);
    ck_assert_int_eq(inf, 0);
    /* No watchdog configured: no pings. */
    ck_assert_int_eq(count_line(&n, 0, "WATCHDOG=1"), 0);
    /* SIGTERM: STOPPING=1, then a clean exit. */
    size_t before = n.n;
    kill(e.pid, SIGTERM);
    int stopping = notify_wait(&n, "STOPPING=1", 10000);
    ck_assert_msg(stopping >= 0, "no STOPPING=1");
    pid_t pid = e.pid;
    ck_assert_int_eq(notify_wait_exit(&e, 10000), 0);
    collect(&n, 100);
    ck_assert_int_eq(notify_find(&n, before, "READY=1"), -1);
    ck_assert_int_eq(count_line(&n, 0, "READY=1"), 1);
    assert_all_from(&n, pid);
    notify_close(&n);
    e2e_cleanup(&e);
}
END_TEST

START_TEST(watchdog_pings_at_half_interval)
{
    struct e2e e;
    struct notify n;
    static const char *const env[] = {"WATCHDOG_USEC=1000000", "WATCHDOG_PID=$PID", NULL};
    e2e_init(&e, plugins(NULL), "");
    notify_open(&n, e.dir);
    int ready = start_notified(&e, &n, env);
    int64_t t0 = n.msgs[ready].at_ms;
    collect(&n, 3200);
    int pings = 0;
    int64_t last = t0, maxgap = 0;
    for (size_t i = (size_t)ready; i < n.n; i++) {
        if (!notify_has_line(n.msgs[i].text, "WATCHDOG=1"))
            continue;
        pings++;
        if (n.msgs[i].at_ms - last > maxgap)
            maxgap = n.msgs[i].at_ms - last;
        last = n.msgs[i].at_ms;
    }
    /* Every 500 ms: 6 in 3.2 s (a slow machine may lose one). */
    ck_assert_msg(pings >= 5 && pings <= 9, "%d WATCHDOG=1 pings in 3.2 s", pings);
    ck_assert_msg(maxgap < 850, "a gap of %lld ms between pings (WATCHDOG_USEC is 1 s)",
                  (long long)maxgap);
    pid_t pid = e.pid;
    ck_assert_int_eq(e2e_stop(&e), 0);
    assert_all_from(&n, pid);
    notify_close(&n);
    e2e_cleanup(&e);
}
END_TEST

START_TEST(watchdog_for_another_pid_is_ignored)
{
    struct e2e e;
    struct notify n;
    /* WATCHDOG_PID names another process (as after a fork): not ours. */
    static const char *const env[] = {"WATCHDOG_USEC=1000000", "WATCHDOG_PID=1", NULL};
    e2e_init(&e, plugins(NULL), "");
    notify_open(&n, e.dir);
    start_notified(&e, &n, env);
    collect(&n, 2000);
    ck_assert_int_eq(count_line(&n, 0, "WATCHDOG=1"), 0);
    ck_assert_int_eq(e2e_stop(&e), 0);
    notify_close(&n);
    e2e_cleanup(&e);
}
END_TEST

START_TEST(watchdog_stops_while_a_stage_hangs)
{
    struct e2e e;
    struct notify n;
    static const char *const env[] = {"WATCHDOG_USEC=1000000", "WATCHDOG_PID=$PID", NULL};
    e2e_init(&e, plugins(slow_plugin(5000)), "\"stage_timeout\":1");
    notify_open(&n, e.dir);
    start_notified(&e, &n, env);
    int sub = e2e_connect(&e);
    e2e_subscribe(sub, "document.*");
    collect(&n, 1200);
    size_t mark = n.n;
    ck_assert_int_ge(count_line(&n, 0, "WATCHDOG=1"), 2);
    int64_t t_drop = notify_now_ms();
    e2e_drop(&e, "slow.txt", "SLOW report\nit hangs in test_slow\n", 34, 0);
    /* Halfway through the hang the daemon says why in its status. */
    collect(&n, 3000);
    json_t *st = e2e_status(&e);
    ck_assert_str_eq(json_string_value(json_object_get(st, "state")), "stuck");
    json_decref(st);
    json_t *done = e2e_wait_event(sub, "document.done", 10000);
    ck_assert_ptr_nonnull(done);
    json_decref(done);
    int64_t t_done = notify_now_ms();
    collect(&n, 1500);
    /* Pings went on until the stage passed stage_timeout (1 s), stopped
     * while it hung, and came back once it finished. */
    int64_t prev = t_drop, gap = 0, gap_start = 0;
    int after_done = 0, before_timeout = 0;
    for (size_t i = mark; i < n.n; i++) {
        if (!notify_has_line(n.msgs[i].text, "WATCHDOG=1"))
            continue;
        int64_t t = n.msgs[i].at_ms;
        if (t - prev > gap) {
            gap = t - prev;
            gap_start = prev;
        }
        if (t <= t_drop + 900)
            before_timeout++;
        if (t > t_done)
            after_done++;
        prev = t;
    }
    ck_assert_msg(before_timeout >= 1, "pings stopped before stage_timeout passed");
    ck_assert_msg(gap >= 3000, "pings did not stop while test_slow hung (longest gap %lld ms)",
                  (long long)gap);
    ck_assert_msg(gap_start >= t_drop + 400 && gap_start <= t_drop + 2000,
                  "pings stopped %lld ms after the drop, stage_timeout is 1 s",
                  (long long)(gap_start - t_drop));
    ck_assert_msg(after_done >= 2, "pings did not resume after the stage finished (%d)",
                  after_done);
    /* The status line says why, and the log names the plugin. */
    int stuck = -1;
    for (size_t i = mark; i < n.n && stuck < 0; i++) {
        char v[300];
        if (notify_value(n.msgs[i].text, "STATUS=", v, sizeof v) && strstr(v, "stage_timeout"))
            stuck = (int)i;
    }
    ck_assert_msg(stuck >= 0, "no STATUS= line told that the pipeline is stuck");
    char *log = notify_slurp(e.log);
    ck_assert_ptr_nonnull(log);
    ck_assert_msg(strstr(log, "test_slow") && strstr(log, "stage_timeout") &&
                      strstr(log, "watchdog"),
                  "the log does not say why the pings stopped:\n%s", log);
    free(log);
    close(sub);
    ck_assert_int_eq(e2e_stop(&e), 0);
    notify_close(&n);
    e2e_cleanup(&e);
}
END_TEST

START_TEST(reload_reloading_then_ready)
{
    struct e2e e;
    struct notify n;
    e2e_init(&e, plugins(slow_plugin(1500)), "");
    notify_open(&n, e.dir);
    int ready = start_notified(&e, &n, NULL);
    int sub = e2e_connect(&e);
    e2e_subscribe(sub, "document.*");
    /* A document in flight: the reload waits for it. */
    e2e_drop(&e, "slow.txt", "SLOW while reloading\n", 21, 0);
    json_t *o = e2e_wait_event(sub, "document.received", 5000);
    ck_assert_ptr_nonnull(o);
    json_decref(o);
    kill(e.pid, SIGHUP);
    int rl = notify_wait(&n, "RELOADING=1", 5000);
    ck_assert_int_ge(rl, 0);
    int rd = notify_wait(&n, "READY=1", 10000);
    ck_assert_int_gt(rd, rl);
    ck_assert_int_gt(rd, ready);
    /* READY=1 came after the document finished (the reload drains). */
    o = e2e_wait_event(sub, "document.done", 1);
    if (!o) {
        /* The event may have been read already; the status says it. */
        json_t *st = e2e_status(&e);
        ck_assert_int_eq(json_integer_value(json_object_get(st, "done")), 1);
        json_decref(st);
    } else
        json_decref(o);
    ck_assert_msg(n.msgs[rd].at_ms - n.msgs[rl].at_ms >= 500,
                  "READY=1 %lld ms after RELOADING=1: the reload did not wait for the "
                  "document in flight",
                  (long long)(n.msgs[rd].at_ms - n.msgs[rl].at_ms));
    /* A broken configuration: RELOADING=1, READY=1 again (the old one runs). */
    FILE *f = fopen(e.config, "w");
    fputs("{\"plugins\": 7}", f);
    fclose(f);
    kill(e.pid, SIGHUP);
    rl = notify_wait(&n, "RELOADING=1", 5000);
    ck_assert_int_gt(rl, rd);
    ck_assert_int_gt(notify_wait(&n, "READY=1", 5000), rl);
    close(sub);
    ck_assert_int_eq(e2e_stop(&e), 0);
    notify_close(&n);
    e2e_cleanup(&e);
}
END_TEST

/* --- socket activation ---------------------------------------------------- */

static int ping(int fd)
{
    e2e_send(fd, "{\"op\":\"ping\"}");
    json_t *o = e2e_read(fd, 5000);
    int ok = o && json_object_get(o, "reply");
    json_decref(o);
    return ok;
}

START_TEST(socket_activation_adopts_fd3)
{
    struct e2e e;
    struct notify n;
    char apath[290], ns[400];
    struct stat st;
    e2e_init(&e, plugins(NULL), "");
    notify_open(&n, e.dir);
    snprintf(apath, sizeof apath, "%s/activated.sock", e.dir);
    int lfd = notify_listen_stream(apath);
    /* A client connects before the daemon runs: its connection waits in
     * the backlog, as with systemd, and must be served. */
    struct e2e early = e;
    snprintf(early.sock, sizeof early.sock, "%s", apath);
    int cfd = e2e_connect(&early);
    ck_assert_int_ge(cfd, 0);
    snprintf(ns, sizeof ns, "NOTIFY_SOCKET=%s", n.path);
    const char *env[] = {ns, "LISTEN_FDS=1", "LISTEN_PID=$PID", "LISTEN_FDNAMES=events", NULL};
    struct launch l = {.config = e.config, .env = env, .listen_fd = lfd, .stderr_fd = -1};
    notify_launch(&e, &l);
    close(lfd);
    ck_assert_int_ge(notify_wait(&n, "READY=1", 20000), 0);
    ck_assert_msg(ping(cfd), "the connection made before the start was not served");
    close(cfd);
    /* It did not bind the configured path itself. */
    ck_assert_int_eq(lstat(e.sock, &st), -1);
    json_t *s = e2e_status(&early);
    ck_assert_str_eq(json_string_value(json_object_get(s, "state")), "running");
    json_decref(s);
    ck_assert_int_eq(e2e_stop(&e), 0);
    /* The socket belongs to the service manager: not removed. */
    ck_assert_int_eq(lstat(apath, &st), 0);
    ck_assert(S_ISSOCK(st.st_mode));
    notify_close(&n);
    e2e_cleanup(&e);
}
END_TEST

START_TEST(socket_activation_for_another_pid_binds_itself)
{
    struct e2e e;
    char apath[290];
    e2e_init(&e, plugins(NULL), "");
    snprintf(apath, sizeof apath, "%s/activated.sock", e.dir);
    int lfd = notify_listen_stream(apath);
    const char *env[] = {"LISTEN_FDS=1", "LISTEN_PID=1", NULL};
    struct launch l = {.config = e.config, .env = env, .listen_fd = lfd, .stderr_fd = -1};
    notify_launch(&e, &l);
    /* Falls back to binding the configured socket. */
    int fd = -1;
    for (int i = 0; i < 500 && fd < 0; i++) {
        fd = e2e_connect(&e);
        if (fd < 0)
            notify_sleep_ms(20);
    }
    ck_assert_int_ge(fd, 0);
    ck_assert(ping(fd));
    close(fd);
    /* The passed socket was not adopted: no one accepts on it. */
    struct e2e other = e;
    snprintf(other.sock, sizeof other.sock, "%s", apath);
    int cfd = e2e_connect(&other);
    ck_assert_int_ge(cfd, 0);
    e2e_send(cfd, "{\"op\":\"ping\"}");
    json_t *o = e2e_read(cfd, 500);
    ck_assert_ptr_null(o);
    close(cfd);
    close(lfd);
    ck_assert_int_eq(e2e_stop(&e), 0);
    e2e_cleanup(&e);
}
END_TEST

START_TEST(socket_activation_rejects_a_non_socket)
{
    struct e2e e;
    char path[400];
    e2e_init(&e, plugins(NULL), "");
    snprintf(path, sizeof path, "%s/not-a-socket", e.dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    ck_assert_int_ge(fd, 0);
    const char *env[] = {"LISTEN_FDS=1", "LISTEN_PID=$PID", NULL};
    struct launch l = {.config = e.config, .env = env, .listen_fd = fd, .stderr_fd = -1};
    notify_launch(&e, &l);
    close(fd);
    int rc = notify_wait_exit(&e, 10000);
    ck_assert_int_eq(rc, 1);
    char *log = notify_slurp(e.log);
    ck_assert_ptr_nonnull(log);
    ck_assert_msg(strstr(log, "<3>") && strstr(log, "fd 3") && strstr(log, "socket"),
                  "no clear error for a non-socket fd 3:\n%s", log);
    free(log);
    e2e_cleanup(&e);
}
END_TEST

/* The real tool: systemd-socket-activate listens, starts the daemon on the
 * first connection, passes the socket as fd 3 (same pid: it execs). */
START_TEST(systemd_socket_activate_tool)
{
    struct e2e e;
    struct notify n;
    char apath[290], lopt[420], ns[420];
    const char *tool = "/usr/bin/systemd-socket-activate";
    ck_assert_msg(access(tool, X_OK) == 0,
                  "%s is missing: install the systemd package (scripts/deps.sh)", tool);
    e2e_init(&e, plugins(NULL), "");
    notify_open(&n, e.dir);
    snprintf(apath, sizeof apath, "%s/activated.sock", e.dir);
    snprintf(lopt, sizeof lopt, "--listen=%s", apath);
    snprintf(ns, sizeof ns, "--setenv=NOTIFY_SOCKET=%s", n.path);
    const char *san[] = {"--setenv=ASAN_OPTIONS", "--setenv=UBSAN_OPTIONS", NULL};
    const char *prefix[] = {tool, lopt, ns, getenv("ASAN_OPTIONS") ? san[0] : "--setenv=X=",
                            getenv("UBSAN_OPTIONS") ? san[1] : "--setenv=Y=", NULL};
    struct launch l = {.config = e.config, .listen_fd = -1, .stderr_fd = -1,
                       .argv_prefix = prefix};
    notify_launch(&e, &l);
    struct stat st;
    for (int i = 0; i < 500 && lstat(apath, &st) < 0; i++)
        notify_sleep_ms(10);
    ck_assert_msg(lstat(apath, &st) == 0, "systemd-socket-activate did not listen");
    /* Nothing runs before the first connection. */
    ck_assert_int_eq(notify_recv(&n, 300), -1);
    struct e2e act = e;
    snprintf(act.sock, sizeof act.sock, "%s", apath);
    int cfd = e2e_connect(&act);
    ck_assert_int_ge(cfd, 0);
    int r = notify_wait(&n, "READY=1", 20000);
    ck_assert_msg(r >= 0, "no READY=1 from the activated daemon");
    ck_assert_int_eq(n.msgs[r].pid, e.pid);
    ck_assert(ping(cfd));
    close(cfd);
    ck_assert_int_eq(lstat(e.sock, &st), -1);
    ck_assert_int_eq(e2e_stop(&e), 0);
    notify_close(&n);
    e2e_cleanup(&e);
}
END_TEST

/* --- logging ----------------------------------------------------------------- */

static const char *fail_plugin(void)
{
    static char b[600];
    snprintf(b, sizeof b, "{\"name\":\"test_fail\",\"path\":\"%s\"}", e2e_plugin("test_fail", 1));
    return b;
}

START_TEST(stderr_lines_have_priority_prefixes)
{
    struct e2e e;
    e2e_init(&e, plugins(fail_plugin()), "");
    /* JOURNAL_STREAM for another stream: stderr it is. */
    const char *env[] = {"JOURNAL_STREAM=1:1", NULL};
    struct launch l = {.config = e.config, .env = env, .listen_fd = -1, .stderr_fd = -1};
    notify_launch(&e, &l);
    int fd = -1;
    for (int i = 0; i < 500 && fd < 0; i++) {
        fd = e2e_connect(&e);
        if (fd < 0)
            notify_sleep_ms(20);
    }
    ck_assert_int_ge(fd, 0);
    e2e_subscribe(fd, "document.failed");
    e2e_drop(&e, "bad.txt", "refused\n", 8, 0);
    json_t *o = e2e_wait_event(fd, "document.failed", 10000);
    ck_assert_ptr_nonnull(o);
    json_decref(o);
    close(fd);
    ck_assert_int_eq(e2e_stop(&e), 0);
    char *log = notify_slurp(e.log);
    ck_assert_ptr_nonnull(log);
    regex_t re;
    ck_assert_int_eq(regcomp(&re, "^<[0-7]>inboxd: ", REG_EXTENDED | REG_NOSUB), 0);
    int lines = 0, warn_doc = 0, ready = 0;
    for (char *s = strtok(log, "\n"); s; s = strtok(NULL, "\n")) {
        if (strncmp(s, "==", 2) == 0) /* sanitizer or valgrind chatter */
            continue;
        lines++;
        ck_assert_msg(regexec(&re, s, 0, NULL, 0) == 0, "no priority prefix: %s", s);
        if (strncmp(s, "<4>", 3) == 0 && strstr(s, "test_fail") && strstr(s, "bad.txt"))
            warn_doc = 1;
        if (strncmp(s, "<5>", 3) == 0 && strstr(s, "ready"))
            ready = 1;
    }
    regfree(&re);
    ck_assert_int_ge(lines, 3);
    ck_assert_msg(warn_doc, "the failed document was not logged at <4>");
    ck_assert_msg(ready, "no <5> ready line");
    free(log);
    e2e_cleanup(&e);
}
END_TEST

/* A private /run with our own /run/systemd/journal/socket: the journal's
 * native protocol, as journald receives it.  Needs a mount namespace.
 * mode 0: no socket; 1: a socket the test reads (its fd is returned); 2: a
 * dead socket (bound, then closed: sending to it is refused). */
static int private_journal(int mode)
{
    if (unshare(CLONE_NEWNS) < 0) {
        fprintf(stderr, "journal test: unshare(CLONE_NEWNS): %s\n", strerror(errno));
        return -1;
    }
    ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
    ck_assert_int_eq(mount("tmpfs", "/run", "tmpfs", 0, "mode=0755"), 0);
    ck_assert_int_eq(mkdir("/run/systemd", 0755), 0);
    ck_assert_int_eq(mkdir("/run/systemd/journal", 0755), 0);
    if (mode == 0)
        return -2;
    struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = "/run/systemd/journal/socket"};
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int big = 8 << 20;
    ck_assert_int_ge(fd, 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    if (mode == 2) {
        close(fd);
        return -2;
    }
    return fd;
}

/* Starts the daemon with stderr on its log file and JOURNAL_STREAM naming
 * that file, as systemd does for a service whose output goes to journald. */
static void start_with_journal_stream(struct e2e *e)
{
    struct stat st;
    char js[100];
    int errfd = open(e->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    ck_assert_int_ge(errfd, 0);
    ck_assert_int_eq(fstat(errfd, &st), 0);
    snprintf(js, sizeof js, "JOURNAL_STREAM=%lu:%lu", (unsigned long)st.st_dev,
             (unsigned long)st.st_ino);
    const char *env[] = {js, NULL};
    struct launch l = {.config = e->config, .env = env, .listen_fd = -1, .stderr_fd = errfd};
    notify_launch(e, &l);
    close(errfd);
    int fd = -1;
    for (int i = 0; i < 500 && fd < 0; i++) {
        fd = e2e_connect(e);
        if (fd < 0)
            notify_sleep_ms(20);
    }
    ck_assert_msg(fd >= 0, "the daemon did not start");
    close(fd);
}

static char *fail_one(struct e2e *e)
{
    int fd = e2e_connect(e);
    ck_assert_int_ge(fd, 0);
    e2e_subscribe(fd, "document.failed");
    e2e_drop(e, "bad.txt", "refused\n", 8, 0);
    json_t *o = e2e_wait_event(fd, "document.failed", 10000);
    ck_assert_ptr_nonnull(o);
    char *id = strdup(json_string_value(json_object_get(json_object_get(o, "doc"), "id")));
    json_decref(o);
    close(fd);
    return id;
}

START_TEST(journal_structured_fields)
{
    struct e2e e;
    int jfd = private_journal(1);
    if (jfd == -1) {
        fprintf(stderr, "skipped: no mount namespace (run as root)\n");
        return;
    }
    e2e_init(&e, plugins(fail_plugin()), "");
    start_with_journal_stream(&e);
    char *id = fail_one(&e);
    ck_assert_int_eq(e2e_stop(&e), 0);
    /* Read every datagram the daemon sent. */
    int got_doc = 0, got_ready = 0, n = 0;
    char buf[65536], v[512];
    ssize_t r;
    while ((r = recv(jfd, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
        n++;
        ck_assert_int_ge(journal_field(buf, (size_t)r, "MESSAGE", v, sizeof v), 1);
        ck_assert_int_eq(journal_field(buf, (size_t)r, "SYSLOG_IDENTIFIER", v, sizeof v), 6);
        ck_assert_str_eq(v, "inboxd");
        ck_assert_int_eq(journal_field(buf, (size_t)r, "PRIORITY", v, sizeof v), 1);
        ck_assert(v[0] >= '0' && v[0] <= '7');
        if (journal_field(buf, (size_t)r, "DOC_ID", v, sizeof v) >= 0) {
            /* Set only when there is a document, never empty. */
            ck_assert_int_eq(strlen(v), 64);
            ck_assert_str_eq(v, id);
            ck_assert_int_eq(journal_field(buf, (size_t)r, "PLUGIN", v, sizeof v), 9);
            ck_assert_str_eq(v, "test_fail");
            ck_assert_int_eq(journal_field(buf, (size_t)r, "STAGE", v, sizeof v), 7);
            ck_assert_str_eq(v, "extract");
            journal_field(buf, (size_t)r, "PRIORITY", v, sizeof v);
            ck_assert_str_eq(v, "4");
            journal_field(buf, (size_t)r, "MESSAGE", v, sizeof v);
            ck_assert_msg(strstr(v, "bad.txt") && strstr(v, "refused"), "%s", v);
            got_doc++;
        } else {
            ck_assert_int_eq(journal_field(buf, (size_t)r, "PLUGIN", v, sizeof v), -1);
            ck_assert_int_eq(journal_field(buf, (size_t)r, "STAGE", v, sizeof v), -1);
            journal_field(buf, (size_t)r, "MESSAGE", v, sizeof v);
            if (strncmp(v, "ready:", 6) == 0) {
                journal_field(buf, (size_t)r, "PRIORITY", v, sizeof v);
                ck_assert_str_eq(v, "5");
                got_ready = 1;
            }
        }
    }
    ck_assert_int_ge(n, 3);
    ck_assert_int_eq(got_doc, 1);
    ck_assert(got_ready);
    /* Nothing went to stderr meanwhile. */
    char *log = notify_slurp(e.log);
    ck_assert_msg(!log || !strstr(log, "inboxd: "), "lines on stderr under journald:\n%s", log);
    free(log);
    free(id);
    close(jfd);
    e2e_cleanup(&e);
}
END_TEST

START_TEST(journal_unreachable_falls_back_to_stderr)
{
    struct e2e e;
    /* _i: loop test index, 0 no socket, 1 a socket that refuses. */
    if (private_journal(_i == 0 ? 0 : 2) == -1) {
        fprintf(stderr, "skipped: no mount namespace (run as root)\n");
        return;
    }
    e2e_init(&e, plugins(fail_plugin()), "");
    start_with_journal_stream(&e);
    char *id = fail_one(&e);
    ck_assert_int_eq(e2e_stop(&e), 0);
    char *log = notify_slurp(e.log);
    ck_assert_ptr_nonnull(log);
    ck_assert_msg(strstr(log, "<5>inboxd: ready") && strstr(log, "<4>inboxd: test_fail"),
                  "messages lost when the journal socket is gone:\n%s", log);
    free(log);
    free(id);
    e2e_cleanup(&e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("systemd");
    TCase *tc = tcase_create("notify");
    int valgrind = getenv("VALGRIND") != NULL;
    tcase_set_timeout(tc, valgrind ? 600 : 60);
    tcase_add_test(tc, ready_status_stopping);
    tcase_add_test(tc, watchdog_pings_at_half_interval);
    tcase_add_test(tc, watchdog_for_another_pid_is_ignored);
    tcase_add_test(tc, watchdog_stops_while_a_stage_hangs);
    tcase_add_test(tc, reload_reloading_then_ready);
    suite_add_tcase(s, tc);
    TCase *ta = tcase_create("activation");
    tcase_set_timeout(ta, valgrind ? 600 : 60);
    tcase_add_test(ta, socket_activation_adopts_fd3);
    tcase_add_test(ta, socket_activation_for_another_pid_binds_itself);
    tcase_add_test(ta, socket_activation_rejects_a_non_socket);
    tcase_add_test(ta, systemd_socket_activate_tool);
    suite_add_tcase(s, ta);
    TCase *tl = tcase_create("logging");
    tcase_set_timeout(tl, valgrind ? 600 : 60);
    tcase_add_test(tl, stderr_lines_have_priority_prefixes);
    tcase_add_test(tl, journal_structured_fields);
    tcase_add_loop_test(tl, journal_unreachable_falls_back_to_stderr, 0, 2);
    suite_add_tcase(s, tl);
    return e2e_run_suite(s);
}
