/* The daemon's lifecycle: start, signals, reload, stop, the 1 s tick. */
#include "daemon.h"
#include "doc.h"
#include "evlog.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

int daemon_build_config(const struct overrides *ov, const char *exe_dir,
                        struct config *cfg)
{
    char *errors = NULL;
    int lvl;
    if (config_default(cfg, exe_dir) < 0) {
        fprintf(stderr, "inboxd: out of memory\n");
        return -1;
    }
    if (ov->config_path && config_load_file(cfg, ov->config_path, &errors) < 0) {
        fprintf(stderr, "%s", errors ? errors : "inboxd: bad configuration\n");
        free(errors);
        return -1;
    }
    free(errors);
#define OVERRIDE(field, val)                                                   \
    do {                                                                       \
        if (val) {                                                             \
            char *c = strdup(val);                                             \
            if (!c)                                                            \
                return -1;                                                     \
            free(cfg->field);                                                  \
            cfg->field = c;                                                    \
        }                                                                      \
    } while (0)
    OVERRIDE(inbox, ov->inbox);
    OVERRIDE(state_dir, ov->state_dir);
    OVERRIDE(socket, ov->socket);
#undef OVERRIDE
    if (ov->log_level) {
        if ((lvl = log_level_parse(ov->log_level)) < 0) {
            fprintf(stderr, "inboxd: --log-level %s: must be one of error, warning, "
                            "notice, info, debug\n", ov->log_level);
            return -1;
        }
        cfg->log_level = lvl;
    }
    return 0;
}

static void apply_limits(struct daemon *d)
{
    struct doc_limits l = {.max_text_bytes = d->cfg.max_text_bytes,
                           .max_entities = d->cfg.max_entities};
    doc_limits_set(&l);
    doc_host_set_state_dir(d->cfg.state_dir);
    doc_host_set_config_dir(d->cfg.config_dir);
    log_set_level(d->cfg.log_level);
    d->ev.client_buffer = d->cfg.client_buffer;
    d->ev.max_line = d->cfg.max_line;
    d->ev.max_clients = d->cfg.max_clients;
    d->ev.allowed_uids = d->cfg.allowed_uids;
    d->ev.n_allowed_uids = d->cfg.n_allowed_uids;
    d->ev.allowed_gids = d->cfg.allowed_gids;
    d->ev.n_allowed_gids = d->cfg.n_allowed_gids;
}

static void unload_plugins(struct plugin *p, size_t n)
{
    for (size_t i = n; i-- > 0;)
        plugin_unload(&p[i]);
    free(p);
}

/* Loads every plugin of cfg; on error writes it to err and loads none. */
static int load_plugins(const struct config *cfg, struct plugin **out, size_t *n,
                        char *err, size_t errlen)
{
    struct plugin *p = calloc(cfg->n_plugins ? cfg->n_plugins : 1, sizeof *p);
    inboxd_stage last = INBOXD_STAGE_PARSE;
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    for (size_t i = 0; i < cfg->n_plugins; i++) {
        int r = plugin_load(&p[i], &cfg->plugins[i], cfg, 1, err, errlen);
        if (r < 0) {
            unload_plugins(p, i);
            return r;
        }
        if (p[i].desc->stage < last) {
            snprintf(err, errlen,
                     "plugin %s (stage %s) is listed after a plugin of a later stage: "
                     "order plugins parse, extract, index, sink",
                     p[i].name, plugin_stage_name(p[i].desc->stage));
            unload_plugins(p, i + 1);
            return -EINVAL;
        }
        last = p[i].desc->stage;
        log_info("plugin %s %s loaded (%s, stage %s%s)", p[i].name,
                 p[i].desc->version ? p[i].desc->version : "", p[i].path,
                 plugin_stage_name(p[i].desc->stage),
                 p[i].concurrent ? ", concurrent" : ", serialized");
    }
    *out = p;
    *n = cfg->n_plugins;
    return 0;
}

int daemon_check_config(const struct overrides *ov)
{
    struct config cfg;
    char *exe_dir = config_exe_dir();
    int bad = 0;
    log_init();
    if (daemon_build_config(ov, exe_dir, &cfg) < 0) {
        config_clear(&cfg);
        free(exe_dir);
        return 1;
    }
    struct doc_limits l = {.max_text_bytes = cfg.max_text_bytes,
                           .max_entities = cfg.max_entities};
    doc_limits_set(&l);
    doc_host_set_state_dir(cfg.state_dir);
    doc_host_set_config_dir(cfg.config_dir);
    log_set_level(cfg.log_level < 4 ? cfg.log_level : 4);
    (void)util_mkdir_p(cfg.state_dir, 0750);
    for (size_t i = 0; i < cfg.n_plugins; i++) {
        struct plugin p;
        char err[1024];
        if (plugin_load(&p, &cfg.plugins[i], &cfg, 1, err, sizeof err) < 0) {
            fprintf(stderr, "%s\n", err);
            bad = 1;
            continue;
        }
        printf("plugin %s %s: ok (%s)\n", p.name, p.desc->version ? p.desc->version : "",
               plugin_stage_name(p.desc->stage));
        plugin_unload(&p);
    }
    if (!bad)
        printf("configuration ok: inbox %s, state %s, socket %s, %zu plugins\n", cfg.inbox,
               cfg.state_dir, cfg.socket, cfg.n_plugins);
    doc_host_set_state_dir(NULL);
    doc_host_set_config_dir(NULL);
    config_clear(&cfg);
    free(exe_dir);
    return bad;
}

/* --- stop ---------------------------------------------------------------- */

static void noop_close(uv_handle_t *h) { (void)h; }

static void close_all(struct daemon *d)
{
    events_close(&d->ev);
    uv_close((uv_handle_t *)&d->tick, noop_close);
    uv_close((uv_handle_t *)&d->stop_timer, noop_close);
    uv_close((uv_handle_t *)&d->sigterm, noop_close);
    uv_close((uv_handle_t *)&d->sigint, noop_close);
    uv_close((uv_handle_t *)&d->sighup, noop_close);
}

static int stop_polls;
static void stop_flush(uv_timer_t *t)
{
    struct daemon *d = t->data;
    /* Give subscribers up to a second to take the last events. */
    if (d->ev.queued_bytes == 0 || ++stop_polls > 100) {
        uv_timer_stop(t);
        close_all(d);
    }
}

static int stop_finished;
void daemon_maybe_finish_stop(struct daemon *d)
{
    if (!d->stopping || d->inflight > 0 || stop_finished)
        return;
    stop_finished = 1;
    events_emit(&d->ev, "daemon.stopping",
                json_pack("{s:I, s:I}", "indexed", (json_int_t)d->done, "failed",
                          (json_int_t)d->failed));
    log_notice("stopped: %llu indexed, %llu failed, %llu duplicates",
               (unsigned long long)d->done, (unsigned long long)d->failed,
               (unsigned long long)d->duplicates);
    uv_timer_start(&d->stop_timer, stop_flush, 0, 10);
}

static void begin_stop(struct daemon *d, const char *why)
{
    if (d->stopping)
        return;
    d->stopping = 1;
    sd_notify(0, "STOPPING=1");
    log_notice("%s: draining %u document(s) in flight", why, d->inflight);
    if (d->inbox_open) {
        inbox_stop(&d->inbox);
        d->inbox_open = 0;
    }
    pipeline_abandon_waiting(d);
    daemon_maybe_finish_stop(d);
}

/* --- reload -------------------------------------------------------------- */

static void do_reload(struct daemon *d)
{
    struct config ncfg;
    struct plugin *np = NULL;
    size_t nn = 0;
    char err[1024];
    int ok = 0;
    if (daemon_build_config(&d->ov, d->exe_dir, &ncfg) < 0) {
        config_clear(&ncfg);
        snprintf(err, sizeof err, "configuration has errors (see the log); keeping the "
                                  "running one");
        goto out;
    }
    if (strcmp(ncfg.inbox, d->cfg.inbox) || strcmp(ncfg.state_dir, d->cfg.state_dir) ||
        strcmp(ncfg.socket, d->cfg.socket))
        log_warn("reload: inbox, state_dir and socket changes take effect at the next "
                 "start");
    /* Plugins own files (the index): the old set is destroyed before the new
     * one is created; if the new set fails, the old configuration is loaded
     * again. */
    unload_plugins(d->plugins, d->n_plugins);
    d->plugins = NULL;
    d->n_plugins = 0;
    doc_host_set_config_dir(ncfg.config_dir);
    if (load_plugins(&ncfg, &np, &nn, err, sizeof err) < 0) {
        char err2[1024];
        log_err("reload: %s; loading the previous plugins again", err);
        doc_host_set_config_dir(d->cfg.config_dir);
        if (load_plugins(&d->cfg, &d->plugins, &d->n_plugins, err2, sizeof err2) < 0) {
            log_err("reload: cannot load the previous plugins either: %s; stopping", err2);
            d->exit_code = 1;
            config_clear(&ncfg);
            d->reloading = 0;
            begin_stop(d, "reload failed");
            return;
        }
        config_clear(&ncfg);
        goto out;
    }
    /* Keep the fields that need a restart. */
    free(ncfg.inbox);
    ncfg.inbox = strdup(d->cfg.inbox);
    free(ncfg.state_dir);
    ncfg.state_dir = strdup(d->cfg.state_dir);
    free(ncfg.socket);
    ncfg.socket = strdup(d->cfg.socket);
    config_clear(&d->cfg);
    d->cfg = ncfg;
    d->plugins = np;
    d->n_plugins = nn;
    apply_limits(d);
    ok = 1;
out:
    d->reloading = 0;
    if (ok) {
        log_notice("reloaded: %zu plugins", d->n_plugins);
        events_emit(&d->ev, "daemon.reloaded",
                    json_pack("{s:I}", "plugins", (json_int_t)d->n_plugins));
    } else {
        events_emit(&d->ev, "daemon.reload_failed", json_pack("{s:s}", "error", err));
    }
    sd_notify(0, "READY=1");
    pipeline_pump(d);
}

void daemon_maybe_finish_reload(struct daemon *d)
{
    if (d->reloading && d->inflight == 0 && !d->stopping)
        do_reload(d);
}

/* --- signals and tick ---------------------------------------------------- */

static void on_signal(uv_signal_t *h, int signum)
{
    struct daemon *d = h->data;
    if (signum == SIGHUP) {
        if (d->reloading || d->stopping)
            return;
        log_notice("SIGHUP: reloading configuration and plugins");
        sd_notify(0, "RELOADING=1");
        d->reloading = 1;
        daemon_maybe_finish_reload(d);
        return;
    }
    if (d->stopping) {
        /* A second signal: go now.  What is in flight stays in work/ and is
         * retried at the next start. */
        log_warn("second %s: exiting without draining", strsignal(signum));
        _exit(1);
    }
    begin_stop(d, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void on_tick(uv_timer_t *t)
{
    struct daemon *d = t->data;
    pipeline_check_timeouts(d);
    control_notify_status(d);
    if (d->young_seen && !d->stopping) {
        /* A scan found files that were still changing: look again. */
        d->young_seen = 0;
        d->rescan_due = 1;
    }
    if (d->rescan_due && d->n_pending == 0 && !d->stopping)
        pipeline_rescan(d);
    if (d->watchdog_usec) {
        if (!d->stuck)
            sd_notify(0, "WATCHDOG=1");
    }
}

/* --- inbox callbacks ----------------------------------------------------- */

static void ib_file(void *ctx, const char *name, int from_scan)
{
    pipeline_file_seen(ctx, name, from_scan);
}
static void ib_overflow(void *ctx)
{
    struct daemon *d = ctx;
    d->rescan_due = 1;
    if (d->n_pending == 0)
        pipeline_rescan(d);
}
static void ib_poll(void *ctx) { ib_overflow(ctx); }
static void ib_lost(void *ctx, int lost)
{
    struct daemon *d = ctx;
    if (lost) {
        snprintf(d->condition, sizeof d->condition, "inbox %s is gone", d->cfg.inbox);
        events_emit(&d->ev, "daemon.inbox_lost", json_pack("{s:s}", "inbox", d->cfg.inbox));
        return;
    }
    int fd = open(d->cfg.inbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        dup2(fd, d->spool.inbox_fd); /* atomic for worker threads */
        close(fd);
    }
    d->condition[0] = '\0';
    events_emit(&d->ev, "daemon.inbox_restored", json_pack("{s:s}", "inbox", d->cfg.inbox));
}

/* --- run ----------------------------------------------------------------- */

int daemon_run(const struct overrides *ov)
{
    struct daemon *d = calloc(1, sizeof *d);
    uv_loop_t loop;
    char err[1024];
    int r, listen_fd = -1, exit_code = 1;
    char buf[32];
    uint64_t tick_ms = 1000;
    struct inbox_ops ops = {ib_file, ib_overflow, ib_poll, ib_lost};

    if (!d)
        return 1;
    log_init();
    d->ov = *ov;
    d->exe_dir = config_exe_dir();
    d->start_ms = (uint64_t)util_now_ms();
    if (daemon_build_config(ov, d->exe_dir, &d->cfg) < 0)
        goto out_free;
    apply_limits(d);
    /* Each document in flight may wait in a plugin (group commit), so the
     * pool must have a thread for each, plus some for hand-offs. */
    if (!getenv("UV_THREADPOOL_SIZE")) {
        snprintf(buf, sizeof buf, "%u", d->cfg.max_inflight + 2 > 1024 ? 1024
                                        : d->cfg.max_inflight + 2);
        setenv("UV_THREADPOOL_SIZE", buf, 1);
    }
    uv_loop_init(&loop);
    d->loop = &loop;

    if ((r = spool_open(&d->spool, d->cfg.inbox, d->cfg.state_dir, err, sizeof err)) < 0) {
        log_err("%s", err);
        goto out_loop;
    }
    if (load_plugins(&d->cfg, &d->plugins, &d->n_plugins, err, sizeof err) < 0) {
        log_err("%s", err);
        goto out_spool;
    }
    if ((r = evlog_open(&d->ev.log, d->cfg.state_dir, d->cfg.event_retention)) < 0)
        log_warn("event log in %s: %s (events will not be kept)", d->cfg.state_dir,
                 strerror(-r));
    if (d->ev.log)
        d->ev.seq = d->ev.log->last_seq;
    d->ev.on_request = control_request;
    d->ev.ctx = d;
    if ((r = sd_listen_fds(1)) >= 1) {
        if (r > 1)
            log_warn("the service manager passed %d sockets; using the first (fd %d)", r,
                     SD_LISTEN_FDS_START);
        if (sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, NULL, 0) <= 0) {
            log_err("fd %d from the service manager (LISTEN_FDS) is not a listening Unix "
                    "stream socket: refusing to start", SD_LISTEN_FDS_START);
            goto out_plugins;
        }
        listen_fd = SD_LISTEN_FDS_START;
    } else if (r < 0)
        log_warn("LISTEN_FDS: %s; binding %s", strerror(-r), d->cfg.socket);
    if (events_listen(&d->ev, d->loop, d->cfg.socket, d->cfg.socket_mode, listen_fd, err,
                      sizeof err) < 0) {
        log_err("%s", err);
        events_close(&d->ev);
        uv_run(d->loop, UV_RUN_NOWAIT);
        goto out_plugins;
    }
    if (inbox_start(&d->inbox, d->loop, d->cfg.inbox, d->cfg.poll_interval,
                    d->cfg.force_poll, &ops, d, err, sizeof err) < 0) {
        log_err("%s", err);
        events_close(&d->ev);
        uv_run(d->loop, UV_RUN_NOWAIT);
        goto out_plugins;
    }
    d->inbox_open = 1;

    uv_signal_init(d->loop, &d->sigterm);
    uv_signal_init(d->loop, &d->sigint);
    uv_signal_init(d->loop, &d->sighup);
    d->sigterm.data = d->sigint.data = d->sighup.data = d;
    uv_signal_start(&d->sigterm, on_signal, SIGTERM);
    uv_signal_start(&d->sigint, on_signal, SIGINT);
    uv_signal_start(&d->sighup, on_signal, SIGHUP);
    signal(SIGPIPE, SIG_IGN);
    uv_timer_init(d->loop, &d->tick);
    uv_timer_init(d->loop, &d->stop_timer);
    d->tick.data = d->stop_timer.data = d;

    pipeline_recover(d);
    d->ready = 1;
    pipeline_rescan(d);
    pipeline_pump(d);

    if (sd_watchdog_enabled(0, &d->watchdog_usec) > 0 && d->watchdog_usec) {
        uint64_t half = d->watchdog_usec / 2000;
        if (half < tick_ms)
            tick_ms = half ? half : 1;
    } else
        d->watchdog_usec = 0;
    uv_timer_start(&d->tick, on_tick, tick_ms, tick_ms);

    events_emit(&d->ev, "daemon.ready",
                json_pack("{s:s, s:s, s:s, s:i, s:I}", "inbox", d->cfg.inbox, "state_dir",
                          d->cfg.state_dir, "socket", d->cfg.socket, "pid", (int)getpid(),
                          "plugins", (json_int_t)d->n_plugins));
    log_notice("ready: inbox %s, state %s, socket %s, %zu plugins", d->cfg.inbox,
               d->cfg.state_dir, d->cfg.socket, d->n_plugins);
    sd_notify(0, "READY=1");
    control_notify_status(d);
    if (d->watchdog_usec)
        sd_notify(0, "WATCHDOG=1");

    uv_run(d->loop, UV_RUN_DEFAULT);
    exit_code = d->exit_code;

    pipeline_clear(d);
out_plugins:
    unload_plugins(d->plugins, d->n_plugins);
    d->plugins = NULL;
    d->ev.log = evlog_close(d->ev.log);
    if (d->inbox_open)
        inbox_stop(&d->inbox);
    uv_run(d->loop, UV_RUN_NOWAIT);
out_spool:
    spool_close(&d->spool);
out_loop:
    if (uv_loop_close(d->loop) == UV_EBUSY) {
        uv_run(d->loop, UV_RUN_DEFAULT);
        uv_loop_close(d->loop);
    }
out_free:
    doc_host_set_state_dir(NULL);
    doc_host_set_config_dir(NULL);
    config_clear(&d->cfg);
    free(d->exe_dir);
    free(d);
    return exit_code;
}
