/* The sqlite plugin's store: schema, insert, contains, duplicates,
 * reprocess in place, entities, clean-shutdown marker, corruption, newer
 * schemas, disk full. */
#include "helpers.h"

#include <sqlite3.h>

#include "query.h"
#include "schema.h"
#include "tokenizer.h"

static const char *const TEXT_AR =
    "عقدت لجنة التعبئة الجماهيرية مؤتمرا في ها تينه لمراجعة أعمال المنظمات.";
static const char *const TEXT_EL =
    "Η Κεντρική Επιτροπή Μαζικής Κινητοποίησης συνεδρίασε στο Ανόι.";

static sqlite3 *ro(const char *dir)
{
    sqlite3 *db;
    char *p = db_path(dir);
    ck_assert_int_eq(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(tok_register(db), SQLITE_OK);
    free(p);
    return db;
}

static long long q_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    long long v = -1;
    ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK,
                  "%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static char *q_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    char *v = NULL;
    ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK,
                  "%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        v = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

/* Runs sql on a read-write connection (test set-up). */
static void rw_exec(const char *dir, const char *sql)
{
    sqlite3 *db;
    char *p = db_path(dir);
    ck_assert_int_eq(sqlite3_open(p, &db), SQLITE_OK);
    ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK,
                  "%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_close(db);
    free(p);
}

START_TEST(creates_schema_and_stores)
{
    char *dir = make_state_dir();
    void *x = open_index(NULL);
    inboxd_doc *d = make_doc("report-1.txt", TEXT_AR, "ar", "عنوان", 1700000000000);
    const inboxd_host *h = doc_host();
    sqlite3 *db;
    char *s;
    struct sqlidx_info info;

    h->doc_meta_set(d, "lead", "\"the lead\"");
    h->doc_meta_set(d, "byline", "[\"Mai Lan\", \"Duc Lam\"]");
    h->doc_meta_set(d, "source_url", "\"https://example.org/a\"");
    h->doc_meta_set(d, "charset", "\"windows-1256\"");
    h->doc_meta_set(d, "langs", "[{\"lang\":\"ar\",\"share\":0.9}]");
    ck_assert_int_eq(sqlidx_desc.contains(x, h->doc_id(d)), 0);
    ck_assert_int_eq(sqlidx_desc.process(x, d), INBOXD_OK);
    ck_assert_int_eq(sqlidx_desc.contains(x, h->doc_id(d)), 1);
    ck_assert_int_eq(sqlidx_desc.contains(x, "00"), 0);
    sqlidx_get_info(x, &info);
    ck_assert_int_eq(info.open.created, 1);
    ck_assert_int_eq(info.batch.jobs, 1);

    db = ro(dir);
    ck_assert_int_eq(q_int(db, "PRAGMA user_version"), SCHEMA_VERSION);
    s = q_text(db, "PRAGMA journal_mode");
    ck_assert_str_eq(s, "wal");
    free(s);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM documents"), 1);
    s = q_text(db, "SELECT name || '|' || lang || '|' || title || '|' || lead"
                   " || '|' || byline || '|' || source_url || '|' || charset"
                   " || '|' || bytes || '|' || received_ms FROM documents");
    {
        char want[512];
        snprintf(want, sizeof want, "report-1.txt|ar|عنوان|the lead|[\"Mai "
                 "Lan\",\"Duc Lam\"]|https://example.org/a|windows-1256|%zu|"
                 "1700000000000", strlen(TEXT_AR));
        ck_assert_str_eq(s, want);
    }
    free(s);
    s = q_text(db, "SELECT id FROM documents");
    ck_assert_str_eq(s, h->doc_id(d));
    free(s);
    /* the full-text index answers through the inboxd tokenizer */
    sqlite3_close(db);
    sqlidx_desc.destroy(x);
    doc_free(d);
    remove_dir(dir);
}
END_TEST

START_TEST(duplicate_is_idempotent)
{
    char *dir = make_state_dir();
    void *x = open_index(NULL);
    inboxd_doc *a = make_doc("a.txt", TEXT_EL, "el", NULL, 1);
    inboxd_doc *b = make_doc("b-same-bytes.txt", TEXT_EL, "el", NULL, 2);
    sqlite3 *db;
    char *s;
    ck_assert_int_eq(sqlidx_desc.process(x, a), INBOXD_OK);
    ck_assert_int_eq(sqlidx_desc.process(x, b), INBOXD_OK);
    db = ro(dir);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM documents"), 1);
    s = q_text(db, "SELECT name FROM documents");
    ck_assert_str_eq(s, "a.txt");
    free(s);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM doc_text"), 1);
    sqlite3_close(db);
    sqlidx_desc.destroy(x);
    doc_free(a);
    doc_free(b);
    remove_dir(dir);
}
END_TEST

START_TEST(entities_aliases_attributes)
{
    char *dir = make_state_dir();
    void *x = open_index(NULL);
    inboxd_doc *a = make_doc("a.txt", TEXT_AR, "ar", NULL, 1);
    inboxd_doc *b = make_doc("b.txt", "Ha Tinh held a meeting. Ha Tinh.", "en",
                             NULL, 2);
    sqlite3 *db;
    char *s;
    add_entity(a, "LOC", "ها تينه", "Hà Tĩnh", "loc:ha-tinh",
               "{\"latin\":\"Ha Tinh\",\"kind\":\"province\"}");
    add_entity(a, "ORG", "لجنة التعبئة الجماهيرية", NULL, "org:dan-van",
               "{\"role\":\"organizer\",\"n\":3,\"ok\":true}");
    add_entity(b, "LOC", "Ha Tinh", "Hà Tĩnh", "loc:ha-tinh", NULL);
    ck_assert_int_eq(sqlidx_desc.process(x, a), INBOXD_OK);
    ck_assert_int_eq(sqlidx_desc.process(x, b), INBOXD_OK);
    db = ro(dir);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM entities"), 2);
    ck_assert_int_eq(q_int(db, "SELECT docs FROM entities WHERE key = "
                               "'loc:ha-tinh'"), 2);
    ck_assert_int_eq(q_int(db, "SELECT mentions FROM entities WHERE key = "
                               "'loc:ha-tinh'"), 2);
    s = q_text(db, "SELECT name || '|' || norm_key FROM entities WHERE key = "
                   "'loc:ha-tinh'");
    ck_assert_str_eq(s, "Hà Tĩnh|loc ha tinh");
    free(s);
    s = q_text(db, "SELECT group_concat(surface, '|') FROM (SELECT surface "
                   "FROM aliases ORDER BY surface)");
    ck_assert_str_eq(s, "Ha Tinh|لجنة التعبئة الجماهيرية|ها تينه");
    free(s);
    s = q_text(db, "SELECT group_concat(name || '=' || value, ',') FROM "
                   "(SELECT * FROM attributes ORDER BY name)");
    ck_assert_str_eq(s, "kind=province,latin=Ha Tinh,n=3,ok=true,"
                        "role=organizer");
    free(s);
    /* byte offsets point at the surface in the text */
    s = q_text(db, "SELECT substr(CAST(t.body AS BLOB), m.start_byte + 1,"
                   " m.end_byte - m.start_byte) FROM mentions m JOIN doc_text"
                   " t ON t.doc = m.doc JOIN entities e ON e.rowid = m.entity"
                   " WHERE e.type = 'ORG'");
    ck_assert_str_eq(s, "لجنة التعبئة الجماهيرية");
    free(s);
    sqlite3_close(db);
    sqlidx_desc.destroy(x);
    doc_free(a);
    doc_free(b);
    remove_dir(dir);
}
END_TEST

/* Entity strings with quotes, backslashes, control characters and
 * characters outside the BMP, attrs with nested values, odd confidences:
 * stored as JSON built by hand, they read back the same. */
START_TEST(entity_strings_round_trip)
{
    static const char text[] = "Q\"uote back\\slash tab\there line\nbreak "
                               "\xf0\x9f\x98\x80 ctrl\x01x \xd9\x84\xd8\xac";
    static const struct {
        const char *type, *surface, *value, *key, *lang, *attrs;
        double confidence;
    } e[] = {
        {"T\"1", "Q\"uote", "v\\al\"ue", NULL, NULL,
         "{\"a\":\"x\\\"y\",\"n\":[1,2.5,{\"z\":null}],\"u\":\"\\u00e9\\n\"}",
         0.123456789},
        {"PLAIN", "back\\slash", NULL, "k:back", "en", NULL, 1.0},
        {"PLAIN", "tab\there", NULL, "k:tab", "e\"n", "{}", 0.0},
        {"PLAIN", "line\nbreak", "", "k:line", NULL, NULL, 0.5},
        {"PLAIN", "\xf0\x9f\x98\x80", NULL, "k:emoji", NULL, NULL, 0.25},
        {"PLAIN", "ctrl\x01x", NULL, "k:ctrl", NULL, NULL, 1e-9},
        {"PLAIN", "\xd9\x84\xd8\xac", NULL, "k:ctrl", "ar", NULL, 0.75},
    };
    const size_t n = sizeof e / sizeof e[0];
    char *dir = make_state_dir(), *path = db_path(dir), err[512];
    void *x = open_index(NULL);
    inboxd_doc *d = make_doc("s.txt", text, "en", NULL, 1);
    const inboxd_host *h = doc_host();
    sqlite3 *db;
    json_t *doc, *ents;
    size_t seen = 0;
    for (size_t i = 0; i < n; i++) {
        inboxd_entity ent = {0};
        const char *at = strstr(text, e[i].surface);
        ck_assert_ptr_nonnull(at);
        ent.type = e[i].type;
        ent.text = e[i].surface;
        ent.value = e[i].value;
        ent.key = e[i].key;
        ent.lang = e[i].lang;
        ent.attrs = e[i].attrs;
        ent.start = (size_t)(at - text);
        ent.end = ent.start + strlen(e[i].surface);
        ent.confidence = e[i].confidence;
        ck_assert_int_eq(h->doc_add_entity(d, &ent), 0);
    }
    ck_assert_int_eq(sqlidx_desc.process(x, d), INBOXD_OK);
    ck_assert_int_eq(schema_open_reader(path, &db, err, sizeof err), 0);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM doc_ents WHERE"
                               " json_valid(mentions)"), 1);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM mentions"), (long long)n);
    doc = q_document(db, 1, 0);
    ck_assert_ptr_nonnull(doc);
    ents = json_object_get(doc, "entities");
    for (size_t i = 0; i < json_array_size(ents); i++) {
        json_t *g = json_array_get(ents, i), *m;
        size_t k;
        json_array_foreach(json_object_get(g, "mentions"), k, m) {
            const char *surface = json_string_value(json_object_get(m, "surface"));
            size_t j;
            for (j = 0; j < n; j++)
                if (strcmp(e[j].surface, surface) == 0)
                    break;
            ck_assert_msg(j < n, "unknown surface %s", surface);
            ck_assert_str_eq(json_string_value(json_object_get(g, "type")),
                             e[j].type);
            if (e[j].value)
                ck_assert_str_eq(json_string_value(json_object_get(m, "value")),
                                 e[j].value);
            else
                ck_assert(json_is_null(json_object_get(m, "value")));
            if (e[j].lang)
                ck_assert_str_eq(json_string_value(json_object_get(m, "lang")),
                                 e[j].lang);
            else
                ck_assert(json_is_null(json_object_get(m, "lang")));
            ck_assert(json_real_value(json_object_get(m, "confidence")) ==
                      e[j].confidence);
            if (e[j].attrs) {
                json_t *want = json_loads(e[j].attrs, 0, NULL);
                ck_assert(json_equal(want, json_object_get(m, "attrs")));
                json_decref(want);
            } else {
                ck_assert(json_is_null(json_object_get(m, "attrs")));
            }
            ck_assert_int_eq(json_integer_value(json_object_get(m, "start")),
                             (json_int_t)(strstr(text, surface) - text));
            seen++;
        }
    }
    ck_assert_int_eq(seen, n);
    json_decref(doc);
    /* the attributes view reads the nested value as JSON */
    {
        char *s = q_text(db, "SELECT group_concat(name || '=' || value, ' ')"
                             " FROM (SELECT * FROM attributes ORDER BY name)");
        ck_assert_str_eq(s, "a=x\"y n=[1,2.5,{\"z\":null}] u=\xc3\xa9\n");
        free(s);
    }
    sqlite3_close(db);
    sqlidx_desc.destroy(x);
    doc_free(d);
    free(path);
    remove_dir(dir);
}
END_TEST

START_TEST(reprocess_replaces_in_place)
{
    char *dir = make_state_dir();
    void *x = open_index(NULL);
    inboxd_doc *a = make_doc("a.txt", TEXT_AR, "ar", "old", 1);
    inboxd_doc *b = make_doc("other.txt", "Ha Tinh again", "en", NULL, 5);
    const inboxd_host *h = doc_host();
    sqlite3 *db;
    long long rowid;
    char *s;
    add_entity(a, "LOC", "ها تينه", NULL, "loc:ha-tinh", "{\"kind\":\"x\"}");
    add_entity(a, "ORG", "لجنة التعبئة", NULL, "org:gone", NULL);
    add_entity(b, "LOC", "Ha Tinh", NULL, "loc:ha-tinh", NULL);
    ck_assert_int_eq(sqlidx_desc.process(x, a), INBOXD_OK);
    ck_assert_int_eq(sqlidx_desc.process(x, b), INBOXD_OK);
    db = ro(dir);
    rowid = q_int(db, "SELECT rowid FROM documents WHERE name = 'a.txt'");
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM fts WHERE fts MATCH "
                               "'المنظمات'"), 1);
    sqlite3_close(db);

    /* the same original, re-parsed: new text, entities changed */
    {
        const char *t = "نص جديد عن ها تينه والمدارس";
        ck_assert_int_eq(h->doc_set_text(a, t, strlen(t)), 0);
    }
    h->doc_meta_set(a, "title", "\"new\"");
    add_entity(a, "LOC", "ها تينه", NULL, "loc:ha-tinh", NULL);
    a->flags |= INBOXD_DOC_REPROCESS;
    ck_assert_int_eq(sqlidx_desc.process(x, a), INBOXD_OK);

    db = ro(dir);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM documents"), 2);
    ck_assert_int_eq(q_int(db, "SELECT rowid FROM documents WHERE name = "
                               "'a.txt'"), rowid);
    s = q_text(db, "SELECT title FROM documents WHERE name = 'a.txt'");
    ck_assert_str_eq(s, "new");
    free(s);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM fts WHERE fts MATCH "
                               "'المنظمات'"), 0);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM fts WHERE fts MATCH "
                               "'مدارس'"), 1);
    /* org:gone had only this document: gone; loc counted once per doc */
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM entities WHERE key = "
                               "'org:gone'"), 0);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM aliases WHERE surface"
                               " = 'لجنة التعبئة'"), 0);
    ck_assert_int_eq(q_int(db, "SELECT docs FROM entities WHERE key = "
                               "'loc:ha-tinh'"), 2);
    ck_assert_int_eq(q_int(db, "SELECT mentions FROM entities WHERE key = "
                               "'loc:ha-tinh'"), 2);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM attributes"), 0);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM mentions"), 2);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM aliases"), 2);
    sqlite3_close(db);
    sqlidx_desc.destroy(x);
    doc_free(a);
    doc_free(b);
    remove_dir(dir);
}
END_TEST

/* The writer remembers stored entities and aliases (known.h); what a
 * rolled-back transaction or a reprocess removed must not be remembered:
 * the next document with the same entity stores it again. */
START_TEST(forgotten_entities_are_stored_again)
{
    char *dir = make_state_dir();
    void *x = open_index(NULL);
    const inboxd_host *h = doc_host();
    inboxd_doc *big, *small, *again;
    sqlite3 *db;
    long long pages;
    char *text = malloc(64000);
    int n = 0;
    ck_assert_ptr_nonnull(text);
    n += snprintf(text, 64000, "Ha Tinh ");
    for (int w = 0; n < 63000; w++)
        n += snprintf(text + n, 64000 - (size_t)n, "word%d ", w);
    big = make_doc("big.txt", text, "en", NULL, 1);
    add_entity(big, "LOC", "Ha Tinh", NULL, "loc:ha-tinh", NULL);
    small = make_doc("small.txt", "Ha Tinh is a province", "en", NULL, 2);
    add_entity(small, "LOC", "Ha Tinh", NULL, "loc:ha-tinh", NULL);
    /* the big document does not fit: its new entity is rolled back (a
     * writer that remembered it would skip storing it again) */
    db = ro(dir);
    pages = q_int(db, "PRAGMA page_count");
    sqlite3_close(db);
    /* room for its text (64 KB), not for its full-text segment: it fails
     * at COMMIT, after its entity was written */
    ck_assert_int_eq(sqlidx_set_max_pages(x, pages + 20), pages + 20);
    ck_assert_int_eq(sqlidx_desc.process(x, big), INBOXD_RETRY);
    ck_assert_int_gt(sqlidx_set_max_pages(x, 1000000), 0);
    ck_assert_int_eq(sqlidx_desc.process(x, small), INBOXD_OK);
    db = ro(dir);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM entity WHERE key ="
                               " 'loc:ha-tinh'"), 1);
    ck_assert_int_eq(q_int(db, "SELECT docs FROM entities WHERE key ="
                               " 'loc:ha-tinh'"), 1);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM aliases a JOIN entity e"
                               " ON e.rowid = a.entity"), 1);
    sqlite3_close(db);
    /* a reprocess without it deletes the entity; it comes back with the
     * next document that names it */
    h->doc_clear_entities(small);
    small->flags |= INBOXD_DOC_REPROCESS;
    ck_assert_int_eq(sqlidx_desc.process(x, small), INBOXD_OK);
    db = ro(dir);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM entity"), 0);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM aliases"), 0);
    sqlite3_close(db);
    again = make_doc("again.txt", "Ha Tinh again", "en", NULL, 3);
    add_entity(again, "LOC", "Ha Tinh", NULL, "loc:ha-tinh", NULL);
    ck_assert_int_eq(sqlidx_desc.process(x, again), INBOXD_OK);
    db = ro(dir);
    ck_assert_int_eq(q_int(db, "SELECT docs FROM entities WHERE key ="
                               " 'loc:ha-tinh'"), 1);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM aliases a JOIN entity e"
                               " ON e.rowid = a.entity"), 1);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM mentions m JOIN entity e"
                               " ON e.rowid = m.entity"), 1);
    sqlite3_close(db);
    sqlidx_desc.destroy(x);
    doc_free(big);
    doc_free(small);
    doc_free(again);
    free(text);
    remove_dir(dir);
}
END_TEST

START_TEST(odd_documents)
{
    char *dir = make_state_dir();
    void *x = open_index(NULL);
    const inboxd_host *h = doc_host();
    /* no text at all (no parse stage), a name that is not UTF-8 */
    inboxd_doc *a = doc_new_copy("bad\xff\xfename.txt", "\x00\x01\x02", 3, 7);
    sqlite3 *db;
    char *s;
    ck_assert_int_eq(sqlidx_desc.process(x, a), INBOXD_OK);
    ck_assert_int_eq(sqlidx_desc.contains(x, h->doc_id(a)), 1);
    db = ro(dir);
    s = q_text(db, "SELECT name FROM documents");
    ck_assert_str_eq(s, "bad\xef\xbf\xbd\xef\xbf\xbdname.txt");
    free(s);
    ck_assert_int_eq(q_int(db, "SELECT length(body) FROM doc_text"), 0);
    ck_assert_int_eq(q_int(db, "SELECT lang IS NULL FROM documents"), 1);
    sqlite3_close(db);
    sqlidx_desc.destroy(x);
    doc_free(a);
    remove_dir(dir);
}
END_TEST

/* Metadata values of other types than expected: a lone byline string
 * becomes a one-element array, a title that is not a string no title, and
 * the whole object is kept as compact JSON. */
START_TEST(metadata_of_odd_types)
{
    char *dir = make_state_dir();
    void *x = open_index(NULL);
    inboxd_doc *d = make_doc("m.txt", TEXT_EL, "el", NULL, 1);
    const inboxd_host *h = doc_host();
    sqlite3 *db;
    char *s;
    h->doc_meta_set(d, "title", "42");
    h->doc_meta_set(d, "byline", "\"Mai \\\"Lan\\\"\"");
    h->doc_meta_set(d, "langs", "{\"el\": 1}");
    h->doc_meta_set(d, "lead", "\"line\\nbreak\"");
    ck_assert_int_eq(sqlidx_desc.process(x, d), INBOXD_OK);
    db = ro(dir);
    s = q_text(db, "SELECT coalesce(title, 'NULL') || '|' || byline || '|' ||"
                   " coalesce(langs, 'NULL') || '|' || lead || '|' || meta"
                   " FROM documents");
    ck_assert_str_eq(s, "NULL|[\"Mai \\\"Lan\\\"\"]|NULL|line\nbreak|"
                        "{\"title\":42,\"byline\":\"Mai \\\"Lan\\\"\","
                        "\"langs\":{\"el\":1},\"lead\":\"line\\nbreak\"}");
    free(s);
    sqlite3_close(db);
    sqlidx_desc.destroy(x);
    doc_free(d);
    remove_dir(dir);
}
END_TEST

START_TEST(clean_marker_and_integrity_check)
{
    char *dir = make_state_dir();
    void *x = open_index(NULL);
    inboxd_doc *a = make_doc("a.txt", TEXT_EL, "el", NULL, 1);
    struct sqlidx_info info;
    sqlite3 *db;
    char *s;
    ck_assert_int_eq(sqlidx_desc.process(x, a), INBOXD_OK);
    sqlidx_desc.destroy(x);
    db = ro(dir);
    s = q_text(db, "SELECT value FROM state WHERE key = 'clean_shutdown'");
    ck_assert_str_eq(s, "1");
    free(s);
    sqlite3_close(db);

    x = open_index(NULL);
    sqlidx_get_info(x, &info);
    ck_assert_int_eq(info.open.integrity_checked, 0);
    ck_assert_int_eq(info.open.created, 0);
    db = ro(dir);
    s = q_text(db, "SELECT value FROM state WHERE key = 'clean_shutdown'");
    ck_assert_str_eq(s, "0"); /* while running */
    free(s);
    sqlite3_close(db);
    sqlidx_desc.destroy(x);

    /* a crash leaves the marker at 0: the next start checks */
    rw_exec(dir, "UPDATE state SET value = '0' WHERE key = 'clean_shutdown'");
    x = open_index(NULL);
    sqlidx_get_info(x, &info);
    ck_assert_int_eq(info.open.integrity_checked, 1);
    ck_assert_int_eq(sqlidx_desc.contains(x, doc_host()->doc_id(a)), 1);
    sqlidx_desc.destroy(x);
    x = open_index("{\"integrity_check\": \"always\"}");
    sqlidx_get_info(x, &info);
    ck_assert_int_eq(info.open.integrity_checked, 1);
    sqlidx_desc.destroy(x);
    doc_free(a);
    remove_dir(dir);
}
END_TEST

/* Overwrites page `page` (1-based) with junk. */
static void scribble(const char *path, long page, long pagesize)
{
    FILE *f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, (page - 1) * pagesize, SEEK_SET), 0);
    for (long i = 0; i < pagesize; i++)
        fputc((int)((i * 131 + page * 7) & 0xFF), f);
    fclose(f);
}

START_TEST(corrupt_database_is_refused)
{
    char *dir = make_state_dir();
    char *path = db_path(dir);
    void *x = open_index(NULL);
    char err[1024] = "", *before, *after;
    size_t n1, n2;
    long long pages, pagesize;
    sqlite3 *db;
    int rc;
    for (int i = 0; i < 40; i++) {
        char text[256];
        inboxd_doc *d;
        snprintf(text, sizeof text, "document %d about the committee "
                 "and the province number %d", i, i * 7);
        d = make_doc("x.txt", text, "en", NULL, i);
        add_entity(d, "QUANTITY", "number", NULL, NULL, NULL);
        ck_assert_int_eq(sqlidx_desc.process(x, d), INBOXD_OK);
        doc_free(d);
    }
    sqlidx_desc.destroy(x);
    db = ro(dir);
    pages = q_int(db, "PRAGMA page_count");
    pagesize = q_int(db, "PRAGMA page_size");
    sqlite3_close(db);
    ck_assert_int_gt(pages, 8);
    /* an unclean stop, then damage to the b-tree pages */
    rw_exec(dir, "PRAGMA journal_mode = DELETE; UPDATE state SET value = '0'"
                 " WHERE key = 'clean_shutdown'");
    for (long p = 3; p <= pages; p += 2)
        scribble(path, p, pagesize);
    before = slurp(path, &n1);
    rc = sqlidx_desc.create(&x, "{}", doc_host(), err, sizeof err);
    ck_assert_int_lt(rc, 0);
    ck_assert_msg(strstr(err, "corrupt") != NULL, "message: %s", err);
    ck_assert_msg(strstr(err, path) != NULL, "message names the file: %s",
                  err);
    /* never rebuilt over */
    after = slurp(path, &n2);
    ck_assert_int_eq(n1, n2);
    ck_assert(memcmp(before, after, n1) == 0);
    free(before);
    free(after);
    free(path);
    remove_dir(dir);
}
END_TEST

START_TEST(not_a_database_is_refused)
{
    char *dir = make_state_dir();
    char *path = db_path(dir);
    char err[1024] = "";
    void *x = NULL;
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 4096; i++)
        fputc("not a database "[i % 15], f);
    fclose(f);
    ck_assert_int_lt(sqlidx_desc.create(&x, "{}", doc_host(), err, sizeof err),
                     0);
    ck_assert_msg(strstr(err, "not an SQLite database") != NULL, "%s", err);
    free(path);
    remove_dir(dir);
}
END_TEST

START_TEST(newer_schema_is_refused)
{
    char *dir = make_state_dir();
    void *x = open_index(NULL);
    char err[1024] = "";
    sqlidx_desc.destroy(x);
    rw_exec(dir, "PRAGMA user_version = 99");
    ck_assert_int_lt(sqlidx_desc.create(&x, "{}", doc_host(), err, sizeof err),
                     0);
    ck_assert_msg(strstr(err, "schema version 99 is newer") != NULL, "%s",
                  err);
    remove_dir(dir);
}
END_TEST

START_TEST(foreign_database_is_refused)
{
    char *dir = make_state_dir();
    char err[1024] = "";
    void *x = NULL;
    rw_exec(dir, "CREATE TABLE mine(a)");
    ck_assert_int_lt(sqlidx_desc.create(&x, "{}", doc_host(), err, sizeof err),
                     0);
    ck_assert_msg(strstr(err, "did not create") != NULL, "%s", err);
    remove_dir(dir);
}
END_TEST

START_TEST(bad_config_is_refused)
{
    char *dir = make_state_dir();
    char err[1024] = "";
    void *x = NULL;
    ck_assert_int_lt(sqlidx_desc.create(&x, "{\"lingr_ms\": 5}", doc_host(),
                                        err, sizeof err), 0);
    ck_assert_msg(strstr(err, "unknown key \"lingr_ms\"") != NULL, "%s", err);
    ck_assert_int_lt(sqlidx_desc.create(&x, "{\"linger_ms\": -1}", doc_host(),
                                        err, sizeof err), 0);
    ck_assert_msg(strstr(err, "linger_ms") != NULL, "%s", err);
    ck_assert_int_lt(sqlidx_desc.create(&x, "{\"synchronous\": \"off\"}",
                                        doc_host(), err, sizeof err), 0);
    ck_assert_int_lt(sqlidx_desc.create(&x, "[1,2", doc_host(), err,
                                        sizeof err), 0);
    doc_host_set_state_dir(NULL);
    ck_assert_int_lt(sqlidx_desc.create(&x, "{}", doc_host(), err, sizeof err),
                     0);
    ck_assert_msg(strstr(err, "no state directory") != NULL, "%s", err);
    remove_dir(dir);
}
END_TEST

/* Disk full, simulated with a page limit: the document is reported RETRY
 * with the reason, nothing half-written stays, and after space comes back
 * the retry stores everything. */
START_TEST(disk_full_is_retry)
{
    char *dir = make_state_dir();
    void *x;
    const inboxd_host *h = doc_host();
    inboxd_doc *docs[60];
    int stored = 0, retried = -1;
    sqlite3 *db;
    long long pages;
    char *big = malloc(6000);
    ck_assert_ptr_nonnull(big);
    setenv("INBOXD_SQLITE_MAX_PAGE_COUNT", "0", 1);
    x = open_index(NULL);
    db = ro(dir);
    pages = q_int(db, "PRAGMA page_count");
    sqlite3_close(db);
    ck_assert_int_eq(sqlidx_set_max_pages(x, pages + 12), pages + 12);
    for (int i = 0; i < 60; i++) {
        int n = 0;
        for (int w = 0; n < 5900; w++)
            n += snprintf(big + n, 6000 - (size_t)n, "w%dx%d ", i, w);
        docs[i] = make_doc("big.txt", big, "en", NULL, i);
        add_entity(docs[i], "MISC", "w", NULL, NULL, NULL);
    }
    for (int i = 0; i < 60; i++) {
        int st = sqlidx_desc.process(x, docs[i]);
        if (st == INBOXD_OK) {
            stored++;
            continue;
        }
        ck_assert_int_eq(st, INBOXD_RETRY);
        ck_assert_msg(docs[i]->error && strstr(docs[i]->error, "full"),
                      "error: %s", docs[i]->error ? docs[i]->error : "-");
        ck_assert_int_eq(sqlidx_desc.contains(x, h->doc_id(docs[i])), 0);
        retried = i;
        break;
    }
    ck_assert_int_ge(retried, 1);
    ck_assert_int_eq(stored, retried);
    /* space comes back; the daemon retries the document and goes on */
    ck_assert_int_gt(sqlidx_set_max_pages(x, 1000000), 0);
    for (int i = retried; i < 60; i++)
        ck_assert_int_eq(sqlidx_desc.process(x, docs[i]), INBOXD_OK);
    for (int i = 0; i < 60; i++) {
        ck_assert_int_eq(sqlidx_desc.contains(x, h->doc_id(docs[i])), 1);
        doc_free(docs[i]);
    }
    sqlidx_desc.destroy(x);
    db = ro(dir);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM documents"), 60);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM doc_text"), 60);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM mentions"), 60);
    ck_assert_int_eq(q_int(db, "SELECT docs FROM entities"), 60);
    ck_assert_int_eq(q_int(db, "SELECT count(*) FROM fts WHERE fts MATCH "
                               "'w59x3'"), 1);
    sqlite3_close(db);
    free(big);
    remove_dir(dir);
}
END_TEST

/* The fault-injection variable alone (as the daemon's end-to-end tests
 * use it) makes writes fail with RETRY. */
START_TEST(disk_full_from_environment)
{
    char *dir = make_state_dir();
    void *x;
    inboxd_doc *d;
    sqlite3 *db;
    char num[32];
    long long pages;
    x = open_index(NULL);
    sqlidx_desc.destroy(x);
    db = ro(dir);
    pages = q_int(db, "PRAGMA page_count");
    sqlite3_close(db);
    snprintf(num, sizeof num, "%lld", pages);
    setenv("INBOXD_SQLITE_MAX_PAGE_COUNT", num, 1);
    x = open_index(NULL);
    {
        char *big = malloc(64000);
        int n = 0;
        ck_assert_ptr_nonnull(big);
        for (int w = 0; n < 63000; w++)
            n += snprintf(big + n, 64000 - (size_t)n, "word%d ", w);
        d = make_doc("a.txt", big, "en", NULL, 1);
        free(big);
    }
    ck_assert_int_eq(sqlidx_desc.process(x, d), INBOXD_RETRY);
    ck_assert_ptr_nonnull(strstr(d->error, "disk full"));
    sqlidx_desc.destroy(x);
    unsetenv("INBOXD_SQLITE_MAX_PAGE_COUNT");
    x = open_index(NULL);
    ck_assert_int_eq(sqlidx_desc.process(x, d), INBOXD_OK);
    sqlidx_desc.destroy(x);
    doc_free(d);
    remove_dir(dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sqlite_store");
    TCase *tc = tcase_create("store");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, creates_schema_and_stores);
    tcase_add_test(tc, duplicate_is_idempotent);
    tcase_add_test(tc, entities_aliases_attributes);
    tcase_add_test(tc, entity_strings_round_trip);
    tcase_add_test(tc, reprocess_replaces_in_place);
    tcase_add_test(tc, odd_documents);
    tcase_add_test(tc, forgotten_entities_are_stored_again);
    tcase_add_test(tc, metadata_of_odd_types);
    tcase_add_test(tc, clean_marker_and_integrity_check);
    tcase_add_test(tc, corrupt_database_is_refused);
    tcase_add_test(tc, not_a_database_is_refused);
    tcase_add_test(tc, newer_schema_is_refused);
    tcase_add_test(tc, foreign_database_is_refused);
    tcase_add_test(tc, bad_config_is_refused);
    tcase_add_test(tc, disk_full_is_retry);
    tcase_add_test(tc, disk_full_from_environment);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(suite());
}
