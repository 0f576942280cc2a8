/*
 * Hostile input: binary files, empty and 0-byte files, whitespace only, a
 * NUL in the middle, truncated UTF-8, overlong UTF-8, surrogates in UTF-8
 * and lone surrogates in UTF-16 each get their specified outcome (parse.h);
 * random and mutated input never crashes and always yields valid output;
 * big and deep input stays linear; concurrent calls agree.
 */
#include "helpers.h"
#include "util.h"

#include <pthread.h>
#include <time.h>

static uint64_t rng_state;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

static char *random_bytes(size_t n)
{
    char *b = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        b[i] = (char)rnd();
    return b;
}

/* Everything a successful parse promises, whatever the input. */
static void check_invariants(const parse_result *r, int rc, const char *what)
{
    ck_assert_msg(rc == PARSE_OK || rc == PARSE_FAILED, "%s: rc %d (%s)", what,
                  rc, r->error);
    if (rc == PARSE_FAILED) {
        ck_assert_msg(r->error[0] != '\0', "%s: failure without a reason",
                      what);
        ck_assert_ptr_null(r->text);
        return;
    }
    ck_assert(util_utf8_valid(r->text, r->text_len));
    ck_assert(memchr(r->text, '\0', r->text_len) == NULL);
    ck_assert(r->title && util_utf8_valid(r->title, strlen(r->title)));
    ck_assert(r->lead && util_utf8_valid(r->lead, strlen(r->lead)));
    ck_assert(r->text_len > 0);
    for (int pass = 0; pass < 2; pass++) {
        const parse_span *v = pass ? r->captions : r->paragraphs;
        size_t n = pass ? r->n_captions : r->n_paragraphs, prev = 0;
        for (size_t i = 0; i < n; i++) {
            ck_assert_uint_le(v[i].start, v[i].end);
            ck_assert_uint_le(v[i].end, r->text_len);
            ck_assert_uint_ge(v[i].start, prev);
            /* spans start and end on character boundaries */
            ck_assert(v[i].start == r->text_len ||
                      ((unsigned char)r->text[v[i].start] & 0xC0) != 0x80);
            ck_assert(v[i].end == r->text_len ||
                      ((unsigned char)r->text[v[i].end] & 0xC0) != 0x80);
            prev = v[i].end;
        }
    }
    ck_assert_uint_eq(r->counts.paragraphs, r->n_paragraphs);
    ck_assert(r->charset[0] && r->charset_confidence >= 0 &&
              r->charset_confidence <= 100);
    if (r->ascii_digits)
        ck_assert(util_utf8_valid(r->ascii_digits, r->ascii_digits_len));
}

static void fails_not_text(parse_ctx *ctx, const char *b, size_t n,
                           const char *name)
{
    parse_result r;
    int rc = parse_document(ctx, b, n, name, &r);
    int pct = -1;
    ck_assert_msg(rc == PARSE_FAILED, "%s: rc %d", name, rc);
    ck_assert_msg(sscanf(r.error, "not text: %d%% undecodable bytes", &pct) == 1,
                  "%s: error \"%s\"", name, r.error);
    ck_assert_int_ge(pct, 10);
    ck_assert_int_le(pct, 100);
    parse_result_clear(&r);
}

START_TEST(binary_files)
{
    parse_ctx *ctx = ctx_with("{}");
    size_t n;
    char *b, *s;
    rng_state = 0x9E3779B97F4A7C15ull;
    /* random bytes (compressed or encrypted data looks like this) */
    b = random_bytes(65536);
    fails_not_text(ctx, b, 65536, "random.bin");
    fails_not_text(ctx, b, 300, "random.txt");
    free(b);
    /* a PNG header and random data */
    b = random_bytes(4096);
    memcpy(b, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
    fails_not_text(ctx, b, 4096, "photo.png");
    free(b);
    /* an ELF-like binary: headers, NUL padding, strings */
    b = calloc(1, 8192);
    memcpy(b, "\x7f" "ELF\x02\x01\x01", 7);
    for (size_t i = 64; i < 8192; i += 16)
        memcpy(b + i, "\x48\x89\xe5\x00\x00\x00\x00\xff", 8);
    memcpy(b + 4000, "GLIBC_2.2.5 printf", 18);
    fails_not_text(ctx, b, 8192, "a.out");
    free(b);
    /* a text with a third of its bytes NUL */
    s = slurp("tests/fixtures/000_a330e98d170c7b72.txt", &n);
    for (size_t i = 0; i < n; i += 3)
        s[i] = '\0';
    fails_not_text(ctx, s, n, "nul-heavy.txt");
    free(s);
    /* truncated multi-byte garbage: lead bytes without their trail */
    b = malloc(5000);
    for (size_t i = 0; i < 5000; i++) {
        static const unsigned char pick[] = {0xD8, 0xD9, 0xE0, 0xE1, 0xF0,
                                             0x80, 0x81, 0xBF, 0x20, 0x41};
        b[i] = (char)pick[rnd() % sizeof pick];
    }
    fails_not_text(ctx, b, 5000, "garbage.txt");
    free(b);
    /* nothing but overlong sequences */
    b = malloc(1000);
    for (size_t i = 0; i + 5 <= 1000; i += 5)
        memcpy(b + i, "\xC0\xAF\xE0\x80\xAF", 5);
    fails_not_text(ctx, b, 1000, "overlong.txt");
    free(b);
    parse_ctx_free(ctx);
}
END_TEST

START_TEST(threshold_is_configurable)
{
    /* 2 control bytes in 20: 10% is allowed by max_undecodable 0.2 only */
    const char *t = "Hello\x1b world \x07 ok.\n";
    parse_ctx *strict = ctx_with("{}"), *lax = ctx_with("{\"max_undecodable\": 0.2}");
    parse_result r;
    fails_not_text(strict, t, strlen(t), "ctl.txt");
    parse_ok(lax, t, strlen(t), "ctl.txt", &r);
    ck_assert_uint_eq(r.replaced_bytes, 2);
    ck_assert_str_eq(r.text, "Hello\xEF\xBF\xBD world \xEF\xBF\xBD ok.");
    parse_result_clear(&r);
    parse_ctx_free(strict);
    parse_ctx_free(lax);
}
END_TEST

#define S(text, name, want) parse_fails(ctx, text, strlen(text), name, want)

START_TEST(empty_documents)
{
    parse_ctx *ctx = ctx_with("{}");
    parse_fails(ctx, "", 0, "empty.txt", "empty document (0 bytes)");
    parse_fails(ctx, NULL, 0, "empty.txt", "empty document (0 bytes)");
    parse_fails(ctx, " \r\n\t\n   \n\xC2\xA0\n", 12, "ws.txt",
                "empty document: only whitespace (12 bytes)");
    parse_fails(ctx, "\n", 1, "nl.txt", "empty document: only whitespace");
    parse_fails(ctx, "\xEF\xBB\xBF", 3, "bom.txt",
                "empty document: only whitespace (3 bytes)");
    parse_fails(ctx, "\xFF\xFE \x00\n\x00", 6, "bom16.txt",
                "empty document: only whitespace");
    /* invisible characters only: ZWSP, RLM, ZWNBSP, tatweel */
    S("\u200b\u200f\ufeff \u0640\n", "zw.txt",
      "empty document: only whitespace");
    S("Comment (0)\n[διαφήμιση_2]\n\nتعليق (0)\n", "boiler.txt",
      "empty document: only boilerplate");
    S("<html><head><script>x()</script></head><body></body></html>", "e.html",
      "empty document: no text in the html");
    S("{\"body\": \"  \"}", "e.json", "empty document: no text in the json");
    parse_ctx_free(ctx);
}
END_TEST

START_TEST(empty_through_plugin)
{
    run r = plugin_run("{}", "", 0, "empty.txt");
    ck_assert_int_eq(r.status, INBOXD_FAILED);
    ck_assert_str_eq(r.doc->error, "empty document (0 bytes)");
    ck_assert_ptr_null(r.h->doc_text(r.doc, NULL));
    run_free(&r);
    r = plugin_run("{}", "\x00\x01\x02\x03\xff\xfe\xfd\x00", 8, "b.bin");
    ck_assert_int_eq(r.status, INBOXD_FAILED);
    ck_assert(!strncmp(r.doc->error, "not text: ", 10));
    run_free(&r);
}
END_TEST

/* The sample with bytes put at the start of its third line. */
static char *with_bytes(const char *bytes, size_t k, size_t *outlen,
                        size_t *at)
{
    size_t n;
    char *s = slurp("tests/fixtures/000_a330e98d170c7b72.txt", &n), *o;
    char *p = strchr(strchr(s, '\n') + 1, '\n') + 1;
    *at = (size_t)(p - s);
    o = malloc(n + k);
    memcpy(o, s, *at);
    memcpy(o + *at, bytes, k);
    memcpy(o + *at + k, s + *at, n - *at);
    *outlen = n + k;
    free(s);
    return o;
}

START_TEST(nul_in_the_middle)
{
    parse_ctx *ctx = ctx_with("{}");
    size_t n, at;
    char *b = with_bytes("\0", 1, &n, &at);
    parse_result r;
    parse_ok(ctx, b, n, "nul.txt", &r);
    ck_assert_uint_eq(r.replaced_bytes, 1);
    ck_assert_str_eq(r.charset, "UTF-8");
    ck_assert_uint_eq(r.n_paragraphs, 9);
    /* the third paragraph starts with the replacement character */
    ck_assert(!strncmp(r.text + r.paragraphs[2].start, "\xEF\xBF\xBD", 3));
    parse_result_clear(&r);
    free(b);
    parse_ctx_free(ctx);
}
END_TEST

START_TEST(truncated_utf8)
{
    parse_ctx *ctx = ctx_with("{}");
    size_t n;
    char *s = slurp("tests/fixtures/000_a330e98d170c7b72.txt", &n);
    parse_result r;
    /* cut inside the two bytes of an Arabic letter */
    size_t cut = 3000;
    while (((unsigned char)s[cut] & 0xC0) != 0x80)
        cut++;
    parse_ok(ctx, s, cut, "cut.txt", &r);
    ck_assert_uint_eq(r.replaced_bytes, 1);
    ck_assert_str_eq(r.charset, "UTF-8");
    ck_assert_str_eq(r.lang, "ar");
    ck_assert(r.text_len >= 3 &&
              !memcmp(r.text + r.text_len - 3, "\xEF\xBF\xBD", 3));
    parse_result_clear(&r);
    free(s);
    parse_ctx_free(ctx);
}
END_TEST

START_TEST(overlong_utf8)
{
    parse_ctx *ctx = ctx_with("{}");
    size_t n, at;
    /* overlong '/' in two and three bytes: 5 bad bytes, 5 U+FFFD */
    char *b = with_bytes("\xC0\xAF\xE0\x80\xAF", 5, &n, &at);
    parse_result r;
    parse_ok(ctx, b, n, "overlong.txt", &r);
    ck_assert_uint_eq(r.replaced_bytes, 5);
    ck_assert(strstr(r.text, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                             "\xEF\xBF\xBD") != NULL);
    ck_assert(util_utf8_valid(r.text, r.text_len));
    parse_result_clear(&r);
    free(b);
    /* a UTF-8-encoded surrogate (CESU) is not UTF-8 either */
    b = with_bytes("\xED\xA0\x80", 3, &n, &at);
    parse_ok(ctx, b, n, "surrogate.txt", &r);
    ck_assert_uint_eq(r.replaced_bytes, 3);
    parse_result_clear(&r);
    free(b);
    parse_ctx_free(ctx);
}
END_TEST

START_TEST(lone_surrogates_utf16)
{
    parse_ctx *ctx = ctx_with("{}");
    size_t n, m = 0;
    char *s = slurp("tests/fixtures/004_2a444d741088f182.txt", &n);
    char *u = encode(s, n, "UTF-16LE", &m), *b = malloc(m + 8);
    parse_result ref, r;
    size_t half = (m / 4) * 2;
    parse_ok(ctx, s, n, "ref.txt", &ref);
    for (int bom = 0; bom < 2; bom++) {
        for (int hi = 0; hi < 2; hi++) {
            size_t k = 0;
            if (bom) {
                memcpy(b, "\xFF\xFE", 2);
                k = 2;
            }
            memcpy(b + k, u, half);
            /* a lone high (D800) or low (DC00) surrogate */
            memcpy(b + k + half, hi ? "\x00\xD8" : "\x00\xDC", 2);
            memcpy(b + k + half + 2, u + half, m - half);
            parse_ok(ctx, b, m + k + 2, "lone.txt", &r);
            ck_assert_str_eq(r.charset, "UTF-16LE");
            ck_assert_uint_eq(r.replaced_bytes, 2);
            ck_assert(strstr(r.text, "\xEF\xBF\xBD") != NULL);
            ck_assert_uint_eq(r.text_len, ref.text_len + 3);
            ck_assert_uint_eq(r.n_paragraphs, ref.n_paragraphs);
            parse_result_clear(&r);
        }
    }
    /* odd length: the last half unit is a bad byte */
    parse_ok(ctx, u, m - 1, "odd.txt", &r);
    ck_assert_uint_eq(r.replaced_bytes, 1);
    parse_result_clear(&r);
    parse_result_clear(&ref);
    free(b);
    free(u);
    free(s);
    parse_ctx_free(ctx);
}
END_TEST

START_TEST(too_large)
{
    parse_ctx *ctx = ctx_with("{}");
    static const char one[1] = "x";
    /* rejected before a byte is read */
    parse_fails(ctx, one, PARSE_MAX_INPUT + 1, "big.txt",
                "document too large");
    parse_ctx_free(ctx);
}
END_TEST

START_TEST(random_input)
{
    parse_ctx *ctx = ctx_with("{}");
    static const char *const names[] = {"a.txt", "a.md", "a.html", "a.json",
                                        "a.dat", "noext", NULL};
    rng_state = 0x123456789ABCDEFull;
    for (int i = 0; i < 400; i++) {
        size_t n = 1 + rnd() % (i < 300 ? 300 : 20000);
        char *b = random_bytes(n), what[64];
        parse_result r;
        int rc;
        /* bias some toward text-like bytes */
        if (i % 3 == 0)
            for (size_t k = 0; k < n; k++)
                b[k] = (char)(0x20 + (unsigned char)b[k] % 0x60);
        if (i % 5 == 0 && n > 4)
            memcpy(b, "<p>", 3);
        if (i % 7 == 0 && n > 4)
            b[0] = '{';
        snprintf(what, sizeof what, "random #%d (%zu bytes)", i, n);
        rc = parse_document(ctx, b, n, names[i % 6], &r);
        check_invariants(&r, rc, what);
        parse_result_clear(&r);
        free(b);
    }
    parse_ctx_free(ctx);
}
END_TEST

START_TEST(mutated_samples)
{
    static const char *const files[] = {
        "tests/fixtures/000_a330e98d170c7b72.txt",
        "tests/fixtures/004_2a444d741088f182.txt",
        "tests/fixtures/parse/004.html", "tests/fixtures/parse/004.json",
        "tests/fixtures/parse/vi_report.txt"};
    parse_ctx *ctx = ctx_with("{}");
    rng_state = 42;
    for (int f = 0; f < 5; f++) {
        size_t n;
        char *s = slurp(files[f], &n);
        for (int i = 0; i < 60; i++) {
            char *b = malloc(n + 1), what[128];
            size_t m = n;
            parse_result r;
            int rc;
            memcpy(b, s, n);
            for (int k = 0, edits = 1 + (int)(rnd() % 12); k < edits; k++) {
                size_t at = rnd() % m;
                switch (rnd() % 3) {
                case 0:
                    b[at] = (char)rnd();
                    break;
                case 1:
                    b[at] = "\0\r\n<>&{}\"\\\xEF\xBB\xBF\xC0\xE0\xFF|[]!#*_"
                        [rnd() % 22];
                    break;
                default:
                    m = at ? at : 1; /* truncate */
                }
            }
            snprintf(what, sizeof what, "%s mutation %d", files[f], i);
            rc = parse_document(ctx, b, m, files[f], &r);
            check_invariants(&r, rc, what);
            parse_result_clear(&r);
            free(b);
        }
        free(s);
    }
    parse_ctx_free(ctx);
}
END_TEST

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Shapes that make naive code quadratic or recursive; each must finish
 * well within the time limit. */
START_TEST(big_and_deep)
{
    parse_ctx *ctx = ctx_with("{}");
    size_t n = 2u << 20;
    char *b = malloc(n * 8 + 64);
    parse_result r;
    double t0;
    int rc;

    /* one 2 MiB line */
    memset(b, 'a', n);
    for (size_t i = 7; i < n; i += 8)
        b[i] = ' ';
    t0 = now();
    parse_ok(ctx, b, n, "line.txt", &r);
    ck_assert_uint_eq(r.n_paragraphs, 1);
    ck_assert_uint_eq(r.counts.words, n / 8);
    parse_result_clear(&r);
    /* 200,000 short lines */
    for (size_t i = 0; i < 200000; i++)
        memcpy(b + i * 8, "Line x.\n", 8);
    parse_ok(ctx, b, 200000 * 8, "lines.txt", &r);
    ck_assert_uint_eq(r.n_paragraphs, 200000);
    parse_result_clear(&r);
    /* 200,000 nested <div> */
    {
        size_t k = 0;
        for (int i = 0; i < 200000; i++, k += 5)
            memcpy(b + k, "<div>", 5);
        memcpy(b + k, "deep text", 9);
        k += 9;
        rc = parse_document(ctx, b, k, "deep.html", &r);
        check_invariants(&r, rc, "deep.html");
        parse_result_clear(&r);
    }
    /* 100,000 empty Markdown links and images */
    for (size_t i = 0; i < 100000; i++)
        memcpy(b + i * 8, "![](x)[(", 8);
    rc = parse_document(ctx, b, 800000, "links.md", &r);
    check_invariants(&r, rc, "links.md");
    parse_result_clear(&r);
    /* 50,000 nested '[' in one Markdown line */
    memset(b, '[', 50000);
    memcpy(b + 50000, "](x)", 4);
    rc = parse_document(ctx, b, 50004, "brackets.md", &r);
    check_invariants(&r, rc, "brackets.md");
    parse_result_clear(&r);
    ck_assert_msg(now() - t0 < 60, "took %.1f s", now() - t0);
    free(b);
    parse_ctx_free(ctx);
}
END_TEST

struct job {
    parse_ctx *ctx;
    const char *buf;
    size_t n;
    const char *want;
    int bad;
};

static void *worker(void *arg)
{
    struct job *j = arg;
    for (int i = 0; i < 40; i++) {
        parse_result r;
        if (parse_document(j->ctx, j->buf, j->n, "c.txt", &r) != PARSE_OK ||
            strcmp(r.text, j->want))
            j->bad++;
        parse_result_clear(&r);
    }
    return NULL;
}

START_TEST(concurrent_calls)
{
    parse_ctx *ctx = ctx_with("{}");
    const char *files[4] = {"tests/fixtures/000_a330e98d170c7b72.txt",
                            "tests/fixtures/004_2a444d741088f182.txt",
                            "tests/fixtures/parse/vi_report.txt",
                            "tests/fixtures/parse/fr_report.txt"};
    struct job jobs[8];
    pthread_t th[8];
    char *bufs[4], *wants[4];
    for (int i = 0; i < 4; i++) {
        size_t n, m = 0;
        parse_result r;
        char *s = slurp(files[i], &n);
        /* legacy charsets exercise the detector's shared objects */
        bufs[i] = i == 2 ? encode(s, n, "CP1258", &m)
                  : i == 3 ? encode(s, n, "CP1252", &m)
                           : s;
        if (bufs[i] != s) {
            free(s);
            n = m;
        }
        parse_ok(ctx, bufs[i], n, "c.txt", &r);
        wants[i] = strdup(r.text);
        parse_result_clear(&r);
        jobs[i] = (struct job){ctx, bufs[i], n, wants[i], 0};
        jobs[i + 4] = jobs[i];
    }
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, worker, &jobs[i]), 0);
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(jobs[i].bad, 0);
    }
    for (int i = 0; i < 4; i++) {
        free(bufs[i]);
        free(wants[i]);
    }
    parse_ctx_free(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("parse_hostile");
    TCase *tc = tcase_create("hostile");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, binary_files);
    tcase_add_test(tc, threshold_is_configurable);
    tcase_add_test(tc, empty_documents);
    tcase_add_test(tc, empty_through_plugin);
    tcase_add_test(tc, nul_in_the_middle);
    tcase_add_test(tc, truncated_utf8);
    tcase_add_test(tc, overlong_utf8);
    tcase_add_test(tc, lone_surrogates_utf16);
    tcase_add_test(tc, too_large);
    tcase_add_test(tc, random_input);
    tcase_add_test(tc, mutated_samples);
    tcase_add_test(tc, big_and_deep);
    tcase_add_test(tc, concurrent_calls);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
