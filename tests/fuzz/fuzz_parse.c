/*
 * Fuzz target: the parse plugin's host-free entry, parse_document(), on any
 * bytes, with the real data files (etc/inboxd/parse).  Invariants: the
 * result is PARSE_OK with a clean published text (strict UTF-8, no NUL,
 * bounded by a small multiple of the input: a decoded text cannot blow up),
 * spans inside it on character boundaries; or PARSE_FAILED with a reason;
 * or -ENOMEM.
 */
#include "fuzz.h"

#include "parse.h"

#include <errno.h>
#include <string.h>

static parse_ctx *ctx;

static void cleanup(void)
{
    ctx = parse_ctx_free(ctx);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char dir[4096], err[512];
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "%s/etc/inboxd", fuzz_top());
    if (parse_ctx_new(&ctx, "{}", dir, err, sizeof err) < 0) {
        fprintf(stderr, "fuzz_parse: cannot load the parse data from %s: %s\n", dir, err);
        abort();
    }
    atexit(cleanup);
    return 0;
}

static int on_boundary(const char *s, size_t len, size_t off)
{
    return off == 0 || off == len || ((unsigned char)s[off] & 0xC0) != 0x80;
}

static void check_spans(const parse_result *r, const parse_span *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!(v[i].start <= v[i].end && v[i].end <= r->text_len))
            fprintf(stderr, "span %zu of %zu is [%zu,%zu) but the text has %zu bytes: \"%s\"\n", i,
                    n, v[i].start, v[i].end, r->text_len, r->text);
        FUZZ_ASSERT(v[i].start <= v[i].end && v[i].end <= r->text_len);
        FUZZ_ASSERT(on_boundary(r->text, r->text_len, v[i].start));
        FUZZ_ASSERT(on_boundary(r->text, r->text_len, v[i].end));
        FUZZ_ASSERT(memchr(v[i].lang, '\0', sizeof v[i].lang) != NULL);
    }
}

static void check_str(const char *s)
{
    if (s)
        FUZZ_ASSERT(fuzz_utf8_valid(s, strlen(s)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *names[] = {"report.txt", "report.md", "report.html", "report.json"};
    parse_result r;
    /* The name hints at the format; take it from the size so that every
     * input is tried under one name, deterministically. */
    int rc = parse_document(ctx, data, size, names[size % 4], &r);
    if (rc == PARSE_OK) {
        FUZZ_ASSERT(r.text != NULL && r.title != NULL && r.lead != NULL);
        FUZZ_ASSERT(strlen(r.text) == r.text_len);
        FUZZ_ASSERT(fuzz_utf8_valid(r.text, r.text_len));
        FUZZ_ASSERT(r.text_len <= 4 * size + 4096);
        if (r.ascii_digits)
            FUZZ_ASSERT(strlen(r.ascii_digits) == r.ascii_digits_len);
        check_str(r.title);
        check_str(r.lead);
        check_str(r.source);
        check_str(r.source_url);
        check_str(r.published);
        for (size_t i = 0; i < r.n_byline; i++) {
            FUZZ_ASSERT(r.byline[i] != NULL);
            check_str(r.byline[i]);
        }
        check_spans(&r, r.paragraphs, r.n_paragraphs);
        check_spans(&r, r.captions, r.n_captions);
        FUZZ_ASSERT(r.format != NULL);
        FUZZ_ASSERT(r.charset_confidence >= 0 && r.charset_confidence <= 100);
        FUZZ_ASSERT(r.replaced_bytes <= size);
        for (size_t i = 0; i < r.n_langs; i++)
            FUZZ_ASSERT(r.langs[i].share >= 0 && r.langs[i].share <= 1.0001);
    } else if (rc == PARSE_FAILED) {
        FUZZ_ASSERT(r.error[0] != '\0');
        FUZZ_ASSERT(memchr(r.error, '\0', sizeof r.error) != NULL);
    } else {
        FUZZ_ASSERT(rc == -ENOMEM);
    }
    parse_result_clear(&r);
    return 0;
}
