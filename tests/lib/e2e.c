#include "e2e.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *e2e_top(void)
{
    const char *t = getenv("INBOXD_TOP");
    return t ? t : ".";
}

const char *e2e_build(void)
{
    static char buf[512];
    const char *b = getenv("BUILD");
    snprintf(buf, sizeof buf, "%s/%s", e2e_top(), b ? b : "build");
    return buf;
}

const char *e2e_plugin(const char *name, int test_plugin)
{
    static char buf[4][600];
    static int i;
    char *p = buf[i++ % 4];
    snprintf(p, 600, "%s/%s%s.so", e2e_build(), test_plugin ? "tests/plugins/" : "plugins/",
             name);
    char *r = realpath(p, NULL);
    if (r) {
        snprintf(p, 600, "%s", r);
        free(r);
    }
    return p;
}

void e2e_init(struct e2e *e, const char *plugins_json, const char *extra_json)
{
    FILE *f;
    memset(e, 0, sizeof *e);
    snprintf(e->dir, sizeof e->dir, "/tmp/inboxd-e2e-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(e->dir));
    snprintf(e->inbox, sizeof e->inbox, "%s/inbox", e->dir);
    snprintf(e->state, sizeof e->state, "%s/state", e->dir);
    snprintf(e->sock, sizeof e->sock, "%s/inboxd.sock", e->dir);
    snprintf(e->config, sizeof e->config, "%s/inboxd.json", e->dir);
    snprintf(e->log, sizeof e->log, "%s/daemon.log", e->dir);
    mkdir(e->inbox, 0770);
    f = fopen(e->config, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "{\"inbox\":\"%s\",\"state_dir\":\"%s\",\"socket\":\"%s\",\"plugins\":%s%s%s}\n",
            e->inbox, e->state, e->sock, plugins_json, extra_json && *extra_json ? "," : "",
            extra_json ? extra_json : "");
    fclose(f);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

void e2e_spawn(struct e2e *e)
{
    char prog[600];
    int valgrind = getenv("VALGRIND") && strcmp(getenv("VALGRIND"), "1") == 0;
    snprintf(prog, sizeof prog, "%s/inboxd", e2e_build());
    e->pid = fork();
    ck_assert_int_ge(e->pid, 0);
    if (e->pid == 0) {
        int fd = open(e->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 2);
            close(fd);
        }
        if (valgrind)
            execlp("valgrind", "valgrind", "--quiet", "--error-exitcode=99",
                   "--leak-check=full", "--show-leak-kinds=definite,indirect,possible",
                   "--errors-for-leak-kinds=definite,indirect,possible", prog, "--config",
                   e->config, "--log-level", "info", (char *)NULL);
        else
            execl(prog, prog, "--config", e->config, "--log-level", "info", (char *)NULL);
        _exit(127);
    }
}

void e2e_start(struct e2e *e)
{
    int valgrind = getenv("VALGRIND") && strcmp(getenv("VALGRIND"), "1") == 0;
    e2e_spawn(e);
    /* Ready when the socket answers a ping. */
    for (int i = 0; i < (valgrind ? 3000 : 1000); i++) {
        int status;
        if (waitpid(e->pid, &status, WNOHANG) == e->pid) {
            e->pid = 0;
            ck_abort_msg("inboxd exited at start-up (status %d); see %s", status, e->log);
        }
        int fd = e2e_connect(e);
        if (fd >= 0) {
            e2e_send(fd, "{\"op\":\"ping\"}");
            json_t *r;
            while ((r = e2e_read(fd, 2000))) {
                int ok = json_object_get(r, "reply") != NULL;
                json_decref(r);
                if (ok) {
                    close(fd);
                    return;
                }
            }
            close(fd);
        }
        sleep_ms(10);
    }
    ck_abort_msg("inboxd did not open its socket %s", e->sock);
}

/* The end of the daemon's log on stderr, when it did not stop cleanly:
 * the failing test's output says why. */
static void dump_log(struct e2e *e, int rc)
{
    char buf[4096];
    FILE *f = fopen(e->log, "r");
    long size;
    size_t n;
    fprintf(stderr, "e2e: the daemon exited with %d; the end of %s:\n", rc, e->log);
    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, size > (long)sizeof buf ? size - (long)sizeof buf : 0, SEEK_SET);
    n = fread(buf, 1, sizeof buf, f);
    fwrite(buf, 1, n, stderr);
    fclose(f);
}

int e2e_stop(struct e2e *e)
{
    int status = 0;
    if (e->pid <= 0)
        return -1;
    kill(e->pid, SIGTERM);
    for (int i = 0; i < 6000; i++) {
        if (waitpid(e->pid, &status, WNOHANG) == e->pid) {
            int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            e->pid = 0;
            if (rc != 0)
                dump_log(e, rc);
            return rc;
        }
        sleep_ms(10);
    }
    kill(e->pid, SIGKILL);
    waitpid(e->pid, &status, 0);
    e->pid = 0;
    return -1;
}

void e2e_kill(struct e2e *e)
{
    int status;
    if (e->pid <= 0)
        return;
    kill(e->pid, SIGKILL);
    waitpid(e->pid, &status, 0);
    e->pid = 0;
}

int e2e_run(char **out, const char *prog, ...)
{
    char *argv[64];
    int n = 0, pipefd[2], status;
    va_list ap;
    pid_t pid;
    va_start(ap, prog);
    argv[n++] = (char *)prog;
    while (n < 63 && (argv[n] = va_arg(ap, char *)))
        n++;
    argv[n] = NULL;
    va_end(ap);
    ck_assert_int_eq(pipe(pipefd), 0);
    pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 1);
        dup2(pipefd[1], 2);
        close(pipefd[0]);
        close(pipefd[1]);
        execv(prog, argv);
        _exit(127);
    }
    close(pipefd[1]);
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    ssize_t r;
    while ((r = read(pipefd[0], buf + len, cap - len - 1)) > 0) {
        len += (size_t)r;
        if (cap - len < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    buf[len] = '\0';
    close(pipefd[0]);
    waitpid(pid, &status, 0);
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

void e2e_cleanup(struct e2e *e)
{
    if (e->pid > 0)
        e2e_kill(e);
    if (e->dir[0] && !getenv("E2E_KEEP"))
        nftw(e->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void lbuf_reset(int fd);

int e2e_connect(struct e2e *e)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (strlen(e->sock) >= sizeof sa.sun_path) {
        close(fd);
        return -1;
    }
    memcpy(sa.sun_path, e->sock, strlen(e->sock) + 1);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    lbuf_reset(fd); /* the number may have been used by a closed socket */
    return fd;
}

void e2e_send(int fd, const char *line)
{
    size_t len = strlen(line);
    ck_assert_int_eq(write(fd, line, len), (ssize_t)len);
    ck_assert_int_eq(write(fd, "\n", 1), 1);
}

/* Per-fd line buffers (tests use few fds). */
struct lbuf {
    int fd;
    char *buf;
    size_t len, cap;
};
static struct lbuf bufs[64];

static struct lbuf *lbuf_for(int fd)
{
    for (int i = 0; i < 64; i++)
        if (bufs[i].buf && bufs[i].fd == fd)
            return &bufs[i];
    for (int i = 0; i < 64; i++)
        if (!bufs[i].buf) {
            bufs[i].fd = fd;
            bufs[i].cap = 1 << 16;
            bufs[i].buf = malloc(bufs[i].cap);
            bufs[i].len = 0;
            return &bufs[i];
        }
    return NULL;
}

static void lbuf_reset(int fd)
{
    struct lbuf *b = lbuf_for(fd);
    if (b)
        b->len = 0;
}

json_t *e2e_read(int fd, int timeout_ms)
{
    struct lbuf *b = lbuf_for(fd);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        char *nl = b->len ? memchr(b->buf, '\n', b->len) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - b->buf);
            json_t *o = json_loadb(b->buf, n, 0, NULL);
            memmove(b->buf, nl + 1, b->len - n - 1);
            b->len -= n + 1;
            if (o)
                return o;
            continue;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long el = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
        if (el >= timeout_ms)
            return NULL;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)(timeout_ms - el)) <= 0)
            return NULL;
        if (b->cap - b->len < 65536) {
            b->cap *= 2;
            b->buf = realloc(b->buf, b->cap);
        }
        ssize_t r = read(fd, b->buf + b->len, b->cap - b->len);
        if (r <= 0)
            return NULL;
        b->len += (size_t)r;
    }
}

json_t *e2e_wait_event(int fd, const char *event, int timeout_ms)
{
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long el = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
        if (el >= timeout_ms)
            return NULL;
        json_t *o = e2e_read(fd, (int)(timeout_ms - el));
        if (!o)
            return NULL;
        const char *ev = json_string_value(json_object_get(o, "event"));
        if (ev && fnmatch(event, ev, 0) == 0)
            return o;
        json_decref(o);
    }
}

void e2e_subscribe(int fd, const char *globs)
{
    char req[1024] = "{\"op\":\"subscribe\",\"events\":[";
    char copy[512];
    snprintf(copy, sizeof copy, "%s", globs);
    int first = 1;
    for (char *t = strtok(copy, ","); t; t = strtok(NULL, ",")) {
        snprintf(req + strlen(req), sizeof req - strlen(req), "%s\"%s\"", first ? "" : ",", t);
        first = 0;
    }
    strcat(req, "]}");
    e2e_send(fd, req);
    for (;;) {
        json_t *o = e2e_read(fd, 5000);
        ck_assert_msg(o != NULL, "no subscribe reply");
        const char *r = json_string_value(json_object_get(o, "reply"));
        int done = r && strcmp(r, "subscribe") == 0;
        json_decref(o);
        if (done)
            return;
    }
}

json_t *e2e_status(struct e2e *e)
{
    int fd = e2e_connect(e);
    ck_assert_int_ge(fd, 0);
    e2e_send(fd, "{\"op\":\"status\"}");
    for (;;) {
        json_t *o = e2e_read(fd, 5000);
        ck_assert_msg(o != NULL, "no status reply");
        const char *r = json_string_value(json_object_get(o, "reply"));
        if (r && strcmp(r, "status") == 0) {
            close(fd);
            return o;
        }
        json_decref(o);
    }
}

void e2e_drop(struct e2e *e, const char *name, const void *data, size_t len, int by_rename)
{
    char path[4096], tmp[4096];
    int fd;
    snprintf(path, sizeof path, "%s/%s", e->inbox, name);
    snprintf(tmp, sizeof tmp, "%s/.%.200s.part", e->inbox, name);
    fd = open(by_rename ? tmp : path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
    if (by_rename)
        ck_assert_int_eq(rename(tmp, path), 0);
}

char *e2e_fixture(const char *name, size_t *len)
{
    char path[1024];
    FILE *f;
    long n;
    char *buf;
    snprintf(path, sizeof path, "%s/tests/fixtures/%s", e2e_top(), name);
    f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "fixture %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

void e2e_drop_fixture(struct e2e *e, const char *fixture, const char *name, int by_rename)
{
    size_t len;
    char *b = e2e_fixture(fixture, &len);
    e2e_drop(e, name, b, len, by_rename);
    free(b);
}

static int count_dir(const char *path, int recurse)
{
    DIR *d = opendir(path);
    struct dirent *de;
    int n = 0;
    if (!d)
        return 0;
    while ((de = readdir(d))) {
        char p[4096];
        struct stat st;
        if (de->d_name[0] == '.' || strcmp(de->d_name, "claims.log") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", path, de->d_name);
        if (lstat(p, &st) < 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (recurse)
                n += count_dir(p, 1);
        } else
            n++;
    }
    closedir(d);
    return n;
}

int e2e_count(struct e2e *e, const char *sub)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", strcmp(sub, "inbox") == 0 ? e->dir : e->state, sub);
    return count_dir(p, 1);
}

long e2e_proc_kb(pid_t pid, const char *field)
{
    char p[64], line[256];
    size_t n = strlen(field);
    long v = -1;
    FILE *f;
    snprintf(p, sizeof p, "/proc/%d/status", (int)pid);
    if (!(f = fopen(p, "r")))
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0)
            v = strtol(line + n, NULL, 10);
    fclose(f);
    return v;
}

int e2e_run_suite(void *suite)
{
    SRunner *sr = srunner_create(suite);
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
