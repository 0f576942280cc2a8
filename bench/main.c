/*
 * inboxd-bench: the project's standing measurement (`make bench`).
 *
 *   inboxd-bench [--quick] [--n N] [--latency N] [--no-recoll] [--keep]
 *                [--dir PARENT] [--out FILE] [--have LIST] [--top DIR]
 *                [--build DIR] [--seed S] [--parse-mb MB] [--ent-mb MB]
 *                [--ent-big-mb MB]
 *
 * Order: corpus, floor, index alone (back to back, after a sync), recoll,
 * the daemon (bulk ingest, search quality and query latency on its index,
 * single-drop latency), the per-plugin helpers (parse, entities), the
 * report.  Exit status 0 when
 * every section ran or was skipped for a stated reason, 1 when one failed.
 */
#include "bn.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: inboxd-bench [--quick] [--n N] [--latency N] [--no-recoll] [--keep]\n"
            "                    [--dir PARENT] [--out FILE] [--have LIST] [--top DIR]\n"
            "                    [--build DIR] [--seed S] [--parse-mb MB] [--ent-mb MB]\n"
            "                    [--ent-big-mb MB]\n"
            "  --quick       1,000 documents, 300 latency drops, smaller parse/entities runs\n"
            "  --n N         corpus size (default 10000)\n"
            "  --latency N   single drops for the latency section (default 1000)\n"
            "  --have LIST   production plugins that built (default parse,entities,sqlite)\n"
            "  --keep        keep the work folder (corpus, indexes, logs)\n"
            "  --isolate     run parse and entities with \"isolate\": true (the cost of\n"
            "                plugin isolation: compare with a run without it)\n");
}

static int parse_size(const char *s, size_t *out)
{
    char *e;
    errno = 0;
    unsigned long long v = strtoull(s, &e, 10);
    if (errno || e == s || *e || v > 10000000ull)
        return -1;
    *out = (size_t)v;
    return 0;
}

static int parse_mb(const char *s, double *out)
{
    char *e;
    double v = strtod(s, &e);
    if (e == s || *e || !(v > 0) || v > 4096)
        return -1;
    *out = v;
    return 0;
}

static json_t *machine_info(const struct bn_opts *o)
{
    json_t *m = json_object();
    struct utsname u;
    char buf[512], model[256] = "";
    time_t now = time(NULL);
    struct tm tm;
    FILE *f;

    json_object_set_new(m, "cpus", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
    if ((f = fopen("/proc/cpuinfo", "r"))) {
        while (fgets(buf, sizeof buf, f))
            if (strncmp(buf, "model name", 10) == 0) {
                char *p = strchr(buf, ':');
                if (p) {
                    snprintf(model, sizeof model, "%s", p + 2);
                    model[strcspn(model, "\n")] = '\0';
                }
                break;
            }
        fclose(f);
    }
    json_object_set_new(m, "cpu", json_string(model));
    json_object_set_new(m, "mem_mb", json_integer((json_int_t)(sysconf(_SC_PHYS_PAGES) /
                                                               1024 * sysconf(_SC_PAGESIZE) /
                                                               1024)));
    if ((f = fopen("/proc/loadavg", "r"))) {
        double load;
        if (fscanf(f, "%lf", &load) == 1) {
            json_object_set_new(m, "loadavg_1min", json_real(load));
            if (load > 0.5)
                bn_log("note: the machine is busy (load %.2f): figures will be lower and "
                       "noisier than on an idle machine",
                       load);
        }
        fclose(f);
    }
    if (uname(&u) == 0)
        json_object_set_new(m, "kernel", json_string(u.release));
    gmtime_r(&now, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_set_new(m, "date", json_string(buf));
    snprintf(buf, sizeof buf, "git -C '%s' rev-parse --short HEAD 2>/dev/null", o->top);
    if ((f = popen(buf, "r"))) {
        if (fgets(buf, sizeof buf, f)) {
            buf[strcspn(buf, "\n")] = '\0';
            json_object_set_new(m, "commit", json_string(buf));
        }
        pclose(f);
    }
    return m;
}

static json_t *options_json(const struct bn_opts *o)
{
    return json_pack("{s:I, s:I, s:b, s:f, s:f, s:f, s:i, s:s}", "n", (json_int_t)o->n,
                     "latency_n", (json_int_t)o->latency_n, "quick", o->quick, "parse_mb",
                     o->parse_mb, "ent_mb", o->ent_mb, "ent_big_mb", o->ent_big_mb, "seed",
                     (int)o->seed, "have", o->have);
}

int main(int argc, char **argv)
{
    static char top[4096], build[4200], out[4200];
    struct bn_opts o = {.n = 10000, .latency_n = 1000, .parse_mb = 100, .ent_mb = 50,
                        .ent_big_mb = 50, .seed = 1, .have = "parse,entities,sqlite"};
    size_t n_set = 0, lat_set = 0;
    int have_n = 0, have_lat = 0, c, rc = 0;
    static const struct option lo[] = {
        {"quick", no_argument, 0, 'q'},       {"n", required_argument, 0, 'n'},
        {"latency", required_argument, 0, 'l'}, {"no-recoll", no_argument, 0, 'R'},
        {"keep", no_argument, 0, 'k'},        {"dir", required_argument, 0, 'd'},
        {"out", required_argument, 0, 'o'},   {"have", required_argument, 0, 'H'},
        {"top", required_argument, 0, 't'},   {"build", required_argument, 0, 'b'},
        {"seed", required_argument, 0, 's'},  {"parse-mb", required_argument, 0, 'P'},
        {"ent-mb", required_argument, 0, 'E'}, {"ent-big-mb", required_argument, 0, 'B'},
        {"isolate", no_argument, 0, 'I'},     {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    double pmb = 0, emb = 0, bmb = 0;

    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'q': o.quick = 1; break;
        case 'n':
            if (parse_size(optarg, &n_set) < 0 || n_set < 1) {
                fprintf(stderr, "inboxd-bench: --n wants 1..10000000, not %s\n", optarg);
                return 2;
            }
            have_n = 1;
            break;
        case 'l':
            if (parse_size(optarg, &lat_set) < 0) {
                fprintf(stderr, "inboxd-bench: --latency wants 0..10000000, not %s\n", optarg);
                return 2;
            }
            have_lat = 1;
            break;
        case 'R': o.no_recoll = 1; break;
        case 'I': o.isolate = 1; break;
        case 'k': o.keep = 1; break;
        case 'd': o.workdir = optarg; break;
        case 'o': o.out = optarg; break;
        case 'H': o.have = optarg; break;
        case 't': o.top = optarg; break;
        case 'b': o.build = optarg; break;
        case 's': o.seed = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'P':
        case 'E':
        case 'B': {
            double *dst = c == 'P' ? &pmb : c == 'E' ? &emb : &bmb;
            if (parse_mb(optarg, dst) < 0) {
                fprintf(stderr, "inboxd-bench: %s wants a size in MB (0-4096], not %s\n",
                        argv[optind - 1], optarg);
                return 2;
            }
            break;
        }
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "inboxd-bench: unexpected argument %s\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (o.quick) {
        o.n = 1000;
        o.latency_n = 300;
        o.parse_mb = 20;
        o.ent_mb = 10;
        o.ent_big_mb = 10;
    }
    if (have_n)
        o.n = n_set;
    if (have_lat)
        o.latency_n = lat_set;
    if (pmb > 0)
        o.parse_mb = pmb;
    if (emb > 0)
        o.ent_mb = emb;
    if (bmb > 0)
        o.ent_big_mb = bmb;
    if (!realpath(o.top ? o.top : ".", top)) {
        fprintf(stderr, "inboxd-bench: %s: %s\n", o.top ? o.top : ".", strerror(errno));
        return 2;
    }
    o.top = top;
    snprintf(build, sizeof build, "%s/build", top);
    if (o.build && !realpath(o.build, build)) {
        fprintf(stderr, "inboxd-bench: %s: %s\n", o.build, strerror(errno));
        return 2;
    }
    o.build = build;
    if (!o.out) {
        snprintf(out, sizeof out, "%s/bench/results/latest.json", top);
        o.out = out;
    }
    if (!o.workdir)
        o.workdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

    struct bn_run r = {.o = &o, .res = json_object()};
    snprintf(r.dir, sizeof r.dir, "%s/inboxd-bench-XXXXXX", o.workdir);
    if (!mkdtemp(r.dir)) {
        fprintf(stderr, "inboxd-bench: cannot make a folder in %s: %s\n", o.workdir,
                strerror(errno));
        return 1;
    }
    snprintf(r.corpus_dir, sizeof r.corpus_dir, "%s/corpus", r.dir);
    json_object_set_new(r.res, "machine", machine_info(&o));
    json_object_set_new(r.res, "options", options_json(&o));
    bn_log("work folder %s; %zu documents%s", r.dir, o.n, o.quick ? " (--quick)" : "");

    char fixtures[4200];
    snprintf(fixtures, sizeof fixtures, "%s/tests/fixtures", top);
    double t0 = bn_now();
    if (mkdir(r.corpus_dir, 0755) < 0 || bn_corpus_load(&r.corpus, fixtures, o.seed) < 0 ||
        bn_corpus_write(r.corpus, r.corpus_dir, 0, o.n, &r.corpus_bytes) < 0) {
        bn_log("cannot build the corpus");
        rc = 1;
        goto out;
    }
    json_object_set_new(r.res, "corpus",
                        json_pack("{s:I, s:I, s:f, s:I, s:I, s:f}", "docs", (json_int_t)o.n,
                                  "bytes", (json_int_t)r.corpus_bytes, "mean_bytes",
                                  (double)r.corpus_bytes / (double)o.n, "arabic_samples",
                                  (json_int_t)bn_corpus_samples(r.corpus, "ar"),
                                  "greek_samples",
                                  (json_int_t)bn_corpus_samples(r.corpus, "el"), "seconds",
                                  bn_now() - t0));
    bn_log("corpus: %zu files, %.1f MB, in %.1f s", o.n, (double)r.corpus_bytes / 1e6,
           bn_now() - t0);

    /* The floor and the plugin alone back to back, each after the dirty
     * pages of what came before were written out: the daemon's run leaves
     * hundreds of MB for the kernel to write back, which slowed a later
     * index section by a quarter. */
    sync();
    bn_floor(&r);
    sync();
    bn_index(&r);
    bn_recoll(&r);
    if (bn_daemon(&r) < 0)
        rc = 1;
    if (!json_object_get(r.res, "quality"))
        bn_quality(&r);
    bn_tools(&r);
    if (bn_report(&r) < 0)
        rc = 1;
    bn_log("done in %.0f s", bn_now() - t0);
out:
    bn_corpus_free(r.corpus);
    json_decref(r.res);
    if (o.keep)
        bn_log("kept %s", r.dir);
    else
        bn_rmtree(r.dir);
    return rc;
}
