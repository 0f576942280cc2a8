/*
 * Encodings: every sample re-encoded (with glibc's iconv, at test time)
 * into every legacy charset that can represent it parses to the identical
 * UTF-8 text; UTF-16 and UTF-32 with and without BOM; windows-1258, which
 * ICU's detector does not know; the superset rule for 1253/ISO-8859-7 and
 * 1256/ISO-8859-6; charsets forced by the configuration.
 */
#include "helpers.h"

static const char *const files[] = {
    "tests/fixtures/000_a330e98d170c7b72.txt",
    "tests/fixtures/001_9dbad9a477df04d3.txt",
    "tests/fixtures/004_2a444d741088f182.txt",
    "tests/fixtures/parse/vi_report.txt",
    "tests/fixtures/parse/fr_report.txt",
    "tests/fixtures/parse/en_report.txt",
    "tests/fixtures/parse/el_report.txt",
};
#define NFILES ((int)(sizeof files / sizeof files[0]))

/* iconv name, and the names the parser may report for it (the charset
 * itself or its superset when both decode the text the same). */
static const struct {
    const char *iconv;
    const char *names[3];
} charsets[] = {
    {"CP1256", {"windows-1256", NULL}},
    {"ISO-8859-6", {"ISO-8859-6", "windows-1256", NULL}},
    {"CP1253", {"windows-1253", NULL}},
    {"ISO-8859-7", {"ISO-8859-7", "windows-1253", NULL}},
    {"CP1252", {"windows-1252", NULL}},
    {"ISO-8859-1", {"windows-1252", "ISO-8859-1", NULL}},
    {"CP1258", {"windows-1258", "windows-1252", NULL}},
};
#define NCHARSETS ((int)(sizeof charsets / sizeof charsets[0]))

/* Which sample each charset must be able to carry (the test fails when
 * iconv cannot: the fixtures must keep exercising every charset). */
static int native(int f, int c)
{
    const char *cs = charsets[c].iconv;
    switch (f) {
    case 0: case 1:
        return !strcmp(cs, "CP1256") || !strcmp(cs, "ISO-8859-6");
    case 2: case 6:
        return !strcmp(cs, "CP1253") || !strcmp(cs, "ISO-8859-7");
    case 3:
        return !strcmp(cs, "CP1258");
    case 4:
        return !strcmp(cs, "CP1252") || !strcmp(cs, "ISO-8859-1") ||
               !strcmp(cs, "CP1258");
    default:
        return 1; /* English is ASCII: every charset */
    }
}

static void same_result(const parse_result *a, const parse_result *b,
                        const char *what)
{
    ck_assert_msg(a->text_len == b->text_len && !memcmp(a->text, b->text,
                                                        a->text_len),
                  "%s: the text differs", what);
    ck_assert_str_eq(a->title, b->title);
    ck_assert_str_eq(a->lang, b->lang);
    ck_assert_uint_eq(a->n_paragraphs, b->n_paragraphs);
    ck_assert_uint_eq(a->n_captions, b->n_captions);
    ck_assert_uint_eq(a->n_byline, b->n_byline);
    for (size_t i = 0; i < a->n_byline; i++)
        ck_assert_str_eq(a->byline[i], b->byline[i]);
    ck_assert_str_eq(a->source_url ? a->source_url : "",
                     b->source_url ? b->source_url : "");
    ck_assert_uint_eq(b->replaced_bytes, 0);
}

START_TEST(legacy_reencoded_identical)
{
    int f = _i / NCHARSETS, c = _i % NCHARSETS, ok = 0;
    size_t n, m = 0;
    char *utf8 = slurp(files[f], &n), *legacy, what[160];
    parse_ctx *ctx = ctx_with("{}");
    parse_result ref, got;

    legacy = encode(utf8, n, charsets[c].iconv, &m);
    if (!legacy) {
        ck_assert_msg(!native(f, c), "%s cannot be written in %s", files[f],
                      charsets[c].iconv);
        free(utf8);
        parse_ctx_free(ctx);
        return;
    }
    snprintf(what, sizeof what, "%s in %s", files[f], charsets[c].iconv);
    parse_ok(ctx, utf8, n, files[f], &ref);
    parse_ok(ctx, legacy, m, files[f], &got);
    same_result(&ref, &got, what);
    if (m == n && !memcmp(utf8, legacy, n)) {
        ck_assert_str_eq(got.charset, "UTF-8"); /* ASCII */
    } else {
        for (int k = 0; charsets[c].names[k]; k++)
            ok |= !strcmp(got.charset, charsets[c].names[k]);
        ck_assert_msg(ok, "%s: reported %s", what, got.charset);
        ck_assert_int_gt(got.charset_confidence, 0);
        ck_assert_int_le(got.charset_confidence, 100);
    }
    parse_result_clear(&ref);
    parse_result_clear(&got);
    parse_ctx_free(ctx);
    free(legacy);
    free(utf8);
}
END_TEST

/* The exact charset where it is not ambiguous. */
START_TEST(legacy_names)
{
    static const struct {
        int file;
        const char *iconv, *want;
    } t[] = {
        {0, "CP1256", "windows-1256"},    {1, "ISO-8859-6", "ISO-8859-6"},
        {2, "CP1253", "windows-1253"},
        /* identical decoding: the superset is reported */
        {2, "ISO-8859-7", "windows-1253"},
        /* "Ά" is 0xB6 in ISO-8859-7 and 0xA2 in windows-1253 */
        {6, "ISO-8859-7", "ISO-8859-7"},  {6, "CP1253", "windows-1253"},
        {3, "CP1258", "windows-1258"},    {4, "CP1252", "windows-1252"},
        {4, "ISO-8859-1", "windows-1252"},
    };
    parse_ctx *ctx = ctx_with("{}");
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t n, m = 0;
        char *utf8 = slurp(files[t[i].file], &n);
        char *b = encode(utf8, n, t[i].iconv, &m);
        parse_result r;
        ck_assert_ptr_nonnull(b);
        parse_ok(ctx, b, m, "report.txt", &r);
        ck_assert_msg(!strcmp(r.charset, t[i].want), "%s in %s: got %s",
                      files[t[i].file], t[i].iconv, r.charset);
        parse_result_clear(&r);
        free(b);
        free(utf8);
    }
    parse_ctx_free(ctx);
}
END_TEST

/* windows-1258 on a text the fixtures do not have, short. */
START_TEST(vietnamese_1258_short)
{
    const char *vi = "Chiều nay, Ủy ban nhân dân tỉnh đã họp với các sở, "
                     "ngành để bàn về việc khắc phục hậu quả của cơn bão "
                     "số 3. Nhiều tuyến đường ở huyện miền núi vẫn bị "
                     "ngập sâu, người dân cần được hỗ trợ lương thực.\n";
    parse_ctx *ctx = ctx_with("{}");
    parse_result ref, got;
    size_t m;
    char *b = encode(vi, strlen(vi), "CP1258", &m);
    ck_assert_ptr_nonnull(b);
    parse_ok(ctx, vi, strlen(vi), "vi.txt", &ref);
    parse_ok(ctx, b, m, "vi.txt", &got);
    ck_assert_str_eq(got.charset, "windows-1258");
    ck_assert_str_eq(got.text, ref.text);
    ck_assert_str_eq(got.lang, "vi");
    parse_result_clear(&ref);
    parse_result_clear(&got);
    free(b);
    parse_ctx_free(ctx);
}
END_TEST

/* Charsets beyond the issue's list: ucsdet's guesses compete with ours,
 * and stop words or ucsdet's n-grams settle near misses (Turkish in 1252
 * and 1254 differ only in ğ, ı, ş). */
START_TEST(more_legacy)
{
    static const struct {
        const char *text, *iconv;
    } t[] = {
        {"Türkiye ekonomisi büyüyor\nMerkez Bankası, enflasyonun düşmesi "
         "için faiz oranlarını değiştirmedi ve yılın ikinci yarısında "
         "büyümenin güçleneceğini söyledi. Bu karar piyasalarda olumlu "
         "karşılandı.\n",
         "CP1254"},
        {NULL, "ISO-8859-9"},
        {"Новый мост откроют в декабре\nГородской совет сообщил в "
         "понедельник, что новый мост будет открыт для движения до конца "
         "года, а работы уже почти завершены.\n",
         "CP1251"},
        {NULL, "KOI8-R"},
        {NULL, "ISO-8859-5"},
        {"Nowy most zostanie otwarty w grudniu\nRada miasta poinformowała w "
         "poniedziałek, że nowy most zostanie oddany do użytku przed końcem "
         "roku, a prace są prawie ukończone.\n",
         "CP1250"},
        {NULL, "ISO-8859-2"},
        {"הגשר החדש ייפתח בדצמבר\nהמועצה הודיעה ביום שני כי הגשר החדש "
         "ייפתח לתנועה לפני סוף השנה, והעבודות כמעט הושלמו.\n",
         "CP1255"},
    };
    parse_ctx *ctx = ctx_with("{}");
    const char *text = NULL;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t m = 0;
        char *b;
        parse_result ref, got;
        if (t[i].text)
            text = t[i].text;
        b = encode(text, strlen(text), t[i].iconv, &m);
        ck_assert_ptr_nonnull(b);
        parse_ok(ctx, text, strlen(text), "ref.txt", &ref);
        parse_ok(ctx, b, m, "x.txt", &got);
        ck_assert_msg(!strcmp(got.text, ref.text), "%s: got %s as %s",
                      t[i].iconv, got.text, got.charset);
        ck_assert_str_eq(got.lang, ref.lang);
        parse_result_clear(&ref);
        parse_result_clear(&got);
        free(b);
    }
    parse_ctx_free(ctx);
}
END_TEST

struct utf {
    const char *iconv, *bom, *name;
    size_t bomlen;
};

static const struct utf utfs[] = {
    {"UTF-16LE", "\xFF\xFE", "UTF-16LE", 2},
    {"UTF-16BE", "\xFE\xFF", "UTF-16BE", 2},
    {"UTF-16LE", NULL, "UTF-16LE", 0},
    {"UTF-16BE", NULL, "UTF-16BE", 0},
    {"UTF-32LE", "\xFF\xFE\x00\x00", "UTF-32LE", 4},
    {"UTF-32BE", "\x00\x00\xFE\xFF", "UTF-32BE", 4},
    {"UTF-8", "\xEF\xBB\xBF", "UTF-8", 3},
};
#define NUTFS ((int)(sizeof utfs / sizeof utfs[0]))

START_TEST(unicode_encodings)
{
    const struct utf *u = &utfs[_i % NUTFS];
    const char *file = files[_i / NUTFS];
    size_t n, m = 0;
    char *utf8 = slurp(file, &n), *enc = encode(utf8, n, u->iconv, &m);
    char *buf = malloc(m + 4);
    parse_ctx *ctx = ctx_with("{}");
    parse_result ref, got;
    memcpy(buf, u->bom ? u->bom : "", u->bomlen);
    memcpy(buf + u->bomlen, enc, m);
    parse_ok(ctx, utf8, n, file, &ref);
    parse_ok(ctx, buf, m + u->bomlen, file, &got);
    same_result(&ref, &got, u->iconv);
    ck_assert_str_eq(got.charset, u->name);
    if (u->bom)
        ck_assert_int_eq(got.charset_confidence, 100);
    parse_result_clear(&ref);
    parse_result_clear(&got);
    parse_ctx_free(ctx);
    free(buf);
    free(enc);
    free(utf8);
}
END_TEST

START_TEST(forced_charset)
{
    size_t n, m = 0;
    char *utf8 = slurp(files[2], &n), *b = encode(utf8, n, "CP1253", &m);
    parse_ctx *ctx = ctx_with(
        "{\"charsets\": [{\"pattern\": \"*.iso7.txt\", \"charset\": "
        "\"ISO-8859-7\"}, {\"pattern\": \"*.cp1256.txt\", \"charset\": "
        "\"windows-1256\"}]}");
    parse_result r;
    /* Forced: reported as such, with full confidence. */
    parse_ok(ctx, b, m, "inbox/report.iso7.txt", &r);
    ck_assert_str_eq(r.charset, "ISO-8859-7");
    ck_assert_int_eq(r.charset_confidence, 100);
    parse_result_clear(&r);
    /* Not matching: detected. */
    parse_ok(ctx, b, m, "report.txt", &r);
    ck_assert_str_eq(r.charset, "windows-1253");
    parse_result_clear(&r);
    /* A short text the detector could not be sure of. */
    {
        const char *ar = "مصدر الخبر\n";
        char *a = encode(ar, strlen(ar), "CP1256", &m);
        parse_ok(ctx, a, m, "x.cp1256.txt", &r);
        ck_assert_str_eq(r.charset, "windows-1256");
        ck_assert_str_eq(r.text, "مصدر الخبر");
        parse_result_clear(&r);
        free(a);
    }
    parse_ctx_free(ctx);
    free(b);
    free(utf8);
}
END_TEST

START_TEST(charset_in_metadata)
{
    size_t n, m = 0;
    char *utf8 = slurp(files[0], &n), *b = encode(utf8, n, "CP1256", &m), *s;
    run r = plugin_run("{}", b, m, "000.txt");
    ck_assert_int_eq(r.status, INBOXD_OK);
    s = meta_str(&r, "charset");
    ck_assert_str_eq(s, "windows-1256");
    free(s);
    ck_assert_int_ge(meta_int(&r, "charset_confidence"), 50);
    ck_assert_int_le(meta_int(&r, "charset_confidence"), 100);
    run_free(&r);
    free(b);
    free(utf8);
}
END_TEST

/* A few bad bytes in a legacy document: replaced and counted. */
START_TEST(legacy_with_bad_bytes)
{
    size_t n, m = 0;
    char *utf8 = slurp(files[0], &n), *b = encode(utf8, n, "CP1256", &m);
    char *c = malloc(m + 2);
    parse_ctx *ctx = ctx_with("{}");
    parse_result r;
    char *nl = memchr(b, '\n', m);
    size_t at = (size_t)(nl - b);
    memcpy(c, b, at);
    c[at] = '\x01'; /* a control character */
    c[at + 1] = '\0';
    memcpy(c + at + 2, b + at, m - at);
    parse_ok(ctx, c, m + 2, "000.txt", &r);
    ck_assert_str_eq(r.charset, "windows-1256");
    ck_assert_uint_eq(r.replaced_bytes, 2);
    ck_assert(strstr(r.text, "\xEF\xBF\xBD\xEF\xBF\xBD") != NULL);
    parse_result_clear(&r);
    parse_ctx_free(ctx);
    free(c);
    free(b);
    free(utf8);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("parse_charsets");
    TCase *tc = tcase_create("charsets");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, legacy_reencoded_identical, 0,
                        NFILES * NCHARSETS);
    tcase_add_test(tc, legacy_names);
    tcase_add_test(tc, vietnamese_1258_short);
    tcase_add_test(tc, more_legacy);
    tcase_add_loop_test(tc, unicode_encodings, 0, NFILES * NUTFS);
    tcase_add_test(tc, forced_charset);
    tcase_add_test(tc, charset_in_metadata);
    tcase_add_test(tc, legacy_with_bad_bytes);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
