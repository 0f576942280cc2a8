/* The parse context: configuration, data files and the pool of ICU
 * objects that concurrent calls borrow (pint.h). */
#include "langs.h"
#include "markers.h"
#include "pint.h"

#include <errno.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucnv.h>

#define DEFAULT_MARKERS "parse/markers.json"
#define DEFAULT_LANGS "parse/langs.json"
#define DEFAULT_MAX_UNDECODABLE 0.10

static pws *ws_free(pws *ws)
{
    if (!ws)
        return NULL;
    ucsdet_close(ws->csd);
    ubrk_close(ws->words);
    ubrk_close(ws->sentences);
    free(ws->tally);
    free(ws);
    return NULL;
}

pws *ws_get(parse_ctx *ctx)
{
    pws *ws;
    UErrorCode e = U_ZERO_ERROR;
    static const UChar empty[1] = {0};
    pthread_mutex_lock(&ctx->lock);
    ws = ctx->pool;
    if (ws)
        ctx->pool = ws->next;
    pthread_mutex_unlock(&ctx->lock);
    if (ws)
        return ws;
    ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->csd = ucsdet_open(&e);
    ws->words = ubrk_open(UBRK_WORD, "", empty, 0, &e);
    ws->sentences = ubrk_open(UBRK_SENTENCE, "", empty, 0, &e);
    if (U_FAILURE(e))
        return ws_free(ws);
    return ws;
}

void ws_put(parse_ctx *ctx, pws *ws)
{
    if (!ws)
        return;
    pthread_mutex_lock(&ctx->lock);
    ws->next = ctx->pool;
    ctx->pool = ws;
    pthread_mutex_unlock(&ctx->lock);
}

parse_ctx *parse_ctx_free(parse_ctx *ctx)
{
    pws *ws, *next;
    if (!ctx)
        return NULL;
    for (ws = ctx->pool; ws; ws = next) {
        next = ws->next;
        ws_free(ws);
    }
    for (size_t i = 0; i < ctx->n_rules; i++) {
        free(ctx->rules[i].pattern);
        free(ctx->rules[i].charset);
    }
    free(ctx->rules);
    markers_free(ctx->markers);
    langs_free(ctx->langs);
    pthread_mutex_destroy(&ctx->lock);
    free(ctx);
    return NULL;
}

/* dir/rel, or rel when it is absolute or dir is NULL.  Caller frees. */
static char *resolve(const char *dir, const char *rel)
{
    char *p = NULL;
    if (rel[0] == '/' || !dir || !dir[0])
        return strdup(rel);
    if (asprintf(&p, "%s/%s", dir, rel) < 0)
        return NULL;
    return p;
}

static int load_charsets(parse_ctx *ctx, json_t *arr, char *err,
                         size_t errlen)
{
    size_t i;
    json_t *v;
    if (!json_is_array(arr)) {
        perr(err, errlen, "config \"charsets\": not an array");
        return -EINVAL;
    }
    ctx->rules = calloc(json_array_size(arr) + 1, sizeof *ctx->rules);
    if (!ctx->rules)
        return -ENOMEM;
    json_array_foreach(arr, i, v)
    {
        json_t *p = json_object_get(v, "pattern");
        json_t *c = json_object_get(v, "charset");
        const char *k;
        json_t *kv;
        UErrorCode e = U_ZERO_ERROR;
        UConverter *cnv;
        if (!json_is_object(v) || !json_is_string(p) || !json_is_string(c)) {
            perr(err, errlen, "config \"charsets\"[%zu]: needs string "
                 "\"pattern\" and \"charset\"", i);
            return -EINVAL;
        }
        json_object_foreach(v, k, kv)
        {
            if (strcmp(k, "pattern") && strcmp(k, "charset")) {
                perr(err, errlen, "config \"charsets\"[%zu]: unknown key "
                     "\"%s\"", i, k);
                return -EINVAL;
            }
        }
        cnv = ucnv_open(json_string_value(c), &e);
        ucnv_close(cnv);
        if (U_FAILURE(e)) {
            perr(err, errlen, "config \"charsets\"[%zu]: unknown charset "
                 "\"%s\"", i, json_string_value(c));
            return -EINVAL;
        }
        ctx->rules[i].pattern = strdup(json_string_value(p));
        ctx->rules[i].charset = strdup(json_string_value(c));
        ctx->n_rules = i + 1;
        if (!ctx->rules[i].pattern || !ctx->rules[i].charset)
            return -ENOMEM;
    }
    return 0;
}

static int get_path(json_t *cfg, const char *key, const char *def,
                    const char **out, char *err, size_t errlen)
{
    json_t *v = json_object_get(cfg, key);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!json_is_string(v) || !json_string_length(v)) {
        perr(err, errlen, "config \"%s\": not a non-empty string (a path)",
             key);
        return -EINVAL;
    }
    *out = json_string_value(v);
    return 0;
}

int parse_ctx_new(parse_ctx **out, const char *config_json,
                  const char *config_dir, char *err, size_t errlen)
{
    json_error_t je;
    json_t *cfg = NULL, *v;
    const char *k, *markers_rel, *langs_rel;
    char *path = NULL;
    parse_ctx *ctx;
    int rc;

    if (!out)
        return -EINVAL;
    ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        perr(err, errlen, "out of memory");
        return -ENOMEM;
    }
    pthread_mutex_init(&ctx->lock, NULL);
    ctx->max_undecodable = DEFAULT_MAX_UNDECODABLE;
    ptab_init();

    cfg = json_loads(config_json && *config_json ? config_json : "{}", 0,
                     &je);
    if (!cfg || !json_is_object(cfg)) {
        perr(err, errlen, "config: %s", cfg ? "not a JSON object" : je.text);
        rc = -EINVAL;
        goto fail;
    }
    json_object_foreach(cfg, k, v)
    {
        if (strcmp(k, "markers") && strcmp(k, "langs") &&
            strcmp(k, "charsets") && strcmp(k, "max_undecodable")) {
            perr(err, errlen, "config: unknown key \"%s\" (known: markers, "
                 "langs, charsets, max_undecodable)", k);
            rc = -EINVAL;
            goto fail;
        }
    }
    v = json_object_get(cfg, "max_undecodable");
    if (v) {
        if (!json_is_number(v) || json_number_value(v) < 0 ||
            json_number_value(v) > 1) {
            perr(err, errlen, "config \"max_undecodable\": not a number "
                 "from 0 to 1");
            rc = -EINVAL;
            goto fail;
        }
        ctx->max_undecodable = json_number_value(v);
    }
    v = json_object_get(cfg, "charsets");
    if (v && (rc = load_charsets(ctx, v, err, errlen)) < 0) {
        if (rc == -ENOMEM)
            perr(err, errlen, "out of memory");
        goto fail;
    }
    if ((rc = get_path(cfg, "markers", DEFAULT_MARKERS, &markers_rel, err,
                       errlen)) < 0 ||
        (rc = get_path(cfg, "langs", DEFAULT_LANGS, &langs_rel, err,
                       errlen)) < 0)
        goto fail;

    path = resolve(config_dir, markers_rel);
    if (!path) {
        rc = -ENOMEM;
        perr(err, errlen, "out of memory");
        goto fail;
    }
    if ((rc = markers_load(path, &ctx->markers, err, errlen)) < 0)
        goto fail;
    free(path);
    path = resolve(config_dir, langs_rel);
    if (!path) {
        rc = -ENOMEM;
        perr(err, errlen, "out of memory");
        goto fail;
    }
    if ((rc = langs_load(path, &ctx->langs, err, errlen)) < 0)
        goto fail;
    free(path);
    json_decref(cfg);
    /* libxml2 must be initialised once before threads use it. */
    xmlInitParser();
    *out = ctx;
    return 0;
fail:
    free(path);
    json_decref(cfg);
    parse_ctx_free(ctx);
    return rc;
}
