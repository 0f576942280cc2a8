/*
 * Configuration and data files: defaults, every key, and create() failing
 * with a message that names the bad key, file or field.
 */
#include "helpers.h"

#include <unistd.h>

static char tmpdir[64];

static void setup(void)
{
    strcpy(tmpdir, "/tmp/parse-config-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char *cmd = NULL;
    if (asprintf(&cmd, "rm -rf '%s'", tmpdir) >= 0 && system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", tmpdir);
    free(cmd);
}

/* Writes a file in tmpdir; returns its path (caller frees). */
static char *write_tmp(const char *name, const char *content)
{
    char *path;
    FILE *f;
    ck_assert_int_ge(asprintf(&path, "%s/%s", tmpdir, name), 0);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(content, f);
    fclose(f);
    return path;
}

/* create() through the plugin must fail with want in the message. */
static void create_fails(const char *config, const char *want)
{
    const inboxd_plugin *p = inboxd_plugin_entry();
    char err[512] = "", *dir = config_dir();
    void *inst = NULL;
    int rc;
    doc_host_set_config_dir(dir);
    free(dir);
    rc = p->create(&inst, config, doc_host(), err, sizeof err);
    ck_assert_msg(rc < 0, "create(%s) succeeded", config);
    ck_assert_msg(strstr(err, want) != NULL, "create(%s): \"%s\" lacks \"%s\"",
                  config, err, want);
}

static void create_ok(const char *config)
{
    const inboxd_plugin *p = inboxd_plugin_entry();
    char err[512] = "", *dir = config_dir();
    void *inst = NULL;
    doc_host_set_config_dir(dir);
    free(dir);
    ck_assert_msg(p->create(&inst, config, doc_host(), err, sizeof err) == 0,
                  "create(%s): %s", config ? config : "NULL", err);
    p->destroy(inst);
}

START_TEST(defaults)
{
    create_ok("{}");
    create_ok("");
    create_ok(NULL);
    create_ok("{\"markers\": \"parse/markers.json\", \"langs\": "
              "\"parse/langs.json\", \"charsets\": [], "
              "\"max_undecodable\": 0.5}");
}
END_TEST

START_TEST(unknown_key)
{
    create_fails("{\"marker\": \"x.json\"}", "unknown key \"marker\"");
    create_fails("{\"max_undecodable\": 0.1, \"verbose\": true}",
                 "unknown key \"verbose\"");
}
END_TEST

START_TEST(bad_values)
{
    create_fails("{", "config:");
    create_fails("[1]", "not a JSON object");
    create_fails("{\"max_undecodable\": 2}", "max_undecodable");
    create_fails("{\"max_undecodable\": \"a lot\"}", "max_undecodable");
    create_fails("{\"markers\": 5}", "config \"markers\"");
    create_fails("{\"charsets\": {}}", "config \"charsets\": not an array");
    create_fails("{\"charsets\": [{\"pattern\": \"*.txt\"}]}",
                 "config \"charsets\"[0]: needs string");
    create_fails("{\"charsets\": [{\"pattern\": \"*.txt\", \"charset\": "
                 "\"no-such-charset-42\"}]}",
                 "unknown charset \"no-such-charset-42\"");
    create_fails("{\"charsets\": [{\"pattern\": \"*\", \"charset\": \"UTF-8\", "
                 "\"flag\": 1}]}",
                 "unknown key \"flag\"");
}
END_TEST

START_TEST(data_file_errors)
{
    char *cfg = NULL, *path;
    create_fails("{\"markers\": \"parse/nonexistent.json\"}",
                 "parse/nonexistent.json");
    path = write_tmp("m1.json", "{\"languages\": {\"xx\": {\"source\": 3}}}");
    ck_assert_int_ge(asprintf(&cfg, "{\"markers\": \"%s\"}", path), 0);
    create_fails(cfg, "languages.xx.source: not an array of strings");
    free(cfg);
    free(path);
    path = write_tmp("m2.json", "{\"languages\": {\"xx\": {\"sorce\": []}}}");
    ck_assert_int_ge(asprintf(&cfg, "{\"markers\": \"%s\"}", path), 0);
    create_fails(cfg, "unknown key \"sorce\"");
    free(cfg);
    free(path);
    path = write_tmp("m3.json", "{\"languages\": {}, \"extra\": 1}");
    ck_assert_int_ge(asprintf(&cfg, "{\"markers\": \"%s\"}", path), 0);
    create_fails(cfg, "m3.json: unknown key \"extra\"");
    free(cfg);
    free(path);
    path = write_tmp("m4.json", "{\"languages\": {\"xx\": {\"ads\": [\"\"]}}}");
    ck_assert_int_ge(asprintf(&cfg, "{\"markers\": \"%s\"}", path), 0);
    create_fails(cfg, "languages.xx.ads[0]");
    free(cfg);
    free(path);
    path = write_tmp("l1.json", "{\"profiles\": {\"xx\": {\"script\": "
                                "\"Nope\", \"stopwords\": []}}}");
    ck_assert_int_ge(asprintf(&cfg, "{\"langs\": \"%s\"}", path), 0);
    create_fails(cfg, "profiles.xx.script");
    free(cfg);
    free(path);
    path = write_tmp("l2.json", "{\"scripts\": {\"Latn\": \"not a tag!\"}, "
                                "\"profiles\": {}}");
    ck_assert_int_ge(asprintf(&cfg, "{\"langs\": \"%s\"}", path), 0);
    create_fails(cfg, "scripts.Latn");
    free(cfg);
    free(path);
    path = write_tmp("l3.json", "not json");
    ck_assert_int_ge(asprintf(&cfg, "{\"langs\": \"%s\"}", path), 0);
    create_fails(cfg, "l3.json:1:");
    free(cfg);
    free(path);
}
END_TEST

START_TEST(absolute_paths_without_config_dir)
{
    parse_ctx *ctx = NULL;
    char err[256], *m = path_of("etc/inboxd/parse/markers.json");
    char *l = path_of("etc/inboxd/parse/langs.json"), *cfg;
    parse_result r;
    const char *t = "Title\nA paragraph of text.\nSource: https://a.example/b\n";
    if (m[0] != '/') { /* INBOXD_TOP is relative: make the paths absolute */
        char cwd[4096], *am, *al;
        ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
        ck_assert_int_ge(asprintf(&am, "%s/%s", cwd, m), 0);
        ck_assert_int_ge(asprintf(&al, "%s/%s", cwd, l), 0);
        free(m);
        free(l);
        m = am;
        l = al;
    }
    ck_assert_int_ge(asprintf(&cfg, "{\"markers\": \"%s\", \"langs\": \"%s\"}",
                              m, l),
                     0);
    ck_assert_int_eq(parse_ctx_new(&ctx, cfg, NULL, err, sizeof err), 0);
    parse_ok(ctx, t, strlen(t), "t.txt", &r);
    ck_assert_str_eq(r.source_url, "https://a.example/b");
    parse_result_clear(&r);
    parse_ctx_free(ctx);
    /* relative to a config dir that lacks the files */
    ck_assert_int_lt(parse_ctx_new(&ctx, "{}", tmpdir, err, sizeof err), 0);
    ck_assert(strstr(err, tmpdir) != NULL);
    free(cfg);
    free(m);
    free(l);
}
END_TEST

START_TEST(null_safe)
{
    parse_result r;
    ck_assert_ptr_null(parse_ctx_free(NULL));
    parse_result_clear(NULL);
    ck_assert_int_eq(parse_document(NULL, "x", 1, "x", &r), -EINVAL);
    ck_assert_int_eq(parse_ctx_new(NULL, "{}", NULL, NULL, 0), -EINVAL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("parse_config");
    TCase *tc = tcase_create("config");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, unknown_key);
    tcase_add_test(tc, bad_values);
    tcase_add_test(tc, data_file_errors);
    tcase_add_test(tc, absolute_paths_without_config_dir);
    tcase_add_test(tc, null_safe);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
