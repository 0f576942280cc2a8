/*
 * The report: one table on stdout (rows inboxd / index / floor / recoll,
 * the search-quality row, then latency, parse, entities, query and the
 * goals of bench/goals.json checked), and the whole result object as JSON.
 */
#include "bn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The number at a dotted path of res, or NAN. */
static double num_at(json_t *res, const char *path)
{
    char buf[256];
    json_t *v = res;
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && v;
         k = strtok_r(NULL, ".", &save))
        v = json_object_get(v, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* "A" or "A / B". */
static double metric(json_t *res, const char *m)
{
    char a[256], b[256];
    const char *slash = strstr(m, " / ");
    if (!slash)
        return num_at(res, m);
    snprintf(a, sizeof a, "%.*s", (int)(slash - m), m);
    snprintf(b, sizeof b, "%s", slash + 3);
    double x = num_at(res, a), y = num_at(res, b);
    return y > 0 ? x / y : NAN;
}

static const char *skipped(json_t *res, const char *sec)
{
    return json_string_value(json_object_get(json_object_get(res, sec), "skipped"));
}

/* Adds peak_rss_mb next to every peak_rss_kb of the sections. */
static void add_mb(json_t *res)
{
    const char *k;
    json_t *v;
    json_object_foreach(res, k, v)
    {
        json_t *kb = json_object_get(v, "peak_rss_kb");
        if (json_is_integer(kb))
            json_object_set_new(v, "peak_rss_mb",
                                json_real((double)json_integer_value(kb) / 1024.0));
    }
}

static void fmt(char *buf, size_t len, double v, const char *f)
{
    if (isnan(v))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, f, v);
}

static void row(json_t *res, const char *sec, const char *label)
{
    char dps[32], mbs[32], rss[32], cpu[32], dbb[32], vf[32], vr[32];
    const char *why = skipped(res, sec);
    if (why || !json_object_get(res, sec)) {
        printf("%-8s  skipped: %s\n", label, why ? why : "not run");
        return;
    }
    json_t *s = json_object_get(res, sec);
    fmt(dps, sizeof dps, num_at(s, "docs_per_s"), "%.0f");
    fmt(mbs, sizeof mbs, num_at(s, "mb_per_s"), "%.1f");
    fmt(rss, sizeof rss, num_at(s, "peak_rss_mb"), "%.1f MB");
    fmt(cpu, sizeof cpu, num_at(s, "cpu_ms_per_doc"), "%.2f");
    fmt(dbb, sizeof dbb, num_at(s, "db_bytes_per_doc"), "%.0f");
    double f = num_at(res, "floor.docs_per_s"), r = num_at(res, "recoll.docs_per_s");
    fmt(vf, sizeof vf, f > 0 ? num_at(s, "docs_per_s") / f : NAN, "%.2fx");
    fmt(vr, sizeof vr, r > 0 ? num_at(s, "docs_per_s") / r : NAN, "%.2fx");
    printf("%-8s %8s %8s %11s %11s %10s %9s %9s\n", label, dps, mbs, rss, cpu, dbb, vf, vr);
}

static void quality_row(json_t *res)
{
    json_t *q = json_object_get(res, "quality");
    json_t *sum = json_object_get(q, "summary");
    if (!q || skipped(res, "quality")) {
        printf("search quality: skipped: %s\n", q ? skipped(res, "quality") : "not run");
        return;
    }
    printf("search quality (%zu words, bare + inflected; answered / docs found):",
           json_array_size(json_object_get(q, "words")));
    const char *who[] = {"inboxd", "floor", "recoll"};
    for (int i = 0; i < 3; i++) {
        json_t *o = json_object_get(sum, who[i]);
        if (o)
            printf("  %s %lld/%lld, %lld", who[i],
                   (long long)json_integer_value(json_object_get(o, "answered")),
                   (long long)json_integer_value(json_object_get(o, "asked")),
                   (long long)json_integer_value(json_object_get(o, "found")));
    }
    printf("\n");
}

/* The parse line: parse against ucnv, and the bound: no parse that counts
 * words and sentences with ICU goes faster than ICU's word and sentence
 * break alone on the same bytes. */
static void parse_line(json_t *res)
{
    char seg[200] = "";
    if (!isnan(num_at(res, "parse.icu_seg_mb_per_s")))
        snprintf(seg, sizeof seg,
                 "; ICU word+sentence break alone %.1f MB/s (best possible ratio %.2fx; parse "
                 "takes %.2fx its time)",
                 num_at(res, "parse.icu_seg_mb_per_s"),
                 metric(res, "parse.icu_seg_mb_per_s / parse.ucnv_mb_per_s"),
                 metric(res, "parse.icu_seg_mb_per_s / parse.parse_mb_per_s"));
    printf("parse (%.0f MB of samples): %.1f MB/s, %.0f docs/s; ucnv UTF-8->UTF-16 %.1f MB/s; "
           "ratio %.2fx%s\n",
           num_at(res, "parse.mb"), num_at(res, "parse.parse_mb_per_s"),
           num_at(res, "parse.docs_per_s"), num_at(res, "parse.ucnv_mb_per_s"),
           metric(res, "parse.parse_mb_per_s / parse.ucnv_mb_per_s"), seg);
}

static void sections(json_t *res)
{
    const char *why;
    json_t *q = json_object_get(json_object_get(res, "inboxd"), "rss_kb_at_quarters");
    if (json_array_size(q) > 0) {
        size_t i;
        json_t *v;
        printf("inboxd RSS at 1/4, 1/2, 3/4, all done:");
        json_array_foreach(q, i, v) printf("%s %.1f", i ? "," : "",
                                           (double)json_integer_value(v) / 1024);
        printf(" MB; daemon stages, mean ms/doc in bulk:");
        const char *k;
        json_object_foreach(json_object_get(json_object_get(res, "inboxd"), "stage_ms_mean"), k, v)
            printf(" %s %.2f", k, json_number_value(v));
        printf("\n");
    }
    double failed = num_at(res, "inboxd.failed") + num_at(res, "inboxd.rejected");
    if (failed > 0)
        printf("inboxd: %.0f of %.0f documents failed or were rejected (see --keep and "
               "daemon.log): the rate counts them\n",
               failed, num_at(res, "inboxd.docs"));
    if (json_object_get(json_object_get(res, "inboxd"), "complete") == json_false())
        printf("inboxd: the bulk ingest did not complete: its figures cover what was done\n");
    if ((why = skipped(res, "latency")))
        printf("latency: skipped: %s\n", why);
    else if (json_object_get(res, "latency"))
        printf("latency (%.0f single drops, rename -> document.done): p50 %.2f ms, p90 %.2f ms, "
               "p99 %.2f ms, max %.2f ms\n",
               num_at(res, "latency.done"), num_at(res, "latency.p50_ms"),
               num_at(res, "latency.p90_ms"), num_at(res, "latency.p99_ms"),
               num_at(res, "latency.max_ms"));
    if ((why = skipped(res, "parse")))
        printf("parse: skipped: %s\n", why);
    else if (json_object_get(res, "parse"))
        parse_line(res);
    if ((why = skipped(res, "entities")))
        printf("entities: skipped: %s\n", why);
    else if (json_object_get(res, "entities"))
        printf("entities (one thread): Arabic %.1f MB/s, Greek %.1f MB/s; one %.0f MB report "
               "%.2f s, s/MB growth %.2fx from %.1f MB\n",
               num_at(res, "entities.arabic_mb_per_s"), num_at(res, "entities.greek_mb_per_s"),
               num_at(res, "entities.big.mb"), num_at(res, "entities.big.seconds"),
               num_at(res, "entities.big.growth"), num_at(res, "entities.big.smallest_mb"));
    if ((why = skipped(res, "query")))
        printf("query: skipped: %s\n", why);
    else if (json_object_get(res, "query"))
        printf("query (two-word, limit %.0f, %.0f runs, %.0f docs indexed): p50 %.2f ms, "
               "p99 %.2f ms, max %.2f ms\n",
               num_at(res, "query.limit"), num_at(res, "query.runs"),
               num_at(res, "query.index_docs"), num_at(res, "query.p50_ms"),
               num_at(res, "query.p99_ms"), num_at(res, "query.max_ms"));
    if (!skipped(res, "query") && json_object_get(json_object_get(res, "query"), "cold"))
        printf("  as a user runs it (one inboxctl search process each, %.0f runs): p50 %.2f "
               "ms, p99 %.2f ms, max %.2f ms\n",
               num_at(res, "query.cold.runs"), num_at(res, "query.cold.p50_ms"),
               num_at(res, "query.cold.p99_ms"), num_at(res, "query.cold.max_ms"));
}

/* Checks bench/goals.json against res; adds res "goals". */
static void goals(struct bn_run *r)
{
    char path[4400];
    json_error_t jerr;
    snprintf(path, sizeof path, "%s/bench/goals.json", r->o->top);
    json_t *g = json_load_file(path, 0, &jerr);
    json_t *out = json_array();
    size_t i;
    json_t *e;
    printf("goals:\n");
    json_array_foreach(json_object_get(g, "goals"), i, e)
    {
        const char *name = json_string_value(json_object_get(e, "goal"));
        const char *m = json_string_value(json_object_get(e, "metric"));
        const char *op = json_string_value(json_object_get(e, "op"));
        double want = json_number_value(json_object_get(e, "value"));
        if (!name || !m || !op)
            continue;
        double v = metric(r->res, m);
        int met = -1;
        /* A bulk ingest that did not finish meets none of its goals. */
        int broken = strncmp(m, "inboxd.", 7) == 0 &&
                     json_object_get(json_object_get(r->res, "inboxd"), "complete") == json_false();
        if (broken)
            met = 0;
        else if (!isnan(v)) {
            if (strcmp(op, ">=") == 0)
                met = v >= want;
            else if (strcmp(op, "<=") == 0)
                met = v <= want;
            else if (strcmp(op, "<") == 0)
                met = v < want;
            else if (strcmp(op, ">") == 0)
                met = v > want;
        }
        char val[32];
        fmt(val, sizeof val, v, "%.3g");
        printf("  [%s] %-54s %10s\n", met < 0 ? "  n/a  " : met ? "  met  " : "NOT MET", name,
               val);
        json_array_append_new(out, json_pack("{s:s, s:O, s:s, s:s, s:f, s:o, s:o}", "goal", name,
                                             "issue", json_object_get(e, "issue"), "metric", m,
                                             "op", op, "value", want, "measured",
                                             isnan(v) ? json_null() : json_real(v), "met",
                                             met < 0 ? json_null() : json_boolean(met)));
    }
    if (!g)
        printf("  (cannot read %s: %s)\n", path, jerr.text);
    json_object_set_new(r->res, "goals", out);
    json_decref(g);
}

int bn_report(struct bn_run *r)
{
    json_t *res = r->res;
    add_mb(res);
    printf("\n");
    printf("inboxd benchmark: %zu reports (Arabic + Greek, %.1f MB), %ld CPUs\n", r->o->n,
           (double)r->corpus_bytes / 1e6, (long)num_at(res, "machine.cpus"));
    json_t *pl = json_object_get(json_object_get(res, "inboxd"), "pipeline");
    if (pl) {
        printf("inboxd pipeline:");
        size_t i;
        json_t *v;
        json_array_foreach(pl, i, v) printf("%s %s", i ? "," : "", json_string_value(v));
        printf("\n");
    }
    printf("\n%-8s %8s %8s %11s %11s %10s %9s %9s\n", "", "docs/s", "MB/s", "peak RSS",
           "CPU ms/doc", "index B/doc", "vs floor", "vs recoll");
    row(res, "inboxd", "inboxd");
    row(res, "index", "index");
    row(res, "floor", "floor");
    row(res, "recoll", "recoll");
    printf("(inboxd: the daemon, rename of all files to the last document.done; index: the\n"
           " sqlite plugin alone, in process, texts given; floor: plain FTS5 unicode61)\n");
    quality_row(res);
    printf("\n");
    sections(res);
    printf("\n");
    goals(r);
    fflush(stdout);

    int rc = json_dump_file(res, r->o->out, JSON_INDENT(2)) == 0 ? 0 : -1;
    if (rc < 0)
        bn_log("cannot write %s", r->o->out);
    else
        printf("\nresults: %s\n", r->o->out);
    return rc;
}
