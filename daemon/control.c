/* Socket requests other than subscribe/ping, and the status counters. */
#include "daemon.h"
#include "evlog.h"
#include "log.h"
#include "util.h"
#include "worker.h"

#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#ifndef INBOXD_VERSION
#define INBOXD_VERSION "0.1.0"
#endif

json_t *control_status(struct daemon *d)
{
    json_t *plugins = json_array();
    for (size_t i = 0; i < d->n_plugins; i++) {
        struct plugin *p = &d->plugins[i];
        uint64_t n = p->processed + p->failed;
        json_array_append_new(
            plugins,
            json_pack("{s:s, s:s, s:s, s:b, s:b, s:I, s:I, s:f}", "name", p->name, "stage",
                      plugin_stage_name(p->desc->stage), "version",
                      p->desc->version ? p->desc->version : "", "concurrent",
                      p->concurrent, "isolated", p->isolate, "processed",
                      (json_int_t)p->processed, "failed", (json_int_t)p->failed,
                      "avg_ms", n ? p->total_ms / (double)n : 0.0));
        if (p->pool)
            json_object_set_new(json_array_get(plugins, json_array_size(plugins) - 1),
                                "worker_restarts",
                                json_integer((json_int_t)worker_pool_restarts(p->pool)));
    }
    json_t *o = json_pack(
        "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:s, s:s, "
        "s:s, s:i, s:I}",
        "version", INBOXD_VERSION, "received", (json_int_t)d->received, "indexed",
        (json_int_t)d->done, "done", (json_int_t)d->done, "failed", (json_int_t)d->failed,
        "duplicates", (json_int_t)d->duplicates, "rejected", (json_int_t)d->rejected_n,
        "retries", (json_int_t)d->retries, "in_flight", (json_int_t)d->inflight, "queue",
        (json_int_t)(d->n_pending + d->n_reprocess_waiting), "uptime_s",
        (json_int_t)((util_now_ms() - (int64_t)d->start_ms) / 1000), "seq",
        (json_int_t)d->ev.seq, "plugins", plugins, "clients", (json_int_t)d->ev.n_clients,
        "inbox", d->cfg.inbox, "state_dir", d->cfg.state_dir, "state",
        d->stopping ? "stopping" : d->reloading ? "reloading" : d->stuck ? "stuck" : "running",
        "pid", (int)getpid(), "reprocessed", (json_int_t)d->reprocessed);
    json_object_set_new(o, "plugins_loaded", json_integer((json_int_t)d->n_plugins));
    json_object_set_new(o, "rescan_due", json_boolean(d->rescan_due));
    json_object_set_new(o, "inbox_overflows", json_integer((json_int_t)d->inbox.overflows));
    json_object_set_new(o, "client_overflows", json_integer((json_int_t)d->ev.overflows));
    json_object_set_new(o, "condition", d->condition[0] ? json_string(d->condition) : json_null());
    if (d->ev.log)
        json_object_set_new(o, "oldest_seq", json_integer((json_int_t)d->ev.log->first_seq));
    return o;
}

json_t *control_request(void *ctx, json_t *req, const char *op, int privileged)
{
    struct daemon *d = ctx;
    if (strcmp(op, "status") == 0)
        return control_status(d);
    if (strcmp(op, "reprocess") == 0) {
        const char *id = json_string_value(json_object_get(req, "id"));
        char err[256];
        if (!privileged)
            return json_pack("{s:s, s:s}", "reply", "error", "error",
                             "permission denied: reprocess changes state and needs an "
                             "allowed uid (allowed_uids)");
        if (d->stopping)
            return json_pack("{s:s, s:s}", "reply", "error", "error", "daemon is stopping");
        if (json_is_true(json_object_get(req, "all"))) {
            size_t n = pipeline_reprocess_all(d);
            return json_pack("{s:s, s:b, s:I}", "reply", "reprocess", "ok", 1, "queued",
                             (json_int_t)n);
        }
        if (!id)
            return json_pack("{s:s, s:s}", "reply", "error", "error",
                             "reprocess needs \"id\" or \"all\":true");
        if (pipeline_reprocess(d, id, err, sizeof err) < 0)
            return json_pack("{s:s, s:s}", "reply", "error", "error", err);
        return json_pack("{s:s, s:b, s:i, s:s}", "reply", "reprocess", "ok", 1, "queued", 1,
                         "id", id);
    }
    return NULL;
}

void control_notify_status(struct daemon *d)
{
    char buf[sizeof d->last_status];
    snprintf(buf, sizeof buf, "STATUS=%llu indexed, %llu failed, %u in flight, %zu queued%s%s%.120s",
             (unsigned long long)d->done, (unsigned long long)d->failed, d->inflight,
             d->n_pending,
             d->stuck ? "; stuck: a stage passed stage_timeout, watchdog pings stopped" : "",
             d->condition[0] ? "; " : "", d->condition);
    if (strcmp(buf, d->last_status) != 0) {
        sd_notify(0, buf);
        memcpy(d->last_status, buf, sizeof buf);
    }
}
