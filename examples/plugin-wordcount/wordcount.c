/*
 * wordcount -- an inboxd plugin built out of the tree, against the installed
 * ABI only (<inboxd/plugin.h> from `pkg-config --cflags inboxd-plugin`).
 *
 * A sink: for every document it counts the words of the published text (or
 * of the raw bytes when no parse stage ran) and the words that are not in a
 * stop-word list, stores {"words":N,"content_words":M} as the document's
 * "wordcount" metadata, and appends one JSON line per document to a file in
 * the daemon's state directory:
 *     {"id":"<sha256>","words":N,"content_words":M}
 *
 * A word is a maximal run of bytes between white space, as wc -w counts, with
 * the Unicode spaces (U+00A0, U+2000..U+200A, U+3000, ...) as separators too.
 * A word matches a stop word after ASCII letters are lower-cased and
 * punctuation (ASCII and the common Unicode marks) is trimmed from both ends;
 * other letters must match exactly (stop-word lists keep each case form).
 *
 * Configuration (the plugin's "config" object in inboxd.json):
 *   "stopwords": a JSON file holding an array of strings, relative to the
 *                daemon's data directory (host->config_dir()) or absolute;
 *                default: none (content_words == words)
 *   "output":    the JSON-lines file, relative to host->state_dir() or
 *                absolute; default "wordcount.jsonl"
 *
 * process() only reads the instance, and each line is written with one
 * write() on an O_APPEND descriptor, so the plugin is concurrent.
 */
#define _GNU_SOURCE /* asprintf */
#include <inboxd/plugin.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WC_MAX_WORD 256 /* longer words are never stop words */

struct wc {
    const inboxd_host *host;
    char **stop; /* sorted, owned */
    size_t n_stop;
    int out_fd;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Length of the Unicode white space at s (n bytes left), 0 if none. */
static size_t space_len(const unsigned char *s, size_t n)
{
    if (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r'))
        return 1;
    if (n >= 2 && s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0))
        return 2; /* U+0085, U+00A0 */
    if (n >= 3 && s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80)
        return 3; /* U+1680 */
    if (n >= 3 && s[0] == 0xE2 && s[1] == 0x80 &&
        (s[2] <= 0x8A || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF))
        return 3; /* U+2000..U+200A, U+2028, U+2029, U+202F */
    if (n >= 3 && s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F)
        return 3; /* U+205F */
    if (n >= 3 && s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
        return 3; /* U+3000 */
    return 0;
}

/* Punctuation trimmed from the ends of a word: ASCII, and these encodings. */
static const char *const upunct[] = {
    "\xC2\xAB", "\xC2\xBB",             /* « » */
    "\xD8\x8C", "\xD8\x9B", "\xD8\x9F", /* Arabic comma, semicolon, question mark */
    "\xDB\x94",                         /* Arabic full stop */
    "\xCE\x87", "\xCD\xBE",             /* Greek ano teleia, question mark */
    "\xE2\x80\x93", "\xE2\x80\x94",     /* – — */
    "\xE2\x80\x98", "\xE2\x80\x99", "\xE2\x80\x9C", "\xE2\x80\x9D", /* ‘ ’ “ ” */
    "\xE2\x80\xA6",                     /* … */
    "\xE3\x80\x81", "\xE3\x80\x82",     /* 、 。 */
    NULL};

static size_t punct_at_start(const char *s, size_t n)
{
    if (n && (unsigned char)s[0] < 0x80 && strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", s[0]) &&
        s[0] != '\0')
        return 1;
    for (int i = 0; upunct[i]; i++) {
        size_t l = strlen(upunct[i]);
        if (n >= l && memcmp(s, upunct[i], l) == 0)
            return l;
    }
    return 0;
}

static size_t punct_at_end(const char *s, size_t n)
{
    if (n && (unsigned char)s[n - 1] < 0x80 &&
        strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", s[n - 1]) && s[n - 1] != '\0')
        return 1;
    for (int i = 0; upunct[i]; i++) {
        size_t l = strlen(upunct[i]);
        if (n >= l && memcmp(s + n - l, upunct[i], l) == 0)
            return l;
    }
    return 0;
}

static int is_stop(const struct wc *w, const char *s, size_t n)
{
    char key[WC_MAX_WORD + 1];
    const char *k = key;
    size_t p;
    while (n && (p = punct_at_start(s, n)) > 0) {
        s += p;
        n -= p;
    }
    while (n && (p = punct_at_end(s, n)) > 0)
        n -= p;
    if (n == 0 || n > WC_MAX_WORD || w->n_stop == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        key[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
    key[n] = '\0';
    return bsearch(&k, w->stop, w->n_stop, sizeof *w->stop, cmp_str) != NULL;
}

static void count(const struct wc *w, const char *text, size_t len, size_t *words,
                  size_t *content)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    *words = *content = 0;
    while (i < len) {
        size_t sp = space_len(s + i, len - i);
        if (sp) {
            i += sp;
            continue;
        }
        size_t start = i;
        while (i < len && space_len(s + i, len - i) == 0)
            i++;
        (*words)++;
        if (!is_stop(w, text + start, i - start))
            (*content)++;
    }
}

/* path relative to base, or absolute; malloc'd. */
static char *resolve(const char *base, const char *path)
{
    char *p = NULL;
    if (path[0] == '/')
        return strdup(path);
    if (asprintf(&p, "%s/%s", base ? base : ".", path) < 0)
        return NULL;
    return p;
}

static int load_stopwords(struct wc *w, const char *path, char *err, size_t errlen)
{
    json_error_t je;
    json_t *arr = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    size_t i;
    json_t *v;
    if (!arr) {
        snprintf(err, errlen, "stopwords %s: line %d: %s", path, je.line, je.text);
        return -EINVAL;
    }
    if (!json_is_array(arr)) {
        snprintf(err, errlen, "stopwords %s: must be a JSON array of strings", path);
        json_decref(arr);
        return -EINVAL;
    }
    w->stop = calloc(json_array_size(arr) + 1, sizeof *w->stop);
    if (!w->stop) {
        json_decref(arr);
        return -ENOMEM;
    }
    json_array_foreach(arr, i, v) {
        const char *s = json_string_value(v);
        if (!s || !*s || json_string_length(v) > WC_MAX_WORD) {
            snprintf(err, errlen, "stopwords %s: entry %zu must be a word of 1 to %d bytes",
                     path, i, WC_MAX_WORD);
            json_decref(arr);
            return -EINVAL;
        }
        char *c = strdup(s);
        if (!c) {
            json_decref(arr);
            return -ENOMEM;
        }
        for (char *p = c; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        w->stop[w->n_stop++] = c;
    }
    json_decref(arr);
    qsort(w->stop, w->n_stop, sizeof *w->stop, cmp_str);
    return 0;
}

static void wc_destroy(void *inst)
{
    struct wc *w = inst;
    if (!w)
        return;
    for (size_t i = 0; i < w->n_stop; i++)
        free(w->stop[i]);
    free(w->stop);
    if (w->out_fd >= 0)
        close(w->out_fd);
    free(w);
}

static int wc_create(void **inst, const char *config_json, const inboxd_host *host,
                     char *err, size_t errlen)
{
    json_error_t je;
    json_t *cfg = json_loads(config_json, JSON_REJECT_DUPLICATES, &je);
    const char *key, *stop_path = NULL, *out_path = "wordcount.jsonl";
    json_t *v;
    char *path = NULL;
    int r = -EINVAL;
    struct wc *w = calloc(1, sizeof *w);
    if (!w || !cfg) {
        if (!cfg)
            snprintf(err, errlen, "config: %s", je.text);
        json_decref(cfg);
        free(w);
        return w ? -EINVAL : -ENOMEM;
    }
    w->out_fd = -1;
    /* Every host entry used here is in the first ABI version. */
    if (host->abi_version != INBOXD_ABI_VERSION ||
        host->size < offsetof(inboxd_host, config_dir) + sizeof host->config_dir) {
        snprintf(err, errlen, "host ABI %u is not %u", host->abi_version, INBOXD_ABI_VERSION);
        goto fail;
    }
    w->host = host;
    json_object_foreach(cfg, key, v) {
        if (strcmp(key, "stopwords") == 0 && json_is_string(v))
            stop_path = json_string_value(v);
        else if (strcmp(key, "output") == 0 && json_is_string(v) && json_string_length(v))
            out_path = json_string_value(v);
        else {
            snprintf(err, errlen, "config: unknown key or not a string: \"%s\"", key);
            goto fail;
        }
    }
    if (stop_path) {
        path = resolve(host->config_dir(), stop_path);
        if (!path || (r = load_stopwords(w, path, err, errlen)) < 0)
            goto fail;
        free(path);
    }
    path = resolve(host->state_dir(), out_path);
    if (!path) {
        r = -ENOMEM;
        goto fail;
    }
    w->out_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (w->out_fd < 0) {
        r = -errno;
        snprintf(err, errlen, "output %s: %s", path, strerror(errno));
        goto fail;
    }
    host->log(INBOXD_LOG_INFO, "wordcount", NULL, "%zu stop words; writing %s", w->n_stop,
              path);
    free(path);
    json_decref(cfg);
    *inst = w;
    return 0;
fail:
    free(path);
    json_decref(cfg);
    wc_destroy(w);
    return r < 0 ? r : -EINVAL;
}

static int wc_process(void *inst, inboxd_doc *doc)
{
    struct wc *w = inst;
    const inboxd_host *h = w->host;
    size_t len, words, content;
    const char *text = h->doc_text(doc, &len);
    char line[256], meta[96];
    if (!text)
        text = (const char *)h->doc_raw(doc, &len);
    count(w, text, len, &words, &content);
    snprintf(meta, sizeof meta, "{\"words\":%zu,\"content_words\":%zu}", words, content);
    if (h->doc_meta_set(doc, "wordcount", meta) < 0) {
        h->doc_error(doc, "wordcount: cannot store metadata");
        return INBOXD_FAILED;
    }
    int n = snprintf(line, sizeof line, "{\"id\":\"%s\",\"words\":%zu,\"content_words\":%zu}\n",
                     h->doc_id(doc), words, content);
    ssize_t wr = write(w->out_fd, line, (size_t)n);
    if (wr != n) {
        /* Disk full and the like: the document is retried later. */
        h->doc_error(doc, "wordcount: writing the output: %s",
                     wr < 0 ? strerror(errno) : "short write");
        return INBOXD_RETRY;
    }
    return INBOXD_OK;
}

static const inboxd_plugin desc = {
    .abi_version = INBOXD_ABI_VERSION,
    .size = sizeof(inboxd_plugin),
    .signature = INBOXD_BUILD_SIGNATURE,
    .name = "wordcount",
    .version = "1.0",
    .description = "counts words and content words; one JSON line per document",
    .stage = INBOXD_STAGE_SINK,
    .flags = INBOXD_PLUGIN_CONCURRENT,
    .create = wc_create,
    .process = wc_process,
    .destroy = wc_destroy,
};
INBOXD_PLUGIN_EXPORT(desc)
