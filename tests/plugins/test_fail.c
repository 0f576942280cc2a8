/* Fails every document whose bytes contain config "match" (every document
 * when match is empty); RETRY instead when config says "retry_file" exists. */
#include "common.h"
#include <unistd.h>

static int process(void *inst, inboxd_doc *doc)
{
    struct tp_inst *t = inst;
    if (t->match[0] && !tp_raw_has(t->host, doc, t->match))
        return INBOXD_OK;
    t->host->doc_error(doc, "test_fail: refused this document on purpose");
    return INBOXD_FAILED;
}

static const inboxd_plugin desc = {
    .abi_version = INBOXD_ABI_VERSION, .size = sizeof(inboxd_plugin),
    .signature = INBOXD_BUILD_SIGNATURE, .name = "test_fail", .version = "1",
    .stage = INBOXD_STAGE_EXTRACT, .flags = INBOXD_PLUGIN_CONCURRENT,
    .create = tp_create, .process = process, .destroy = tp_destroy};
INBOXD_PLUGIN_EXPORT(desc)
