/*
 * The inboxd rows: a fresh daemon with the production configuration
 * (etc/inboxd.json, its paths moved into the work folder), the production
 * plugins parse, entities, sqlite by name from BUILD/plugins.
 *
 * Bulk ingest: every corpus file is renamed into the inbox at once; the
 * clock runs from the first rename() to the last document.done (or
 * .failed/.duplicate).  Then, the daemon idle, latency: single files
 * renamed in one at a time, each after the previous one is done, timed
 * from rename() to the arrival of its document.done.
 *
 * A production plugin that did not build is left out of the pipeline and
 * the row says so; a missing parse stage is stood in for by the test
 * plugin test_parse (text = the bytes), also said in the row, because the
 * later stages need a text.
 */
#include "bn.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const stages[] = {"parse", "entities", "sqlite"};
#define N_STAGES 3

struct dstate {
    struct bn_run *r;
    char cfg[1024], inbox[1024], state[1024], sock[1024], log[1024], staging[1024];
    pid_t pid;
    struct bn_sock *sock_c;
    json_t *stage_sum; /* stage name -> summed ms */
    size_t stage_n;
};

/* Adds the "timings_ms" object of a document.done line to the sums. */
static void add_timings(struct dstate *d, const char *line)
{
    const char *p = strstr(line, "\"timings_ms\":");
    if (!p)
        return;
    p = strchr(p, '{');
    const char *e = p ? strchr(p, '}') : NULL;
    if (!e)
        return;
    json_t *t = json_loadb(p, (size_t)(e - p + 1), 0, NULL);
    const char *k;
    json_t *v;
    if (!t)
        return;
    json_object_foreach(t, k, v)
    {
        json_t *sum = json_object_get(d->stage_sum, k);
        double prev = sum ? json_real_value(sum) : 0;
        json_object_set_new(d->stage_sum, k, json_real(prev + json_number_value(v)));
    }
    d->stage_n++;
    json_decref(t);
}

/* Mean ms per document per stage, and resets the sums. */
static json_t *stage_means(struct dstate *d)
{
    json_t *m = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(d->stage_sum, k, v)
    json_object_set_new(m, k,
                        json_real(d->stage_n ? json_real_value(v) / (double)d->stage_n : 0));
    json_object_clear(d->stage_sum);
    d->stage_n = 0;
    return m;
}

/* The plugins array for the config, and the row's description of it. */
static json_t *choose_pipeline(struct dstate *d, json_t *prod_plugins, json_t *row)
{
    struct bn_run *r = d->r;
    json_t *arr = json_array(), *names = json_array(), *missing = json_array();
    for (int i = 0; i < N_STAGES; i++) {
        char path[1024];
        json_t *conf = NULL;
        size_t k;
        json_t *pc;
        json_array_foreach(prod_plugins, k, pc)
        {
            const char *nm = json_string_value(json_object_get(pc, "name"));
            if (nm && strcmp(nm, stages[i]) == 0)
                conf = json_object_get(pc, "config");
        }
        snprintf(path, sizeof path, "%s/plugins/%s.so", r->o->build, stages[i]);
        if (bn_in_list(r->o->have, stages[i]) && bn_is_file(path)) {
            json_array_append_new(arr, json_pack("{s:s, s:s, s:O}", "name", stages[i], "path",
                                                 path, "config",
                                                 conf ? conf : json_object()));
            json_array_append_new(names, json_string(stages[i]));
            continue;
        }
        json_array_append_new(missing, json_string(stages[i]));
        if (i == 0) {
            snprintf(path, sizeof path, "%s/tests/plugins/test_parse.so", r->o->build);
            if (bn_is_file(path)) {
                json_array_append_new(arr, json_pack("{s:s, s:s}", "name", "test_parse",
                                                     "path", path));
                json_array_append_new(names, json_string("test_parse (stand-in)"));
                bn_log("plugin parse not built: the test plugin test_parse stands in "
                       "(text = the raw bytes)");
                continue;
            }
            /* Without any parse stage every document would fail: no row. */
            json_decref(arr);
            json_decref(names);
            json_decref(missing);
            return NULL;
        }
        bn_log("plugin %s not built: left out of the daemon's pipeline", stages[i]);
    }
    json_object_set_new(row, "pipeline", names);
    json_object_set_new(row, "missing_plugins", missing);
    return arr;
}

static int write_config(struct dstate *d, json_t *row)
{
    struct bn_run *r = d->r;
    char path[1024], err_line[1400] = "";
    json_error_t jerr;
    snprintf(path, sizeof path, "%s/etc/inboxd.json", r->o->top);
    json_t *conf = json_load_file(path, 0, &jerr);
    if (!conf || !json_is_object(conf)) {
        snprintf(err_line, sizeof err_line, "%s: %s (line %d)", path, jerr.text, jerr.line);
        bn_log("cannot read the production config %s; using the embedded defaults", err_line);
        json_decref(conf);
        conf = json_object();
    }
    json_t *prod = json_object_get(conf, "plugins");
    json_t *plugins = choose_pipeline(d, json_is_array(prod) ? prod : NULL, row);
    if (!plugins) {
        json_decref(conf);
        return -ENOENT;
    }
    snprintf(path, sizeof path, "%s/etc/inboxd", r->o->top);
    json_object_set_new(conf, "inbox", json_string(d->inbox));
    json_object_set_new(conf, "state_dir", json_string(d->state));
    json_object_set_new(conf, "socket", json_string(d->sock));
    json_object_set_new(conf, "config_dir", json_string(path));
    snprintf(path, sizeof path, "%s/plugins", r->o->build);
    json_object_set_new(conf, "plugin_dir", json_string(path));
    if (r->o->isolate) {
        size_t i;
        json_t *p;
        json_array_foreach(plugins, i, p) {
            const char *nm = json_string_value(json_object_get(p, "name"));
            if (nm && (strcmp(nm, "parse") == 0 || strcmp(nm, "entities") == 0))
                json_object_set_new(p, "isolate", json_true());
        }
        bn_log("parse and entities run isolated in worker processes (--isolate)");
    }
    json_object_set_new(conf, "plugins", plugins);
    int rc = json_dump_file(conf, d->cfg, JSON_INDENT(2)) == 0 ? 0 : -EIO;
    if (rc < 0)
        bn_log("cannot write %s", d->cfg);
    json_decref(conf);
    return rc;
}

static void log_tail(const char *path)
{
    size_t len;
    char *s = bn_slurp(path, &len);
    if (!s)
        return;
    const char *p = len > 2000 ? s + len - 2000 : s;
    bn_log("the daemon's log ends with:\n%s", p);
    free(s);
}

static int start(struct dstate *d)
{
    char prog[1024];
    snprintf(prog, sizeof prog, "%s/inboxd", d->r->o->build);
    char *argv[] = {prog, "--config", d->cfg, NULL};
    d->pid = bn_spawn(argv, d->log);
    if (d->pid < 0) {
        bn_log("cannot start %s: %s", prog, strerror((int)-d->pid));
        return (int)d->pid;
    }
    d->sock_c = bn_sock_open(d->sock, "document.done,document.failed,document.duplicate,"
                                      "document.rejected",
                             60);
    if (!d->sock_c) {
        log_tail(d->log);
        return -EIO;
    }
    return 0;
}

/* Copies the corpus into staging (same file system as the inbox). */
static int stage_corpus(struct dstate *d)
{
    struct bn_run *r = d->r;
    for (size_t i = 0; i < r->o->n; i++) {
        char src[2048], dst[2048];
        size_t len;
        snprintf(src, sizeof src, "%s/r%07zu.txt", r->corpus_dir, i);
        snprintf(dst, sizeof dst, "%s/r%07zu.txt", d->staging, i);
        char *s = bn_slurp(src, &len);
        int rc = s ? bn_write(dst, s, len) : -errno;
        free(s);
        if (rc < 0) {
            bn_log("cannot copy %s to %s: %s", src, dst, strerror(-rc));
            return rc;
        }
    }
    return 0;
}

struct counts {
    size_t done, failed, dup, rejected;
};

/* Handles one event line; returns 1 for a terminal event, 0 for another,
 * -EIO when the daemon dropped us (overflow). */
static int on_line(struct dstate *d, const char *line, struct counts *c)
{
    char ev[64];
    if (bn_event_name(line, ev, sizeof ev) < 0)
        return 0;
    if (strcmp(ev, "document.done") == 0) {
        c->done++;
        add_timings(d, line);
        return 1;
    }
    if (strcmp(ev, "document.failed") == 0) {
        if (c->failed++ < 5)
            bn_log("document failed: %.400s", line);
        return 1;
    }
    if (strcmp(ev, "document.duplicate") == 0) {
        c->dup++;
        return 1;
    }
    if (strcmp(ev, "document.rejected") == 0) {
        if (c->rejected++ < 5)
            bn_log("document rejected: %.400s", line);
        return 1;
    }
    if (strcmp(ev, "overflow") == 0) {
        bn_log("the daemon dropped the subscriber: %s", line);
        return -EIO;
    }
    return 0;
}

static void progress(struct dstate *d, size_t n, size_t total, double t0)
{
    double el = bn_now() - t0;
    long rss = bn_proc_kb(d->pid, "VmRSS");
    bn_progress("ingest: %zu / %zu done, %.0f docs/s, daemon RSS %.1f MB", n, total,
                el > 0 ? (double)n / el : 0, rss > 0 ? (double)rss / 1024 : 0);
}

/* The renames of the bulk run, on a thread of their own so that the
 * events are read all along: with 100,000 files the renames take long
 * enough that a reader who only looks up between them falls more than the
 * daemon's client_buffer behind and is dropped. */
struct mover {
    struct dstate *d;
    size_t n;
    double t0, seconds;
    int err;  /* 0 or an errno */
    int stop; /* set by the reader when it gives up */
};

static void *move_all(void *arg)
{
    struct mover *m = arg;
    for (size_t i = 0; i < m->n && !__atomic_load_n(&m->stop, __ATOMIC_RELAXED); i++) {
        char src[2048], dst[2048];
        snprintf(src, sizeof src, "%s/r%07zu.txt", m->d->staging, i);
        snprintf(dst, sizeof dst, "%s/r%07zu.txt", m->d->inbox, i);
        if (rename(src, dst) < 0) {
            __atomic_store_n(&m->err, errno, __ATOMIC_RELAXED);
            bn_log("rename %s -> %s: %s", src, dst, strerror(errno));
            break;
        }
    }
    m->seconds = bn_now() - m->t0;
    return NULL;
}

static int bulk(struct dstate *d, json_t *row)
{
    struct bn_run *r = d->r;
    size_t n = r->o->n, got = 0;
    struct counts c = {0};
    int eof = 0, rc = 0;
    const char *line;
    struct mover m = {.d = d, .n = n};
    pthread_t mover;

    double cpu0 = bn_proc_cpu(d->pid);
    double t0 = bn_now(), t_last = t0;
    m.t0 = t0;
    if ((rc = pthread_create(&mover, NULL, move_all, &m)) != 0) {
        bn_log("cannot start the mover thread: %s", strerror(rc));
        return -rc;
    }
    /* VmRSS when a quarter, half, three quarters, all are done: memory that
     * grows with the documents shows here within one run. */
    json_t *quart = json_array();
    size_t next_q = 1;
    while (got < n) {
        line = bn_sock_line(d->sock_c, 1, &eof);
        if (!line) {
            if (__atomic_load_n(&m.err, __ATOMIC_RELAXED)) {
                rc = -EIO;
                break;
            }
            if (eof || bn_now() - t_last > 300 || waitpid(d->pid, NULL, WNOHANG) == d->pid) {
                bn_log("ingest stalled at %zu / %zu (%s)", got, n,
                       eof ? "the daemon closed the socket" : "no event for 300 s");
                log_tail(d->log);
                rc = -ETIMEDOUT;
                break;
            }
            progress(d, got, n, t0);
            continue;
        }
        int t = on_line(d, line, &c);
        if (t < 0) {
            rc = t;
            break;
        }
        if (t > 0) {
            got++;
            t_last = bn_now();
            if (got % 64 == 0)
                progress(d, got, n, t0);
            while (next_q <= 4 && got >= n * next_q / 4) {
                json_array_append_new(quart, json_integer(bn_proc_kb(d->pid, "VmRSS")));
                next_q++;
            }
        }
    }
    bn_progress_end();
    __atomic_store_n(&m.stop, 1, __ATOMIC_RELAXED);
    pthread_join(mover, NULL);
    double t_moved = m.seconds;
    if (m.err)
        rc = -m.err;
    json_object_set_new(row, "rss_kb_at_quarters", quart);
    double secs = t_last - t0;
    double cpu = bn_proc_cpu(d->pid) - cpu0;
    long hwm = bn_proc_kb(d->pid, "VmHWM");
    char db[2048], wal[2100];
    snprintf(db, sizeof db, "%s/inboxd.db", d->state);
    snprintf(wal, sizeof wal, "%s-wal", db);
    uint64_t dbb = bn_fsize(db) + bn_fsize(wal);
    json_object_set_new(row, "docs", json_integer((json_int_t)n));
    json_object_set_new(row, "done", json_integer((json_int_t)c.done));
    json_object_set_new(row, "failed", json_integer((json_int_t)c.failed));
    json_object_set_new(row, "duplicates", json_integer((json_int_t)c.dup));
    json_object_set_new(row, "rejected", json_integer((json_int_t)c.rejected));
    json_object_set_new(row, "complete", json_boolean(rc == 0));
    json_object_set_new(row, "seconds", json_real(secs));
    json_object_set_new(row, "move_seconds", json_real(t_moved));
    json_object_set_new(row, "docs_per_s", json_real(secs > 0 ? (double)got / secs : 0));
    json_object_set_new(row, "mb_per_s",
                        json_real(secs > 0 && n ? (double)r->corpus_bytes * (double)got /
                                                      (double)n / 1e6 / secs
                                                : 0));
    json_object_set_new(row, "peak_rss_kb", json_integer(hwm));
    json_object_set_new(row, "cpu_s", json_real(cpu));
    json_object_set_new(row, "cpu_ms_per_doc", json_real(got ? cpu * 1000 / (double)got : 0));
    json_object_set_new(row, "db_bytes_after_ingest", json_integer((json_int_t)dbb));
    json_object_set_new(row, "stage_ms_mean", stage_means(d));
    bn_log("ingest: %zu done, %zu failed, %zu duplicates, %zu rejected in %.2f s "
           "(%.0f docs/s), peak RSS %.1f MB, CPU %.1f s",
           c.done, c.failed, c.dup, c.rejected, secs, secs > 0 ? (double)got / secs : 0,
           (double)hwm / 1024, cpu);
    return rc;
}

/* Waits for the terminal event of name; returns its time, or < 0. */
static double wait_for(struct dstate *d, const char *name, int *ok)
{
    double t0 = bn_now();
    int eof = 0;
    *ok = 0;
    while (bn_now() - t0 < 120) {
        const char *line = bn_sock_line(d->sock_c, 1, &eof);
        double t = bn_now();
        if (!line) {
            if (eof)
                return -1;
            continue;
        }
        char ev[64];
        if (bn_event_name(line, ev, sizeof ev) < 0)
            continue;
        json_t *o = json_loads(line, 0, NULL);
        const char *nm = json_string_value(json_object_get(json_object_get(o, "doc"), "name"));
        int mine = nm && strcmp(nm, name) == 0;
        if (mine) {
            *ok = strcmp(ev, "document.done") == 0;
            if (*ok)
                add_timings(d, line);
            else
                bn_log("latency: %s ended with %s: %.300s", name, ev, line);
        }
        json_decref(o);
        if (mine)
            return t;
    }
    return -1;
}

static int latency(struct dstate *d, json_t *row)
{
    struct bn_run *r = d->r;
    size_t n = r->o->latency_n, got = 0, failed = 0;
    double *lat = calloc(n ? n : 1, sizeof *lat);
    uint64_t bytes;
    int rc = 0;
    if (!lat)
        return -ENOMEM;
    /* Fresh documents (numbers after the corpus), written beforehand. */
    rc = bn_corpus_write(r->corpus, d->staging, r->o->n, n, &bytes);
    if (rc < 0)
        goto out;
    sleep(1); /* idle: let the bulk run's last commits and checkpoints end */
    for (size_t i = 0; i < n; i++) {
        char name[64], src[2048], dst[2048];
        int ok;
        snprintf(name, sizeof name, "r%07zu.txt", r->o->n + i);
        snprintf(src, sizeof src, "%s/%s", d->staging, name);
        snprintf(dst, sizeof dst, "%s/%s", d->inbox, name);
        double t0 = bn_now();
        if (rename(src, dst) < 0) {
            rc = -errno;
            bn_log("rename %s: %s", src, strerror(errno));
            goto out;
        }
        double t1 = wait_for(d, name, &ok);
        if (t1 < 0) {
            bn_log("latency: no event for %s within 120 s", name);
            rc = -ETIMEDOUT;
            break;
        }
        if (!ok) {
            failed++;
            continue;
        }
        lat[got++] = (t1 - t0) * 1000;
        if (got % 20 == 0)
            bn_progress("latency: %zu / %zu, last %.2f ms", got, n, lat[got - 1]);
    }
    bn_progress_end();
    qsort(lat, got, sizeof *lat, bn_cmp_double);
    double sum = 0;
    for (size_t i = 0; i < got; i++)
        sum += lat[i];
    json_object_set_new(row, "drops", json_integer((json_int_t)n));
    json_object_set_new(row, "done", json_integer((json_int_t)got));
    json_object_set_new(row, "failed", json_integer((json_int_t)failed));
    json_object_set_new(row, "p50_ms", json_real(bn_quantile(lat, got, 0.50)));
    json_object_set_new(row, "p90_ms", json_real(bn_quantile(lat, got, 0.90)));
    json_object_set_new(row, "p99_ms", json_real(bn_quantile(lat, got, 0.99)));
    json_object_set_new(row, "max_ms", json_real(got ? lat[got - 1] : 0));
    json_object_set_new(row, "mean_ms", json_real(got ? sum / (double)got : 0));
    json_object_set_new(row, "stage_ms_mean", stage_means(d));
    bn_log("latency: %zu drops, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms", got,
           bn_quantile(lat, got, 0.50), bn_quantile(lat, got, 0.90),
           bn_quantile(lat, got, 0.99), got ? lat[got - 1] : 0);
out:
    free(lat);
    return rc;
}

int bn_daemon(struct bn_run *r)
{
    struct dstate d = {.r = r, .pid = -1};
    json_t *row = json_object(), *lrow = json_object();
    char prog[1024];
    int rc;

    d.stage_sum = json_object();
    snprintf(prog, sizeof prog, "%s/inboxd", r->o->build);
    if (!bn_is_exec(prog)) {
        json_decref(row);
        json_decref(lrow);
        json_decref(d.stage_sum);
        json_object_set_new(r->res, "inboxd", bn_skipped("%s not built", prog));
        json_object_set_new(r->res, "latency", bn_skipped("%s not built", prog));
        return 0;
    }
    snprintf(d.cfg, sizeof d.cfg, "%s/inboxd.json", r->dir);
    snprintf(d.inbox, sizeof d.inbox, "%s/inbox", r->dir);
    snprintf(d.state, sizeof d.state, "%s/state", r->dir);
    snprintf(d.sock, sizeof d.sock, "%s/inboxd.sock", r->dir);
    snprintf(d.log, sizeof d.log, "%s/daemon.log", r->dir);
    snprintf(d.staging, sizeof d.staging, "%s/staging", r->dir);
    if (mkdir(d.inbox, 0770) < 0 || mkdir(d.staging, 0770) < 0) {
        rc = -errno;
        bn_log("cannot make %s: %s", d.inbox, strerror(errno));
        goto out;
    }
    rc = write_config(&d, row);
    if (rc == -ENOENT) {
        json_decref(row);
        json_decref(lrow);
        json_decref(d.stage_sum);
        json_object_set_new(r->res, "inboxd",
                            bn_skipped("plugin parse not built (nor the test_parse stand-in)"));
        json_object_set_new(r->res, "latency", bn_skipped("no inboxd pipeline"));
        return 0;
    }
    if (rc == 0)
        rc = stage_corpus(&d);
    if (rc == 0)
        rc = start(&d);
    if (rc == 0) {
        bn_log("inboxd started (pid %ld, config %s)", (long)d.pid, d.cfg);
        rc = bulk(&d, row);
    }
    if (rc == 0) {
        /* The index holds exactly the corpus now: ask it the quality words
         * (read-only, beside the idle daemon) before latency adds more. */
        char db[2048];
        snprintf(db, sizeof db, "%s/inboxd.db", d.state);
        if (bn_fsize(db) > 0)
            snprintf(r->inboxd_db, sizeof r->inboxd_db, "%s", db);
        bn_quality(r);
    }
    if (rc == 0 && r->o->latency_n > 0)
        rc = latency(&d, lrow);
    else if (r->o->latency_n > 0)
        json_object_set_new(lrow, "skipped", json_string("the bulk ingest did not complete"));
out:
    bn_sock_close(d.sock_c);
    if (d.pid > 0) {
        int st = bn_stop(d.pid, 120);
        json_object_set_new(row, "exit_status", json_integer(st));
        if (st != 0) {
            bn_log("inboxd exited with status %d", st);
            log_tail(d.log);
        }
    }
    {
        char db[2048], wal[2100];
        snprintf(db, sizeof db, "%s/inboxd.db", d.state);
        snprintf(wal, sizeof wal, "%s-wal", db);
        uint64_t dbb = bn_fsize(db) + bn_fsize(wal);
        json_int_t stored = json_integer_value(json_object_get(row, "done")) +
                            json_integer_value(json_object_get(lrow, "done"));
        if (dbb > 0) {
            json_object_set_new(row, "db_bytes", json_integer((json_int_t)dbb));
            json_object_set_new(row, "db_bytes_per_doc",
                                json_real(stored > 0 ? (double)dbb / (double)stored : 0));
        }
    }
    if (rc < 0 && !json_object_get(row, "docs_per_s"))
        json_object_set_new(row, "error", json_string(strerror(-rc)));
    json_object_set_new(r->res, "inboxd", row);
    json_object_set_new(r->res, "latency", lrow);
    json_decref(d.stage_sum);
    return rc;
}
