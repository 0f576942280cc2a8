/*
 * The fuzz targets as a regression test in `make check`: a Check program
 * (one per target, built with the project's compiler and, with SAN=1,
 * under ASan+UBSan) that runs the target on every file of its seed corpus
 * (tests/fuzz/corpus/TARGET/), on every crasher kept from a fuzzing run
 * (tests/fuzz/regress/TARGET/), and on a fixed set of mutations of the
 * corpus (the same every run).  A crash, a sanitizer report or a broken
 * invariant fails the test and names the file.
 */
#include "fuzz.h"

#include <check.h>
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET (the target's name) must be defined"
#endif
#define STR2(x) #x
#define STR(x) STR2(x)

struct input {
    char name[300];
    uint8_t *data;
    size_t len;
};

static int cmp_input(const void *a, const void *b)
{
    return strcmp(((const struct input *)a)->name, ((const struct input *)b)->name);
}

/* Every regular file under tests/fuzz/SUB/TARGET, sorted by name. */
static struct input *load_dir(const char *sub, size_t *n)
{
    char dir[4096];
    struct input *v = NULL;
    size_t cnt = 0;
    DIR *d;
    struct dirent *e;
    snprintf(dir, sizeof dir, "%s/tests/fuzz/%s/%s", fuzz_top(), sub, STR(FUZZ_TARGET));
    *n = 0;
    d = opendir(dir);
    if (!d)
        return NULL;
    while ((e = readdir(d))) {
        char p[4400];
        struct stat st;
        FILE *f;
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (stat(p, &st) < 0 || !S_ISREG(st.st_mode))
            continue;
        v = realloc(v, (cnt + 1) * sizeof *v);
        ck_assert_ptr_nonnull(v);
        snprintf(v[cnt].name, sizeof v[cnt].name, "%s/%s", sub, e->d_name);
        /* An exact-size heap copy, so that a read past the end is caught. */
        v[cnt].len = (size_t)st.st_size;
        v[cnt].data = malloc(v[cnt].len ? v[cnt].len : 1);
        f = fopen(p, "rb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fread(v[cnt].data, 1, v[cnt].len, f), v[cnt].len);
        fclose(f);
        cnt++;
    }
    closedir(d);
    if (cnt)
        qsort(v, cnt, sizeof *v, cmp_input);
    *n = cnt;
    return v;
}

static void free_inputs(struct input *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].data);
    free(v);
}

static void run_one(const char *name, const uint8_t *data, size_t len)
{
    /* The buffer is copied to an exact-size allocation. */
    uint8_t *copy = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(copy);
    if (len)
        memcpy(copy, data, len);
    fprintf(stderr, "%s: %s (%zu bytes)\n", STR(FUZZ_TARGET), name, len);
    LLVMFuzzerTestOneInput(copy, len);
    free(copy);
}

static void init_target(void)
{
    int argc = 1;
    char *args[] = {(char *)STR(FUZZ_TARGET), NULL};
    char **argv = args;
    LLVMFuzzerInitialize(&argc, &argv);
}

START_TEST(seed_corpus)
{
    size_t n;
    struct input *v = load_dir("corpus", &n);
    ck_assert_msg(n > 0, "no seed corpus in tests/fuzz/corpus/%s", STR(FUZZ_TARGET));
    init_target();
    for (size_t i = 0; i < n; i++)
        run_one(v[i].name, v[i].data, v[i].len);
    free_inputs(v, n);
}
END_TEST

START_TEST(kept_crashers)
{
    size_t n;
    struct input *v = load_dir("regress", &n);
    init_target();
    for (size_t i = 0; i < n; i++)
        run_one(v[i].name, v[i].data, v[i].len);
    free_inputs(v, n);
}
END_TEST

/* Fixed mutations of the corpus: bit flips, cuts, inserted bytes (NUL,
 * newline, 0xFF, UTF-8 lead bytes), splices of two inputs. */
START_TEST(fixed_mutations)
{
    size_t n, per = getenv("INBOXD_LONG") ? 200 : 12;
    struct input *v = load_dir("corpus", &n);
    static const uint8_t specials[] = {0, '\n', 0xFF, 0xC3, 0xE2, 0xF0, '"', '\\', '{', '<'};
    uint32_t seed = 12345;
    ck_assert(n > 0);
    init_target();
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < per; k++) {
            size_t cap = v[i].len + 64;
            uint8_t *m = malloc(cap);
            size_t len = v[i].len;
            char name[400];
            memcpy(m, v[i].data, len);
            for (int step = 0; step < 1 + (int)(k % 4); step++) {
                seed = seed * 1103515245u + 12345u;
                uint32_t r = seed >> 8;
                switch (r % 4) {
                case 0: if (len) m[r % len] ^= (uint8_t)(1u << (r % 8)); break;
                case 1: if (len) len = r % len; break;
                case 2:
                    if (len < cap) {
                        size_t at = len ? r % len : 0;
                        memmove(m + at + 1, m + at, len - at);
                        m[at] = specials[r % sizeof specials];
                        len++;
                    }
                    break;
                default: {
                    const struct input *o = &v[r % n];
                    size_t take = o->len < cap - len ? o->len : cap - len;
                    if (take > 32)
                        take = 32;
                    memcpy(m + len, o->data, take);
                    len += take;
                }
                }
            }
            snprintf(name, sizeof name, "%s mutation %zu", v[i].name, k);
            run_one(name, m, len);
            free(m);
        }
    }
    free_inputs(v, n);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fuzz_" STR(FUZZ_TARGET));
    TCase *tc = tcase_create("replay");
    tcase_set_timeout(tc, getenv("INBOXD_LONG") ? 1200 : 300);
    tcase_add_test(tc, seed_corpus);
    tcase_add_test(tc, kept_crashers);
    tcase_add_test(tc, fixed_mutations);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
