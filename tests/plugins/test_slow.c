/* Sleeps config "sleep_ms" on documents containing "match" (all when
 * empty).  Serialized (not concurrent) on purpose. */
#include "common.h"
#include <time.h>

static int process(void *inst, inboxd_doc *doc)
{
    struct tp_inst *t = inst;
    if (!t->match[0] || tp_raw_has(t->host, doc, t->match)) {
        struct timespec ts = {t->ms / 1000, (t->ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0)
            ;
    }
    return INBOXD_OK;
}

static const inboxd_plugin desc = {
    .abi_version = INBOXD_ABI_VERSION, .size = sizeof(inboxd_plugin),
    .signature = INBOXD_BUILD_SIGNATURE, .name = "test_slow", .version = "1",
    .stage = INBOXD_STAGE_EXTRACT, .flags = 0,
    .create = tp_create, .process = process, .destroy = tp_destroy};
INBOXD_PLUGIN_EXPORT(desc)
