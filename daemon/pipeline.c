/*
 * The pipeline: names from the inbox wait (bounded) for a slot; a slot
 * claims the file into work/ on a worker thread, then runs each plugin on
 * the thread pool in configured order, then hands the file off (archive,
 * delete, keep, or failed/).  The loop thread only moves jobs between
 * steps and emits events.
 */
#include "daemon.h"
#include "doc.h"
#include "log.h"
#include "util.h"
#include "worker.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct pname {
    struct pname *next;
    int from_scan;
    char name[];
};

enum job_kind { JOB_INBOX, JOB_RECOVERED, JOB_REPROCESS };
enum job_outcome { OUT_NONE, OUT_DONE, OUT_FAILED, OUT_DUPLICATE, OUT_GONE,
                   OUT_REJECTED, OUT_RETRY, OUT_YOUNG };

/* A file found by a scan that changed less than this ago may still be
 * being written: it waits for its close-write or the next scan. */
#define SCAN_MIN_AGE_MS 1000

struct job {
    struct daemon *d;
    struct job *next, *prev;  /* d->jobs */
    struct job *qnext;        /* a plugin's wait queue, recovered queue */
    enum job_kind kind;
    char *name;               /* original name, owned */
    char ticket[SPOOL_TICKET_LEN + 1];
    unsigned attempts;
    int64_t received_ms;
    inboxd_doc *doc;
    size_t stage;             /* index of the plugin running or next */
    uint64_t stage_start;     /* uv_hrtime ns, 0 when no stage runs */
    uint64_t job_start;       /* uv_hrtime ns */
    int timed_out_logged;
    double stage_ms[5];       /* by inboxd_stage */
    int status;               /* from process() */
    enum job_outcome outcome;
    char *error;              /* owned */
    int from_scan;            /* the name came from a scan, not inotify */
    const char *err_stage, *err_plugin;
    int recovered_dup;        /* recovered and already stored */
    int owns_id;              /* its id is in d->ids_inflight */
    unsigned retries;
    uv_timer_t retry_timer;
    int retry_timer_open;
    uv_work_t work;
    struct claim claim;       /* JOB_INBOX claim result */
    char *dest;               /* failed/ file name, owned */
};

static void start_claim(struct daemon *d, struct job *j);
static void run_stage(struct job *j);
static void finish(struct job *j);

/* --- intake ------------------------------------------------------------- */

void pipeline_file_seen(struct daemon *d, const char *name, int from_scan)
{
    struct pname *p;
    size_t len;
    if (strset_has(&d->pending, name))
        return;
    if (d->n_pending >= d->cfg.pending_cap) {
        d->rescan_due = 1; /* it stays in the inbox; a rescan finds it */
        return;
    }
    len = strlen(name);
    p = malloc(sizeof *p + len + 1);
    if (!p || strset_add(&d->pending, name) < 0) {
        free(p);
        d->rescan_due = 1;
        return;
    }
    memcpy(p->name, name, len + 1);
    p->next = NULL;
    p->from_scan = from_scan;
    if (d->pend_tail)
        d->pend_tail->next = p;
    else
        d->pend_head = p;
    d->pend_tail = p;
    d->n_pending++;
    pipeline_pump(d);
}

void pipeline_rescan(struct daemon *d)
{
    long found;
    if (d->stopping || !d->inbox_open)
        return;
    d->rescan_due = 0;
    found = inbox_scan(&d->inbox, d->cfg.pending_cap);
    if (found < 0)
        log_err("inbox %s: cannot scan: %s", d->cfg.inbox, strerror((int)-found));
    else if ((size_t)found > d->cfg.pending_cap || d->n_pending >= d->cfg.pending_cap)
        d->rescan_due = 1; /* more than we remember: scan again when drained */
}

static struct job *job_new(struct daemon *d, enum job_kind kind, const char *name)
{
    struct job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->d = d;
    j->kind = kind;
    j->name = strdup(name);
    j->work.data = j;
    j->job_start = uv_hrtime();
    if (!j->name) {
        free(j);
        return NULL;
    }
    return j;
}

static void job_link(struct daemon *d, struct job *j)
{
    j->next = d->jobs;
    if (d->jobs)
        d->jobs->prev = j;
    d->jobs = j;
    d->inflight++;
}

static void retry_timer_closed(uv_handle_t *h)
{
    struct job *j = h->data;
    free(j);
}

static void job_free(struct job *j)
{
    doc_free(j->doc);
    free(j->claim.raw);
    free(j->name);
    free(j->error);
    free(j->dest);
    if (j->retry_timer_open)
        uv_close((uv_handle_t *)&j->retry_timer, retry_timer_closed);
    else
        free(j);
}

static void job_release(struct job *j)
{
    struct daemon *d = j->d;
    if (j->prev)
        j->prev->next = j->next;
    else
        d->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    d->inflight--;
    if (j->doc && j->owns_id)
        strset_del(&d->ids_inflight, j->doc->id);
    job_free(j);
    pipeline_pump(d);
    daemon_maybe_finish_stop(d);
    daemon_maybe_finish_reload(d);
}

static struct job *queue_pop(struct job **head, struct job **tail)
{
    struct job *j = *head;
    if (j) {
        *head = j->qnext;
        if (!*head)
            *tail = NULL;
        j->qnext = NULL;
    }
    return j;
}

static void queue_push(struct job **head, struct job **tail, struct job *j)
{
    j->qnext = NULL;
    if (*tail)
        (*tail)->qnext = j;
    else
        *head = j;
    *tail = j;
}

/* 1 when a recovered document is in flight. */
static int recovered_in_flight(struct daemon *d)
{
    for (struct job *j = d->jobs; j; j = j->next)
        if (j->kind == JOB_RECOVERED)
            return 1;
    return 0;
}

void pipeline_pump(struct daemon *d)
{
    while (!d->stopping && !d->reloading && d->ready &&
           d->inflight < d->cfg.max_inflight) {
        /* A document that was in flight when the daemon died may be what
         * killed it: it runs alone, so that a crash counts against it and
         * not against innocent documents in flight with it (which would be
         * quarantined as poison after max_attempts). */
        if (recovered_in_flight(d) || (d->recovered_head && d->inflight > 0))
            return;
        struct job *j = queue_pop(&d->recovered_head, &d->recovered_tail);
        if (j) /* counted when it starts, not while it waits its turn */
            spool_set_attempts(&d->spool, j->ticket, j->name, j->received_ms, j->attempts);
        if (!j && d->reprocess_head) {
            struct pname *p = d->reprocess_head;
            d->reprocess_head = p->next;
            if (!d->reprocess_head)
                d->reprocess_tail = NULL;
            d->n_reprocess_waiting--;
            j = job_new(d, JOB_REPROCESS, p->name);
            free(p);
            if (!j)
                continue;
            memcpy(j->ticket, j->name, SPOOL_TICKET_LEN); /* unused */
            j->received_ms = util_now_ms();
        }
        if (!j && d->pend_head) {
            struct pname *p = d->pend_head;
            d->pend_head = p->next;
            if (!d->pend_head)
                d->pend_tail = NULL;
            d->n_pending--;
            strset_del(&d->pending, p->name);
            j = job_new(d, JOB_INBOX, p->name);
            if (j)
                j->from_scan = p->from_scan;
            free(p);
            if (!j)
                continue;
        }
        if (!j) {
            if (d->rescan_due)
                pipeline_rescan(d);
            if (!d->pend_head)
                return;
            continue;
        }
        job_link(d, j);
        start_claim(d, j);
    }
}

/* --- events ------------------------------------------------------------- */

static json_t *doc_summary(struct job *j)
{
    char *name = util_utf8_lossy(j->name);
    json_t *o = json_object();
    char ts[40];
    json_object_set_new(o, "name", json_string(name ? name : ""));
    free(name);
    if (j->doc) {
        const char *title = doc_title(j->doc);
        json_object_set_new(o, "id", json_string(j->doc->id));
        json_object_set_new(o, "bytes", json_integer((json_int_t)j->doc->raw_len));
        json_object_set_new(o, "lang", j->doc->lang ? json_string(j->doc->lang) : json_null());
        json_object_set_new(o, "title", title ? json_string(title) : json_null());
        json_object_set_new(o, "entity_count", json_integer((json_int_t)j->doc->n_ents));
        json_t *cs = json_object_get(j->doc->meta, "charset");
        if (cs)
            json_object_set(o, "charset", cs);
    }
    if (j->received_ms) {
        util_rfc3339(j->received_ms, ts, sizeof ts);
        json_object_set_new(o, "received", json_string(ts));
    }
    if (j->kind == JOB_REPROCESS)
        json_object_set_new(o, "reprocess", json_true());
    if (j->attempts > 1)
        json_object_set_new(o, "attempt", json_integer(j->attempts));
    return o;
}

static void emit_doc(struct daemon *d, const char *event, struct job *j, json_t *extra)
{
    json_t *f = json_object();
    json_object_set_new(f, "doc", doc_summary(j));
    if (extra) {
        json_object_update(f, extra);
        json_decref(extra);
    }
    events_emit(&d->ev, event, f);
}

/* Entities grouped by type, at most EVENT_MAX_ENTITIES in all. */
#define EVENT_MAX_ENTITIES 1000
static json_t *entities_by_type(const inboxd_doc *doc, int *truncated)
{
    json_t *g = json_object();
    *truncated = 0;
    for (size_t i = 0; i < doc->n_ents; i++) {
        const inboxd_entity *e = &doc->ents[i];
        json_t *arr = json_object_get(g, e->type);
        if (i >= EVENT_MAX_ENTITIES) {
            *truncated = 1;
            break;
        }
        if (!arr) {
            arr = json_array();
            json_object_set_new(g, e->type, arr);
        }
        json_t *o = json_pack("{s:s, s:s?, s:s?, s:I, s:I}", "text", e->text, "value",
                              e->value, "key", e->key, "start", (json_int_t)e->start,
                              "end", (json_int_t)e->end);
        if (o && e->attrs) {
            json_t *a = json_loads(e->attrs, 0, NULL);
            if (a)
                json_object_set_new(o, "attrs", a);
        }
        if (o)
            json_array_append_new(arr, o);
    }
    return g;
}

static json_t *timings(struct job *j)
{
    json_t *t = json_object();
    for (int s = INBOXD_STAGE_PARSE; s <= INBOXD_STAGE_SINK; s++) {
        int used = 0;
        for (size_t i = 0; i < j->d->n_plugins; i++)
            if ((int)j->d->plugins[i].desc->stage == s)
                used = 1;
        if (used)
            json_object_set_new(t, plugin_stage_name((inboxd_stage)s),
                                json_real(j->stage_ms[s]));
    }
    json_object_set_new(t, "total", json_real((double)(uv_hrtime() - j->job_start) / 1e6));
    return t;
}

/* --- claim ------------------------------------------------------------- */

static int index_contains(struct daemon *d, const char *id)
{
    for (size_t i = 0; i < d->n_plugins; i++) {
        struct plugin *p = &d->plugins[i];
        if (p->desc->stage == INBOXD_STAGE_INDEX && p->desc->contains && p->inst &&
            !p->pool &&
            p->desc->contains(p->inst, id) == 1)
            return 1;
    }
    return 0;
}

static int has_index(struct daemon *d)
{
    for (size_t i = 0; i < d->n_plugins; i++)
        if (d->plugins[i].desc->stage == INBOXD_STAGE_INDEX && d->plugins[i].desc->contains)
            return 1;
    return 0;
}

static void claim_work(uv_work_t *w)
{
    struct job *j = w->data;
    struct daemon *d = j->d;
    unsigned char *raw = NULL;
    size_t len = 0;
    int r;

    if (j->kind == JOB_INBOX) {
        enum claim_result cr = spool_claim(&d->spool, j->name, d->cfg.max_bytes,
                                           d->cfg.accept_hardlinks,
                                           j->from_scan ? SCAN_MIN_AGE_MS : 0, &j->claim);
        switch (cr) {
        case CLAIM_GONE: j->outcome = OUT_GONE; return;
        case CLAIM_YOUNG: j->outcome = OUT_YOUNG; return;
        case CLAIM_REJECTED: j->outcome = OUT_REJECTED; return;
        case CLAIM_FAILED:
            j->outcome = OUT_FAILED;
            j->error = strdup(j->claim.reason);
            j->err_stage = "claim";
            j->err_plugin = "inboxd";
            return;
        case CLAIM_OK: break;
        }
        memcpy(j->ticket, j->claim.ticket, sizeof j->ticket);
        j->received_ms = j->claim.received_ms;
        j->attempts = 1;
        raw = j->claim.raw;
        len = j->claim.len;
        j->claim.raw = NULL;
    } else if (j->kind == JOB_RECOVERED) {
        r = spool_read_work(&d->spool, j->ticket, d->cfg.max_bytes, &raw, &len);
        if (r < 0) {
            j->outcome = OUT_FAILED;
            if (asprintf(&j->error, "cannot read interrupted file work/%s: %s",
                         j->ticket, strerror(-r)) < 0)
                j->error = NULL;
            j->err_stage = "recovery";
            j->err_plugin = "inboxd";
            return;
        }
    } else {
        r = spool_read_archive(&d->spool, j->name /* the id */, (uint64_t)-1 >> 1,
                               &raw, &len);
        if (r < 0) {
            j->outcome = OUT_GONE;
            if (asprintf(&j->error, "no archived original for %s: %s", j->name,
                         strerror(-r)) < 0)
                j->error = NULL;
            return;
        }
    }
    j->doc = doc_new(j->name, raw, len, j->received_ms);
    if (!j->doc) {
        free(raw);
        j->outcome = OUT_RETRY;
        j->error = strdup("out of memory");
        return;
    }
    if (j->kind == JOB_REPROCESS)
        j->doc->flags |= INBOXD_DOC_REPROCESS;
    else if (index_contains(d, j->doc->id)) {
        /* Recovered and stored before the crash: only hand off (the
         * hand-off steps look for both). */
        j->recovered_dup = j->kind == JOB_RECOVERED;
        j->outcome = OUT_DUPLICATE;
    } else if (!has_index(d) && d->cfg.on_success == ON_SUCCESS_ARCHIVE &&
               j->kind == JOB_INBOX && spool_archived(&d->spool, j->doc->id)) {
        j->outcome = OUT_DUPLICATE; /* no index: the archive says it was done */
    }
}

static void claim_after(uv_work_t *w, int status)
{
    struct job *j = w->data;
    struct daemon *d = j->d;
    (void)status;
    switch (j->outcome) {
    case OUT_YOUNG:
        d->young_seen = 1; /* the tick rescans in a second */
        job_release(j);
        return;
    case OUT_GONE:
        if (j->kind == JOB_REPROCESS && j->error)
            log_warn("reprocess: %s", j->error);
        job_release(j);
        return;
    case OUT_REJECTED: {
        char key[600];
        struct stat st;
        snprintf(key, sizeof key, "%.500s", j->name);
        if (fstatat(d->spool.inbox_fd, j->name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            snprintf(key + strlen(key), sizeof key - strlen(key), "\x01%lu\x01%ld.%ld\x01%lld",
                     (unsigned long)st.st_ino, (long)st.st_mtim.tv_sec,
                     (long)st.st_mtim.tv_nsec, (long long)st.st_size);
        if (d->rejected.n > 100000)
            strset_clear(&d->rejected);
        if (strset_add(&d->rejected, key) == 1) {
            char *name = util_utf8_lossy(j->name);
            d->rejected_n++;
            log_notice("rejected %s: %s", name ? name : "?", j->claim.reason);
            free(name);
            emit_doc(d, "document.rejected", j,
                     json_pack("{s:s}", "reason", j->claim.reason));
        }
        job_release(j);
        return;
    }
    case OUT_FAILED:
        d->received++;
        finish(j);
        return;
    case OUT_RETRY:
        /* Out of memory reading it: leave it where it is (work/ or inbox)
         * for the next start; nothing is lost. */
        log_err("%s: %s", j->name, j->error ? j->error : "error");
        job_release(j);
        return;
    default:
        break;
    }
    if (strset_has(&d->ids_inflight, j->doc->id) && j->kind != JOB_REPROCESS) {
        /* The same content is being processed right now. */
        j->outcome = OUT_DUPLICATE;
        j->recovered_dup = 0;
        d->received++;
        emit_doc(d, "document.received", j, NULL);
        finish(j);
        return;
    }
    strset_add(&d->ids_inflight, j->doc->id);
    j->owns_id = 1;
    d->received++;
    emit_doc(d, "document.received", j, NULL);
    if (j->outcome == OUT_DUPLICATE || j->recovered_dup) {
        finish(j);
        return;
    }
    j->stage = 0;
    run_stage(j);
}

static void start_claim(struct daemon *d, struct job *j)
{
    uv_queue_work(d->loop, &j->work, claim_work, claim_after);
}

/* --- stages ------------------------------------------------------------- */

static void stage_work(uv_work_t *w)
{
    struct job *j = w->data;
    struct plugin *p = &j->d->plugins[j->stage];
    free(j->doc->error);
    j->doc->error = NULL;
    if (p->pool)
        j->status = worker_pool_process(p->pool, j->doc);
    else
        j->status = p->desc->process(p->inst, j->doc);
}

static void stage_start(struct job *j);

static void retry_cb(uv_timer_t *t)
{
    struct job *j = t->data;
    stage_start(j);
}

static void stage_after(uv_work_t *w, int status)
{
    struct job *j = w->data;
    struct daemon *d = j->d;
    struct plugin *p = &d->plugins[j->stage];
    double ms = (double)(uv_hrtime() - j->stage_start) / 1e6;
    inboxd_stage st = p->desc->stage;
    (void)status;
    j->stage_start = 0;
    j->stage_ms[st] += ms;
    p->total_ms += ms;
    if (!p->concurrent) {
        struct job *next = queue_pop(&p->wait_head, &p->wait_tail);
        p->busy = 0;
        if (next)
            stage_start(next);
    }
    if (j->status == INBOXD_RETRY) {
        uint64_t delay = 500u << (j->retries < 7 ? j->retries : 7);
        if (delay > 60000)
            delay = 60000;
        j->retries++;
        d->retries++;
        snprintf(d->condition, sizeof d->condition, "plugin %s: %s", p->name,
                 j->doc->error ? j->doc->error : "temporary failure");
        log_warn("doc %s: plugin %s asks to retry (%s); retrying in %llu ms", j->doc->id,
                 p->name, j->doc->error ? j->doc->error : "temporary failure",
                 (unsigned long long)delay);
        emit_doc(d, "document.retrying", j,
                 json_pack("{s:s, s:s, s:s, s:I, s:i}", "stage",
                           plugin_stage_name(st), "plugin", p->name, "error",
                           j->doc->error ? j->doc->error : "temporary failure",
                           "retry_in_ms", (json_int_t)delay, "retries", (int)j->retries));
        if (d->stopping) {
            /* Leave it in work/: the next start retries it. */
            job_release(j);
            return;
        }
        if (!j->retry_timer_open) {
            uv_timer_init(d->loop, &j->retry_timer);
            j->retry_timer.data = j;
            j->retry_timer_open = 1;
        }
        uv_timer_start(&j->retry_timer, retry_cb, delay, 0);
        return;
    }
    if (j->retries)
        d->condition[0] = '\0';
    if (j->status != INBOXD_OK) {
        p->failed++;
        j->outcome = OUT_FAILED;
        j->err_stage = plugin_stage_name(st);
        j->err_plugin = p->name;
        if (j->doc->error)
            j->error = strdup(j->doc->error);
        else if (asprintf(&j->error, "plugin %s failed (status %d)", p->name, j->status) < 0)
            j->error = NULL;
        finish(j);
        return;
    }
    p->processed++;
    j->stage++;
    /* The stage kind is complete when the next plugin is of another kind. */
    if (j->stage == d->n_plugins || d->plugins[j->stage].desc->stage != st) {
        const char *ev = plugin_stage_event(st);
        json_t *f = json_pack("{s:s, s:f}", "stage", plugin_stage_name(st), "ms",
                              j->stage_ms[st]);
        emit_doc(d, ev, j, f);
    }
    if (j->stage == d->n_plugins) {
        j->outcome = OUT_DONE;
        finish(j);
        return;
    }
    run_stage(j);
}

static void stage_start(struct job *j)
{
    j->stage_start = uv_hrtime();
    j->timed_out_logged = 0;
    uv_queue_work(j->d->loop, &j->work, stage_work, stage_after);
}

static void run_stage(struct job *j)
{
    struct plugin *p = &j->d->plugins[j->stage];
    if (!p->concurrent) {
        if (p->busy) {
            queue_push(&p->wait_head, &p->wait_tail, j);
            return;
        }
        p->busy = 1;
    }
    stage_start(j);
}

/* --- hand-off ----------------------------------------------------------- */

static void finish_work(uv_work_t *w)
{
    struct job *j = w->data;
    struct daemon *d = j->d;
    const char *id = j->doc ? j->doc->id : NULL;
    int r = 0;
    if (j->kind == JOB_REPROCESS)
        return; /* the original stays in the archive */
    if (j->outcome == OUT_DONE || (j->outcome == OUT_DUPLICATE && j->recovered_dup)) {
        r = spool_finish(&d->spool, j->ticket, id, j->name, (int)d->cfg.on_success);
        if (r < 0)
            log_err("doc %s: cannot hand off work/%s: %s (it stays in work/)", id,
                    j->ticket, strerror(-r));
    } else if (j->outcome == OUT_DUPLICATE) {
        spool_drop(&d->spool, j->ticket);
    } else if (j->outcome == OUT_FAILED && j->ticket[0] &&
               !(j->kind == JOB_INBOX && !j->doc)) {
        char ts[40], *lossy = util_utf8_lossy(j->name);
        util_rfc3339(util_now_ms(), ts, sizeof ts);
        json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "name",
                                lossy ? lossy : "", "stage",
                                j->err_stage ? j->err_stage : "?", "plugin",
                                j->err_plugin ? j->err_plugin : "?", "error",
                                j->error ? j->error : "unknown error", "time", ts,
                                "attempts", (int)j->attempts);
        free(lossy);
        spool_fail(&d->spool, j->ticket, id, j->name, rec, &j->dest);
        json_decref(rec);
    }
}

static void finish_after(uv_work_t *w, int status)
{
    struct job *j = w->data;
    struct daemon *d = j->d;
    (void)status;
    switch (j->outcome) {
    case OUT_DONE: {
        int trunc = 0;
        json_t *f = json_object();
        json_object_set_new(f, "entities", entities_by_type(j->doc, &trunc));
        if (trunc)
            json_object_set_new(f, "entities_truncated", json_true());
        json_object_set_new(f, "timings_ms", timings(j));
        d->done++;
        if (j->kind == JOB_REPROCESS)
            d->reprocessed++;
        emit_doc(d, "document.done", j, f);
        break;
    }
    case OUT_DUPLICATE:
        if (j->recovered_dup) {
            json_t *f = json_pack("{s:b}", "recovered", 1);
            d->done++;
            emit_doc(d, "document.done", j, f);
        } else {
            d->duplicates++;
            emit_doc(d, "document.duplicate", j, NULL);
        }
        break;
    case OUT_FAILED: {
        char *name = util_utf8_lossy(j->name);
        d->failed++;
        log_doc(4, j->doc ? j->doc->id : NULL, j->err_plugin, j->err_stage,
                "%s failed in %s: %s", name ? name : "?", j->err_stage ? j->err_stage : "?",
                j->error ? j->error : "unknown error");
        free(name);
        json_t *f = json_pack("{s:s, s:s, s:s}", "stage", j->err_stage ? j->err_stage : "?",
                              "plugin", j->err_plugin ? j->err_plugin : "?", "error",
                              j->error ? j->error : "unknown error");
        if (j->dest) {
            char *p = NULL;
            if (asprintf(&p, "failed/%s", j->dest) >= 0)
                json_object_set_new(f, "file", json_string(p));
            free(p);
        }
        emit_doc(d, "document.failed", j, f);
        break;
    }
    default:
        break;
    }
    job_release(j);
}

static void finish(struct job *j)
{
    uv_queue_work(j->d->loop, &j->work, finish_work, finish_after);
}

/* --- recovery, reprocess, timeouts -------------------------------------- */

int pipeline_recover(struct daemon *d)
{
    struct recovered *v;
    size_t n;
    int r = spool_recover_list(&d->spool, &v, &n);
    if (r < 0) {
        log_err("cannot list %s/work: %s", d->cfg.state_dir, strerror(-r));
        return r;
    }
    for (size_t i = 0; i < n; i++) {
        struct job *j = job_new(d, JOB_RECOVERED, v[i].name);
        if (!j)
            continue;
        memcpy(j->ticket, v[i].ticket, sizeof j->ticket);
        j->received_ms = v[i].received_ms;
        j->attempts = v[i].attempts + 1;
        if (v[i].attempts >= d->cfg.max_attempts) {
            /* Poison: every attempt so far ended with the daemon dying. */
            char msg[256];
            char ts[40], *lossy = util_utf8_lossy(j->name);
            char *dest = NULL;
            snprintf(msg, sizeof msg,
                     "poison document: processing was interrupted %u times (the daemon "
                     "crashed or was killed while it was in the pipeline); quarantined",
                     v[i].attempts);
            util_rfc3339(util_now_ms(), ts, sizeof ts);
            json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "name",
                                    lossy ? lossy : "", "stage", "pipeline", "plugin",
                                    "unknown", "error", msg, "time", ts, "attempts",
                                    (int)v[i].attempts);
            free(lossy);
            spool_fail(&d->spool, j->ticket, NULL, j->name, rec, &dest);
            json_decref(rec);
            log_err("%s: %s", j->name, msg);
            d->failed++;
            j->attempts = v[i].attempts;
            json_t *f = json_pack("{s:s, s:s, s:s, s:b}", "stage", "pipeline", "plugin",
                                  "unknown", "error", msg, "poison", 1);
            if (dest) {
                char *p = NULL;
                if (asprintf(&p, "failed/%s", dest) >= 0)
                    json_object_set_new(f, "file", json_string(p));
                free(p);
            }
            free(dest);
            emit_doc(d, "document.failed", j, f);
            job_free(j);
        } else {
            log_notice("retrying %s, interrupted before (attempt %u of %u)", j->name,
                       j->attempts, d->cfg.max_attempts);
            queue_push(&d->recovered_head, &d->recovered_tail, j);
        }
        free(v[i].name);
    }
    free(v);
    return 0;
}

static int reprocess_push(struct daemon *d, const char *id)
{
    struct pname *p = malloc(sizeof *p + 65);
    if (!p)
        return -ENOMEM;
    memcpy(p->name, id, 64);
    p->name[64] = '\0';
    p->next = NULL;
    if (d->reprocess_tail)
        d->reprocess_tail->next = p;
    else
        d->reprocess_head = p;
    d->reprocess_tail = p;
    d->n_reprocess_waiting++;
    return 0;
}

int pipeline_reprocess(struct daemon *d, const char *id, char *err, size_t errlen)
{
    if (strlen(id) != 64 || strspn(id, "0123456789abcdef") != 64) {
        snprintf(err, errlen, "not a document id (64 lower-case hex digits): %.80s", id);
        return -EINVAL;
    }
    if (!spool_archived(&d->spool, id)) {
        snprintf(err, errlen, "no archived original for %s (on_success must be \"archive\")",
                 id);
        return -ENOENT;
    }
    if (d->n_reprocess_waiting >= 1000000) {
        snprintf(err, errlen, "too many reprocess requests waiting");
        return -EBUSY;
    }
    if (reprocess_push(d, id) < 0) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    pipeline_pump(d);
    return 0;
}

size_t pipeline_reprocess_all(struct daemon *d)
{
    size_t n = 0;
    int fd = dup(d->spool.archive_fd);
    DIR *top = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    if (!top) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    rewinddir(top);
    while ((e = readdir(top))) {
        if (strlen(e->d_name) != 2 || e->d_name[0] == '.')
            continue;
        int sfd = openat(d->spool.archive_fd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *sub = sfd >= 0 ? fdopendir(sfd) : NULL;
        struct dirent *f;
        if (!sub) {
            if (sfd >= 0)
                close(sfd);
            continue;
        }
        while ((f = readdir(sub)))
            if (strlen(f->d_name) == 64 && strspn(f->d_name, "0123456789abcdef") == 64 &&
                reprocess_push(d, f->d_name) == 0)
                n++;
        closedir(sub);
    }
    closedir(top);
    pipeline_pump(d);
    return n;
}

void pipeline_check_timeouts(struct daemon *d)
{
    uint64_t now = uv_hrtime();
    uint64_t limit = (uint64_t)(d->cfg.stage_timeout * 1e9);
    int stuck = 0;
    for (struct job *j = d->jobs; j; j = j->next) {
        if (!j->stage_start || now - j->stage_start <= limit)
            continue;
        stuck = 1;
        if (!j->timed_out_logged) {
            j->timed_out_logged = 1;
            log_err("doc %s: plugin %s has been processing it for %.1f s, past "
                    "stage_timeout (%g s): the pipeline is stuck; watchdog pings stop",
                    j->doc ? j->doc->id : "?", d->plugins[j->stage].name,
                    (double)(now - j->stage_start) / 1e9, d->cfg.stage_timeout);
        }
    }
    d->stuck = stuck;
}

/* Stop: jobs not started yet stay where they are (inbox, work/, archive). */
void pipeline_abandon_waiting(struct daemon *d)
{
    struct job *j;
    struct pname *p;
    while ((j = queue_pop(&d->recovered_head, &d->recovered_tail)))
        job_free(j);
    while ((p = d->reprocess_head)) {
        d->reprocess_head = p->next;
        free(p);
    }
    d->reprocess_tail = NULL;
    d->n_reprocess_waiting = 0;
    while ((p = d->pend_head)) {
        d->pend_head = p->next;
        free(p);
    }
    d->pend_tail = NULL;
    d->n_pending = 0;
    strset_clear(&d->pending);
    /* Jobs waiting out a retry backoff hold no thread: release them now. */
    for (j = d->jobs; j;) {
        struct job *next = j->next;
        if (j->retry_timer_open && uv_is_active((uv_handle_t *)&j->retry_timer)) {
            uv_timer_stop(&j->retry_timer);
            job_release(j);
        }
        j = next;
    }
}

void pipeline_clear(struct daemon *d)
{
    pipeline_abandon_waiting(d);
    strset_clear(&d->rejected);
    strset_clear(&d->ids_inflight);
}
