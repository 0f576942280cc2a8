/* Searching the sample reports through the plugin's index: Arabic and
 * Greek words in bare and inflected forms, Latin without diacritics,
 * digits, phrases, prefixes, entity keys, languages, dates; the query
 * layer inboxctl uses (query.h). */
#include "helpers.h"

#include <ctype.h>
#include <sqlite3.h>

#include "qdate.h"
#include "query.h"
#include "schema.h"

#define BASE_MS 1700000000000LL
#define HOUR 3600000LL

struct sdoc_def {
    char name[32];
    char *text;
    const char *lang;
    int64_t received;
};

static struct sdoc_def defs[128];
static int n_defs;
static char *dir;
static sqlite3 *db;

static const char *const VI_TEXT =
    "Đồng chí Hoàng Trung Dũng, Bí thư Tỉnh ủy Hà Tĩnh, phát biểu tại hội "
    "nghị về công tác dân vận ở Việt Nam.";
/* Lines and sentences around two rare words and a rare phrase, far from
 * the start and the end (the snippet's window and its ellipses). */
static const char *const SNIP_TEXT =
    "Harbour log of the north quay.\n"
    "The boats went out before dawn and the nets were mended by the crews "
    "who stayed behind on the stones of the old pier, talking of the tide "
    "and the price of rope and the weather that was coming from the west.\n"
    "By noon a zephyrine wind rose over the blue heron marsh and the gulls "
    "left it. The harbourmaster wrote the time in the book and closed the "
    "shutters of the office, then walked along the wall to the lamp at the "
    "end of it and lit it early for the boats still out at sea.";
/* Ties: two rows whose every column ends on the query word (so the
 * bound of their score is exact) and score the same. */
static const char *const TIE_OLD = "plenty tallyho";
static const char *const TIE_NEW = "wealth tallyho";
/* Two words 10 tokens apart, 10 tokens into a long line: the window that
 * holds both beats the lead (which holds one). */
static const char *const LEAD_TEXT =
    "nn1 nn2 nn3 nn4 nn5 nn6 nn7 nn8 nn9 nn10 alphaword mm1 mm2 mm3 mm4 "
    "mm5 mm6 mm7 mm8 mm9 betaword kk1 kk2 kk3 kk4 kk5 kk6 kk7 kk8 kk9 kk10 "
    "kk11 kk12 kk13 kk14 kk15 kk16 kk17 kk18 kk19 kk20";
/* A quoted phrase longer than the snippet, far into a long line. */
static const char *const LONG_TEXT =
    "pp1 pp2 pp3 pp4 pp5 pp6 pp7 pp8 pp9 pp10 pp11 pp12 pp13 pp14 pp15 pp16 "
    "pp17 pp18 pp19 pp20 pp21 pp22 pp23 pp24 pp25 pp26 pp27 pp28 pp29 pp30 "
    "qa qb qc qd qe qf qg qh qi qj qk ql qm qn qo qp qq qr qs qt "
    "rr1 rr2 rr3 rr4 rr5 rr6 rr7 rr8 rr9 rr10 rr11 rr12 rr13 rr14 rr15 rr16 "
    "rr17 rr18 rr19 rr20 rr21 rr22 rr23 rr24 rr25 rr26 rr27 rr28 rr29 rr30";
static const char *const EN_TEXT =
    "The Central Mass Mobilization Commission met in Hanoi; Pham Tat Thang "
    "reported on the committee's work.";

static void add_def(const char *name, const char *text, size_t len,
                    const char *lang)
{
    struct sdoc_def *d = &defs[n_defs];
    ck_assert_int_lt(n_defs, 128);
    snprintf(d->name, sizeof d->name, "%s", name);
    d->text = strndup(text, len);
    d->lang = lang;
    d->received = BASE_MS + n_defs * HOUR;
    n_defs++;
}

/* Each non-empty line of a sample is one document named "NNN:L<line>". */
static void load_sample(const char *file, const char *prefix, const char *lang)
{
    char path[4096], *buf, *line, *save = NULL;
    int no = 0;
    snprintf(path, sizeof path, "%s/tests/fixtures/%s", top_dir(), file);
    buf = slurp(path, NULL);
    /* count lines by hand: strtok_r would skip empty ones */
    line = buf;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        no++;
        if (len >= 15) {
            char name[32];
            snprintf(name, sizeof name, "%s:L%d", prefix, no);
            add_def(name, line, len, lang);
        }
        line = nl ? nl + 1 : NULL;
    }
    (void)save;
    free(buf);
}

static inboxd_doc *build(int i)
{
    return make_doc(defs[i].name, defs[i].text, defs[i].lang, NULL,
                    defs[i].received);
}

static int def_index(const char *name)
{
    for (int i = 0; i < n_defs; i++)
        if (strcmp(defs[i].name, name) == 0)
            return i;
    ck_abort_msg("no document %s", name);
    return -1;
}

static void setup(void)
{
    void *x;
    char err[1024], *path;
    n_defs = 0;
    dir = make_state_dir();
    load_sample("000_a330e98d170c7b72.txt", "000", "ar");
    load_sample("001_9dbad9a477df04d3.txt", "001", "ar");
    load_sample("004_2a444d741088f182.txt", "004", "el");
    add_def("vi", VI_TEXT, strlen(VI_TEXT), "vi");
    add_def("en", EN_TEXT, strlen(EN_TEXT), "en");
    add_def("snip", SNIP_TEXT, strlen(SNIP_TEXT), "en");
    add_def("tie-old", TIE_OLD, strlen(TIE_OLD), "en");
    add_def("tie-new", TIE_NEW, strlen(TIE_NEW), "en");
    add_def("lead", LEAD_TEXT, strlen(LEAD_TEXT), "en");
    add_def("long", LONG_TEXT, strlen(LONG_TEXT), "en");
    x = open_index("{\"linger_ms\": 0}");
    for (int i = 0; i < n_defs; i++) {
        inboxd_doc *d = build(i);
        if (strcmp(defs[i].name, "001:L1") == 0 ||
            strcmp(defs[i].name, "001:L3") == 0)
            add_entity(d, "LOC", "ها تينه", "Hà Tĩnh", "loc:ha-tinh",
                       "{\"latin\":\"Ha Tinh\"}");
        if (strcmp(defs[i].name, "vi") == 0) {
            add_entity(d, "LOC", "Hà Tĩnh", "Hà Tĩnh", "loc:ha-tinh", NULL);
            add_entity(d, "PERSON", "Hoàng Trung Dũng", NULL,
                       "person:hoang-trung-dung", "{\"role\":\"secretary\"}");
        }
        if (strcmp(defs[i].name, "004:L1") == 0)
            add_entity(d, "PERSON", "Pham Tat Thang", NULL,
                       "person:pham-tat-thang", NULL);
        if (strcmp(defs[i].name, "en") == 0)
            add_entity(d, "PERSON", "Pham Tat Thang", NULL,
                       "person:pham-tat-thang", NULL);
        if (strcmp(defs[i].name, "000:L1") == 0)
            add_entity(d, "PERSON", "دو فيت آنه", "Đỗ Việt Anh",
                       "person:do-viet-anh", "{\"latin\":\"Do Viet Anh\"}");
        ck_assert_int_eq(sqlidx_desc.process(x, d), INBOXD_OK);
        doc_free(d);
    }
    sqlidx_desc.destroy(x);
    path = db_path(dir);
    ck_assert_msg(schema_open_reader(path, &db, err, sizeof err) == 0, "%s",
                  err);
    free(path);
}

static void teardown(void)
{
    sqlite3_close(db);
    db = NULL;
    for (int i = 0; i < n_defs; i++)
        free(defs[i].text);
    if (getenv("SQLIDX_TEST_KEEP")) { /* for trying inboxctl by hand */
        fprintf(stderr, "kept %s\n", dir);
        free(dir);
        return;
    }
    remove_dir(dir);
}

/* --- search helpers -------------------------------------------------------- */

struct hits {
    char names[128][32];
    int n;
};

static int collect(void *arg, const struct q_hit *h)
{
    struct hits *o = arg;
    if (o->n < 128)
        snprintf(o->names[o->n++], 32, "%s", h->name);
    return 0;
}

static int search_full(const struct q_search *q, struct hits *out)
{
    char err[1024] = "";
    int n;
    memset(out, 0, sizeof *out);
    n = q_search(db, q, collect, out, err, sizeof err);
    ck_assert_msg(n >= 0, "query '%s' failed: %s", q->query, err);
    return n;
}

static int search(const char *query, struct hits *out)
{
    struct q_search q = {.query = query, .since_ms = Q_NO_TIME, .limit = 200};
    return search_full(&q, out);
}

static int has(const struct hits *h, const char *name)
{
    for (int i = 0; i < h->n; i++)
        if (strcmp(h->names[i], name) == 0)
            return 1;
    return 0;
}

/* The text of a document contains the exact query word (to prove that a
 * match came through folding or stemming). */
static int text_has(const char *name, const char *word)
{
    return strstr(defs[def_index(name)].text, word) != NULL;
}

/* query -> documents that must match, "!" prefixed: must not */
struct pair {
    const char *query;
    const char *docs[8];
};

static const struct pair pairs[] = {
    /* Arabic: definite, conjunction, plural and feminine forms */
    {"المنظمات", {"000:L5", "001:L8", "001:L10", "001:L20", "001:L21", "!004:L1"}},
    {"منظمة", {"000:L5", "001:L8", "001:L10", "001:L21", "!000:L1"}},
    {"منظمات", {"001:L21", "001:L8", "000:L5"}},
    {"مؤتمر", {"000:L1", "000:L7", "000:L9", "001:L2", "001:L12", "001:L14"}},
    {"المؤتمرات", {"000:L1", "000:L9", "001:L2", "001:L14"}},
    {"حوار", {"001:L3", "001:L12", "001:L15", "001:L22", "!000:L1"}},
    {"الحوار", {"001:L3", "001:L12", "001:L15", "001:L22"}},
    {"ديمقراطية", {"001:L13", "001:L14", "001:L23", "!001:L1"}},
    {"لجنة", {"000:L1", "000:L8", "001:L7", "001:L12"}},
    {"الحكومة", {"001:L3", "001:L10", "001:L14", "!000:L1"}},
    {"سياسي", {"000:L3", "000:L5", "001:L1", "001:L9"}},
    {"الاستنتاج", {"000:L4", "000:L7", "001:L6", "001:L11"}},
    {"نموذج", {"000:L4", "001:L9", "!001:L1"}},
    {"٢٠٢٣", {"000:L1", "000:L3", "000:L7", "000:L8", "000:L9", "!001:L1"}},
    {"شعب", {"001:L3", "001:L10", "001:L11", "001:L12"}},
    {"الأمانة", {"000:L4", "001:L3", "!001:L1"}},
    {"مقاطعة", {"000:L7", "001:L3", "001:L8", "001:L12"}},
    {"\"ها تينه\"", {"001:L1", "001:L3", "001:L6", "!000:L1"}},
    {"اقتراحات", {"001:L12", "!001:L1"}},
    {"منظ*", {"000:L5", "001:L8", "001:L21"}},
    {"المنظ*", {"000:L5", "001:L8", "001:L21"}},
    /* Greek: case, accents, final sigma, inflection */
    {"Επιτροπή", {"004:L1", "004:L2", "004:L3", "004:L4", "004:L6", "004:L7", "004:L8", "!001:L1"}},
    {"ΕΠΙΤΡΟΠΗΣ", {"004:L1", "004:L2", "004:L3", "004:L4", "004:L6", "004:L8"}},
    {"επιτροπών", {"004:L1", "004:L7", "004:L8"}},
    {"κινητοποίηση", {"004:L1", "004:L2", "004:L7", "004:L8"}},
    {"Γραμματεία", {"004:L1", "004:L2", "004:L8"}},
    {"έγγραφο", {"004:L1", "004:L7", "!004:L3"}},
    {"καθήκοντα", {"004:L1", "004:L2", "004:L3", "004:L7"}},
    {"εθνοτικός", {"004:L4", "!004:L1"}},
    {"θρησκευτικός", {"004:L4", "!004:L1"}},
    {"συνέδριο", {"004:L7", "!004:L1"}},
    {"συντρόφου", {"004:L1", "004:L3", "004:L4", "004:L6", "004:L8"}},
    {"\"Πολιτικό Γραφείο\"", {"004:L1", "004:L2", "004:L6", "004:L8", "!004:L3"}},
    {"ολοκληρώσεις", {"004:L1", "004:L3", "004:L4"}},
    {"μαζικός", {"004:L1", "004:L7", "!000:L1"}},
    /* Latin scripts and mixed */
    {"Viet", {"vi", "!en"}},
    {"ha tinh", {"vi"}},
    {"DUNG", {"vi"}},
    {"pham thang", {"004:L1", "en"}},
    {"\"Luong Cuong\"", {"004:L3", "004:L4", "!004:L1"}},
    {"\"nhandan.vn\"", {"004:L10"}},
    {"committee", {"en", "!vi"}},
    {"Επιτροπή OR committee", {"en", "004:L1"}},
    {"Επιτροπή NOT Γραμματεία", {"004:L3", "!004:L1"}},
};

START_TEST(query_pairs)
{
    int checked = 0, inflected = 0;
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
        struct hits h;
        search(pairs[p].query, &h);
        for (int k = 0; k < 8 && pairs[p].docs[k]; k++) {
            const char *d = pairs[p].docs[k];
            if (d[0] == '!') {
                ck_assert_msg(!has(&h, d + 1), "'%s' must not find %s",
                              pairs[p].query, d + 1);
            } else {
                ck_assert_msg(has(&h, d), "'%s' must find %s (%d hits)",
                              pairs[p].query, d, h.n);
                if (!text_has(d, pairs[p].query))
                    inflected++;
            }
            checked++;
        }
    }
    ck_assert_int_ge(sizeof pairs / sizeof pairs[0], 30);
    /* most pairs are found through folding/stemming, not verbatim */
    ck_assert_int_ge(inflected, 60);
    ck_assert_int_ge(checked, 150);
}
END_TEST

struct snip {
    char s[4096];
};

static int snip_cb(void *arg, const struct q_hit *hit)
{
    struct snip *o = arg;
    if (!o->s[0])
        snprintf(o->s, sizeof o->s, "%s", hit->snippet);
    ck_assert(hit->score > 0);
    ck_assert_ptr_nonnull(hit->id);
    ck_assert_int_eq(strlen(hit->id), 64);
    return 0;
}

START_TEST(ranking_and_snippets)
{
    struct q_search q = {.query = "التعبئة", .since_ms = Q_NO_TIME,
                         .limit = 3, .hl_open = "<<", .hl_close = ">>"};
    char err[256];
    struct hits h;
    struct snip sn = {""};
    ck_assert_int_eq(search_full(&q, &h), 3);
    /* snippets carry the highlighted surface as written */
    q.query = "المنظمات";
    ck_assert_int_gt(q_search(db, &q, snip_cb, &sn, err, sizeof err), 0);
    ck_assert_msg(strstr(sn.s, "<<") && strstr(sn.s, "منظمات>>"),
                  "snippet: %s", sn.s);
    /* a title word weighs more than a body word */
    {
        struct q_search t = {.query = "Γραμματεία", .since_ms = Q_NO_TIME,
                             .limit = 10};
        ck_assert_int_ge(search_full(&t, &h), 3);
    }
}
END_TEST

/* The search's top k (rank.c: bm25 skipping rows that cannot make the
 * top k) is FTS5's own ORDER BY rank LIMIT k: the same scores, and the
 * same documents up to ties, for every kind of query and k. */
struct ranked_hits {
    char ids[64][65];
    double score[64];
    int n;
};

static int ranked_cb(void *arg, const struct q_hit *hit)
{
    struct ranked_hits *o = arg;
    ck_assert_int_lt(o->n, 64);
    snprintf(o->ids[o->n], 65, "%s", hit->id);
    o->score[o->n++] = hit->score;
    return 0;
}

static void same_as_bm25(const char *query, const char *lang, int k)
{
    struct q_search q = {.query = query, .lang = lang, .since_ms = Q_NO_TIME,
                         .limit = k};
    struct ranked_hits got = {0};
    char err[256] = "";
    sqlite3_stmt *st;
    int n = q_search(db, &q, ranked_cb, &got, err, sizeof err), i = 0;
    ck_assert_msg(n >= 0, "%s: %s", query, err);
    ck_assert_int_eq(sqlite3_prepare_v2(
                         db,
                         "SELECT d.id, -bm25(fts, 4.0, 1.0) FROM fts JOIN "
                         "documents d ON d.rowid = fts.rowid WHERE fts MATCH ?1"
                         " AND (?2 IS NULL OR d.lang = ?2) ORDER BY "
                         "bm25(fts, 4.0, 1.0) LIMIT ?3",
                         -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, query, -1, SQLITE_STATIC);
    if (lang)
        sqlite3_bind_text(st, 2, lang, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, k);
    {
        struct ranked_hits want = {0};
        while (sqlite3_step(st) == SQLITE_ROW) {
            ck_assert_int_lt(want.n, 64);
            snprintf(want.ids[want.n], 65, "%s", sqlite3_column_text(st, 0));
            want.score[want.n++] = sqlite3_column_double(st, 1);
        }
        sqlite3_finalize(st);
        ck_assert_msg(want.n == n, "%s (k %d): %d hits, bm25 %d", query, k, n,
                      want.n);
        for (i = 0; i < n; i++) {
            int j = 0;
            ck_assert_msg(got.score[i] == want.score[i],
                          "%s (k %d) hit %d: score %.17g, bm25 %.17g", query,
                          k, i, got.score[i], want.score[i]);
            /* the same document, or one of equal score (ties are in no
             * particular order, and the last ones may be cut by k) */
            while (j < n && strcmp(got.ids[i], want.ids[j]) != 0)
                j++;
            ck_assert_msg((j < n && want.score[j] == got.score[i]) ||
                              got.score[i] == want.score[n - 1],
                          "%s (k %d) hit %d: not among bm25's best", query, k,
                          i);
        }
    }
}

/* Equal scores: the newer document first, also when the bound of its
 * score is exact (every column ends on the query word). */
START_TEST(ties_put_the_newer_first)
{
    struct q_search q = {.query = "tallyho", .since_ms = Q_NO_TIME,
                         .limit = 1};
    struct hits h;
    ck_assert_int_eq(search_full(&q, &h), 1);
    ck_assert_str_eq(h.names[0], "tie-new");
    q.limit = 2;
    ck_assert_int_eq(search_full(&q, &h), 2);
    ck_assert_str_eq(h.names[0], "tie-new");
    ck_assert_str_eq(h.names[1], "tie-old");
}
END_TEST

START_TEST(ranking_is_bm25)
{
    static const char *const queries[] = {
        "التعبئة", "التعبئة الجماهيرية", "لجنة الحزب", "المنظمات",
        "Επιτροπή", "Κεντρική Επιτροπή", "\"Κεντρική Επιτροπή\"",
        "NEAR(Κεντρική Επιτροπή, 3)", "title:Επιτροπή", "Κεντρική OR Γραφείο",
        "Κεντρική NOT Γραφείο", "Κεντ*", "Viet", "2024", "xyzzy",
    };
    static const int ks[] = {1, 3, 10, 60};
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++)
        for (size_t j = 0; j < sizeof ks / sizeof *ks; j++)
            same_as_bm25(queries[i], NULL, ks[j]);
    same_as_bm25("Επιτροπή OR التعبئة", "el", 5);
    same_as_bm25("Επιτροπή OR التعبئة", "ar", 5);
}
END_TEST

static void snippet_of(const char *query, char *out, size_t len)
{
    struct q_search q = {.query = query, .since_ms = Q_NO_TIME, .limit = 1,
                         .hl_open = "<<", .hl_close = ">>"};
    struct snip sn = {""};
    char err[256];
    ck_assert_int_eq(q_search(db, &q, snip_cb, &sn, err, sizeof err), 1);
    snprintf(out, len, "%s", sn.s);
}

/* The snippet: the window around the query's words, on one line, with
 * ellipses where text was left out, a phrase highlighted as one. */
START_TEST(snippets)
{
    char s[4096];
    snippet_of("zephyrine", s, sizeof s);
    ck_assert_msg(strstr(s, "<<zephyrine>> wind") && !strchr(s, '\n'), "%s",
                  s);
    /* the window moved back to the start of its sentence */
    ck_assert_msg(strncmp(s, "…By noon a <<zephyrine>>",
                          strlen("…By noon a <<zephyrine>>")) == 0,
                  "%s", s);
    ck_assert_msg(strlen(s) > 4 && strcmp(s + strlen(s) - 3, "…") == 0, "%s", s);
    snippet_of("\"blue heron\" zephyrine", s, sizeof s);
    ck_assert_msg(
        strstr(s, "<<zephyrine>> wind rose over the <<blue heron>> marsh"),
        "%s", s);
    snippet_of("harbourmaster", s, sizeof s);
    ck_assert_msg(strstr(s, "<<harbourmaster>>") && strncmp(s, "…", 3) == 0,
                  "%s", s);
    /* a window reaching the end keeps the end of the text */
    snippet_of("sea", s, sizeof s);
    ck_assert_msg(strlen(s) > 11 &&
                      strcmp(s + strlen(s) - 11, "at <<sea>>.") == 0,
                  "%s", s);
    /* the window holding both words, not the lead holding one */
    snippet_of("alphaword betaword", s, sizeof s);
    ck_assert_msg(strstr(s, "<<alphaword>>") && strstr(s, "<<betaword>>"),
                  "%s", s);
    /* a phrase longer than the window: a window of it, not the column */
    snippet_of("\"qa qb qc qd qe qf qg qh qi qj qk ql qm qn qo qp qq qr qs qt\"",
               s, sizeof s);
    ck_assert_msg(strncmp(s, "…", 3) == 0 && strstr(s, "<<q") &&
                      strstr(s, ">>") && strlen(s) < strlen(LONG_TEXT) / 2,
                  "%s", s);
    /* the lead: a word of the first sentence shows the start of the text */
    snippet_of("quay", s, sizeof s);
    ck_assert_msg(strncmp(s, "Harbour log of the north <<quay>>.",
                          strlen("Harbour log of the north <<quay>>.")) == 0,
                  "%s", s);
}
END_TEST

START_TEST(malformed_queries)
{
    const char *bad[] = {"\"unterminated", "foo AND", "25-NQ/TW", "nocol:foo",
                         "AND", "(a OR", "NEAR(a b, x)", "* a", "NOT a"};
    char err[512];
    struct q_search q = {.since_ms = Q_NO_TIME, .limit = 5};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        q.query = bad[i];
        err[0] = '\0';
        ck_assert_msg(q_search(db, &q, NULL, NULL, err, sizeof err) == -EINVAL,
                      "'%s' accepted", bad[i]);
        ck_assert(err[0] != '\0');
    }
    q.query = "";
    ck_assert_int_eq(q_search(db, &q, NULL, NULL, err, sizeof err), -EINVAL);
    /* quoted, the same words work */
    q.query = "\"25-NQ/TW\"";
    ck_assert_int_ge(q_search(db, &q, NULL, NULL, err, sizeof err), 3);
}
END_TEST

START_TEST(filters_lang_since_entity)
{
    struct q_search q = {.query = "2024", .since_ms = Q_NO_TIME, .limit = 100};
    struct hits h;
    int expect = 0, n;
    q.lang = "el";
    ck_assert_int_eq(search_full(&q, &h), 1);
    ck_assert(has(&h, "004:L2"));
    q.lang = "ar";
    ck_assert_int_eq(search_full(&q, &h), 0);

    /* --since: only documents received at or after the time */
    q.lang = NULL;
    q.query = "التعبئة";
    q.since_ms = defs[def_index("001:L5")].received;
    n = search_full(&q, &h);
    for (int i = 0; i < n_defs; i++)
        if (defs[i].received >= q.since_ms && strstr(defs[i].text, "التعبئة"))
            expect++;
    ck_assert_int_gt(expect, 3);
    ck_assert_int_eq(n, expect);
    ck_assert(!has(&h, "000:L1"));
    ck_assert(!has(&h, "001:L3"));
    for (int i = 0; i < h.n; i++)
        ck_assert_int_ge(defs[def_index(h.names[i])].received, q.since_ms);

    /* --type/--entity: documents that mention the entity */
    q.since_ms = Q_NO_TIME;
    q.query = "تنفيذ";
    q.entity = "loc:ha-tinh";
    n = search_full(&q, &h);
    ck_assert_int_eq(n, 2);
    ck_assert(has(&h, "001:L1") && has(&h, "001:L3"));
    q.entity = "LOC:HÀ-TĨNH"; /* folded key */
    ck_assert_int_eq(search_full(&q, &h), 2);
    q.type = "PERSON";
    ck_assert_int_eq(search_full(&q, &h), 0);
    q.type = "LOC";
    ck_assert_int_eq(search_full(&q, &h), 2);
    q.entity = NULL;
    q.type = "PERSON";
    q.query = "Επιτροπή OR committee";
    n = search_full(&q, &h);
    ck_assert_int_eq(n, 2);
    ck_assert(has(&h, "004:L1") && has(&h, "en"));
}
END_TEST

START_TEST(entity_queries)
{
    json_t *a = q_entity(db, "loc:ha-tinh", NULL), *e, *docs;
    char *s;
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(json_array_size(a), 1);
    e = json_array_get(a, 0);
    ck_assert_str_eq(json_string_value(json_object_get(e, "type")), "LOC");
    ck_assert_int_eq(json_integer_value(json_object_get(e, "docs")), 3);
    docs = json_object_get(e, "documents");
    ck_assert_int_eq(json_array_size(docs), 3);
    s = json_dumps(e, JSON_COMPACT);
    ck_assert_msg(strstr(s, "\"surface\":\"ها تينه\",\"count\":1") &&
                      strstr(s, "\"surface\":\"Hà Tĩnh\""),
                  "%s", s);
    free(s);
    json_decref(a);

    /* the key through the same folding: case and diacritics */
    a = q_entity(db, "Loc:Hà-Tĩnh", NULL);
    ck_assert_int_eq(json_array_size(a), 1);
    json_decref(a);
    a = q_entity(db, "person:do-viet-anh", "PERSON");
    ck_assert_int_eq(json_array_size(a), 1);
    json_decref(a);
    a = q_entity(db, "person:do-viet-anh", "LOC");
    ck_assert_int_eq(json_array_size(a), 0);
    json_decref(a);
    a = q_entity(db, "no-such-key", NULL);
    ck_assert_int_eq(json_array_size(a), 0);
    json_decref(a);
    a = q_entity(db, "", NULL);
    ck_assert_int_eq(json_array_size(a), 0);
    json_decref(a);

    /* the list, by document count */
    a = q_entities(db, NULL, 0);
    ck_assert_int_eq(json_array_size(a), 4);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(a, 0),
                                                       "key")),
                     "loc:ha-tinh");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(a, 1),
                                                       "key")),
                     "person:pham-tat-thang");
    json_decref(a);
    a = q_entities(db, "PERSON", 1);
    ck_assert_int_eq(json_array_size(a), 1);
    json_decref(a);
}
END_TEST

START_TEST(documents_by_id)
{
    char err[512], id[65];
    int64_t rowid;
    json_t *d;
    const char *t;
    {
        inboxd_doc *first = build(0);
        snprintf(id, sizeof id, "%s", doc_host()->doc_id(first));
        doc_free(first);
    }
    ck_assert_int_eq(q_resolve_id(db, id, &rowid, err, sizeof err), 0);
    d = q_document(db, rowid, 1);
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(json_string_value(json_object_get(d, "name")), "000:L1");
    t = json_string_value(json_object_get(d, "text"));
    ck_assert_str_eq(t, defs[0].text);
    ck_assert_int_eq(json_array_size(json_object_get(d, "entities")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(d, "received")),
                     "2023-11-14T22:13:20.000Z");
    json_decref(d);
    /* a unique prefix, upper case too */
    id[10] = '\0';
    for (char *p = id; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    ck_assert_int_eq(q_resolve_id(db, id, &rowid, err, sizeof err), 0);
    /* one hex digit matches several of the 50-odd documents (pigeonhole) */
    {
        int count[16] = {0}, best = 0;
        char one[2] = "0";
        for (int i = 0; i < n_defs; i++) {
            inboxd_doc *d = build(i);
            const char *h = doc_host()->doc_id(d);
            int v = isdigit((unsigned char)h[0]) ? h[0] - '0' : h[0] - 'a' + 10;
            if (++count[v] > count[best])
                best = v;
            doc_free(d);
        }
        ck_assert_int_ge(count[best], 2);
        one[0] = "0123456789abcdef"[best];
        ck_assert_int_eq(q_resolve_id(db, one, &rowid, err, sizeof err),
                         -EEXIST);
    }
    ck_assert_ptr_nonnull(strstr(err, "several"));
    ck_assert_int_eq(q_resolve_id(db, "0000000000000000", &rowid, err,
                                  sizeof err), -ENOENT);
    ck_assert_ptr_nonnull(strstr(err, "no document"));
    ck_assert_int_eq(q_resolve_id(db, "xyz", &rowid, err, sizeof err), -EINVAL);
    ck_assert_int_eq(q_resolve_id(db, "", &rowid, err, sizeof err), -EINVAL);
}
END_TEST

static int count_cb(void *arg, json_t *doc)
{
    int *n = arg;
    ck_assert_ptr_nonnull(json_object_get(doc, "entities"));
    ck_assert_ptr_nonnull(json_object_get(doc, "text"));
    (*n)++;
    return 0;
}

START_TEST(export_all_and_since)
{
    int n = 0;
    ck_assert_int_eq(q_export(db, Q_NO_TIME, count_cb, &n), n_defs);
    ck_assert_int_eq(n, n_defs);
    n = 0;
    ck_assert_int_eq(q_export(db, defs[n_defs - 3].received, count_cb, &n), 3);
}
END_TEST

START_TEST(dates)
{
    int64_t t;
    ck_assert_int_eq(q_parse_time("2024-06-30", 0, &t), 0);
    ck_assert_int_eq(t, 1719705600000LL);
    ck_assert_int_eq(q_parse_time("2024-06-30T08:15Z", 0, &t), 0);
    ck_assert_int_eq(t, 1719705600000LL + 8 * HOUR + 15 * 60000);
    ck_assert_int_eq(q_parse_time("2024-06-30 08:15:30.25+03:00", 0, &t), 0);
    ck_assert_int_eq(t, 1719705600000LL + 5 * HOUR + 15 * 60000 + 30250);
    ck_assert_int_eq(q_parse_time("2024-02-29", 0, &t), 0);
    ck_assert_int_eq(q_parse_time("7d", 10 * 86400000LL, &t), 0);
    ck_assert_int_eq(t, 3 * 86400000LL);
    ck_assert_int_eq(q_parse_time("2h", 10 * HOUR, &t), 0);
    ck_assert_int_eq(t, 8 * HOUR);
    ck_assert_int_eq(q_parse_time("now", 42, &t), 0);
    ck_assert_int_eq(t, 42);
    const char *bad[] = {"", "2023-02-29", "2024-13-01", "2024-06-31",
                         "yesterday", "7x", "2024-06-30T25:00", "2024-6-30",
                         "2024-06-30T08:15Q", "-5d", "2024-06-30garbage"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(q_parse_time(bad[i], 0, &t) == -EINVAL, "accepted %s",
                      bad[i]);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sqlite_search");
    TCase *tc = tcase_create("search");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, query_pairs);
    tcase_add_test(tc, ranking_and_snippets);
    tcase_add_test(tc, ranking_is_bm25);
    tcase_add_test(tc, ties_put_the_newer_first);
    tcase_add_test(tc, snippets);
    tcase_add_test(tc, malformed_queries);
    tcase_add_test(tc, filters_lang_since_entity);
    tcase_add_test(tc, entity_queries);
    tcase_add_test(tc, documents_by_id);
    tcase_add_test(tc, export_all_and_since);
    suite_add_tcase(s, tc);
    tc = tcase_create("dates");
    tcase_add_test(tc, dates);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(suite());
}
