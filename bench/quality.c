/*
 * Search quality and query latency: the words of bench/queries.json asked
 * of every index built in this run -- inboxd's (through bench-query, the
 * sqlite plugin's own query layer), the floor's plain unicode61 table, and
 * recoll's (recollq -Q -E: the exact count).  For each index: how many
 * words found at least one document ("answered") and how many documents
 * were found in all.
 */
#include "bn.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Documents of the floor's table matching word as one FTS5 string. */
static long floor_count(sqlite3 *db, const char *word)
{
    sqlite3_stmt *st = NULL;
    long n = -1;
    char *q = sqlite3_mprintf("\"%w\"", word);
    if (!q)
        return -1;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM docs WHERE docs MATCH ?1", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = (long)sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_free(q);
    return n;
}

/* recollq -c CONF [-s STEMLANG] -Q -E word: "N results".  Recoll expands
 * a query word by stem only for the language given with -s: the word's
 * own, when the index has its stemmer (as a user of recoll would set it). */
static long recoll_count(struct bn_run *r, const char *word, const char *lang)
{
    char out[1100];
    struct bn_usage u;
    const char *stem = !lang ? NULL : strcmp(lang, "ar") == 0 ? "arabic"
                                    : strcmp(lang, "el") == 0 ? "greek"
                                                                : NULL;
    const char *have = json_string_value(
        json_object_get(json_object_get(r->res, "recoll"), "stemming"));
    if (stem && !(have && strstr(have, stem)))
        stem = NULL;
    snprintf(out, sizeof out, "%s/recollq.out", r->dir);
    char *argv[] = {"/usr/bin/recollq", "-c", r->recoll_conf, "-s", (char *)(stem ? stem : ""),
                    "-Q", "-E", (char *)word, NULL};
    if (bn_run(argv, out, "/dev/null", NULL, 120, &u) != 0)
        return -1;
    char *s = bn_slurp(out, NULL);
    long n = -1;
    for (char *p = s; p && *p;) {
        char *e;
        long v = strtol(p, &e, 10);
        if (e != p && strncmp(e, " results", 8) == 0) {
            n = v;
            break;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    free(s);
    return n;
}

static void tally(json_t *sum, const char *who, long n)
{
    json_t *o = json_object_get(sum, who);
    if (!o) {
        o = json_pack("{s:i, s:i, s:i}", "asked", 0, "answered", 0, "found", 0);
        json_object_set_new(sum, who, o);
    }
    if (n < 0)
        return;
    json_object_set_new(o, "asked", json_integer(json_integer_value(json_object_get(o, "asked")) + 1));
    if (n > 0)
        json_object_set_new(o, "answered",
                            json_integer(json_integer_value(json_object_get(o, "answered")) + 1));
    json_object_set_new(o, "found",
                        json_integer(json_integer_value(json_object_get(o, "found")) + n));
}

int bn_quality(struct bn_run *r)
{
    char qpath[4400];
    json_error_t jerr;
    sqlite3 *fdb = NULL;
    json_t *counts = NULL;
    snprintf(qpath, sizeof qpath, "%s/bench/queries.json", r->o->top);
    json_t *spec = json_load_file(qpath, 0, &jerr);
    if (!spec) {
        json_object_set_new(r->res, "quality",
                            bn_skipped("%s:%d: %s", qpath, jerr.line, jerr.text));
        json_object_set_new(r->res, "query", bn_skipped("no queries"));
        return 0;
    }
    /* inboxd: counts and latency from bench-query. */
    if (r->inboxd_db[0]) {
        const char *why = NULL;
        struct bn_usage u;
        char ctl[4400];
        snprintf(ctl, sizeof ctl, "%s/inboxctl", r->o->build);
        char *args[] = {r->inboxd_db, qpath, bn_is_exec(ctl) ? ctl : NULL, NULL};
        bn_log("query: the words and two-word queries through the sqlite plugin's query layer");
        json_t *o = bn_tool_json(r, "bench-query", args, "query", &u, &why);
        if (o) {
            counts = json_incref(json_object_get(o, "counts"));
            json_t *lat = json_object_get(o, "latency");
            json_object_set_new(lat, "index_docs", json_incref(json_object_get(o, "docs")));
            if (json_object_get(o, "cold"))
                json_object_set_new(lat, "cold", json_incref(json_object_get(o, "cold")));
            json_object_set_new(r->res, "query", json_incref(lat));
            json_decref(o);
        } else
            json_object_set_new(r->res, "query",
                                bn_skipped("the sqlite plugin's query layer not built "
                                           "(bench-query %s)",
                                           why));
    } else
        json_object_set_new(r->res, "query", bn_skipped("no inboxd index (plugin sqlite not "
                                                        "built or the ingest failed)"));
    if (r->floor_db[0] &&
        sqlite3_open_v2(r->floor_db, &fdb, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(fdb);
        fdb = NULL;
    }
    json_t *words = json_array(), *sum = json_object();
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(spec, "words"), i, w)
    {
        const char *word = json_string_value(json_object_get(w, "word"));
        if (!word)
            continue;
        json_t *row = json_pack("{s:s, s:O, s:O}", "word", word, "lang",
                                json_object_get(w, "lang"), "form", json_object_get(w, "form"));
        if (counts) {
            json_t *c = json_object_get(counts, word);
            long n = c ? (long)json_integer_value(c) : -1;
            json_object_set_new(row, "inboxd", json_integer(n));
            tally(sum, "inboxd", n);
        }
        if (fdb) {
            long n = floor_count(fdb, word);
            json_object_set_new(row, "floor", json_integer(n));
            tally(sum, "floor", n);
        }
        if (r->recoll_conf[0]) {
            long n = recoll_count(r, word, json_string_value(json_object_get(w, "lang")));
            json_object_set_new(row, "recoll", json_integer(n));
            tally(sum, "recoll", n);
        }
        json_array_append_new(words, row);
    }
    json_object_set_new(r->res, "quality",
                        json_pack("{s:o, s:o, s:I}", "words", words, "summary", sum,
                                  "corpus_docs", (json_int_t)r->o->n));
    sqlite3_close(fdb);
    json_decref(counts);
    json_decref(spec);
    return 0;
}
