#include "plugins.h"

#include "doc.h"
#include "log.h"
#include "worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *plugin_stage_name(inboxd_stage s)
{
    switch (s) {
    case INBOXD_STAGE_PARSE: return "parse";
    case INBOXD_STAGE_EXTRACT: return "extract";
    case INBOXD_STAGE_INDEX: return "index";
    case INBOXD_STAGE_SINK: return "sink";
    }
    return "?";
}

const char *plugin_stage_event(inboxd_stage s)
{
    switch (s) {
    case INBOXD_STAGE_PARSE: return "document.parsed";
    case INBOXD_STAGE_EXTRACT: return "document.extracted";
    case INBOXD_STAGE_INDEX: return "document.indexed";
    case INBOXD_STAGE_SINK: return "document.sunk";
    }
    return NULL;
}

static int check_desc(const inboxd_plugin *d, const char *name, const char *path,
                      char *err, size_t errlen)
{
    if (!d) {
        snprintf(err, errlen, "plugin %s (%s): %s() returned NULL", name, path,
                 INBOXD_PLUGIN_ENTRY);
        return -EINVAL;
    }
    if (d->abi_version != INBOXD_ABI_VERSION) {
        snprintf(err, errlen,
                 "plugin %s (%s) is not binary compatible: built for ABI "
                 "version %u, this inboxd has ABI version %u",
                 name, path, d->abi_version, INBOXD_ABI_VERSION);
        return -EPROTO;
    }
    if (!d->signature || strcmp(d->signature, INBOXD_BUILD_SIGNATURE) != 0) {
        snprintf(err, errlen,
                 "plugin %s (%s) is not binary compatible: build signature "
                 "\"%.80s\", expected \"%s\"",
                 name, path, d->signature ? d->signature : "(none)",
                 INBOXD_BUILD_SIGNATURE);
        return -EPROTO;
    }
    if (d->size < offsetof(inboxd_plugin, reserved)) {
        snprintf(err, errlen, "plugin %s (%s): descriptor too small (%u bytes)",
                 name, path, d->size);
        return -EPROTO;
    }
    if (!d->name || strcmp(d->name, name) != 0) {
        snprintf(err, errlen,
                 "plugin %s (%s) names itself \"%.64s\": the configured name "
                 "must match",
                 name, path, d->name ? d->name : "(none)");
        return -EINVAL;
    }
    if (d->stage < INBOXD_STAGE_PARSE || d->stage > INBOXD_STAGE_SINK) {
        snprintf(err, errlen, "plugin %s (%s): unknown stage %d", name, path,
                 (int)d->stage);
        return -EINVAL;
    }
    if (!d->create || !d->process || !d->destroy) {
        snprintf(err, errlen,
                 "plugin %s (%s): descriptor lacks create, process or destroy",
                 name, path);
        return -EINVAL;
    }
    return 0;
}

int plugin_load(struct plugin *p, const struct plugin_conf *pc,
                const struct config *cfg, int instantiate, char *err,
                size_t errlen)
{
    inboxd_plugin_entry_fn entry = NULL;
    char cerr[512] = "";
    char *cfg_text = NULL;
    int r;

    memset(p, 0, sizeof *p);
    p->name = strdup(pc->name);
    p->path = config_plugin_path(cfg, pc->name, pc->path);
    p->config = json_incref(pc->config);
    p->isolate = pc->isolate;
    if (!p->name || !p->path) {
        r = -ENOMEM;
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (uv_dlopen(p->path, &p->lib) != 0) {
        snprintf(err, errlen, "plugin %s: cannot load %s: %s", p->name, p->path,
                 uv_dlerror(&p->lib));
        uv_dlclose(&p->lib);
        r = -ENOENT;
        goto fail;
    }
    p->lib_open = 1;
    if (uv_dlsym(&p->lib, INBOXD_PLUGIN_ENTRY, (void **)&entry) != 0 || !entry) {
        snprintf(err, errlen,
                 "plugin %s (%s) is not an inboxd plugin: no symbol %s",
                 p->name, p->path, INBOXD_PLUGIN_ENTRY);
        r = -ENOENT;
        goto fail;
    }
    p->desc = entry();
    r = check_desc(p->desc, p->name, p->path, err, errlen);
    if (r < 0)
        goto fail;
    p->concurrent = (p->desc->flags & INBOXD_PLUGIN_CONCURRENT) != 0;
    if (!instantiate)
        return 0;
    if (p->isolate) {
        if (p->desc->stage == INBOXD_STAGE_INDEX) {
            snprintf(err, errlen,
                     "plugin %s: \"isolate\" is for parse, extract and sink plugins; an "
                     "index plugin owns its store and group commits in the daemon",
                     p->name);
            r = -EINVAL;
            goto fail;
        }
        r = worker_pool_create(&p->pool, pc, p->path, cfg,
                               p->concurrent ? cfg->max_inflight : 1, err, errlen);
        if (r < 0)
            goto fail;
        return 0;
    }
    cfg_text = json_dumps(pc->config ? pc->config : json_object(), JSON_COMPACT);
    r = p->desc->create(&p->inst, cfg_text ? cfg_text : "{}", doc_host(), cerr,
                        sizeof cerr);
    free(cfg_text);
    if (r < 0) {
        p->inst = NULL;
        snprintf(err, errlen, "plugin %s (%s): %s", p->name, p->path,
                 cerr[0] ? cerr : strerror(-r));
        goto fail;
    }
    return 0;
fail:
    p->desc = NULL;
    plugin_unload(p);
    return r < 0 ? r : -EINVAL;
}

void plugin_unload(struct plugin *p)
{
    if (!p)
        return;
    if (p->desc && p->inst)
        p->desc->destroy(p->inst);
    p->inst = NULL;
    p->pool = worker_pool_destroy(p->pool);
    if (p->lib_open)
        uv_dlclose(&p->lib);
    p->lib_open = 0;
    free(p->name);
    free(p->path);
    json_decref(p->config);
    memset(p, 0, sizeof *p);
}
