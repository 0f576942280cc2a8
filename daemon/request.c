#include "request.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reserve(struct linebuf *lb, size_t len)
{
    size_t cap = lb->cap ? lb->cap : 1024;
    char *nb;
    if (len <= lb->cap)
        return 0;
    while (cap < len)
        cap *= 2;
    nb = realloc(lb->buf, cap);
    if (!nb)
        return -ENOMEM;
    lb->buf = nb;
    lb->cap = cap;
    return 0;
}

int linebuf_feed(struct linebuf *lb, const char *data, size_t n, size_t max_line,
                 linebuf_cb cb, void *ctx)
{
    size_t start = 0;
    for (;;) {
        const char *nl = start < n ? memchr(data + start, '\n', n - start) : NULL;
        if (!nl)
            break;
        size_t part = (size_t)(nl - (data + start));
        int stop;
        if (lb->len) {
            /* The line began in an earlier piece. */
            size_t len = lb->len + part;
            if (len > max_line)
                return -E2BIG;
            if (reserve(lb, len) < 0)
                return -ENOMEM;
            memcpy(lb->buf + lb->len, data + start, part);
            lb->len = 0;
            stop = cb(ctx, lb->buf, len);
        } else {
            if (part > max_line)
                return -E2BIG;
            stop = cb(ctx, (char *)data + start, part);
        }
        start += part + 1;
        if (stop)
            return 1;
    }
    size_t rest = n - start;
    if (!rest)
        return 0;
    if (lb->len + rest > max_line)
        return -E2BIG;
    if (reserve(lb, lb->len + rest) < 0)
        return -ENOMEM;
    memcpy(lb->buf + lb->len, data + start, rest);
    lb->len += rest;
    return 0;
}

void linebuf_clear(struct linebuf *lb)
{
    free(lb->buf);
    lb->buf = NULL;
    lb->len = lb->cap = 0;
}

void request_clear(struct request *r)
{
    for (size_t i = 0; i < r->n_events; i++)
        free(r->events[i]);
    free(r->events);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

#define MAX_GLOBS 256

int request_parse(const char *line, size_t len, struct request *r, char *err,
                  size_t errlen)
{
    json_error_t jerr;
    json_t *v;
    memset(r, 0, sizeof *r);
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
        len--;
    r->json = json_loadb(line, len, 0, &jerr);
    if (!r->json || !json_is_object(r->json)) {
        snprintf(err, errlen, "malformed request: %s",
                 r->json ? "not a JSON object" : jerr.text);
        goto bad;
    }
    r->opname = json_string_value(json_object_get(r->json, "op"));
    if (!r->opname) {
        snprintf(err, errlen, "request has no \"op\" string");
        goto bad;
    }
    if (strcmp(r->opname, "ping") == 0) {
        r->op = REQ_PING;
        return 0;
    }
    if (strcmp(r->opname, "subscribe") != 0) {
        r->op = REQ_OTHER;
        return 0;
    }
    r->op = REQ_SUBSCRIBE;
    v = json_object_get(r->json, "since");
    if (v && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < 0) {
            snprintf(err, errlen, "subscribe: \"since\" must be a non-negative integer seq");
            goto bad;
        }
        r->has_since = 1;
        r->since = (uint64_t)json_integer_value(v);
    }
    v = json_object_get(r->json, "events");
    if (v && !json_is_null(v)) {
        size_t i;
        json_t *g;
        if (!json_is_array(v) || json_array_size(v) > MAX_GLOBS) {
            snprintf(err, errlen,
                     "subscribe: \"events\" must be an array of at most %d glob strings",
                     MAX_GLOBS);
            goto bad;
        }
        json_array_foreach(v, i, g) {
            if (!json_is_string(g) || json_string_length(g) > 256) {
                snprintf(err, errlen, "subscribe: \"events\"[%zu] must be a glob string", i);
                goto bad;
            }
        }
        r->events = calloc(json_array_size(v) + 1, sizeof *r->events);
        if (!r->events) {
            snprintf(err, errlen, "out of memory");
            goto bad;
        }
        json_array_foreach(v, i, g) {
            r->events[i] = strdup(json_string_value(g));
            if (!r->events[i]) {
                snprintf(err, errlen, "out of memory");
                r->n_events = i;
                goto bad;
            }
        }
        r->n_events = json_array_size(v);
        r->has_events = 1;
    }
    return 0;
bad:
    request_clear(r);
    return -EINVAL;
}
