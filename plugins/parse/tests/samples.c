/*
 * The shared sample reports (the .txt files in tests/fixtures) and the
 * parse fixtures in other languages, through the plugin and the host: exact
 * title,
 * byline, source URL, language and paragraph count, and the contract of
 * the published text and metadata.
 */
#include "helpers.h"

struct expect {
    const char *file;
    const char *title;
    const char *byline[3];
    const char *source;
    const char *source_url; /* NULL: none */
    const char *lang;
    const char *script;
    int paragraphs;
    int captions;
    const char *caption0;
};

static const struct expect samples[] = {
    {"tests/fixtures/000_a330e98d170c7b72.txt",
     "في صباح يوم 6 أكتوبر، عقدت لجنة التعبئة الجماهيرية التابعة للجنة الحزب "
     "الإقليمية مؤتمرا لمراجعة أعمال التعبئة الجماهيرية في الربع الثالث ونشر "
     "المهام الرئيسية للربع الرابع من عام 2023",
     {"ماي لان", "دوك لام", NULL},
     "مصدر",
     NULL,
     "ar",
     "Arab",
     9,
     0,
     NULL},
    {"tests/fixtures/001_9dbad9a477df04d3.txt",
     "طلب السكرتير الإقليمي للحزب هوانج ترونج دونج أنه في الفترة القادمة، "
     "تحتاج المحليات والوحدات ورؤساء لجان الحزب والسلطات على جميع المستويات "
     "في ها تينه إلى مواصلة التركيز على ابتكار أساليب القيادة…",
     {"ثو ها", NULL},
     "مصدر",
     NULL,
     "ar",
     "Arab",
     22,
     1,
     "التركيز على ابتكار أساليب القيادة والتوجيه لأعمال التعبئة الجماهيرية"},
    {"tests/fixtures/004_2a444d741088f182.txt",
     "Στη συνεδρίαση εργασίας, ο σύντροφος Pham Tat Thang, μέλος της Κεντρικής "
     "Επιτροπής του Κόμματος, Αναπληρωτής Επικεφαλής της Κεντρικής Επιτροπής "
     "Μαζικής Κινητοποίησης, ανέφερε τα αποτελέσματα της…",
     {NULL},
     "Πηγή: https://nhandan.vn/bao-dam-chat-luong-tien-do-cac-de-an-lon-ve-"
     "cong-tac-dan-van-post817514.html",
     "https://nhandan.vn/bao-dam-chat-luong-tien-do-cac-de-an-lon-ve-cong-tac-"
     "dan-van-post817514.html",
     "el",
     "Grek",
     6,
     1,
     "Μίλησε ο σύντροφος Μπούι Θι Μινχ Χόαι, μέλος του Πολιτικού Γραφείου, "
     "Γραμματέας της Κεντρικής Επιτροπής του Κόμματος, Επικεφαλής της "
     "Κεντρικής Επιτροπής Μαζικής Κινητοποίησης."},
    {"tests/fixtures/parse/vi_report.txt",
     "Hà Nội đẩy mạnh chuyển đổi số trong công tác dân vận",
     {"Minh Anh", "Thu Hằng", NULL},
     "Nguồn: https://example.vn/tin-tuc/ha-noi-day-manh-chuyen-doi-so-123.html",
     "https://example.vn/tin-tuc/ha-noi-day-manh-chuyen-doi-so-123.html",
     "vi",
     "Latn",
     5,
     1,
     "Quang cảnh hội nghị"},
    {"tests/fixtures/parse/en_report.txt",
     "Flood warnings issued as river levels rise across the valley",
     {"Sarah Collins", "James Reid", NULL},
     "Source: https://example.com/news/flood-warnings-valley",
     "https://example.com/news/flood-warnings-valley",
     "en",
     "Latn",
     3,
     1,
     "Volunteers fill sandbags in the town centre"},
    {"tests/fixtures/parse/fr_report.txt",
     "Marseille : la ville lance un plan d'été pour les quartiers nord",
     {"Élodie Marchand", NULL},
     "Source : https://example.fr/marseille/plan-ete-quartiers-nord.html",
     "https://example.fr/marseille/plan-ete-quartiers-nord.html",
     "fr",
     "Latn",
     4,
     0,
     NULL},
    {"tests/fixtures/parse/el_report.txt",
     "Άνοιξη με νέα μέτρα για την Αθήνα",
     {"Νίκος Παππάς", NULL},
     "Πηγή: https://example.gr/athina/metra-kykloforias",
     "https://example.gr/athina/metra-kykloforias",
     "el",
     "Grek",
     3,
     1,
     "Άποψη της πλατείας Συντάγματος"},
};

static const char *const boilerplate[] = {
    "تعليق (0)", "Σχόλιο (0)", "Σχόλια (2)", "[διαφήμιση_2]", "Bình luận (0)",
    "Comments (12)", "Commentaires (3)", "Advertisement", "![]()", " |",
    "\n\n\n", "مصدر", "Πηγή", "Nguồn:", "Source:", NULL};

START_TEST(sample_structure)
{
    const struct expect *e = &samples[_i];
    size_t n, k = 0;
    char *raw = slurp(e->file, &n), *s;
    run r = plugin_run("{}", raw, n, e->file);
    json_t *v, *item;
    size_t i, len;
    const char *text;

    ck_assert_int_eq(r.status, INBOXD_OK);
    s = meta_str(&r, "title");
    ck_assert_str_eq(s, e->title);
    free(s);
    s = meta_str(&r, "source");
    ck_assert_str_eq(s, e->source);
    free(s);
    s = meta_str(&r, "source_url");
    if (e->source_url)
        ck_assert_str_eq(s, e->source_url);
    else
        ck_assert_ptr_null(s);
    free(s);
    ck_assert_str_eq(r.h->doc_lang(r.doc), e->lang);
    s = meta_str(&r, "script");
    ck_assert_str_eq(s, e->script);
    free(s);

    v = meta(&r, "byline");
    ck_assert(json_is_array(v));
    while (e->byline[k])
        k++;
    ck_assert_uint_eq(json_array_size(v), k);
    json_array_foreach(v, i, item)
        ck_assert_str_eq(json_string_value(item), e->byline[i]);
    json_decref(v);

    text = r.h->doc_text(r.doc, &len);
    ck_assert_ptr_nonnull(text);
    v = meta(&r, "paragraphs");
    ck_assert_uint_eq(json_array_size(v), (size_t)e->paragraphs);
    json_array_foreach(v, i, item)
    {
        size_t a = (size_t)json_integer_value(json_object_get(item, "start"));
        size_t b = (size_t)json_integer_value(json_object_get(item, "end"));
        ck_assert_uint_lt(a, b);
        ck_assert_uint_le(b, len);
        ck_assert_str_eq(json_string_value(json_object_get(item, "lang")),
                         e->lang);
        ck_assert_str_eq(json_string_value(json_object_get(item, "script")),
                         e->script);
        /* Paragraphs are separated by blank lines and have no line end. */
        ck_assert(memchr(text + a, '\n', b - a) == NULL);
        ck_assert(a == 0 || (text[a - 1] == '\n' && text[a - 2] == '\n'));
    }
    json_decref(v);
    v = meta(&r, "captions");
    ck_assert_uint_eq(json_array_size(v), (size_t)e->captions);
    if (e->caption0) {
        item = json_array_get(v, 0);
        s = strndup(text + json_integer_value(json_object_get(item, "start")),
                    (size_t)(json_integer_value(json_object_get(item, "end")) -
                             json_integer_value(json_object_get(item, "start"))));
        ck_assert_str_eq(s, e->caption0);
        free(s);
    }
    json_decref(v);

    /* Boilerplate, byline and source are not in the published text. */
    for (i = 0; boilerplate[i]; i++)
        ck_assert_msg(!strstr(text, boilerplate[i]), "%s: text has \"%s\"",
                      e->file, boilerplate[i]);
    for (i = 0; e->byline[i]; i++)
        ck_assert_msg(!strstr(text, e->byline[i]), "%s: byline %s in the text",
                      e->file, e->byline[i]);
    ck_assert(len > 0 && text[len - 1] != '\n' && text[0] != '\n');
    ck_assert(!strstr(text, "\n\n\n"));
    run_free(&r);
    free(raw);
}
END_TEST

START_TEST(sample_metadata_contract)
{
    size_t n;
    char *raw = slurp("tests/fixtures/001_9dbad9a477df04d3.txt", &n), *s;
    run r = plugin_run("{}", raw, n, "001.txt");
    json_t *c, *langs;
    const void *view;
    size_t vlen, tlen;
    static const char *const keys[] = {
        "title", "lead", "byline", "source", "format", "charset",
        "charset_confidence", "replaced_bytes", "script", "langs",
        "paragraphs", "captions", "counts", NULL};

    ck_assert_int_eq(r.status, INBOXD_OK);
    for (int i = 0; keys[i]; i++) {
        json_t *v = meta(&r, keys[i]);
        ck_assert_msg(v != NULL, "meta %s missing", keys[i]);
        json_decref(v);
    }
    s = meta_str(&r, "format");
    ck_assert_str_eq(s, "text");
    free(s);
    s = meta_str(&r, "charset");
    ck_assert_str_eq(s, "UTF-8");
    free(s);
    ck_assert_int_eq(meta_int(&r, "charset_confidence"), 100);
    ck_assert_int_eq(meta_int(&r, "replaced_bytes"), 0);
    s = meta_str(&r, "lead");
    ck_assert(!strncmp(s, "طلب السكرتير الإقليمي للحزب", strlen("طلب السكرتير "
                                                                "الإقليمي "
                                                                "للحزب")));
    ck_assert(strstr(s, "\n") == NULL);
    free(s);

    c = meta(&r, "counts");
    ck_assert_int_eq(json_integer_value(json_object_get(c, "paragraphs")), 22);
    ck_assert_int_gt(json_integer_value(json_object_get(c, "words")), 900);
    ck_assert_int_lt(json_integer_value(json_object_get(c, "words")), 1200);
    ck_assert_int_gt(json_integer_value(json_object_get(c, "sentences")), 22);
    r.h->doc_text(r.doc, &tlen);
    ck_assert_int_lt(json_integer_value(json_object_get(c, "chars")),
                     (json_int_t)tlen);
    json_decref(c);
    langs = meta(&r, "langs");
    ck_assert_uint_eq(json_array_size(langs), 1);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_array_get(langs, 0), "lang")),
        "ar");
    ck_assert(json_real_value(json_object_get(json_array_get(langs, 0),
                                              "share")) > 0.99);
    json_decref(langs);
    /* No Arabic-Indic digits here: the view is the text. */
    view = r.h->doc_view(r.doc, "text.ascii_digits", &vlen);
    ck_assert_ptr_nonnull(view);
    ck_assert_uint_eq(vlen, tlen);
    run_free(&r);
    free(raw);
}
END_TEST

START_TEST(raw_bytes_untouched)
{
    size_t n, len;
    char *raw = slurp("tests/fixtures/004_2a444d741088f182.txt", &n);
    run r = plugin_run("{}", raw, n, "004.txt");
    const unsigned char *b = r.h->doc_raw(r.doc, &len);
    ck_assert_int_eq(r.status, INBOXD_OK);
    ck_assert_uint_eq(len, n);
    ck_assert(!memcmp(b, raw, n));
    run_free(&r);
    free(raw);
}
END_TEST

START_TEST(reprocess_replaces_metadata)
{
    /* A second run on a document replaces the keys of the first. */
    const inboxd_plugin *p = inboxd_plugin_entry();
    const inboxd_host *h = doc_host();
    const char *a = "Title one\nBody paragraph of the first document.\n"
                    "Source: https://example.com/a\n";
    char err[128], *dir = config_dir();
    void *inst = NULL;
    inboxd_doc *d;
    char *s;
    doc_host_set_config_dir(dir);
    free(dir);
    ck_assert_int_eq(p->create(&inst, "{}", h, err, sizeof err), 0);
    d = doc_new_copy("a.txt", a, strlen(a), 0);
    ck_assert_int_eq(p->process(inst, d), INBOXD_OK);
    s = h->doc_meta_get(d, "source_url");
    ck_assert_str_eq(s, "\"https://example.com/a\"");
    h->free(s);
    free(d->raw);
    d->raw = (unsigned char *)strdup("Another title\nNo source here at all.\n");
    d->raw_len = strlen((char *)d->raw);
    ck_assert_int_eq(p->process(inst, d), INBOXD_OK);
    ck_assert_ptr_null(h->doc_meta_get(d, "source_url"));
    s = h->doc_meta_get(d, "title");
    ck_assert_str_eq(s, "\"Another title\"");
    h->free(s);
    doc_free(d);
    p->destroy(inst);
}
END_TEST

START_TEST(descriptor)
{
    const inboxd_plugin *p = inboxd_plugin_entry();
    ck_assert_uint_eq(p->abi_version, INBOXD_ABI_VERSION);
    ck_assert_uint_eq(p->size, sizeof(inboxd_plugin));
    ck_assert_str_eq(p->signature, INBOXD_BUILD_SIGNATURE);
    ck_assert_str_eq(p->name, "parse");
    ck_assert_int_eq(p->stage, INBOXD_STAGE_PARSE);
    ck_assert(p->flags & INBOXD_PLUGIN_CONCURRENT);
    p->destroy(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("parse_samples");
    TCase *tc = tcase_create("samples");
    tcase_add_loop_test(tc, sample_structure, 0,
                        (int)(sizeof samples / sizeof samples[0]));
    tcase_add_test(tc, sample_metadata_contract);
    tcase_add_test(tc, raw_bytes_untouched);
    tcase_add_test(tc, reprocess_replaces_metadata);
    tcase_add_test(tc, descriptor);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
