/*
 * Helpers shared by the parse plugin's Check programs (each test file
 * includes this; everything is static).  Two ways in: parse_document()
 * with a parse_ctx (the library), and the plugin descriptor with the
 * daemon's document object and host services (what the daemon does).
 */
#ifndef PARSE_TEST_HELPERS_H
#define PARSE_TEST_HELPERS_H

#include "doc.h"
#include "parse.h"

#include <check.h>
#include <errno.h>
#include <iconv.h>
#include <inboxd/plugin.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const inboxd_plugin *inboxd_plugin_entry(void);

static inline const char *top(void)
{
    const char *t = getenv("INBOXD_TOP");
    return t && *t ? t : ".";
}

static inline char *path_of(const char *rel)
{
    char *p = NULL;
    ck_assert_int_ge(asprintf(&p, "%s/%s", top(), rel), 0);
    return p;
}

static inline char *config_dir(void) { return path_of("etc/inboxd"); }

/* The whole file; aborts the test when it cannot be read. */
static inline char *slurp(const char *rel, size_t *len)
{
    char *p = path_of(rel), *buf;
    FILE *f = fopen(p, "rb");
    long n;
    ck_assert_msg(f != NULL, "cannot open %s", p);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    free(p);
    *len = (size_t)n;
    return buf;
}

static inline parse_ctx *ctx_with(const char *config)
{
    parse_ctx *ctx = NULL;
    char err[256] = "", *dir = config_dir();
    int rc = parse_ctx_new(&ctx, config, dir, err, sizeof err);
    ck_assert_msg(rc == 0, "parse_ctx_new: %s", err);
    free(dir);
    return ctx;
}

/* Parses and expects PARSE_OK. */
static inline void parse_ok(parse_ctx *ctx, const void *b, size_t n, const char *name,
                     parse_result *r)
{
    int rc = parse_document(ctx, b, n, name, r);
    ck_assert_msg(rc == PARSE_OK, "%s: rc %d: %s", name, rc, r->error);
    ck_assert_ptr_nonnull(r->text);
    ck_assert_uint_eq(strlen(r->text), r->text_len);
}

/* Parses and expects PARSE_FAILED with an error containing want. */
static inline void parse_fails(parse_ctx *ctx, const void *b, size_t n,
                        const char *name, const char *want)
{
    parse_result r;
    int rc = parse_document(ctx, b, n, name, &r);
    ck_assert_msg(rc == PARSE_FAILED, "%s: rc %d, expected a failure (%s)",
                  name, rc, want);
    ck_assert_msg(strstr(r.error, want) != NULL, "%s: error \"%s\" lacks \"%s\"",
                  name, r.error, want);
    ck_assert_ptr_null(r.text);
    parse_result_clear(&r);
}

/* The text of a span. */
static inline char *span_text(const parse_result *r, const parse_span *s)
{
    ck_assert_uint_le(s->start, s->end);
    ck_assert_uint_le(s->end, r->text_len);
    return strndup(r->text + s->start, s->end - s->start);
}

/* "p1\x1ep2\x1e...\x1dc1\x1ec2": paragraphs and captions, to compare
 * bodies. */
static inline char *body_of(const parse_result *r)
{
    char *out = strdup("");
    for (int pass = 0; pass < 2; pass++) {
        const parse_span *v = pass ? r->captions : r->paragraphs;
        size_t n = pass ? r->n_captions : r->n_paragraphs;
        for (size_t i = 0; i < n; i++) {
            char *t = span_text(r, &v[i]), *o = NULL;
            ck_assert_int_ge(asprintf(&o, "%s%s\x1e", out, t), 0);
            free(out);
            free(t);
            out = o;
        }
        if (!pass) {
            char *o = NULL;
            ck_assert_int_ge(asprintf(&o, "%s\x1d", out), 0);
            free(out);
            out = o;
        }
    }
    return out;
}

/* in (UTF-8) in charset cs with glibc's iconv, independent of ICU; NULL
 * when the text has a character cs cannot represent. */
static inline char *encode(const char *in, size_t n, const char *cs, size_t *outlen)
{
    iconv_t cd = iconv_open(cs, "UTF-8");
    char *out, *ip = (char *)in, *op;
    size_t il = n, cap = n * 4 + 16, ol = cap;
    ck_assert_msg(cd != (iconv_t)-1, "iconv_open %s", cs);
    out = malloc(cap);
    op = out;
    if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
        ck_assert_int_eq(errno, EILSEQ);
        iconv_close(cd);
        free(out);
        return NULL;
    }
    iconv_close(cd);
    *outlen = cap - ol;
    return out;
}

/* --- through the plugin and the host -------------------------------------- */

typedef struct run {
    inboxd_doc *doc;
    int status;
    const inboxd_host *h;
} run;

/* Runs the plugin (create, process, destroy) on bytes called name. */
static inline run plugin_run(const char *config, const void *b, size_t n,
                      const char *name)
{
    const inboxd_plugin *p = inboxd_plugin_entry();
    const inboxd_host *h = doc_host();
    char err[256] = "", *dir = config_dir();
    void *inst = NULL;
    run r = {0};
    doc_host_set_config_dir(dir);
    free(dir);
    ck_assert_int_eq(p->create(&inst, config, h, err, sizeof err), 0);
    r.doc = doc_new_copy(name, b, n, 1700000000000);
    ck_assert_ptr_nonnull(r.doc);
    r.status = p->process(inst, r.doc);
    p->destroy(inst);
    r.h = h;
    return r;
}

/* A metadata member, parsed (caller decrefs), or NULL. */
static inline json_t *meta(const run *r, const char *key)
{
    char *s = r->h->doc_meta_get(r->doc, key);
    json_t *v;
    if (!s)
        return NULL;
    v = json_loads(s, JSON_DECODE_ANY, NULL);
    r->h->free(s);
    ck_assert_ptr_nonnull(v);
    return v;
}

static inline char *meta_str(const run *r, const char *key)
{
    json_t *v = meta(r, key);
    char *s;
    if (!v)
        return NULL;
    ck_assert_msg(json_is_string(v), "meta %s is not a string", key);
    s = strdup(json_string_value(v));
    json_decref(v);
    return s;
}

static inline json_int_t meta_int(const run *r, const char *key)
{
    json_t *v = meta(r, key);
    json_int_t k;
    ck_assert_msg(json_is_integer(v), "meta %s is not an integer", key);
    k = json_integer_value(v);
    json_decref(v);
    return k;
}

static inline void run_free(run *r) { r->doc = doc_free(r->doc); }

static inline int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

#endif
