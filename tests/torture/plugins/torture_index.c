/*
 * A minimal index stage for the torture test: every document it is given
 * is appended as one line "ID\n" to STATE/torture-index.txt (write(2) with
 * O_APPEND: a SIGKILL loses nothing already written), and contains()
 * answers from the ids seen.  A document indexed twice shows as two lines,
 * which the torture test counts.  Reprocessing (INBOXD_DOC_REPROCESS)
 * updates in place: no new line.  Test use only.
 */
#include <inboxd/plugin.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tix {
    const inboxd_host *host;
    pthread_mutex_t mu;
    int fd;
    char (*ids)[64]; /* owned; n ids of 64 hex chars, not terminated */
    size_t n, cap;
};

static int tix_has(const struct tix *t, const char *id)
{
    for (size_t i = 0; i < t->n; i++)
        if (memcmp(t->ids[i], id, 64) == 0)
            return 1;
    return 0;
}

static int tix_add(struct tix *t, const char *id)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 1024;
        char(*v)[64] = realloc(t->ids, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        t->ids = v;
        t->cap = cap;
    }
    memcpy(t->ids[t->n++], id, 64);
    return 0;
}

static void tix_destroy(void *inst)
{
    struct tix *t = inst;
    if (!t)
        return;
    if (t->fd >= 0)
        close(t->fd);
    pthread_mutex_destroy(&t->mu);
    free(t->ids);
    free(t);
}

static int tix_create(void **inst, const char *cfg, const inboxd_host *host, char *err,
                      size_t errlen)
{
    struct tix *t = calloc(1, sizeof *t);
    char path[4096], line[80];
    FILE *f;
    (void)cfg;
    if (!t)
        return -ENOMEM;
    t->host = host;
    t->fd = -1;
    pthread_mutex_init(&t->mu, NULL);
    snprintf(path, sizeof path, "%s/torture-index.txt", host->state_dir());
    /* The ids already indexed; a torn last line (no newline) is not one. */
    if ((f = fopen(path, "r"))) {
        while (fgets(line, sizeof line, f))
            if (strlen(line) == 65 && line[64] == '\n' && !tix_has(t, line) &&
                tix_add(t, line) < 0)
                break;
        fclose(f);
    }
    t->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (t->fd < 0) {
        snprintf(err, errlen, "torture_index: %s: %s", path, strerror(errno));
        tix_destroy(t);
        return -EIO;
    }
    *inst = t;
    return 0;
}

static int tix_process(void *inst, inboxd_doc *doc)
{
    struct tix *t = inst;
    const char *id = t->host->doc_id(doc);
    char line[65];
    int r = INBOXD_OK;
    if (t->host->doc_flags(doc) & INBOXD_DOC_REPROCESS)
        return INBOXD_OK;
    memcpy(line, id, 64);
    line[64] = '\n';
    pthread_mutex_lock(&t->mu);
    if (write(t->fd, line, sizeof line) != (ssize_t)sizeof line) {
        t->host->doc_error(doc, "torture_index: write: %s", strerror(errno));
        r = INBOXD_RETRY;
    } else if (!tix_has(t, id) && tix_add(t, id) < 0) {
        r = INBOXD_RETRY;
    }
    pthread_mutex_unlock(&t->mu);
    return r;
}

static int tix_contains(void *inst, const char *id)
{
    struct tix *t = inst;
    int r;
    pthread_mutex_lock(&t->mu);
    r = tix_has(t, id);
    pthread_mutex_unlock(&t->mu);
    return r;
}

static const inboxd_plugin desc = {
    .abi_version = INBOXD_ABI_VERSION, .size = sizeof(inboxd_plugin),
    .signature = INBOXD_BUILD_SIGNATURE, .name = "torture_index", .version = "1",
    .description = "test: ids appended to a file", .stage = INBOXD_STAGE_INDEX,
    .flags = INBOXD_PLUGIN_CONCURRENT, .create = tix_create, .process = tix_process,
    .destroy = tix_destroy, .contains = tix_contains};
INBOXD_PLUGIN_EXPORT(desc)
