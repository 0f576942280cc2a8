/* Dies with SIGSEGV on documents whose bytes contain config "match". */
#include "common.h"
#include <signal.h>

static int process(void *inst, inboxd_doc *doc)
{
    struct tp_inst *t = inst;
    if (tp_raw_has(t->host, doc, t->match))
        raise(SIGSEGV);
    return INBOXD_OK;
}

static const inboxd_plugin desc = {
    .abi_version = INBOXD_ABI_VERSION, .size = sizeof(inboxd_plugin),
    .signature = INBOXD_BUILD_SIGNATURE, .name = "test_crash", .version = "1",
    .stage = INBOXD_STAGE_EXTRACT, .flags = INBOXD_PLUGIN_CONCURRENT,
    .create = tp_create, .process = process, .destroy = tp_destroy};
INBOXD_PLUGIN_EXPORT(desc)
