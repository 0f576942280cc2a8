/*
 * The peer row: recollindex (Debian package recollcmd) indexing the corpus
 * folder from scratch (-z), timed by /usr/bin/time -v (wall, peak RSS,
 * CPU).  Recoll is set up as a user would for these reports: the stemmers
 * of the corpus languages that its Xapian has (recollindex -l; Xapian 1.4
 * has Arabic, no Greek), no aspell dictionary.
 */
#include "bn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define RECOLLINDEX "/usr/bin/recollindex"
#define GNU_TIME "/usr/bin/time"

/* "arabic" when recollindex -l lists it; the same for greek. */
static void stem_langs(struct bn_run *r, char *out, size_t len)
{
    char path[1100];
    struct bn_usage u;
    snprintf(path, sizeof path, "%s/recoll-langs.txt", r->dir);
    char *argv[] = {RECOLLINDEX, "-l", NULL};
    out[0] = '\0';
    if (bn_run(argv, path, "/dev/null", NULL, 60, &u) != 0)
        return;
    char *s = bn_slurp(path, NULL);
    if (!s)
        return;
    const char *want[] = {"arabic", "greek"};
    for (int i = 0; i < 2; i++) {
        /* Whole words only: "greek" must not match inside another name. */
        for (char *p = strstr(s, want[i]); p; p = strstr(p + 1, want[i])) {
            size_t n = strlen(want[i]);
            if ((p == s || p[-1] == ' ' || p[-1] == '\n') &&
                (p[n] == ' ' || p[n] == '\n' || p[n] == '\0')) {
                snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? " " : "",
                         want[i]);
                break;
            }
        }
    }
    free(s);
}

/* The value of the /usr/bin/time -v line that starts with name (after the
 * line's last ": "), or NULL. */
static const char *time_field(const char *text, const char *name)
{
    const char *p = strstr(text, name), *v = NULL;
    if (!p)
        return NULL;
    for (const char *q = p; *q && *q != '\n'; q++)
        if (q[0] == ':' && q[1] == ' ')
            v = q + 2;
    return v;
}

/* "h:mm:ss" or "m:ss.cc" to seconds. */
static double hms(const char *s)
{
    double parts[3] = {0};
    int n = 0;
    while (n < 3) {
        char *e;
        parts[n++] = strtod(s, &e);
        if (*e != ':')
            break;
        s = e + 1;
    }
    double v = 0;
    for (int i = 0; i < n; i++)
        v = v * 60 + parts[i];
    return v;
}

int bn_recoll(struct bn_run *r)
{
    char conf[1024], cfile[1200], tfile[1100], log[1100], langs[64], text[8192];
    struct bn_usage u;
    if (r->o->no_recoll) {
        json_object_set_new(r->res, "recoll", bn_skipped("--no-recoll"));
        return 0;
    }
    if (!bn_is_exec(RECOLLINDEX)) {
        json_object_set_new(r->res, "recoll",
                            bn_skipped("recollindex not installed (Debian package "
                                       "recollcmd: make bench-deps, as root)"));
        return 0;
    }
    snprintf(conf, sizeof conf, "%s/recoll", r->dir);
    snprintf(cfile, sizeof cfile, "%s/recoll.conf", conf);
    snprintf(tfile, sizeof tfile, "%s/recoll-time.txt", r->dir);
    snprintf(log, sizeof log, "%s/recoll.log", r->dir);
    mkdir(conf, 0755);
    stem_langs(r, langs, sizeof langs);
    snprintf(text, sizeof text,
             "topdirs = %s\n"
             "dbdir = %s/xapiandb\n"
             "indexstemminglanguages = %s\n"
             "noaspell = 1\n"
             "loglevel = 2\n"
             "logfilename = %s\n",
             r->corpus_dir, conf, langs, log);
    if (bn_write(cfile, text, strlen(text)) < 0) {
        json_object_set_new(r->res, "recoll", bn_skipped("cannot write %s", cfile));
        return 0;
    }
    int have_time = bn_is_exec(GNU_TIME);
    char *argv_t[] = {GNU_TIME, "-v", "-o", tfile, RECOLLINDEX, "-c", conf, "-z", NULL};
    char *argv_p[] = {RECOLLINDEX, "-c", conf, "-z", NULL};
    bn_log("recoll: recollindex -c %s -z (stemming: %s)%s", conf, langs[0] ? langs : "none",
           have_time ? "" : " (no /usr/bin/time: measured by wait4)");
    int st = bn_run(have_time ? argv_t : argv_p, NULL, log, "recollindex", 3600, &u);
    if (st == BN_TIMED_OUT) {
        json_object_set_new(r->res, "recoll", bn_skipped("recollindex timed out after 3600 s"));
        return 0;
    }
    if (st != 0) {
        json_object_set_new(r->res, "recoll",
                            bn_skipped("recollindex exited with status %d (see %s)", st, log));
        return 0;
    }
    double wall = u.wall_s, cpu = u.user_s + u.sys_s;
    long rss = u.maxrss_kb;
    char *t = have_time ? bn_slurp(tfile, NULL) : NULL;
    if (t) {
        const char *v;
        if ((v = time_field(t, "Elapsed (wall clock) time")))
            wall = hms(v);
        if ((v = time_field(t, "Maximum resident set size")))
            rss = strtol(v, NULL, 10);
        double us = -1, ss = -1;
        if ((v = time_field(t, "User time (seconds)")))
            us = strtod(v, NULL);
        if ((v = time_field(t, "System time (seconds)")))
            ss = strtod(v, NULL);
        if (us >= 0 && ss >= 0)
            cpu = us + ss;
        free(t);
    }
    /* What recoll says it indexed (the folder itself counts as one). */
    long indexed = -1;
    snprintf(cfile, sizeof cfile, "%s/idxstatus.txt", conf);
    char *status = bn_slurp(cfile, NULL);
    if (status) {
        const char *p = strstr(status, "dbtotdocs = ");
        if (p)
            indexed = strtol(p + 12, NULL, 10);
        free(status);
    }
    snprintf(cfile, sizeof cfile, "%s/xapiandb", conf);
    uint64_t dbb = bn_du(cfile);
    size_t n = r->o->n;
    json_t *o = json_object();
    json_object_set_new(o, "docs", json_integer((json_int_t)n));
    json_object_set_new(o, "indexed_docs", json_integer(indexed));
    json_object_set_new(o, "seconds", json_real(wall));
    json_object_set_new(o, "docs_per_s", json_real(wall > 0 ? (double)n / wall : 0));
    json_object_set_new(o, "mb_per_s",
                        json_real(wall > 0 ? (double)r->corpus_bytes / 1e6 / wall : 0));
    json_object_set_new(o, "peak_rss_kb", json_integer(rss));
    json_object_set_new(o, "cpu_s", json_real(cpu));
    json_object_set_new(o, "cpu_ms_per_doc", json_real(n ? cpu * 1000 / (double)n : 0));
    json_object_set_new(o, "db_bytes", json_integer((json_int_t)dbb));
    json_object_set_new(o, "db_bytes_per_doc", json_real(n ? (double)dbb / (double)n : 0));
    json_object_set_new(o, "stemming", json_string(langs));
    json_object_set_new(o, "measured_by", json_string(have_time ? "/usr/bin/time -v" : "wait4"));
    bn_log("recoll: %.2f s, %.0f docs/s, peak RSS %.1f MB", wall,
           wall > 0 ? (double)n / wall : 0, (double)rss / 1024);
    snprintf(r->recoll_conf, sizeof r->recoll_conf, "%s", conf);
    json_object_set_new(r->res, "recoll", o);
    return 0;
}
