/* inboxctl's index commands (daemon/ctl/ctl_index.c, compiled in here):
 * output, exit codes, errors, and how the database is found. */
#include "helpers.h"

#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>

#include "ctl/ctl_index.c"

static char *dir;
static struct ctl_db_opts opts;
static char first_id[65];

static const char *const AR = "عقدت لجنة التعبئة الجماهيرية مؤتمرا في ها تينه"
                              " لمراجعة أعمال المنظمات الاجتماعية.";
static const char *const EL = "Η Κεντρική Επιτροπή Μαζικής Κινητοποίησης "
                              "συνεδρίασε στο Ανόι.";
static const char *const EN = "The committee of Ha Tinh met on Friday.";

static void setup(void)
{
    void *x;
    inboxd_doc *d;
    dir = make_state_dir();
    x = open_index("{\"linger_ms\": 0}");
    d = make_doc("ar-report.txt", AR, "ar", "مؤتمر التعبئة", 1700000000000);
    add_entity(d, "LOC", "ها تينه", "Hà Tĩnh", "loc:ha-tinh", NULL);
    ck_assert_int_eq(sqlidx_desc.process(x, d), INBOXD_OK);
    snprintf(first_id, sizeof first_id, "%s", doc_host()->doc_id(d));
    doc_free(d);
    d = make_doc("el-report.txt", EL, "el", NULL, 1710000000000);
    ck_assert_int_eq(sqlidx_desc.process(x, d), INBOXD_OK);
    doc_free(d);
    d = make_doc("en-report.txt", EN, "en", NULL, 1720000000000);
    add_entity(d, "LOC", "Ha Tinh", "Hà Tĩnh", "loc:ha-tinh", NULL);
    ck_assert_int_eq(sqlidx_desc.process(x, d), INBOXD_OK);
    doc_free(d);
    sqlidx_desc.destroy(x);
    opts = (struct ctl_db_opts){.state_dir = dir};
}

static void teardown(void)
{
    remove_dir(dir);
}

struct result {
    int rc;
    char *out, *err;
};

static char *read_back(int fd)
{
    off_t n = lseek(fd, 0, SEEK_END);
    char *s = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(pread(fd, s, (size_t)n, 0), n);
    s[n] = '\0';
    close(fd);
    return s;
}

/* Runs a command with stdout and stderr captured. */
static struct result run(int (*fn)(const struct ctl_db_opts *, int, char **),
                         const struct ctl_db_opts *o, int argc,
                         const char **argv)
{
    char tout[] = "/tmp/ctl-out-XXXXXX", terr[] = "/tmp/ctl-err-XXXXXX";
    int fo = mkstemp(tout), fe = mkstemp(terr);
    int so = dup(1), se = dup(2);
    struct result r;
    ck_assert(fo >= 0 && fe >= 0);
    unlink(tout);
    unlink(terr);
    fflush(stdout);
    fflush(stderr);
    dup2(fo, 1);
    dup2(fe, 2);
    r.rc = fn(o, argc, (char **)argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    r.out = read_back(fo);
    r.err = read_back(fe);
    return r;
}

#define RUN(fn, ...)                                                          \
    ({                                                                        \
        const char *argv_[] = {__VA_ARGS__, NULL};                            \
        run(fn, &opts, (int)(sizeof argv_ / sizeof argv_[0]) - 1, argv_);     \
    })

static void done(struct result *r)
{
    free(r->out);
    free(r->err);
}

START_TEST(search_table_and_json)
{
    struct result r = RUN(ctl_search, "search", "منظمة");
    json_t *j, *hit;
    ck_assert_int_eq(r.rc, 0);
    ck_assert_msg(strstr(r.out, "ar-report.txt") && strstr(r.out, "[المنظمات]"),
                  "%s", r.out);
    {
        char prefix[13];
        snprintf(prefix, sizeof prefix, "%.12s", first_id);
        ck_assert_ptr_nonnull(strstr(r.out, prefix));
    }
    done(&r);

    r = RUN(ctl_search, "search", "Επιτροπή OR committee", "--json");
    ck_assert_int_eq(r.rc, 0);
    j = json_loads(r.out, 0, NULL);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "count")), 2);
    hit = json_array_get(json_object_get(j, "hits"), 0);
    ck_assert_int_eq(strlen(json_string_value(json_object_get(hit, "id"))), 64);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(hit,
                                                                   "snippet")),
                                 "<mark>"));
    ck_assert(json_real_value(json_object_get(hit, "score")) > 0);
    ck_assert_ptr_nonnull(json_object_get(hit, "lang"));
    json_decref(j);
    done(&r);

    r = RUN(ctl_search, "search", "committee", "--lang", "el");
    ck_assert_int_eq(r.rc, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "no document matches"));
    done(&r);
    r = RUN(ctl_search, "search", "tinh", "--since", "2024-01-01");
    ck_assert_int_eq(r.rc, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "en-report.txt"));
    ck_assert_ptr_null(strstr(r.out, "ar-report.txt"));
    done(&r);
    r = RUN(ctl_search, "search", "tinh", "--entity", "loc:ha-tinh",
            "--type", "LOC", "--limit=1");
    ck_assert_int_eq(r.rc, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "en-report.txt"));
    done(&r);
}
END_TEST

START_TEST(search_errors)
{
    struct result r = RUN(ctl_search, "search", "foo AND");
    ck_assert_int_eq(r.rc, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "malformed query"));
    done(&r);
    r = RUN(ctl_search, "search");
    ck_assert_int_eq(r.rc, 2);
    done(&r);
    r = RUN(ctl_search, "search", "x", "--since", "last tuesday");
    ck_assert_int_eq(r.rc, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "--since"));
    done(&r);
    r = RUN(ctl_search, "search", "x", "--limit", "0");
    ck_assert_int_eq(r.rc, 2);
    done(&r);
    r = RUN(ctl_search, "search", "x", "--bogus");
    ck_assert_int_eq(r.rc, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "unknown option --bogus"));
    done(&r);
    r = RUN(ctl_search, "search", "--help");
    ck_assert_int_eq(r.rc, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "usage"));
    done(&r);
    /* a database that does not exist */
    opts = (struct ctl_db_opts){.db_path = "/nonexistent/inboxd.db"};
    r = RUN(ctl_search, "search", "x");
    ck_assert_int_eq(r.rc, 1);
    ck_assert_msg(strstr(r.err, "/nonexistent/inboxd.db") &&
                      strstr(r.err, "No such file"),
                  "%s", r.err);
    done(&r);
}
END_TEST

START_TEST(show_document)
{
    char prefix[13];
    struct result r;
    json_t *j;
    snprintf(prefix, sizeof prefix, "%.12s", first_id);
    r = RUN(ctl_show, "show", prefix);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_msg(strstr(r.out, first_id) && strstr(r.out, "ar-report.txt") &&
                      strstr(r.out, "loc:ha-tinh") && strstr(r.out, AR) &&
                      strstr(r.out, "مؤتمر التعبئة"),
                  "%s", r.out);
    done(&r);
    r = RUN(ctl_show, "show", first_id, "--json");
    ck_assert_int_eq(r.rc, 0);
    j = json_loads(r.out, 0, NULL);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(json_string_value(json_object_get(j, "text")), AR);
    ck_assert_int_eq(json_array_size(json_object_get(j, "entities")), 1);
    json_decref(j);
    done(&r);
    r = RUN(ctl_show, "show", "ffffffffffff0000");
    ck_assert_int_eq(r.rc, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "no document with id"));
    done(&r);
    r = RUN(ctl_show, "show", "not-an-id");
    ck_assert_int_eq(r.rc, 2);
    done(&r);
}
END_TEST

START_TEST(entities_and_entity)
{
    struct result r = RUN(ctl_entities, "entities");
    json_t *j;
    ck_assert_int_eq(r.rc, 0);
    ck_assert_msg(strstr(r.out, "loc:ha-tinh") && strstr(r.out, "Hà Tĩnh"),
                  "%s", r.out);
    done(&r);
    r = RUN(ctl_entities, "entities", "--type", "LOC", "--top", "5", "--json");
    ck_assert_int_eq(r.rc, 0);
    j = json_loads(r.out, 0, NULL);
    ck_assert_int_eq(json_array_size(j), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(j, 0),
                                                        "docs")), 2);
    json_decref(j);
    done(&r);
    r = RUN(ctl_entities, "entities", "--type", "PERSON");
    ck_assert_int_eq(r.rc, 1);
    done(&r);

    r = RUN(ctl_entity, "entity", "loc:ha-tinh");
    ck_assert_int_eq(r.rc, 0);
    ck_assert_msg(strstr(r.out, "ها تينه x1") && strstr(r.out, "Ha Tinh x1") &&
                      strstr(r.out, "ar-report.txt") &&
                      strstr(r.out, "en-report.txt"),
                  "%s", r.out);
    done(&r);
    r = RUN(ctl_entity, "entity", "LOC:HÀ-TĨNH", "--json");
    ck_assert_int_eq(r.rc, 0);
    j = json_loads(r.out, 0, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(json_array_get(j, 0),
                                                     "documents")), 2);
    json_decref(j);
    done(&r);
    r = RUN(ctl_entity, "entity", "nobody");
    ck_assert_int_eq(r.rc, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "no entity with key 'nobody'"));
    done(&r);
}
END_TEST

START_TEST(export_jsonl)
{
    struct result r = RUN(ctl_export, "export", "--format", "jsonl");
    int lines = 0;
    ck_assert_int_eq(r.rc, 0);
    for (char *line = r.out, *nl; *line; line = nl + 1) {
        json_t *j;
        nl = strchr(line, '\n');
        ck_assert_ptr_nonnull(nl);
        *nl = '\0';
        j = json_loads(line, 0, NULL);
        ck_assert_msg(j != NULL, "not JSON: %s", line);
        ck_assert_ptr_nonnull(json_object_get(j, "entities"));
        ck_assert_ptr_nonnull(json_object_get(j, "text"));
        json_decref(j);
        lines++;
    }
    ck_assert_int_eq(lines, 3);
    done(&r);
    r = RUN(ctl_export, "export", "--since", "2024-04-01T00:00Z");
    ck_assert_int_eq(r.rc, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "en-report.txt"));
    ck_assert_ptr_null(strstr(r.out, "el-report.txt"));
    done(&r);
    r = RUN(ctl_export, "export", "--format", "csv");
    ck_assert_int_eq(r.rc, 2);
    done(&r);
}
END_TEST

START_TEST(finding_the_database)
{
    char cfg[4200], *p;
    FILE *f;
    struct result r;
    /* --db wins */
    p = db_path(dir);
    opts = (struct ctl_db_opts){.db_path = p, .state_dir = "/nonexistent"};
    r = RUN(ctl_entities, "entities");
    ck_assert_int_eq(r.rc, 0);
    done(&r);
    /* --config: its state_dir */
    snprintf(cfg, sizeof cfg, "%s/inboxd.json", dir);
    f = fopen(cfg, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "{\"state_dir\": \"%s\"}\n", dir);
    fclose(f);
    opts = (struct ctl_db_opts){.config_path = cfg};
    r = RUN(ctl_entities, "entities");
    ck_assert_int_eq(r.rc, 0);
    done(&r);
    /* and the sqlite plugin's own "db" setting */
    f = fopen(cfg, "w");
    fprintf(f, "{\"state_dir\": \"/nonexistent\", \"plugins\": [{\"name\": "
               "\"sqlite\", \"config\": {\"db\": \"%s\"}}]}\n", p);
    fclose(f);
    r = RUN(ctl_entities, "entities");
    ck_assert_msg(r.rc == 0, "%s", r.err);
    done(&r);
    /* a config that cannot be read */
    opts = (struct ctl_db_opts){.config_path = "/nonexistent/inboxd.json"};
    r = RUN(ctl_entities, "entities");
    ck_assert_int_eq(r.rc, 1);
    done(&r);
    /* the embedded default is the daemon's ./var/state */
    opts = (struct ctl_db_opts){0};
    {
        char *d = ctl_db_path(&opts);
        ck_assert_str_eq(d, "./var/state/inboxd.db");
        free(d);
    }
    free(p);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sqlite_ctl");
    TCase *tc = tcase_create("ctl");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, search_table_and_json);
    tcase_add_test(tc, search_errors);
    tcase_add_test(tc, show_document);
    tcase_add_test(tc, entities_and_entity);
    tcase_add_test(tc, export_jsonl);
    tcase_add_test(tc, finding_the_database);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(suite());
}
