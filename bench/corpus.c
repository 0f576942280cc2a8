/*
 * The benchmark corpus: reports made from the samples in tests/fixtures/.
 *
 * Each sample is cut into its first line (the title or lead), its body
 * paragraphs and its tail (the short lines after the last long paragraph:
 * byline, source line, comment counter).  Document i takes the first line
 * and tail of one sample of its language and body paragraphs drawn from all
 * the samples of that language until it reaches a size picked in 5-13 KB;
 * then its numbers (days, years, counts, ids in URLs) are redrawn.  The
 * SHA-256 of every document is kept: a document equal to an earlier one is
 * drawn again, so the daemon's dedup never skips one.
 */
#include "bn.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BN_MIN_DOC 5000
#define BN_MAX_DOC 13000
#define BN_LONG_LINE 200 /* bytes: a line at least this long is a paragraph */

enum { LANG_AR, LANG_EL, LANG_N };
static const char *const lang_names[LANG_N] = {"ar", "el"};

struct span {
    const char *p;
    size_t len;
};

struct sample {
    char *text; /* owned */
    size_t len;
    struct span first, tail;
};

struct pool {
    struct sample *samples; /* owned array */
    size_t n_samples;
    struct span *paras;     /* body paragraphs of every sample */
    size_t n_paras;
};

struct bn_corpus {
    struct pool pools[LANG_N];
    unsigned seed;
    uint64_t *seen;         /* open addressing, 0 = empty */
    size_t seen_cap, seen_n;
    size_t *order;          /* scratch permutation of paragraphs */
    size_t order_cap;
};

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Arabic or Greek by letter counts; -1 for anything else. */
static int sample_lang(const unsigned char *s, size_t len)
{
    size_t ar = 0, el = 0, other = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        if (c >= 0xD8 && c <= 0xDB)
            ar++; /* U+0600..U+06FF */
        else if (c == 0xCE || c == 0xCF)
            el++; /* U+0380..U+03FF */
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
            other++;
        else if (c >= 0xC0)
            other++;
    }
    if (ar * 2 > ar + el + other)
        return LANG_AR;
    if (el * 2 > ar + el + other)
        return LANG_EL;
    return -1;
}

/* Cuts a sample into first line, paragraphs (appended to the pool) and
 * tail.  -EINVAL when it has no body paragraph. */
static int sample_cut(struct pool *pl, struct sample *sm)
{
    const char *s = sm->text, *end = s + sm->len;
    const char *last_long_end = NULL;
    const char *p = s;
    size_t body_start_n = pl->n_paras;

    while (p < end && (*p == '\n' || *p == '\r'))
        p++;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    sm->first.p = p;
    sm->first.len = (size_t)((nl ? nl : end) - p);
    p = nl ? nl + 1 : end;
    /* Where the tail starts: after the last long line. */
    for (const char *q = p; q < end;) {
        const char *e = memchr(q, '\n', (size_t)(end - q));
        if (!e)
            e = end;
        if ((size_t)(e - q) >= BN_LONG_LINE)
            last_long_end = e;
        q = e + 1;
    }
    if (!last_long_end)
        return -EINVAL;
    while (p < last_long_end) {
        const char *e = memchr(p, '\n', (size_t)(last_long_end - p));
        if (!e)
            e = last_long_end;
        size_t n = (size_t)(e - p);
        while (n > 0 && p[n - 1] == '\r')
            n--;
        if (n > 0) {
            struct span *np = realloc(pl->paras, (pl->n_paras + 1) * sizeof *np);
            if (!np)
                return -ENOMEM;
            pl->paras = np;
            pl->paras[pl->n_paras++] = (struct span){p, n};
        }
        p = e + 1;
    }
    sm->tail.p = last_long_end < end ? last_long_end + 1 : end;
    sm->tail.len = (size_t)(end - sm->tail.p);
    return pl->n_paras > body_start_n ? 0 : -EINVAL;
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int txt_filter(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 4 && strcmp(d->d_name + n - 4, ".txt") == 0;
}

int bn_corpus_load(struct bn_corpus **out, const char *dir, unsigned seed)
{
    struct dirent **names = NULL;
    struct bn_corpus *c = calloc(1, sizeof *c);
    int n, rc = 0;
    if (!c)
        return -ENOMEM;
    c->seed = seed;
    n = scandir(dir, &names, txt_filter, name_cmp);
    if (n < 0) {
        rc = -errno;
        bn_log("cannot read the samples in %s: %s", dir, strerror(errno));
        goto out;
    }
    for (int i = 0; i < n && rc == 0; i++) {
        char path[4096];
        size_t len;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        char *text = bn_slurp(path, &len);
        int lang = text ? sample_lang((unsigned char *)text, len) : -1;
        if (!text || len < 1024 || len > 65536 || !util_utf8_valid(text, len) || lang < 0) {
            free(text);
            continue;
        }
        struct pool *pl = &c->pools[lang];
        struct sample *ns = realloc(pl->samples, (pl->n_samples + 1) * sizeof *ns);
        if (!ns) {
            free(text);
            rc = -ENOMEM;
            break;
        }
        pl->samples = ns;
        struct sample *sm = &pl->samples[pl->n_samples];
        memset(sm, 0, sizeof *sm);
        sm->text = text;
        sm->len = len;
        size_t before = pl->n_paras;
        int cr = sample_cut(pl, sm);
        if (cr == -ENOMEM) {
            free(text);
            rc = cr;
            break;
        }
        if (cr < 0) {
            pl->n_paras = before;
            free(text);
            continue;
        }
        pl->n_samples++;
    }
    for (int l = 0; l < LANG_N && rc == 0; l++)
        if (c->pools[l].n_samples == 0) {
            bn_log("no usable %s sample (UTF-8 .txt, 1-64 KB, with paragraphs) in %s",
                   l == LANG_AR ? "Arabic" : "Greek", dir);
            rc = -ENOENT;
        }
out:
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc < 0) {
        bn_corpus_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void bn_corpus_free(struct bn_corpus *c)
{
    if (!c)
        return;
    for (int l = 0; l < LANG_N; l++) {
        for (size_t i = 0; i < c->pools[l].n_samples; i++)
            free(c->pools[l].samples[i].text);
        free(c->pools[l].samples);
        free(c->pools[l].paras);
    }
    free(c->seen);
    free(c->order);
    free(c);
}

size_t bn_corpus_samples(const struct bn_corpus *c, const char *lang)
{
    for (int l = 0; l < LANG_N; l++)
        if (strcmp(lang, lang_names[l]) == 0)
            return c->pools[l].n_samples;
    return 0;
}

/* 1 when h was seen before (and remembers it), 0 when new, -ENOMEM. */
static int seen_add(struct bn_corpus *c, uint64_t h)
{
    if (h == 0)
        h = 1;
    if ((c->seen_n + 1) * 2 > c->seen_cap) {
        size_t ncap = c->seen_cap ? c->seen_cap * 2 : 4096;
        uint64_t *nt = calloc(ncap, sizeof *nt);
        if (!nt)
            return -ENOMEM;
        for (size_t i = 0; i < c->seen_cap; i++) {
            uint64_t v = c->seen[i];
            if (!v)
                continue;
            size_t k = (size_t)(v & (ncap - 1));
            while (nt[k])
                k = (k + 1) & (ncap - 1);
            nt[k] = v;
        }
        free(c->seen);
        c->seen = nt;
        c->seen_cap = ncap;
    }
    size_t k = (size_t)(h & (c->seen_cap - 1));
    while (c->seen[k]) {
        if (c->seen[k] == h)
            return 1;
        k = (k + 1) & (c->seen_cap - 1);
    }
    c->seen[k] = h;
    c->seen_n++;
    return 0;
}

struct sbuf {
    char *p;
    size_t len, cap;
};

static int sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 16384;
        while (ncap < b->len + n + 1)
            ncap *= 2;
        char *np = realloc(b->p, ncap);
        if (!np)
            return -ENOMEM;
        b->p = np;
        b->cap = ncap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

/* Copies src to b with every run of ASCII digits redrawn: four digits that
 * read as a year stay a year (2000-2029 or 1950-1999), one or two digits
 * stay a day-sized number, longer runs keep their length. */
static int vary_numbers(struct sbuf *b, const char *src, size_t len, uint64_t *rng)
{
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && src[j] >= '0' && src[j] <= '9')
            j++;
        if (j == i) {
            while (j < len && !(src[j] >= '0' && src[j] <= '9'))
                j++;
            if (sb_add(b, src + i, j - i) < 0)
                return -ENOMEM;
            i = j;
            continue;
        }
        char num[32];
        size_t n = j - i;
        uint64_t r = splitmix(rng);
        if (n == 4 && (src[i] == '1' || src[i] == '2') && (src[i + 1] == '9' || src[i + 1] == '0'))
            snprintf(num, sizeof num, "%u",
                     src[i] == '2' ? 2000 + (unsigned)(r % 30) : 1950 + (unsigned)(r % 50));
        else if (n <= 2)
            snprintf(num, sizeof num, "%u", 1 + (unsigned)(r % 28));
        else {
            size_t k = n < sizeof num ? n : sizeof num - 1;
            for (size_t d = 0; d < k; d++) {
                num[d] = (char)('0' + (d == 0 ? 1 + r % 9 : r % 10));
                r = r / 10 ? r / 10 : splitmix(rng);
            }
            num[k] = '\0';
        }
        if (sb_add(b, num, strlen(num)) < 0)
            return -ENOMEM;
        i = j;
    }
    return 0;
}

/* Builds one candidate for document i, attempt a, into out. */
static int make_doc(struct bn_corpus *c, size_t i, unsigned a, struct sbuf *out)
{
    uint64_t rng = ((uint64_t)c->seed << 32) ^ ((uint64_t)i * 0x9E3779B97F4A7C15ull) ^
                   ((uint64_t)a * 0xD1B54A32D192ED03ull);
    struct pool *pl = &c->pools[i & 1 ? LANG_EL : LANG_AR];
    struct sample *sm = &pl->samples[splitmix(&rng) % pl->n_samples];
    size_t target = BN_MIN_DOC + (size_t)(splitmix(&rng) % (BN_MAX_DOC - BN_MIN_DOC));
    struct sbuf raw = {0};
    int rc = 0;

    if (c->order_cap < pl->n_paras) {
        size_t *no = realloc(c->order, pl->n_paras * sizeof *no);
        if (!no)
            return -ENOMEM;
        c->order = no;
        c->order_cap = pl->n_paras;
    }
    if (sb_add(&raw, sm->first.p, sm->first.len) < 0 || sb_add(&raw, "\n", 1) < 0) {
        rc = -ENOMEM;
        goto out;
    }
    /* Paragraphs in a fresh random order, the order redrawn each time the
     * pool is used up, until the document (with its tail) reaches target. */
    size_t used = pl->n_paras, added = 0, tries = 0;
    while ((raw.len + sm->tail.len < target || added < 2) && tries++ < 8 * pl->n_paras + 16) {
        if (used == pl->n_paras) {
            for (size_t k = 0; k < pl->n_paras; k++)
                c->order[k] = k;
            for (size_t k = pl->n_paras; k > 1; k--) {
                size_t r = (size_t)(splitmix(&rng) % k);
                size_t t = c->order[k - 1];
                c->order[k - 1] = c->order[r];
                c->order[r] = t;
            }
            used = 0;
        }
        const struct span *sp = &pl->paras[c->order[used++]];
        if (added >= 2 && raw.len + sp->len + sm->tail.len > BN_MAX_DOC)
            continue; /* too long for what is left: try a shorter one */
        if (sb_add(&raw, sp->p, sp->len) < 0 || sb_add(&raw, "\n", 1) < 0) {
            rc = -ENOMEM;
            goto out;
        }
        added++;
    }
    if (sb_add(&raw, sm->tail.p, sm->tail.len) < 0) {
        rc = -ENOMEM;
        goto out;
    }
    out->len = 0;
    rc = vary_numbers(out, raw.p, raw.len, &rng);
out:
    free(raw.p);
    return rc;
}

int bn_corpus_doc(struct bn_corpus *c, size_t i, char **text, size_t *len)
{
    struct sbuf b = {0};
    for (unsigned a = 0;; a++) {
        char hex[65];
        int rc = make_doc(c, i, a, &b);
        if (rc < 0) {
            free(b.p);
            return rc;
        }
        util_sha256_hex(b.p, b.len, hex);
        hex[16] = '\0'; /* 64 bits of the digest are plenty to tell them apart */
        uint64_t h = strtoull(hex, NULL, 16);
        rc = seen_add(c, h);
        if (rc < 0) {
            free(b.p);
            return rc;
        }
        if (rc == 0)
            break;
        if (a > 1000) { /* the samples cannot make distinct documents */
            free(b.p);
            return -ELOOP;
        }
    }
    *text = b.p;
    *len = b.len;
    return 0;
}

int bn_corpus_write(struct bn_corpus *c, const char *dir, size_t first, size_t n,
                    uint64_t *bytes)
{
    uint64_t total = 0;
    for (size_t i = first; i < first + n; i++) {
        char path[4096], *text;
        size_t len;
        int rc = bn_corpus_doc(c, i, &text, &len);
        if (rc < 0)
            return rc;
        snprintf(path, sizeof path, "%s/r%07zu.txt", dir, i);
        rc = bn_write(path, text, len);
        free(text);
        if (rc < 0) {
            bn_log("%s: %s", path, strerror(-rc));
            return rc;
        }
        total += len;
        if ((i - first) % 256 == 0 || i + 1 == first + n)
            bn_progress("corpus: %zu / %zu files, %.1f MB", i - first + 1, n, (double)total / 1e6);
    }
    bn_progress_end();
    if (bytes)
        *bytes = total;
    return 0;
}
