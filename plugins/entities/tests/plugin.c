/* The entities plugin through the host ABI: config, process, threads. */
#include "entities.h"

#include <check.h>
#include <doc.h>
#include <inboxd/plugin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const struct inboxd_plugin *inboxd_plugin_entry(void);

static const inboxd_plugin *P;
static const inboxd_host *H;

static void setup(void)
{
    char dir[4096];
    const char *top = getenv("INBOXD_TOP");
    snprintf(dir, sizeof dir, "%s/etc/inboxd", top ? top : ".");
    doc_host_set_config_dir(dir);
    P = inboxd_plugin_entry();
    H = doc_host();
}

static void teardown(void) { doc_host_set_config_dir(NULL); }

static void *make(const char *cfg)
{
    void *inst = NULL;
    char err[512] = "";
    int rc = P->create(&inst, cfg, H, err, sizeof err);
    ck_assert_msg(rc == 0, "create: %s", err);
    return inst;
}

static inboxd_doc *doc_with(const char *text, const char *lang)
{
    inboxd_doc *d = doc_new_copy("t.txt", text, strlen(text), 1700000000000);
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(H->doc_set_text(d, text, strlen(text)), 0);
    if (lang)
        ck_assert_int_eq(H->doc_set_lang(d, lang), 0);
    return d;
}

START_TEST(descriptor)
{
    ck_assert_uint_eq(P->abi_version, INBOXD_ABI_VERSION);
    ck_assert_str_eq(P->signature, INBOXD_BUILD_SIGNATURE);
    ck_assert_str_eq(P->name, "entities");
    ck_assert_int_eq(P->stage, INBOXD_STAGE_EXTRACT);
    ck_assert(P->flags & INBOXD_PLUGIN_CONCURRENT);
    P->destroy(NULL);
}
END_TEST

START_TEST(config_errors)
{
    void *inst = NULL;
    char err[512] = "";
    ck_assert_int_lt(P->create(&inst, "{\"bogus\": 1}", H, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "bogus"));
    ck_assert_int_lt(P->create(&inst, "{\"data\": \"no-such-dir\"}", H, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "no-such-dir"));
    ck_assert_int_lt(P->create(&inst, "{\"types\": [\"PERSON\", \"NOPE\"]}", H, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "NOPE"));
    ck_assert_int_lt(P->create(&inst, "{\"max_entities\": 0}", H, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "max_entities"));
    ck_assert_int_lt(P->create(&inst, "[1]", H, err, sizeof err), 0);
}
END_TEST

START_TEST(bad_data_file_named)
{
    char tmpl[] = "/tmp/entities-test-XXXXXX", path[4200], cfg[4300], err[512] = "";
    void *inst = NULL;
    FILE *f;
    ck_assert_ptr_nonnull(mkdtemp(tmpl));
    snprintf(path, sizeof path, "%s/xx.json", tmpl);
    f = fopen(path, "w");
    fputs("{\"lang\": \"xx\", \"titel\": []}", f);
    fclose(f);
    snprintf(cfg, sizeof cfg, "{\"data\": \"%s\"}", tmpl);
    ck_assert_int_lt(P->create(&inst, cfg, H, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "xx.json"));
    ck_assert_ptr_nonnull(strstr(err, "titel"));
    unlink(path);
    rmdir(tmpl);
}
END_TEST

START_TEST(process_adds_entities)
{
    void *inst = make("{}");
    const char *t = "ترأس المؤتمر الرفيق دو فيت آنه في مقاطعة ها تينه يوم 3 يونيو 2013 "
                    "لتنفيذ القرار 25-NQ/TW.";
    inboxd_doc *d = doc_with(t, "ar");
    size_t i, n;
    int person = 0, loc = 0, date = 0, docref = 0;
    ck_assert_int_eq(P->process(inst, d), INBOXD_OK);
    n = H->doc_entity_count(d);
    ck_assert_uint_gt(n, 3);
    for (i = 0; i < n; i++) {
        const inboxd_entity *e = H->doc_entity(d, i);
        ck_assert(memcmp(t + e->start, e->text, e->end - e->start) == 0);
        ck_assert_str_eq(e->lang, "ar");
        if (!strcmp(e->type, "PERSON") && !strcmp(e->text, "دو فيت آنه")) {
            person = 1;
            ck_assert_ptr_nonnull(strstr(e->attrs, "comrade"));
        }
        if (!strcmp(e->type, "LOC") && !strcmp(e->key, "vn:ha-tinh"))
            loc = 1;
        if (!strcmp(e->type, "DATE") && !strcmp(e->value, "2013-06-03"))
            date = 1;
        if (!strcmp(e->type, "DOCREF") && !strcmp(e->value, "25-NQ/TW"))
            docref = 1;
    }
    ck_assert(person && loc && date && docref);
    /* a second run replaces, not appends */
    ck_assert_int_eq(P->process(inst, d), INBOXD_OK);
    ck_assert_uint_eq(H->doc_entity_count(d), n);
    doc_free(d);
    P->destroy(inst);
}
END_TEST

START_TEST(process_types_and_paragraph_langs)
{
    void *inst = make("{\"types\": [\"DATE\"], \"latin\": false}");
    const char *t = "Hanoi, 3 June 2013.\n\nVào ngày 25 tháng 8 năm 2023 tại Hà Tĩnh.";
    inboxd_doc *d = doc_with(t, "en");
    size_t i, n;
    char meta[200];
    size_t p2 = strstr(t, "Vào") - t;
    snprintf(meta, sizeof meta, "[{\"start\":0,\"end\":%zu,\"lang\":\"en\"},{\"start\":%zu,\"end\":%zu,"
             "\"lang\":\"vi\"}]", p2 - 2, p2, strlen(t));
    ck_assert_int_eq(H->doc_meta_set(d, "paragraphs", meta), 0);
    ck_assert_int_eq(P->process(inst, d), INBOXD_OK);
    n = H->doc_entity_count(d);
    ck_assert_uint_eq(n, 2);
    for (i = 0; i < n; i++)
        ck_assert_str_eq(H->doc_entity(d, i)->type, "DATE");
    ck_assert_str_eq(H->doc_entity(d, 1)->lang, "vi");
    ck_assert_str_eq(H->doc_entity(d, 1)->value, "2023-08-25");
    doc_free(d);
    P->destroy(inst);
}
END_TEST

START_TEST(process_without_text_fails)
{
    void *inst = make("{}");
    inboxd_doc *d = doc_new_copy("t.txt", "x", 1, 0);
    ck_assert_int_eq(P->process(inst, d), INBOXD_FAILED);
    ck_assert_ptr_nonnull(d->error);
    doc_free(d);
    P->destroy(inst);
}
END_TEST

struct job {
    void *inst;
    int ok;
};

static void *worker(void *arg)
{
    struct job *j = arg;
    int k;
    j->ok = 1;
    for (k = 0; k < 30; k++) {
        inboxd_doc *d = doc_new_copy("t", "x", 1, 0);
        const char *t = "السكرتير الإقليمي للحزب هوانج ترونج دونج في ها تينه يوم 6 أكتوبر 2023.";
        size_t i, n;
        int person = 0;
        H->doc_set_text(d, t, strlen(t));
        if (P->process(j->inst, d) != INBOXD_OK)
            j->ok = 0;
        n = H->doc_entity_count(d);
        for (i = 0; i < n; i++)
            if (!strcmp(H->doc_entity(d, i)->type, "PERSON") &&
                strstr(H->doc_entity(d, i)->attrs, "\"latin\":\"hwanj trwnj dwnj\""))
                person = 1;
        if (!person)
            j->ok = 0;
        doc_free(d);
    }
    return NULL;
}

START_TEST(concurrent_process)
{
    void *inst = make("{}");
    pthread_t th[4];
    struct job jobs[4];
    int i;
    for (i = 0; i < 4; i++) {
        jobs[i].inst = inst;
        ck_assert_int_eq(pthread_create(&th[i], NULL, worker, &jobs[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        ck_assert(jobs[i].ok);
    }
    P->destroy(inst);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("entities_plugin");
    TCase *tc = tcase_create("plugin");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, descriptor);
    tcase_add_test(tc, config_errors);
    tcase_add_test(tc, bad_data_file_named);
    tcase_add_test(tc, process_adds_entities);
    tcase_add_test(tc, process_types_and_paragraph_langs);
    tcase_add_test(tc, process_without_text_fails);
    tcase_add_test(tc, concurrent_process);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    int nf;
    srunner_run_all(sr, CK_NORMAL);
    nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
