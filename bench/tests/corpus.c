/*
 * The benchmark's own unit tests (no timing is asserted): the corpus is
 * what the issue asks (distinct content hashes, Arabic and Greek mixed,
 * 5-13 KB, deterministic from the seed), and the small helpers the
 * figures depend on (quantiles, event names, lists) are right.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bn.h"
#include "util.h"

static const char *fixtures(void)
{
    static char buf[4200];
    const char *top = getenv("INBOXD_TOP");
    snprintf(buf, sizeof buf, "%s/tests/fixtures", top ? top : ".");
    return buf;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Share of the letters that are Arabic (lead bytes D8-DB) / Greek (CE-CF). */
static void shares(const char *s, size_t len, double *ar, double *el)
{
    size_t a = 0, g = 0, all = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0xD8 && c <= 0xDB)
            a++;
        else if (c == 0xCE || c == 0xCF)
            g++;
        if (c >= 0xC0 || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
            all++;
    }
    *ar = all ? (double)a / (double)all : 0;
    *el = all ? (double)g / (double)all : 0;
}

START_TEST(corpus_distinct_mixed_sized)
{
    struct bn_corpus *c = NULL;
    enum { N = 3000 };
    char **ids = calloc(N, sizeof *ids);
    double total = 0;
    ck_assert_int_eq(bn_corpus_load(&c, fixtures(), 1), 0);
    ck_assert_uint_ge(bn_corpus_samples(c, "ar"), 1);
    ck_assert_uint_ge(bn_corpus_samples(c, "el"), 1);
    for (size_t i = 0; i < N; i++) {
        char *t;
        size_t len;
        double ar, el;
        ck_assert_int_eq(bn_corpus_doc(c, i, &t, &len), 0);
        ck_assert_msg(len >= 4500 && len <= 13500, "document %zu is %zu bytes", i, len);
        ck_assert_msg(util_utf8_valid(t, len), "document %zu is not UTF-8", i);
        shares(t, len, &ar, &el);
        if (i % 2 == 0)
            ck_assert_msg(ar > 0.5, "document %zu should be Arabic (%.2f)", i, ar);
        else
            ck_assert_msg(el > 0.5, "document %zu should be Greek (%.2f)", i, el);
        ids[i] = malloc(65);
        util_sha256_hex(t, len, ids[i]);
        total += (double)len;
        free(t);
    }
    /* What the daemon's dedup compares: the SHA-256 of the bytes. */
    qsort(ids, N, sizeof *ids, cmp_str);
    for (size_t i = 1; i < N; i++)
        ck_assert_msg(strcmp(ids[i - 1], ids[i]) != 0, "two documents share %s", ids[i]);
    ck_assert_msg(total / N > 7000 && total / N < 11000, "mean size %.0f", total / N);
    for (size_t i = 0; i < N; i++)
        free(ids[i]);
    free(ids);
    bn_corpus_free(c);
}
END_TEST

START_TEST(corpus_deterministic_by_seed)
{
    struct bn_corpus *a = NULL, *b = NULL, *c = NULL;
    char *ta, *tb, *tc;
    size_t la, lb, lc;
    ck_assert_int_eq(bn_corpus_load(&a, fixtures(), 7), 0);
    ck_assert_int_eq(bn_corpus_load(&b, fixtures(), 7), 0);
    ck_assert_int_eq(bn_corpus_load(&c, fixtures(), 8), 0);
    for (size_t i = 0; i < 50; i++) {
        ck_assert_int_eq(bn_corpus_doc(a, i, &ta, &la), 0);
        ck_assert_int_eq(bn_corpus_doc(b, i, &tb, &lb), 0);
        ck_assert_int_eq(bn_corpus_doc(c, i, &tc, &lc), 0);
        ck_assert(la == lb && memcmp(ta, tb, la) == 0);
        ck_assert(la != lc || memcmp(ta, tc, la) != 0);
        free(ta);
        free(tb);
        free(tc);
    }
    bn_corpus_free(a);
    bn_corpus_free(b);
    bn_corpus_free(c);
}
END_TEST

START_TEST(corpus_needs_both_languages)
{
    struct bn_corpus *c = NULL;
    char dir[] = "/tmp/bench-corpus-XXXXXX", path[4400];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    /* One Arabic sample only: the corpus cannot be mixed. */
    size_t len;
    snprintf(path, sizeof path, "%s/000_a330e98d170c7b72.txt", fixtures());
    char *s = bn_slurp(path, &len);
    ck_assert_ptr_nonnull(s);
    snprintf(path, sizeof path, "%s/a.txt", dir);
    ck_assert_int_eq(bn_write(path, s, len), 0);
    snprintf(path, sizeof path, "%s/junk.txt", dir);
    ck_assert_int_eq(bn_write(path, "\xff\xfe\x00garbage", 10), 0);
    ck_assert_int_lt(bn_corpus_load(&c, dir, 1), 0);
    ck_assert_ptr_null(c);
    free(s);
    ck_assert_int_eq(bn_rmtree(dir), 0);
}
END_TEST

START_TEST(quantiles_nearest_rank)
{
    double v[100];
    for (int i = 0; i < 100; i++)
        v[i] = i + 1; /* 1..100 */
    ck_assert_double_eq(bn_quantile(v, 100, 0.50), 50);
    ck_assert_double_eq(bn_quantile(v, 100, 0.90), 90);
    ck_assert_double_eq(bn_quantile(v, 100, 0.99), 99);
    ck_assert_double_eq(bn_quantile(v, 100, 1.0), 100);
    ck_assert_double_eq(bn_quantile(v, 3, 0.99), 3);
    ck_assert_double_eq(bn_quantile(v, 1, 0.5), 1);
    ck_assert_double_eq(bn_quantile(v, 0, 0.5), 0);
}
END_TEST

START_TEST(event_names_and_lists)
{
    char buf[64];
    ck_assert_int_eq(bn_event_name("{\"event\":\"document.done\",\"seq\":3,\"doc\":{\"name\":"
                                   "\"x\",\"event\":\"no\"}}",
                                   buf, sizeof buf),
                     0);
    ck_assert_str_eq(buf, "document.done");
    ck_assert_int_eq(bn_event_name("{\"reply\":\"subscribe\"}", buf, sizeof buf), -1);
    ck_assert_int_eq(bn_event_name("{\"event\":\"unterminated", buf, sizeof buf), -1);
    ck_assert_int_eq(bn_event_name("{\"event\":\"overflow\"}", buf, 4), -1);
    ck_assert(bn_in_list("parse,entities,sqlite", "sqlite"));
    ck_assert(bn_in_list("parse,entities,sqlite", "parse"));
    ck_assert(!bn_in_list("parse,entities,sqlite", "pars"));
    ck_assert(!bn_in_list("", "parse"));
    ck_assert(!bn_in_list(NULL, "parse"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bench");
    TCase *t = tcase_create("corpus");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, corpus_distinct_mixed_sized);
    tcase_add_test(t, corpus_deterministic_by_seed);
    tcase_add_test(t, corpus_needs_both_languages);
    suite_add_tcase(s, t);
    t = tcase_create("helpers");
    tcase_add_test(t, quantiles_nearest_rank);
    tcase_add_test(t, event_names_and_lists);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
