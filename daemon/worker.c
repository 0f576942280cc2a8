#include "worker.h"

#include "log.h"
#include "plugins.h"
#include "util.h"
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct wproc {
    pid_t pid; /* 0 when not running */
    int fd;
    int busy;
};

struct worker_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct wproc *procs;
    size_t n;
    char *argv[24]; /* owned strings */
    char *name;
    char exe[4096]; /* this program, resolved once (valgrind-safe) */
    int timeout_ms;
    unsigned long restarts;
};

/* Reads the worker's hello line: "OK\n" or "ERR message\n". */
static int read_hello(int fd, char *err, size_t errlen, int timeout_ms)
{
    char buf[1024];
    size_t n = 0;
    while (n < sizeof buf - 1) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, timeout_ms);
        if (r <= 0) {
            snprintf(err, errlen, "worker did not start within %d ms", timeout_ms);
            return -ETIMEDOUT;
        }
        ssize_t got = read(fd, buf + n, 1);
        if (got <= 0) {
            snprintf(err, errlen, "worker exited while starting");
            return -EPIPE;
        }
        if (buf[n] == '\n')
            break;
        n++;
    }
    buf[n] = '\0';
    if (strcmp(buf, "OK") == 0)
        return 0;
    snprintf(err, errlen, "%s", strncmp(buf, "ERR ", 4) == 0 ? buf + 4 : buf);
    return -EINVAL;
}

static int spawn_one(struct worker_pool *wp, struct wproc *w, char *err, size_t errlen)
{
    int sv[2], r;
    posix_spawn_file_actions_t fa;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        snprintf(err, errlen, "socketpair: %s", strerror(errno));
        return -errno;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 3);
    r = posix_spawn(&w->pid, wp->exe, &fa, NULL, wp->argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(sv[1]);
    if (r != 0) {
        close(sv[0]);
        w->pid = 0;
        snprintf(err, errlen, "cannot start a worker: %s", strerror(r));
        return -r;
    }
    w->fd = sv[0];
    r = read_hello(w->fd, err, errlen, 60000);
    if (r < 0) {
        kill(w->pid, SIGKILL);
        waitpid(w->pid, NULL, 0);
        close(w->fd);
        w->pid = 0;
        w->fd = -1;
    }
    return r;
}

static void reap(struct wproc *w, char *why, size_t len, const char *name)
{
    int status = 0;
    pid_t r = waitpid(w->pid, &status, 0);
    if (r == w->pid && WIFSIGNALED(status)) {
        const char *abbrev = sigabbrev_np(WTERMSIG(status));
        snprintf(why, len, "plugin %s crashed: SIG%s", name, abbrev ? abbrev : "?");
    } else if (r == w->pid && WIFEXITED(status)) {
        snprintf(why, len, "plugin %s worker exited with status %d", name,
                 WEXITSTATUS(status));
    } else {
        snprintf(why, len, "plugin %s worker vanished", name);
    }
    close(w->fd);
    w->fd = -1;
    w->pid = 0;
}

int worker_pool_create(struct worker_pool **out, const struct plugin_conf *pc,
                       const char *path, const struct config *cfg, size_t n, char *err,
                       size_t errlen)
{
    struct worker_pool *wp = calloc(1, sizeof *wp);
    char *cfgtext = json_dumps(pc->config ? pc->config : json_object(), JSON_COMPACT);
    char num[3][32];
    int a = 0, r = 0;
    *out = NULL;
    if (!wp || !cfgtext || !(wp->procs = calloc(n, sizeof *wp->procs))) {
        free(wp);
        free(cfgtext);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    pthread_mutex_init(&wp->mu, NULL);
    pthread_cond_init(&wp->cv, NULL);
    wp->n = n;
    wp->name = strdup(pc->name);
    {
        ssize_t len = readlink("/proc/self/exe", wp->exe, sizeof wp->exe - 1);
        wp->exe[len > 0 ? len : 0] = '\0';
    }
    wp->timeout_ms = (int)(cfg->stage_timeout * 1000);
    snprintf(num[0], sizeof num[0], "%zu", cfg->max_text_bytes);
    snprintf(num[1], sizeof num[1], "%zu", cfg->max_entities);
    snprintf(num[2], sizeof num[2], "%d", cfg->log_level);
    const char *args[] = {"inboxd", "--worker", "--plugin-name", pc->name, "--plugin-path",
                          path, "--plugin-config", cfgtext, "--config-dir",
                          cfg->config_dir, "--state-dir", cfg->state_dir,
                          "--max-text-bytes", num[0], "--max-entities", num[1],
                          "--log-level", num[2]};
    for (size_t i = 0; i < ARRAY_SIZE(args); i++)
        wp->argv[a++] = strdup(args[i]);
    wp->argv[a] = NULL;
    free(cfgtext);
    for (size_t i = 0; i < n; i++) {
        wp->procs[i].fd = -1;
        if ((r = spawn_one(wp, &wp->procs[i], err, errlen)) < 0)
            break;
    }
    if (r < 0) {
        char e2[512];
        snprintf(e2, sizeof e2, "%s", err);
        snprintf(err, errlen, "plugin %s (%s, isolated): %s", pc->name, path, e2);
        worker_pool_destroy(wp);
        return r;
    }
    *out = wp;
    return 0;
}

int worker_pool_process(struct worker_pool *wp, inboxd_doc *doc)
{
    struct wproc *w = NULL;
    char why[256], err[512];
    int status = INBOXD_FAILED, r;

    pthread_mutex_lock(&wp->mu);
    for (;;) {
        for (size_t i = 0; i < wp->n; i++)
            if (!wp->procs[i].busy) {
                w = &wp->procs[i];
                break;
            }
        if (w)
            break;
        pthread_cond_wait(&wp->cv, &wp->mu);
    }
    w->busy = 1;
    pthread_mutex_unlock(&wp->mu);

    if (!w->pid && spawn_one(wp, w, err, sizeof err) < 0) {
        doc_host()->doc_error(doc, "plugin %s: cannot restart its worker: %s", wp->name, err);
        status = INBOXD_RETRY;
        goto out;
    }
    r = wire_send_doc(w->fd, doc, 1, 0);
    if (r == 0)
        r = wire_recv_doc(w->fd, &doc, &status, wp->timeout_ms);
    if (r == -ETIMEDOUT) {
        kill(w->pid, SIGKILL);
        reap(w, why, sizeof why, wp->name);
        snprintf(why, sizeof why, "plugin %s timed out after %.1f s (stage_timeout): worker killed",
                 wp->name, wp->timeout_ms / 1000.0);
    } else if (r < 0) {
        /* EOF or garbage: the worker died (or is dying) under the document.
         * SIGKILL to a process that already died keeps its status. */
        kill(w->pid, SIGKILL);
        reap(w, why, sizeof why, wp->name);
    }
    if (r < 0) {
        __atomic_add_fetch(&wp->restarts, 1, __ATOMIC_RELAXED);
        log_doc(3, doc->id, wp->name, NULL, "%s; the worker is restarted", why);
        doc_host()->doc_error(doc, "%s", why);
        status = INBOXD_FAILED;
    }
out:
    pthread_mutex_lock(&wp->mu);
    w->busy = 0;
    pthread_cond_signal(&wp->cv);
    pthread_mutex_unlock(&wp->mu);
    return status;
}

unsigned long worker_pool_restarts(const struct worker_pool *wp)
{
    return wp ? __atomic_load_n(&wp->restarts, __ATOMIC_RELAXED) : 0;
}

struct worker_pool *worker_pool_destroy(struct worker_pool *wp)
{
    if (!wp)
        return NULL;
    for (size_t i = 0; i < wp->n; i++) {
        struct wproc *w = &wp->procs[i];
        if (!w->pid)
            continue;
        close(w->fd); /* EOF: the worker destroys its instance and exits */
        for (int t = 0; t < 500; t++) {
            if (waitpid(w->pid, NULL, WNOHANG) == w->pid) {
                w->pid = 0;
                break;
            }
            usleep(10000);
        }
        if (w->pid) {
            kill(w->pid, SIGKILL);
            waitpid(w->pid, NULL, 0);
        }
    }
    for (size_t i = 0; wp->argv[i]; i++)
        free(wp->argv[i]);
    free(wp->procs);
    free(wp->name);
    pthread_mutex_destroy(&wp->mu);
    pthread_cond_destroy(&wp->cv);
    free(wp);
    return NULL;
}

/* --- the worker process ------------------------------------------------- */

int worker_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"worker", no_argument, 0, 'w'},
        {"plugin-name", required_argument, 0, 'n'},
        {"plugin-path", required_argument, 0, 'p'},
        {"plugin-config", required_argument, 0, 'c'},
        {"config-dir", required_argument, 0, 'C'},
        {"state-dir", required_argument, 0, 's'},
        {"max-text-bytes", required_argument, 0, 't'},
        {"max-entities", required_argument, 0, 'e'},
        {"log-level", required_argument, 0, 'l'},
        {0, 0, 0, 0}};
    struct plugin_conf pc = {0};
    struct config cfg = {0};
    struct doc_limits lim = {64u << 20, 50000};
    struct plugin p;
    char err[1024], line[1100];
    const char *path = NULL;
    int c, fd = 3;

    /* The daemon decides when a worker ends: it closes the socket.  Signals
     * meant for the daemon (Ctrl-C to the process group, systemd's
     * SIGTERM to the cgroup) must not kill a document mid-way. */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    log_init();
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'w': break;
        case 'n': pc.name = optarg; break;
        case 'p': path = optarg; break;
        case 'c': pc.config = json_loads(optarg, 0, NULL); break;
        case 'C': doc_host_set_config_dir(optarg); break;
        case 's': doc_host_set_state_dir(optarg); break;
        case 't': lim.max_text_bytes = strtoull(optarg, NULL, 10); break;
        case 'e': lim.max_entities = strtoull(optarg, NULL, 10); break;
        case 'l': log_set_level(atoi(optarg)); break;
        default: return 2;
        }
    }
    if (!pc.name || !path || !pc.config) {
        fprintf(stderr, "inboxd --worker: missing arguments (internal use only)\n");
        return 2;
    }
    doc_limits_set(&lim);
    pc.path = (char *)path;
    cfg.plugin_dir = (char *)"/";
    if (plugin_load(&p, &pc, &cfg, 1, err, sizeof err) < 0) {
        for (char *q = err; *q; q++)
            if (*q == '\n')
                *q = ' ';
        snprintf(line, sizeof line, "ERR %s\n", err);
        (void)!write(fd, line, strlen(line));
        json_decref(pc.config);
        return 1;
    }
    (void)!write(fd, "OK\n", 3);
    for (;;) {
        inboxd_doc *doc = NULL;
        int r = wire_recv_doc(fd, &doc, NULL, -1);
        if (r < 0)
            break; /* EOF: the daemon is done with us */
        free(doc->error);
        doc->error = NULL;
        int status = p.desc->process(p.inst, doc);
        r = wire_send_doc(fd, doc, 0, status);
        doc_free(doc);
        if (r < 0)
            break;
    }
    plugin_unload(&p);
    json_decref(pc.config);
    doc_host_set_config_dir(NULL);
    doc_host_set_state_dir(NULL);
    return 0;
}
