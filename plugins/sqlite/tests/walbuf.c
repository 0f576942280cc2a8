/* The writer's VFS (walbuf.h): WAL frames gathered into one write per
 * commit; every commit is in the file before readers can see it, and a
 * copy of the files taken between commits (a crash) recovers every
 * committed row, including transactions that spilled pages and rewrote
 * them in place. */
#include "helpers.h"

#include <sqlite3.h>

#include "walbuf.h"

/* A VFS over the default one that counts the writes to WAL files; made the
 * default before walbuf wraps it. */
static sqlite3_vfs count_vfs;
static sqlite3_io_methods count_methods;
static const sqlite3_io_methods *real_methods;
static long wal_writes;

struct count_file {
    sqlite3_file base;
    int wal;
    sqlite3_file *real;
};

static int c_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
    struct count_file *c = (struct count_file *)f;
    if (c->wal)
        __atomic_add_fetch(&wal_writes, 1, __ATOMIC_RELAXED);
    return c->real->pMethods->xWrite(c->real, p, n, off);
}

#define FWD(name, sig, args)                                                  \
    static int c_##name sig                                                   \
    {                                                                         \
        struct count_file *c = (struct count_file *)f;                        \
        return c->real->pMethods->x##name args;                               \
    }
FWD(Read, (sqlite3_file *f, void *p, int n, sqlite3_int64 o), (c->real, p, n, o))
FWD(Truncate, (sqlite3_file *f, sqlite3_int64 s), (c->real, s))
FWD(Sync, (sqlite3_file *f, int fl), (c->real, fl))
FWD(FileSize, (sqlite3_file *f, sqlite3_int64 *s), (c->real, s))
FWD(Lock, (sqlite3_file *f, int l), (c->real, l))
FWD(Unlock, (sqlite3_file *f, int l), (c->real, l))
FWD(CheckReservedLock, (sqlite3_file *f, int *o), (c->real, o))
FWD(FileControl, (sqlite3_file *f, int op, void *a), (c->real, op, a))
FWD(SectorSize, (sqlite3_file *f), (c->real))
FWD(DeviceCharacteristics, (sqlite3_file *f), (c->real))
FWD(ShmMap, (sqlite3_file *f, int a, int b, int e, void volatile **pp), (c->real, a, b, e, pp))
FWD(ShmLock, (sqlite3_file *f, int a, int b, int fl), (c->real, a, b, fl))
FWD(ShmUnmap, (sqlite3_file *f, int d), (c->real, d))
FWD(Fetch, (sqlite3_file *f, sqlite3_int64 o, int n, void **pp), (c->real, o, n, pp))
FWD(Unfetch, (sqlite3_file *f, sqlite3_int64 o, void *p), (c->real, o, p))

static void c_ShmBarrier(sqlite3_file *f)
{
    struct count_file *c = (struct count_file *)f;
    c->real->pMethods->xShmBarrier(c->real);
}

static int c_Close(sqlite3_file *f)
{
    struct count_file *c = (struct count_file *)f;
    return c->real->pMethods->xClose(c->real);
}

static int c_open(sqlite3_vfs *v, const char *name, sqlite3_file *f,
                  int flags, int *out)
{
    sqlite3_vfs *r = v->pAppData;
    struct count_file *c = (struct count_file *)f;
    int rc;
    c->real = (sqlite3_file *)(c + 1);
    c->wal = (flags & SQLITE_OPEN_WAL) != 0;
    rc = r->xOpen(r, name, c->real, flags, out);
    if (c->real->pMethods) {
        real_methods = c->real->pMethods;
        count_methods = (sqlite3_io_methods){
            3, c_Close, c_Read, c_write, c_Truncate, c_Sync, c_FileSize,
            c_Lock, c_Unlock, c_CheckReservedLock, c_FileControl,
            c_SectorSize, c_DeviceCharacteristics, c_ShmMap, c_ShmLock,
            c_ShmBarrier, c_ShmUnmap, c_Fetch, c_Unfetch};
        c->base.pMethods = &count_methods;
    } else {
        c->base.pMethods = NULL;
    }
    return rc;
}

static void install_counter(void)
{
    sqlite3_vfs *r = sqlite3_vfs_find(NULL);
    ck_assert_ptr_nonnull(r);
    count_vfs = *r;
    count_vfs.zName = "count";
    count_vfs.szOsFile = (int)sizeof(struct count_file) + r->szOsFile;
    count_vfs.pAppData = r;
    count_vfs.xOpen = c_open;
    count_vfs.pNext = NULL;
    ck_assert_int_eq(sqlite3_vfs_register(&count_vfs, 1), SQLITE_OK);
    ck_assert_int_eq(walbuf_register(), SQLITE_OK);
}

static sqlite3 *open_db(const char *path, const char *vfs)
{
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open_v2(path, &db,
                                     SQLITE_OPEN_READWRITE |
                                         SQLITE_OPEN_CREATE,
                                     vfs),
                     SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static void exec(sqlite3 *db, const char *sql)
{
    ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK,
                  "%s: %s", sql, sqlite3_errmsg(db));
}

static long long one(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    long long v = -1;
    ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK,
                  "%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void copy_file(const char *from, const char *to)
{
    size_t n = 0;
    char *b;
    FILE *f;
    if (access(from, F_OK) != 0) {
        unlink(to);
        return;
    }
    b = slurp(from, &n);
    f = fopen(to, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fwrite(b, 1, n, f), n);
    fclose(f);
    free(b);
}

/* integrity_check says ok of the database c. */
static void assert_intact(sqlite3 *c)
{
    ck_assert_int_eq(one(c, "SELECT count(*) FROM pragma_integrity_check"
                            " WHERE integrity_check = 'ok'"),
                     1);
}

/* The files as a crash between two commits leaves them (no shared
 * memory: the next open recovers from the WAL). */
static sqlite3 *crash_copy(const char *dir, const char *path)
{
    char to[4096], from[4096], *p;
    snprintf(to, sizeof to, "%s/copy.db", dir);
    copy_file(path, to);
    snprintf(from, sizeof from, "%s-wal", path);
    p = strdup(to);
    snprintf(to, sizeof to, "%s-wal", p);
    copy_file(from, to);
    snprintf(to, sizeof to, "%s-shm", p);
    unlink(to);
    {
        sqlite3 *db = open_db(p, NULL);
        free(p);
        return db;
    }
}

START_TEST(small_commits_are_visible_and_durable)
{
    char *dir = make_state_dir(), *path = db_path(dir);
    sqlite3 *w, *r, *c;
    long before;
    install_counter();
    w = open_db(path, WALBUF_VFS);
    exec(w, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b BLOB, c TEXT);"
            "CREATE INDEX tc ON t(c)");
    r = open_db(path, NULL);
    before = __atomic_load_n(&wal_writes, __ATOMIC_RELAXED);
    for (int i = 1; i <= 300; i++) {
        char sql[256];
        /* each commit dirties several pages at several places */
        snprintf(sql, sizeof sql,
                 "BEGIN; INSERT INTO t(b, c) VALUES(randomblob(3000),"
                 " hex(randomblob(8))); INSERT INTO t(b, c)"
                 " VALUES(randomblob(9000), hex(randomblob(8))); COMMIT");
        exec(w, sql);
        /* another connection sees the commit at once, whole */
        ck_assert_int_eq(one(r, "SELECT count(*) FROM t"), 2 * i);
        ck_assert_int_eq(one(r, "SELECT sum(length(b)) FROM t"), 12000 * i);
    }
    /* a few write calls per commit, not two per page */
    ck_assert_int_lt(__atomic_load_n(&wal_writes, __ATOMIC_RELAXED) - before,
                     300 * 4);
    c = crash_copy(dir, path);
    ck_assert_int_eq(one(c, "SELECT count(*) FROM t"), 600);
    ck_assert_int_eq(one(c, "SELECT sum(length(b)) FROM t"), 12000 * 300);
    assert_intact(c);
    sqlite3_close(c);
    sqlite3_close(r);
    sqlite3_close(w);
    free(path);
    remove_dir(dir);
}
END_TEST

/* synchronous = FULL: the WAL is synced at each commit, after what is
 * gathered is written. */
START_TEST(synced_commits)
{
    char *dir = make_state_dir(), *path = db_path(dir);
    sqlite3 *w, *r, *c;
    long before;
    install_counter();
    w = open_db(path, WALBUF_VFS);
    exec(w, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b BLOB)");
    r = open_db(path, NULL);
    before = __atomic_load_n(&wal_writes, __ATOMIC_RELAXED);
    for (int i = 1; i <= 50; i++) {
        exec(w, "INSERT INTO t(b) VALUES(randomblob(20000))");
        ck_assert_int_eq(one(r, "SELECT count(*) FROM t"), i);
    }
    ck_assert_int_lt(__atomic_load_n(&wal_writes, __ATOMIC_RELAXED) - before,
                     50 * 4);
    c = crash_copy(dir, path);
    ck_assert_int_eq(one(c, "SELECT count(*) FROM t"), 50);
    ck_assert_int_eq(one(c, "SELECT sum(length(b)) FROM t"), 50 * 20000);
    assert_intact(c);
    sqlite3_close(c);
    sqlite3_close(r);
    sqlite3_close(w);
    free(path);
    remove_dir(dir);
}
END_TEST

START_TEST(spilled_and_rewritten_pages)
{
    char *dir = make_state_dir(), *path = db_path(dir);
    sqlite3 *w, *r, *c;
    ck_assert_int_eq(walbuf_register(), SQLITE_OK);
    w = open_db(path, WALBUF_VFS);
    /* a tiny cache: a big transaction spills pages to the WAL, reads them
     * back and writes them again in place */
    exec(w, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
            "PRAGMA cache_size = 8;"
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b BLOB);");
    r = open_db(path, NULL);
    for (int round = 0; round < 3; round++) {
        exec(w, "BEGIN;"
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                " WHERE i < 400) INSERT INTO t(b) SELECT randomblob(700)"
                " FROM n;"
                "UPDATE t SET b = zeroblob(600) WHERE a % 3 = 0;"
                "UPDATE t SET b = randomblob(650) WHERE a % 5 = 0;"
                "COMMIT");
        ck_assert_int_eq(one(r, "SELECT count(*) FROM t"), 400 * (round + 1));
        c = crash_copy(dir, path);
        ck_assert_int_eq(one(c, "SELECT count(*) FROM t"), 400 * (round + 1));
        ck_assert_int_eq(one(c, "SELECT sum(length(b)) FROM t"),
                         one(r, "SELECT sum(length(b)) FROM t"));
        assert_intact(c);
        sqlite3_close(c);
    }
    /* a rolled-back big transaction leaves nothing behind */
    exec(w, "BEGIN; INSERT INTO t(b) SELECT randomblob(900) FROM t;"
            "ROLLBACK");
    exec(w, "INSERT INTO t(b) VALUES(x'01')");
    c = crash_copy(dir, path);
    ck_assert_int_eq(one(c, "SELECT count(*) FROM t"), 1201);
    assert_intact(c);
    sqlite3_close(c);
    /* checkpoints and a restarted WAL */
    exec(w, "PRAGMA wal_checkpoint(TRUNCATE)");
    exec(w, "INSERT INTO t(b) VALUES(x'02')");
    ck_assert_int_eq(one(r, "SELECT count(*) FROM t"), 1202);
    c = crash_copy(dir, path);
    ck_assert_int_eq(one(c, "SELECT count(*) FROM t"), 1202);
    sqlite3_close(c);
    sqlite3_close(r);
    sqlite3_close(w);
    w = open_db(path, NULL);
    ck_assert_int_eq(one(w, "SELECT count(*) FROM t"), 1202);
    sqlite3_close(w);
    free(path);
    remove_dir(dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sqlite_walbuf");
    TCase *tc = tcase_create("walbuf");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, small_commits_are_visible_and_durable);
    tcase_add_test(tc, spilled_and_rewritten_pages);
    tcase_add_test(tc, synced_commits);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(suite());
}
