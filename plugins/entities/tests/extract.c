/* Unit tests of the extractor (entities.h), by type and language. */
#include "entities.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static ent_data *D;

static void setup(void)
{
    char dir[4096], err[512];
    const char *top = getenv("INBOXD_TOP");
    snprintf(dir, sizeof dir, "%s/etc/inboxd/entities", top ? top : ".");
    if (ent_data_load(&D, dir, err, sizeof err) < 0)
        ck_abort_msg("load: %s", err);
}

static void teardown(void) { D = ent_data_free(D); }

/* Extracts and checks every offset against the text. */
static ent_list run(const char *text, const char *lang)
{
    ent_list l = {0};
    ent_opts o = {.doc_lang = lang, .latin = 1};
    size_t i;
    ck_assert_int_eq(ent_extract(D, text, strlen(text), &o, &l), 0);
    for (i = 0; i < l.n; i++) {
        const ent_entity *e = &l.v[i];
        ck_assert_uint_le(e->start, e->end);
        ck_assert_uint_le(e->end, strlen(text));
        ck_assert_int_eq(strlen(e->text), e->end - e->start);
        ck_assert(memcmp(text + e->start, e->text, e->end - e->start) == 0);
        ck_assert_ptr_nonnull(e->value);
        ck_assert_ptr_nonnull(e->key);
        ck_assert_ptr_nonnull(e->attrs);
        if (i > 0)
            ck_assert_uint_ge(e->start, l.v[i - 1].end); /* no overlap */
    }
    return l;
}

/* The entity of type with this surface, or NULL. */
static const ent_entity *find(const ent_list *l, int type, const char *surface)
{
    size_t i;
    for (i = 0; i < l->n; i++)
        if (l->v[i].type == type && !strcmp(l->v[i].text, surface))
            return &l->v[i];
    return NULL;
}

static size_t count(const ent_list *l, int type)
{
    size_t i, n = 0;
    for (i = 0; i < l->n; i++)
        n += l->v[i].type == type;
    return n;
}

#define FIND(l, t, s)                                                                    \
    ({                                                                                   \
        const ent_entity *e_ = find(&(l), t, s);                                         \
        ck_assert_msg(e_ != NULL, "no %s \"%s\"", ent_type_name(t), s);                  \
        e_;                                                                              \
    })

/* ---- DATE -------------------------------------------------------------- */

START_TEST(date_arabic)
{
    ent_list l = run("عقدت اللجنة مؤتمرا في 3 يونيو 2013، ثم في الربع الثالث من عام 2023 "
                     "وفي الفترة 2021 - 2023.", "ar");
    ck_assert_str_eq(FIND(l, ENT_DATE, "3 يونيو 2013")->value, "2013-06-03");
    ck_assert_str_eq(FIND(l, ENT_DATE, "الربع الثالث من عام 2023")->value, "2023-Q3");
    ck_assert_str_eq(FIND(l, ENT_DATE, "2021 - 2023")->value, "2021/2023");
    ent_list_clear(&l);
}
END_TEST

START_TEST(date_without_year)
{
    ent_list l = run("في صباح يوم 6 أكتوبر، عقدت اللجنة مؤتمرا للربع الرابع من عام 2023.", "ar");
    const ent_entity *e = FIND(l, ENT_DATE, "6 أكتوبر");
    ck_assert_str_eq(e->value, "2023-10-06");
    ck_assert_ptr_nonnull(strstr(e->attrs, "\"year_inferred\":true"));
    ent_list_clear(&l);
    /* no year anywhere and no reference year: ISO "--MM-DD", flagged */
    l = run("Le 14 juillet est férié.", "fr");
    e = FIND(l, ENT_DATE, "14 juillet");
    ck_assert_str_eq(e->value, "--07-14");
    ck_assert_ptr_nonnull(strstr(e->attrs, "year_missing"));
    ent_list_clear(&l);
}
END_TEST

START_TEST(date_ref_year)
{
    ent_list l = {0};
    ent_opts o = {.ref_year = 2024};
    const char *t = "The meeting on 6 October was short.";
    ck_assert_int_eq(ent_extract(D, t, strlen(t), &o, &l), 0);
    ck_assert_str_eq(FIND(l, ENT_DATE, "6 October")->value, "2024-10-06");
    ent_list_clear(&l);
}
END_TEST

START_TEST(date_arabic_indic_digits)
{
    ent_list l = run("صدر التقرير في ٣ يونيو ٢٠١٣ وفي عام ٢٠٢٤.", "ar");
    ck_assert_str_eq(FIND(l, ENT_DATE, "٣ يونيو ٢٠١٣")->value, "2013-06-03");
    ck_assert_str_eq(FIND(l, ENT_DATE, "٢٠٢٤")->value, "2024");
    ent_list_clear(&l);
}
END_TEST

START_TEST(date_greek)
{
    ent_list l = run("Στις 25 Αυγούστου 2023 και κατά το τρίτο τρίμηνο του 2024, "
                     "για την 5ετία 2021-2025.", "el");
    ck_assert_str_eq(FIND(l, ENT_DATE, "25 Αυγούστου 2023")->value, "2023-08-25");
    ck_assert_str_eq(FIND(l, ENT_DATE, "τρίτο τρίμηνο του 2024")->value, "2024-Q3");
    ck_assert_str_eq(FIND(l, ENT_DATE, "2021-2025")->value, "2021/2025");
    ent_list_clear(&l);
}
END_TEST

START_TEST(date_vietnamese_english_french)
{
    ent_list l = run("Ngày 25 tháng 8 năm 2023, trong quý III/2023 và ngày 3/6/2013.", "vi");
    ck_assert_str_eq(FIND(l, ENT_DATE, "25 tháng 8 năm 2023")->value, "2023-08-25");
    ck_assert_str_eq(FIND(l, ENT_DATE, "quý III/2023")->value, "2023-Q3");
    ck_assert_str_eq(FIND(l, ENT_DATE, "3/6/2013")->value, "2013-06-03");
    ent_list_clear(&l);
    l = run("On August 25, 2023 and in the third quarter of 2023, dated 2023-10-06.", "en");
    ck_assert_str_eq(FIND(l, ENT_DATE, "August 25, 2023")->value, "2023-08-25");
    ck_assert_str_eq(FIND(l, ENT_DATE, "third quarter of 2023")->value, "2023-Q3");
    ck_assert_str_eq(FIND(l, ENT_DATE, "2023-10-06")->value, "2023-10-06");
    ent_list_clear(&l);
    l = run("Le 3 juin 2013, le comité s'est réuni.", "fr");
    ck_assert_str_eq(FIND(l, ENT_DATE, "3 juin 2013")->value, "2013-06-03");
    ent_list_clear(&l);
}
END_TEST

START_TEST(date_invalid_not_matched)
{
    ent_list l = run("Code 31/02/2023 and 45 March and 99/99/9999.", "en");
    ck_assert_ptr_null(find(&l, ENT_DATE, "31/02/2023"));
    ck_assert_ptr_null(find(&l, ENT_DATE, "45 March"));
    ck_assert_ptr_null(find(&l, ENT_DATE, "99/99/9999"));
    ent_list_clear(&l);
}
END_TEST

/* ---- DOCREF ------------------------------------------------------------- */

START_TEST(docref_party_and_state)
{
    ent_list l = run("تنفيذ القرار 25-NQ/TW والاستنتاج رقم 43-KL/TW والقرار 657-QD/TU "
                     "والبرنامج 961-CTr/TU وQuyết định 123/QĐ-TTg và 15/2020/NĐ-CP.", "ar");
    const ent_entity *e = FIND(l, ENT_DOCREF, "25-NQ/TW");
    ck_assert_ptr_nonnull(strstr(e->attrs, "\"kind\":\"resolution\""));
    ck_assert_ptr_nonnull(strstr(e->attrs, "\"issuer\":\"central\""));
    ck_assert_ptr_nonnull(strstr(FIND(l, ENT_DOCREF, "43-KL/TW")->attrs, "conclusion"));
    e = FIND(l, ENT_DOCREF, "657-QD/TU");
    ck_assert_ptr_nonnull(strstr(e->attrs, "\"issuer\":\"provincial\""));
    ck_assert_ptr_nonnull(strstr(FIND(l, ENT_DOCREF, "961-CTr/TU")->attrs, "programme"));
    e = FIND(l, ENT_DOCREF, "123/QĐ-TTg");
    ck_assert_str_eq(e->value, "123/QD-TTg");
    ck_assert_ptr_nonnull(strstr(e->attrs, "\"kind\":\"decision\""));
    ck_assert_ptr_nonnull(strstr(e->attrs, "\"issuer\":\"prime minister\""));
    ck_assert_ptr_nonnull(strstr(FIND(l, ENT_DOCREF, "15/2020/NĐ-CP")->attrs, "decree"));
    ent_list_clear(&l);
}
END_TEST

START_TEST(docref_malformed)
{
    ent_list l = run("Not codes: 25- and /TW and 25-/TW and -NQ/TW and 25-NQ/ and 25 - NQ/TW.", "en");
    ck_assert_uint_eq(count(&l, ENT_DOCREF), 0);
    ent_list_clear(&l);
}
END_TEST

/* ---- numbers -------------------------------------------------------------- */

START_TEST(numbers_money_percent_quantity)
{
    ent_list l = run("تم تنفيذ 19340 نموذجًا بتكلفة 5 مليارات دونج، ومنح 7 و10 ملايين دونج، "
                     "بنسبة 45% و12 في المائة.", "ar");
    const ent_entity *e = FIND(l, ENT_QUANTITY, "19340 نموذجًا");
    ck_assert_str_eq(e->value, "19340");
    e = FIND(l, ENT_MONEY, "5 مليارات دونج");
    ck_assert_str_eq(e->value, "5000000000");
    ck_assert_ptr_nonnull(strstr(e->attrs, "\"currency\":\"VND\""));
    e = FIND(l, ENT_MONEY, "7 و10 ملايين دونج");
    ck_assert_ptr_nonnull(strstr(e->attrs, "\"low\":7000000"));
    ck_assert_ptr_nonnull(strstr(e->attrs, "\"high\":10000000"));
    ck_assert_str_eq(FIND(l, ENT_PERCENT, "45%")->value, "45");
    ck_assert_str_eq(FIND(l, ENT_PERCENT, "12 في المائة")->value, "12");
    ent_list_clear(&l);
}
END_TEST

START_TEST(numbers_separators_by_language)
{
    ent_list l = run("They sold 100,000 products for $2.5 million.", "en");
    ck_assert_str_eq(FIND(l, ENT_QUANTITY, "100,000 products")->value, "100000");
    ck_assert_str_eq(FIND(l, ENT_MONEY, "$2.5 million")->value, "2500000");
    ent_list_clear(&l);
    l = run("Đã bán 100.000 sản phẩm, trị giá 2,5 tỷ đồng.", "vi");
    ck_assert_str_eq(FIND(l, ENT_QUANTITY, "100.000 sản")->value, "100000");
    ck_assert_str_eq(FIND(l, ENT_MONEY, "2,5 tỷ đồng")->value, "2500000000");
    ent_list_clear(&l);
    l = run("بلغت قيمة الصفقة ١٢٫٥ مليون دولار.", "ar");
    ck_assert_str_eq(FIND(l, ENT_MONEY, "١٢٫٥ مليون دولار")->value, "12500000");
    ent_list_clear(&l);
}
END_TEST

/* ---- URL / EMAIL --------------------------------------------------------------- */

START_TEST(url_email)
{
    ent_list l = run("المصدر: https://nhandan.vn/bao-dam-post817514.html، للتواصل: "
                     "info@nhandan.vn. Visit www.example.org/a?b=1.", "ar");
    FIND(l, ENT_URL, "https://nhandan.vn/bao-dam-post817514.html");
    FIND(l, ENT_EMAIL, "info@nhandan.vn");
    FIND(l, ENT_URL, "www.example.org/a?b=1");
    ent_list_clear(&l);
}
END_TEST

/* ---- PERSON / ORG / LOC --------------------------------------------------------- */

START_TEST(person_arabic_titles_and_variants)
{
    ent_list l = run("طلب السكرتير الإقليمي للحزب هوانج ترونج دونج أنه في الفترة القادمة. "
                     "ترأس المؤتمر الرفيق دو فيت آنه، عضو اللجنة الدائمة.\n"
                     "السكرتير الإقليمي للحزب هوانغ ترونغ دونغ والمندوبون.\n"
                     "وقال هوانج ترونج دونج إن العمل مستمر.", "ar");
    const ent_entity *a = FIND(l, ENT_PERSON, "هوانج ترونج دونج");
    const ent_entity *b = FIND(l, ENT_PERSON, "هوانغ ترونغ دونغ");
    const ent_entity *c = FIND(l, ENT_PERSON, "دو فيت آنه");
    size_t i, n = 0;
    ck_assert_ptr_nonnull(strstr(a->attrs, "\"role\":\"provincial party secretary\""));
    ck_assert_ptr_nonnull(strstr(c->attrs, "\"role\":\"comrade\""));
    ck_assert_str_eq(a->key, b->key); /* spelling variants, one key */
    /* the short mention without a title links to the full one */
    for (i = 0; i < l.n; i++)
        if (l.v[i].type == ENT_PERSON && !strcmp(l.v[i].key, a->key))
            n++;
    ck_assert_uint_eq(n, 3);
    ck_assert_ptr_nonnull(strstr(a->attrs, "\"latin\":"));
    ent_list_clear(&l);
}
END_TEST

START_TEST(person_greek_english_vietnamese)
{
    ent_list l = run("Στη συνεδρίαση, ο σύντροφος Pham Tat Thang ανέφερε τα αποτελέσματα. "
                     "Εκ μέρους της Επιτροπής, η σύντροφος Μπούι Θι Μινχ Χόαι εξέφρασε.", "el");
    ck_assert_ptr_nonnull(strstr(FIND(l, ENT_PERSON, "Pham Tat Thang")->attrs, "comrade"));
    FIND(l, ENT_PERSON, "Μπούι Θι Μινχ Χόαι");
    ent_list_clear(&l);
    l = run("Provincial Party Secretary Hoang Trung Dung met Prime Minister Pham Minh Chinh.",
            "en");
    FIND(l, ENT_PERSON, "Hoang Trung Dung");
    ck_assert_ptr_nonnull(strstr(FIND(l, ENT_PERSON, "Pham Minh Chinh")->attrs, "prime minister"));
    ent_list_clear(&l);
    l = run("Đồng chí Đỗ Việt Anh, Trưởng Ban Dân vận Tỉnh ủy, phát biểu.", "vi");
    FIND(l, ENT_PERSON, "Đỗ Việt Anh");
    ent_list_clear(&l);
}
END_TEST

START_TEST(org_loc_arabic)
{
    ent_list l = run("عقدت لجنة التعبئة الجماهيرية التابعة للجنة الحزب الإقليمية مؤتمرا في "
                     "مقاطعة ها تينه ومنطقة ثوان باك وبلدية كام لوك مع جبهة الوطن.", "ar");
    const ent_entity *e;
    FIND(l, ENT_ORG, "لجنة التعبئة الجماهيرية");
    FIND(l, ENT_ORG, "جبهة الوطن");
    e = FIND(l, ENT_LOC, "ها تينه");
    ck_assert_str_eq(e->key, "vn:ha-tinh");
    ck_assert_ptr_nonnull(strstr(e->attrs, "\"kind\":\"province\""));
    e = FIND(l, ENT_LOC, "ثوان باك");
    ck_assert_ptr_nonnull(strstr(e->attrs, "\"kind\":\"district\""));
    e = FIND(l, ENT_LOC, "كام لوك");
    ck_assert_ptr_nonnull(strstr(e->attrs, "\"kind\":\"commune\""));
    ent_list_clear(&l);
}
END_TEST

START_TEST(cross_script_gazetteer_keys)
{
    static const char *const texts[][2] = {
        {"Delegates from Ha Tinh attended.", "en"},
        {"Đại biểu tỉnh Hà Tĩnh dự họp.", "vi"},
        {"حضر مندوبو ها تينه.", "ar"},
        {"Αντιπρόσωποι από τη Χα Τινχ.", "el"}};
    size_t i;
    for (i = 0; i < 4; i++) {
        ent_list l = run(texts[i][0], texts[i][1]);
        size_t k;
        int ok = 0;
        for (k = 0; k < l.n; k++)
            if (l.v[k].type == ENT_LOC && !strcmp(l.v[k].key, "vn:ha-tinh"))
                ok = 1;
        ck_assert_msg(ok, "no Ha Tinh in %s", texts[i][0]);
        ent_list_clear(&l);
    }
}
END_TEST

START_TEST(org_greek_inflection)
{
    ent_list l = run("Η Κεντρική Επιτροπή Μαζικής Κινητοποίησης παρακολούθησε τις οδηγίες "
                     "του Πολιτικού Γραφείου και της Γραμματείας.", "el");
    const ent_entity *a = FIND(l, ENT_ORG, "Κεντρική Επιτροπή Μαζικής Κινητοποίησης");
    ck_assert_str_eq(a->key, "vn:central-mass-mobilization-commission");
    ck_assert_str_eq(FIND(l, ENT_ORG, "Πολιτικού Γραφείου")->key, "vn:politburo");
    ck_assert_str_eq(FIND(l, ENT_ORG, "Γραμματείας")->key, "vn:secretariat");
    ent_list_clear(&l);
}
END_TEST

START_TEST(world_news_arabic)
{
    ent_list l = run("وقال الرئيس الأمريكي جورج بوش في واشنطن إن الأمم المتحدة ستجتمع في "
                     "نيويورك، بينما التقى وزير الخارجية الفرنسي ميشيل بارنييه بنظيره.", "ar");
    ck_assert_ptr_nonnull(strstr(FIND(l, ENT_PERSON, "جورج بوش")->attrs, "president"));
    FIND(l, ENT_LOC, "واشنطن");
    FIND(l, ENT_LOC, "نيويورك");
    ck_assert_str_eq(FIND(l, ENT_ORG, "الأمم المتحدة")->key, "org:united nations");
    FIND(l, ENT_PERSON, "ميشيل بارنييه");
    ent_list_clear(&l);
}
END_TEST

START_TEST(clitics_stripped_from_surface)
{
    ent_list l = run("سافر الوفد إلى بغداد ثم وبغداد ولبنان.", "ar");
    const ent_entity *e = FIND(l, ENT_LOC, "بغداد");
    ck_assert_str_eq(e->key, "loc:baghdad");
    FIND(l, ENT_LOC, "لبنان");
    ck_assert_uint_eq(count(&l, ENT_LOC), 3);
    ent_list_clear(&l);
}
END_TEST

/* ---- hostile inputs ---------------------------------------------------------------- */

START_TEST(invalid_utf8_and_empty)
{
    const char bad[] = "abc \xff\xfe 25-NQ/TW \xc3 \xe2\x82 end 3 June 2013";
    ent_list l = {0};
    size_t i;
    ck_assert_int_eq(ent_extract(D, "", 0, NULL, &l), 0);
    ck_assert_uint_eq(l.n, 0);
    ck_assert_int_eq(ent_extract(D, bad, sizeof bad - 1, NULL, &l), 0);
    for (i = 0; i < l.n; i++)
        ck_assert_uint_le(l.v[i].end, sizeof bad - 1);
    ck_assert_ptr_nonnull(find(&l, ENT_DOCREF, "25-NQ/TW"));
    ent_list_clear(&l);
}
END_TEST

/* A valid UTF-8 string of len bytes or less, from a fixed seed: Arabic,
 * Greek, Vietnamese letters, digits of two scripts, punctuation, cue words. */
static char *mixed_text(size_t len, unsigned seed)
{
    static const char *const parts[] = {
        "ال", "و", "ب", "ل", "ه", "ة", "ي", "ن", "ج", "ث", "آ", "أ", "ـ", "ً", " ", " ", "\n",
        "0", "7", "٣", "٢", "/", "-", ".", ",", "%", "(", ")", "@", "Đ", "ơ", "Ư", "ά", "Ν",
        "τ", "الرئيس ", "لجنة ", "مقاطعة ", "25-NQ/TW ", "https://x.y/z ", "a@b.cd ",
        "مليون دونج ", "الربع الثالث من عام ", "tháng ", "Αυγούστου ", "\xE2\x80\x8F"};
    char *t = malloc(len + 1);
    size_t n = 0;
    unsigned x = seed;
    ck_assert_ptr_nonnull(t);
    for (;;) {
        const char *p;
        size_t pl;
        x = x * 1103515245u + 12345u;
        p = parts[(x >> 16) % (sizeof parts / sizeof parts[0])];
        pl = strlen(p);
        if (n + pl > len)
            break;
        memcpy(t + n, p, pl);
        n += pl;
    }
    t[n] = '\0';
    return t;
}

static int utf8_ok(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t k, m = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
        if (!m || i + m > n)
            return 0;
        for (k = 1; k < m; k++)
            if (((unsigned char)s[i + k] & 0xC0) != 0x80)
                return 0;
        i += m;
    }
    return 1;
}

/* Any mixture: every entity lies on code point boundaries, its surface is
 * the text there, its strings are valid UTF-8 and attrs a JSON object. */
START_TEST(mixed_text_entities_valid)
{
    unsigned seed;
    for (seed = 1; seed <= 5; seed++) {
        char *t = mixed_text(200000, seed);
        ent_list l = run(t, seed & 1 ? "ar" : NULL);
        size_t i;
        ck_assert_uint_gt(l.n, 100);
        for (i = 0; i < l.n; i++) {
            const ent_entity *e = &l.v[i];
            ck_assert(utf8_ok(e->text, strlen(e->text)));
            ck_assert(utf8_ok(e->value, strlen(e->value)));
            ck_assert(utf8_ok(e->key, strlen(e->key)));
            ck_assert(e->attrs[0] == '{' && e->attrs[strlen(e->attrs) - 1] == '}');
        }
        ent_list_clear(&l);
        free(t);
    }
}
END_TEST

static double time_extract(const char *t, size_t n)
{
    struct timespec a, b;
    ent_list l = {0};
    clock_gettime(CLOCK_MONOTONIC, &a);
    ck_assert_int_eq(ent_extract(D, t, n, NULL, &l), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    ent_list_clear(&l);
    return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

/* Pathological inputs stay linear: 4x the input takes well under 16x the
 * time (a quadratic rule would take 16x). */
static void check_linear(const char *unit, size_t reps)
{
    size_t ul = strlen(unit), i;
    char *a = malloc(ul * reps * 4 + 1);
    double t1, t4;
    ck_assert_ptr_nonnull(a);
    for (i = 0; i < reps * 4; i++)
        memcpy(a + i * ul, unit, ul);
    a[ul * reps * 4] = '\0';
    t1 = time_extract(a, ul * reps);
    t4 = time_extract(a, ul * reps * 4);
    ck_assert_msg(t4 < t1 * 10 + 0.05, "not linear: %.3fs then %.3fs", t1, t4);
    free(a);
}

START_TEST(pathological_repeated_word)
{
    check_linear("الرفيق ", 1u << 17);
}
END_TEST

START_TEST(pathological_no_spaces)
{
    check_linear("هوانج", 1u << 17);
}
END_TEST

START_TEST(pathological_digits)
{
    check_linear("7", 1u << 19);
}
END_TEST

START_TEST(pathological_separators)
{
    check_linear("1,2.3/4-", 1u << 16);
}
END_TEST

START_TEST(max_entities_truncates)
{
    char *t = malloc(200000);
    ent_list l = {0};
    ent_opts o = {.max_entities = 10};
    size_t n = 0;
    while (n + 16 < 200000) {
        memcpy(t + n, "25-NQ/TW 2023.\n", 15);
        n += 15;
    }
    ck_assert_int_eq(ent_extract(D, t, n, &o, &l), 0);
    ck_assert_uint_eq(l.n, 10);
    ck_assert_int_eq(l.truncated, 1);
    ent_list_clear(&l);
    free(t);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("entities_extract");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, date_arabic);
    tcase_add_test(tc, date_without_year);
    tcase_add_test(tc, date_ref_year);
    tcase_add_test(tc, date_arabic_indic_digits);
    tcase_add_test(tc, date_greek);
    tcase_add_test(tc, date_vietnamese_english_french);
    tcase_add_test(tc, date_invalid_not_matched);
    tcase_add_test(tc, docref_party_and_state);
    tcase_add_test(tc, docref_malformed);
    tcase_add_test(tc, numbers_money_percent_quantity);
    tcase_add_test(tc, numbers_separators_by_language);
    tcase_add_test(tc, url_email);
    tcase_add_test(tc, person_arabic_titles_and_variants);
    tcase_add_test(tc, person_greek_english_vietnamese);
    tcase_add_test(tc, org_loc_arabic);
    tcase_add_test(tc, cross_script_gazetteer_keys);
    tcase_add_test(tc, org_greek_inflection);
    tcase_add_test(tc, world_news_arabic);
    tcase_add_test(tc, clitics_stripped_from_surface);
    tcase_add_test(tc, invalid_utf8_and_empty);
    tcase_add_test(tc, mixed_text_entities_valid);
    tcase_add_test(tc, pathological_repeated_word);
    tcase_add_test(tc, pathological_no_spaces);
    tcase_add_test(tc, pathological_digits);
    tcase_add_test(tc, pathological_separators);
    tcase_add_test(tc, max_entities_truncates);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    int nf;
    srunner_run_all(sr, CK_NORMAL);
    nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
