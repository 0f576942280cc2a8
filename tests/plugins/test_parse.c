/* A minimal parse stage for tests: the text is the bytes when they are
 * UTF-8 (else the document fails), the title its first line. */
#include "common.h"

static int process(void *inst, inboxd_doc *doc)
{
    struct tp_inst *t = inst;
    const inboxd_host *h = t->host;
    size_t len;
    const char *raw = (const char *)h->doc_raw(doc, &len);
    char title[256], json[600];
    size_t n = 0;
    if (h->doc_set_text(doc, raw, len) < 0) {
        h->doc_error(doc, "not UTF-8 text");
        return INBOXD_FAILED;
    }
    while (n < len && n < 200 && raw[n] != '\n' && raw[n] != '"' && raw[n] != '\\' &&
           (unsigned char)raw[n] >= 0x20)
        n++;
    /* Cut on a character boundary. */
    while (n > 0 && n < len && ((unsigned char)raw[n] & 0xC0) == 0x80)
        n--;
    memcpy(title, raw, n);
    title[n] = '\0';
    snprintf(json, sizeof json, "\"%s\"", title);
    h->doc_meta_set(doc, "title", json);
    h->doc_set_lang(doc, "und");
    return INBOXD_OK;
}

static const inboxd_plugin desc = {
    .abi_version = INBOXD_ABI_VERSION, .size = sizeof(inboxd_plugin),
    .signature = INBOXD_BUILD_SIGNATURE, .name = "test_parse", .version = "1",
    .description = "test: bytes as text", .stage = INBOXD_STAGE_PARSE,
    .flags = INBOXD_PLUGIN_CONCURRENT, .create = tp_create, .process = process,
    .destroy = tp_destroy};
INBOXD_PLUGIN_EXPORT(desc)
