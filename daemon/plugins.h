/*
 * The plugin host: loads a plugin with uv_dlopen, checks its descriptor
 * (ABI version, build signature, size, name, stage, functions) the way
 * nginx checks modules, and creates its instance.
 */
#ifndef INBOXD_PLUGINS_H
#define INBOXD_PLUGINS_H

#include "config.h"

#include <inboxd/plugin.h>
#include <uv.h>

struct job;
struct worker_pool;

struct plugin {
    char *name;            /* owned */
    char *path;            /* owned */
    uv_lib_t lib;
    int lib_open;
    const inboxd_plugin *desc;
    void *inst;            /* from desc->create, or NULL when isolated */
    int concurrent;        /* desc->flags & INBOXD_PLUGIN_CONCURRENT */
    int isolate;           /* runs in a worker process (worker.c) */
    struct worker_pool *pool; /* when isolate: the worker processes */
    json_t *config;        /* owned copy of the plugin's config object */
    /* Serialization of plugins that are not concurrency-safe: the job
     * running now and the ones waiting, on the loop thread. */
    int busy;
    struct job *wait_head, *wait_tail;
    /* Counters for status. */
    uint64_t processed, failed;
    double total_ms;
};

/* Loads and creates plugin pc (create runs when instantiate is set; an
 * isolated plugin is created in its worker processes instead).
 * On failure writes a message naming the plugin, the path and the reason
 * into err and returns a negative errno; p is then cleared. */
int plugin_load(struct plugin *p, const struct plugin_conf *pc,
                const struct config *cfg, int instantiate, char *err,
                size_t errlen);

/* Destroys the instance and closes the library; NULL-safe. */
void plugin_unload(struct plugin *p);

/* "parse", "extract", "index", "sink". */
const char *plugin_stage_name(inboxd_stage s);
/* The event a finished stage emits: "document.parsed" ... or NULL. */
const char *plugin_stage_event(inboxd_stage s);

#endif
