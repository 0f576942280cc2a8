/*
 * Fuzz target: the entity extractor's host-free entry, ent_extract(), on
 * any bytes but NUL (which the host refuses in a text; invalid UTF-8 is
 * skipped by contract, nothing is read past len), with the real rules and gazetteers (etc/inboxd/entities), under
 * each language hint.  Invariants: entities are sorted, lie inside the
 * text, their surface is exactly the bytes they cover, every string is
 * UTF-8 and attrs is a JSON object, max_entities holds.
 */
#include "fuzz.h"

#include "entities.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

static ent_data *data;

static void cleanup(void)
{
    data = ent_data_free(data);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char dir[4096], err[512];
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "%s/etc/inboxd/entities", fuzz_top());
    if (ent_data_load(&data, dir, err, sizeof err) < 0) {
        fprintf(stderr, "fuzz_entities: cannot load %s: %s\n", dir, err);
        abort();
    }
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
    static const char *langs[] = {NULL, "ar", "el", "en", "vi", "fr", "und", "xx"};
    ent_opts o = {0};
    ent_list l = {0};
    ent_span_lang span;
    const char *text;
    char *copy;
    size_t len;
    int rc;
    if (size < 1)
        return 0;
    /* Byte 0: the language hint, one span or none, a small entity cap. */
    o.doc_lang = langs[in[0] & 7];
    o.ref_year = (in[0] & 8) ? 2024 : 0;
    o.max_entities = (in[0] & 16) ? 5 : 0;
    o.latin = (in[0] & 32) != 0;
    /* The host refuses a text with NUL bytes (doc_set_text): the extractor
     * never sees one.  Anything else goes, invalid UTF-8 included. */
    len = size - 1;
    text = copy = malloc(len ? len : 1);
    for (size_t i = 0; i < len; i++)
        copy[i] = in[1 + i] ? (char)in[1 + i] : ' ';
    if (in[0] & 64) {
        span.start = 0;
        span.end = len / 2;
        snprintf(span.lang, sizeof span.lang, "%s", langs[(in[0] >> 3) & 7] ? langs[(in[0] >> 3) & 7] : "en");
        o.spans = &span;
        o.n_spans = 1;
    }
    rc = ent_extract(data, text, len, &o, &l);
    if (rc < 0) {
        FUZZ_ASSERT(rc == -ENOMEM);
        FUZZ_ASSERT(l.n == 0);
        ent_list_clear(&l);
        free(copy);
        return 0;
    }
    if (o.max_entities)
        FUZZ_ASSERT(l.n <= o.max_entities);
    for (size_t i = 0; i < l.n; i++) {
        const ent_entity *e = &l.v[i];
        json_t *a;
        FUZZ_ASSERT(ent_type_name(e->type) != NULL);
        FUZZ_ASSERT(e->start <= e->end && e->end <= len);
        if (i)
            FUZZ_ASSERT(l.v[i - 1].start <= e->start);
        FUZZ_ASSERT(e->text != NULL);
        if (strlen(e->text) != e->end - e->start ||
            memcmp(e->text, text + e->start, e->end - e->start) != 0)
            fprintf(stderr, "entity %zu %s [%zu,%zu) text \"%s\" but the bytes there are \"%.*s\"\n",
                    i, ent_type_name(e->type), e->start, e->end, e->text,
                    (int)(e->end - e->start), text + e->start);
        FUZZ_ASSERT(strlen(e->text) == e->end - e->start);
        FUZZ_ASSERT(memcmp(e->text, text + e->start, e->end - e->start) == 0);
        FUZZ_ASSERT(fuzz_utf8_valid(e->text, strlen(e->text)));
        if (e->value)
            FUZZ_ASSERT(fuzz_utf8_valid(e->value, strlen(e->value)));
        if (e->key)
            FUZZ_ASSERT(fuzz_utf8_valid(e->key, strlen(e->key)));
        FUZZ_ASSERT(e->attrs != NULL);
        a = json_loads(e->attrs, 0, NULL);
        FUZZ_ASSERT(json_is_object(a));
        json_decref(a);
        FUZZ_ASSERT(memchr(e->lang, '\0', sizeof e->lang) != NULL);
        FUZZ_ASSERT(e->confidence >= 0 && e->confidence <= 1);
    }
    ent_list_clear(&l);
    free(copy);
    return 0;
}
