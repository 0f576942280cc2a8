/*
 * The inboxd "entities" plugin (stage EXTRACT): reads the published text,
 * its language and the parse stage's "paragraphs" metadata, runs the
 * extractor (entities.h) and adds the entities to the document.
 *
 * Config (all optional; an unknown key fails create() naming it):
 *   "data":           directory of the rules and gazetteers; relative paths
 *                     resolve against host->config_dir(); default "entities"
 *   "max_entities":   at most this many per document (default 20000)
 *   "types":          ["PERSON", "DATE", ...] to keep (default all)
 *   "latin":          add the "latin" attribute (default true)
 *   "min_confidence": drop entities below it (default 0)
 *
 * process() is thread-safe: the loaded data is read-only, every call has
 * its own scratch.
 */
#include "entities.h"

#include <inboxd/plugin.h>

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct ent_plugin {
    const inboxd_host *host; /* not owned */
    ent_data *data;          /* owned */
    ent_opts opts;           /* doc_lang/spans unused here */
    double min_conf;
} ent_plugin;

static void ep_destroy(void *instance)
{
    ent_plugin *p = instance;
    if (!p)
        return;
    ent_data_free(p->data);
    free(p);
}

static int ep_config(ent_plugin *p, const char *config_json, char *dir, size_t dirlen, char *err,
                     size_t errlen)
{
    json_error_t je;
    json_t *cfg = json_loads(config_json ? config_json : "{}", 0, &je), *v;
    const char *k, *data = "entities";
    int rc = 0;
    if (!json_is_object(cfg)) {
        snprintf(err, errlen, "entities: config is not a JSON object: %s",
                 cfg ? "wrong type" : je.text);
        json_decref(cfg);
        return -EINVAL;
    }
    json_object_foreach(cfg, k, v) {
        if (!strcmp(k, "data")) {
            if (!json_is_string(v) || !json_string_length(v)) {
                snprintf(err, errlen, "entities: \"data\" must be a directory name");
                rc = -EINVAL;
                break;
            }
            data = json_string_value(v);
        } else if (!strcmp(k, "max_entities")) {
            if (!json_is_integer(v) || json_integer_value(v) < 1) {
                snprintf(err, errlen, "entities: \"max_entities\" must be a positive integer");
                rc = -EINVAL;
                break;
            }
            p->opts.max_entities = (size_t)json_integer_value(v);
        } else if (!strcmp(k, "latin")) {
            if (!json_is_boolean(v)) {
                snprintf(err, errlen, "entities: \"latin\" must be true or false");
                rc = -EINVAL;
                break;
            }
            p->opts.latin = json_is_true(v);
        } else if (!strcmp(k, "min_confidence")) {
            if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1) {
                snprintf(err, errlen, "entities: \"min_confidence\" must be a number in 0..1");
                rc = -EINVAL;
                break;
            }
            p->min_conf = json_number_value(v);
        } else if (!strcmp(k, "types")) {
            size_t i;
            json_t *t;
            if (!json_is_array(v) || !json_array_size(v)) {
                snprintf(err, errlen, "entities: \"types\" must be a non-empty array");
                rc = -EINVAL;
                break;
            }
            p->opts.types = 0;
            json_array_foreach(v, i, t) {
                int ty = json_is_string(t) ? ent_type_from_name(json_string_value(t)) : -1;
                if (ty < 0) {
                    snprintf(err, errlen, "entities: \"types\": unknown type %s",
                             json_is_string(t) ? json_string_value(t) : "(not a string)");
                    rc = -EINVAL;
                    break;
                }
                p->opts.types |= 1u << ty;
            }
            if (rc < 0)
                break;
        } else {
            snprintf(err, errlen, "entities: unknown config key \"%s\"", k);
            rc = -EINVAL;
            break;
        }
    }
    if (rc == 0) {
        const char *base = p->host->config_dir ? p->host->config_dir() : NULL;
        if (data[0] == '/' || !base)
            snprintf(dir, dirlen, "%s", data);
        else
            snprintf(dir, dirlen, "%s/%s", base, data);
    }
    json_decref(cfg);
    return rc;
}

static int ep_create(void **instance, const char *config_json, const inboxd_host *host, char *err,
                     size_t errlen)
{
    ent_plugin *p;
    char dir[4096];
    int rc;
    if (!host) {
        snprintf(err, errlen, "entities: no host");
        return -EINVAL;
    }
    p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "entities: out of memory");
        return -ENOMEM;
    }
    p->host = host;
    p->opts.max_entities = 20000;
    p->opts.latin = 1;
    rc = ep_config(p, config_json, dir, sizeof dir, err, errlen);
    if (rc == 0)
        rc = ent_data_load(&p->data, dir, err, errlen);
    if (rc < 0) {
        ep_destroy(p);
        return rc;
    }
    host->log(INBOXD_LOG_INFO, "entities", NULL, "loaded %zu rules and names from %s",
              ent_data_entries(p->data), dir);
    *instance = p;
    return 0;
}

/* The "paragraphs" metadata as language spans (sorted by start). */
static ent_span_lang *read_spans(const ent_plugin *p, inboxd_doc *doc, size_t len, size_t *n)
{
    char *js = p->host->doc_meta_get(doc, "paragraphs");
    json_t *a = js ? json_loads(js, JSON_DECODE_ANY, NULL) : NULL, *v;
    ent_span_lang *sp = NULL;
    size_t i, m = 0;
    *n = 0;
    if (js)
        p->host->free(js);
    if (!json_is_array(a) || !json_array_size(a)) {
        json_decref(a);
        return NULL;
    }
    sp = calloc(json_array_size(a), sizeof *sp);
    json_array_foreach(a, i, v) {
        json_t *s = json_object_get(v, "start"), *e = json_object_get(v, "end");
        json_t *l = json_object_get(v, "lang");
        if (!sp || !json_is_integer(s) || !json_is_integer(e) || !json_is_string(l))
            continue;
        if (json_integer_value(s) < 0 || json_integer_value(e) < json_integer_value(s) ||
            (size_t)json_integer_value(e) > len)
            continue;
        if (m > 0 && (size_t)json_integer_value(s) < sp[m - 1].end)
            continue; /* keep them sorted and disjoint */
        sp[m].start = (size_t)json_integer_value(s);
        sp[m].end = (size_t)json_integer_value(e);
        snprintf(sp[m].lang, sizeof sp[m].lang, "%s", json_string_value(l));
        if (!strcmp(sp[m].lang, "und"))
            sp[m].lang[0] = '\0';
        m++;
    }
    json_decref(a);
    *n = m;
    return sp;
}

static int ref_year(const ent_plugin *p, inboxd_doc *doc)
{
    char *js = p->host->doc_meta_get(doc, "published");
    int y = 0;
    if (js) {
        const char *s = js;
        while (*s && (*s < '0' || *s > '9'))
            s++;
        if (s[0] && s[1] && s[2] && s[3])
            y = atoi(s) >= 1000 && atoi(s) <= 2999 ? (int)strtol(s, NULL, 10) / 1 : 0;
        if (y > 9999)
            y = 0;
        p->host->free(js);
        if (y) {
            char four[5];
            memcpy(four, s, 4);
            four[4] = '\0';
            y = atoi(four);
        }
    }
    if (!y) {
        time_t t = (time_t)(p->host->doc_received_ms(doc) / 1000);
        struct tm tm;
        if (t > 0 && gmtime_r(&t, &tm))
            y = tm.tm_year + 1900;
    }
    return y;
}

static int ep_process(void *instance, inboxd_doc *doc)
{
    ent_plugin *p = instance;
    const inboxd_host *h = p->host;
    size_t len = 0, i, added = 0;
    const char *text = h->doc_text(doc, &len);
    ent_opts o = p->opts;
    ent_list l = {0};
    int rc;
    if (!text) {
        h->doc_error(doc, "entities: the document has no published text (parse stage missing)");
        return INBOXD_FAILED;
    }
    o.doc_lang = h->doc_lang(doc);
    if (o.doc_lang && !strcmp(o.doc_lang, "und"))
        o.doc_lang = NULL;
    o.spans = read_spans(p, doc, len, &o.n_spans);
    o.ref_year = ref_year(p, doc);
    rc = ent_extract(p->data, text, len, &o, &l);
    free((void *)o.spans);
    if (rc < 0) {
        h->doc_error(doc, "entities: extraction failed: %s", strerror(-rc));
        return rc == -ENOMEM ? INBOXD_RETRY : INBOXD_FAILED;
    }
    h->doc_clear_entities(doc);
    for (i = 0; i < l.n; i++) {
        const ent_entity *e = &l.v[i];
        inboxd_entity x = {.type = ent_type_name(e->type),
                           .text = e->text,
                           .value = e->value,
                           .key = e->key,
                           .lang = e->lang[0] ? e->lang : NULL,
                           .attrs = e->attrs,
                           .start = e->start,
                           .end = e->end,
                           .confidence = e->confidence};
        if (e->confidence < p->min_conf)
            continue;
        rc = h->doc_add_entity(doc, &x);
        if (rc == -E2BIG) {
            h->log(INBOXD_LOG_WARNING, "entities", doc, "entity limit of the host reached at %zu",
                   added);
            break;
        }
        if (rc < 0) {
            h->log(INBOXD_LOG_WARNING, "entities", doc, "entity %s at %zu..%zu refused: %s",
                   x.type, e->start, e->end, strerror(-rc));
            continue;
        }
        added++;
    }
    if (l.truncated)
        h->log(INBOXD_LOG_WARNING, "entities", doc, "stopped at max_entities (%zu)",
               p->opts.max_entities);
    ent_list_clear(&l);
    return INBOXD_OK;
}

static const inboxd_plugin ep_desc = {
    .abi_version = INBOXD_ABI_VERSION,
    .size = sizeof(inboxd_plugin),
    .signature = INBOXD_BUILD_SIGNATURE,
    .name = "entities",
    .version = "1.0.0",
    .description = "rule- and gazetteer-based entity extraction (ICU)",
    .stage = INBOXD_STAGE_EXTRACT,
    .flags = INBOXD_PLUGIN_CONCURRENT,
    .create = ep_create,
    .process = ep_process,
    .destroy = ep_destroy,
};

INBOXD_PLUGIN_EXPORT(ep_desc)
