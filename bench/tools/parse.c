/*
 * bench-parse TOP MB: the parse stage's throughput (issue 3).
 *
 * The samples (every top-level TOP/tests/fixtures/ *.txt) are parsed in
 * turn with parse_document() on one thread until MB megabytes went
 * through; then the same bytes, in the same order, go through a plain ICU
 * ucnv UTF-8 -> UTF-16 conversion (ucnv_toUChars), the floor of any
 * decoding; then through "ICU segmentation alone": u_strFromUTF8 and one
 * pass of ICU's word break iterator (counting the words: rule status >=
 * UBRK_WORD_NONE_LIMIT) and one of its sentence break iterator, the least
 * that the counts parse.h promises cost, whatever else parse does.  Prints
 * {"mb", "docs", "samples", "failed", "parse_seconds", "parse_mb_per_s",
 * "docs_per_s", "ucnv_seconds", "ucnv_mb_per_s", "icu_seg_seconds",
 * "icu_seg_mb_per_s"}.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unicode/ubrk.h>
#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#include "parse.h"

struct sample {
    char name[256];
    char *data;
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

/* The samples: regular files of 1 byte to 1 MB.  Returns the count. */
static size_t load(const char *dir, struct sample **out)
{
    struct dirent **names = NULL;
    struct sample *s = NULL;
    size_t n = 0;
    int k = scandir(dir, &names, txt_filter, name_cmp);
    for (int i = 0; i < k; i++) {
        char path[4400];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        FILE *f = stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
                          st.st_size <= (1 << 20)
                      ? fopen(path, "rb")
                      : NULL;
        if (f) {
            struct sample *ns = realloc(s, (n + 1) * sizeof *ns);
            char *d = malloc((size_t)st.st_size);
            if (ns && d && fread(d, 1, (size_t)st.st_size, f) == (size_t)st.st_size) {
                s = ns;
                snprintf(s[n].name, sizeof s[n].name, "%s", names[i]->d_name);
                s[n].data = d;
                s[n].len = (size_t)st.st_size;
                n++;
            } else {
                if (ns)
                    s = ns;
                free(d);
            }
            fclose(f);
        }
        free(names[i]);
    }
    free(names);
    *out = s;
    return n;
}

int main(int argc, char **argv)
{
    struct sample *s = NULL;
    parse_ctx *ctx = NULL;
    UConverter *cv = NULL;
    UBreakIterator *wb = NULL, *sb = NULL;
    UChar *u16 = NULL;
    char dir[4096], err[256];
    size_t n, docs = 0, failed = 0, maxlen = 0;
    double total = 0, want;
    int rc = 1;

    if (argc != 3 || (want = strtod(argv[2], NULL) * 1e6) <= 0) {
        fprintf(stderr, "usage: bench-parse TOP MB\n");
        return 2;
    }
    snprintf(dir, sizeof dir, "%s/tests/fixtures", argv[1]);
    n = load(dir, &s);
    if (n == 0) {
        fprintf(stderr, "bench-parse: no sample in %s\n", dir);
        return 1;
    }
    snprintf(dir, sizeof dir, "%s/etc/inboxd", argv[1]);
    if (parse_ctx_new(&ctx, "{}", dir, err, sizeof err) < 0) {
        fprintf(stderr, "bench-parse: %s\n", err);
        goto out;
    }
    /* Warm-up (ICU data, pools), and which samples fail. */
    for (size_t i = 0; i < n; i++) {
        parse_result r;
        int prc = parse_document(ctx, s[i].data, s[i].len, s[i].name, &r);
        if (prc != PARSE_OK) {
            fprintf(stderr, "bench-parse: %s: %s\n", s[i].name,
                    prc == PARSE_FAILED ? r.error : strerror(-prc));
            failed++;
        }
        parse_result_clear(&r);
        if (s[i].len > maxlen)
            maxlen = s[i].len;
    }
    double t0 = now();
    for (size_t i = 0; total < want; i = (i + 1) % n) {
        parse_result r;
        int prc = parse_document(ctx, s[i].data, s[i].len, s[i].name, &r);
        parse_result_clear(&r);
        if (prc < 0) {
            fprintf(stderr, "bench-parse: %s: %s\n", s[i].name, strerror(-prc));
            goto out;
        }
        total += (double)s[i].len;
        docs++;
    }
    double parse_s = now() - t0;

    UErrorCode st = U_ZERO_ERROR;
    cv = ucnv_open("UTF-8", &st);
    u16 = malloc((maxlen + 1) * sizeof *u16);
    if (U_FAILURE(st) || !u16) {
        fprintf(stderr, "bench-parse: ucnv_open(UTF-8): %s\n", u_errorName(st));
        goto out;
    }
    double utotal = 0;
    size_t udocs = 0;
    t0 = now();
    for (size_t i = 0; udocs < docs; i = (i + 1) % n) {
        st = U_ZERO_ERROR;
        ucnv_toUChars(cv, u16, (int32_t)maxlen + 1, s[i].data, (int32_t)s[i].len, &st);
        if (U_FAILURE(st)) {
            fprintf(stderr, "bench-parse: ucnv %s: %s\n", s[i].name, u_errorName(st));
            goto out;
        }
        utotal += (double)s[i].len;
        udocs++;
    }
    double ucnv_s = now() - t0;

    /* ICU segmentation alone: what counting words and sentences costs. */
    static const UChar none[1] = {0};
    st = U_ZERO_ERROR;
    wb = ubrk_open(UBRK_WORD, "", none, 0, &st);
    sb = ubrk_open(UBRK_SENTENCE, "", none, 0, &st);
    if (U_FAILURE(st)) {
        fprintf(stderr, "bench-parse: ubrk_open: %s\n", u_errorName(st));
        goto out;
    }
    double stotal = 0;
    size_t sdocs = 0, words = 0, sentences = 0;
    t0 = now();
    for (size_t i = 0; sdocs < docs; i = (i + 1) % n) {
        int32_t ulen = 0;
        st = U_ZERO_ERROR;
        u_strFromUTF8WithSub(u16, (int32_t)maxlen + 1, &ulen, s[i].data, (int32_t)s[i].len,
                             0xFFFD, NULL, &st);
        ubrk_setText(wb, u16, ulen, &st);
        ubrk_setText(sb, u16, ulen, &st);
        if (U_FAILURE(st)) {
            fprintf(stderr, "bench-parse: ICU %s: %s\n", s[i].name, u_errorName(st));
            goto out;
        }
        ubrk_first(wb);
        while (ubrk_next(wb) != UBRK_DONE)
            words += ubrk_getRuleStatus(wb) >= UBRK_WORD_NONE_LIMIT;
        ubrk_first(sb);
        while (ubrk_next(sb) != UBRK_DONE)
            sentences++;
        stotal += (double)s[i].len;
        sdocs++;
    }
    double seg_s = now() - t0;
    if (!words || !sentences) {
        fprintf(stderr, "bench-parse: ICU segmentation found no word or sentence\n");
        goto out;
    }
    printf("{\"mb\":%.3f,\"docs\":%zu,\"samples\":%zu,\"failed\":%zu,"
           "\"parse_seconds\":%.6f,\"parse_mb_per_s\":%.3f,\"docs_per_s\":%.1f,"
           "\"ucnv_seconds\":%.6f,\"ucnv_mb_per_s\":%.3f,"
           "\"icu_seg_seconds\":%.6f,\"icu_seg_mb_per_s\":%.3f}\n",
           total / 1e6, docs, n, failed, parse_s, parse_s > 0 ? total / 1e6 / parse_s : 0,
           parse_s > 0 ? (double)docs / parse_s : 0, ucnv_s,
           ucnv_s > 0 ? utotal / 1e6 / ucnv_s : 0, seg_s,
           seg_s > 0 ? stotal / 1e6 / seg_s : 0);
    rc = 0;
out:
    ucnv_close(cv);
    ubrk_close(wb);
    ubrk_close(sb);
    free(u16);
    parse_ctx_free(ctx);
    for (size_t i = 0; i < n; i++)
        free(s[i].data);
    free(s);
    return rc;
}
