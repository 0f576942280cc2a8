/*
 * bench-index PLUGIN.so CORPUS_DIR STATE_DIR [THREADS]: the index stage
 * alone (issue 5).  dlopen()s the sqlite plugin, makes an instance with
 * its default config in STATE_DIR, and hands it every *.txt of CORPUS_DIR
 * as a document whose text is already set (the bytes, as the floor gets
 * them; title = the first line), from THREADS threads at once (default:
 * twice the CPUs, the daemon's max_inflight), as the daemon's pipeline
 * does.  The clock stops after destroy() (the last commit).
 *
 * Prints {"docs", "failed", "bytes", "seconds", "docs_per_s", "mb_per_s",
 * "threads"}.  BENCH_INDEX_CONFIG in the environment replaces the default
 * config ("{}"), e.g. '{"linger_ms": 0}' to compare commit policies.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "doc.h"

struct ctx {
    const inboxd_plugin *desc;
    void *inst;
    const char *dir;
    struct dirent **names;
    int n;
    atomic_int next;
    atomic_int failed;
    atomic_ullong bytes;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int txt_filter(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 4 && strcmp(d->d_name + n - 4, ".txt") == 0;
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static const char *lang_of(const unsigned char *s, size_t len)
{
    size_t ar = 0, el = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] >= 0xD8 && s[i] <= 0xDB)
            ar++;
        else if (s[i] == 0xCE || s[i] == 0xCF)
            el++;
    }
    return ar > el ? "ar" : el > ar ? "el" : "und";
}

/* One document: the text set as a parse stage would, then process(). */
static int one(struct ctx *c, const char *name)
{
    const inboxd_host *h = doc_host();
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", c->dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    char buf[1 << 16];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    inboxd_doc *d = doc_new_copy(name, buf, len, (int64_t)time(NULL) * 1000);
    if (!d)
        return -ENOMEM;
    size_t tl = 0;
    while (tl < len && tl < 200 && buf[tl] != '\n')
        tl++;
    while (tl > 0 && tl < len && ((unsigned char)buf[tl] & 0xC0) == 0x80)
        tl--;
    json_t *title = json_stringn(buf, tl);
    char *tj = title ? json_dumps(title, JSON_ENCODE_ANY) : NULL;
    int rc = h->doc_set_text(d, buf, len);
    if (rc == 0)
        rc = h->doc_set_lang(d, lang_of((unsigned char *)buf, len));
    if (rc == 0 && tj)
        rc = h->doc_meta_set(d, "title", tj);
    free(tj);
    json_decref(title);
    if (rc == 0) {
        rc = c->desc->process(c->inst, d);
        if (rc != INBOXD_OK)
            fprintf(stderr, "bench-index: %s: status %d\n", name, rc);
        rc = rc == INBOXD_OK ? 0 : -EIO;
    }
    doc_free(d);
    atomic_fetch_add(&c->bytes, (unsigned long long)len);
    return rc;
}

static void *worker(void *arg)
{
    struct ctx *c = arg;
    for (;;) {
        int i = atomic_fetch_add(&c->next, 1);
        if (i >= c->n)
            break;
        if (one(c, c->names[i]->d_name) < 0)
            atomic_fetch_add(&c->failed, 1);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    struct ctx c = {0};
    char err[512] = "";
    void *so = NULL;
    long threads = argc > 4 ? strtol(argv[4], NULL, 10) : 2 * sysconf(_SC_NPROCESSORS_ONLN);
    int rc = 1;

    if (argc < 4 || threads < 1 || threads > 256) {
        fprintf(stderr, "usage: bench-index PLUGIN.so CORPUS_DIR STATE_DIR [THREADS]\n");
        return 2;
    }
    so = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    inboxd_plugin_entry_fn entry = so ? (inboxd_plugin_entry_fn)dlsym(so, INBOXD_PLUGIN_ENTRY)
                                      : NULL;
    c.desc = entry ? entry() : NULL;
    if (!c.desc || c.desc->abi_version != INBOXD_ABI_VERSION ||
        strcmp(c.desc->signature, INBOXD_BUILD_SIGNATURE) != 0) {
        fprintf(stderr, "bench-index: %s: not an inboxd plugin of this build (%s)\n", argv[1],
                so ? "no entry or another ABI" : dlerror());
        goto out;
    }
    if (c.desc->stage != INBOXD_STAGE_INDEX) {
        fprintf(stderr, "bench-index: %s is not an index plugin\n", argv[1]);
        goto out;
    }
    c.dir = argv[2];
    c.n = scandir(argv[2], &c.names, txt_filter, name_cmp);
    if (c.n < 0) {
        fprintf(stderr, "bench-index: %s: %s\n", argv[2], strerror(errno));
        goto out;
    }
    if (mkdir(argv[3], 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "bench-index: %s: %s\n", argv[3], strerror(errno));
        goto out;
    }
    doc_host_set_state_dir(argv[3]);
    if (!(c.desc->flags & INBOXD_PLUGIN_CONCURRENT))
        threads = 1;
    double t0 = now();
    const char *cfg = getenv("BENCH_INDEX_CONFIG");
    if (c.desc->create(&c.inst, cfg ? cfg : "{}", doc_host(), err, sizeof err) < 0) {
        fprintf(stderr, "bench-index: create: %s\n", err);
        goto out;
    }
    pthread_t tid[256];
    long started = 0;
    for (; started < threads; started++)
        if (pthread_create(&tid[started], NULL, worker, &c) != 0)
            break;
    for (long i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    c.desc->destroy(c.inst);
    double s = now() - t0;
    unsigned long long bytes = atomic_load(&c.bytes);
    int failed = atomic_load(&c.failed);
    printf("{\"docs\":%d,\"failed\":%d,\"bytes\":%llu,\"seconds\":%.6f,\"docs_per_s\":%.3f,"
           "\"mb_per_s\":%.3f,\"threads\":%ld}\n",
           c.n - failed, failed, bytes, s, s > 0 ? (double)(c.n - failed) / s : 0,
           s > 0 ? (double)bytes / 1e6 / s : 0, started);
    rc = failed ? 1 : 0;
out:
    for (int i = 0; i < c.n; i++)
        free(c.names[i]);
    free(c.names);
    /* The plugin stays loaded until exit (no dlclose): leak reports of
     * sanitizer builds can then name its functions. */
    return rc;
}
