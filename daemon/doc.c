#include "doc.h"

#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct doc_limits limits = {.max_text_bytes = 256u << 20,
                                   .max_entities = 100000};
static char *host_state_dir;
static char *host_config_dir;

void doc_limits_set(const struct doc_limits *l) { limits = *l; }

void doc_host_set_state_dir(const char *dir)
{
    char *d = dir ? strdup(dir) : NULL;
    free(host_state_dir);
    host_state_dir = d;
}

void doc_host_set_config_dir(const char *dir)
{
    char *d = dir ? strdup(dir) : NULL;
    free(host_config_dir);
    host_config_dir = d;
}

inboxd_doc *doc_new(const char *name, unsigned char *raw, size_t raw_len,
                    int64_t received_ms)
{
    inboxd_doc *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->name = strdup(name ? name : "");
    d->meta = json_object();
    if (!d->name || !d->meta) {
        free(d->name);
        json_decref(d->meta);
        free(d);
        return NULL;
    }
    d->raw = raw;
    d->raw_len = raw_len;
    d->received_ms = received_ms;
    util_sha256_hex(raw ? (const void *)raw : "", raw_len, d->id);
    return d;
}

inboxd_doc *doc_new_copy(const char *name, const void *raw, size_t raw_len,
                         int64_t received_ms)
{
    unsigned char *copy = malloc(raw_len + 1);
    inboxd_doc *d;
    if (!copy)
        return NULL;
    if (raw_len)
        memcpy(copy, raw, raw_len);
    copy[raw_len] = '\0';
    d = doc_new(name, copy, raw_len, received_ms);
    if (!d)
        free(copy);
    return d;
}

static void entity_free_fields(inboxd_entity *e)
{
    free((char *)e->type);
    free((char *)e->text);
    free((char *)e->value);
    free((char *)e->key);
    free((char *)e->lang);
    free((char *)e->attrs);
}

static void clear_entities(inboxd_doc *d)
{
    for (size_t i = 0; i < d->n_ents; i++)
        entity_free_fields(&d->ents[i]);
    d->n_ents = 0;
}

inboxd_doc *doc_free(inboxd_doc *d)
{
    struct doc_view *v, *next;
    if (!d)
        return NULL;
    clear_entities(d);
    free(d->ents);
    for (v = d->views; v; v = next) {
        next = v->next;
        free(v->name);
        free(v->data);
        free(v);
    }
    free(d->name);
    free(d->raw);
    free(d->text);
    free(d->lang);
    json_decref(d->meta);
    free(d->error);
    free(d);
    return NULL;
}

const char *doc_title(const inboxd_doc *d)
{
    return json_string_value(json_object_get(d->meta, "title"));
}

json_t *doc_entities_json(const inboxd_doc *d)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < d->n_ents; i++) {
        const inboxd_entity *e = &d->ents[i];
        json_t *o = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:I, s:I, s:f}",
                              "type", e->type, "text", e->text, "value",
                              e->value, "key", e->key, "lang", e->lang,
                              "start", (json_int_t)e->start, "end",
                              (json_int_t)e->end, "confidence", e->confidence);
        if (!o)
            continue;
        if (e->attrs) {
            json_t *a = json_loads(e->attrs, 0, NULL);
            if (a)
                json_object_set_new(o, "attrs", a);
        }
        json_array_append_new(arr, o);
    }
    return arr;
}

/* --- the services table --------------------------------------------------- */

static void h_log(int prio, const char *plugin, const inboxd_doc *doc,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(prio, plugin, doc ? doc->id : NULL, NULL, fmt, ap);
    va_end(ap);
}

static void h_free(void *p) { free(p); }
static const char *h_state_dir(void) { return host_state_dir; }
static const char *h_config_dir(void) { return host_config_dir; }
static const char *h_doc_id(const inboxd_doc *d) { return d->id; }
static const char *h_doc_name(const inboxd_doc *d) { return d->name; }
static int64_t h_doc_received_ms(const inboxd_doc *d) { return d->received_ms; }
static uint32_t h_doc_flags(const inboxd_doc *d) { return d->flags; }

static const unsigned char *h_doc_raw(const inboxd_doc *d, size_t *len)
{
    if (len)
        *len = d->raw_len;
    return d->raw;
}

static const char *h_doc_text(const inboxd_doc *d, size_t *len)
{
    if (len)
        *len = d->text ? d->text_len : 0;
    return d->text;
}

static int h_doc_set_text(inboxd_doc *d, const char *utf8, size_t len)
{
    char *copy;
    if (!utf8)
        return -EINVAL;
    if (len > limits.max_text_bytes)
        return -E2BIG;
    if (memchr(utf8, '\0', len) || !util_utf8_valid(utf8, len))
        return -EINVAL;
    copy = malloc(len + 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, utf8, len);
    copy[len] = '\0';
    free(d->text);
    d->text = copy;
    d->text_len = len;
    clear_entities(d);
    return 0;
}

static const char *h_doc_lang(const inboxd_doc *d) { return d->lang; }

static int h_doc_set_lang(inboxd_doc *d, const char *lang)
{
    char *copy = NULL;
    if (lang) {
        if (!util_utf8_valid(lang, strlen(lang)))
            return -EINVAL;
        copy = strdup(lang);
        if (!copy)
            return -ENOMEM;
    }
    free(d->lang);
    d->lang = copy;
    return 0;
}

static char *h_doc_meta_get(const inboxd_doc *d, const char *key)
{
    json_t *v = key ? json_object_get(d->meta, key) : d->meta;
    if (!v)
        return NULL;
    return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

static int h_doc_meta_set(inboxd_doc *d, const char *key, const char *json_text)
{
    json_t *v;
    if (!key)
        return -EINVAL;
    if (!json_text) {
        json_object_del(d->meta, key);
        return 0;
    }
    v = json_loads(json_text, JSON_DECODE_ANY, NULL);
    if (!v)
        return -EINVAL;
    if (json_object_set_new(d->meta, key, v) < 0)
        return -EINVAL;
    return 0;
}

static char *dup_opt(const char *s, int *bad)
{
    char *c;
    if (!s)
        return NULL;
    if (!util_utf8_valid(s, strlen(s))) {
        *bad = 1;
        return NULL;
    }
    c = strdup(s);
    if (!c)
        *bad = 1;
    return c;
}

static int h_doc_add_entity(inboxd_doc *d, const inboxd_entity *e)
{
    inboxd_entity n = {0};
    int bad = 0;
    if (!e || !e->type || !e->text)
        return -EINVAL;
    if (!d->text || e->start > e->end || e->end > d->text_len)
        return -ERANGE;
    if (d->n_ents >= limits.max_entities)
        return -E2BIG;
    if (d->n_ents == d->cap_ents) {
        size_t cap = d->cap_ents ? d->cap_ents * 2 : 16;
        inboxd_entity *ne = realloc(d->ents, cap * sizeof *ne);
        if (!ne)
            return -ENOMEM;
        d->ents = ne;
        d->cap_ents = cap;
    }
    n.type = dup_opt(e->type, &bad);
    n.text = dup_opt(e->text, &bad);
    n.value = dup_opt(e->value, &bad);
    n.key = dup_opt(e->key, &bad);
    n.lang = dup_opt(e->lang, &bad);
    if (e->attrs) {
        json_t *a = json_loads(e->attrs, 0, NULL);
        if (!json_is_object(a))
            bad = 1;
        json_decref(a);
        if (!bad)
            n.attrs = dup_opt(e->attrs, &bad);
    }
    n.start = e->start;
    n.end = e->end;
    n.confidence = e->confidence < 0 ? 0 : e->confidence > 1 ? 1 : e->confidence;
    if (bad) {
        entity_free_fields(&n);
        return -EINVAL;
    }
    d->ents[d->n_ents++] = n;
    return 0;
}

static size_t h_doc_entity_count(const inboxd_doc *d) { return d->n_ents; }

static const inboxd_entity *h_doc_entity(const inboxd_doc *d, size_t i)
{
    return i < d->n_ents ? &d->ents[i] : NULL;
}

static void h_doc_clear_entities(inboxd_doc *d) { clear_entities(d); }

static int h_doc_set_view(inboxd_doc *d, const char *name, const void *data,
                          size_t len)
{
    struct doc_view *v;
    void *copy;
    if (!name)
        return -EINVAL;
    copy = malloc(len + 1);
    if (!copy)
        return -ENOMEM;
    if (len)
        memcpy(copy, data, len);
    ((char *)copy)[len] = '\0';
    for (v = d->views; v; v = v->next) {
        if (strcmp(v->name, name) == 0) {
            free(v->data);
            v->data = copy;
            v->len = len;
            return 0;
        }
    }
    v = calloc(1, sizeof *v);
    if (!v || !(v->name = strdup(name))) {
        free(v);
        free(copy);
        return -ENOMEM;
    }
    v->data = copy;
    v->len = len;
    v->next = d->views;
    d->views = v;
    return 0;
}

static const void *h_doc_view(const inboxd_doc *d, const char *name, size_t *len)
{
    for (struct doc_view *v = d->views; v; v = v->next) {
        if (strcmp(v->name, name) == 0) {
            if (len)
                *len = v->len;
            return v->data;
        }
    }
    if (len)
        *len = 0;
    return NULL;
}

static void h_doc_error(inboxd_doc *d, const char *fmt, ...)
{
    va_list ap;
    char *msg = NULL;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    if (msg && !util_utf8_valid(msg, strlen(msg))) {
        char *l = util_utf8_lossy(msg);
        free(msg);
        msg = l;
    }
    free(d->error);
    d->error = msg;
}

static const inboxd_host host = {
    .abi_version = INBOXD_ABI_VERSION,
    .size = sizeof(inboxd_host),
    .log = h_log,
    .free = h_free,
    .state_dir = h_state_dir,
    .doc_id = h_doc_id,
    .doc_name = h_doc_name,
    .doc_received_ms = h_doc_received_ms,
    .doc_flags = h_doc_flags,
    .doc_raw = h_doc_raw,
    .doc_text = h_doc_text,
    .doc_set_text = h_doc_set_text,
    .doc_lang = h_doc_lang,
    .doc_set_lang = h_doc_set_lang,
    .doc_meta_get = h_doc_meta_get,
    .doc_meta_set = h_doc_meta_set,
    .doc_add_entity = h_doc_add_entity,
    .doc_entity_count = h_doc_entity_count,
    .doc_entity = h_doc_entity,
    .doc_clear_entities = h_doc_clear_entities,
    .doc_set_view = h_doc_set_view,
    .doc_view = h_doc_view,
    .doc_error = h_doc_error,
    .config_dir = h_config_dir,
};

const inboxd_host *doc_host(void) { return &host; }
