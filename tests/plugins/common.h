/* Shared bits of the test plugins: config parsing without jansson (the
 * plugins see only the ABI header), used by tests only. */
#ifndef TEST_PLUGIN_COMMON_H
#define TEST_PLUGIN_COMMON_H

#include <inboxd/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The string value of "key" in a flat JSON object, copied into out. */
static inline int tp_conf_str(const char *json, const char *key, char *out, size_t len)
{
    char pat[64];
    const char *p, *q;
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    p = strstr(json, pat);
    if (!p)
        return -1;
    p += strlen(pat);
    q = strchr(p, '"');
    if (!q || (size_t)(q - p) >= len)
        return -1;
    memcpy(out, p, (size_t)(q - p));
    out[q - p] = '\0';
    return 0;
}

static inline long tp_conf_int(const char *json, const char *key, long dflt)
{
    char pat[64];
    const char *p;
    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(json, pat);
    return p ? strtol(p + strlen(pat), NULL, 10) : dflt;
}

/* 1 when the document's raw bytes contain needle. */
static inline int tp_raw_has(const inboxd_host *h, const inboxd_doc *doc, const char *needle)
{
    size_t len;
    const unsigned char *raw = h->doc_raw(doc, &len);
    return needle[0] && memmem(raw, len, needle, strlen(needle)) != NULL;
}

struct tp_inst {
    const inboxd_host *host;
    char match[128];
    long ms;
};

static inline int tp_create(void **inst, const char *cfg, const inboxd_host *host,
                            char *err, size_t errlen)
{
    struct tp_inst *t = calloc(1, sizeof *t);
    if (!t)
        return -12;
    if (host->size < sizeof(inboxd_host) || host->abi_version != INBOXD_ABI_VERSION) {
        snprintf(err, errlen, "host too old");
        free(t);
        return -22;
    }
    t->host = host;
    tp_conf_str(cfg, "match", t->match, sizeof t->match);
    t->ms = tp_conf_int(cfg, "sleep_ms", 0);
    if (strstr(cfg, "\"refuse\":true")) {
        snprintf(err, errlen, "refusing: config says refuse");
        free(t);
        return -22;
    }
    *inst = t;
    return 0;
}

static inline void tp_destroy(void *inst) { free(inst); }

#endif
