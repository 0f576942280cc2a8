/*
 * Fuzz target: the configuration loader, config_load_text() over the
 * embedded default, as the daemon loads a file and as SIGHUP reloads one
 * (a second load over the first).  Invariants: an error is reported as
 * text; a configuration that loads has every limit inside its documented
 * range, named plugins with config objects; config_clear() frees it all.
 */
#include "fuzz.h"

#include "config.h"

#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static void check_loaded(const struct config *cfg)
{
    FUZZ_ASSERT(cfg->inbox && cfg->state_dir && cfg->socket);
    FUZZ_ASSERT(cfg->n_plugins > 0 && cfg->plugins);
    for (size_t i = 0; i < cfg->n_plugins; i++) {
        FUZZ_ASSERT(cfg->plugins[i].name != NULL);
        FUZZ_ASSERT(json_is_object(cfg->plugins[i].config));
    }
    FUZZ_ASSERT(cfg->max_inflight >= 1 && cfg->max_inflight <= 1024);
    FUZZ_ASSERT(cfg->max_bytes >= 1);
    FUZZ_ASSERT(cfg->client_buffer >= 4096);
    FUZZ_ASSERT(cfg->max_line >= 256);
    FUZZ_ASSERT(cfg->max_text_bytes >= 1024);
    FUZZ_ASSERT(cfg->stage_timeout >= 0.01);
    FUZZ_ASSERT(cfg->socket_mode <= 0777);
    FUZZ_ASSERT(cfg->pending_cap >= 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config cfg;
    char *errors = NULL;
    int r;
    if (config_default(&cfg, "/nonexistent-inboxd-fuzz") < 0) {
        config_clear(&cfg);
        return 0;
    }
    r = config_load_text(&cfg, (const char *)data, size, "fuzz.json", &errors);
    if (r == 0) {
        FUZZ_ASSERT(errors == NULL);
        check_loaded(&cfg);
        /* A reload of the same text over the loaded one also works. */
        r = config_load_text(&cfg, (const char *)data, size, "fuzz.json", &errors);
        FUZZ_ASSERT(r == 0 && errors == NULL);
        check_loaded(&cfg);
        for (size_t i = 0; i < cfg.n_plugins; i++) {
            char *p = config_plugin_path(&cfg, cfg.plugins[i].name, cfg.plugins[i].path);
            FUZZ_ASSERT(p != NULL);
            free(p);
        }
    } else {
        FUZZ_ASSERT(errors != NULL && strstr(errors, "fuzz.json: ") == errors);
    }
    free(errors);
    config_clear(&cfg);
    return 0;
}
