/* A test extract stage: every 4-digit number 1900-2099 is a DATE entity. */
#include "common.h"

static int process(void *inst, inboxd_doc *doc)
{
    struct tp_inst *t = inst;
    const inboxd_host *h = t->host;
    size_t len;
    const char *s = h->doc_text(doc, &len);
    for (size_t i = 0; s && i + 4 <= len; i++) {
        if ((i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9') ||
            (i + 4 < len && s[i + 4] >= '0' && s[i + 4] <= '9'))
            continue;
        if ((s[i] == '1' && s[i + 1] == '9') || (s[i] == '2' && s[i + 1] == '0')) {
            if (s[i + 2] < '0' || s[i + 2] > '9' || s[i + 3] < '0' || s[i + 3] > '9')
                continue;
            char y[5];
            memcpy(y, s + i, 4);
            y[4] = '\0';
            inboxd_entity e = {.type = "DATE", .text = y, .value = y, .key = y,
                               .start = i, .end = i + 4, .confidence = 0.9,
                               .attrs = "{\"granularity\":\"year\"}"};
            if (h->doc_add_entity(doc, &e) < 0)
                break;
        }
    }
    return INBOXD_OK;
}

static const inboxd_plugin desc = {
    .abi_version = INBOXD_ABI_VERSION, .size = sizeof(inboxd_plugin),
    .signature = INBOXD_BUILD_SIGNATURE, .name = "test_extract", .version = "1",
    .stage = INBOXD_STAGE_EXTRACT, .flags = INBOXD_PLUGIN_CONCURRENT,
    .create = tp_create, .process = process, .destroy = tp_destroy};
INBOXD_PLUGIN_EXPORT(desc)
