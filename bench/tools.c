/*
 * The helper programs in BUILD/bench/: each prints one JSON object on its
 * last line of stdout.  A helper that was not built (its plugin does not
 * exist or does not compile yet) makes its section say "skipped".
 */
#include "bn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *bn_tool_json(struct bn_run *r, const char *name, char *const args[],
                     const char *label, struct bn_usage *u, const char **why)
{
    char prog[4400], out[1100], err[1100];
    char *argv[32];
    int n = 0;
    snprintf(prog, sizeof prog, "%s/bench/%s", r->o->build, name);
    snprintf(out, sizeof out, "%s/%s.out", r->dir, name);
    snprintf(err, sizeof err, "%s/%s.err", r->dir, name);
    if (!bn_is_exec(prog)) {
        *why = "not built";
        return NULL;
    }
    argv[n++] = prog;
    for (int i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int st = bn_run(argv, out, err, label, 1800, u);
    if (st == BN_TIMED_OUT) {
        *why = "timed out after 1800 s";
        return NULL;
    }
    if (st != 0) {
        size_t len;
        char *e = bn_slurp(err, &len);
        bn_log("%s exited with status %d%s%s", name, st, e && len ? ":\n" : "",
               e && len ? (len > 2000 ? e + len - 2000 : e) : "");
        free(e);
        *why = "failed";
        return NULL;
    }
    size_t len;
    char *s = bn_slurp(out, &len);
    if (!s) {
        *why = "no output";
        return NULL;
    }
    while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' '))
        s[--len] = '\0';
    char *last = strrchr(s, '\n');
    json_t *o = json_loads(last ? last + 1 : s, 0, NULL);
    free(s);
    if (!json_is_object(o)) {
        json_decref(o);
        *why = "printed no JSON";
        return NULL;
    }
    json_object_set_new(o, "peak_rss_kb", json_integer(u->maxrss_kb));
    json_object_set_new(o, "cpu_s", json_real(u->user_s + u->sys_s));
    return o;
}

/* The parse section (issue 3): parse MB/s against a plain ucnv UTF-8 to
 * UTF-16 conversion of the same bytes. */
static void parse_section(struct bn_run *r)
{
    char mb[32], top[4096];
    const char *why = NULL;
    struct bn_usage u;
    snprintf(mb, sizeof mb, "%g", r->o->parse_mb);
    snprintf(top, sizeof top, "%s", r->o->top);
    char *args[] = {top, mb, NULL};
    bn_log("parse: the samples repeated to %g MB through parse_document() and ucnv", r->o->parse_mb);
    json_t *o = bn_tool_json(r, "bench-parse", args, "parse", &u, &why);
    if (!o)
        o = strcmp(why, "not built") == 0 ? bn_skipped("plugin parse not built")
                                           : bn_skipped("bench-parse %s", why);
    json_object_set_new(r->res, "parse", o);
}

/* The entities section (issue 4): MB/s of Arabic text on one core, and one
 * large report at growing sizes (linear time). */
static void entities_section(struct bn_run *r)
{
    char mb[32], big[32], top[4096];
    const char *why = NULL;
    struct bn_usage u;
    snprintf(mb, sizeof mb, "%g", r->o->ent_mb);
    snprintf(big, sizeof big, "%g", r->o->ent_big_mb);
    snprintf(top, sizeof top, "%s", r->o->top);
    char *args[] = {top, mb, big, NULL};
    bn_log("entities: %g MB of Arabic text on one thread, then one report of up to %g MB",
           r->o->ent_mb, r->o->ent_big_mb);
    json_t *o = bn_tool_json(r, "bench-entities", args, "entities", &u, &why);
    if (!o)
        o = strcmp(why, "not built") == 0 ? bn_skipped("plugin entities not built")
                                           : bn_skipped("bench-entities %s", why);
    json_object_set_new(r->res, "entities", o);
}

/* The index section (issue 5): the sqlite plugin alone (dlopen'ed, driven
 * in process with the texts already set), next to the floor. */
int bn_index(struct bn_run *r)
{
    char so[4400], db[1100];
    const char *why = NULL;
    struct bn_usage u;
    snprintf(so, sizeof so, "%s/plugins/sqlite.so", r->o->build);
    snprintf(db, sizeof db, "%s/index-only", r->dir);
    if (!bn_in_list(r->o->have, "sqlite") || !bn_is_file(so)) {
        json_object_set_new(r->res, "index", bn_skipped("plugin sqlite not built"));
        return 0;
    }
    char *args[] = {so, r->corpus_dir, db, NULL};
    bn_log("index: the sqlite plugin alone on the corpus texts");
    json_t *o = bn_tool_json(r, "bench-index", args, "index", &u, &why);
    if (o) {
        char path[1200];
        json_int_t docs = json_integer_value(json_object_get(o, "docs"));
        snprintf(path, sizeof path, "%s/inboxd.db", db);
        uint64_t dbb = bn_fsize(path);
        json_object_set_new(o, "db_bytes", json_integer((json_int_t)dbb));
        json_object_set_new(o, "db_bytes_per_doc",
                            json_real(docs > 0 ? (double)dbb / (double)docs : 0));
        json_object_set_new(o, "cpu_ms_per_doc",
                            json_real(docs > 0 ? (u.user_s + u.sys_s) * 1000 / (double)docs : 0));
    } else
        o = bn_skipped("bench-index %s", why);
    json_object_set_new(r->res, "index", o);
    return 0;
}

int bn_tools(struct bn_run *r)
{
    parse_section(r);
    entities_section(r);
    return 0;
}
