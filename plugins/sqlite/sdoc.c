#include "sdoc.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "known.h"
#include "terms.h"
#include "utf8.h"

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* One metadata value as JSON text (host memory, or NULL when absent). */
static char *meta_json(const inboxd_host *h, inboxd_doc *doc, const char *key)
{
    return h->doc_meta_get(doc, key);
}

/* A string value of the metadata, copied; NULL when absent or not a
 * string.  *bad is set on out of memory. */
static char *meta_string(const inboxd_host *h, inboxd_doc *doc,
                         const char *key, int *bad)
{
    char *text = meta_json(h, doc, key), *r = NULL;
    json_t *v;
    if (!text)
        return NULL;
    if (text[0] == '"') {
        v = json_loads(text, JSON_DECODE_ANY, NULL);
        if (json_is_string(v) && !(r = strdup(json_string_value(v))))
            *bad = 1;
        json_decref(v);
    }
    h->free(text);
    return r;
}

/* An array value as compact JSON (a lone string as a one-element array);
 * NULL when absent or of another type. */
static char *meta_array(const inboxd_host *h, inboxd_doc *doc,
                        const char *key, int lone_string, int *bad)
{
    char *text = meta_json(h, doc, key), *r = NULL;
    if (!text)
        return NULL;
    if (text[0] == '[') {
        r = strdup(text);
    } else if (lone_string && text[0] == '"') {
        size_t n = strlen(text);
        r = malloc(n + 3);
        if (r) {
            r[0] = '[';
            memcpy(r + 1, text, n);
            r[n + 1] = ']';
            r[n + 2] = '\0';
        }
    } else {
        h->free(text);
        return NULL;
    }
    if (!r)
        *bad = 1;
    h->free(text);
    return r;
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

static int same_entity(const struct sdoc_ent *x, const struct sdoc_ent *y)
{
    return strcmp(x->type, y->type) == 0 && strcmp(x->key, y->key) == 0;
}

static int ent_cmp(const void *a, const void *b)
{
    const struct sdoc_ent *x = a, *y = b;
    int c = strcmp(x->type, y->type);
    if (!c)
        c = strcmp(x->key, y->key);
    if (!c)
        c = x->start < y->start ? -1 : x->start > y->start;
    if (!c)
        c = x->end < y->end ? -1 : x->end > y->end;
    return c;
}

/* The metadata: the whole object as the host writes it (compact JSON),
 * and the values that have columns of their own. */
static int meta_fields(struct sdoc *d, const inboxd_host *h, inboxd_doc *doc)
{
    char *all = h->doc_meta_get(doc, NULL);
    int bad = 0;
    d->meta = strdup(all && all[0] == '{' ? all : "{}");
    if (all)
        h->free(all);
    d->title = meta_string(h, doc, "title", &bad);
    d->lead = meta_string(h, doc, "lead", &bad);
    d->byline = meta_array(h, doc, "byline", 1, &bad);
    d->source_url = meta_string(h, doc, "source_url", &bad);
    d->published = meta_string(h, doc, "published", &bad);
    d->charset = meta_string(h, doc, "charset", &bad);
    d->langs = meta_array(h, doc, "langs", 0, &bad);
    return d->meta && !bad ? 0 : -ENOMEM;
}

/* Copies the host's entities (pointers into them), sorted. */
static int copy_entities(struct sdoc *d, const inboxd_host *h,
                         inboxd_doc *doc)
{
    size_t n = h->doc_entity_count(doc);
    if (!n)
        return 0;
    d->ents = calloc(n, sizeof *d->ents);
    if (!d->ents)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const inboxd_entity *e = h->doc_entity(doc, i);
        struct sdoc_ent *x = &d->ents[d->n_ents];
        const char *key;
        if (!e || !e->type || !e->text)
            continue;
        key = nonempty(e->key);
        if (!key)
            key = nonempty(e->value);
        if (!key)
            key = e->text;
        x->type = e->type;
        x->surface = e->text;
        x->value = e->value;
        x->lang = e->lang;
        x->attrs_json = e->attrs;
        x->start = e->start;
        x->end = e->end;
        x->confidence = e->confidence;
        x->key = key;
        x->name = nonempty(e->value) ? e->value : e->text;
        d->n_ents++;
    }
    if (d->n_ents > 1)
        qsort(d->ents, d->n_ents, sizeof *d->ents, ent_cmp);
    return 0;
}

/* The JSON of one mention. */
static void mention_json(struct jbuf *b, const struct sdoc_ent *e)
{
    jb_char(b, '[');
    jb_int(b, (int64_t)e->start);
    jb_char(b, ',');
    jb_int(b, (int64_t)e->end);
    jb_char(b, ',');
    jb_jstr(b, e->surface);
    jb_char(b, ',');
    jb_jstr(b, e->value);
    jb_char(b, ',');
    jb_jstr(b, e->lang);
    jb_char(b, ',');
    jb_real(b, e->confidence);
    jb_char(b, ',');
    jb_jstr(b, e->attrs_json);
    jb_char(b, ']');
}

/* Groups the sorted mentions by entity: hashes, JSON, surfaces. */
static int build_groups(struct sdoc *d)
{
    if (!d->n_ents)
        return 0;
    d->groups = calloc(d->n_ents, sizeof *d->groups);
    d->surf = calloc(d->n_ents, sizeof *d->surf);
    if (!d->groups || !d->surf)
        return -ENOMEM;
    for (size_t i = 0; i < d->n_ents;) {
        struct sdoc_group *g = &d->groups[d->n_groups++];
        const struct sdoc_ent *e = &d->ents[i];
        g->first = i;
        g->surf_first = d->n_surf;
        g->type_hash = terms_hash(e->type, strlen(e->type));
        g->ent_hash = known_entity_hash(e->type, e->key);
        g->json_off = d->json.len;
        jb_char(&d->json, '[');
        for (; i < d->n_ents && same_entity(&d->ents[i], e); i++) {
            const char *s = d->ents[i].surface;
            size_t k;
            if (i > g->first)
                jb_char(&d->json, ',');
            mention_json(&d->json, &d->ents[i]);
            g->n++;
            for (k = g->surf_first; k < d->n_surf; k++)
                if (strcmp(d->surf[k].surface, s) == 0)
                    break;
            if (k == d->n_surf) {
                d->surf[k].surface = s;
                d->surf[k].hash = terms_hash(s, strlen(s));
                d->n_surf++;
            }
        }
        jb_char(&d->json, ']');
        g->json_len = d->json.len - g->json_off;
        g->n_surf = d->n_surf - g->surf_first;
    }
    return d->json.failed ? -ENOMEM : 0;
}

int sdoc_prepare(struct sdoc *d, const inboxd_host *h, inboxd_doc *doc,
                 char *err, size_t errlen)
{
    const char *name = h->doc_name(doc), *lang = h->doc_lang(doc);
    size_t raw_len = 0;

    memset(d, 0, sizeof *d);
    d->id = h->doc_id(doc);
    d->received_ms = h->doc_received_ms(doc);
    d->reprocess = (h->doc_flags(doc) & INBOXD_DOC_REPROCESS) != 0;
    h->doc_raw(doc, &raw_len);
    d->bytes = (int64_t)raw_len;
    d->text = h->doc_text(doc, &d->text_len);
    if (!d->text) {
        d->text = "";
        d->text_len = 0;
    }
    d->name = u8_lossy(name ? name : "", name ? strlen(name) : 0);
    d->lang = dup_or_null(lang);
    if (!d->name || (lang && !d->lang) || meta_fields(d, h, doc) < 0 ||
        copy_entities(d, h, doc) < 0)
        goto nomem;
    /* a recording is only a shortcut: when it cannot be made, the commit
     * tokenizes as it always could */
    if (tokrec_record(&d->rec[0], d->title, d->title ? strlen(d->title) : 0) < 0)
        tokrec_free(&d->rec[0]);
    if (tokrec_record(&d->rec[1], d->text, d->text_len) < 0)
        tokrec_free(&d->rec[1]);
    if (build_groups(d) < 0)
        goto nomem;
    return 0;
nomem:
    snprintf(err, errlen, "out of memory preparing the document");
    sdoc_clear(d);
    return -ENOMEM;
}

void sdoc_clear(struct sdoc *d)
{
    if (!d)
        return;
    free(d->groups);
    free(d->surf);
    free(d->ents);
    jb_free(&d->json);
    tokrec_free(&d->rec[0]);
    tokrec_free(&d->rec[1]);
    free(d->name);
    free(d->charset);
    free(d->lang);
    free(d->langs);
    free(d->title);
    free(d->lead);
    free(d->byline);
    free(d->source_url);
    free(d->published);
    free(d->meta);
    memset(d, 0, sizeof *d);
}
