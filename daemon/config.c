#include "config.h"

#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef INBOXD_SYSCONFDIR
#define INBOXD_SYSCONFDIR "/etc"
#endif

static const char *default_plugins[] = {"parse", "entities", "sqlite"};

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

char *config_exe_dir(void)
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    char *slash;
    if (n <= 0)
        return strdup(".");
    buf[n] = '\0';
    slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
    return strdup(buf[0] ? buf : "/");
}

char *config_plugin_path(const struct config *cfg, const char *name,
                         const char *path)
{
    char buf[4096];
    if (path && path[0] == '/')
        return strdup(path);
    if (path)
        snprintf(buf, sizeof buf, "%s/%s", cfg->plugin_dir, path);
    else
        snprintf(buf, sizeof buf, "%s/%s.so", cfg->plugin_dir, name);
    return strdup(buf);
}

static void plugins_clear(struct config *cfg)
{
    for (size_t i = 0; i < cfg->n_plugins; i++) {
        free(cfg->plugins[i].name);
        free(cfg->plugins[i].path);
        json_decref(cfg->plugins[i].config);
    }
    free(cfg->plugins);
    cfg->plugins = NULL;
    cfg->n_plugins = 0;
}

void config_clear(struct config *cfg)
{
    if (!cfg)
        return;
    plugins_clear(cfg);
    free(cfg->inbox);
    free(cfg->state_dir);
    free(cfg->socket);
    free(cfg->config_dir);
    free(cfg->plugin_dir);
    free(cfg->allowed_uids);
    free(cfg->allowed_gids);
    memset(cfg, 0, sizeof *cfg);
}

int config_default(struct config *cfg, const char *exe_dir)
{
    char buf[4096];
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    memset(cfg, 0, sizeof *cfg);
    cfg->inbox = strdup("./var/inbox");
    cfg->state_dir = strdup("./var/state");
    cfg->socket = strdup("./var/inboxd.sock");
    snprintf(buf, sizeof buf, "%s/plugins", exe_dir);
    if (!is_dir(buf))
        snprintf(buf, sizeof buf, "%s/../lib/inboxd/plugins", exe_dir);
    cfg->plugin_dir = realpath(buf, NULL);
    if (!cfg->plugin_dir)
        cfg->plugin_dir = strdup(buf);
    snprintf(buf, sizeof buf, "%s/../etc/inboxd", exe_dir);
    if (!is_dir(buf))
        snprintf(buf, sizeof buf, "%s/inboxd", INBOXD_SYSCONFDIR);
    cfg->config_dir = realpath(buf, NULL);
    if (!cfg->config_dir)
        cfg->config_dir = strdup(buf);
    cfg->max_inflight = (unsigned)(ncpu > 0 ? 2 * ncpu : 4);
    cfg->max_bytes = 64u << 20;
    cfg->max_attempts = 3;
    cfg->on_success = ON_SUCCESS_ARCHIVE;
    cfg->log_level = 6;
    cfg->poll_interval = 0;
    cfg->client_buffer = 4u << 20;
    cfg->max_line = 64u << 10;
    cfg->max_clients = 1024;
    cfg->max_text_bytes = 64u << 20;
    cfg->max_entities = 50000;
    cfg->stage_timeout = 60;
    cfg->event_retention = 100000;
    cfg->socket_mode = 0660;
    cfg->pending_cap = 8192;
    cfg->n_plugins = ARRAY_SIZE(default_plugins);
    cfg->plugins = calloc(cfg->n_plugins, sizeof *cfg->plugins);
    if (!cfg->inbox || !cfg->state_dir || !cfg->socket || !cfg->plugins ||
        !cfg->plugin_dir || !cfg->config_dir)
        return -ENOMEM;
    for (size_t i = 0; i < cfg->n_plugins; i++) {
        cfg->plugins[i].name = strdup(default_plugins[i]);
        cfg->plugins[i].config = json_object();
        if (!cfg->plugins[i].name)
            return -ENOMEM;
    }
    return 0;
}

/* --- loading --------------------------------------------------------------- */

struct errs {
    char *buf;
    size_t len;
    const char *origin;
    int n;
};

static void err_add(struct errs *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void err_add(struct errs *e, const char *fmt, ...)
{
    char line[1024];
    int n;
    va_list ap;
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line)
        n = sizeof line - 1;
    size_t add = strlen(e->origin) + 2 + (size_t)n + 1;
    char *nb = realloc(e->buf, e->len + add + 1);
    if (!nb)
        return;
    e->buf = nb;
    e->len += (size_t)sprintf(e->buf + e->len, "%s: %s\n", e->origin, line);
    e->n++;
}

static void set_str(struct errs *e, const char *key, json_t *v, char **dst)
{
    if (!json_is_string(v) || json_string_length(v) == 0) {
        err_add(e, "\"%s\" must be a non-empty string", key);
        return;
    }
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        err_add(e, "\"%s\" must not contain NUL", key);
        return;
    }
    char *c = strdup(json_string_value(v));
    if (!c)
        return;
    free(*dst);
    *dst = c;
}

static int get_uint(struct errs *e, const char *key, json_t *v, uint64_t lo,
                    uint64_t hi, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (uint64_t)json_integer_value(v) < lo ||
        (uint64_t)json_integer_value(v) > hi) {
        err_add(e, "\"%s\" must be an integer from %llu to %llu", key,
                (unsigned long long)lo, (unsigned long long)hi);
        return -1;
    }
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int get_num(struct errs *e, const char *key, json_t *v, double lo,
                   double hi, double *out)
{
    if (!json_is_number(v) || json_number_value(v) < lo ||
        json_number_value(v) > hi) {
        err_add(e, "\"%s\" must be a number from %g to %g", key, lo, hi);
        return -1;
    }
    *out = json_number_value(v);
    return 0;
}

static void load_plugins(struct config *cfg, struct errs *e, json_t *arr)
{
    size_t i, n;
    json_t *p;
    struct plugin_conf *pl;
    if (!json_is_array(arr)) {
        err_add(e, "\"plugins\" must be an array of objects");
        return;
    }
    n = json_array_size(arr);
    pl = calloc(n ? n : 1, sizeof *pl);
    if (!pl)
        return;
    json_array_foreach(arr, i, p) {
        const char *k;
        json_t *v;
        if (!json_is_object(p)) {
            err_add(e, "plugins[%zu] must be an object", i);
            continue;
        }
        json_object_foreach(p, k, v) {
            if (strcmp(k, "name") == 0)
                set_str(e, "plugins[].name", v, &pl[i].name);
            else if (strcmp(k, "path") == 0)
                set_str(e, "plugins[].path", v, &pl[i].path);
            else if (strcmp(k, "config") == 0) {
                if (!json_is_object(v))
                    err_add(e, "plugins[%zu].config must be an object", i);
                else
                    pl[i].config = json_incref(v);
            } else if (strcmp(k, "isolate") == 0) {
                if (!json_is_boolean(v))
                    err_add(e, "plugins[%zu].isolate must be true or false", i);
                else
                    pl[i].isolate = json_is_true(v);
            } else
                err_add(e, "unknown key \"plugins[%zu].%s\"", i, k);
        }
        if (!pl[i].name) {
            err_add(e, "plugins[%zu] has no \"name\"", i);
            pl[i].name = strdup("?");
        }
        for (size_t j = 0; j < i; j++)
            if (pl[j].name && pl[i].name && strcmp(pl[j].name, pl[i].name) == 0)
                err_add(e, "plugin \"%s\" is listed twice", pl[i].name);
        if (!pl[i].config)
            pl[i].config = json_object();
    }
    plugins_clear(cfg);
    cfg->plugins = pl;
    cfg->n_plugins = n;
}

static void load_ids(struct errs *e, const char *key, json_t *v, void **out,
                     size_t *n, int gid)
{
    size_t i;
    json_t *x;
    if (!json_is_array(v)) {
        err_add(e, "\"%s\" must be an array of ids", key);
        return;
    }
    uint32_t *ids = calloc(json_array_size(v) + 1, sizeof *ids);
    if (!ids)
        return;
    json_array_foreach(v, i, x) {
        if (!json_is_integer(x) || json_integer_value(x) < 0 ||
            json_integer_value(x) > 0xFFFFFFFE) {
            err_add(e, "\"%s\"[%zu] must be a numeric %s", key, i,
                    gid ? "gid" : "uid");
            continue;
        }
        ids[i] = (uint32_t)json_integer_value(x);
    }
    free(*out);
    *out = ids;
    *n = json_array_size(v);
}

int config_load_text(struct config *cfg, const char *text, size_t len,
                     const char *origin, char **errors)
{
    json_error_t jerr;
    struct errs e = {.origin = origin};
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    const char *k;
    json_t *v;
    uint64_t u;
    int plugins_set = 0;
    *errors = NULL;
    if (!root) {
        err_add(&e, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
        goto out;
    }
    if (!json_is_object(root)) {
        err_add(&e, "the configuration must be a JSON object");
        goto out;
    }
    json_object_foreach(root, k, v) {
        if (strcmp(k, "inbox") == 0)
            set_str(&e, k, v, &cfg->inbox);
        else if (strcmp(k, "state_dir") == 0)
            set_str(&e, k, v, &cfg->state_dir);
        else if (strcmp(k, "socket") == 0)
            set_str(&e, k, v, &cfg->socket);
        else if (strcmp(k, "config_dir") == 0)
            set_str(&e, k, v, &cfg->config_dir);
        else if (strcmp(k, "plugin_dir") == 0)
            set_str(&e, k, v, &cfg->plugin_dir);
        else if (strcmp(k, "plugins") == 0) {
            load_plugins(cfg, &e, v);
            plugins_set = 1;
        } else if (strcmp(k, "max_inflight") == 0) {
            if (!get_uint(&e, k, v, 1, 1024, &u))
                cfg->max_inflight = (unsigned)u;
        } else if (strcmp(k, "max_bytes") == 0) {
            if (!get_uint(&e, k, v, 1, (uint64_t)1 << 40, &u))
                cfg->max_bytes = u;
        } else if (strcmp(k, "max_attempts") == 0) {
            if (!get_uint(&e, k, v, 1, 1000, &u))
                cfg->max_attempts = (unsigned)u;
        } else if (strcmp(k, "on_success") == 0) {
            const char *s = json_string_value(v);
            if (s && strcmp(s, "archive") == 0)
                cfg->on_success = ON_SUCCESS_ARCHIVE;
            else if (s && strcmp(s, "delete") == 0)
                cfg->on_success = ON_SUCCESS_DELETE;
            else if (s && strcmp(s, "keep") == 0)
                cfg->on_success = ON_SUCCESS_KEEP;
            else
                err_add(&e, "\"on_success\" must be \"archive\", \"delete\" or \"keep\"");
        } else if (strcmp(k, "log_level") == 0) {
            int l = json_is_string(v) ? log_level_parse(json_string_value(v)) : -1;
            if (l < 0)
                err_add(&e, "\"log_level\" must be one of error, warning, notice, info, debug");
            else
                cfg->log_level = l;
        } else if (strcmp(k, "poll_interval") == 0) {
            get_num(&e, k, v, 0, 86400, &cfg->poll_interval);
        } else if (strcmp(k, "force_poll") == 0) {
            if (!json_is_boolean(v))
                err_add(&e, "\"force_poll\" must be true or false");
            else
                cfg->force_poll = json_is_true(v);
        } else if (strcmp(k, "client_buffer") == 0) {
            if (!get_uint(&e, k, v, 4096, (uint64_t)1 << 32, &u))
                cfg->client_buffer = u;
        } else if (strcmp(k, "max_line") == 0) {
            if (!get_uint(&e, k, v, 256, 64u << 20, &u))
                cfg->max_line = u;
        } else if (strcmp(k, "max_clients") == 0) {
            if (!get_uint(&e, k, v, 1, 65536, &u))
                cfg->max_clients = u;
        } else if (strcmp(k, "max_text_bytes") == 0) {
            if (!get_uint(&e, k, v, 1024, (uint64_t)1 << 32, &u))
                cfg->max_text_bytes = u;
        } else if (strcmp(k, "max_entities") == 0) {
            if (!get_uint(&e, k, v, 0, 10000000, &u))
                cfg->max_entities = u;
        } else if (strcmp(k, "stage_timeout") == 0) {
            get_num(&e, k, v, 0.01, 86400, &cfg->stage_timeout);
        } else if (strcmp(k, "event_retention") == 0) {
            if (!get_uint(&e, k, v, 0, 100000000, &u))
                cfg->event_retention = (unsigned)u;
        } else if (strcmp(k, "socket_mode") == 0) {
            const char *s = json_string_value(v);
            char *end = NULL;
            unsigned long m = s ? strtoul(s, &end, 8) : 0;
            if (!s || !*s || *end || m > 0777)
                err_add(&e, "\"socket_mode\" must be an octal string like \"0660\"");
            else
                cfg->socket_mode = (unsigned)m;
        } else if (strcmp(k, "accept_hardlinks") == 0) {
            if (!json_is_boolean(v))
                err_add(&e, "\"accept_hardlinks\" must be true or false");
            else
                cfg->accept_hardlinks = json_is_true(v);
        } else if (strcmp(k, "allowed_uids") == 0) {
            load_ids(&e, k, v, (void **)&cfg->allowed_uids, &cfg->n_allowed_uids, 0);
        } else if (strcmp(k, "allowed_gids") == 0) {
            load_ids(&e, k, v, (void **)&cfg->allowed_gids, &cfg->n_allowed_gids, 1);
        } else if (strcmp(k, "pending_cap") == 0) {
            if (!get_uint(&e, k, v, 16, 10000000, &u))
                cfg->pending_cap = u;
        } else
            err_add(&e, "unknown key \"%s\"", k);
    }
    if (plugins_set && cfg->n_plugins == 0)
        err_add(&e, "\"plugins\" is empty: nothing would process documents");
out:
    json_decref(root);
    *errors = e.buf;
    return e.n ? -EINVAL : 0;
}

int config_load_file(struct config *cfg, const char *path, char **errors)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    int r = util_read_file(AT_FDCWD, path, 16u << 20, &buf, &len);
    if (r < 0) {
        *errors = NULL;
        if (asprintf(errors, "%s: cannot read: %s\n", path, strerror(-r)) < 0)
            *errors = NULL;
        return r;
    }
    r = config_load_text(cfg, (const char *)buf, len, path, errors);
    free(buf);
    return r;
}
