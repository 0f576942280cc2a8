/*
 * ent_eval: scores the entity extractor.
 *   ent_eval gold DATA GOLDDIR [-v]   precision/recall/F1 per type on the
 *                                     gold set (tests/fixtures/gold)
 *   ent_eval newsfane DATA DIR [-v]   PERSON/LOC/ORG on NewsFANE Gold dev
 *   ent_eval links DATA               cross-script linking on the gazetteer
 *   ent_eval bench DATA FILE MB       throughput on FILE repeated to MB
 *   ent_eval markup DATA FILE [LANG]  FILE with the entities found marked
 *                                     up as gold (a draft to correct)
 * Exit status 0; 77 when the NewsFANE directory is absent.
 */
#include "entities.h"
#include "score.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *b;
    long sz;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    sz = ftell(f);
    rewind(f);
    b = malloc((size_t)sz + 1);
    if (b && fread(b, 1, (size_t)sz, f) != (size_t)sz) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[sz] = '\0';
        *n = (size_t)sz;
    }
    return b;
}

static ent_data *load(const char *dir)
{
    char err[1024];
    ent_data *d;
    if (ent_data_load(&d, dir, err, sizeof err) < 0) {
        fprintf(stderr, "ent_eval: %s\n", err);
        exit(2);
    }
    return d;
}

static void print_table(const score *sc, unsigned mask, const char *title)
{
    size_t ttp = 0, tfp = 0, tfn = 0;
    double p, r, f;
    int t;
    printf("%s\n%-9s %6s %6s %6s  %5s %5s %5s  %s\n", title, "type", "gold", "found", "right",
           "P", "R", "F1", "values");
    for (t = 0; t < ENT_NTYPES; t++) {
        if (!(mask & (1u << t)) || (!sc->tp[t] && !sc->fp[t] && !sc->fn[t]))
            continue;
        f = prf(sc->tp[t], sc->fp[t], sc->fn[t], &p, &r);
        printf("%-9s %6zu %6zu %6zu  %5.3f %5.3f %5.3f", ent_type_name(t), sc->tp[t] + sc->fn[t],
               sc->tp[t] + sc->fp[t], sc->tp[t], p, r, f);
        if (sc->vn[t])
            printf("  %zu/%zu", sc->vok[t], sc->vn[t]);
        printf("\n");
        ttp += sc->tp[t];
        tfp += sc->fp[t];
        tfn += sc->fn[t];
    }
    f = prf(ttp, tfp, tfn, &p, &r);
    printf("%-9s %6zu %6zu %6zu  %5.3f %5.3f %5.3f\n", "ALL", ttp + tfn, ttp + tfp, ttp, p, r, f);
}

static int is_txt(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 4 && !strcmp(e->d_name + n - 4, ".txt");
}

/* The language of a gold file: its name ends in _LANG.txt. */
static void file_lang(const char *name, char *lang, size_t n)
{
    const char *u = strrchr(name, '_'), *dot = strrchr(name, '.');
    lang[0] = '\0';
    if (u && dot && dot > u + 1 && (size_t)(dot - u - 1) < n)
        snprintf(lang, n, "%.*s", (int)(dot - u - 1), u + 1);
}

static int cmd_gold(const char *data, const char *dir, int verbose)
{
    ent_data *d = load(data);
    struct dirent **ents;
    int m = scandir(dir, &ents, is_txt, alphasort), i;
    score sc = {0};
    if (m < 0) {
        fprintf(stderr, "ent_eval: %s: %s\n", dir, strerror(errno));
        return 2;
    }
    for (i = 0; i < m; i++) {
        char path[4096], err[256], lang[16];
        size_t n;
        char *src;
        gold_doc g;
        ent_list l = {0};
        ent_opts o = {0};
        snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
        src = slurp(path, &n);
        if (!src || gold_parse(src, n, &g, err, sizeof err) < 0) {
            fprintf(stderr, "ent_eval: %s: %s\n", path, src ? err : strerror(errno));
            return 2;
        }
        file_lang(ents[i]->d_name, lang, sizeof lang);
        o.doc_lang = lang[0] ? lang : NULL;
        if (ent_extract(d, g.text, g.len, &o, &l) < 0)
            return 2;
        if (verbose)
            printf("== %s\n", ents[i]->d_name);
        score_add(&sc, g.sp, g.n, &l, ~0u, verbose ? stdout : NULL, g.text);
        ent_list_clear(&l);
        gold_free(&g);
        free(src);
        free(ents[i]);
    }
    free(ents);
    {
        char title[4200];
        snprintf(title, sizeof title, "gold set %s (%d reports)", dir, m);
        print_table(&sc, ~0u, title);
    }
    ent_data_free(d);
    return 0;
}

static int cmd_newsfane(const char *data, const char *dir, int verbose)
{
    char *text = NULL;
    size_t tlen = 0, ng = 0, nsent = 0;
    gold_span *gs = NULL;
    ent_data *d;
    ent_list l = {0};
    ent_opts o = {.doc_lang = "ar", .latin = 1};
    score sc = {0};
    struct timespec a, b;
    double secs;
    int rc = newsfane_load(dir, &text, &tlen, &gs, &ng, &nsent);
    if (rc == 1) {
        printf("newsfane: %s/NewsFANE_Gold_dev.txt absent, skipped\n", dir);
        return 77;
    }
    if (rc < 0) {
        fprintf(stderr, "ent_eval: newsfane: cannot read %s\n", dir);
        return 2;
    }
    if (getenv("EVAL_LATIN") && !strcmp(getenv("EVAL_LATIN"), "0"))
        o.latin = 0;
    d = load(data);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    if (ent_extract(d, text, tlen, &o, &l) < 0)
        return 2;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    score_add(&sc, gs, ng, &l, (1u << ENT_PERSON) | (1u << ENT_LOC) | (1u << ENT_ORG),
              verbose ? stdout : NULL, text);
    {
        char title[4200];
        snprintf(title, sizeof title,
                 "newsfane-dev %s (%zu sentences, %.1f KB, %.0f ms cpu = %.1f MB/s, latin %s)",
                 dir, nsent, (double)tlen / 1024, secs * 1000,
                 (double)tlen / 1048576 / (secs > 0 ? secs : 1e-9), o.latin ? "on" : "off");
        print_table(&sc, (1u << ENT_PERSON) | (1u << ENT_LOC) | (1u << ENT_ORG), title);
    }
    ent_list_clear(&l);
    free(gs);
    free(text);
    ent_data_free(d);
    return 0;
}

/* ---- cross-script links ------------------------------------------------------ */

static int cmd_links(const char *data)
{
    ent_data *d = load(data);
    char path[4096];
    const char *files[] = {"vn_provinces.json", "vn_bodies.json", "world.json", NULL};
    size_t names = 0, names_ok = 0, forms = 0, forms_ok = 0;
    int fi;
    for (fi = 0; files[fi]; fi++) {
        json_t *root, *arr, *e;
        size_t i;
        snprintf(path, sizeof path, "%s/gazetteer/%s", data, files[fi]);
        root = json_load_file(path, 0, NULL);
        arr = json_object_get(root, "entries");
        json_array_foreach(arr, i, e) {
            const char *key = json_string_value(json_object_get(e, "key"));
            json_t *al = json_object_get(e, "aliases"), *a;
            size_t j;
            int all = 1;
            if (!key)
                continue;
            names++;
            for (j = 0; j <= json_array_size(al); j++) {
                const char *form = j == 0 ? json_string_value(json_object_get(e, "name"))
                                          : json_string_value(json_array_get(al, j - 1));
                char text[1024];
                ent_list l = {0};
                size_t k;
                int ok = 0;
                (void)a;
                snprintf(text, sizeof text, "%s.", form);
                forms++;
                if (ent_extract(d, text, strlen(text), NULL, &l) == 0)
                    for (k = 0; k < l.n; k++)
                        if (!strcmp(l.v[k].key, key) && l.v[k].start == 0)
                            ok = 1;
                ent_list_clear(&l);
                forms_ok += ok;
                if (!ok) {
                    all = 0;
                    if (getenv("EVAL_VERBOSE"))
                        printf("unlinked: %s (%s)\n", form, key);
                }
            }
            names_ok += all;
        }
        json_decref(root);
    }
    printf("cross-script links: %zu/%zu names with every form linked (%.1f%%), %zu/%zu forms "
           "(%.1f%%)\n",
           names_ok, names, names ? 100.0 * (double)names_ok / (double)names : 0, forms_ok, forms,
           forms ? 100.0 * (double)forms_ok / (double)forms : 0);
    ent_data_free(d);
    return 0;
}

/* ---- throughput --------------------------------------------------------------- */

static int cmd_bench(const char *data, const char *file, double mb)
{
    ent_data *d = load(data);
    size_t n, want = (size_t)(mb * 1048576), len = 0;
    char *src = slurp(file, &n), *big;
    int pass;
    if (!src || !n) {
        fprintf(stderr, "ent_eval: %s: cannot read\n", file);
        return 2;
    }
    big = malloc(want + n + 2);
    while (len + n + 1 <= want) {
        memcpy(big + len, src, n);
        len += n;
        big[len++] = '\n';
    }
    for (pass = 0; pass < 2; pass++) {
        ent_list l = {0};
        ent_opts o = {.doc_lang = "ar", .latin = pass};
        struct timespec a, b, ca, cb;
        double secs, cpu;
        clock_gettime(CLOCK_MONOTONIC, &a);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ca);
        if (ent_extract(d, big, len, &o, &l) < 0)
            return 2;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb);
        clock_gettime(CLOCK_MONOTONIC, &b);
        secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
        cpu = (double)(cb.tv_sec - ca.tv_sec) + (double)(cb.tv_nsec - ca.tv_nsec) / 1e9;
        printf("bench: %.1f MB of %s, latin %s: %.2f s wall, %.2f s cpu, %.1f MB/s per core, "
               "%zu entities\n",
               (double)len / 1048576, file, pass ? "on" : "off", secs, cpu,
               (double)len / 1048576 / cpu, l.n);
        ent_list_clear(&l);
    }
    free(big);
    free(src);
    ent_data_free(d);
    return 0;
}

static int cmd_markup(const char *data, const char *file, const char *lang)
{
    ent_data *d = load(data);
    size_t n, i, at = 0;
    char *src = slurp(file, &n);
    ent_list l = {0};
    ent_opts o = {.doc_lang = lang};
    if (!src || ent_extract(d, src, n, &o, &l) < 0)
        return 2;
    for (i = 0; i < l.n; i++) {
        const ent_entity *e = &l.v[i];
        fwrite(src + at, 1, e->start - at, stdout);
        if (e->type == ENT_DATE || e->type == ENT_DOCREF || e->type == ENT_MONEY ||
            e->type == ENT_PERCENT || e->type == ENT_QUANTITY)
            printf("[[%s|%s|%s]]", ent_type_name(e->type), e->text, e->value);
        else
            printf("[[%s|%s]]", ent_type_name(e->type), e->text);
        at = e->end;
    }
    fwrite(src + at, 1, n - at, stdout);
    ent_list_clear(&l);
    free(src);
    ent_data_free(d);
    return 0;
}

int main(int argc, char **argv)
{
    int verbose = argc > 1 && !strcmp(argv[argc - 1], "-v");
    if (argc >= 4 && !strcmp(argv[1], "gold"))
        return cmd_gold(argv[2], argv[3], verbose);
    if (argc >= 4 && !strcmp(argv[1], "newsfane"))
        return cmd_newsfane(argv[2], argv[3], verbose);
    if (argc >= 3 && !strcmp(argv[1], "links"))
        return cmd_links(argv[2]);
    if (argc >= 5 && !strcmp(argv[1], "bench"))
        return cmd_bench(argv[2], argv[3], atof(argv[4]));
    if (argc >= 4 && !strcmp(argv[1], "markup"))
        return cmd_markup(argv[2], argv[3], argc > 4 ? argv[4] : NULL);
    fprintf(stderr, "usage: ent_eval gold|newsfane|links|bench|markup DATA ...\n");
    return 2;
}
