/*
 * Shared helpers of the sqlite plugin's tests (header-only: each test
 * program in this folder is one .c file).
 */
#ifndef SQLIDX_TEST_HELPERS_H
#define SQLIDX_TEST_HELPERS_H

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <inboxd/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doc.h"
#include "sqlidx.h"

static inline const char *top_dir(void)
{
    const char *t = getenv("INBOXD_TOP");
    return t && *t ? t : ".";
}

static inline int rm_cb(const char *p, const struct stat *sb, int flag,
                        struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* A fresh state directory, registered with the host; caller frees. */
static inline char *make_state_dir(void)
{
    char tmpl[] = "/tmp/sqlidx-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    ck_assert_ptr_nonnull(d);
    doc_host_set_state_dir(d);
    {
        char cfg[4096];
        snprintf(cfg, sizeof cfg, "%s/etc/inboxd", top_dir());
        doc_host_set_config_dir(cfg);
    }
    return strdup(d);
}

static inline void remove_dir(char *d)
{
    if (!d)
        return;
    nftw(d, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    free(d);
}

static inline char *db_path(const char *dir)
{
    char *p = NULL;
    ck_assert_int_ge(asprintf(&p, "%s/inboxd.db", dir), 0);
    return p;
}

/* create() with config, asserting success. */
static inline void *open_index(const char *config)
{
    void *inst = NULL;
    char err[1024] = "";
    int rc = sqlidx_desc.create(&inst, config ? config : "{}", doc_host(),
                                err, sizeof err);
    ck_assert_msg(rc == 0, "create failed: %d %s", rc, err);
    ck_assert_ptr_nonnull(inst);
    return inst;
}

/* A parsed document: raw bytes are the text itself (so the id is the
 * SHA-256 of the text), the text set, lang and title set. */
static inline inboxd_doc *make_doc(const char *name, const char *text,
                                   const char *lang, const char *title,
                                   int64_t received_ms)
{
    const inboxd_host *h = doc_host();
    inboxd_doc *d = doc_new_copy(name, text, strlen(text), received_ms);
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(h->doc_set_text(d, text, strlen(text)), 0);
    if (lang)
        ck_assert_int_eq(h->doc_set_lang(d, lang), 0);
    if (title) {
        char *j = NULL;
        ck_assert_int_ge(asprintf(&j, "\"%s\"", title), 0);
        ck_assert_int_eq(h->doc_meta_set(d, "title", j), 0);
        free(j);
    }
    return d;
}

/* Adds an entity whose surface is the first occurrence of surface in the
 * text. */
static inline void add_entity(inboxd_doc *d, const char *type,
                              const char *surface, const char *value,
                              const char *key, const char *attrs)
{
    const inboxd_host *h = doc_host();
    size_t len;
    const char *text = h->doc_text(d, &len);
    const char *at = strstr(text, surface);
    inboxd_entity e = {0};
    ck_assert_msg(at != NULL, "surface %s not in text", surface);
    e.type = type;
    e.text = surface;
    e.value = value;
    e.key = key;
    e.lang = h->doc_lang(d);
    e.attrs = attrs;
    e.start = (size_t)(at - text);
    e.end = e.start + strlen(surface);
    e.confidence = 0.9;
    ck_assert_int_eq(h->doc_add_entity(d, &e), 0);
}

/* Reads a whole file (NUL-terminated); caller frees. */
static inline char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

/* Runs the program's suite, each test in its own process (Check's
 * default); the exit status is 1 when a test failed. */
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
