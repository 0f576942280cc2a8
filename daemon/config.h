/*
 * The daemon's configuration: the embedded default, a JSON file (jansson)
 * on top of it, command-line overrides on top of that.  Every limit lives
 * here.  Unknown keys are errors naming the key.
 */
#ifndef INBOXD_CONFIG_H
#define INBOXD_CONFIG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum on_success { ON_SUCCESS_ARCHIVE, ON_SUCCESS_DELETE, ON_SUCCESS_KEEP };

struct plugin_conf {
    char *name;     /* owned */
    char *path;     /* owned, as written (NULL: plugin_dir/NAME.so) */
    json_t *config; /* owned object, "{}" when absent */
    int isolate;    /* run in a supervised worker process */
};

struct config {
    char *inbox, *state_dir, *socket; /* owned */
    char *config_dir;                 /* owned: data files (etc/inboxd) */
    char *plugin_dir;                 /* owned: where NAME.so are found */
    struct plugin_conf *plugins;      /* owned array */
    size_t n_plugins;
    unsigned max_inflight;
    uint64_t max_bytes;      /* largest file taken from the inbox */
    unsigned max_attempts;   /* crashes before a document is poison */
    enum on_success on_success;
    int log_level;
    double poll_interval;    /* seconds; 0 = only on network filesystems */
    int force_poll;          /* poll on any filesystem */
    size_t client_buffer;    /* per-client socket buffer, bytes */
    size_t max_line;         /* longest client request line, bytes */
    size_t max_clients;
    size_t max_text_bytes;   /* decoded text per document */
    size_t max_entities;     /* entities per document */
    double stage_timeout;    /* seconds one stage may take */
    unsigned event_retention; /* events kept for "since" */
    unsigned socket_mode;    /* octal, 0660 */
    int accept_hardlinks;    /* take files with st_nlink > 1 */
    uid_t *allowed_uids; size_t n_allowed_uids; /* empty: same uid + root */
    gid_t *allowed_gids; size_t n_allowed_gids;
    size_t pending_cap;      /* names remembered from inotify */
};

/* Fills cfg with the embedded default for a daemon whose executable is in
 * exe_dir (plugins from exe_dir/plugins or exe_dir/../lib/inboxd/plugins,
 * data from exe_dir/../etc/inboxd or /etc/inboxd).  0 or -ENOMEM. */
int config_default(struct config *cfg, const char *exe_dir);

/* Loads a JSON file over cfg.  Every problem found is appended to *errors
 * (a malloc'd string of lines, caller frees) and -EINVAL is returned; 0 when
 * there is none.  Relative paths are taken from the current directory. */
int config_load_file(struct config *cfg, const char *path, char **errors);
/* The same from a JSON text (for tests and fuzzing). */
int config_load_text(struct config *cfg, const char *text, size_t len,
                     const char *origin, char **errors);

/* Resolves a plugin's path: absolute, or relative to plugin_dir, or
 * plugin_dir/NAME.so when path is NULL.  Caller frees. */
char *config_plugin_path(const struct config *cfg, const char *name,
                         const char *path);

/* Frees everything cfg owns; cfg is zeroed. */
void config_clear(struct config *cfg);

/* Directory of the running executable (readlink /proc/self/exe); caller
 * frees. */
char *config_exe_dir(void);

#endif
