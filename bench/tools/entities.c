/*
 * bench-entities TOP MB BIG_MB: the entity extractor's throughput (issue 4).
 *
 *  - Arabic: the Arabic samples (top-level TOP/tests/fixtures/ *.txt whose
 *    letters are mostly Arabic) through ent_extract() in turn on one
 *    thread until MB megabytes went through: MB/s per core.  The same for
 *    the Greek samples.
 *  - One large report: the Arabic samples joined ("\n\n") to BIG_MB, cut
 *    at 1/8, 1/4, 1/2 and the whole, each extracted twice (the faster run
 *    counts); "growth" is the
 *    seconds per MB of the whole over that of the 1/8 cut (1.0 = linear).
 *
 * No entity limit (max_entities 0), so that a cap cannot hide the work.
 * Prints {"arabic_mb", "arabic_mb_per_s", "arabic_entities_per_mb",
 * "greek_mb", "greek_mb_per_s", "big": {"mb", "seconds", "entities",
 * "smallest_mb", "growth", "cuts": [{"mb", "seconds", "s_per_mb"}]}}.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "entities.h"

struct text {
    char *p;
    size_t len;
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

/* 'a' when most letters are Arabic, 'g' when Greek, 0 otherwise. */
static int script_of(const unsigned char *s, size_t len)
{
    size_t ar = 0, el = 0, other = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] >= 0xD8 && s[i] <= 0xDB)
            ar++;
        else if (s[i] == 0xCE || s[i] == 0xCF)
            el++;
        else if (s[i] >= 0xC0 || ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z'))
            other++;
    }
    return ar * 2 > ar + el + other ? 'a' : el * 2 > ar + el + other ? 'g' : 0;
}

static int load(const char *dir, int script, struct text **out, size_t *n)
{
    struct dirent **names = NULL;
    int k = scandir(dir, &names, txt_filter, name_cmp);
    *out = NULL;
    *n = 0;
    for (int i = 0; i < k; i++) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        free(names[i]);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        char *buf = malloc(1 << 20);
        size_t len = buf ? fread(buf, 1, 1 << 20, f) : 0;
        fclose(f);
        if (!buf || len == 0 || len == (1 << 20) ||
            script_of((unsigned char *)buf, len) != script) {
            free(buf);
            continue;
        }
        struct text *nt = realloc(*out, (*n + 1) * sizeof *nt);
        if (!nt) {
            free(buf);
            continue;
        }
        *out = nt;
        (*out)[(*n)++] = (struct text){buf, len};
    }
    free(names);
    return *n ? 0 : -ENOENT;
}

/* Extracts texts in turn until mb MB went through; MB/s, or < 0. */
static double rate(const ent_data *d, const struct text *t, size_t n, const char *lang,
                   double mb, double *done_mb, double *ents)
{
    ent_opts o = {.doc_lang = lang, .ref_year = 2024};
    double total = 0, want = mb * 1e6, count = 0;
    double t0 = now();
    for (size_t i = 0; total < want; i = (i + 1) % n) {
        ent_list l = {0};
        if (ent_extract(d, t[i].p, t[i].len, &o, &l) < 0) {
            fprintf(stderr, "bench-entities: ent_extract failed\n");
            return -1;
        }
        count += (double)l.n;
        ent_list_clear(&l);
        total += (double)t[i].len;
    }
    double s = now() - t0;
    *done_mb = total / 1e6;
    *ents = count;
    return s > 0 ? total / 1e6 / s : 0;
}

int main(int argc, char **argv)
{
    char dir[4096], err[512];
    ent_data *d = NULL;
    struct text *ar = NULL, *el = NULL;
    size_t nar = 0, nel = 0;
    char *big = NULL;
    double mb, big_mb;
    int rc = 1;

    if (argc != 4 || (mb = strtod(argv[2], NULL)) <= 0 ||
        (big_mb = strtod(argv[3], NULL)) <= 0) {
        fprintf(stderr, "usage: bench-entities TOP MB BIG_MB\n");
        return 2;
    }
    snprintf(dir, sizeof dir, "%s/etc/inboxd/entities", argv[1]);
    if (ent_data_load(&d, dir, err, sizeof err) < 0) {
        fprintf(stderr, "bench-entities: %s\n", err);
        return 1;
    }
    snprintf(dir, sizeof dir, "%s/tests/fixtures", argv[1]);
    if (load(dir, 'a', &ar, &nar) < 0) {
        fprintf(stderr, "bench-entities: no Arabic sample in %s\n", dir);
        goto out;
    }
    load(dir, 'g', &el, &nel);

    double ar_mb, ar_ents, el_mb = 0, el_ents = 0, el_rate = 0;
    rate(d, ar, nar, "ar", 1, &ar_mb, &ar_ents); /* warm-up */
    double ar_rate = rate(d, ar, nar, "ar", mb, &ar_mb, &ar_ents);
    if (ar_rate < 0)
        goto out;
    if (nel && (el_rate = rate(d, el, nel, "el", mb, &el_mb, &el_ents)) < 0)
        goto out;

    /* The large report. */
    size_t want = (size_t)(big_mb * 1e6), len = 0;
    big = malloc(want + (1u << 20) + 2);
    if (!big) {
        fprintf(stderr, "bench-entities: out of memory for %zu bytes\n", want);
        goto out;
    }
    for (size_t i = 0; len < want; i = (i + 1) % nar) {
        memcpy(big + len, ar[i].p, ar[i].len);
        len += ar[i].len;
        memcpy(big + len, "\n\n", 2);
        len += 2;
    }
    printf("{\"arabic_mb\":%.3f,\"arabic_mb_per_s\":%.3f,\"arabic_entities_per_mb\":%.1f,"
           "\"greek_mb\":%.3f,\"greek_mb_per_s\":%.3f,\"big\":{\"cuts\":[",
           ar_mb, ar_rate, ar_mb > 0 ? ar_ents / ar_mb : 0, el_mb, el_rate);
    double first_spm = 0, last_spm = 0, last_s = 0, first_mb = 0;
    size_t last_n = 0;
    for (int k = 3; k >= 0; k--) {
        size_t cut = len >> k;
        while (cut < len && cut > 0 && big[cut] != '\n')
            cut++; /* a paragraph end, never inside a character */
        ent_opts o = {.doc_lang = "ar", .ref_year = 2024};
        ent_list l = {0};
        double s = 0;
        /* The best of two runs: a busy machine only ever slows a run down. */
        for (int run = 0; run < 2; run++) {
            ent_list_clear(&l);
            double t0 = now();
            if (ent_extract(d, big, cut, &o, &l) < 0) {
                fprintf(stderr, "bench-entities: ent_extract of %zu bytes failed\n", cut);
                goto out;
            }
            double t = now() - t0;
            if (run == 0 || t < s)
                s = t;
        }
        double cmb = (double)cut / 1e6, spm = cmb > 0 ? s / cmb : 0;
        if (k == 3) {
            first_spm = spm;
            first_mb = cmb;
        }
        last_spm = spm;
        last_s = s;
        last_n = l.n;
        ent_list_clear(&l);
        printf("%s{\"mb\":%.3f,\"seconds\":%.4f,\"s_per_mb\":%.5f}", k == 3 ? "" : ",", cmb, s,
               spm);
        fprintf(stderr, "bench-entities: %.1f MB report: %.3f s\n", cmb, s);
    }
    printf("],\"mb\":%.3f,\"seconds\":%.4f,\"entities\":%zu,\"smallest_mb\":%.3f,"
           "\"growth\":%.3f}}\n",
           (double)len / 1e6, last_s, last_n, first_mb,
           first_spm > 0 ? last_spm / first_spm : 0);
    rc = 0;
out:
    free(big);
    for (size_t i = 0; i < nar; i++)
        free(ar[i].p);
    for (size_t i = 0; i < nel; i++)
        free(el[i].p);
    free(ar);
    free(el);
    ent_data_free(d);
    return rc;
}
