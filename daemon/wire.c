#include "wire.h"

#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x31584249u /* "IBX1" little-endian */
#define MAX_HEADER (256u << 20)
#define MAX_BLOBS ((uint64_t)8 << 30)

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno == EPIPE || errno == ECONNRESET ? -EPIPE : -errno;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int read_all(int fd, void *p, size_t n, int64_t deadline)
{
    char *c = p;
    while (n) {
        if (deadline >= 0) {
            int64_t left = deadline - now_ms();
            struct pollfd pf = {.fd = fd, .events = POLLIN};
            if (left <= 0)
                return -ETIMEDOUT;
            int r = poll(&pf, 1, left > 3600000 ? 3600000 : (int)left);
            if (r < 0 && errno == EINTR)
                continue;
            if (r == 0)
                return -ETIMEDOUT;
        }
        ssize_t got = read(fd, c, n);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return errno == ECONNRESET ? -EPIPE : -errno;
        }
        if (got == 0)
            return -EPIPE;
        c += got;
        n -= (size_t)got;
    }
    return 0;
}

int wire_send_doc(int fd, const inboxd_doc *d, int with_raw, int status)
{
    json_t *h = json_object(), *views = json_array();
    char *hdr, *hex;
    uint64_t blobs = 0;
    uint32_t pre[2];
    int r;
    hex = util_hex_encode(d->name);
    if (!h || !views || !hex) {
        json_decref(h);
        json_decref(views);
        free(hex);
        return -ENOMEM;
    }
    json_object_set_new(h, "id", json_string(d->id));
    json_object_set_new(h, "name_hex", json_string(hex));
    free(hex);
    json_object_set_new(h, "received_ms", json_integer(d->received_ms));
    json_object_set_new(h, "flags", json_integer(d->flags));
    json_object_set_new(h, "status", json_integer(status));
    if (d->error)
        json_object_set_new(h, "error", json_string(d->error));
    if (d->lang)
        json_object_set_new(h, "lang", json_string(d->lang));
    json_object_set(h, "meta", d->meta);
    json_object_set_new(h, "entities", doc_entities_json(d));
    json_object_set_new(h, "raw_len", json_integer(with_raw ? (json_int_t)d->raw_len : -1));
    json_object_set_new(h, "text_len", json_integer(d->text ? (json_int_t)d->text_len : -1));
    if (with_raw)
        blobs += d->raw_len;
    if (d->text)
        blobs += d->text_len;
    for (const struct doc_view *v = d->views; v; v = v->next) {
        json_array_append_new(views, json_pack("{s:s, s:I}", "name", v->name, "len",
                                               (json_int_t)v->len));
        blobs += v->len;
    }
    json_object_set_new(h, "views", views);
    hdr = json_dumps(h, JSON_COMPACT);
    json_decref(h);
    if (!hdr)
        return -ENOMEM;
    pre[0] = MAGIC;
    pre[1] = (uint32_t)strlen(hdr);
    if ((r = write_all(fd, pre, sizeof pre)) < 0 || (r = write_all(fd, &blobs, 8)) < 0 ||
        (r = write_all(fd, hdr, pre[1])) < 0)
        goto out;
    if (with_raw && (r = write_all(fd, d->raw, d->raw_len)) < 0)
        goto out;
    if (d->text && (r = write_all(fd, d->text, d->text_len)) < 0)
        goto out;
    for (const struct doc_view *v = d->views; v; v = v->next)
        if ((r = write_all(fd, v->data, v->len)) < 0)
            goto out;
out:
    free(hdr);
    return r;
}

int wire_recv_doc(int fd, inboxd_doc **docp, int *status, int timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    uint32_t pre[2];
    uint64_t blobs;
    char *hdr = NULL, *blob = NULL;
    json_t *h = NULL;
    inboxd_doc *d = *docp;
    const inboxd_host *host = doc_host();
    int r;
    json_int_t raw_len, text_len;
    uint64_t off = 0, need;

    if ((r = read_all(fd, pre, sizeof pre, deadline)) < 0)
        return r;
    if (pre[0] != MAGIC || pre[1] > MAX_HEADER)
        return -EPROTO;
    if ((r = read_all(fd, &blobs, 8, deadline)) < 0)
        return r;
    if (blobs > MAX_BLOBS)
        return -EPROTO;
    hdr = malloc(pre[1] + 1);
    blob = malloc(blobs + 1);
    if (!hdr || !blob) {
        r = -ENOMEM;
        goto out;
    }
    if ((r = read_all(fd, hdr, pre[1], deadline)) < 0 ||
        (r = read_all(fd, blob, blobs, deadline)) < 0)
        goto out;
    h = json_loadb(hdr, pre[1], 0, NULL);
    if (!json_is_object(h)) {
        r = -EPROTO;
        goto out;
    }
    raw_len = json_integer_value(json_object_get(h, "raw_len"));
    text_len = json_integer_value(json_object_get(h, "text_len"));
    need = (raw_len > 0 ? (uint64_t)raw_len : 0) + (text_len > 0 ? (uint64_t)text_len : 0);
    if (need > blobs) {
        r = -EPROTO;
        goto out;
    }
    if (!d) {
        /* A request: a new document from the raw bytes. */
        char *name = util_hex_decode(json_string_value(json_object_get(h, "name_hex")));
        if (raw_len < 0 || !name) {
            free(name);
            r = -EPROTO;
            goto out;
        }
        d = doc_new_copy(name, blob, (size_t)raw_len,
                         json_integer_value(json_object_get(h, "received_ms")));
        free(name);
        if (!d) {
            r = -ENOMEM;
            goto out;
        }
        d->flags = (uint32_t)json_integer_value(json_object_get(h, "flags"));
        off = (uint64_t)raw_len;
    } else if (raw_len > 0) {
        off = (uint64_t)raw_len;
    }
    if (status)
        *status = (int)json_integer_value(json_object_get(h, "status"));
    /* Text, language, metadata, entities, views: replace what d has. */
    if (text_len >= 0) {
        if ((r = host->doc_set_text(d, blob + off, (size_t)text_len)) < 0)
            goto bad;
        off += (uint64_t)text_len;
    }
    host->doc_set_lang(d, json_string_value(json_object_get(h, "lang")));
    if (json_is_object(json_object_get(h, "meta"))) {
        json_decref(d->meta);
        d->meta = json_incref(json_object_get(h, "meta"));
    }
    host->doc_clear_entities(d);
    {
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(h, "entities"), i, e) {
            json_t *a = json_object_get(e, "attrs");
            char *attrs = a ? json_dumps(a, JSON_COMPACT) : NULL;
            inboxd_entity ent = {
                .type = json_string_value(json_object_get(e, "type")),
                .text = json_string_value(json_object_get(e, "text")),
                .value = json_string_value(json_object_get(e, "value")),
                .key = json_string_value(json_object_get(e, "key")),
                .lang = json_string_value(json_object_get(e, "lang")),
                .attrs = attrs,
                .start = (size_t)json_integer_value(json_object_get(e, "start")),
                .end = (size_t)json_integer_value(json_object_get(e, "end")),
                .confidence = json_number_value(json_object_get(e, "confidence"))};
            host->doc_add_entity(d, &ent);
            free(attrs);
        }
    }
    {
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(h, "views"), i, v) {
            json_int_t len = json_integer_value(json_object_get(v, "len"));
            const char *name = json_string_value(json_object_get(v, "name"));
            if (!name || len < 0 || off + (uint64_t)len > blobs)
                goto bad;
            host->doc_set_view(d, name, blob + off, (size_t)len);
            off += (uint64_t)len;
        }
    }
    {
        const char *err = json_string_value(json_object_get(h, "error"));
        if (err)
            host->doc_error(d, "%s", err);
    }
    *docp = d;
    r = 0;
    goto out;
bad:
    r = -EPROTO;
    if (!*docp)
        doc_free(d);
out:
    json_decref(h);
    free(hdr);
    free(blob);
    return r;
}
