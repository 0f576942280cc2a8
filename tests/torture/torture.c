/*
 * The torture test (issue 7, item 1): "drop it in and it is processed
 * exactly once, and nothing is ever lost", checked the way storage systems
 * check theirs.
 *
 * A writer process drops N reports into the inbox (Arabic, Greek,
 * Vietnamese, English, French; 0 bytes to MAX_SIZE; some not text, some
 * larger than max_bytes; 1% carrying a marker that makes a plugin crash),
 * half by close-write in place, half by write-then-rename.  Meanwhile a
 * killer SIGKILLs the daemon at random moments (during start-up too) and
 * starts it again, M times, and restarts it whenever it dies by itself.
 * Then one daemon runs until everything is settled, and every input file
 * is accounted for: exactly one of
 *   indexed   its hash is in archive/ and its id is in the index exactly
 *             once (STATE/inboxd.db with the sqlite plugin, the lines of
 *             STATE/torture-index.txt with the test index plugin), or it is
 *             a duplicate of indexed content;
 *   failed    exactly one failed/ID16_NAME with its NAME.error.json;
 *   rejected  still in the inbox, larger than max_bytes, with a
 *             document.rejected event saying why;
 * never missing, never twice.  Nothing is left in work/.  The figures go
 * to stderr and to $BUILD/torture-results.txt.
 *
 * Runs: the test plugins in make check; in make check-long the run with
 * the isolated crashing plugin uses the real plugins (parse and entities
 * isolated in workers, stage_timeout 30 s, sqlite) when all three are
 * built, as TORTURE_REAL=1 makes every run do; with a crashing plugin isolated in a worker
 * (crashes fail the document) and in process (crashes kill the daemon: the
 * document is quarantined as poison after max_attempts).  make check runs
 * short versions; INBOXD_LONG=1 (make check-long) the full sizes, and
 * TORTURE_N / TORTURE_M / TORTURE_MAX_SIZE override them.
 */
#include "../lib/e2e.h"
#include "util.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MARKER "CRASHME-TORTURE"

struct params {
    const char *label;
    int n;              /* documents */
    int m;              /* SIGKILLs */
    size_t max_size;    /* largest document */
    size_t max_bytes;   /* the daemon's max_bytes (larger: rejected) */
    int crash;          /* 0 none, 1 isolated crash plugin, 2 in process */
    int writer_ms;      /* how long the writer takes, about */
};

/* What the writer dropped, one per input file. */
struct entry {
    char name[64];
    char id[65];
    size_t size;
    int too_big;
    int crash;
};

static long env_long(const char *k, long dflt)
{
    const char *v = getenv(k);
    return v && *v ? strtol(v, NULL, 10) : dflt;
}

static int is_long(void) { return getenv("INBOXD_LONG") != NULL; }

/* The real plugins for the isolated-crash run in the long run (or for every
 * run with TORTURE_REAL=1) when all three are built; the test plugins
 * otherwise (fast, and exact about what fails). */
static int real_pipeline(const struct params *p)
{
    const char *names[] = {"parse", "entities", "sqlite"};
    if (!getenv("TORTURE_REAL") && !(is_long() && p->crash == 1))
        return 0;
    for (int i = 0; i < 3; i++) {
        char p[700];
        snprintf(p, sizeof p, "%s/plugins/%s.so", e2e_build(), names[i]);
        if (access(p, R_OK) != 0)
            return 0;
    }
    return 1;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- the writer ------------------------------------------------------------- */

static const char *texts[] = {"000_a330e98d170c7b72.txt", "001_9dbad9a477df04d3.txt",
                              "004_2a444d741088f182.txt", "parse/el_report.txt",
                              "parse/en_report.txt", "parse/fr_report.txt",
                              "parse/vi_report.txt"};
#define NTEXTS (sizeof texts / sizeof texts[0])

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* The bytes of document i (malloc'd). */
static unsigned char *make_doc(const struct params *p, int i, uint32_t *seed, char **fx,
                               size_t *fxlen, size_t *len, int *crash)
{
    uint32_t r = rnd(seed) % 1000;
    size_t want;
    unsigned char *b;
    char tail[96];
    int tl;
    *crash = p->crash && i % 100 == 37; /* 1% */
    tl = snprintf(tail, sizeof tail, "\n\nTorture report %d of %d.%s\n", i, p->n,
                  *crash ? " " MARKER : "");
    if (r < 30) {
        /* Empty: the parse stage refuses it (every one has the same id). */
        *len = 0;
        return malloc(1);
    }
    if (r < 80) {
        /* Not text: random bytes. */
        want = 64 + rnd(seed) % 8192;
        b = malloc(want + (size_t)tl);
        for (size_t k = 0; k < want; k++)
            b[k] = (unsigned char)rnd(seed);
        memcpy(b + want, tail, (size_t)tl);
        *len = want + (size_t)tl;
        return b;
    }
    if (r < 110)
        want = p->max_bytes + 1 + rnd(seed) % (p->max_size > p->max_bytes ? p->max_size - p->max_bytes : 1);
    else if (r < 150)
        want = 64 * 1024 + rnd(seed) % (p->max_bytes / 2);
    else
        want = 200 + rnd(seed) % 24000;
    if (want > p->max_size)
        want = p->max_size;
    /* A report in one language, repeated to the size, with a unique tail. */
    size_t t = rnd(seed) % NTEXTS;
    b = malloc(want + fxlen[t] + (size_t)tl + 8);
    size_t n = 0;
    while (n < want) {
        size_t take = fxlen[t] < want - n ? fxlen[t] : want - n;
        memcpy(b + n, fx[t], take);
        n += take;
    }
    /* Cut back to a character boundary. */
    while (n > 0 && (b[n - 1] & 0xC0) == 0x80)
        n--;
    if (n > 0 && b[n - 1] >= 0xC0)
        n--;
    if (r % 7 == 3 && n > 10) /* a few stray invalid bytes */
        b[n / 2] = 0xFF;
    memcpy(b + n, tail, (size_t)tl);
    *len = n + (size_t)tl;
    return b;
}

/* Drops the N documents and writes one manifest line per document. */
static void writer(struct e2e *e, const struct params *p, const char *manifest)
{
    char *fx[NTEXTS];
    size_t fxlen[NTEXTS];
    uint32_t seed = 0x9e3779b9u ^ (uint32_t)p->n;
    FILE *mf = fopen(manifest, "w");
    int64_t start = now_ms();
    if (!mf)
        _exit(2);
    for (size_t t = 0; t < NTEXTS; t++)
        fx[t] = e2e_fixture(texts[t], &fxlen[t]);
    for (int i = 0; i < p->n; i++) {
        char name[64], path[700], tmp[700], id[65];
        size_t len;
        int crash, by_rename = i % 2, fd;
        unsigned char *b = make_doc(p, i, &seed, fx, fxlen, &len, &crash);
        snprintf(name, sizeof name, "t%06d-%s.txt", i, by_rename ? "mv" : "cw");
        snprintf(path, sizeof path, "%s/%s", e->inbox, name);
        snprintf(tmp, sizeof tmp, "%s/.%s.part", e->inbox, name);
        util_sha256_hex(b, len, id);
        /* The manifest line first: a document is never dropped unrecorded. */
        fprintf(mf, "%s %s %zu %d %d\n", name, id, len, len > p->max_bytes, crash);
        fflush(mf);
        fd = open(by_rename ? tmp : path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            _exit(3);
        /* In pieces, as a network client writes. */
        for (size_t off = 0; off < len;) {
            size_t piece = len - off < 256 * 1024 ? len - off : 256 * 1024;
            ssize_t w = write(fd, b + off, piece);
            if (w <= 0)
                _exit(4);
            off += (size_t)w;
        }
        close(fd);
        if (by_rename && rename(tmp, path) < 0)
            _exit(5);
        free(b);
        /* Keep to the pace: the kills must fall among the drops. */
        int64_t due = start + (int64_t)p->writer_ms * (i + 1) / p->n;
        if (due > now_ms())
            sleep_ms(due - now_ms());
    }
    fclose(mf);
    for (size_t t = 0; t < NTEXTS; t++)
        free(fx[t]);
    _exit(0);
}

/* --- the killer ------------------------------------------------------------- */

static long peak_rss_kb;

static void note_rss(pid_t pid)
{
    long v = e2e_proc_kb(pid, "VmHWM:");
    if (v > peak_rss_kb)
        peak_rss_kb = v;
}

/* The last lines of a file (malloc'd), or NULL. */
static char *notify_tail(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf;
    long n;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, n > 1500 ? n - 1500 : 0, SEEK_SET);
    buf = calloc(1, 1501);
    if (buf && fread(buf, 1, 1500, f) == 0)
        buf[0] = '\0';
    fclose(f);
    return buf;
}

/* 1 when the daemon died by itself (reaped). */
static int died(struct e2e *e, int *self_deaths)
{
    int st;
    if (e->pid > 0 && waitpid(e->pid, &st, WNOHANG) == e->pid) {
        /* Say how, with the end of its log. */
        char *log = notify_tail(e->log);
        fprintf(stderr, "daemon %d died by itself: %s %d; its log ends:\n%s\n", (int)e->pid,
                WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st),
                log ? log : "");
        free(log);
        e->pid = 0;
        (*self_deaths)++;
        return 1;
    }
    return 0;
}

/* --- accounting ----------------------------------------------------------- */

struct tally {
    int indexed, duplicates, failed, rejected, lost, twice, wrong;
    int db_rows, db_missing, db_dups, done_missing, done_twice;
    int archive_files, failed_files, failed_records, poison;
};

static int count_in(json_t *o, const char *k)
{
    return (int)json_integer_value(json_object_get(o, k));
}

static void bump(json_t *o, const char *k)
{
    json_object_set_new(o, k, json_integer(count_in(o, k) + 1));
}

/* failed/: NAME -> records, and the files beside them. */
static void read_failed(struct e2e *e, json_t *records, struct tally *t)
{
    char dir[700];
    DIR *d;
    struct dirent *de;
    snprintf(dir, sizeof dir, "%s/failed", e->state);
    d = opendir(dir);
    if (!d)
        return;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (de->d_name[0] == '.')
            continue;
        if (n > 11 && strcmp(de->d_name + n - 11, ".error.json") == 0) {
            char p[1200], file[300];
            json_error_t jerr;
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            json_t *rec = json_load_file(p, 0, &jerr);
            ck_assert_msg(rec != NULL, "failed/%s is not JSON: %s", de->d_name, jerr.text);
            const char *nm = json_string_value(json_object_get(rec, "name"));
            const char *err = json_string_value(json_object_get(rec, "error"));
            ck_assert_msg(nm && err && *err, "failed/%s has no name or error", de->d_name);
            /* Its file is beside it. */
            snprintf(file, sizeof file, "%.*s", (int)(n - 11), de->d_name);
            snprintf(p, sizeof p, "%s/%s", dir, file);
            struct stat st;
            ck_assert_msg(lstat(p, &st) == 0, "failed/%s has no file", de->d_name);
            bump(records, nm);
            t->failed_records++;
            t->poison += strstr(err, "poison") != NULL;
            json_decref(rec);
        } else
            t->failed_files++;
    }
    closedir(d);
}

/* The event log: done per id, rejected per name. */
static void read_events(struct e2e *e, json_t *done, json_t *rejected, json_t *failed_ev)
{
    char p[700], *line = NULL;
    size_t cap = 0;
    ssize_t n;
    snprintf(p, sizeof p, "%s/events.log", e->state);
    FILE *f = fopen(p, "r");
    ck_assert_ptr_nonnull(f);
    while ((n = getline(&line, &cap, f)) > 0) {
        json_t *o = json_loadb(line, (size_t)n, 0, NULL);
        if (!o)
            continue;
        const char *ev = json_string_value(json_object_get(o, "event"));
        json_t *doc = json_object_get(o, "doc");
        const char *id = json_string_value(json_object_get(doc, "id"));
        const char *nm = json_string_value(json_object_get(doc, "name"));
        if (ev && strcmp(ev, "document.done") == 0 && id &&
            !json_is_true(json_object_get(doc, "reprocess")))
            bump(done, id);
        else if (ev && strcmp(ev, "document.rejected") == 0 && nm)
            bump(rejected, nm);
        else if (ev && strcmp(ev, "document.failed") == 0 && nm)
            bump(failed_ev, nm);
        json_decref(o);
    }
    free(line);
    fclose(f);
}

/* The test index (tests/torture/plugins/torture_index.c): id -> lines. */
static int read_test_index(struct e2e *e, json_t *rows)
{
    char p[700], line[128];
    int n = 0;
    snprintf(p, sizeof p, "%s/torture-index.txt", e->state);
    FILE *f = fopen(p, "r");
    ck_assert_msg(f != NULL, "no %s", p);
    while (fgets(line, sizeof line, f)) {
        ck_assert_msg(strlen(line) == 65 && line[64] == '\n', "torn index line %s", line);
        line[64] = '\0';
        if (!json_object_get(rows, line))
            n++;
        bump(rows, line);
    }
    fclose(f);
    return n;
}

/* The sqlite index, when there is one: id -> rows. */
static int read_db(struct e2e *e, json_t *rows)
{
    char p[700];
    sqlite3 *db;
    sqlite3_stmt *st;
    int n = 0;
    snprintf(p, sizeof p, "%s/inboxd.db", e->state);
    if (access(p, F_OK) != 0)
        return -1;
    ck_assert_int_eq(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT id, count(*) FROM documents GROUP BY id",
                                        -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_object_set_new(rows, (const char *)sqlite3_column_text(st, 0),
                            json_integer(sqlite3_column_int(st, 1)));
        n++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static int archived(struct e2e *e, const char *id)
{
    char p[800];
    struct stat st;
    snprintf(p, sizeof p, "%s/archive/%.2s/%s", e->state, id, id);
    return lstat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int in_inbox(struct e2e *e, const char *name)
{
    char p[800];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", e->inbox, name);
    return lstat(p, &st) == 0;
}

/* --- one run ------------------------------------------------------------------ */

static void run(const struct params *p)
{
    struct e2e e;
    char plugins[4096], extra[512], crash[1024] = "", manifest[700];
    int real = real_pipeline(p), kills = 0, self_deaths = 0, starts = 0;
    struct tally t = {0};
    uint32_t seed = 0xC0FFEEu ^ (uint32_t)(p->n * 31 + p->crash);
    int64_t t0 = now_ms();

    if (p->crash)
        snprintf(crash, sizeof crash,
                 ",{\"name\":\"test_crash\",\"path\":\"%s\",\"isolate\":%s,\"config\":{\"match\":\"%s\"}}",
                 e2e_plugin("test_crash", 1), p->crash == 1 ? "true" : "false", MARKER);
    if (real)
        snprintf(plugins, sizeof plugins,
                 "[{\"name\":\"parse\",\"path\":\"%s\",\"isolate\":true},"
                 "{\"name\":\"entities\",\"path\":\"%s\",\"isolate\":true}%s,"
                 "{\"name\":\"sqlite\",\"path\":\"%s\"}]",
                 e2e_plugin("parse", 0), e2e_plugin("entities", 0), crash, e2e_plugin("sqlite", 0));
    else
        snprintf(plugins, sizeof plugins,
                 "[{\"name\":\"test_parse\",\"path\":\"%s\"},{\"name\":\"test_extract\",\"path\":\"%s\"}%s,"
                 "{\"name\":\"torture_index\",\"path\":\"%s\"}]",
                 e2e_plugin("test_parse", 1), e2e_plugin("test_extract", 1), crash,
                 e2e_plugin("torture_index", 1));
    snprintf(extra, sizeof extra,
             "\"max_bytes\":%zu,\"event_retention\":10000000,\"max_attempts\":3,"
             "\"stage_timeout\":%ld",
             p->max_bytes, env_long("TORTURE_STAGE_TIMEOUT", 30));
    e2e_init(&e, plugins, extra);
    snprintf(manifest, sizeof manifest, "%s/manifest.txt", e.dir);

    pid_t w = fork();
    ck_assert_int_ge(w, 0);
    if (w == 0)
        writer(&e, p, manifest);

    /* The killer: M SIGKILLs at random moments while the writer writes,
     * some during start-up; a daemon that died by itself is restarted. */
    e2e_spawn(&e);
    starts++;
    long gap = p->writer_ms / (p->m + 1);
    for (int k = 0; k < p->m; k++) {
        long wait = 20 + (long)(rnd(&seed) % (uint32_t)(2 * gap));
        int64_t until = now_ms() + wait;
        while (now_ms() < until) {
            if (died(&e, &self_deaths)) {
                e2e_spawn(&e);
                starts++;
            }
            sleep_ms(10);
        }
        if (e.pid > 0) {
            note_rss(e.pid);
            kill(e.pid, SIGKILL);
            waitpid(e.pid, NULL, 0);
            e.pid = 0;
            kills++;
        }
        e2e_spawn(&e);
        starts++;
    }
    int wst;
    while (waitpid(w, &wst, WNOHANG) == 0) {
        if (died(&e, &self_deaths)) {
            e2e_spawn(&e);
            starts++;
        }
        sleep_ms(20);
    }
    ck_assert_msg(WIFEXITED(wst) && WEXITSTATUS(wst) == 0, "writer failed (%d)", wst);

    /* Settle: one daemon (restarted when a crash kills it) until nothing
     * is in flight, queued, in work/, or in the inbox but the rejected. */
    int64_t deadline = now_ms() + (is_long() ? 3000000 : 300000);
    int settled = 0;
    while (!settled && now_ms() < deadline) {
        if (e.pid <= 0 || died(&e, &self_deaths)) {
            e2e_spawn(&e);
            starts++;
        }
        sleep_ms(300);
        int fd = e2e_connect(&e);
        if (fd < 0)
            continue;
        e2e_send(fd, "{\"op\":\"status\"}");
        json_t *st = NULL, *o;
        while ((o = e2e_read(fd, 3000))) {
            if (json_object_get(o, "reply")) {
                st = o;
                break;
            }
            json_decref(o);
        }
        close(fd);
        if (!st)
            continue;
        note_rss(e.pid);
        int busy = count_in(st, "in_flight") || count_in(st, "queue") ||
                   json_is_true(json_object_get(st, "rescan_due"));
        json_decref(st);
        if (busy || e2e_count(&e, "work") != 0)
            continue;
        /* The inbox holds only the files too large to take. */
        FILE *mf = fopen(manifest, "r");
        struct entry en;
        int left = 0;
        ck_assert_ptr_nonnull(mf);
        while (fscanf(mf, "%63s %64s %zu %d %d", en.name, en.id, &en.size, &en.too_big,
                      &en.crash) == 5)
            left += !en.too_big && in_inbox(&e, en.name);
        fclose(mf);
        settled = left == 0;
    }
    ck_assert_msg(settled, "the daemon did not settle; see %s", e.log);
    note_rss(e.pid);
    ck_assert_int_eq(e2e_stop(&e), 0);

    /* Account for every input. */
    json_t *records = json_object(), *done = json_object(), *rejected = json_object(),
           *failed_ev = json_object(), *rows = json_object(), *owner = json_object();
    read_failed(&e, records, &t);
    read_events(&e, done, rejected, failed_ev);
    int db = real ? read_db(&e, rows) : read_test_index(&e, rows);
    FILE *mf = fopen(manifest, "r");
    struct entry en;
    int n = 0;
    ck_assert_ptr_nonnull(mf);
    while (fscanf(mf, "%63s %64s %zu %d %d", en.name, en.id, &en.size, &en.too_big,
                  &en.crash) == 5) {
        int recs = count_in(records, en.name);
        int arch = archived(&e, en.id), inbox = in_inbox(&e, en.name);
        n++;
        if (recs > 1 || (recs && inbox) || (arch && inbox && !en.too_big)) {
            t.twice++;
            fprintf(stderr, "TWICE %s: %d failed records, archived %d, in inbox %d\n", en.name,
                    recs, arch, inbox);
        } else if (recs == 1) {
            t.failed++;
        } else if (inbox) {
            if (en.too_big && count_in(rejected, en.name) > 0)
                t.rejected++;
            else {
                t.wrong++;
                fprintf(stderr, "LEFT %s in the inbox (%zu bytes, rejected events %d)\n", en.name,
                        en.size, count_in(rejected, en.name));
            }
        } else if (arch) {
            /* Indexed, or a duplicate of content indexed for another. */
            if (json_object_get(owner, en.id))
                t.duplicates++;
            else {
                json_object_set_new(owner, en.id, json_string(en.name));
                t.indexed++;
                int d = count_in(done, en.id);
                if (d == 0)
                    t.done_missing++;
                if (d > 1)
                    t.done_twice++;
                if (db >= 0) {
                    int r = count_in(rows, en.id);
                    if (r == 0) {
                        t.db_missing++;
                        fprintf(stderr, "NOT IN DB %s (%s)\n", en.name, en.id);
                    }
                    if (r > 1)
                        t.db_dups++;
                }
            }
        } else {
            t.lost++;
            fprintf(stderr, "LOST %s (%s, %zu bytes)\n", en.name, en.id, en.size);
        }
        if (en.crash && !en.too_big && recs != 1)
            fprintf(stderr, "note: %s carried the crash marker but did not fail\n", en.name);
    }
    fclose(mf);
    t.archive_files = e2e_count(&e, "archive");
    t.db_rows = db;

    char line[1024];
    snprintf(line, sizeof line,
             "torture[%s%s]: N=%d documents, M=%d kills (+%d crashes), %d starts, "
             "indexed=%d duplicates=%d failed=%d (poison %d) rejected=%d | lost=%d twice=%d wrong=%d | "
             "archive=%d db_rows=%d db_missing=%d db_dups=%d done_events_missing=%d "
             "done_events_twice=%d | peak_rss=%ld kB | %.1f s\n",
             p->label, real ? ",real plugins" : ",test plugins", n, kills, self_deaths, starts,
             t.indexed, t.duplicates, t.failed, t.poison, t.rejected, t.lost, t.twice, t.wrong,
             t.archive_files, t.db_rows, t.db_missing, t.db_dups, t.done_missing, t.done_twice,
             peak_rss_kb, (double)(now_ms() - t0) / 1000.0);
    fputs(line, stderr);
    {
        char rp[700];
        snprintf(rp, sizeof rp, "%s/torture-results.txt", e2e_build());
        FILE *rf = fopen(rp, "a");
        if (rf) {
            time_t now = time(NULL);
            char ts[32];
            strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
            fprintf(rf, "%s %s%s", ts, getenv("SAN") && strcmp(getenv("SAN"), "1") == 0 ? "SAN " : "",
                    line);
            fclose(rf);
        }
    }
    ck_assert_int_eq(n, p->n);
    ck_assert_int_eq(kills, p->m);
    ck_assert_int_eq(t.lost, 0);
    ck_assert_int_eq(t.twice, 0);
    ck_assert_int_eq(t.wrong, 0);
    ck_assert_int_eq(t.indexed + t.duplicates + t.failed + t.rejected, n);
    ck_assert_int_eq(t.archive_files, t.indexed);
    ck_assert_int_eq(t.failed_files, t.failed_records);
    ck_assert_int_eq(t.failed_records, t.failed);
    ck_assert_int_eq(t.done_twice, 0);
    if (db >= 0) {
        ck_assert_int_eq(t.db_missing, 0);
        ck_assert_int_eq(t.db_dups, 0);
        ck_assert_int_eq(db, t.indexed);
    }
    json_decref(records);
    json_decref(done);
    json_decref(rejected);
    json_decref(failed_ev);
    json_decref(rows);
    json_decref(owner);
    e2e_cleanup(&e);
}

static struct params sized(const char *label, int crash, int n_short, int m_short, int n_long,
                           int m_long)
{
    struct params p = {.label = label, .crash = crash};
    p.n = (int)env_long("TORTURE_N", is_long() ? n_long : n_short);
    p.m = (int)env_long("TORTURE_M", is_long() ? m_long : m_short);
    p.max_size = (size_t)env_long("TORTURE_MAX_SIZE", is_long() ? 10 << 20 : 1 << 20);
    p.max_bytes = p.max_size * 8 / 10;
    /* About 20 ms a document short, 60 ms long (the big ones take time). */
    p.writer_ms = (int)env_long("TORTURE_WRITER_MS", (long)p.n * (is_long() ? 60 : 25));
    return p;
}

START_TEST(kills_no_crash_plugin)
{
    struct params p = sized("kill", 0, 400, 20, 3000, 100);
    run(&p);
}
END_TEST

START_TEST(kills_isolated_crashing_plugin)
{
    struct params p = sized("kill+isolated crash 1%", 1, 400, 20, 1500, 50);
    run(&p);
}
END_TEST

START_TEST(kills_inprocess_crashing_plugin)
{
    struct params p = sized("kill+in-process crash 1%", 2, 300, 10, 2000, 50);
    run(&p);
}
END_TEST

/* The window the torture test found: killed after the index committed a
 * document and before its file left work/.  The next start must hand it
 * off (archive, document.done "recovered") -- not leave it in work/ until
 * it is quarantined as poison while it is indexed. */
START_TEST(recovered_after_index_commit)
{
    struct e2e e;
    char plugins[2048], p[800], id[65];
    const char *body = "Report indexed before the crash 2024\n";
    snprintf(plugins, sizeof plugins,
             "[{\"name\":\"test_parse\",\"path\":\"%s\"},{\"name\":\"test_extract\",\"path\":\"%s\"},"
             "{\"name\":\"torture_index\",\"path\":\"%s\"}]",
             e2e_plugin("test_parse", 1), e2e_plugin("test_extract", 1),
             e2e_plugin("torture_index", 1));
    e2e_init(&e, plugins, "\"max_attempts\":2");
    util_sha256_hex(body, strlen(body), id);
    e2e_start(&e);
    int fd = e2e_connect(&e);
    e2e_subscribe(fd, "document.*");
    e2e_drop(&e, "first.txt", body, strlen(body), 0);
    json_t *o = e2e_wait_event(fd, "document.done", 10000);
    ck_assert_ptr_nonnull(o);
    json_decref(o);
    close(fd);
    ck_assert_int_eq(e2e_stop(&e), 0);
    /* As if killed between the commit and the hand-off: the file back in
     * work/ with its sidecar, the archive not yet holding it. */
    snprintf(p, sizeof p, "%s/archive/%.2s/%s", e.state, id, id);
    ck_assert_int_eq(unlink(p), 0);
    snprintf(p, sizeof p, "%s/work/00000000000abcde", e.state);
    FILE *f = fopen(p, "w");
    fputs(body, f);
    fclose(f);
    snprintf(p, sizeof p, "%s/work/00000000000abcde.json", e.state);
    f = fopen(p, "w");
    fputs("{\"name\":\"first.txt\",\"received_ms\":1700000000000,\"attempts\":1}", f);
    fclose(f);
    e2e_start(&e);
    fd = e2e_connect(&e);
    e2e_send(fd, "{\"op\":\"subscribe\",\"events\":[\"document.*\"],\"since\":0}");
    int recovered = 0;
    long seqs[4] = {0};
    while ((o = e2e_wait_event(fd, "document.*", 3000))) {
        const char *ev = json_string_value(json_object_get(o, "event"));
        if (strcmp(ev, "document.done") == 0 && json_is_true(json_object_get(o, "recovered"))) {
            if (recovered < 4)
                seqs[recovered] = (long)json_integer_value(json_object_get(o, "seq"));
            recovered++;
        }
        ck_assert_str_ne(ev, "document.failed");
        json_decref(o);
    }
    ck_assert_msg(recovered == 1, "%d recovered done events (seq %ld, %ld, %ld); see %s", recovered,
                  seqs[0], seqs[1], seqs[2], e.log);
    ck_assert_int_eq(e2e_count(&e, "work"), 0);
    snprintf(p, sizeof p, "%s/archive/%.2s/%s", e.state, id, id);
    ck_assert_int_eq(access(p, F_OK), 0);
    close(fd);
    ck_assert_int_eq(e2e_stop(&e), 0);
    /* And a third start finds nothing to do: no poison. */
    e2e_start(&e);
    ck_assert_int_eq(e2e_stop(&e), 0);
    ck_assert_int_eq(e2e_count(&e, "failed"), 0);
    /* Indexed once, not again on recovery. */
    json_t *rows = json_object();
    ck_assert_int_eq(read_test_index(&e, rows), 1);
    ck_assert_int_eq(count_in(rows, id), 1);
    json_decref(rows);
    e2e_cleanup(&e);
}
END_TEST

/* A document that kills the daemon must not take innocent ones with it:
 * one in flight beside it when it crashed is retried alone, done, and only
 * the crasher is quarantined as poison. */
START_TEST(innocent_bystander_not_poisoned)
{
    struct e2e e;
    char plugins[3000];
    snprintf(plugins, sizeof plugins,
             "[{\"name\":\"test_parse\",\"path\":\"%s\"},{\"name\":\"test_extract\",\"path\":\"%s\"},"
             "{\"name\":\"test_crash\",\"path\":\"%s\",\"config\":{\"match\":\"CRASHME\"}},"
             "{\"name\":\"test_slow\",\"path\":\"%s\",\"config\":{\"match\":\"SLOW\",\"sleep_ms\":1500}}]",
             e2e_plugin("test_parse", 1), e2e_plugin("test_extract", 1), e2e_plugin("test_crash", 1),
             e2e_plugin("test_slow", 1));
    e2e_init(&e, plugins, "\"max_attempts\":2");
    e2e_start(&e);
    int fd = e2e_connect(&e);
    e2e_subscribe(fd, "document.received");
    e2e_drop(&e, "innocent.txt", "SLOW but innocent 2024\n", 23, 0);
    json_t *o = e2e_wait_event(fd, "document.received", 5000);
    ck_assert_ptr_nonnull(o);
    json_decref(o);
    close(fd);
    sleep_ms(200); /* the innocent one sleeps in test_slow */
    e2e_drop(&e, "crasher.txt", "CRASHME now 2024\n", 17, 0);
    /* Restart it whenever it dies, until it stays up and idle. */
    int starts = 1, deaths = 0;
    for (int round = 0; round < 40; round++) {
        sleep_ms(250);
        if (died(&e, &deaths)) {
            e2e_spawn(&e);
            starts++;
            continue;
        }
        if (e2e_count(&e, "work") == 0 && e2e_count(&e, "inbox") == 0)
            break;
    }
    sleep_ms(300);
    ck_assert_int_eq(e2e_count(&e, "work"), 0);
    ck_assert_int_eq(e2e_stop(&e), 0);
    /* The crasher killed it max_attempts times, then was quarantined. */
    ck_assert_int_eq(deaths, 2);
    ck_assert_int_eq(e2e_count(&e, "archive"), 1);
    ck_assert_int_eq(e2e_count(&e, "failed"), 2);
    json_t *records = json_object();
    struct tally t = {0};
    read_failed(&e, records, &t);
    ck_assert_int_eq(count_in(records, "crasher.txt"), 1);
    ck_assert_int_eq(count_in(records, "innocent.txt"), 0);
    ck_assert_int_eq(t.poison, 1);
    json_decref(records);
    e2e_cleanup(&e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("torture");
    TCase *tc = tcase_create("torture");
    tcase_set_timeout(tc, is_long() ? 3600 : 600);
    tcase_add_test(tc, recovered_after_index_commit);
    tcase_add_test(tc, innocent_bystander_not_poisoned);
    tcase_add_test(tc, kills_no_crash_plugin);
    tcase_add_test(tc, kills_isolated_crashing_plugin);
    tcase_add_test(tc, kills_inprocess_crashing_plugin);
    suite_add_tcase(s, tc);
    return e2e_run_suite(s);
}
