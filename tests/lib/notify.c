#include "notify.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int64_t notify_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void notify_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

void notify_open(struct notify *n, const char *dir)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int one = 1;
    memset(n, 0, sizeof *n);
    snprintf(n->path, sizeof n->path, "%s/notify.sock", dir);
    ck_assert_msg(strlen(n->path) < sizeof sa.sun_path, "path too long: %s", n->path);
    memcpy(sa.sun_path, n->path, strlen(n->path) + 1);
    n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(n->fd, 0);
    ck_assert_int_eq(setsockopt(n->fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one), 0);
    unlink(n->path);
    ck_assert_msg(bind(n->fd, (struct sockaddr *)&sa, sizeof sa) == 0, "bind %s: %s", n->path,
                  strerror(errno));
}

void notify_close(struct notify *n)
{
    if (n->fd > 0)
        close(n->fd);
    n->fd = -1;
    if (n->path[0])
        unlink(n->path);
    for (size_t i = 0; i < n->n; i++)
        free(n->msgs[i].text);
    n->n = 0;
}

int notify_recv(struct notify *n, int timeout_ms)
{
    char buf[8192];
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 8)];
    } ctl;
    struct iovec iov = {buf, sizeof buf - 1};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl,
                        .msg_controllen = sizeof ctl};
    struct pollfd p = {.fd = n->fd, .events = POLLIN};
    ssize_t r;
    pid_t pid = 0;
    if (n->n >= NOTIFY_MAX_MSGS)
        return -1;
    if (poll(&p, 1, timeout_ms) <= 0)
        return -1;
    r = recvmsg(n->fd, &mh, MSG_CMSG_CLOEXEC);
    if (r < 0)
        return -1;
    buf[r] = '\0';
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            struct ucred uc;
            memcpy(&uc, CMSG_DATA(c), sizeof uc);
            pid = uc.pid;
        } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int fds[8];
            size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            memcpy(fds, CMSG_DATA(c), k * sizeof(int));
            for (size_t i = 0; i < k && i < 8; i++)
                close(fds[i]);
        }
    }
    n->msgs[n->n].text = strdup(buf);
    n->msgs[n->n].pid = pid;
    n->msgs[n->n].at_ms = notify_now_ms();
    ck_assert_ptr_nonnull(n->msgs[n->n].text);
    return (int)n->n++;
}

int notify_has_line(const char *msg, const char *line)
{
    size_t ll = strlen(line);
    int prefix = ll > 0 && line[ll - 1] == '=';
    for (const char *p = msg; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (prefix ? (len >= ll && memcmp(p, line, ll) == 0)
                   : (len == ll && memcmp(p, line, ll) == 0))
            return 1;
        p = nl ? nl + 1 : NULL;
    }
    return 0;
}

int notify_find(const struct notify *n, size_t from, const char *line)
{
    for (size_t i = from; i < n->n; i++)
        if (notify_has_line(n->msgs[i].text, line))
            return (int)i;
    return -1;
}

int notify_wait(struct notify *n, const char *line, int timeout_ms)
{
    int64_t end = notify_now_ms() + timeout_ms;
    for (;;) {
        int64_t left = end - notify_now_ms();
        if (left < 0)
            return -1;
        int i = notify_recv(n, (int)left);
        if (i < 0)
            return -1;
        if (notify_has_line(n->msgs[i].text, line))
            return i;
    }
}

const char *notify_value(const char *msg, const char *key, char *out, size_t outlen)
{
    size_t kl = strlen(key);
    for (const char *p = msg; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len >= kl && memcmp(p, key, kl) == 0) {
            if (out && outlen) {
                size_t vl = len - kl < outlen - 1 ? len - kl : outlen - 1;
                memcpy(out, p + kl, vl);
                out[vl] = '\0';
            }
            return p + kl;
        }
        p = nl ? nl + 1 : NULL;
    }
    return NULL;
}

static void child_setenv(const char *kv)
{
    char buf[4096];
    char *eq;
    snprintf(buf, sizeof buf, "%s", kv);
    eq = strchr(buf, '=');
    if (!eq)
        return;
    *eq = '\0';
    if (strcmp(eq + 1, "$PID") == 0) {
        char pid[32];
        snprintf(pid, sizeof pid, "%d", (int)getpid());
        setenv(buf, pid, 1);
    } else
        setenv(buf, eq + 1, 1);
}

void notify_launch(struct e2e *e, const struct launch *l)
{
    char prog[600];
    static const char *cleared[] = {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID",
                                    "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES",
                                    "JOURNAL_STREAM", NULL};
    if (l->prog)
        snprintf(prog, sizeof prog, "%s", l->prog);
    else
        snprintf(prog, sizeof prog, "%s/inboxd", e2e_build());
    e->pid = fork();
    ck_assert_int_ge(e->pid, 0);
    if (e->pid > 0)
        return;
    /* The child. */
    char *argv[64];
    int n = 0;
    int errfd = l->stderr_fd;
    if (errfd < 0)
        errfd = open(e->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (errfd >= 0 && errfd != 2) {
        dup2(errfd, 2);
    }
    if (l->listen_fd >= 0) {
        if (l->listen_fd != 3) {
            if (dup2(l->listen_fd, 3) < 0)
                _exit(126);
        } else {
            int fl = fcntl(3, F_GETFD);
            fcntl(3, F_SETFD, fl & ~FD_CLOEXEC);
        }
    }
    for (int i = 0; cleared[i]; i++)
        unsetenv(cleared[i]);
    for (int i = 0; l->unset && l->unset[i]; i++)
        unsetenv(l->unset[i]);
    for (int i = 0; l->env && l->env[i]; i++)
        child_setenv(l->env[i]);
    for (int i = 0; l->argv_prefix && l->argv_prefix[i] && n < 40; i++)
        argv[n++] = (char *)l->argv_prefix[i];
    argv[n++] = prog;
    if (l->config) {
        argv[n++] = "--config";
        argv[n++] = (char *)l->config;
        argv[n++] = "--log-level";
        argv[n++] = "info";
    }
    argv[n] = NULL;
    execvp(argv[0], argv);
    _exit(127);
}

int notify_wait_exit(struct e2e *e, int timeout_ms)
{
    int64_t end = notify_now_ms() + timeout_ms;
    int status;
    if (e->pid <= 0)
        return -1;
    do {
        if (waitpid(e->pid, &status, WNOHANG) == e->pid) {
            e->pid = 0;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        notify_sleep_ms(10);
    } while (notify_now_ms() < end);
    return -1;
}

int notify_listen_stream(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_msg(strlen(path) < sizeof sa.sun_path, "path too long: %s", path);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    unlink(path);
    ck_assert_msg(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0, "bind %s: %s", path,
                  strerror(errno));
    chmod(path, 0600);
    ck_assert_int_eq(listen(fd, 16), 0);
    return fd;
}

ssize_t journal_field(const char *dgram, size_t len, const char *key, char *out,
                      size_t outlen)
{
    size_t kl = strlen(key), i = 0;
    while (i < len) {
        const char *line = dgram + i;
        const char *nl = memchr(line, '\n', len - i);
        const char *eq;
        size_t ll, vstart, vlen;
        if (!nl)
            return -1;
        ll = (size_t)(nl - line);
        eq = memchr(line, '=', ll);
        if (eq) {
            vstart = (size_t)(eq - dgram) + 1;
            vlen = (size_t)(nl - eq - 1);
            i += ll + 1;
        } else {
            /* KEY\n, 64-bit LE length, value, \n */
            uint64_t l = 0;
            if (i + ll + 1 + 8 > len)
                return -1;
            for (int b = 7; b >= 0; b--)
                l = (l << 8) | (unsigned char)dgram[i + ll + 1 + (size_t)b];
            vstart = i + ll + 1 + 8;
            if (l > len - vstart || vstart + l >= len || dgram[vstart + l] != '\n')
                return -1;
            vlen = (size_t)l;
            i = vstart + vlen + 1;
        }
        size_t klen = eq ? (size_t)(eq - line) : ll;
        if (klen == kl && memcmp(line, key, kl) == 0) {
            if (out && outlen) {
                size_t c = vlen < outlen - 1 ? vlen : outlen - 1;
                memcpy(out, dgram + vstart, c);
                out[c] = '\0';
            }
            return (ssize_t)vlen;
        }
    }
    return -1;
}

char *notify_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    if (!f)
        return NULL;
    for (;;) {
        if (cap - len < 4096) {
            char *nb = realloc(buf, cap ? cap * 2 : 8192);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap = cap ? cap * 2 : 8192;
        }
        size_t r = fread(buf + len, 1, cap - len - 1, f);
        len += r;
        if (r == 0)
            break;
    }
    buf[len] = '\0';
    fclose(f);
    return buf;
}
