#include "spool.h"

#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The longest sanitized original name kept in failed/ and processed/ names:
 * "ID16_" + name + ".error.json" stays under NAME_MAX. */
#define NAME_KEEP 200

static int open_dir(int at, const char *name, int create)
{
    if (create && mkdirat(at, name, 0750) < 0 && errno != EEXIST)
        return -errno;
    int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int spool_open(struct spool *s, const char *inbox, const char *state_dir,
               char *err, size_t errlen)
{
    struct stat a, b;
    int r;
    memset(s, 0, sizeof *s);
    s->inbox_fd = s->state_fd = s->work_fd = s->archive_fd = -1;
    s->failed_fd = s->processed_fd = s->lock_fd = -1;
    s->inbox = strdup(inbox);
    s->state_dir = strdup(state_dir);
    if (!s->inbox || !s->state_dir) {
        r = -ENOMEM;
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if ((r = util_mkdir_p(inbox, 0770)) < 0) {
        snprintf(err, errlen, "inbox %s: cannot create: %s", inbox, strerror(-r));
        goto fail;
    }
    if ((r = util_mkdir_p(state_dir, 0750)) < 0) {
        snprintf(err, errlen, "state dir %s: cannot create: %s", state_dir,
                 strerror(-r));
        goto fail;
    }
    s->inbox_fd = open(inbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    s->state_fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->inbox_fd < 0 || s->state_fd < 0) {
        r = -errno;
        snprintf(err, errlen, "cannot open %s: %s",
                 s->inbox_fd < 0 ? inbox : state_dir, strerror(errno));
        goto fail;
    }
    s->lock_fd = openat(s->state_fd, "inboxd.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (s->lock_fd < 0 || flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        r = -errno;
        snprintf(err, errlen,
                 "state dir %s is in use by another inboxd (lock %s/inboxd.lock: %s)",
                 state_dir, state_dir, strerror(errno));
        goto fail;
    }
    if ((s->work_fd = open_dir(s->state_fd, "work", 1)) < 0 ||
        (s->archive_fd = open_dir(s->state_fd, "archive", 1)) < 0 ||
        (s->failed_fd = open_dir(s->state_fd, "failed", 1)) < 0 ||
        (s->processed_fd = open_dir(s->state_fd, "processed", 1)) < 0) {
        r = s->work_fd < 0 ? s->work_fd : s->archive_fd < 0 ? s->archive_fd
            : s->failed_fd < 0 ? s->failed_fd : s->processed_fd;
        snprintf(err, errlen, "state dir %s: cannot create its folders: %s",
                 state_dir, strerror(-r));
        goto fail;
    }
    if ((r = claimlog_open(&s->clog, s->work_fd)) < 0) {
        snprintf(err, errlen, "state dir %s: cannot open work/claims.log: %s", state_dir,
                 strerror(-r));
        goto fail;
    }
    s->clog_open = 1;
    if (fstat(s->inbox_fd, &a) < 0 || fstat(s->work_fd, &b) < 0) {
        r = -errno;
        snprintf(err, errlen, "stat: %s", strerror(errno));
        goto fail;
    }
    if (a.st_dev == b.st_dev) {
        /* One device can still be two mounts (bind mounts): rename() across
         * them fails with EXDEV.  Try one. */
        char probe[64];
        int fd;
        snprintf(probe, sizeof probe, ".inboxd-probe-%d", (int)getpid());
        fd = openat(s->inbox_fd, probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            close(fd);
            if (renameat(s->inbox_fd, probe, s->work_fd, probe) < 0) {
                int e = errno;
                (void)unlinkat(s->inbox_fd, probe, 0);
                if (e == EXDEV) {
                    a.st_dev = ~b.st_dev; /* reported below */
                }
            } else
                (void)unlinkat(s->work_fd, probe, 0);
        }
    }
    if (a.st_dev != b.st_dev) {
        r = -EXDEV;
        snprintf(err, errlen,
                 "inbox %s and state dir %s are on different filesystems: files "
                 "are claimed by an atomic rename(), so both must be on one",
                 inbox, state_dir);
        goto fail;
    }
    return 0;
fail:
    spool_close(s);
    return r;
}

static int keep_live(void *ctx, const char *ticket)
{
    (void)ctx;
    (void)ticket;
    return 1;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

void spool_close(struct spool *s)
{
    if (!s)
        return;
    if (s->clog_open) {
        /* A clean stop leaves only the records of files still in work/. */
        claimlog_compact(&s->clog, keep_live, NULL);
        claimlog_close(&s->clog);
    }
    s->clog_open = 0;
    close_fd(&s->inbox_fd);
    close_fd(&s->work_fd);
    close_fd(&s->archive_fd);
    close_fd(&s->failed_fd);
    close_fd(&s->processed_fd);
    close_fd(&s->state_fd);
    close_fd(&s->lock_fd);
    free(s->inbox);
    free(s->state_dir);
    s->inbox = s->state_dir = NULL;
}

/* Tickets are unique and sort in arrival order: microseconds since the
 * epoch times 64 plus a counter. */
static void new_ticket(char out[SPOOL_TICKET_LEN + 1])
{
    static atomic_uint counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t us = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
    uint64_t t = us * 64 + (atomic_fetch_add(&counter, 1) % 64);
    snprintf(out, SPOOL_TICKET_LEN + 1, "%016llx", (unsigned long long)t);
}

int spool_set_attempts(struct spool *s, const char *ticket, const char *name,
                       int64_t received_ms, unsigned attempts)
{
    return claimlog_append(&s->clog, ticket, name, received_ms, attempts);
}

/* The ticket left work/: its claim record is no longer needed. */
static void unlink_sidecar(struct spool *s, const char *ticket)
{
    claimlog_forget(&s->clog, ticket);
    if (s->legacy_sidecars) {
        char fname[64];
        snprintf(fname, sizeof fname, "%s.json", ticket);
        (void)unlinkat(s->work_fd, fname, 0);
    }
}

static const char *kind_name(mode_t m)
{
    if (S_ISLNK(m)) return "symlink";
    if (S_ISDIR(m)) return "directory";
    if (S_ISFIFO(m)) return "FIFO";
    if (S_ISCHR(m)) return "character device";
    if (S_ISBLK(m)) return "block device";
    if (S_ISSOCK(m)) return "socket";
    return "not a regular file";
}

static json_t *fail_record(const char *name, const char *reason)
{
    char *lossy = util_utf8_lossy(name);
    char ts[40];
    util_rfc3339(util_now_ms(), ts, sizeof ts);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s?, s:s}", "name", lossy ? lossy : "",
                          "stage", "claim", "plugin", "inboxd", "error", reason,
                          "time", ts);
    free(lossy);
    return o;
}

/* 1 when someone has the file open for writing (the kernel refuses a read
 * lease then), 0 when no one has, -1 when it cannot tell (a file of
 * another user without CAP_LEASE, a filesystem without leases).  The lease
 * is dropped at once. */
static int writer_holds(int fd)
{
    if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
        (void)fcntl(fd, F_SETLEASE, F_UNLCK);
        return 0;
    }
    return errno == EAGAIN ? 1 : -1;
}

static enum claim_result claim(struct spool *s, const char *name, uint64_t max_bytes,
                               int accept_hardlinks, unsigned min_age_ms, struct claim *c,
                               int depth);

enum claim_result spool_claim(struct spool *s, const char *name,
                              uint64_t max_bytes, int accept_hardlinks,
                              unsigned min_age_ms, struct claim *c)
{
    return claim(s, name, max_bytes, accept_hardlinks, min_age_ms, c, 0);
}

static enum claim_result claim(struct spool *s, const char *name, uint64_t max_bytes,
                               int accept_hardlinks, unsigned min_age_ms, struct claim *c,
                               int depth)
{
    struct stat st, st2;
    int fd = -1, r;
    memset(c, 0, sizeof *c);
    if (fstatat(s->inbox_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return CLAIM_GONE;
    if (!S_ISREG(st.st_mode)) {
        snprintf(c->reason, sizeof c->reason, "%s: not followed, left in the inbox",
                 kind_name(st.st_mode));
        return CLAIM_REJECTED;
    }
    if ((uint64_t)st.st_size > max_bytes) {
        snprintf(c->reason, sizeof c->reason,
                 "too large: %lld bytes > max_bytes %llu", (long long)st.st_size,
                 (unsigned long long)max_bytes);
        return CLAIM_REJECTED;
    }
    if (st.st_nlink > 1 && !accept_hardlinks) {
        snprintf(c->reason, sizeof c->reason,
                 "hard link (%lu links): not taken, it may point at a file "
                 "outside the inbox",
                 (unsigned long)st.st_nlink);
        return CLAIM_REJECTED;
    }
    c->received_ms = util_now_ms();
    if (min_age_ms) {
        /* A scan cannot tell a complete file from one still being written:
         * one that changed (mtime) or arrived (ctime) just now waits for its
         * close-write, or for the next scan. */
        int64_t m = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
        int64_t ct = (int64_t)st.st_ctim.tv_sec * 1000 + st.st_ctim.tv_nsec / 1000000;
        if (ct > m)
            m = ct;
        if (c->received_ms - m < (int64_t)min_age_ms && c->received_ms >= m - 60000)
            return CLAIM_YOUNG;
    }
    new_ticket(c->ticket);
    if ((r = claimlog_append(&s->clog, c->ticket, name, c->received_ms, 1)) < 0) {
        snprintf(c->reason, sizeof c->reason, "cannot write to work/: %s",
                 strerror(-r));
        return CLAIM_REJECTED;
    }
    if (renameat(s->inbox_fd, name, s->work_fd, c->ticket) < 0) {
        int e = errno;
        unlink_sidecar(s, c->ticket);
        if (e == ENOENT)
            return CLAIM_GONE;
        snprintf(c->reason, sizeof c->reason, "cannot claim into work/: %s",
                 strerror(e));
        return CLAIM_REJECTED;
    }
    /* From here the file is ours: any problem sends it to failed/. */
    fd = openat(s->work_fd, c->ticket, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(c->reason, sizeof c->reason,
                 errno == ELOOP ? "replaced by a symlink while being claimed: not followed"
                                : "cannot open the claimed file: %s",
                 strerror(errno));
        goto failed;
    }
    if (fstat(fd, &st2) < 0 || !S_ISREG(st2.st_mode)) {
        snprintf(c->reason, sizeof c->reason,
                 "replaced by a %s while being claimed", kind_name(st2.st_mode));
        goto failed;
    }
    /* A writer that still has the file open (written in place and found
     * by a scan before its close) would change it under us, and after us
     * in archive/.  Such a file goes back to the inbox, where its writer's
     * close-write brings it again. */
    if (writer_holds(fd) == 1) {
        close(fd);
        fd = -1;
        if (renameat2(s->work_fd, c->ticket, s->inbox_fd, name, RENAME_NOREPLACE) < 0) {
            snprintf(c->reason, sizeof c->reason,
                     "still open for writing by another process, and a new file took its "
                     "name in the inbox");
            goto failed;
        }
        unlink_sidecar(s, c->ticket);
        /* Closed while it was in work/: no close-write will come for it
         * from the inbox, so take it now. */
        fd = openat(s->inbox_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        r = fd >= 0 ? writer_holds(fd) : 1;
        if (fd >= 0)
            close(fd);
        if (r == 0 && depth < 3)
            return claim(s, name, max_bytes, accept_hardlinks, min_age_ms, c, depth + 1);
        return CLAIM_GONE;
    }
    for (int tries = 0;; tries++) {
        r = util_read_fd(fd, max_bytes, &c->raw, &c->len);
        if (r == -EFBIG) {
            snprintf(c->reason, sizeof c->reason,
                     "too large: grew past max_bytes %llu while being claimed",
                     (unsigned long long)max_bytes);
            goto failed;
        }
        if (r < 0) {
            snprintf(c->reason, sizeof c->reason, "read error: %s", strerror(-r));
            goto failed;
        }
        /* A writer that still holds the file open may change it under us:
         * accept the bytes only when size and mtime held still. */
        if (fstat(fd, &st) == 0 && (size_t)st.st_size == c->len &&
            st.st_mtim.tv_sec == st2.st_mtim.tv_sec &&
            st.st_mtim.tv_nsec == st2.st_mtim.tv_nsec)
            break;
        free(c->raw);
        c->raw = NULL;
        if (tries == 2) {
            snprintf(c->reason, sizeof c->reason,
                     "changed while being read: still being written?");
            goto failed;
        }
        st2 = st;
        usleep(20000);
        lseek(fd, 0, SEEK_SET);
    }
    close(fd);
    return CLAIM_OK;
failed:
    if (fd >= 0)
        close(fd);
    {
        json_t *rec = fail_record(name, c->reason);
        char *dest = NULL;
        spool_fail(s, c->ticket, NULL, name, rec, &dest);
        free(dest);
        json_decref(rec);
    }
    return CLAIM_FAILED;
}

static int is_ticket(const char *n)
{
    size_t i;
    for (i = 0; i < SPOOL_TICKET_LEN; i++)
        if (!((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f')))
            return 0;
    return 1;
}

static int cmp_rec(const void *a, const void *b)
{
    return strcmp(((const struct recovered *)a)->ticket,
                  ((const struct recovered *)b)->ticket);
}

static void read_sidecar(struct spool *s, struct recovered *r)
{
    char fname[64];
    unsigned char *buf = NULL;
    size_t len;
    json_t *o, *hex;
    struct claim_record rec;
    snprintf(fname, sizeof fname, "%s.json", r->ticket);
    r->attempts = 1;
    if (claimlog_lookup(&s->clog, r->ticket, &rec) == 0) {
        r->name = rec.name;
        r->received_ms = rec.received_ms;
        r->attempts = rec.attempts ? rec.attempts : 1;
    } else if (util_read_file(s->work_fd, fname, 1 << 16, &buf, &len) == 0 &&
        (o = json_loadb((char *)buf, len, 0, NULL))) {
        const char *nm = json_string_value(json_object_get(o, "name"));
        r->received_ms = json_integer_value(json_object_get(o, "received_ms"));
        r->attempts = (unsigned)json_integer_value(json_object_get(o, "attempts"));
        hex = json_object_get(o, "name_hex");
        if (json_is_string(hex)) {
            r->name = util_hex_decode(json_string_value(hex));
        } else if (nm)
            r->name = strdup(nm);
        json_decref(o);
    }
    free(buf);
    if (!r->name)
        r->name = strdup(r->ticket);
    if (!r->received_ms)
        r->received_ms = util_now_ms();
}

struct keep_ctx {
    struct recovered *v;
    size_t n;
};

static int keep_ticket(void *ctx, const char *ticket)
{
    struct keep_ctx *k = ctx;
    struct recovered key;
    memcpy(key.ticket, ticket, sizeof key.ticket);
    return k->n && bsearch(&key, k->v, k->n, sizeof *k->v, cmp_rec) != NULL;
}

int spool_recover_list(struct spool *s, struct recovered **out, size_t *n)
{
    int fd = dup(s->work_fd);
    DIR *d;
    struct dirent *e;
    struct recovered *v = NULL;
    size_t cnt = 0, cap = 0;
    *out = NULL;
    *n = 0;
    if (fd < 0 || !(d = fdopendir(fd))) {
        if (fd >= 0)
            close(fd);
        return -errno;
    }
    claimlog_load(&s->clog);
    rewinddir(d);
    while ((e = readdir(d))) {
        const char *nm = e->d_name;
        size_t len = strlen(nm);
        if (nm[0] == '.') {
            if (len > 4 && strcmp(nm + len - 4, ".tmp") == 0)
                (void)unlinkat(s->work_fd, nm, 0);
            continue;
        }
        if (len == SPOOL_TICKET_LEN + 5 && is_ticket(nm) &&
            strcmp(nm + SPOOL_TICKET_LEN, ".json") == 0) {
            char t[SPOOL_TICKET_LEN + 1];
            struct stat st;
            memcpy(t, nm, SPOOL_TICKET_LEN);
            t[SPOOL_TICKET_LEN] = '\0';
            if (fstatat(s->work_fd, t, &st, AT_SYMLINK_NOFOLLOW) < 0)
                (void)unlinkat(s->work_fd, nm, 0); /* orphan sidecar */
            else
                s->legacy_sidecars = 1;
            continue;
        }
        if (len != SPOOL_TICKET_LEN || !is_ticket(nm))
            continue;
        if (cnt == cap) {
            cap = cap ? cap * 2 : 64;
            struct recovered *nv = realloc(v, cap * sizeof *v);
            if (!nv)
                break;
            v = nv;
        }
        memset(&v[cnt], 0, sizeof v[cnt]);
        memcpy(v[cnt].ticket, nm, SPOOL_TICKET_LEN + 1);
        read_sidecar(s, &v[cnt]);
        cnt++;
    }
    closedir(d);
    if (cnt)
        qsort(v, cnt, sizeof *v, cmp_rec);
    /* Only the records of files still in work/ are worth keeping. */
    struct keep_ctx kc = {v, cnt};
    claimlog_compact(&s->clog, keep_ticket, &kc);
    *out = v;
    *n = cnt;
    return 0;
}

int spool_read_work(struct spool *s, const char *ticket, uint64_t max_bytes,
                    unsigned char **raw, size_t *len)
{
    return util_read_file(s->work_fd, ticket, max_bytes, raw, len);
}

static void archive_path(const char *id, char *buf, size_t len)
{
    snprintf(buf, len, "%.2s/%s", id, id);
}

int spool_read_archive(struct spool *s, const char *id, uint64_t max_bytes,
                       unsigned char **raw, size_t *len)
{
    char p[80];
    for (const char *c = id; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
            return -EINVAL;
    if (strlen(id) != 64)
        return -EINVAL;
    archive_path(id, p, sizeof p);
    return util_read_file(s->archive_fd, p, max_bytes, raw, len);
}

int spool_archived(struct spool *s, const char *id)
{
    char p[80];
    struct stat st;
    archive_path(id, p, sizeof p);
    return fstatat(s->archive_fd, p, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int spool_drop(struct spool *s, const char *ticket)
{
    int r = unlinkat(s->work_fd, ticket, 0) < 0 && errno != ENOENT ? -errno : 0;
    unlink_sidecar(s, ticket);
    return r;
}

int spool_finish(struct spool *s, const char *ticket, const char *id,
                 const char *name, int on_success)
{
    int r = 0;
    if (on_success == 0) {
        char sub[3] = {id[0], id[1], '\0'}, p[80];
        if (mkdirat(s->archive_fd, sub, 0750) < 0 && errno != EEXIST)
            return -errno;
        archive_path(id, p, sizeof p);
        if (renameat(s->work_fd, ticket, s->archive_fd, p) < 0)
            r = -errno;
    } else if (on_success == 1) {
        if (unlinkat(s->work_fd, ticket, 0) < 0)
            r = -errno;
    } else {
        char *base = util_sanitize_name(name, NAME_KEEP);
        char buf[NAME_KEEP + 32];
        if (!base)
            return -ENOMEM;
        for (int i = 0; i < 10000; i++) {
            if (i == 0)
                snprintf(buf, sizeof buf, "%s", base);
            else
                snprintf(buf, sizeof buf, "%s.%d", base, i);
            if (renameat2(s->work_fd, ticket, s->processed_fd, buf,
                          RENAME_NOREPLACE) == 0) {
                r = 0;
                break;
            }
            r = -errno;
            if (errno != EEXIST)
                break;
        }
        free(base);
    }
    if (r == 0)
        unlink_sidecar(s, ticket);
    return r;
}

int spool_fail(struct spool *s, const char *ticket, const char *id,
               const char *name, json_t *record, char **dest)
{
    char *base = util_sanitize_name(name, NAME_KEEP);
    char fname[NAME_KEEP + 64], ename[NAME_KEEP + 80];
    char *text;
    int r = 0;
    *dest = NULL;
    if (!base)
        return -ENOMEM;
    snprintf(fname, sizeof fname, "%.16s_%s", id ? id : ticket, base);
    free(base);
    snprintf(ename, sizeof ename, "%s.error.json", fname);
    json_object_set_new(record, "file", json_string(fname));
    if (id)
        json_object_set_new(record, "id", json_string(id));
    text = json_dumps(record, JSON_INDENT(2));
    if (text) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/failed", s->state_dir);
        r = util_write_atomic(dir, ename, text, strlen(text), 0);
        free(text);
    }
    if (renameat(s->work_fd, ticket, s->failed_fd, fname) < 0 && errno != ENOENT)
        r = -errno;
    else
        unlink_sidecar(s, ticket);
    *dest = strdup(fname);
    return r;
}
