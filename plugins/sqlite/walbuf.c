#include "walbuf.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* Pending bytes at most: SQLite's unix VFS writes at most 128 KB - 1 in
 * one call (it masks the length to 17 bits). */
#define WB_MAX (120u * 1024)
#define WB_FRAME_HDR 24       /* a WAL frame header */

struct wb_file {
    sqlite3_file base;
    sqlite3_file *real;       /* right after this struct */
    int gather;               /* a WAL file whose writes are gathered */
    int commit_frame;         /* the last write was a commit frame's header:
                               * the next one (its page) ends the commit */
    char *buf;
    size_t len, cap;
    sqlite3_int64 off;        /* file offset of buf[0] */
    sqlite3_int64 next;       /* where the last write ended */
};

#define WB_SIZE ((sizeof(struct wb_file) + 15) & ~(size_t)15)

static sqlite3_vfs wb_vfs;

static sqlite3_vfs *real_vfs(void) { return wb_vfs.pAppData; }

static int flush(struct wb_file *w)
{
    int rc;
    if (!w->len)
        return SQLITE_OK;
    rc = w->real->pMethods->xWrite(w->real, w->buf, (int)w->len, w->off);
    w->len = 0; /* on an error SQLite rolls the transaction back */
    return rc;
}

static int wb_close(sqlite3_file *f)
{
    struct wb_file *w = (struct wb_file *)f;
    int rc = flush(w), rc2 = w->real->pMethods->xClose(w->real);
    free(w->buf);
    w->buf = NULL;
    w->cap = 0;
    return rc != SQLITE_OK ? rc : rc2;
}

static int wb_read(sqlite3_file *f, void *p, int amt, sqlite3_int64 off)
{
    struct wb_file *w = (struct wb_file *)f;
    int rc = flush(w);
    return rc != SQLITE_OK ? rc : w->real->pMethods->xRead(w->real, p, amt, off);
}

static int write_through(struct wb_file *w, const void *p, int amt,
                         sqlite3_int64 off)
{
    int rc = flush(w);
    if (rc == SQLITE_OK)
        rc = w->real->pMethods->xWrite(w->real, p, amt, off);
    return rc;
}

/* Gathers a write that continues the previous one; anything else (a frame
 * rewritten in place, a new WAL header at offset 0, checksums rewritten)
 * goes through at once, after what is pending. */
static int gather(struct wb_file *w, const void *p, int amt, sqlite3_int64 off)
{
    if (off != w->next || (size_t)amt > WB_MAX)
        return write_through(w, p, amt, off);
    if (w->len + (size_t)amt > WB_MAX) {
        int rc = flush(w);
        if (rc != SQLITE_OK)
            return rc;
    }
    if (w->len + (size_t)amt > w->cap) {
        size_t cap = w->cap ? w->cap : 64 * 1024;
        char *b;
        while (cap < w->len + (size_t)amt)
            cap *= 2;
        b = realloc(w->buf, cap);
        if (!b) /* no room to gather: write through */
            return write_through(w, p, amt, off);
        w->buf = b;
        w->cap = cap;
    }
    if (!w->len)
        w->off = off;
    memcpy(w->buf + w->len, p, (size_t)amt);
    w->len += (size_t)amt;
    return SQLITE_OK;
}

static int wb_write(sqlite3_file *f, const void *p, int amt,
                    sqlite3_int64 off)
{
    struct wb_file *w = (struct wb_file *)f;
    int rc, ends_commit;
    if (!w->gather)
        return w->real->pMethods->xWrite(w->real, p, amt, off);
    if (amt <= 0)
        return SQLITE_OK;
    ends_commit = w->commit_frame;
    /* bytes 4..7 of a frame header: the database size in pages after a
     * commit, 0 in the other frames */
    w->commit_frame = amt == WB_FRAME_HDR &&
                      (((const unsigned char *)p)[4] |
                       ((const unsigned char *)p)[5] |
                       ((const unsigned char *)p)[6] |
                       ((const unsigned char *)p)[7]) != 0;
    rc = gather(w, p, amt, off);
    w->next = off + amt;
    if (rc == SQLITE_OK && ends_commit)
        rc = flush(w);
    return rc;
}

static int wb_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    struct wb_file *w = (struct wb_file *)f;
    int rc = flush(w);
    return rc != SQLITE_OK ? rc : w->real->pMethods->xTruncate(w->real, size);
}

static int wb_sync(sqlite3_file *f, int flags)
{
    struct wb_file *w = (struct wb_file *)f;
    int rc = flush(w);
    return rc != SQLITE_OK ? rc : w->real->pMethods->xSync(w->real, flags);
}

static int wb_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    struct wb_file *w = (struct wb_file *)f;
    int rc = flush(w);
    return rc != SQLITE_OK ? rc : w->real->pMethods->xFileSize(w->real, size);
}

static int wb_lock(sqlite3_file *f, int l)
{
    struct wb_file *w = (struct wb_file *)f;
    return w->real->pMethods->xLock(w->real, l);
}

static int wb_unlock(sqlite3_file *f, int l)
{
    struct wb_file *w = (struct wb_file *)f;
    return w->real->pMethods->xUnlock(w->real, l);
}

static int wb_check_reserved(sqlite3_file *f, int *out)
{
    struct wb_file *w = (struct wb_file *)f;
    return w->real->pMethods->xCheckReservedLock(w->real, out);
}

static int wb_file_control(sqlite3_file *f, int op, void *arg)
{
    struct wb_file *w = (struct wb_file *)f;
    if (w->len) {
        int rc = flush(w);
        if (rc != SQLITE_OK)
            return rc;
    }
    return w->real->pMethods->xFileControl(w->real, op, arg);
}

static int wb_sector_size(sqlite3_file *f)
{
    struct wb_file *w = (struct wb_file *)f;
    return w->real->pMethods->xSectorSize(w->real);
}

static int wb_device_chars(sqlite3_file *f)
{
    struct wb_file *w = (struct wb_file *)f;
    return w->real->pMethods->xDeviceCharacteristics(w->real);
}

static int wb_shm_map(sqlite3_file *f, int pg, int pgsz, int extend,
                      void volatile **pp)
{
    struct wb_file *w = (struct wb_file *)f;
    return w->real->pMethods->xShmMap(w->real, pg, pgsz, extend, pp);
}

static int wb_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    struct wb_file *w = (struct wb_file *)f;
    return w->real->pMethods->xShmLock(w->real, offset, n, flags);
}

static void wb_shm_barrier(sqlite3_file *f)
{
    struct wb_file *w = (struct wb_file *)f;
    w->real->pMethods->xShmBarrier(w->real);
}

static int wb_shm_unmap(sqlite3_file *f, int del)
{
    struct wb_file *w = (struct wb_file *)f;
    return w->real->pMethods->xShmUnmap(w->real, del);
}

static int wb_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
    struct wb_file *w = (struct wb_file *)f;
    if (w->real->pMethods->iVersion < 3) {
        *pp = NULL;
        return SQLITE_OK;
    }
    return w->real->pMethods->xFetch(w->real, off, amt, pp);
}

static int wb_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    struct wb_file *w = (struct wb_file *)f;
    if (w->real->pMethods->iVersion < 3)
        return SQLITE_OK;
    return w->real->pMethods->xUnfetch(w->real, off, p);
}

static const sqlite3_io_methods wb_methods = {
    3,
    wb_close, wb_read, wb_write, wb_truncate, wb_sync, wb_file_size,
    wb_lock, wb_unlock, wb_check_reserved, wb_file_control, wb_sector_size,
    wb_device_chars, wb_shm_map, wb_shm_lock, wb_shm_barrier, wb_shm_unmap,
    wb_fetch, wb_unfetch,
};

static int wb_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f,
                   int flags, int *out_flags)
{
    struct wb_file *w = (struct wb_file *)f;
    sqlite3_vfs *r = real_vfs();
    int rc;
    (void)vfs;
    memset(w, 0, sizeof *w);
    w->real = (sqlite3_file *)((char *)w + WB_SIZE);
    rc = r->xOpen(r, name, w->real, flags, out_flags);
    /* SQLite closes a file whose methods are set, even after an error */
    w->base.pMethods = w->real->pMethods ? &wb_methods : NULL;
    /* Only where SQLite writes each frame as a header and a page and pads
     * nothing to a sector (powersafe overwrite, the default): then a
     * commit always ends with its commit frame's page. */
    w->gather = rc == SQLITE_OK && w->real->pMethods &&
                (flags & SQLITE_OPEN_WAL) &&
                (w->real->pMethods->xDeviceCharacteristics(w->real) &
                 SQLITE_IOCAP_POWERSAFE_OVERWRITE);
    w->next = -1;
    return rc;
}

static int wb_delete(sqlite3_vfs *v, const char *name, int sync)
{
    (void)v;
    return real_vfs()->xDelete(real_vfs(), name, sync);
}

static int wb_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
    (void)v;
    return real_vfs()->xAccess(real_vfs(), name, flags, out);
}

static int wb_full_pathname(sqlite3_vfs *v, const char *name, int n,
                            char *out)
{
    (void)v;
    return real_vfs()->xFullPathname(real_vfs(), name, n, out);
}

static void *wb_dlopen(sqlite3_vfs *v, const char *name)
{
    (void)v;
    return real_vfs()->xDlOpen(real_vfs(), name);
}

static void wb_dlerror(sqlite3_vfs *v, int n, char *msg)
{
    (void)v;
    real_vfs()->xDlError(real_vfs(), n, msg);
}

static void (*wb_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
    (void)v;
    return real_vfs()->xDlSym(real_vfs(), h, sym);
}

static void wb_dlclose(sqlite3_vfs *v, void *h)
{
    (void)v;
    real_vfs()->xDlClose(real_vfs(), h);
}

static int wb_randomness(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return real_vfs()->xRandomness(real_vfs(), n, out);
}

static int wb_sleep(sqlite3_vfs *v, int us)
{
    (void)v;
    return real_vfs()->xSleep(real_vfs(), us);
}

static int wb_current_time(sqlite3_vfs *v, double *out)
{
    (void)v;
    return real_vfs()->xCurrentTime(real_vfs(), out);
}

static int wb_last_error(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return real_vfs()->xGetLastError(real_vfs(), n, out);
}

static int wb_current_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
    sqlite3_vfs *r = real_vfs();
    double d;
    int rc;
    (void)v;
    if (r->iVersion >= 2 && r->xCurrentTimeInt64)
        return r->xCurrentTimeInt64(r, out);
    rc = r->xCurrentTime(r, &d);
    *out = (sqlite3_int64)(d * 86400000.0);
    return rc;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int reg_rc = SQLITE_ERROR;

static void do_register(void)
{
    sqlite3_vfs *r = sqlite3_vfs_find(NULL);
    if (!r)
        return;
    wb_vfs.iVersion = 2;
    wb_vfs.szOsFile = (int)WB_SIZE + r->szOsFile;
    wb_vfs.mxPathname = r->mxPathname;
    wb_vfs.zName = WALBUF_VFS;
    wb_vfs.pAppData = r;
    wb_vfs.xOpen = wb_open;
    wb_vfs.xDelete = wb_delete;
    wb_vfs.xAccess = wb_access;
    wb_vfs.xFullPathname = wb_full_pathname;
    wb_vfs.xDlOpen = wb_dlopen;
    wb_vfs.xDlError = wb_dlerror;
    wb_vfs.xDlSym = wb_dlsym;
    wb_vfs.xDlClose = wb_dlclose;
    wb_vfs.xRandomness = wb_randomness;
    wb_vfs.xSleep = wb_sleep;
    wb_vfs.xCurrentTime = wb_current_time;
    wb_vfs.xGetLastError = wb_last_error;
    wb_vfs.xCurrentTimeInt64 = wb_current_time64;
    reg_rc = sqlite3_vfs_register(&wb_vfs, 0);
}

int walbuf_register(void)
{
    pthread_once(&once, do_register);
    return reg_rc;
}
