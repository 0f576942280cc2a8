/*
 * Text: NFC, line ends, invisible characters, tatweel, spaces, digits;
 * counts; scripts and languages (per paragraph, shares); structure rules
 * (title, lead, captions, byline, source, hard-wrapped text).
 */
#include "helpers.h"

#include <unistd.h>

static parse_ctx *ctx;

static void setup(void) { ctx = ctx_with("{}"); }
static void teardown(void) { ctx = parse_ctx_free(ctx); }

static void p(const char *in, parse_result *r)
{
    parse_ok(ctx, in, strlen(in), "t.txt", r);
}

START_TEST(nfc)
{
    parse_result r;
    /* e + combining acute, alpha + combining tonos, Vietnamese stacked */
    p("Cafe\u0301 \u03b1\u0301 Vie\u0323\u0302t Nam.\n", &r);
    ck_assert_str_eq(r.text, "Café ά Việt Nam.");
    parse_result_clear(&r);
    /* NFC keeps compatibility characters (that is NFKC's job) */
    p("ﬁle ① Ｆｕｌｌ.\n", &r);
    ck_assert_str_eq(r.text, "ﬁle ① Ｆｕｌｌ.");
    parse_result_clear(&r);
}
END_TEST

START_TEST(line_ends)
{
    parse_result r;
    p("Short title\r\nFirst paragraph, ended by CRLF.\rSecond paragraph, "
      "ended by CR.\r\n\r\n\r\nThird paragraph after blank lines.\u2028"
      "Fourth after a line separator.\x0c"
      "Fifth after a form feed.",
      &r);
    ck_assert_str_eq(r.text, "Short title\n\n"
                             "First paragraph, ended by CRLF.\n\n"
                             "Second paragraph, ended by CR.\n\n"
                             "Third paragraph after blank lines.\n\n"
                             "Fourth after a line separator.\n\n"
                             "Fifth after a form feed.");
    ck_assert_uint_eq(r.n_paragraphs, 5);
    ck_assert_uint_eq(r.replaced_bytes, 0);
    parse_result_clear(&r);
}
END_TEST

START_TEST(invisible_characters)
{
    parse_result r;
    /* ZWSP, ZWNJ, ZWJ, WJ, BOM, soft hyphen, LRM, RLM, ALM, embeddings,
     * isolates: all gone; offsets point into the text without them */
    p("Zero\u200bwidth wo\u200crd jo\u200dined wo\u2060rd "
      "no\ufeffbreak hy\u00adphen.\n"
      "\u202bعربي\u202c \u2067نص\u2069 \u200emark\u200f \u061cok.\n",
      &r);
    ck_assert_str_eq(r.text, "Zerowidth word joined word nobreak hyphen.\n\n"
                             "عربي نص mark ok.");
    ck_assert_uint_eq(r.n_paragraphs, 2);
    ck_assert_uint_eq(r.paragraphs[1].start, strlen("Zerowidth word joined "
                                                    "word nobreak "
                                                    "hyphen.\n\n"));
    ck_assert_uint_eq(r.paragraphs[1].end, r.text_len);
    parse_result_clear(&r);
}
END_TEST

START_TEST(tatweel_and_spaces)
{
    parse_result r;
    p("  العـــربية\tلغة   جميلة\u00a0جدا.  \n", &r);
    ck_assert_str_eq(r.text, "العربية لغة جميلة جدا.");
    parse_result_clear(&r);
}
END_TEST

START_TEST(digits)
{
    parse_result r;
    run rr;
    const char *in = "في عام ٢٠٢٣ أنفقت الوزارة ۱۴۰۲ مليون.\n";
    const void *view;
    size_t len;
    p(in, &r);
    /* kept in the text, ASCII in the view */
    ck_assert_str_eq(r.text, "في عام ٢٠٢٣ أنفقت الوزارة ۱۴۰۲ مليون.");
    ck_assert_ptr_nonnull(r.ascii_digits);
    ck_assert_str_eq(r.ascii_digits, "في عام 2023 أنفقت الوزارة 1402 مليون.");
    ck_assert_uint_eq(r.ascii_digits_len, strlen(r.ascii_digits));
    parse_result_clear(&r);
    rr = plugin_run("{}", in, strlen(in), "d.txt");
    ck_assert_int_eq(rr.status, INBOXD_OK);
    view = rr.h->doc_view(rr.doc, "text.ascii_digits", &len);
    ck_assert_uint_eq(len, strlen("في عام 2023 أنفقت الوزارة 1402 مليون."));
    ck_assert(!memcmp(view, "في عام 2023 أنفقت الوزارة 1402 مليون.", len));
    run_free(&rr);
}
END_TEST

START_TEST(counts)
{
    parse_result r;
    p("Hello world. This is a test.\n", &r);
    ck_assert_uint_eq(r.counts.words, 6);
    ck_assert_uint_eq(r.counts.sentences, 2);
    ck_assert_uint_eq(r.counts.chars, 28);
    ck_assert_uint_eq(r.counts.paragraphs, 1);
    parse_result_clear(&r);
    /* ICU word break on Arabic (with a clitic-free text) and Greek */
    p("ذهب الولد إلى المدرسة. ثم عاد إلى البيت.\n", &r);
    ck_assert_uint_eq(r.counts.words, 8);
    ck_assert_uint_eq(r.counts.sentences, 2);
    ck_assert_uint_eq(r.counts.chars, 40);
    parse_result_clear(&r);
    p("Η Αθήνα είναι όμορφη. Τι κάνεις;\n", &r);
    ck_assert_uint_eq(r.counts.words, 6);
    ck_assert_uint_eq(r.counts.sentences, 2);
    parse_result_clear(&r);
    /* numbers are words; punctuation is not */
    p("On 12.05.2024, 3,500 people came - all 100%.\n", &r);
    ck_assert_uint_eq(r.counts.words, 7);
    parse_result_clear(&r);
    /* two paragraphs: the blank line counts as two characters */
    p("One two.\n\nThree four.\n", &r);
    ck_assert_uint_eq(r.counts.chars, strlen("One two.\n\nThree four."));
    ck_assert_uint_eq(r.counts.paragraphs, 2);
    ck_assert_uint_eq(r.counts.sentences, 2);
    parse_result_clear(&r);
}
END_TEST

struct lang_case {
    const char *text, *lang, *script;
};

static const struct lang_case langs[] = {
    {"The council said on Monday that the new bridge would be opened to "
     "traffic before the end of the year.", "en", "Latn"},
    {"Le conseil a annoncé lundi que le nouveau pont sera ouvert à la "
     "circulation avant la fin de l'année.", "fr", "Latn"},
    {"Der Stadtrat teilte am Montag mit, dass die neue Brücke noch vor dem "
     "Ende des Jahres für den Verkehr geöffnet wird.", "de", "Latn"},
    {"El consejo anunció el lunes que el nuevo puente se abrirá al tráfico "
     "antes del final del año.", "es", "Latn"},
    {"Il consiglio ha annunciato lunedì che il nuovo ponte sarà aperto al "
     "traffico prima della fine dell'anno.", "it", "Latn"},
    {"O conselho anunciou na segunda-feira que a nova ponte será aberta ao "
     "trânsito antes do fim do ano.", "pt", "Latn"},
    {"Hội đồng cho biết cây cầu mới sẽ được thông xe trước cuối năm nay.",
     "vi", "Latn"},
    {"Совет сообщил в понедельник, что новый мост будет открыт для "
     "движения до конца года.", "ru", "Cyrl"},
    {"Рада повідомила, що новий міст буде відкрито для руху до кінця "
     "року, але ще не визначила дату.", "uk", "Cyrl"},
    {"أعلن المجلس يوم الاثنين أن الجسر الجديد سيفتح أمام حركة المرور قبل "
     "نهاية العام.", "ar", "Arab"},
    {"شورای شهر روز دوشنبه اعلام کرد که پل جدید تا پایان سال برای عبور و "
     "مرور باز خواهد شد.", "fa", "Arab"},
    {"Το συμβούλιο ανακοίνωσε τη Δευτέρα ότι η νέα γέφυρα θα ανοίξει πριν "
     "από το τέλος του έτους.", "el", "Grek"},
    {"市议会周一表示，新桥将在年底前通车。", "zh", "Hani"},
    {"市議会は月曜日、新しい橋が年末までに開通すると発表した。", "ja",
     "Jpan"},
    {"시의회는 월요일 새 다리가 연말 전에 개통될 것이라고 밝혔다.", "ko",
     "Hang"},
    {"המועצה הודיעה ביום שני כי הגשר החדש ייפתח לתנועה לפני סוף השנה.",
     "he", "Hebr"},
    {"สภาเมืองประกาศเมื่อวันจันทร์ว่าสะพานใหม่จะเปิดใช้ก่อนสิ้นปี", "th",
     "Thai"},
};

START_TEST(language_per_script_and_profile)
{
    const struct lang_case *c = &langs[_i];
    parse_result r;
    p(c->text, &r);
    ck_assert_msg(!strcmp(r.lang, c->lang), "%s: got %s", c->text, r.lang);
    ck_assert_str_eq(r.script, c->script);
    ck_assert_str_eq(r.paragraphs[0].lang, c->lang);
    ck_assert_uint_eq(r.n_langs, 1);
    parse_result_clear(&r);
}
END_TEST

START_TEST(mixed_languages)
{
    parse_result r;
    p("أعلن المجلس يوم الاثنين أن الجسر الجديد سيفتح أمام حركة المرور قبل "
      "نهاية العام، وقال إن الأعمال في المرحلة الأخيرة.\n"
      "وأضاف المجلس أن التكلفة الإجمالية للمشروع بلغت عشرة ملايين.\n"
      "The council said the new bridge would open before the end of the "
      "year.\n",
      &r);
    ck_assert_str_eq(r.lang, "ar");
    ck_assert_uint_eq(r.n_langs, 2);
    ck_assert_str_eq(r.langs[0].lang, "ar");
    ck_assert_str_eq(r.langs[1].lang, "en");
    ck_assert(r.langs[0].share > 0.6 && r.langs[0].share < 0.9);
    ck_assert(r.langs[0].share + r.langs[1].share > 0.999);
    ck_assert_str_eq(r.paragraphs[0].lang, "ar");
    ck_assert_str_eq(r.paragraphs[2].lang, "en");
    ck_assert_str_eq(r.paragraphs[0].script, "Arab");
    ck_assert_str_eq(r.paragraphs[2].script, "Latn");
    ck_assert_str_eq(r.script, "Arab");
    parse_result_clear(&r);
}
END_TEST

START_TEST(undecided_paragraph_takes_document_language)
{
    parse_result r;
    /* "Quang cảnh hội nghị" has no stop word: it is Vietnamese because
     * the Latin-script text around it is */
    size_t n;
    char *b = slurp("tests/fixtures/parse/vi_report.txt", &n);
    parse_ok(ctx, b, n, "vi.txt", &r);
    ck_assert_uint_eq(r.n_captions, 1);
    ck_assert_str_eq(r.captions[0].lang, "vi");
    parse_result_clear(&r);
    free(b);
    /* a Latin text without any stop word stays undetermined */
    p("Xyzzy plugh frobozz quux.\n", &r);
    ck_assert_str_eq(r.lang, "und");
    ck_assert_uint_eq(r.n_langs, 0);
    ck_assert_str_eq(r.script, "Latn");
    parse_result_clear(&r);
    /* no letters at all */
    p("12 34 56.\n", &r);
    ck_assert_str_eq(r.lang, "und");
    ck_assert_str_eq(r.script, "Zyyy");
    parse_result_clear(&r);
}
END_TEST

START_TEST(title_rules)
{
    parse_result r;
    char buf[2048];
    /* a short first line without a full stop is the title */
    p("Is the bridge ready?\nThe council said on Monday that it is.\n", &r);
    ck_assert_str_eq(r.title, "Is the bridge ready?");
    ck_assert_str_eq(r.lead, "The council said on Monday that it is.");
    ck_assert_uint_eq(r.n_paragraphs, 1);
    parse_result_clear(&r);
    /* a first line with a full stop is the lead: the title is its first
     * sentence without the stop */
    p("The bridge opened. Cars crossed it at noon.\nMore text follows here.\n",
      &r);
    ck_assert_str_eq(r.title, "The bridge opened");
    ck_assert_str_eq(r.lead, "The bridge opened. Cars crossed it at noon.");
    ck_assert_uint_eq(r.n_paragraphs, 2);
    ck_assert(!strncmp(r.text, "The bridge opened. Cars", 23));
    parse_result_clear(&r);
    /* a long first sentence is cut on a space, with an ellipsis */
    strcpy(buf, "");
    for (int i = 0; i < 40; i++)
        strcat(buf, "word ");
    strcat(buf, "end.\n");
    p(buf, &r);
    ck_assert_uint_le(strlen(r.title), 200 + 3);
    ck_assert(strstr(r.title, "…") == r.title + strlen(r.title) - 3);
    ck_assert(!strncmp(r.title, "word word", 9));
    ck_assert(r.title[strlen(r.title) - 4] == 'd');
    parse_result_clear(&r);
    /* a single short line is the lead, and the title */
    p("Hello\n", &r);
    ck_assert_str_eq(r.title, "Hello");
    ck_assert_str_eq(r.lead, "Hello");
    ck_assert_uint_eq(r.n_paragraphs, 1);
    parse_result_clear(&r);
}
END_TEST

START_TEST(caption_rules)
{
    parse_result r;
    char *t;
    p("A title\n"
      "First paragraph of the story ends here.\n"
      "A photo caption without a stop\n"
      "Second paragraph of the story ends here.\n"
      "A line with a stop is a paragraph.\n"
      "Trailing short line\n",
      &r);
    ck_assert_uint_eq(r.n_captions, 1);
    t = span_text(&r, &r.captions[0]);
    ck_assert_str_eq(t, "A photo caption without a stop");
    free(t);
    /* the last line has nothing after it: not a caption */
    ck_assert_uint_eq(r.n_paragraphs, 4);
    parse_result_clear(&r);
}
END_TEST

START_TEST(byline_and_source_rules)
{
    parse_result r;
    /* the source URL on the line after the marker */
    p("Title here\nBody paragraph one of the report.\nAnna Lee\nSource:\n"
      "https://example.org/story/1\nComment (0)\n",
      &r);
    ck_assert_str_eq(r.source, "Source:");
    ck_assert_str_eq(r.source_url, "https://example.org/story/1");
    ck_assert_uint_eq(r.n_byline, 1);
    ck_assert_str_eq(r.byline[0], "Anna Lee");
    ck_assert_str_eq(r.text, "Title here\n\nBody paragraph one of the report.");
    parse_result_clear(&r);
    /* a sentence before the source line is not a byline */
    p("Title here\nBody paragraph one of the report.\n"
      "the officials did not comment\nSource: Reuters\n",
      &r);
    ck_assert_uint_eq(r.n_byline, 0);
    ck_assert_str_eq(r.source, "Source: Reuters");
    ck_assert_ptr_null(r.source_url);
    ck_assert(strstr(r.text, "the officials did not comment"));
    parse_result_clear(&r);
    /* "Source" starting a sentence mid-text is text */
    p("Title here\nSource of the water is the spring, officials said.\n"
      "Second paragraph of the report.\n",
      &r);
    ck_assert_ptr_null(r.source);
    ck_assert_uint_eq(r.n_paragraphs, 2);
    parse_result_clear(&r);
    /* a byline prefix near the head */
    p("Title here\nBy Maria Lopez\nBody paragraph one of the report.\n", &r);
    ck_assert_uint_eq(r.n_byline, 1);
    ck_assert_str_eq(r.byline[0], "Maria Lopez");
    ck_assert(!strstr(r.text, "Maria"));
    parse_result_clear(&r);
}
END_TEST

START_TEST(hard_wrapped_text)
{
    parse_result r;
    char *t;
    p("Wrapped report title\n\n"
      "The first paragraph of this report was written in an editor that\n"
      "wraps lines at seventy-two columns, so every sentence is cut into\n"
      "several lines that must be joined again before indexing.\n\n"
      "The second paragraph follows after a blank line and it is also\n"
      "wrapped at the same width as the paragraph that came before it.\n",
      &r);
    ck_assert_uint_eq(r.n_paragraphs, 2);
    t = span_text(&r, &r.paragraphs[1]);
    ck_assert_str_eq(t, "The second paragraph follows after a blank line and "
                        "it is also wrapped at the same width as the "
                        "paragraph that came before it.");
    free(t);
    ck_assert_str_eq(r.title, "Wrapped report title");
    parse_result_clear(&r);
}
END_TEST

START_TEST(data_driven_markers)
{
    /* A language added in a marker file of one's own, no recompiling. */
    char dir[] = "/tmp/parse-markers-XXXXXX", *path, *cfg;
    parse_ctx *c;
    parse_result r;
    const char *tr = "Başlık burada\nBirinci paragraf burada bitiyor.\n"
                     "Kaynak: https://example.com.tr/haber\nYorum (4)\n";
    FILE *f;
    char err[256], *etc = config_dir();
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_ge(asprintf(&path, "%s/markers.json", dir), 0);
    f = fopen(path, "w");
    fputs("{\"languages\": {\"tr\": {\"source\": [\"Kaynak\"], \"comments\": "
          "[\"Yorum\"]}}, \"byline_separators\": [\" - \"]}",
          f);
    fclose(f);
    ck_assert_int_ge(asprintf(&cfg, "{\"markers\": \"%s\"}", path), 0);
    ck_assert_int_eq(parse_ctx_new(&c, cfg, etc, err, sizeof err), 0);
    parse_ok(c, tr, strlen(tr), "tr.txt", &r);
    ck_assert_str_eq(r.source_url, "https://example.com.tr/haber");
    ck_assert_str_eq(r.text, "Başlık burada\n\nBirinci paragraf burada bitiyor.");
    parse_result_clear(&r);
    parse_ctx_free(c);
    /* the default markers do not know Turkish */
    p(tr, &r);
    ck_assert_ptr_null(r.source_url);
    parse_result_clear(&r);
    unlink(path);
    rmdir(dir);
    free(path);
    free(cfg);
    free(etc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("parse_normalize");
    TCase *tc = tcase_create("normalize");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, nfc);
    tcase_add_test(tc, line_ends);
    tcase_add_test(tc, invisible_characters);
    tcase_add_test(tc, tatweel_and_spaces);
    tcase_add_test(tc, digits);
    tcase_add_test(tc, counts);
    tcase_add_loop_test(tc, language_per_script_and_profile, 0,
                        (int)(sizeof langs / sizeof langs[0]));
    tcase_add_test(tc, mixed_languages);
    tcase_add_test(tc, undecided_paragraph_takes_document_language);
    tcase_add_test(tc, title_rules);
    tcase_add_test(tc, caption_rules);
    tcase_add_test(tc, byline_and_source_rules);
    tcase_add_test(tc, hard_wrapped_text);
    tcase_add_test(tc, data_driven_markers);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
