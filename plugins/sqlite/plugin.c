/*
 * The sqlite index plugin: stage INDEX, concurrent process() with group
 * commit, contains() on read-only connections.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ckpt.h"
#include "sqlidx.h"
#include "store.h"
#include "tokenizer.h"

#define PLUGIN_NAME "sqlite"
#define READERS_KEEP 8

struct reader {
    sqlite3 *db;
    sqlite3_stmt *has;
    struct reader *next;
};

struct sqlidx {
    const inboxd_host *host;
    char path[4096];
    sqlite3 *db;
    struct store *store;
    struct ckpt *ckpt;
    struct batch batch;
    int batch_ok;
    struct schema_report rep;
    pthread_mutex_t rmu;
    struct reader *readers;
    int n_readers;
};

struct config {
    char db[4096];
    long linger_ms, batch_max, cache_mib;
    long long max_pages;
    int sync_full, check_always;
};

static int parse_config(const char *json, struct config *c, char *err,
                        size_t errlen)
{
    json_error_t je;
    json_t *o = json_loads(json ? json : "{}", 0, &je), *v;
    const char *k;
    int rc = -EINVAL;

    snprintf(c->db, sizeof c->db, "inboxd.db");
    c->linger_ms = 5;
    c->batch_max = 256;
    c->cache_mib = 32;
    c->max_pages = 0;
    c->sync_full = 0;
    c->check_always = 0;
    if (!json_is_object(o)) {
        snprintf(err, errlen, "config: not a JSON object (%s)",
                 o ? "wrong type" : je.text);
        goto out;
    }
    json_object_foreach(o, k, v) {
        if (strcmp(k, "db") == 0) {
            if (!json_is_string(v) || !*json_string_value(v) ||
                strlen(json_string_value(v)) >= sizeof c->db) {
                snprintf(err, errlen, "config: \"db\" must be a path");
                goto out;
            }
            snprintf(c->db, sizeof c->db, "%s", json_string_value(v));
        } else if (strcmp(k, "linger_ms") == 0 || strcmp(k, "batch_max") == 0 ||
                   strcmp(k, "cache_mib") == 0 ||
                   strcmp(k, "max_page_count") == 0) {
            json_int_t n = json_integer_value(v);
            json_int_t hi = k[0] == 'l' ? 1000 : k[0] == 'b' ? 100000
                            : k[0] == 'c' ? 65536 : LLONG_MAX;
            json_int_t lo = k[0] == 'b' ? 1 : 0;
            if (!json_is_integer(v) || n < lo || n > hi) {
                snprintf(err, errlen, "config: \"%s\" must be an integer "
                         "in %lld..%lld", k, (long long)lo, (long long)hi);
                goto out;
            }
            if (k[0] == 'l')
                c->linger_ms = (long)n;
            else if (k[0] == 'b')
                c->batch_max = (long)n;
            else if (k[0] == 'c')
                c->cache_mib = (long)n;
            else
                c->max_pages = (long long)n;
        } else if (strcmp(k, "synchronous") == 0) {
            const char *s = json_string_value(v);
            if (!s || (strcmp(s, "normal") && strcmp(s, "full"))) {
                snprintf(err, errlen,
                         "config: \"synchronous\" must be \"normal\" or "
                         "\"full\"");
                goto out;
            }
            c->sync_full = strcmp(s, "full") == 0;
        } else if (strcmp(k, "integrity_check") == 0) {
            const char *s = json_string_value(v);
            if (!s || (strcmp(s, "unclean") && strcmp(s, "always"))) {
                snprintf(err, errlen,
                         "config: \"integrity_check\" must be \"unclean\" "
                         "or \"always\"");
                goto out;
            }
            c->check_always = strcmp(s, "always") == 0;
        } else {
            snprintf(err, errlen,
                     "config: unknown key \"%.64s\" (known: db, linger_ms, "
                     "batch_max, synchronous, integrity_check, cache_mib, "
                     "max_page_count)",
                     k);
            goto out;
        }
    }
    {
        const char *env = getenv("INBOXD_SQLITE_MAX_PAGE_COUNT");
        if (env && *env) {
            char *end;
            long long n = strtoll(env, &end, 10);
            if (*end || n < 0) {
                snprintf(err, errlen,
                         "INBOXD_SQLITE_MAX_PAGE_COUNT=%.32s: not a number",
                         env);
                goto out;
            }
            c->max_pages = n;
        }
    }
    rc = 0;
out:
    json_decref(o);
    return rc;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Transient conditions: the document waits in work/ and is retried. */
static int transient(int rc)
{
    switch (rc & 0xFF) {
    case SQLITE_FULL: case SQLITE_IOERR: case SQLITE_READONLY:
    case SQLITE_BUSY: case SQLITE_LOCKED: case SQLITE_NOMEM:
    case SQLITE_CANTOPEN: case SQLITE_CORRUPT: case SQLITE_PROTOCOL:
    case SQLITE_INTERRUPT: case SQLITE_NOTADB: case SQLITE_PERM:
        return 1;
    default:
        return 0;
    }
}

static const char *hint(int rc)
{
    switch (rc & 0xFF) {
    case SQLITE_FULL: return " (disk full or the size limit reached)";
    case SQLITE_READONLY: return " (read-only file system or database)";
    case SQLITE_IOERR: return " (I/O error)";
    case SQLITE_BUSY: return " (another process holds the write lock)";
    case SQLITE_CORRUPT: return " (database corrupt: check it)";
    default: return "";
    }
}

static void set_error(struct sqlidx *x, struct batch_job *j, int rc,
                      const char *msg)
{
    j->status = transient(rc) ? INBOXD_RETRY : INBOXD_FAILED;
    snprintf(j->err, sizeof j->err, "index: cannot store the document in "
             "%.200s: %.200s%s", x->path, msg, hint(rc));
}

static void fail_all(struct sqlidx *x, struct batch_job **jobs, size_t n,
                     int rc, const char *msg)
{
    for (size_t i = 0; i < n; i++) {
        set_error(x, jobs[i], rc, msg);
        jobs[i]->status = INBOXD_RETRY; /* nothing of it is stored */
    }
    x->host->log(INBOXD_LOG_WARNING, PLUGIN_NAME, NULL,
                 "a batch of %zu document(s) was not stored: %s%s", n, msg,
                 hint(rc));
}

#define TXN_BEGIN ((size_t)-1)

/* Writes jobs[0..n) in one transaction.  SQLITE_OK with every job OK, or
 * the failing SQLite code with the transaction rolled back, msg set and
 * *bad set to the job that failed: TXN_BEGIN when BEGIN failed, n when
 * COMMIT did (FTS5 writes its terms out then). */
static int write_txn(struct sqlidx *x, struct batch_job **jobs, size_t n,
                     int64_t now, size_t *bad, char *msg, size_t msglen)
{
    size_t i = 0;
    int written;
    int rc = sqlite3_exec(x->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        *bad = TXN_BEGIN;
        goto fail;
    }
    for (i = 0; i < n; i++) {
        rc = store_write(x->store, jobs[i]->item, now, &written);
        if (rc != SQLITE_OK) {
            *bad = i;
            goto fail;
        }
    }
    rc = sqlite3_exec(x->db, "COMMIT", NULL, NULL, NULL);
    if (rc == SQLITE_OK) {
        for (i = 0; i < n; i++)
            jobs[i]->status = INBOXD_OK;
        return SQLITE_OK;
    }
    *bad = n;
fail:
    snprintf(msg, msglen, "%s", sqlite3_errmsg(x->db));
    if (!sqlite3_get_autocommit(x->db))
        sqlite3_exec(x->db, "ROLLBACK", NULL, NULL, NULL);
    store_rolled_back(x->store);
    return rc;
}

/* One document in its own transaction, its status set. */
static void commit_one(struct sqlidx *x, struct batch_job *job, int64_t now)
{
    char msg[256];
    size_t bad = 0;
    int rc = write_txn(x, &job, 1, now, &bad, msg, sizeof msg);
    if (rc == SQLITE_OK)
        return;
    if (bad != 0) { /* BEGIN or COMMIT: nothing of it is stored */
        fail_all(x, &job, 1, rc, msg);
        return;
    }
    set_error(x, job, rc, msg);
    x->host->log(INBOXD_LOG_WARNING, PLUGIN_NAME, NULL,
                 "document %s not stored: %s%s",
                 ((struct sdoc *)job->item)->id, msg, hint(rc));
}

/* One transaction for the whole batch, without a savepoint per document
 * (FTS5 writes its pending terms out at every savepoint: a batch shares
 * one new segment).  When a write or the commit fails, the batch is
 * rolled back and each document is written in its own transaction, so
 * the others are stored and only the failing one is reported. */
static void commit(void *arg, struct batch_job **jobs, size_t n)
{
    struct sqlidx *x = arg;
    char msg[256];
    size_t bad = 0;
    int64_t now = now_ms();
    int rc;
    if (n == 1) {
        commit_one(x, jobs[0], now);
        return;
    }
    rc = write_txn(x, jobs, n, now, &bad, msg, sizeof msg);
    if (rc == SQLITE_OK)
        return;
    if (bad == TXN_BEGIN) {
        fail_all(x, jobs, n, rc, msg);
        return;
    }
    for (size_t i = 0; i < n; i++)
        commit_one(x, jobs[i], now);
}

/* --- readers for contains() ------------------------------------------------ */

static void reader_close(struct reader *r)
{
    if (!r)
        return;
    sqlite3_finalize(r->has);
    sqlite3_close(r->db);
    free(r);
}

static struct reader *reader_get(struct sqlidx *x, char *err, size_t errlen)
{
    struct reader *r;
    pthread_mutex_lock(&x->rmu);
    r = x->readers;
    if (r) {
        x->readers = r->next;
        x->n_readers--;
    }
    pthread_mutex_unlock(&x->rmu);
    if (r)
        return r;
    r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (schema_open_reader(x->path, &r->db, err, errlen) < 0 ||
        sqlite3_prepare_v3(r->db, "SELECT 1 FROM documents WHERE id = ?1", -1,
                           SQLITE_PREPARE_PERSISTENT, &r->has,
                           NULL) != SQLITE_OK) {
        if (r->db)
            snprintf(err, errlen, "%s", sqlite3_errmsg(r->db));
        reader_close(r);
        return NULL;
    }
    return r;
}

static void reader_put(struct sqlidx *x, struct reader *r)
{
    pthread_mutex_lock(&x->rmu);
    if (x->n_readers < READERS_KEEP) {
        r->next = x->readers;
        x->readers = r;
        x->n_readers++;
        r = NULL;
    }
    pthread_mutex_unlock(&x->rmu);
    reader_close(r);
}

static int sq_contains(void *instance, const char *id)
{
    struct sqlidx *x = instance;
    char err[512];
    struct reader *r;
    int rc;
    if (!x || !id)
        return -EINVAL;
    r = reader_get(x, err, sizeof err);
    if (!r) {
        x->host->log(INBOXD_LOG_ERR, PLUGIN_NAME, NULL, "contains: %s", err);
        return -EIO;
    }
    sqlite3_bind_text(r->has, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(r->has);
    sqlite3_reset(r->has);
    sqlite3_clear_bindings(r->has);
    reader_put(x, r);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return (rc & 0xFF) == SQLITE_BUSY ? -EBUSY : -EIO;
}

/* --- the plugin ------------------------------------------------------------ */

static void sq_destroy(void *instance)
{
    struct sqlidx *x = instance;
    struct reader *r, *next;
    if (!x)
        return;
    for (r = x->readers; r; r = next) {
        next = r->next;
        reader_close(r);
    }
    store_free(x->store);
    ckpt_stop(x->ckpt);
    if (x->db && schema_close_writer(x->db) < 0)
        x->host->log(INBOXD_LOG_WARNING, PLUGIN_NAME, NULL,
                     "%s: could not record the clean shutdown; the next "
                     "start will check the database",
                     x->path);
    if (x->batch_ok)
        batch_destroy(&x->batch);
    pthread_mutex_destroy(&x->rmu);
    tok_pool_drain();
    free(x);
}

static void exclusive(void *arg, void (*fn)(void *), void *fn_arg)
{
    struct sqlidx *x = arg;
    batch_exclusive(&x->batch, fn, fn_arg);
}

static int resolve_path(struct sqlidx *x, const struct config *c, char *err,
                        size_t errlen)
{
    const char *dir;
    if (c->db[0] == '/') {
        snprintf(x->path, sizeof x->path, "%s", c->db);
        return 0;
    }
    dir = x->host->state_dir ? x->host->state_dir() : NULL;
    if (!dir || !*dir) {
        snprintf(err, errlen, "no state directory to keep %s in (give an "
                 "absolute \"db\" path)", c->db);
        return -EINVAL;
    }
    if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "state directory %s: %s", dir, strerror(errno));
        return -errno;
    }
    if ((size_t)snprintf(x->path, sizeof x->path, "%s/%s", dir, c->db) >=
        sizeof x->path) {
        snprintf(err, errlen, "database path too long");
        return -ENAMETOOLONG;
    }
    return 0;
}

static int sq_create(void **instance, const char *config_json,
                     const inboxd_host *host, char *err, size_t errlen)
{
    struct sqlidx *x;
    struct config c;
    struct schema_opts so = {0};
    int rc;

    *instance = NULL;
    rc = parse_config(config_json, &c, err, errlen);
    if (rc < 0)
        return rc;
    x = calloc(1, sizeof *x);
    if (!x) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    x->host = host;
    pthread_mutex_init(&x->rmu, NULL);
    rc = resolve_path(x, &c, err, errlen);
    if (rc < 0)
        goto fail;
    so.synchronous_full = c.sync_full;
    so.max_pages = c.max_pages;
    so.check_always = c.check_always;
    so.cache_kib = (int)(c.cache_mib * 1024);
    rc = schema_open_writer(x->path, &so, &x->db, &x->rep, err, errlen);
    if (rc < 0)
        goto fail;
    if (store_new(x->db, &x->store) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot prepare statements: %s", x->path,
                 sqlite3_errmsg(x->db));
        rc = -EIO;
        goto fail;
    }
    rc = batch_init(&x->batch, (unsigned)c.linger_ms, (size_t)c.batch_max,
                    commit, x);
    if (rc < 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    x->batch_ok = 1;
    {
        char why[512];
        if (ckpt_start(&x->ckpt, x->db, x->path, exclusive, x, why,
                       sizeof why) < 0)
            host->log(INBOXD_LOG_WARNING, PLUGIN_NAME, NULL,
                      "%s: checkpoints stay in the commits: %s", x->path,
                      why);
    }
    host->log(INBOXD_LOG_INFO, PLUGIN_NAME, NULL,
              "%s: %s (schema %d%s%s)", x->path,
              x->rep.created ? "created" : "opened", SCHEMA_VERSION,
              x->rep.integrity_checked ? ", checked after an unclean stop"
                                       : "",
              x->rep.rebuilt_fts ? ", full-text index rebuilt" : "");
    *instance = x;
    return 0;
fail:
    sq_destroy(x);
    return rc;
}

static int sq_process(void *instance, inboxd_doc *doc)
{
    struct sqlidx *x = instance;
    struct sdoc d;
    struct batch_job job;
    char err[256];
    int rc;
    batch_enter(&x->batch);
    rc = sdoc_prepare(&d, x->host, doc, err, sizeof err);
    if (rc < 0) {
        batch_leave(&x->batch);
        x->host->doc_error(doc, "index: %s", err);
        return rc == -ENOMEM ? INBOXD_RETRY : INBOXD_FAILED;
    }
    memset(&job, 0, sizeof job);
    job.item = &d;
    batch_submit(&x->batch, &job);
    sdoc_clear(&d);
    if (job.status != INBOXD_OK)
        x->host->doc_error(doc, "%s", job.err);
    return job.status;
}

void sqlidx_get_info(void *instance, struct sqlidx_info *out)
{
    struct sqlidx *x = instance;
    memset(out, 0, sizeof *out);
    out->batch = batch_get_stats(&x->batch);
    out->checkpoints = ckpt_count(x->ckpt);
    out->open = x->rep;
    snprintf(out->path, sizeof out->path, "%s", x->path);
}

void sqlidx_hold_batch(void *instance, int hold)
{
    struct sqlidx *x = instance;
    if (hold)
        batch_enter(&x->batch);
    else
        batch_leave(&x->batch);
}

struct set_pages {
    struct sqlidx *x;
    long long pages;
    long long result;
};

static void set_pages(void *arg)
{
    struct set_pages *p = arg;
    char sql[64];
    sqlite3_stmt *st;
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", p->pages);
    p->result = -EIO;
    if (sqlite3_prepare_v2(p->x->db, sql, -1, &st, NULL) != SQLITE_OK)
        return;
    if (sqlite3_step(st) == SQLITE_ROW)
        p->result = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
}

long long sqlidx_set_max_pages(void *instance, long long pages)
{
    struct set_pages p = {instance, pages, -EIO};
    batch_exclusive(&p.x->batch, set_pages, &p);
    return p.result;
}

const inboxd_plugin sqlidx_desc = {
    .abi_version = INBOXD_ABI_VERSION,
    .size = sizeof(inboxd_plugin),
    .signature = INBOXD_BUILD_SIGNATURE,
    .name = PLUGIN_NAME,
    .version = "1.0.0",
    .description = "SQLite store: documents, FTS5 full-text index with an "
                   "ICU tokenizer for Arabic, Greek, Latin and CJK, entities",
    .stage = INBOXD_STAGE_INDEX,
    .flags = INBOXD_PLUGIN_CONCURRENT,
    .create = sq_create,
    .process = sq_process,
    .destroy = sq_destroy,
    .contains = sq_contains,
};

INBOXD_PLUGIN_EXPORT(sqlidx_desc)
