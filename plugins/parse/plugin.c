/*
 * The inboxd plugin "parse" (stage PARSE): parse_document() on the
 * document's raw bytes, then the results through the host services: the
 * text, the language, the "text.ascii_digits" view and the metadata keys
 * of the pipeline contract -- title, lead, byline, source, source_url,
 * published, format, charset, charset_confidence, replaced_bytes, script,
 * langs, paragraphs and captions ({start, end, lang, script}: bytes into
 * the text), counts -- plus lang_declared (JSON "lang", <html lang>).
 * Absent optional keys are removed, so a re-run leaves no stale value.
 * Config keys: see parse_ctx_new() in parse.h.
 *
 * Outcomes: PARSE_FAILED -> INBOXD_FAILED with the reason (empty
 * documents, not text, bad JSON envelope, text too large); out of memory
 * -> INBOXD_RETRY.
 */
#include <inboxd/plugin.h>

#include "parse.h"

#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct inst {
    parse_ctx *ctx;
    const inboxd_host *host;
};

static int has_config_dir(const inboxd_host *h)
{
    return h && h->size >= offsetof(inboxd_host, config_dir) +
                               sizeof h->config_dir &&
           h->config_dir;
}

static int p_create(void **instance, const char *config_json,
                    const inboxd_host *host, char *err, size_t errlen)
{
    struct inst *in;
    int rc;
    if (!host) {
        snprintf(err, errlen, "parse: no host services");
        return -EINVAL;
    }
    in = calloc(1, sizeof *in);
    if (!in) {
        snprintf(err, errlen, "parse: out of memory");
        return -ENOMEM;
    }
    in->host = host;
    rc = parse_ctx_new(&in->ctx, config_json,
                       has_config_dir(host) ? host->config_dir() : NULL, err,
                       errlen);
    if (rc < 0) {
        free(in);
        return rc;
    }
    *instance = in;
    return 0;
}

static void p_destroy(void *instance)
{
    struct inst *in = instance;
    if (!in)
        return;
    parse_ctx_free(in->ctx);
    free(in);
}

static json_t *span_array(const parse_span *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_pack("{s:I, s:I, s:s, s:s}", "start",
                                           (json_int_t)v[i].start, "end",
                                           (json_int_t)v[i].end, "lang",
                                           v[i].lang, "script",
                                           v[i].script));
    return a;
}

/* Sets (or, v NULL, removes) one metadata key; takes the reference. */
static int meta(const inboxd_host *h, inboxd_doc *doc, const char *key,
                json_t *v)
{
    char *s;
    int rc;
    if (!v)
        return h->doc_meta_set(doc, key, NULL);
    s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    json_decref(v);
    if (!s)
        return -ENOMEM;
    rc = h->doc_meta_set(doc, key, s);
    free(s);
    return rc;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : NULL;
}

static int publish_meta(const inboxd_host *h, inboxd_doc *doc,
                        const parse_result *r)
{
    json_t *byline = json_array(), *langs = json_array();
    int rc = 0;
    for (size_t i = 0; byline && i < r->n_byline; i++)
        json_array_append_new(byline, json_string(r->byline[i]));
    for (size_t i = 0; langs && i < r->n_langs; i++)
        json_array_append_new(langs,
                              json_pack("{s:s, s:f}", "lang", r->langs[i].lang,
                                        "share",
                                        (double)((long)(r->langs[i].share *
                                                            1000.0 +
                                                        0.5)) /
                                            1000.0));
#define SET(k, v)                                                             \
    do {                                                                      \
        if (rc >= 0)                                                          \
            rc = meta(h, doc, k, v);                                          \
        else                                                                  \
            json_decref(v);                                                   \
    } while (0)
    SET("title", json_string(r->title));
    SET("lead", json_string(r->lead));
    SET("byline", byline);
    SET("source", str_or_null(r->source));
    SET("source_url", str_or_null(r->source_url));
    SET("published", str_or_null(r->published));
    SET("lang_declared", str_or_null(r->lang_declared));
    SET("format", json_string(r->format));
    SET("charset", json_string(r->charset));
    SET("charset_confidence", json_integer(r->charset_confidence));
    SET("replaced_bytes", json_integer((json_int_t)r->replaced_bytes));
    SET("script", json_string(r->script));
    SET("langs", langs);
    SET("paragraphs", span_array(r->paragraphs, r->n_paragraphs));
    SET("captions", span_array(r->captions, r->n_captions));
    SET("counts", json_pack("{s:I, s:I, s:I, s:I}", "chars",
                            (json_int_t)r->counts.chars, "words",
                            (json_int_t)r->counts.words, "sentences",
                            (json_int_t)r->counts.sentences, "paragraphs",
                            (json_int_t)r->counts.paragraphs));
#undef SET
    return rc;
}

static int p_process(void *instance, inboxd_doc *doc)
{
    struct inst *in = instance;
    const inboxd_host *h = in->host;
    parse_result r;
    size_t len = 0;
    const unsigned char *raw = h->doc_raw(doc, &len);
    int rc = parse_document(in->ctx, raw, len, h->doc_name(doc), &r);

    if (rc == PARSE_FAILED) {
        h->doc_error(doc, "%s", r.error);
        parse_result_clear(&r);
        return INBOXD_FAILED;
    }
    if (rc < 0) {
        h->doc_error(doc, "parse: %s", r.error[0] ? r.error : strerror(-rc));
        parse_result_clear(&r);
        return rc == -ENOMEM ? INBOXD_RETRY : INBOXD_FAILED;
    }
    rc = h->doc_set_text(doc, r.text, r.text_len);
    if (rc == -E2BIG) {
        h->doc_error(doc, "text too large: %zu bytes", r.text_len);
        parse_result_clear(&r);
        return INBOXD_FAILED;
    }
    if (rc >= 0)
        rc = h->doc_set_lang(doc, r.lang);
    if (rc >= 0)
        rc = publish_meta(h, doc, &r);
    if (rc >= 0)
        rc = h->doc_set_view(doc, "text.ascii_digits",
                             r.ascii_digits ? r.ascii_digits : r.text,
                             r.ascii_digits ? r.ascii_digits_len
                                            : r.text_len);
    if (rc < 0) {
        h->doc_error(doc, "parse: cannot store the result: %s",
                     strerror(-rc));
        parse_result_clear(&r);
        return rc == -ENOMEM ? INBOXD_RETRY : INBOXD_FAILED;
    }
    h->log(INBOXD_LOG_DEBUG, "parse", doc,
           "%s, %s (%d%%), %s, %zu paragraphs, %zu words", r.format,
           r.charset, r.charset_confidence, r.lang, r.counts.paragraphs,
           r.counts.words);
    parse_result_clear(&r);
    return INBOXD_OK;
}

static const inboxd_plugin desc = {
    .abi_version = INBOXD_ABI_VERSION,
    .size = sizeof(inboxd_plugin),
    .signature = INBOXD_BUILD_SIGNATURE,
    .name = "parse",
    .version = "1.0.0",
    .description = "bytes in any encoding and format -> clean NFC UTF-8 "
                   "text, structure, language and counts",
    .stage = INBOXD_STAGE_PARSE,
    .flags = INBOXD_PLUGIN_CONCURRENT,
    .create = p_create,
    .process = p_process,
    .destroy = p_destroy,
};

INBOXD_PLUGIN_EXPORT(desc)
