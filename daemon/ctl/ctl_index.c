/* inboxctl search / show / entities / entity / export (ctl_index.h). */
#include "ctl_index.h"

#include "config.h"
#include "util.h"

#include "../../plugins/sqlite/qdate.h"
#include "../../plugins/sqlite/query.h"
#include "../../plugins/sqlite/schema.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --- options --------------------------------------------------------------- */

struct opt {
    const char *name;  /* without the leading "--" */
    const char **val;  /* takes a value */
    int *flag;         /* or is a flag */
};

/* Parses argv[1..]: options anywhere, "--" ends them; positionals go to
 * pos (at most npos).  Returns 0, 2 on a usage error (message printed),
 * or -1 for --help. */
static int parse_opts(int argc, char **argv, const struct opt *opts,
                      const char **pos, int npos, int *got)
{
    int only_pos = 0;
    *got = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0))
            return -1;
        if (!only_pos && a[0] == '-' && a[1] == '-' && a[2]) {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            const struct opt *o = opts;
            for (; o->name; o++)
                if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
                    break;
            if (!o->name) {
                fprintf(stderr, "inboxctl %s: unknown option %s\n", argv[0], a);
                return 2;
            }
            if (o->flag) {
                if (eq) {
                    fprintf(stderr, "inboxctl %s: --%s takes no value\n",
                            argv[0], o->name);
                    return 2;
                }
                *o->flag = 1;
            } else if (eq) {
                *o->val = eq + 1;
            } else if (i + 1 < argc) {
                *o->val = argv[++i];
            } else {
                fprintf(stderr, "inboxctl %s: --%s needs a value\n", argv[0],
                        o->name);
                return 2;
            }
            continue;
        }
        if (*got >= npos) {
            fprintf(stderr, "inboxctl %s: unexpected argument '%s'\n", argv[0],
                    a);
            return 2;
        }
        pos[(*got)++] = a;
    }
    return 0;
}

static int parse_count(const char *cmd, const char *name, const char *s,
                       long max, int *out)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < 1 || v > max) {
        fprintf(stderr, "inboxctl %s: --%s %s: expected a number from 1 to "
                "%ld\n", cmd, name, s, max);
        return 2;
    }
    *out = (int)v;
    return 0;
}

static int parse_since(const char *cmd, const char *s, int64_t *out)
{
    if (!s) {
        *out = Q_NO_TIME;
        return 0;
    }
    if (q_parse_time(s, util_now_ms(), out) < 0) {
        fprintf(stderr,
                "inboxctl %s: --since %s: expected a date (2024-06-30, "
                "2024-06-30T08:15Z, 2024-06-30T08:15+03:00) or an age (7d, "
                "12h, 30m, 2w)\n",
                cmd, s);
        return 2;
    }
    return 0;
}

/* --- the database ---------------------------------------------------------- */

char *ctl_db_path(const struct ctl_db_opts *o)
{
    struct config cfg;
    char *errors = NULL, *exe, *r = NULL;
    const char *db = "inboxd.db";

    if (o && o->db_path)
        return strdup(o->db_path);
    if (o && o->state_dir)
        return util_path_join(o->state_dir, "inboxd.db");
    exe = config_exe_dir();
    if (config_default(&cfg, exe) < 0) {
        free(exe);
        fprintf(stderr, "inboxctl: out of memory\n");
        return NULL;
    }
    free(exe);
    if (o && o->config_path &&
        config_load_file(&cfg, o->config_path, &errors) < 0) {
        fprintf(stderr, "%s", errors ? errors : "inboxctl: cannot read the "
                                                "config\n");
        free(errors);
        config_clear(&cfg);
        return NULL;
    }
    free(errors);
    for (size_t i = 0; i < cfg.n_plugins; i++) {
        json_t *v = json_object_get(cfg.plugins[i].config, "db");
        if (cfg.plugins[i].name && strcmp(cfg.plugins[i].name, "sqlite") == 0 &&
            json_is_string(v))
            db = json_string_value(v);
    }
    r = db[0] == '/' ? strdup(db) : util_path_join(cfg.state_dir, db);
    config_clear(&cfg);
    return r;
}

static sqlite3 *open_db(const struct ctl_db_opts *o)
{
    char err[1024];
    char *path = ctl_db_path(o);
    sqlite3 *db = NULL;
    if (!path)
        return NULL;
    if (schema_open_reader(path, &db, err, sizeof err) < 0) {
        fprintf(stderr, "inboxctl: %s\n", err);
        db = NULL;
    }
    free(path);
    return db;
}

/* --- output helpers -------------------------------------------------------- */

static int print_json(json_t *v)
{
    char *s = v ? json_dumps(v, JSON_INDENT(2) | JSON_ENSURE_ASCII * 0) : NULL;
    int rc = 0;
    if (!s)
        return 1;
    if (puts(s) == EOF)
        rc = 1;
    free(s);
    return rc;
}

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* Prints s with newlines and tabs as spaces. */
static void put_flat(const char *s)
{
    for (; s && *s; s++)
        putchar(*s == '\n' || *s == '\t' || *s == '\r' ? ' ' : *s);
}

/* Prints at most max characters of s (newlines as spaces, "…" when cut),
 * padded with spaces to width characters (UTF-8 aware). */
static void put_cols(const char *s, int width, int max)
{
    const unsigned char *u = (const unsigned char *)(s ? s : "");
    int n = 0;
    while (*u) {
        const unsigned char *start = u;
        if (n == max) {
            fputs("…", stdout);
            n++;
            break;
        }
        u++;
        while ((*u & 0xC0) == 0x80)
            u++;
        if (*start == '\n' || *start == '\t' || *start == '\r')
            putchar(' ');
        else
            fwrite(start, 1, (size_t)(u - start), stdout);
        n++;
    }
    for (; n < width; n++)
        putchar(' ');
}

static void short_time(const char *rfc, char *out, size_t len)
{
    /* 2024-06-30T08:15:30.250Z -> 2024-06-30 08:15 */
    snprintf(out, len, "%.10s %.5s", rfc ? rfc : "?",
             rfc && strlen(rfc) > 11 ? rfc + 11 : "");
}

/* --- search ---------------------------------------------------------------- */

struct search_out {
    int json;
    json_t *hits;
    int n;
};

static int on_hit(void *arg, const struct q_hit *h)
{
    struct search_out *o = arg;
    char when[40], t[40];
    q_format_time(h->received_ms, when, sizeof when);
    if (o->json) {
        json_array_append_new(
            o->hits,
            json_pack("{s:s, s:s, s:s?, s:s?, s:f, s:s, s:s?}", "id", h->id,
                      "name", h->name, "lang", h->lang, "title", h->title,
                      "score", h->score, "received", when, "snippet",
                      h->snippet));
        return 0;
    }
    short_time(when, t, sizeof t);
    printf("%2d. %.12s  %-5s  %8.3g  %s  ", ++o->n, h->id,
           h->lang ? h->lang : "-", h->score, t);
    put_cols(h->name, 0, 80);
    putchar('\n');
    if (h->title && *h->title) {
        printf("    ");
        put_cols(h->title, 0, 100);
        putchar('\n');
    }
    printf("    ");
    put_flat(h->snippet);
    printf("\n\n");
    return 0;
}

static void search_usage(FILE *f)
{
    fprintf(f,
            "usage: inboxctl search QUERY [--lang L] [--type T] [--entity KEY]\n"
            "                       [--since DATE] [--limit N] [--json]\n"
            "QUERY is FTS5 syntax: words (all must match), \"a phrase\", OR, NOT,\n"
            "prefix*, NEAR(a b, 5), title:word.  Words match their inflected forms.\n");
}

int ctl_search(const struct ctl_db_opts *o, int argc, char **argv)
{
    const char *pos[1], *lang = NULL, *type = NULL, *entity = NULL,
               *since = NULL, *limit = NULL;
    int json = 0, got, rc, n;
    const struct opt opts[] = {
        {"lang", &lang, NULL},   {"type", &type, NULL},
        {"entity", &entity, NULL}, {"since", &since, NULL},
        {"limit", &limit, NULL}, {"json", NULL, &json},
        {NULL, NULL, NULL}};
    struct q_search q = {0};
    struct search_out out = {0};
    char err[1024];
    sqlite3 *db;
    int tty = isatty(STDOUT_FILENO);

    rc = parse_opts(argc, argv, opts, pos, 1, &got);
    if (rc < 0) {
        search_usage(stdout);
        return 0;
    }
    if (rc == 0 && got != 1) {
        fprintf(stderr, "inboxctl search: a QUERY is needed\n");
        rc = 2;
    }
    q.limit = 20;
    if (rc == 0 && limit)
        rc = parse_count("search", "limit", limit, 10000, &q.limit);
    if (rc == 0)
        rc = parse_since("search", since, &q.since_ms);
    if (rc) {
        search_usage(stderr);
        return rc;
    }
    q.query = pos[0];
    q.lang = lang;
    q.type = type;
    q.entity = entity;
    q.hl_open = json ? "<mark>" : tty ? "\033[1;4m" : "[";
    q.hl_close = json ? "</mark>" : tty ? "\033[0m" : "]";
    db = open_db(o);
    if (!db)
        return 1;
    out.json = json;
    out.hits = json ? json_array() : NULL;
    n = q_search(db, &q, on_hit, &out, err, sizeof err);
    sqlite3_close(db);
    if (n == -EINVAL) {
        fprintf(stderr, "inboxctl search: malformed query '%s': %s\n"
                "(FTS5 syntax: quote words with punctuation, e.g. "
                "'\"25-NQ/TW\"')\n", q.query, err);
        json_decref(out.hits);
        return 2;
    }
    if (n < 0) {
        fprintf(stderr, "inboxctl search: %s\n", err);
        json_decref(out.hits);
        return 1;
    }
    if (json) {
        json_t *r = json_pack("{s:s, s:i, s:o}", "query", q.query, "count", n,
                              "hits", out.hits);
        rc = print_json(r);
        json_decref(r);
    } else if (n == 0) {
        fprintf(stderr, "inboxctl search: no document matches '%s'\n",
                q.query);
    }
    if (fflush(stdout) == EOF)
        return 1;
    return rc ? rc : n == 0 ? 1 : 0;
}

/* --- show ------------------------------------------------------------------ */

static void field(const char *name, const char *value)
{
    if (!value || !*value)
        return;
    printf("%-10s ", name);
    put_flat(value);
    putchar('\n');
}

static void print_entities_of(json_t *ents)
{
    size_t i, k;
    json_t *e, *m;
    printf("\nentities (%zu)\n", json_array_size(ents));
    json_array_foreach(ents, i, e) {
        json_t *ms = json_object_get(e, "mentions"), *seen = json_object();
        int shown = 0;
        printf("  ");
        put_cols(jstr(e, "type"), 9, 9);
        putchar(' ');
        put_cols(jstr(e, "key"), 30, 40);
        putchar(' ');
        put_cols(jstr(e, "name"), 0, 40);
        printf("  x%zu:", json_array_size(ms));
        /* the distinct surfaces, in order of appearance */
        json_array_foreach(ms, k, m) {
            const char *sf = jstr(m, "surface");
            if (!sf || json_object_get(seen, sf))
                continue;
            json_object_set_new(seen, sf, json_true());
            if (shown++ == 6) {
                printf(" ...");
                break;
            }
            printf("%s ", shown > 1 ? "," : "");
            put_cols(sf, 0, 60);
        }
        json_decref(seen);
        putchar('\n');
    }
}

int ctl_show(const struct ctl_db_opts *o, int argc, char **argv)
{
    const char *pos[1];
    int json = 0, no_text = 0, got, rc;
    const struct opt opts[] = {{"json", NULL, &json},
                               {"no-text", NULL, &no_text},
                               {NULL, NULL, NULL}};
    char err[1024];
    int64_t rowid;
    sqlite3 *db;
    json_t *doc;

    rc = parse_opts(argc, argv, opts, pos, 1, &got);
    if (rc < 0 || rc || got != 1) {
        if (rc >= 0 && got != 1)
            fprintf(stderr, "inboxctl show: a document ID is needed\n");
        fprintf(rc < 0 ? stdout : stderr,
                "usage: inboxctl show ID|PREFIX [--json] [--no-text]\n");
        return rc < 0 ? 0 : 2;
    }
    db = open_db(o);
    if (!db)
        return 1;
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    rc = q_resolve_id(db, pos[0], &rowid, err, sizeof err);
    if (rc < 0) {
        sqlite3_close(db);
        fprintf(stderr, "inboxctl show: %s\n", err);
        return rc == -EINVAL ? 2 : 1;
    }
    doc = q_document(db, rowid, !no_text);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (!doc) {
        fprintf(stderr, "inboxctl show: cannot read the document: %s\n",
                sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    sqlite3_close(db);
    if (json) {
        rc = print_json(doc);
    } else {
        char *byline = NULL, *langs = NULL;
        json_t *b = json_object_get(doc, "byline"), *v;
        size_t i;
        field("id", jstr(doc, "id"));
        field("name", jstr(doc, "name"));
        field("received", jstr(doc, "received"));
        field("indexed", jstr(doc, "indexed"));
        printf("%-10s %lld\n", "bytes",
               (long long)json_integer_value(json_object_get(doc, "bytes")));
        field("charset", jstr(doc, "charset"));
        field("lang", jstr(doc, "lang"));
        json_array_foreach(json_object_get(doc, "langs"), i, v) {
            char *prev = langs;
            if (asprintf(&langs, "%s%s%s %.2f", prev ? prev : "",
                         prev ? ", " : "", jstr(v, "lang") ? jstr(v, "lang") : "?",
                         json_number_value(json_object_get(v, "share"))) < 0)
                langs = NULL;
            free(prev);
        }
        field("langs", langs);
        field("title", jstr(doc, "title"));
        field("lead", jstr(doc, "lead"));
        json_array_foreach(b, i, v) {
            char *prev = byline;
            if (asprintf(&byline, "%s%s%s", prev ? prev : "", prev ? ", " : "",
                         json_string_value(v) ? json_string_value(v) : "") < 0)
                byline = NULL;
            free(prev);
        }
        field("byline", byline);
        field("source", jstr(doc, "source_url"));
        field("published", jstr(doc, "published"));
        free(byline);
        free(langs);
        print_entities_of(json_object_get(doc, "entities"));
        if (!no_text) {
            const char *t = jstr(doc, "text");
            printf("\ntext\n%s%s", t ? t : "",
                   t && *t && t[strlen(t) - 1] != '\n' ? "\n" : "");
        }
        rc = fflush(stdout) == EOF;
    }
    json_decref(doc);
    return rc;
}

/* --- entities -------------------------------------------------------------- */

static char *join_strings(json_t *arr, size_t max)
{
    char *out = NULL;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        char *prev = out;
        if (i == max) {
            if (asprintf(&out, "%s, ...", prev) < 0)
                out = NULL;
            free(prev);
            break;
        }
        if (asprintf(&out, "%s%s%s", prev ? prev : "", prev ? ", " : "",
                     json_string_value(v) ? json_string_value(v) : "") < 0)
            out = NULL;
        free(prev);
    }
    return out;
}

int ctl_entities(const struct ctl_db_opts *o, int argc, char **argv)
{
    const char *pos[1], *type = NULL, *top = NULL;
    int json = 0, got, rc, n = 50;
    const struct opt opts[] = {{"type", &type, NULL},
                               {"top", &top, NULL},
                               {"json", NULL, &json},
                               {NULL, NULL, NULL}};
    sqlite3 *db;
    json_t *arr, *e;
    size_t i;

    rc = parse_opts(argc, argv, opts, pos, 0, &got);
    if (rc == 0 && top)
        rc = parse_count("entities", "top", top, 10000000, &n);
    if (rc) {
        fprintf(rc < 0 ? stdout : stderr,
                "usage: inboxctl entities [--type T] [--top N] [--json]\n");
        return rc < 0 ? 0 : 2;
    }
    db = open_db(o);
    if (!db)
        return 1;
    arr = q_entities(db, type, n);
    if (!arr) {
        fprintf(stderr, "inboxctl entities: %s\n", sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    sqlite3_close(db);
    if (json) {
        rc = print_json(arr);
    } else if (json_array_size(arr) == 0) {
        fprintf(stderr, "inboxctl entities: no entities%s%s\n",
                type ? " of type " : "", type ? type : "");
        rc = 1;
    } else {
        printf("%6s %8s  %-9s %-30s %s\n", "DOCS", "MENTIONS", "TYPE", "KEY",
               "NAME (aliases)");
        json_array_foreach(arr, i, e) {
            char *al = join_strings(json_object_get(e, "aliases"), 5);
            printf("%6lld %8lld  ",
                   (long long)json_integer_value(json_object_get(e, "docs")),
                   (long long)json_integer_value(json_object_get(e, "mentions")));
            put_cols(jstr(e, "type"), 9, 9);
            putchar(' ');
            put_cols(jstr(e, "key"), 30, 40);
            putchar(' ');
            put_cols(jstr(e, "name"), 0, 60);
            if (al) {
                printf("  (");
                put_flat(al);
                putchar(')');
            }
            putchar('\n');
            free(al);
        }
        rc = fflush(stdout) == EOF;
    }
    json_decref(arr);
    return rc;
}

int ctl_entity(const struct ctl_db_opts *o, int argc, char **argv)
{
    const char *pos[1], *type = NULL;
    int json = 0, got, rc;
    const struct opt opts[] = {{"type", &type, NULL},
                               {"json", NULL, &json},
                               {NULL, NULL, NULL}};
    sqlite3 *db;
    json_t *arr, *e, *d, *s;
    size_t i, k, j;

    rc = parse_opts(argc, argv, opts, pos, 1, &got);
    if (rc < 0 || rc || got != 1) {
        if (rc >= 0 && got != 1)
            fprintf(stderr, "inboxctl entity: a KEY is needed\n");
        fprintf(rc < 0 ? stdout : stderr,
                "usage: inboxctl entity KEY [--type T] [--json]\n");
        return rc < 0 ? 0 : 2;
    }
    db = open_db(o);
    if (!db)
        return 1;
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    arr = q_entity(db, pos[0], type);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (!arr) {
        fprintf(stderr, "inboxctl entity: %s\n", sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    sqlite3_close(db);
    if (json_array_size(arr) == 0) {
        fprintf(stderr, "inboxctl entity: no entity with key '%s'%s%s\n",
                pos[0], type ? " of type " : "", type ? type : "");
        if (json)
            print_json(arr);
        json_decref(arr);
        return 1;
    }
    if (json) {
        rc = print_json(arr);
        json_decref(arr);
        return rc;
    }
    json_array_foreach(arr, i, e) {
        char *al = join_strings(json_object_get(e, "aliases"), 12);
        printf("%s %s ", jstr(e, "type"), jstr(e, "key"));
        put_flat(jstr(e, "name"));
        printf(": %lld document(s), %lld mention(s)\n",
               (long long)json_integer_value(json_object_get(e, "docs")),
               (long long)json_integer_value(json_object_get(e, "mentions")));
        if (al) {
            printf("  aliases: ");
            put_flat(al);
            putchar('\n');
        }
        free(al);
        json_array_foreach(json_object_get(e, "documents"), k, d) {
            char t[40];
            short_time(jstr(d, "received"), t, sizeof t);
            printf("  %.12s  %-5s  %s  ", jstr(d, "id"),
                   jstr(d, "lang") ? jstr(d, "lang") : "-", t);
            put_flat(jstr(d, "name"));
            printf("\n      ");
            json_array_foreach(json_object_get(d, "surfaces"), j, s) {
                printf("%s", j ? ", " : "");
                put_flat(jstr(s, "surface"));
                printf(" x%lld",
                       (long long)json_integer_value(json_object_get(s, "count")));
            }
            putchar('\n');
        }
    }
    json_decref(arr);
    return fflush(stdout) == EOF;
}

/* --- export ---------------------------------------------------------------- */

static int export_line(void *arg, json_t *doc)
{
    char *s = json_dumps(doc, JSON_COMPACT);
    int rc = 0;
    (void)arg;
    if (!s)
        return -ENOMEM;
    if (fputs(s, stdout) == EOF || putchar('\n') == EOF)
        rc = -EIO;
    free(s);
    return rc;
}

int ctl_export(const struct ctl_db_opts *o, int argc, char **argv)
{
    const char *pos[1], *since = NULL, *format = NULL;
    int got, rc, n;
    int64_t since_ms;
    const struct opt opts[] = {{"since", &since, NULL},
                               {"format", &format, NULL},
                               {NULL, NULL, NULL}};
    sqlite3 *db;

    rc = parse_opts(argc, argv, opts, pos, 0, &got);
    if (rc == 0 && format && strcmp(format, "jsonl") != 0) {
        fprintf(stderr, "inboxctl export: --format %s: only jsonl is "
                "supported\n", format);
        rc = 2;
    }
    if (rc == 0)
        rc = parse_since("export", since, &since_ms);
    if (rc) {
        fprintf(rc < 0 ? stdout : stderr,
                "usage: inboxctl export [--since DATE] --format jsonl\n");
        return rc < 0 ? 0 : 2;
    }
    db = open_db(o);
    if (!db)
        return 1;
    n = q_export(db, since_ms, export_line, NULL);
    if (n < 0)
        fprintf(stderr, "inboxctl export: %s\n",
                n == -EIO ? "write or read error" : strerror(-n));
    sqlite3_close(db);
    if (fflush(stdout) == EOF)
        return 1;
    return n < 0 ? 1 : 0;
}
