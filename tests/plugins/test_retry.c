/* An index stage that asks to retry while the file named by config
 * "match" (a path) exists: a disk-full stand-in. */
#include "common.h"
#include <unistd.h>

static int process(void *inst, inboxd_doc *doc)
{
    struct tp_inst *t = inst;
    if (t->match[0] && access(t->match, F_OK) == 0) {
        t->host->doc_error(doc, "test_retry: disk full (simulated)");
        return INBOXD_RETRY;
    }
    return INBOXD_OK;
}

static const inboxd_plugin desc = {
    .abi_version = INBOXD_ABI_VERSION, .size = sizeof(inboxd_plugin),
    .signature = INBOXD_BUILD_SIGNATURE, .name = "test_retry", .version = "1",
    .stage = INBOXD_STAGE_INDEX, .flags = INBOXD_PLUGIN_CONCURRENT,
    .create = tp_create, .process = process, .destroy = tp_destroy};
INBOXD_PLUGIN_EXPORT(desc)
