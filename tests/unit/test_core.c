/* Unit tests of the daemon's pure parts: line splitting, requests, config,
 * names, UTF-8, the string set, the document host services. */
#include "config.h"
#include "doc.h"
#include "request.h"
#include "strset.h"
#include "util.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct lines {
    char got[16][128];
    int n;
};

static int collect(void *ctx, char *line, size_t len)
{
    struct lines *l = ctx;
    snprintf(l->got[l->n++], 128, "%.*s", (int)len, line);
    return 0;
}

START_TEST(linebuf_pieces)
{
    struct linebuf lb = {0};
    struct lines l = {0};
    const char *text = "{\"op\":\"ping\"}\n\n{\"op\":\"status\"}\nhalf";
    /* Fed one byte at a time, the lines come out whole. */
    for (size_t i = 0; i < strlen(text); i++)
        ck_assert_int_eq(linebuf_feed(&lb, text + i, 1, 100, collect, &l), 0);
    ck_assert_int_eq(l.n, 3);
    ck_assert_str_eq(l.got[0], "{\"op\":\"ping\"}");
    ck_assert_str_eq(l.got[1], "");
    ck_assert_str_eq(l.got[2], "{\"op\":\"status\"}");
    ck_assert_int_eq(lb.len, 4);
    ck_assert_int_eq(linebuf_feed(&lb, "\n", 1, 100, collect, &l), 0);
    ck_assert_str_eq(l.got[3], "half");
    /* Past max_line, with or without a newline. */
    char big[300];
    memset(big, 'x', sizeof big);
    ck_assert_int_eq(linebuf_feed(&lb, big, sizeof big, 100, collect, &l), -E2BIG);
    linebuf_clear(&lb);
    big[200] = '\n';
    ck_assert_int_eq(linebuf_feed(&lb, big, sizeof big, 100, collect, &l), -E2BIG);
    linebuf_clear(&lb);
}
END_TEST

START_TEST(requests)
{
    struct request r;
    char err[300];
    const char *ok = "{\"op\":\"subscribe\",\"events\":[\"document.*\",\"daemon.ready\"],\"since\":12}";
    ck_assert_int_eq(request_parse(ok, strlen(ok), &r, err, sizeof err), 0);
    ck_assert_int_eq(r.op, REQ_SUBSCRIBE);
    ck_assert_int_eq(r.n_events, 2);
    ck_assert_str_eq(r.events[1], "daemon.ready");
    ck_assert(r.has_since);
    ck_assert_int_eq(r.since, 12);
    request_clear(&r);
    const char *st = "{\"op\":\"status\"}\r";
    ck_assert_int_eq(request_parse(st, strlen(st), &r, err, sizeof err), 0);
    ck_assert_int_eq(r.op, REQ_OTHER);
    ck_assert_str_eq(r.opname, "status");
    request_clear(&r);
    static const struct { const char *in, *msg; } bad[] = {
        {"", "malformed"}, {"nope", "malformed"}, {"[]", "not a JSON object"},
        {"{\"op\":1}", "no \"op\""}, {"{\"op\":\"subscribe\",\"since\":\"x\"}", "since"},
        {"{\"op\":\"subscribe\",\"since\":-1}", "since"},
        {"{\"op\":\"subscribe\",\"events\":[1]}", "events"},
        {"{\"op\":\"subscribe\",\"events\":{}}", "events"}, {"{\"op\":\"ping\"", "malformed"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(request_parse(bad[i].in, strlen(bad[i].in), &r, err, sizeof err), -EINVAL);
        ck_assert_msg(strstr(err, bad[i].msg), "%s -> %s", bad[i].in, err);
    }
}
END_TEST

START_TEST(config_loading)
{
    struct config c;
    char *errors = NULL;
    ck_assert_int_eq(config_default(&c, "/nonexistent/bin"), 0);
    ck_assert_str_eq(c.inbox, "./var/inbox");
    ck_assert_int_eq(c.n_plugins, 3);
    ck_assert_int_eq(c.max_attempts, 3);
    ck_assert_int_eq(c.max_bytes, 64u << 20);
    const char *good = "{\"inbox\":\"/srv/in\",\"max_inflight\":8,\"on_success\":\"delete\","
                       "\"plugins\":[{\"name\":\"a\",\"isolate\":true,\"config\":{\"x\":1}}],"
                       "\"socket_mode\":\"0600\",\"allowed_uids\":[0,1000]}";
    ck_assert_int_eq(config_load_text(&c, good, strlen(good), "t", &errors), 0);
    ck_assert_ptr_null(errors);
    ck_assert_str_eq(c.inbox, "/srv/in");
    ck_assert_int_eq(c.max_inflight, 8);
    ck_assert_int_eq(c.on_success, ON_SUCCESS_DELETE);
    ck_assert_int_eq(c.n_plugins, 1);
    ck_assert(c.plugins[0].isolate);
    ck_assert_int_eq(c.socket_mode, 0600);
    ck_assert_int_eq(c.n_allowed_uids, 2);
    ck_assert_int_eq(c.allowed_uids[1], 1000);
    char *path = config_plugin_path(&c, "a", NULL);
    ck_assert_ptr_nonnull(strstr(path, "/a.so"));
    free(path);
    /* Every problem is named, with the file. */
    const char *bad = "{\"inbx\":\"x\",\"max_inflight\":-1,\"on_success\":\"burn\","
                      "\"plugins\":[{\"nom\":\"a\"}],\"stage_timeout\":\"soon\"}";
    ck_assert_int_eq(config_load_text(&c, bad, strlen(bad), "conf.json", &errors), -EINVAL);
    ck_assert_ptr_nonnull(strstr(errors, "conf.json: unknown key \"inbx\""));
    ck_assert_ptr_nonnull(strstr(errors, "max_inflight"));
    ck_assert_ptr_nonnull(strstr(errors, "on_success"));
    ck_assert_ptr_nonnull(strstr(errors, "unknown key \"plugins[0].nom\""));
    ck_assert_ptr_nonnull(strstr(errors, "has no \"name\""));
    ck_assert_ptr_nonnull(strstr(errors, "stage_timeout"));
    free(errors);
    ck_assert_int_eq(config_load_text(&c, "{\"a\":1,\"a\":2}", 13, "dup", &errors), -EINVAL);
    ck_assert_ptr_nonnull(strstr(errors, "duplicate"));
    free(errors);
    config_clear(&c);
}
END_TEST

START_TEST(names_and_utf8)
{
    char *s = util_sanitize_name("../etc/pa\nss\xff wd", 200);
    ck_assert_str_eq(s, ".._etc_pa_ss_ wd");
    free(s);
    s = util_sanitize_name("..", 200);
    ck_assert_str_eq(s, "_");
    free(s);
    s = util_sanitize_name("", 200);
    ck_assert_str_eq(s, "_");
    free(s);
    /* Cut on a character boundary. */
    s = util_sanitize_name("\xce\xb1\xce\xb2\xce\xb3", 5);
    ck_assert_str_eq(s, "\xce\xb1\xce\xb2");
    free(s);
    ck_assert(util_utf8_valid("\xd8\xa7\xce\xb1 abc", 7));
    ck_assert(!util_utf8_valid("\xc0\xaf", 2));         /* overlong */
    ck_assert(!util_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    ck_assert(!util_utf8_valid("\xe2\x82", 2));         /* truncated */
    ck_assert(!util_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    s = util_utf8_lossy("a\xffz");
    ck_assert_str_eq(s, "a\xef\xbf\xbdz");
    free(s);
    s = util_hex_encode("a\n\xff");
    ck_assert_str_eq(s, "610aff");
    char *back = util_hex_decode(s);
    ck_assert_str_eq(back, "a\n\xff");
    free(back);
    free(s);
    s = util_hex_decode("00"); /* a NUL byte cannot end the name early */
    ck_assert_str_eq(s, "_");
    free(s);
    char hex[65];
    util_sha256_hex("abc", 3, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    char ts[40];
    util_rfc3339(1700000000123, ts, sizeof ts);
    ck_assert_str_eq(ts, "2023-11-14T22:13:20.123Z");
}
END_TEST

START_TEST(string_set)
{
    struct strset s = {0};
    char k[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(k, sizeof k, "name-%d", i);
        ck_assert_int_eq(strset_add(&s, k), 1);
    }
    ck_assert_int_eq(strset_add(&s, "name-42"), 0);
    ck_assert(strset_has(&s, "name-4999"));
    ck_assert(!strset_has(&s, "name-5000"));
    ck_assert_int_eq(strset_del(&s, "name-42"), 1);
    ck_assert_int_eq(strset_del(&s, "name-42"), 0);
    ck_assert_int_eq(s.n, 4999);
    strset_clear(&s);
}
END_TEST

START_TEST(host_services)
{
    const inboxd_host *h = doc_host();
    inboxd_doc *d = doc_new_copy("r.txt", "raw", 3, 1);
    size_t len;
    ck_assert_int_eq(h->size, sizeof(inboxd_host));
    ck_assert_int_eq(strlen(h->doc_id(d)), 64);
    ck_assert_int_eq(h->doc_set_text(d, "bad\xff", 4), -EINVAL);
    ck_assert_int_eq(h->doc_set_text(d, "nul\0x", 5), -EINVAL);
    ck_assert_int_eq(h->doc_set_text(d, "Hà Nội 2024", strlen("Hà Nội 2024")), 0);
    ck_assert_str_eq(h->doc_text(d, &len), "Hà Nội 2024");
    inboxd_entity e = {.type = "LOC", .text = "Hà Nội", .start = 0, .end = 8, .confidence = 2,
                       .attrs = "{\"kind\":\"city\"}"};
    ck_assert_int_eq(h->doc_add_entity(d, &e), 0);
    ck_assert(h->doc_entity(d, 0)->confidence == 1.0);
    e.end = 999;
    ck_assert_int_eq(h->doc_add_entity(d, &e), -ERANGE);
    e.end = 8;
    e.attrs = "[1]";
    ck_assert_int_eq(h->doc_add_entity(d, &e), -EINVAL);
    ck_assert_int_eq(h->doc_entity_count(d), 1);
    ck_assert_int_eq(h->doc_meta_set(d, "title", "\"T\""), 0);
    ck_assert_int_eq(h->doc_meta_set(d, "x", "{bad"), -EINVAL);
    char *m = h->doc_meta_get(d, NULL);

    ck_assert_ptr_nonnull(strstr(m, "\"title\""));
    h->free(m);
    ck_assert_int_eq(h->doc_set_view(d, "v", "abc", 3), 0);
    ck_assert_str_eq(h->doc_view(d, "v", &len), "abc");
    ck_assert_ptr_null(h->doc_view(d, "w", &len));
    /* New text drops entities whose offsets pointed into the old one. */
    ck_assert_int_eq(h->doc_set_text(d, "x", 1), 0);
    ck_assert_int_eq(h->doc_entity_count(d), 0);
    h->doc_error(d, "bad %s", "thing");
    ck_assert_str_eq(d->error, "bad thing");
    doc_free(d);
    ck_assert_ptr_null(doc_free(NULL));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("unit");
    tcase_add_test(tc, linebuf_pieces);
    tcase_add_test(tc, requests);
    tcase_add_test(tc, config_loading);
    tcase_add_test(tc, names_and_utf8);
    tcase_add_test(tc, string_set);
    tcase_add_test(tc, host_services);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
