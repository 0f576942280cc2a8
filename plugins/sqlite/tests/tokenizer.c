/* The inboxd tokenizer on real Arabic, Greek, Latin and CJK words; byte
 * offsets; query and prefix modes; hostile input; FTS5 integration;
 * threads. */
#include "helpers.h"

#include <check.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer.h"
#include "tokrec.h"
#include "utf8.h"

struct terms {
    char buf[8192];  /* "t1|t2|+alt|..." */
    size_t starts[512], ends[512];
    int n;
};

static int collect(void *arg, int colocated, const char *term, size_t n,
                   size_t start, size_t end)
{
    struct terms *t = arg;
    size_t used = strlen(t->buf);
    ck_assert_int_lt(used + n + 3, sizeof t->buf);
    if (used)
        t->buf[used++] = '|';
    if (colocated)
        t->buf[used++] = '+';
    memcpy(t->buf + used, term, n);
    t->buf[used + n] = '\0';
    if (t->n < 512) {
        t->starts[t->n] = start;
        t->ends[t->n] = end;
    }
    t->n++;
    return 0;
}

static const char *terms_of(const char *text, int flags, struct terms *t)
{
    struct tok *k = tok_pool_get();
    ck_assert_ptr_nonnull(k);
    memset(t, 0, sizeof *t);
    ck_assert_int_eq(tok_run(k, text, strlen(text), flags, collect, t), 0);
    tok_pool_put(k);
    return t->buf;
}

#define TERMS(text, flags, want)                                              \
    do {                                                                      \
        struct terms t_;                                                      \
        ck_assert_str_eq(terms_of(text, flags, &t_), want);                   \
    } while (0)

START_TEST(arabic_words)
{
    /* the issue's example: المنظمات finds والمنظمات and منظمة */
    TERMS("المنظمات", TOK_QUERY, "منظم");
    TERMS("والمنظمات", 0, "منظم");
    TERMS("منظمة", 0, "منظم");
    TERMS("ومنظماتها", 0, "منظم");
    /* alef forms, teh marbuta, alef maksura */
    TERMS("أكتوبر إبلاغ أنه", 0, "اكتوبر|ابلاغ|ان"); /* Lucene: ه off */
    TERMS("على علي", 0, "عل|عل");
    TERMS("الجماهيرية الجماهيري الجماهير", 0, "جماهير|جماهير|جماهير");
    /* harakat, tatweel, superscript alef */
    TERMS("مُؤْتَمَرٌ مـؤتـمـر مؤتمرا المؤتمر", 0, "مؤتمر|مؤتمر|مؤتمر|مؤتمر");
    /* hamza on waw/yeh is kept (Lucene keeps it) */
    TERMS("مسؤول", 0, "مسؤول");
    /* presentation forms (old encodings) fold to letters */
    TERMS("ﻣﺆﺗﻤﺮ", 0, "مؤتمر");
    /* digits: Arabic-Indic, Persian, ASCII */
    TERMS("٢٠٢٣ ۲۰۲۳ 2023", 0, "2023|2023|2023");
    /* لل: ل+ال, with the one-lam reading kept as an alternative */
    TERMS("للجنة", 0, "جن|+لجن");
    TERMS("لجنة", 0, "لجن");
    TERMS("للجنة", TOK_QUERY, "جن");
    TERMS("للمؤتمر", 0, "مؤتمر|+لمؤتمر");
    /* single-letter proclitics only on longer words */
    TERMS("بالمنظمات", 0, "منظم");
    TERMS("كتاب", 0, "كتاب");
    TERMS("وثيقة", 0, "ثيق");
    /* short words are left alone */
    TERMS("من في عن", 0, "من|في|عن");
    /* prefix queries: proclitics off, word end kept */
    TERMS("المنظ", TOK_QUERY | TOK_PREFIX, "منظ");
    TERMS("المنظمات", TOK_QUERY | TOK_PREFIX, "منظمات");
}
END_TEST

START_TEST(greek_words)
{
    /* Επιτροπή finds ΕΠΙΤΡΟΠΗΣ */
    TERMS("Επιτροπή ΕΠΙΤΡΟΠΗΣ Επιτροπής Επιτροπές Επιτροπών", 0,
          "επιτροπ|επιτροπ|επιτροπ|επιτροπ|επιτροπ");
    TERMS("Γραφείο Γραφείου Γραφεία", 0, "γραφε|γραφε|γραφε");
    TERMS("Γραμματεία Γραμματείας", 0, "γραμματε|γραμματε");
    TERMS("κινητοποίηση Κινητοποίησης κινητοποιήσεις κινητοποιήσεων", 0,
          "κινητοποιησ|κινητοποιησ|κινητοποιησ|κινητοποιησ");
    TERMS("Κόμματος κόμμα κόμματα", 0, "κομμ|κομμ|κομμ");
    TERMS("πολιτικός πολιτική πολιτικό πολιτικών πολιτικές", 0,
          "πολιτικ|πολιτικ|πολιτικ|πολιτικ|πολιτικ");
    TERMS("υποβλήθηκαν υποβλήθηκε", 0, "υποβλη|υποβλη");
    /* accents, dialytika and final sigma */
    TERMS("ΟΔΟΣ οδός Οδός", 0, "οδ|οδ|οδ");
    TERMS("προϋπόθεση ΠΡΟΫΠΟΘΕΣΗ", 0, "προυποθεσ|προυποθεσ");
    /* articles stay short words */
    TERMS("της των του", 0, "τησ|των|το");
    TERMS("Επιτροπή", TOK_QUERY | TOK_PREFIX, "επιτροπη");
}
END_TEST

START_TEST(latin_and_others)
{
    /* Việt matches Viet */
    TERMS("Việt Nam VIỆT viet", 0, "viet|nam|viet|viet");
    TERMS("Đồng Hà Tĩnh Dũng", 0, "dong|ha|tinh|dung");
    TERMS("naïve café Ærø Łódź straße İstanbul", 0,
          "naive|cafe|aero|lodz|strasse|istanbul");
    /* compatibility forms */
    TERMS("ＡＢＣ ﬁle", 0, "abc|file");
    /* apostrophes split, typographic or not */
    TERMS("committee's don’t l'homme", 0, "committee|s|don|t|l|homme");
    /* numbers stay whole, punctuation splits */
    TERMS("3.5 25-NQ/TW nhandan.vn", 0, "3.5|25|nq|tw|nhandan.vn");
    /* soft hyphens and bidi marks vanish inside words */
    TERMS("co\xc2\xadmmittee \xe2\x80\x8fVi\xc3\xaa\xcc\xa3t", 0,
          "committee|viet");
    /* Cyrillic folds too */
    TERMS("Ёлка ёлка", 0, "елка|елка");
    /* no words at all */
    TERMS("!!! — … ***", 0, "");
    TERMS("", 0, "");
}
END_TEST

START_TEST(cjk_segmentation)
{
    struct terms t;
    const char *s = "中华人民共和国成立了 東京都に住んでいます";
    terms_of(s, 0, &t);
    /* dictionary segmentation: words, not one run, not single characters */
    ck_assert_int_ge(t.n, 6);
    ck_assert_int_lt(t.n, 20);
    ck_assert_msg(strstr(t.buf, "人民") || strstr(t.buf, "共和国"), "%s",
                  t.buf);
    /* offsets are on character boundaries and cover the words */
    for (int i = 0; i < t.n; i++) {
        ck_assert(t.starts[i] < t.ends[i]);
        ck_assert(t.ends[i] <= strlen(s));
        ck_assert(((unsigned char)s[t.starts[i]] & 0xC0) != 0x80);
    }
}
END_TEST

START_TEST(byte_offsets)
{
    const char *s = "  Η Επιτροπή, والمنظمات; Việt-Nam 😀 end";
    struct terms t;
    terms_of(s, 0, &t);
    ck_assert_int_eq(t.n, 6);
    ck_assert_int_eq(strncmp(s + t.starts[0], "Η", t.ends[0] - t.starts[0]), 0);
    ck_assert_int_eq(strncmp(s + t.starts[1], "Επιτροπή",
                             t.ends[1] - t.starts[1]), 0);
    ck_assert_int_eq(t.ends[1] - t.starts[1], strlen("Επιτροπή"));
    ck_assert_int_eq(strncmp(s + t.starts[2], "والمنظمات",
                             t.ends[2] - t.starts[2]), 0);
    ck_assert_int_eq(t.ends[2] - t.starts[2], strlen("والمنظمات"));
    ck_assert_int_eq(strncmp(s + t.starts[3], "Việt", 6), 0);
    ck_assert_int_eq(t.ends[5], strlen(s));
    ck_assert_int_eq(t.starts[5], strlen(s) - 3);
}
END_TEST

START_TEST(hostile_input)
{
    struct tok *k;
    struct terms t;
    size_t big = 4u << 20;
    char *s = malloc(big + 1);
    unsigned seed = 12345;
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(tok_new(&k), 0);
    /* invalid UTF-8 reads as U+FFFD; offsets stay inside the text */
    memset(&t, 0, sizeof t);
    ck_assert_int_eq(tok_run(k, "ab\xff\xfe" "cd \xc3 \xe2\x82 ok", 15, 0,
                             collect, &t), 0);
    ck_assert_msg(strstr(t.buf, "ok") != NULL, "%s", t.buf);
    /* random bytes, many times */
    for (int round = 0; round < 300; round++) {
        size_t n = (size_t)(rand_r(&seed) % 600);
        for (size_t i = 0; i < n; i++)
            s[i] = (char)(rand_r(&seed) & 0xFF);
        memset(&t, 0, sizeof t);
        t.buf[0] = '\0';
        ck_assert_int_eq(tok_run(k, s, n, round % 4 == 0 ? TOK_QUERY : 0,
                                 collect, &t), 0);
        for (int i = 0; i < t.n && i < 512; i++)
            ck_assert(t.starts[i] < t.ends[i] && t.ends[i] <= n);
    }
    /* one 4 MiB "word", and 4 MiB of Arabic letters without spaces */
    memset(s, 'a', big);
    memset(&t, 0, sizeof t);
    ck_assert_int_eq(tok_run(k, s, big, 0, collect, &t), 0);
    ck_assert_int_eq(t.n, 1);
    ck_assert_int_eq(strlen(t.buf), TOK_MAX_CP);
    for (size_t i = 0; i + 1 < big; i += 2) {
        s[i] = (char)0xD9;
        s[i + 1] = (char)0x85; /* م */
    }
    memset(&t, 0, sizeof t);
    ck_assert_int_eq(tok_run(k, s, big, 0, collect, &t), 0);
    ck_assert_int_eq(t.n, 1);
    tok_free(k);
    free(s);
}
END_TEST

static int stop_at_two(void *arg, int colocated, const char *term, size_t n,
                       size_t start, size_t end)
{
    int *count = arg;
    (void)colocated; (void)term; (void)n; (void)start; (void)end;
    return ++*count == 2 ? 99 : 0;
}

START_TEST(callback_stops_the_run)
{
    struct tok *k;
    int count = 0;
    ck_assert_int_eq(tok_new(&k), 0);
    ck_assert_int_eq(tok_run(k, "one two three four", 18, 0, stop_at_two,
                             &count), 99);
    ck_assert_int_eq(count, 2);
    tok_free(k);
}
END_TEST

START_TEST(normalize_keys)
{
    char *a = tok_normalize("Loc:Hà-Tĩnh", strlen("Loc:Hà-Tĩnh"), 0);
    char *b = tok_normalize("loc:ha tinh", 11, 0);
    char *c = tok_normalize("والمنظمات ΕΠΙΤΡΟΠΗΣ", strlen("والمنظمات ΕΠΙΤΡΟΠΗΣ"), 1);
    ck_assert_str_eq(a, "loc ha tinh");
    ck_assert_str_eq(a, b);
    ck_assert_str_eq(c, "منظم επιτροπ");
    free(a);
    free(b);
    free(c);
    a = tok_normalize("...", 3, 0);
    ck_assert_str_eq(a, "");
    free(a);
}
END_TEST

static long long count_match(sqlite3 *db, const char *q)
{
    sqlite3_stmt *st;
    long long n = -1;
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE t "
                                            "MATCH ?1", -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

START_TEST(fts5_integration)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    ck_assert_int_eq(tok_register(db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db,
                                  "CREATE VIRTUAL TABLE t USING fts5(x, "
                                  "tokenize='inboxd');"
                                  "INSERT INTO t VALUES('عقدت لجنة التعبئة "
                                  "مؤتمرا مع والمنظمات');"
                                  "INSERT INTO t VALUES('ΕΠΙΤΡΟΠΗΣ ΤΟΥ "
                                  "ΚΟΜΜΑΤΟΣ');"
                                  "INSERT INTO t VALUES('Hội nghị ở Việt Nam "
                                  "للجنة');",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(count_match(db, "المنظمات"), 1);
    ck_assert_int_eq(count_match(db, "منظمة"), 1);
    ck_assert_int_eq(count_match(db, "المؤتمر"), 1);
    ck_assert_int_eq(count_match(db, "Επιτροπή"), 1);
    ck_assert_int_eq(count_match(db, "\"επιτροπή του κόμματος\""), 1);
    ck_assert_int_eq(count_match(db, "viet"), 1);
    ck_assert_int_eq(count_match(db, "hoi nghi"), 1);
    /* لجنة finds both لجنة and للجنة (the colocated reading) */
    ck_assert_int_eq(count_match(db, "لجنة"), 2);
    ck_assert_int_eq(count_match(db, "منظ*"), 1);
    ck_assert_int_eq(count_match(db, "nothing"), 0);
    /* highlight uses the original text */
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT highlight(t, 0, '[', ']')"
                                            " FROM t WHERE t MATCH 'κόμμα'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(st, 0),
                     "ΕΠΙΤΡΟΠΗΣ ΤΟΥ [ΚΟΜΜΑΤΟΣ]");
    sqlite3_finalize(st);
    /* the SQL function */
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT inboxd_fold('Ἀθῆναι "
                                            "ΑΘΗΝΑ')", -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(st, 0),
                     "αθηναι αθηνα");
    sqlite3_finalize(st);
    sqlite3_close(db);
}
END_TEST

static void *thread_main(void *arg)
{
    const char *text = arg;
    char *first = NULL;
    for (int i = 0; i < 200; i++) {
        char *r = tok_normalize(text, strlen(text), 1);
        ck_assert_ptr_nonnull(r);
        if (!first)
            first = r;
        else {
            ck_assert_str_eq(r, first);
            free(r);
        }
    }
    return first;
}

/* Every instance (term, column, offset) of an FTS5 table, one string. */
static char *instances(sqlite3 *db, const char *table)
{
    char sql[160], *out = NULL;
    sqlite3_stmt *st;
    snprintf(sql, sizeof sql, "SELECT group_concat(term || '@' || offset,"
             " ' ') FROM (SELECT * FROM %s ORDER BY term, doc, col, offset)",
             table);
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    ck_assert_ptr_nonnull(out);
    return out;
}

static void insert(sqlite3 *db, const char *table, const char *text)
{
    char sql[96];
    sqlite3_stmt *st;
    snprintf(sql, sizeof sql, "INSERT INTO %s(b) VALUES(?1)", table);
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
}

/* A recorded tokenization replays exactly what the tokenizer gives (the
 * colocated alternative stems too), only for the same text, and only on
 * the thread that set it. */
START_TEST(recorded_tokenization_replays)
{
    static const char text[] = "والمنظمات للمؤتمر Η ΕΠΙΤΡΟΠΗΣ committee's "
                               "report 2024";
    static const char other[] = "والمنظمات للمؤتمر Η ΕΠΙΤΡΟΠΗΣ committee's "
                                "report 2025";
    struct tokrec rec = {0};
    const struct tokrec *recs[1] = {&rec};
    sqlite3 *db;
    char *a, *b, *c;
    ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    ck_assert_int_eq(tok_register(db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db,
        "CREATE VIRTUAL TABLE ta USING fts5(b, tokenize='inboxd');"
        "CREATE VIRTUAL TABLE tb USING fts5(b, tokenize='inboxd');"
        "CREATE VIRTUAL TABLE tc USING fts5(b, tokenize='inboxd');"
        "CREATE VIRTUAL TABLE va USING fts5vocab(ta, instance);"
        "CREATE VIRTUAL TABLE vb USING fts5vocab(tb, instance);"
        "CREATE VIRTUAL TABLE vc USING fts5vocab(tc, instance);",
        NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(tokrec_record(&rec, text, strlen(text)), 0);
    ck_assert_int_gt(rec.n, 8);
    insert(db, "ta", text); /* tokenized */
    tokrec_replay_set(recs, 1);
    insert(db, "tb", text); /* replayed */
    tokrec_replay_set(NULL, 0);
    a = instances(db, "va");
    b = instances(db, "vb");
    ck_assert_str_eq(a, b);
    ck_assert_ptr_nonnull(strstr(a, "منظم")); /* a stem */
    free(b);
    /* proof that b was replayed: a doctored recording shows through */
    rec.terms[rec.v[0].off] = 'Z';
    tokrec_replay_set(recs, 1);
    insert(db, "tc", text);
    insert(db, "tc", other); /* not recorded: tokenized */
    tokrec_replay_set(NULL, 0);
    c = instances(db, "vc");
    ck_assert_msg(strstr(c, "Z") != NULL, "%s", c);
    ck_assert_ptr_nonnull(strstr(c, "2025@"));
    free(a);
    free(c);
    /* too long or empty: not recorded */
    ck_assert_int_eq(tokrec_record(&rec, "", 0), 1);
    ck_assert_int_eq(rec.used, 0);
    tokrec_free(&rec);
    sqlite3_close(db);
    tok_pool_drain();
}
END_TEST

START_TEST(threads_share_nothing)
{
    pthread_t th[6];
    const char *text = "والمنظمات ΕΠΙΤΡΟΠΗΣ Việt 中华人民共和国 ٢٠٢٣ للجنة";
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, thread_main,
                                        (void *)text), 0);
    for (int i = 0; i < 6; i++) {
        void *r;
        pthread_join(th[i], &r);
        ck_assert_ptr_nonnull(strstr(r, "منظم επιτροπ viet"));
        free(r);
    }
    tok_pool_drain();
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sqlite_tokenizer");
    TCase *tc = tcase_create("tokenizer");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, arabic_words);
    tcase_add_test(tc, greek_words);
    tcase_add_test(tc, latin_and_others);
    tcase_add_test(tc, cjk_segmentation);
    tcase_add_test(tc, byte_offsets);
    tcase_add_test(tc, hostile_input);
    tcase_add_test(tc, callback_stops_the_run);
    tcase_add_test(tc, normalize_keys);
    tcase_add_test(tc, fts5_integration);
    tcase_add_test(tc, threads_share_nothing);
    tcase_add_test(tc, recorded_tokenization_replays);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(suite());
}
