/* Migration of version-1 and version-2 databases
 * (tests/fixtures/sqlite/v1.sql, v2.sql) to the current schema at
 * start-up, and the terms version check. */
#include "helpers.h"

#include <sqlite3.h>

#include "query.h"
#include "schema.h"
#include "stem.h"
#include "tokenizer.h"

static void load_fixture(const char *dir, const char *name)
{
    char path[4096], *sql, *db_file = db_path(dir);
    sqlite3 *db;
    snprintf(path, sizeof path, "%s/tests/fixtures/sqlite/%s", top_dir(), name);
    sql = slurp(path, NULL);
    ck_assert_int_eq(sqlite3_open(db_file, &db), SQLITE_OK);
    ck_assert_int_eq(tok_register(db), SQLITE_OK);
    ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s",
                  sqlite3_errmsg(db));
    sqlite3_close(db);
    free(sql);
    free(db_file);
}

static sqlite3 *reader(const char *dir)
{
    char err[512], *p = db_path(dir);
    sqlite3 *db;
    ck_assert_msg(schema_open_reader(p, &db, err, sizeof err) == 0, "%s", err);
    free(p);
    return db;
}

static char *text1(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    char *v = NULL;
    ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK,
                  "%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(st) == SQLITE_ROW)
        v = strdup(sqlite3_column_text(st, 0)
                       ? (const char *)sqlite3_column_text(st, 0)
                       : "NULL");
    sqlite3_finalize(st);
    ck_assert_ptr_nonnull(v);
    return v;
}

#define EXPECT(db, sql, want)                                                 \
    do {                                                                      \
        char *v_ = text1(db, sql);                                            \
        ck_assert_str_eq(v_, want);                                           \
        free(v_);                                                             \
    } while (0)

static int matches(sqlite3 *db, const char *query)
{
    char err[256];
    struct q_search q = {.query = query, .since_ms = Q_NO_TIME, .limit = 10};
    int n = q_search(db, &q, NULL, NULL, err, sizeof err);
    ck_assert_msg(n >= 0, "%s: %s", query, err);
    return n;
}

START_TEST(v1_is_migrated)
{
    char *dir = make_state_dir(), err[512], *p;
    void *x;
    struct sqlidx_info info;
    sqlite3 *db;
    inboxd_doc *d;
    load_fixture(dir, "v1.sql");

    /* the reader refuses an old schema with a clear message */
    p = db_path(dir);
    ck_assert_int_eq(schema_open_reader(p, &db, err, sizeof err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err, "start inboxd once to migrate"));
    free(p);

    x = open_index(NULL);
    sqlidx_get_info(x, &info);
    ck_assert_int_eq(info.open.from_version, 1);
    ck_assert_int_eq(info.open.rebuilt_fts, 1);
    ck_assert_int_eq(info.open.created, 0);
    /* v1 had no clean-shutdown marker: checked */
    ck_assert_int_eq(info.open.integrity_checked, 1);
    ck_assert_int_eq(sqlidx_desc.contains(x, "1111111111111111111111111111111111111111111111111111111111111111"), 1);

    db = reader(dir);
    EXPECT(db, "PRAGMA user_version", "3");
    /* metadata columns from the JSON */
    EXPECT(db, "SELECT lead || '|' || byline || '|' || langs FROM documents"
               " WHERE rowid = 1",
           "عقدت لجنة التعبئة الجماهيرية مؤتمرا|[\"ماي لان\",\"دوك لام\"]|"
           "[{\"lang\":\"ar\",\"share\":0.97}]");
    EXPECT(db, "SELECT source_url || '|' || published FROM documents WHERE"
               " rowid = 2",
           "https://nhandan.vn/bao-dam-chat-luong-tien-do-cac-de-an-lon-ve-"
           "cong-tac-dan-van-post817514.html|2024-06-30");
    EXPECT(db, "SELECT coalesce(lead, 'NULL') FROM documents WHERE rowid = 3",
           "NULL");
    /* counters, folded keys, aliases, attributes */
    EXPECT(db, "SELECT docs || '/' || mentions || '/' || norm_key FROM"
               " entities WHERE key = 'org:dan-van'",
           "2/3/org dan van");
    EXPECT(db, "SELECT group_concat(surface, '|') FROM (SELECT surface FROM"
               " aliases WHERE entity = 3 ORDER BY surface)",
           "ΕΠΙΤΡΟΠΗΣ|Κεντρική Επιτροπή Μαζικής Κινητοποίησης|لجنة التعبئة "
           "الجماهيرية");
    EXPECT(db, "SELECT group_concat(name || '=' || value, ',') FROM (SELECT"
               " * FROM attributes ORDER BY entity, name)",
           "latin=Do Viet Anh,role=chair,role=speaker,central=false,"
           "kind=commission,level=2");
    EXPECT(db, "SELECT value FROM state WHERE key = 'clean_shutdown'", "0");
    /* the full-text index now uses the inboxd tokenizer */
    ck_assert_int_eq(matches(db, "المنظمات"), 1);
    ck_assert_int_eq(matches(db, "منظمة"), 1);
    ck_assert_int_eq(matches(db, "Επιτροπή"), 1);
    ck_assert_int_eq(matches(db, "viet"), 0);
    ck_assert_int_eq(matches(db, "short"), 1);
    sqlite3_close(db);

    /* and new documents go in as usual */
    d = make_doc("new.txt", "منظمة جديدة في ها تينه", "ar", NULL, 5);
    add_entity(d, "ORG", "منظمة", NULL, "org:dan-van", NULL);
    ck_assert_int_eq(sqlidx_desc.process(x, d), INBOXD_OK);
    sqlidx_desc.destroy(x);
    doc_free(d);
    db = reader(dir);
    ck_assert_int_eq(matches(db, "المنظمات"), 2);
    EXPECT(db, "SELECT docs FROM entities WHERE key = 'org:dan-van'", "3");
    sqlite3_close(db);

    /* a second start: nothing to migrate, clean */
    x = open_index(NULL);
    sqlidx_get_info(x, &info);
    ck_assert_int_eq(info.open.from_version, 3);
    ck_assert_int_eq(info.open.rebuilt_fts, 0);
    ck_assert_int_eq(info.open.integrity_checked, 0);
    sqlidx_desc.destroy(x);
    remove_dir(dir);
}
END_TEST

/* Runs sql on a read-write connection; SQLITE_OK or the error. */
static int rw_exec(const char *dir, const char *sql, char *err, size_t errlen)
{
    char *p = db_path(dir);
    sqlite3 *db;
    int rc;
    ck_assert_int_eq(sqlite3_open(p, &db), SQLITE_OK);
    ck_assert_int_eq(tok_register(db), SQLITE_OK);
    rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    sqlite3_close(db);
    free(p);
    return rc;
}

static int search_entity(sqlite3 *db, const char *query, const char *type,
                         const char *entity)
{
    char err[256];
    struct q_search q = {.query = query, .type = type, .entity = entity,
                         .since_ms = Q_NO_TIME, .limit = 10};
    int n = q_search(db, &q, NULL, NULL, err, sizeof err);
    ck_assert_msg(n >= 0, "%s: %s", query, err);
    return n;
}

static const char *const V2_TEXT1 =
    "عقدت لجنة التعبئة الجماهيرية مؤتمرا برئاسة دو فيت آنه في ها تينه.";

START_TEST(v2_is_migrated)
{
    char *dir = make_state_dir(), err[512];
    void *x;
    struct sqlidx_info info;
    sqlite3 *db;
    inboxd_doc *d;
    json_t *j;
    char *s;
    load_fixture(dir, "v2.sql");

    x = open_index(NULL);
    sqlidx_get_info(x, &info);
    ck_assert_int_eq(info.open.from_version, 2);
    ck_assert_int_eq(info.open.integrity_checked, 0);
    db = reader(dir);
    EXPECT(db, "PRAGMA user_version", "3");
    /* the v2 names still read the same */
    EXPECT(db, "SELECT group_concat(key || '=' || docs || '/' || mentions,"
               " ',') FROM (SELECT * FROM entities ORDER BY rowid)",
           "org:dan-van=2/3,person:do-viet-anh=1/1,loc:ha-tinh=1/1,"
           "person:luong-cuong=1/1");
    EXPECT(db, "SELECT count(*) || '/' || sum(confidence) FROM mentions", "6/4.9");
    EXPECT(db, "SELECT surface || '|' || value || '|' || lang || '|' ||"
               " start_byte || '|' || end_byte || '|' || confidence FROM"
               " mentions WHERE entity = 2",
           "دو فيت آنه|Đỗ Việt Anh|ar|80|98|0.75");
    EXPECT(db, "SELECT group_concat(doc || ':' || start_byte, ',') FROM"
               " (SELECT * FROM mentions WHERE entity = 1 ORDER BY doc,"
               " start_byte)",
           "1:9,2:3,2:128");
    EXPECT(db, "SELECT group_concat(entity || ':' || doc || ':' || name ||"
               " '=' || value, ',') FROM (SELECT * FROM attributes ORDER BY"
               " entity, doc, name)",
           "1:1:central=false,1:1:kind=commission,1:1:level=2,"
           "1:2:kind=commission,2:1:latin=Do Viet Anh,2:1:role=chair,"
           "4:2:role=speaker");
    EXPECT(db, "SELECT count(*) FROM aliases", "6");
    /* the entity index answers --entity and --type */
    ck_assert_int_eq(search_entity(db, "مؤتمرا OR Επιτροπή", NULL,
                                   "org:dan-van"), 2);
    ck_assert_int_eq(search_entity(db, "مؤتمرا OR Επιτροπή", "PERSON",
                                   "Đỗ Việt Anh"), 0);
    ck_assert_int_eq(search_entity(db, "مؤتمرا OR Επιτροπή", NULL,
                                   "person:do-viet-anh"), 1);
    ck_assert_int_eq(search_entity(db, "مؤتمرا OR Επιτροπή OR third", "LOC",
                                   NULL), 1);
    ck_assert_int_eq(search_entity(db, "third", NULL, NULL), 1);
    j = q_entity(db, "org:dan-van", NULL);
    s = json_dumps(j, JSON_COMPACT);
    ck_assert_msg(strstr(s, "\"docs\":2,\"mentions\":3") &&
                      strstr(s, "{\"start\":3,\"end\":78,\"surface\":"
                                "\"Κεντρική Επιτροπή Μαζικής Κινητοποίησης\"}"),
                  "%s", s);
    free(s);
    json_decref(j);
    sqlite3_close(db);
    ck_assert_msg(rw_exec(dir, "INSERT INTO ent_fts(ent_fts) VALUES"
                               "('integrity-check')", err, sizeof err) ==
                      SQLITE_OK, "%s", err);

    /* reprocessing the first report without its person: the person (in no
     * other document) and its alias are gone, the others stay */
    d = make_doc("تقرير-1.txt", V2_TEXT1, "ar", NULL, 1696550400000);
    add_entity(d, "ORG", "لجنة التعبئة الجماهيرية", NULL, "org:dan-van",
               NULL);
    d->flags |= INBOXD_DOC_REPROCESS;
    ck_assert_int_eq(sqlidx_desc.process(x, d), INBOXD_OK);
    sqlidx_desc.destroy(x);
    doc_free(d);
    db = reader(dir);
    EXPECT(db, "SELECT count(*) FROM documents", "3");
    EXPECT(db, "SELECT group_concat(key || '=' || docs || '/' || mentions,"
               " ',') FROM (SELECT * FROM entities ORDER BY rowid)",
           "org:dan-van=2/3,person:luong-cuong=1/1");
    EXPECT(db, "SELECT count(*) FROM entity", "2");
    EXPECT(db, "SELECT group_concat(entity || ':' || surface, ',') FROM"
               " (SELECT * FROM aliases ORDER BY entity, surface)",
           "1:ΕΠΙΤΡΟΠΗ,1:Κεντρική Επιτροπή Μαζικής Κινητοποίησης,"
           "1:لجنة التعبئة الجماهيرية,4:Luong Cuong");
    ck_assert_int_eq(search_entity(db, "مؤتمرا", NULL, "org:dan-van"), 1);
    ck_assert_int_eq(search_entity(db, "مؤتمرا", NULL, "person:do-viet-anh"),
                     0);
    sqlite3_close(db);
    ck_assert_msg(rw_exec(dir, "INSERT INTO ent_fts(ent_fts) VALUES"
                               "('integrity-check')", err, sizeof err) ==
                      SQLITE_OK, "%s", err);
    remove_dir(dir);
}
END_TEST

/* A database whose terms came from another tokenizer version is rebuilt. */
START_TEST(terms_version_change_rebuilds)
{
    char *dir = make_state_dir(), *p;
    void *x = open_index(NULL);
    inboxd_doc *d = make_doc("a.txt", "والمنظمات ΕΠΙΤΡΟΠΗΣ", "ar", NULL, 1);
    struct sqlidx_info info;
    sqlite3 *db;
    ck_assert_int_eq(sqlidx_desc.process(x, d), INBOXD_OK);
    sqlidx_desc.destroy(x);
    p = db_path(dir);
    ck_assert_int_eq(sqlite3_open(p, &db), SQLITE_OK);
    ck_assert_int_eq(tok_register(db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "UPDATE state SET value = 'tok0.stem0'"
                                      " WHERE key = 'terms';"
                                      "UPDATE entity SET norm_key = 'x'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    /* searching it before the daemon rebuilt it: refused, with the cure */
    {
        char err[512] = "";
        sqlite3 *r = NULL;
        ck_assert_int_eq(schema_open_reader(p, &r, err, sizeof err), -EPROTO);
        ck_assert_msg(strstr(err, "start inboxd once to rebuild it"), "%s",
                      err);
        ck_assert_ptr_null(r);
    }
    free(p);
    x = open_index(NULL);
    sqlidx_get_info(x, &info);
    ck_assert_int_eq(info.open.rebuilt_fts, 1);
    sqlidx_desc.destroy(x);
    db = reader(dir);
    ck_assert_int_eq(matches(db, "منظمة"), 1);
    {
        char want[64];
        snprintf(want, sizeof want, "tok%d.stem%d", TOK_VERSION, STEM_VERSION);
        EXPECT(db, "SELECT value FROM state WHERE key = 'terms'", want);
    }
    sqlite3_close(db);
    doc_free(d);
    remove_dir(dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sqlite_migrate");
    TCase *tc = tcase_create("migrate");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, v1_is_migrated);
    tcase_add_test(tc, v2_is_migrated);
    tcase_add_test(tc, terms_version_change_rebuilds);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(suite());
}
