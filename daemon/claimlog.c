#include "claimlog.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_NAME "claims.log"
#define TICKET_LEN 16

struct cl_entry {
    struct cl_entry *next;
    char ticket[TICKET_LEN + 1];
    size_t len;
    char line[]; /* the JSON record with its newline */
};

static uint64_t hash(const char *t)
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < TICKET_LEN && t[i]; i++)
        h = (h ^ (unsigned char)t[i]) * 1099511628211ull;
    return h;
}

static struct cl_entry **find(struct claimlog *l, const char *ticket)
{
    if (!l->nb)
        return NULL;
    struct cl_entry **pp = &l->b[hash(ticket) & (l->nb - 1)];
    for (; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->ticket, ticket) == 0)
            return pp;
    return pp; /* the empty slot at the end of the chain */
}

static int grow(struct claimlog *l)
{
    size_t nb = l->nb ? l->nb * 2 : 256;
    struct cl_entry **b = calloc(nb, sizeof *b);
    if (!b)
        return -ENOMEM;
    for (size_t i = 0; i < l->nb; i++) {
        struct cl_entry *e = l->b[i], *next;
        for (; e; e = next) {
            next = e->next;
            size_t k = hash(e->ticket) & (nb - 1);
            e->next = b[k];
            b[k] = e;
        }
    }
    free(l->b);
    l->b = b;
    l->nb = nb;
    return 0;
}

/* Puts (or replaces) the live record of ticket; mu held. */
static int live_put(struct claimlog *l, const char *ticket, const char *line, size_t len)
{
    struct cl_entry **pp, *e;
    if (l->n + 1 > l->nb && grow(l) < 0)
        return -ENOMEM;
    e = malloc(sizeof *e + len);
    if (!e)
        return -ENOMEM;
    snprintf(e->ticket, sizeof e->ticket, "%s", ticket);
    memcpy(e->line, line, len);
    e->len = len;
    pp = find(l, ticket);
    if (*pp) {
        struct cl_entry *old = *pp;
        e->next = old->next;
        l->live_bytes -= old->len;
        free(old);
    } else {
        e->next = NULL;
        l->n++;
    }
    *pp = e;
    l->live_bytes += len;
    return 0;
}

static void live_del(struct claimlog *l, const char *ticket)
{
    struct cl_entry **pp = find(l, ticket), *e;
    if (!pp || !*pp)
        return;
    e = *pp;
    *pp = e->next;
    l->live_bytes -= e->len;
    l->n--;
    free(e);
}

/* Rewrites the file with the live records only; mu held. */
static int rewrite(struct claimlog *l)
{
    int fd = openat(l->dirfd, "." LOG_NAME ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    size_t size = 0;
    int r = 0;
    if (fd < 0)
        return -errno;
    for (size_t i = 0; i < l->nb && r == 0; i++)
        for (struct cl_entry *e = l->b[i]; e && r == 0; e = e->next) {
            if (write(fd, e->line, e->len) != (ssize_t)e->len)
                r = errno ? -errno : -EIO;
            size += e->len;
        }
    if (r == 0 && fsync(fd) < 0)
        r = -errno;
    close(fd);
    if (r == 0 && renameat(l->dirfd, "." LOG_NAME ".tmp", l->dirfd, LOG_NAME) < 0)
        r = -errno;
    if (r < 0) {
        (void)unlinkat(l->dirfd, "." LOG_NAME ".tmp", 0);
        return r;
    }
    fd = openat(l->dirfd, LOG_NAME, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    close(l->fd);
    l->fd = fd;
    l->size = size;
    return 0;
}

int claimlog_open(struct claimlog *l, int work_dirfd)
{
    struct stat st;
    memset(l, 0, sizeof *l);
    pthread_mutex_init(&l->mu, NULL);
    l->dirfd = work_dirfd;
    l->fd = openat(work_dirfd, LOG_NAME, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (l->fd < 0)
        return -errno;
    if (fstat(l->fd, &st) == 0)
        l->size = (size_t)st.st_size;
    return 0;
}

void claimlog_close(struct claimlog *l)
{
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
    for (size_t i = 0; i < l->nb; i++) {
        struct cl_entry *e = l->b[i], *next;
        for (; e; e = next) {
            next = e->next;
            free(e);
        }
    }
    free(l->b);
    l->b = NULL;
    l->nb = l->n = 0;
    pthread_mutex_destroy(&l->mu);
}

static char *record_line(const char *ticket, const char *name, int64_t received_ms,
                         unsigned attempts, size_t *len)
{
    char *lossy = util_utf8_lossy(name), *text;
    json_t *o;
    if (!lossy)
        return NULL;
    o = json_pack("{s:s, s:s, s:I, s:i}", "t", ticket, "name", lossy, "received_ms",
                  (json_int_t)received_ms, "attempts", (int)attempts);
    if (o && strcmp(lossy, name) != 0) {
        /* Keep the exact bytes of a name that is not UTF-8. */
        char *hex = util_hex_encode(name);
        if (hex)
            json_object_set_new(o, "name_hex", json_string(hex));
        free(hex);
    }
    free(lossy);
    text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text)
        return NULL;
    *len = strlen(text);
    text[(*len)++] = '\n'; /* json_dumps left room for its NUL */
    return text;
}

int claimlog_append(struct claimlog *l, const char *ticket, const char *name,
                    int64_t received_ms, unsigned attempts)
{
    size_t len;
    char *line = record_line(ticket, name, received_ms, attempts, &len);
    int r = 0;
    if (!line)
        return -ENOMEM;
    pthread_mutex_lock(&l->mu);
    if (write(l->fd, line, len) != (ssize_t)len)
        r = errno ? -errno : -EIO;
    else {
        l->size += len;
        r = live_put(l, ticket, line, len);
        /* Past 1 MiB and mostly dead records: keep only the live ones. */
        if (r == 0 && l->size > (1u << 20) && l->size > 8 * l->live_bytes)
            (void)rewrite(l);
    }
    pthread_mutex_unlock(&l->mu);
    free(line);
    return r;
}

void claimlog_forget(struct claimlog *l, const char *ticket)
{
    pthread_mutex_lock(&l->mu);
    live_del(l, ticket);
    pthread_mutex_unlock(&l->mu);
}

int claimlog_load(struct claimlog *l)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    int r = util_read_file(l->dirfd, LOG_NAME, (size_t)1 << 30, &buf, &len);
    if (r < 0)
        return r == -ENOENT ? 0 : r;
    pthread_mutex_lock(&l->mu);
    for (size_t i = 0; i < len;) {
        char *nl = memchr(buf + i, '\n', len - i);
        if (!nl)
            break; /* a torn last line from a crash: its rename never ran */
        size_t n = (size_t)((unsigned char *)nl - (buf + i)) + 1;
        json_t *o = json_loadb((char *)buf + i, n - 1, 0, NULL);
        const char *t = json_string_value(json_object_get(o, "t"));
        if (t && strlen(t) == TICKET_LEN)
            live_put(l, t, (char *)buf + i, n);
        json_decref(o);
        i += n;
    }
    pthread_mutex_unlock(&l->mu);
    free(buf);
    return 0;
}

int claimlog_lookup(struct claimlog *l, const char *ticket, struct claim_record *rec)
{
    struct cl_entry **pp;
    json_t *o = NULL, *hex;
    int r = -ENOENT;
    memset(rec, 0, sizeof *rec);
    pthread_mutex_lock(&l->mu);
    pp = find(l, ticket);
    if (pp && *pp)
        o = json_loadb((*pp)->line, (*pp)->len - 1, 0, NULL);
    pthread_mutex_unlock(&l->mu);
    if (!o)
        return r;
    rec->received_ms = json_integer_value(json_object_get(o, "received_ms"));
    rec->attempts = (unsigned)json_integer_value(json_object_get(o, "attempts"));
    hex = json_object_get(o, "name_hex");
    if (json_is_string(hex)) {
        rec->name = util_hex_decode(json_string_value(hex));
    } else if (json_string_value(json_object_get(o, "name")))
        rec->name = strdup(json_string_value(json_object_get(o, "name")));
    json_decref(o);
    return rec->name ? 0 : -ENOMEM;
}

int claimlog_compact(struct claimlog *l, int (*keep)(void *ctx, const char *ticket),
                     void *ctx)
{
    int r;
    pthread_mutex_lock(&l->mu);
    for (size_t i = 0; i < l->nb; i++) {
        struct cl_entry **pp = &l->b[i];
        while (*pp) {
            struct cl_entry *e = *pp;
            if (keep(ctx, e->ticket)) {
                pp = &e->next;
                continue;
            }
            *pp = e->next;
            l->live_bytes -= e->len;
            l->n--;
            free(e);
        }
    }
    r = rewrite(l);
    pthread_mutex_unlock(&l->mu);
    return r;
}
