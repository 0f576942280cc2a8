/*
 * Formats: the HTML, JSON and Markdown versions of a report give the same
 * body as its text version; HTML main text only (scripts, styles,
 * navigation and boilerplate containers dropped, entities decoded, head
 * facts read); the JSON envelope and its errors; unknown extensions
 * sniffed by content.
 */
#include "helpers.h"

static void parse_file(parse_ctx *ctx, const char *rel, const char *name,
                       parse_result *r)
{
    size_t n;
    char *b = slurp(rel, &n);
    parse_ok(ctx, b, n, name ? name : rel, r);
    free(b);
}

static const char *const url004 =
    "https://nhandan.vn/bao-dam-chat-luong-tien-do-cac-de-an-lon-ve-cong-"
    "tac-dan-van-post817514.html";
static const char *const title004 =
    "Διασφάλιση της ποιότητας και της προόδου των μεγάλων έργων μαζικής "
    "κινητοποίησης";

START_TEST(html_json_text_same_body)
{
    parse_ctx *ctx = ctx_with("{}");
    parse_result t, h, j;
    char *bt, *bh, *bj;
    parse_file(ctx, "tests/fixtures/004_2a444d741088f182.txt", NULL, &t);
    parse_file(ctx, "tests/fixtures/parse/004.html", NULL, &h);
    parse_file(ctx, "tests/fixtures/parse/004.json", NULL, &j);
    bt = body_of(&t);
    bh = body_of(&h);
    bj = body_of(&j);
    ck_assert_str_eq(bh, bt);
    ck_assert_str_eq(bj, bt);
    ck_assert_uint_eq(h.n_paragraphs, 6);
    ck_assert_uint_eq(h.n_captions, 1);
    ck_assert_str_eq(t.format, "text");
    ck_assert_str_eq(h.format, "html");
    ck_assert_str_eq(j.format, "json");
    /* the given titles are the first line of the text */
    ck_assert_str_eq(h.title, title004);
    ck_assert_str_eq(j.title, title004);
    ck_assert(!strncmp(h.text, title004, strlen(title004)));
    ck_assert_str_eq(h.text, j.text);
    ck_assert_str_eq(h.source_url, url004);
    ck_assert_str_eq(j.source_url, url004);
    ck_assert_str_eq(j.source, url004);
    ck_assert_str_eq(h.published, "2024-07-05T10:00:00+07:00");
    ck_assert_str_eq(j.published, "2024-07-05T10:00:00+07:00");
    ck_assert_str_eq(h.lang_declared, "el");
    ck_assert_str_eq(j.lang_declared, "el");
    ck_assert_str_eq(h.lang, "el");
    free(bt);
    free(bh);
    free(bj);
    parse_result_clear(&t);
    parse_result_clear(&h);
    parse_result_clear(&j);
    parse_ctx_free(ctx);
}
END_TEST

START_TEST(html_main_text_only)
{
    parse_ctx *ctx = ctx_with("{}");
    parse_result h;
    static const char *const gone[] = {
        "tracking", "font-family", "Facebook", "Αρχική", "Πολιτική",
        "Σχετικά άρθρα", "Άλλο άρθρο", "©", "Αποστολή", "Σχόλιο",
        "διαφήμιση", "&laquo;", "&nbsp;", "&#x", "<", ">", NULL};
    parse_file(ctx, "tests/fixtures/parse/004.html", NULL, &h);
    for (int i = 0; gone[i]; i++)
        ck_assert_msg(!strstr(h.text, gone[i]), "html text has \"%s\"", gone[i]);
    /* entities decoded: named, numeric, non-breaking space */
    ck_assert(strstr(h.text, "«Εξειδικευμένη μαζική κινητοποίηση»"));
    ck_assert(strstr(h.text, "Στη συνεδρίαση"));
    ck_assert(strstr(h.text, "του Κόμματος"));
    parse_result_clear(&h);
    parse_ctx_free(ctx);
}
END_TEST

START_TEST(html_shapes)
{
    parse_ctx *ctx = ctx_with("{}");
    parse_result r;
    const char *page =
        "<html><head><title>Page title</title></head><body>"
        "<header><h1>Site name</h1></header>"
        "<div class=\"menu\">Home News</div>"
        "<p>First paragraph of the story, with a <b>bold</b> word and a "
        "<a href=\"/x\">link</a>.</p>"
        "<p><img src=\"a.jpg\">The mayor at the opening</p>"
        "<p>Line one<br>line two of a poem.</p>"
        "<div>Old site text.<br><br>Next old paragraph.<br></div>"
        "<pre>code line 1\ncode line 2.</pre>"
        "<p hidden>hidden text</p><p aria-hidden=\"true\">aria text</p>"
        "<p>Last paragraph &amp; done &#8212; really.</p>"
        "<footer>Footer text</footer></body></html>";
    parse_ok(ctx, page, strlen(page), "page.htm", &r);
    ck_assert_str_eq(r.title, "Page title");
    ck_assert_str_eq(r.text,
                     "Page title\n\n"
                     "First paragraph of the story, with a bold word and a "
                     "link.\n\n"
                     "The mayor at the opening\n\n"
                     "Line one line two of a poem.\n\n"
                     "Old site text.\n\nNext old paragraph.\n\n"
                     "code line 1\n\ncode line 2.\n\n"
                     "Last paragraph & done — really.");
    /* after the image; short and unpunctuated between paragraphs */
    ck_assert_uint_eq(r.n_captions, 2);
    ck_assert_uint_eq(r.n_paragraphs, 6);
    parse_result_clear(&r);
    parse_ctx_free(ctx);
}
END_TEST

START_TEST(html_declared_charset)
{
    parse_ctx *ctx = ctx_with("{}");
    const char *utf8 = "<html><head><meta charset=\"windows-1256\"></head>"
                       "<body><p>عقدت اللجنة اجتماعا في المدينة.</p>"
                       "<p>وحضر الاجتماع عدد من المسؤولين.</p></body></html>";
    size_t m = 0;
    char *b = encode(utf8, strlen(utf8), "CP1256", &m);
    parse_result r;
    parse_ok(ctx, b, m, "ar.html", &r);
    ck_assert_str_eq(r.charset, "windows-1256");
    ck_assert_str_eq(r.lang, "ar");
    ck_assert(strstr(r.text, "وحضر الاجتماع عدد من المسؤولين."));
    parse_result_clear(&r);
    free(b);
    parse_ctx_free(ctx);
}
END_TEST

START_TEST(markdown_same_body)
{
    parse_ctx *ctx = ctx_with("{}");
    parse_result t, m;
    char *bt, *bm;
    parse_file(ctx, "tests/fixtures/parse/en_report.txt", NULL, &t);
    parse_file(ctx, "tests/fixtures/parse/en_report.md", NULL, &m);
    bt = body_of(&t);
    bm = body_of(&m);
    ck_assert_str_eq(bm, bt);
    ck_assert_str_eq(m.format, "markdown");
    ck_assert_str_eq(m.title, t.title);
    ck_assert_str_eq(m.text, t.text);
    ck_assert_str_eq(m.source_url, "https://example.com/news/flood-warnings-valley");
    ck_assert_uint_eq(m.n_byline, 2);
    ck_assert(!strchr(m.text, '*') && !strchr(m.text, '[') &&
              !strchr(m.text, '#'));
    free(bt);
    free(bm);
    parse_result_clear(&t);
    parse_result_clear(&m);
    parse_ctx_free(ctx);
}
END_TEST

START_TEST(markdown_syntax)
{
    parse_ctx *ctx = ctx_with("{}");
    parse_result r;
    const char *md = "Setext title\n============\n\n"
                     "> A quoted *first* paragraph with `code`, a_snake_name "
                     "and 5 * 3 = 15.\n\n"
                     "- a bullet item with __strong__ text.\n"
                     "- another item with ~~struck~~ words.\n\n"
                     "```\nfenced code line.\n```\n\n"
                     "<!-- a comment --> An escaped \\*star\\* and a "
                     "[reference][1] link.\n\n"
                     "| A table cell. |\n|---|\n";
    parse_ok(ctx, md, strlen(md), "notes.markdown", &r);
    ck_assert_str_eq(r.title, "Setext title");
    ck_assert_str_eq(r.text,
                     "Setext title\n\n"
                     "A quoted first paragraph with code, a_snake_name and 5 * "
                     "3 = 15.\n\n"
                     "a bullet item with strong text. another item with struck "
                     "words.\n\n"
                     "fenced code line.\n\n"
                     "An escaped *star* and a reference link.\n\n"
                     "A table cell.");
    parse_result_clear(&r);
    parse_ctx_free(ctx);
}
END_TEST

START_TEST(json_envelope)
{
    parse_ctx *ctx = ctx_with("{}");
    parse_result r;
    const char *j =
        "{\"title\": \"Storm hits the coast\", \"body\": \"Storm hits the "
        "coast\\r\\nHeavy winds damaged roofs in three towns on Monday.\\r\\n"
        "Source: Coastal Times\", \"source\": \"Coastal Times\", \"lang\": "
        "\"en\", \"extra\": [1, 2]}";
    parse_ok(ctx, j, strlen(j), "storm.json", &r);
    /* the body's repeat of the title is not published twice */
    ck_assert_str_eq(r.text, "Storm hits the coast\n\nHeavy winds damaged "
                             "roofs in three towns on Monday.");
    ck_assert_str_eq(r.source, "Coastal Times");
    ck_assert_ptr_null(r.source_url);
    ck_assert_ptr_null(r.published);
    ck_assert_uint_eq(r.n_paragraphs, 1);
    parse_result_clear(&r);
    /* an HTML body */
    j = "{\"body\": \"<p>First &amp; only paragraph.</p><script>x</script>\"}";
    parse_ok(ctx, j, strlen(j), "h.json", &r);
    ck_assert_str_eq(r.text, "First & only paragraph.");
    ck_assert_str_eq(r.format, "json");
    parse_result_clear(&r);
    parse_ctx_free(ctx);
}
END_TEST

/* A title that the JSON envelope or HTML <title> gives is cleaned like the
 * text: NFC, controls to U+FFFD, line breaks to spaces, invisible
 * characters out. */
START_TEST(given_title_clean)
{
    parse_ctx *ctx = ctx_with("{}");
    parse_result r;
    const char *want = "Caf\xC3\xA9 in Z\xC3\xBCrich\xEF\xBF\xBD now here";
    const char *j = "{\"title\": \"Cafe\\u0301 in Zu\\u0308rich\\u0001 now"
                    "\\u2028here \\u200b\", \"body\": \"Heavy winds damaged "
                    "roofs in three towns on Monday.\"}";
    /* (libxml2 drops the control character reference of HTML) */
    const char *wanth = "Caf\xC3\xA9 in Z\xC3\xBCrich now here";
    const char *h = "<html><head><title>Cafe\xCC\x81 in Zu\xCC\x88rich&#1; now"
                    "&#x2028;here &#x200b;</title></head><body><p>Heavy winds "
                    "damaged roofs in three towns on Monday.</p></body></html>";
    parse_ok(ctx, j, strlen(j), "t.json", &r);
    ck_assert_str_eq(r.title, want);
    ck_assert(!strncmp(r.text, want, strlen(want)));
    ck_assert_str_eq(r.text + strlen(want),
                     "\n\nHeavy winds damaged roofs in three towns on Monday.");
    parse_result_clear(&r);
    parse_ok(ctx, h, strlen(h), "t.html", &r);
    ck_assert_str_eq(r.title, wanth);
    ck_assert(!strncmp(r.text, wanth, strlen(wanth)));
    parse_result_clear(&r);
    parse_ctx_free(ctx);
}
END_TEST

START_TEST(json_errors)
{
    parse_ctx *ctx = ctx_with("{}");
    const char *bad = "{\"title\": \"x\", \"body\": \"text\"";
    parse_fails(ctx, bad, strlen(bad), "a.json", "json: line 1");
    bad = "{\"title\": \"x\"}";
    parse_fails(ctx, bad, strlen(bad), "a.json",
                "json envelope: \"body\" missing or not a string");
    bad = "{\"title\": 5, \"body\": \"text\"}";
    parse_fails(ctx, bad, strlen(bad), "a.json",
                "json envelope: \"title\" is not a string");
    bad = "[\"body\"]";
    parse_fails(ctx, bad, strlen(bad), "a.json", "json envelope: not an object");
    bad = "{\"body\": 12}";
    parse_fails(ctx, bad, strlen(bad), "a.JSON", "\"body\" missing");
    parse_ctx_free(ctx);
}
END_TEST

START_TEST(sniffing)
{
    parse_ctx *ctx = ctx_with("{}");
    parse_result r;
    const char *t;
    parse_file(ctx, "tests/fixtures/parse/004.html", "report.dat", &r);
    ck_assert_str_eq(r.format, "html");
    ck_assert_uint_eq(r.n_paragraphs, 6);
    parse_result_clear(&r);
    parse_file(ctx, "tests/fixtures/parse/004.json", "report.bin", &r);
    ck_assert_str_eq(r.format, "json");
    parse_result_clear(&r);
    parse_file(ctx, "tests/fixtures/parse/en_report.md", "report.eml", &r);
    ck_assert_str_eq(r.format, "markdown");
    parse_result_clear(&r);
    parse_file(ctx, "tests/fixtures/parse/en_report.txt", "report.eml", &r);
    ck_assert_str_eq(r.format, "text");
    parse_result_clear(&r);
    /* '{' that is not an envelope: text */
    t = "{not json} but a line of text.\n";
    parse_ok(ctx, t, strlen(t), "note.log", &r);
    ck_assert_str_eq(r.format, "text");
    ck_assert_str_eq(r.text, "{not json} but a line of text.");
    parse_result_clear(&r);
    /* no extension is plain text, whatever it holds */
    t = "<p>tags stay</p>\n";
    parse_ok(ctx, t, strlen(t), "README", &r);
    ck_assert_str_eq(r.format, "text");
    ck_assert_str_eq(r.text, "<p>tags stay</p>");
    parse_result_clear(&r);
    /* UTF-16 HTML is sniffed after decoding */
    {
        size_t n, m = 0;
        char *h = slurp("tests/fixtures/parse/004.html", &n);
        char *u = encode(h, n, "UTF-16LE", &m), *b = malloc(m + 2);
        memcpy(b, "\xFF\xFE", 2);
        memcpy(b + 2, u, m);
        parse_ok(ctx, b, m + 2, "x.unknown", &r);
        ck_assert_str_eq(r.format, "html");
        ck_assert_str_eq(r.charset, "UTF-16LE");
        ck_assert_uint_eq(r.n_paragraphs, 6);
        parse_result_clear(&r);
        free(b);
        free(u);
        free(h);
    }
    parse_ctx_free(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("parse_formats");
    TCase *tc = tcase_create("formats");
    tcase_add_test(tc, html_json_text_same_body);
    tcase_add_test(tc, html_main_text_only);
    tcase_add_test(tc, html_shapes);
    tcase_add_test(tc, html_declared_charset);
    tcase_add_test(tc, markdown_same_body);
    tcase_add_test(tc, markdown_syntax);
    tcase_add_test(tc, json_envelope);
    tcase_add_test(tc, given_title_clean);
    tcase_add_test(tc, json_errors);
    tcase_add_test(tc, sniffing);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
