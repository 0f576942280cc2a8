/* End-to-end with the production pipeline (parse, entities, sqlite): the
 * real daemon, real reports, then inboxctl reading the index as a user
 * would. */
#include "../lib/e2e.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *samples[] = {"000_a330e98d170c7b72.txt", "001_9dbad9a477df04d3.txt",
                                "004_2a444d741088f182.txt"};

static char plugins[2048];
static const char *production(void)
{
    snprintf(plugins, sizeof plugins,
             "[{\"name\":\"parse\",\"path\":\"%s\"},{\"name\":\"entities\",\"path\":\"%s\"},"
             "{\"name\":\"sqlite\",\"path\":\"%s\"}]",
             e2e_plugin("parse", 0), e2e_plugin("entities", 0), e2e_plugin("sqlite", 0));
    return plugins;
}

static char extra[1024];
static const char *config_dir(void)
{
    snprintf(extra, sizeof extra, "\"config_dir\":\"%s/etc/inboxd\"", e2e_top());
    return extra;
}

static int built(void)
{
    struct stat st;
    return stat(e2e_plugin("parse", 0), &st) == 0 && stat(e2e_plugin("entities", 0), &st) == 0 &&
           stat(e2e_plugin("sqlite", 0), &st) == 0;
}

/* Runs inboxctl with the state dir and returns its parsed --json output. */
static json_t *ctl_json(struct e2e *e, int *rc, const char *a1, const char *a2, const char *a3,
                        const char *a4)
{
    char prog[600], *out;
    snprintf(prog, sizeof prog, "%s/inboxctl", e2e_build());
    *rc = e2e_run(&out, prog, "--state-dir", e->state, a1, a2, a3, a4, (char *)NULL);
    json_t *j = json_loads(out, 0, NULL);
    free(out);
    return j;
}

/* Names of the documents a search finds. */
static int found(struct e2e *e, const char *query, const char *lang, const char *name)
{
    int rc;
    json_t *j = lang ? ctl_json(e, &rc, "search", query, "--lang", lang)
                     : ctl_json(e, &rc, "search", query, "--json", NULL);
    if (lang) {
        json_decref(j);
        char prog[600], *out;
        snprintf(prog, sizeof prog, "%s/inboxctl", e2e_build());
        rc = e2e_run(&out, prog, "--state-dir", e->state, "search", query, "--lang", lang,
                     "--json", (char *)NULL);
        j = json_loads(out, 0, NULL);
        free(out);
    }
    int hit = 0;
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(j, "hits"), i, h) {
        if (strcmp(json_string_value(json_object_get(h, "name")), name) == 0)
            hit = 1;
    }
    json_decref(j);
    return hit;
}

static void ingest(struct e2e *e, int fd)
{
    for (int i = 0; i < 3; i++)
        e2e_drop_fixture(e, samples[i], samples[i], i % 2);
    for (int i = 0; i < 3; i++) {
        json_t *o = e2e_wait_event(fd, "document.*", 30000);
        ck_assert_ptr_nonnull(o);
        ck_assert_str_eq(json_string_value(json_object_get(o, "event")), "document.done");
        json_decref(o);
    }
}

START_TEST(samples_searchable_in_inflected_forms)
{
    struct e2e e;
    ck_assert_msg(built(), "the production plugins are not built (make all)");
    e2e_init(&e, production(), config_dir());
    e2e_start(&e);
    int fd = e2e_connect(&e);
    e2e_subscribe(fd, "document.done,document.failed");
    ingest(&e, fd);
    /* query -> the sample it must find (1) or must not find (0). */
    static const struct { const char *q, *doc; int want; } pairs[] = {
        {"المنظمات", "000", 1}, {"المنظمات", "001", 1}, {"منظمة", "000", 1},
        {"منظمة", "004", 0}, {"والمنظمات", "001", 1}, {"مؤتمر", "000", 1},
        {"المؤتمر", "000", 1}, {"حوار", "001", 1}, {"الحوار", "001", 1},
        {"حوار", "004", 0}, {"لجنة", "000", 1}, {"اللجان", "001", 1},
        {"الحكومة", "001", 1}, {"حكومة", "001", 1}, {"نموذج", "001", 1},
        {"النموذج", "001", 1}, {"الاستنتاج", "000", 1}, {"استنتاج", "000", 1},
        {"٢٠٢٣", "000", 1}, {"2023", "000", 1}, {"\"ها تينه\"", "001", 1},
        {"Επιτροπή", "004", 1}, {"ΕΠΙΤΡΟΠΗΣ", "004", 1}, {"επιτροπής", "004", 1},
        {"Επιτροπή", "000", 0}, {"Γραμματεία", "004", 1}, {"γραμματείας", "004", 1},
        {"κινητοποίηση", "004", 1}, {"Κινητοποίησης", "004", 1}, {"καθήκοντα", "004", 1},
        {"καθηκόντων", "004", 1}, {"συνέδριο", "004", 1}, {"\"Πολιτικό Γραφείο\"", "004", 1},
        {"Luong", "004", 1}, {"luong cuong", "004", 1}, {"\"Pham Tat Thang\"", "004", 1},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        const char *name = NULL;
        for (int k = 0; k < 3; k++)
            if (strncmp(samples[k], pairs[i].doc, 3) == 0)
                name = samples[k];
        ck_assert_msg(found(&e, pairs[i].q, NULL, name) == pairs[i].want,
                      "search %s: %s should %sbe found", pairs[i].q, name,
                      pairs[i].want ? "" : "not ");
    }
    /* Language filter. */
    ck_assert(found(&e, "2024", "el", samples[2]));
    ck_assert(!found(&e, "2023", "el", samples[0]));
    /* Date filter: received now, so a past date keeps them, a future one
     * drops them. */
    int rc;
    json_t *j = ctl_json(&e, &rc, "search", "Επιτροπή", "--since", "2000-01-01");
    json_decref(j);
    ck_assert_int_eq(rc, 0);
    char prog[600], *out;
    snprintf(prog, sizeof prog, "%s/inboxctl", e2e_build());
    rc = e2e_run(&out, prog, "--state-dir", e.state, "search", "Επιτροπή", "--since",
                 "2999-01-01", "--json", (char *)NULL);
    j = json_loads(out, 0, NULL);
    free(out);
    ck_assert_int_eq(json_array_size(json_object_get(j, "hits")), 0);
    json_decref(j);
    /* A malformed query is a clear usage error, not a crash. */
    rc = e2e_run(&out, prog, "--state-dir", e.state, "search", "\"unterminated", (char *)NULL);
    ck_assert_int_eq(rc, 2);
    free(out);
    close(fd);
    ck_assert_int_eq(e2e_stop(&e), 0);
    e2e_cleanup(&e);
}
END_TEST

START_TEST(entities_link_across_scripts)
{
    struct e2e e;
    ck_assert(built());
    e2e_init(&e, production(), config_dir());
    e2e_start(&e);
    int fd = e2e_connect(&e);
    e2e_subscribe(fd, "document.done,document.failed");
    ingest(&e, fd);
    /* The Politburo's secretariat, named in Arabic (001) and Greek (004),
     * is one entity with one key. */
    int rc;
    json_t *ents = ctl_json(&e, &rc, "entities", "--type", "ORG", "--json");
    ck_assert_int_eq(rc, 0);
    size_t i;
    json_t *x;
    int linked = 0;
    json_array_foreach(ents, i, x) {
        json_t *al = json_object_get(x, "aliases");
        int ar = 0, el = 0;
        size_t k;
        json_t *a;
        json_array_foreach(al, k, a) {
            const unsigned char *s = (const unsigned char *)json_string_value(a);
            ar |= s[0] == 0xd8 || s[0] == 0xd9;
            el |= s[0] == 0xce || s[0] == 0xcf;
        }
        if (ar && el && json_integer_value(json_object_get(x, "docs")) >= 2) {
            linked++;
            /* `inboxctl entity KEY` lists the documents with the surfaces. */
            json_t *one = ctl_json(&e, &rc, "entity", json_string_value(json_object_get(x, "key")),
                                   "--json", NULL);
            ck_assert_int_eq(rc, 0);
            json_t *first = json_is_array(one) ? json_array_get(one, 0) : one;
            ck_assert_int_ge(json_array_size(json_object_get(first, "documents")), 2);
            json_decref(one);
        }
    }
    ck_assert_msg(linked >= 2, "only %d organisations linked across Arabic and Greek", linked);
    json_decref(ents);
    /* Entities in the done event have offsets into the published text. */
    json_t *show = NULL;
    char prog[600], *out;
    snprintf(prog, sizeof prog, "%s/inboxctl", e2e_build());
    json_t *hits = ctl_json(&e, &rc, "search", "Luong", "--json", NULL);
    const char *id = json_string_value(json_object_get(json_array_get(json_object_get(hits, "hits"), 0), "id"));
    ck_assert_ptr_nonnull(id);
    rc = e2e_run(&out, prog, "--state-dir", e.state, "show", id, "--json", (char *)NULL);
    ck_assert_int_eq(rc, 0);
    show = json_loads(out, 0, NULL);
    free(out);
    const char *text = json_string_value(json_object_get(show, "text"));
    ck_assert_ptr_nonnull(text);
    json_t *list = json_object_get(show, "entities");
    ck_assert_int_gt(json_array_size(list), 5);
    json_array_foreach(list, i, x) {
        json_t *ms = json_object_get(x, "mentions");
        json_t *m = ms ? json_array_get(ms, 0) : x;
        size_t s = (size_t)json_integer_value(json_object_get(m, "start"));
        size_t en = (size_t)json_integer_value(json_object_get(m, "end"));
        const char *surface = json_string_value(json_object_get(m, "surface"));
        if (!surface)
            surface = json_string_value(json_object_get(m, "text"));
        ck_assert_ptr_nonnull(surface);
        ck_assert_uint_le(en, strlen(text));
        ck_assert_int_eq(strncmp(text + s, surface, en - s), 0);
    }
    json_decref(show);
    json_decref(hits);
    /* Unknown id: a clear error. */
    rc = e2e_run(&out, prog, "--state-dir", e.state, "show", "ffff", (char *)NULL);
    ck_assert_int_eq(rc, 1);
    free(out);
    close(fd);
    ck_assert_int_eq(e2e_stop(&e), 0);
    e2e_cleanup(&e);
}
END_TEST

START_TEST(duplicates_reprocess_and_export)
{
    struct e2e e;
    ck_assert(built());
    e2e_init(&e, production(), config_dir());
    e2e_start(&e);
    int fd = e2e_connect(&e);
    e2e_subscribe(fd, "document.*");
    e2e_drop_fixture(&e, samples[2], "greek.txt", 0);
    json_t *o = e2e_wait_event(fd, "document.done", 30000);
    ck_assert_ptr_nonnull(o);
    char id[65];
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(json_object_get(o, "doc"), "id")));
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(o, "doc"), "lang")), "el");
    json_decref(o);
    /* The same bytes under another name: a duplicate, not indexed twice. */
    e2e_drop_fixture(&e, samples[2], "greek-again.txt", 1);
    o = e2e_wait_event(fd, "document.duplicate", 30000);
    ck_assert_ptr_nonnull(o);
    json_decref(o);
    /* A restart does not make it new either. */
    close(fd);
    ck_assert_int_eq(e2e_stop(&e), 0);
    e2e_start(&e);
    fd = e2e_connect(&e);
    e2e_subscribe(fd, "document.*");
    e2e_drop_fixture(&e, samples[2], "greek-third.txt", 0);
    o = e2e_wait_event(fd, "document.duplicate", 30000);
    ck_assert_ptr_nonnull(o);
    json_decref(o);
    /* Reprocess through inboxctl: the archived original runs again. */
    char prog[600], *out;
    snprintf(prog, sizeof prog, "%s/inboxctl", e2e_build());
    ck_assert_int_eq(e2e_run(&out, prog, "--socket", e.sock, "reprocess", id, (char *)NULL), 0);
    free(out);
    o = e2e_wait_event(fd, "document.done", 30000);
    ck_assert_ptr_nonnull(o);
    ck_assert(json_is_true(json_object_get(json_object_get(o, "doc"), "reprocess")));
    json_decref(o);
    /* Still one document in the index. */
    ck_assert_int_eq(e2e_run(&out, prog, "--state-dir", e.state, "export", "--format", "jsonl",
                             (char *)NULL), 0);
    int lines = 0;
    for (char *p = out; *p; p++)
        lines += *p == '\n';
    ck_assert_int_eq(lines, 1);
    json_t *doc = json_loads(out, JSON_DISABLE_EOF_CHECK, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "id")), id);
    ck_assert_int_gt(json_array_size(json_object_get(doc, "entities")), 3);
    json_decref(doc);
    free(out);
    /* inboxctl status and subscribe through the real socket. */
    ck_assert_int_eq(e2e_run(&out, prog, "--socket", e.sock, "status", (char *)NULL), 0);
    ck_assert_ptr_nonnull(strstr(out, "sqlite"));
    free(out);
    ck_assert_int_eq(e2e_run(&out, prog, "--socket", e.sock, "subscribe", "--since", "0",
                             "--event", "document.done", "--count", "2", (char *)NULL), 0);
    ck_assert_ptr_nonnull(strstr(out, "\"document.done\""));
    free(out);
    close(fd);
    ck_assert_int_eq(e2e_stop(&e), 0);
    e2e_cleanup(&e);
}
END_TEST

START_TEST(undecodable_report_fails_cleanly)
{
    struct e2e e;
    ck_assert(built());
    e2e_init(&e, production(), config_dir());
    e2e_start(&e);
    int fd = e2e_connect(&e);
    e2e_subscribe(fd, "document.failed,document.done");
    unsigned char bin[4096];
    for (size_t i = 0; i < sizeof bin; i++)
        bin[i] = (unsigned char)((i * 7919u) ^ (i >> 3));
    e2e_drop(&e, "photo.bin", bin, sizeof bin, 0);
    json_t *o = e2e_wait_event(fd, "document.*", 30000);
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(json_string_value(json_object_get(o, "event")), "document.failed");
    ck_assert_str_eq(json_string_value(json_object_get(o, "plugin")), "parse");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(o, "error")), "not text"));
    json_decref(o);
    ck_assert_int_eq(e2e_count(&e, "failed"), 2);
    close(fd);
    ck_assert_int_eq(e2e_stop(&e), 0);
    e2e_cleanup(&e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pipeline");
    TCase *tc = tcase_create("e2e");
    tcase_set_timeout(tc, getenv("VALGRIND") ? 900 : 180);
    tcase_add_test(tc, samples_searchable_in_inflected_forms);
    tcase_add_test(tc, entities_link_across_scripts);
    tcase_add_test(tc, duplicates_reprocess_and_export);
    tcase_add_test(tc, undecodable_report_fails_cleanly);
    suite_add_tcase(s, tc);
    return e2e_run_suite(s);
}
