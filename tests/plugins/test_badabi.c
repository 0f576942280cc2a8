/* A plugin built for another ABI version: the host must refuse it. */
#include "common.h"

static int process(void *inst, inboxd_doc *doc) { (void)inst; (void)doc; return 0; }

static const inboxd_plugin desc = {
    .abi_version = INBOXD_ABI_VERSION + 98, .size = sizeof(inboxd_plugin),
    .signature = "inboxd-abi-99/ptr8/bo1234", .name = "test_badabi", .version = "1",
    .stage = INBOXD_STAGE_EXTRACT, .create = tp_create, .process = process,
    .destroy = tp_destroy};
INBOXD_PLUGIN_EXPORT(desc)
