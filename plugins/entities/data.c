/*
 * Loading the data: every DIR/ *.json (rules and word lists, one file per
 * language, plus shared tables) and DIR/gazetteer/ *.json (names with their
 * aliases in any script).  A file may hold any of the sections below; an
 * unknown section is an error naming the file and the section, so a typo in
 * a user's file is not silently ignored.
 */
#include "ent_internal.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unicode/utrans.h>

int data_split(const ent_data *d, const char *s, size_t len,
               int (*fn)(void *arg, const char *w, size_t n, int kind),
               void *arg);

#define DATA_MAX_FILE (64u << 20)

const char *data_str(ent_data *d, const char *s)
{
    size_t i;
    char *c;
    if (!s)
        return NULL;
    for (i = d->nstrs; i > 0 && i + 64 > d->nstrs; i--)
        if (strcmp(d->strs[i - 1], s) == 0)
            return d->strs[i - 1];
    if (d->nstrs == d->capstrs) {
        size_t cap = d->capstrs ? d->capstrs * 2 : 64;
        char **ns = realloc(d->strs, cap * sizeof *ns);
        if (!ns)
            return NULL;
        d->strs = ns;
        d->capstrs = cap;
    }
    c = strdup(s);
    if (!c)
        return NULL;
    d->strs[d->nstrs++] = c;
    return c;
}

struct split_acc {
    ent_data *d;
    int32_t ids[32];
    size_t n;
    int toolong;
    sbuf f;
};

static int acc_word(void *arg, const char *w, size_t n, int kind)
{
    struct split_acc *a = arg;
    int32_t id;
    (void)kind;
    if (a->n >= 16) {
        a->toolong = 1;
        return 0;
    }
    data_match_form(a->d, w, n, &a->f);
    if (a->f.oom)
        return -ENOMEM;
    if (a->f.len == 0)
        return 0;
    id = vocab_intern(&a->d->vocab, a->f.s, a->f.len);
    if (id < 0)
        return id;
    a->ids[a->n++] = id;
    return 0;
}

static int split_ids(ent_data *d, const char *phrase, struct split_acc *a)
{
    int rc;
    memset(a, 0, sizeof *a);
    a->d = d;
    rc = data_split(d, phrase, strlen(phrase), acc_word, a);
    sb_free(&a->f);
    if (rc < 0)
        return rc;
    if (a->n == 0 || a->toolong)
        return -EINVAL;
    return 0;
}

static int lf_grow(ent_data *d)
{
    uint32_t nmask = d->lf_mask ? d->lf_mask * 2 + 1 : 1023, i;
    uint64_t *nk = calloc((size_t)nmask + 1, sizeof *nk);
    uint32_t *nv = calloc((size_t)nmask + 1, sizeof *nv);
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return -ENOMEM;
    }
    for (i = 0; d->lf_key && i <= d->lf_mask; i++) {
        uint32_t k;
        if (!d->lf_key[i])
            continue;
        k = (uint32_t)(d->lf_key[i] * 0x9E3779B97F4A7C15ull >> 40) & nmask;
        while (nk[k])
            k = (k + 1) & nmask;
        nk[k] = d->lf_key[i];
        nv[k] = d->lf_val[i];
    }
    free(d->lf_key);
    free(d->lf_val);
    d->lf_key = nk;
    d->lf_val = nv;
    d->lf_mask = nmask;
    return 0;
}

static int lf_or(ent_data *d, int32_t id, int lang, uint32_t flags)
{
    uint64_t key = ((uint64_t)(uint32_t)id << 8 | (uint8_t)lang) + 1;
    uint32_t k;
    if ((d->lf_n + 1) * 2 > d->lf_mask && lf_grow(d) < 0)
        return -ENOMEM;
    k = (uint32_t)(key * 0x9E3779B97F4A7C15ull >> 40) & d->lf_mask;
    while (d->lf_key[k] && d->lf_key[k] != key)
        k = (k + 1) & d->lf_mask;
    if (!d->lf_key[k]) {
        d->lf_key[k] = key;
        d->lf_n++;
    }
    d->lf_val[k] |= flags;
    return 0;
}

uint32_t data_lang_flags(const ent_data *d, int32_t id, int lang)
{
    uint64_t key = ((uint64_t)(uint32_t)id << 8 | (uint8_t)lang) + 1;
    uint32_t k;
    if (!d->lf_key || id < 0)
        return 0;
    k = (uint32_t)(key * 0x9E3779B97F4A7C15ull >> 40) & d->lf_mask;
    while (d->lf_key[k]) {
        if (d->lf_key[k] == key)
            return d->lf_val[k];
        k = (k + 1) & d->lf_mask;
    }
    return 0;
}

int data_lang_index(const ent_data *d, const char *tag)
{
    int i;
    if (!tag)
        return 0;
    for (i = 1; i < d->ndlangs; i++)
        if (!strncmp(d->dlangs[i], tag, 2) && (tag[2] == '\0' || tag[2] == '-'))
            return i;
    return 0;
}

/* Sets flags on word id for the language of the file being loaded. */
static int set_flags(ent_data *d, int32_t id, uint32_t flags)
{
    if (d->cur_lang == 0) {
        d->vocab.flags[id] |= flags;
        return 0;
    }
    if (lf_or(d, id, d->cur_lang, flags) < 0 || lf_or(d, id, ENT_ANYLANG, flags) < 0)
        return -ENOMEM;
    return 0;
}

int data_add_phrase(ent_data *d, const char *phrase, const ent_payload *p0)
{
    ent_payload pl = *p0, *p = &pl;
    struct split_acc a;
    int rc = split_ids(d, phrase, &a);
    if (rc < 0)
        return rc;
    pl.lang = (uint8_t)d->cur_lang;
    rc = trie_add(&d->trie, a.ids, a.n, p);
    if (rc < 0)
        return rc;
    if ((size_t)a.ids[0] >= d->nstartk) {
        size_t n = d->vocab.cap > (size_t)a.ids[0] ? d->vocab.cap : (size_t)a.ids[0] + 1;
        uint32_t *ns = realloc(d->startk, n * sizeof *ns);
        if (!ns)
            return -ENOMEM;
        memset(ns + d->nstartk, 0, (n - d->nstartk) * sizeof *ns);
        d->startk = ns;
        d->nstartk = n;
    }
    d->startk[a.ids[0]] |= 1u << p->kind;
    /* person cues (said, a nationality) are weak: they mark no word */
    if (((p->kind == PK_TITLE && p->ival != 3) || p->kind == PK_ORGHEAD ||
         p->kind == PK_LOCCUE) &&
        set_flags(d, a.ids[0], VF_CUE) < 0)
        return -ENOMEM;
    if (p->kind == PK_TITLE && p->ival != 3 && set_flags(d, a.ids[0], VF_TITLE) < 0)
        return -ENOMEM;
    /* a group of people (الإسرائيليون) is no person's name */
    if (p->kind == PK_GROUP && a.n == 1 && set_flags(d, a.ids[0], VF_NOTNAME) < 0)
        return -ENOMEM;
    if (p->kind == PK_GAZ && a.n == 1 && set_flags(d, a.ids[0], VF_GAZ) < 0)
        return -ENOMEM;
    d->nentries++;
    return 0;
}

int data_flag_word(ent_data *d, const char *word, uint32_t flags)
{
    struct split_acc a;
    int rc = split_ids(d, word, &a);
    size_t i;
    if (rc < 0)
        return rc;
    if (a.n != 1)
        return -EINVAL; /* flags are for single words */
    for (i = 0; i < a.n; i++)
        if (set_flags(d, a.ids[i], flags) < 0)
            return -ENOMEM;
    d->nentries++;
    return 0;
}

const ent_doctype *data_doctype(const ent_data *d, const char *code)
{
    size_t i;
    for (i = 0; i < d->ndoctypes; i++)
        if (strcmp(d->doctypes[i].code, code) == 0)
            return &d->doctypes[i];
    return NULL;
}

const ent_doctype *data_issuer(const ent_data *d, const char *code)
{
    size_t i;
    for (i = 0; i < d->nissuers; i++)
        if (strcmp(d->issuers[i].code, code) == 0)
            return &d->issuers[i];
    return NULL;
}

/* ---- sections ---------------------------------------------------------- */

struct flag_section {
    const char *name;
    uint32_t flags;
};
static const struct flag_section flag_sections[] = {
    {"stopwords", VF_STOP},        {"not_names", VF_NOTNAME},
    {"connectors", VF_CONNECT},    {"particles", VF_PARTICLE},
    {"given_names", VF_GIVEN},     {"surnames", VF_SURNAME | VF_SYLLABLE},
    {"name_syllables", VF_SYLLABLE}, {"org_stop", VF_ORGSTOP},
    {"num_preps", VF_NUMPREP},     {"num_stops", VF_NUMSTOP},
    {"and_words", VF_AND},         {"to_words", VF_TO},
    {"team_cues", VF_TEAMCUE},     {"versus_words", VF_VERSUS},
    {NULL, 0}};

struct phrase_section {
    const char *name;
    int kind;
    const char *attr; /* member of an object item copied to str */
};
static const struct phrase_section phrase_sections[] = {
    {"titles", PK_TITLE, "role"},       {"honorifics", PK_TITLE, "role"},
    {"org_heads", PK_ORGHEAD, "kind"},  {"loc_cues", PK_LOCCUE, "kind"},
    {"loc_tails", PK_LOCTAIL, "kind"},  {"month_words", PK_MONTHWORD, NULL},
    {"day_words", PK_DAYWORD, NULL},    {"year_cues", PK_YEARCUE, NULL},
    {"quarter_words", PK_QUARTER, NULL}, {"doc_words", PK_DOCWORD, "kind"},
    {"percent_words", PK_PERCENT, NULL}, {"groups", PK_GROUP, "kind"},
    {"person_cues", PK_TITLE, NULL},
    {NULL, 0, NULL}};

static int fail(char *err, size_t errlen, const char *file, const char *what,
                const char *detail, int rc)
{
    snprintf(err, errlen, "%s: %s%s%s", file, what, detail ? ": " : "",
             detail ? detail : "");
    return rc;
}

static int load_flags(ent_data *d, json_t *arr, uint32_t flags, const char *file,
                      const char *sec, char *err, size_t errlen)
{
    size_t i;
    json_t *v;
    if (!json_is_array(arr))
        return fail(err, errlen, file, sec, "must be an array of words", -EINVAL);
    json_array_foreach(arr, i, v) {
        int rc;
        if (!json_is_string(v))
            return fail(err, errlen, file, sec, "items must be strings", -EINVAL);
        rc = data_flag_word(d, json_string_value(v), flags);
        if (rc == -ENOMEM)
            return fail(err, errlen, file, sec, "out of memory", rc);
        if (rc < 0)
            return fail(err, errlen, file, sec, json_string_value(v), -EINVAL);
    }
    return 0;
}

static int add_checked(ent_data *d, const char *text, const ent_payload *p,
                       const char *file, const char *sec, char *err, size_t errlen)
{
    int rc = data_add_phrase(d, text, p);
    if (rc == -ENOMEM)
        return fail(err, errlen, file, sec, "out of memory", rc);
    if (rc < 0) {
        char m[256];
        snprintf(m, sizeof m, "\"%.200s\" has no word or more than 16", text);
        return fail(err, errlen, file, sec, m, -EINVAL);
    }
    return 0;
}

static int load_phrases(ent_data *d, json_t *arr, const struct phrase_section *ps,
                        const char *file, char *err, size_t errlen)
{
    size_t i;
    json_t *v;
    if (!json_is_array(arr))
        return fail(err, errlen, file, ps->name, "must be an array", -EINVAL);
    json_array_foreach(arr, i, v) {
        ent_payload p = {.kind = (uint8_t)ps->kind, .next = -1};
        const char *text;
        int rc;
        if (json_is_string(v)) {
            text = json_string_value(v);
        } else if (json_is_object(v) && json_is_string(json_object_get(v, "text"))) {
            json_t *a = ps->attr ? json_object_get(v, ps->attr) : NULL;
            text = json_string_value(json_object_get(v, "text"));
            if (a && !json_is_string(a))
                return fail(err, errlen, file, ps->name, "attribute must be a string",
                            -EINVAL);
            if (a && !(p.str = data_str(d, json_string_value(a))))
                return fail(err, errlen, file, ps->name, "out of memory", -ENOMEM);
            if (json_is_true(json_object_get(v, "weak")))
                p.ival = 1; /* needs a name that looks like one */
            if (json_is_true(json_object_get(v, "self")))
                p.ival = 2; /* a whole name by itself (org_heads) */
        } else {
            return fail(err, errlen, file, ps->name,
                        "items must be strings or {\"text\": ...} objects", -EINVAL);
        }
        if (!strcmp(ps->name, "person_cues"))
            p.ival = 3; /* a name right after it, no role */
        if (!strcmp(ps->name, "honorifics")) {
            rc = data_flag_word(d, text, VF_HONORIFIC);
            if (rc == -ENOMEM)
                return fail(err, errlen, file, ps->name, "out of memory", rc);
        }
        rc = add_checked(d, text, &p, file, ps->name, err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* {"text": number} maps: months, ordinals, scales; currencies -> string. */
static int load_map(ent_data *d, json_t *obj, int kind, const char *file,
                    const char *sec, char *err, size_t errlen)
{
    const char *k;
    json_t *v;
    if (!json_is_object(obj))
        return fail(err, errlen, file, sec, "must be an object", -EINVAL);
    json_object_foreach(obj, k, v) {
        ent_payload p = {.kind = (uint8_t)kind, .next = -1};
        int rc;
        if (kind == PK_CURRENCY) {
            if (!json_is_string(v))
                return fail(err, errlen, file, sec, "values must be currency codes",
                            -EINVAL);
            if (!(p.str = data_str(d, json_string_value(v))))
                return fail(err, errlen, file, sec, "out of memory", -ENOMEM);
        } else {
            if (!json_is_number(v))
                return fail(err, errlen, file, sec, "values must be numbers", -EINVAL);
            p.dval = json_number_value(v);
            /* A scale such as 1e12 does not fit an int32: only months and
             * ordinals use ival. */
            p.ival = p.dval >= INT32_MIN && p.dval <= INT32_MAX ? (int32_t)p.dval : 0;
            if ((kind == PK_MONTH && (p.ival < 1 || p.ival > 12)) ||
                (kind == PK_ORDINAL && (p.ival < 1 || p.ival > 100)) ||
                (kind == PK_SCALE && !(p.dval > 0)))
                return fail(err, errlen, file, sec, k, -EINVAL);
        }
        rc = add_checked(d, k, &p, file, sec, err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int load_codes(ent_data *d, json_t *obj, int issuers, const char *file,
                      const char *sec, char *err, size_t errlen)
{
    const char *k;
    json_t *v;
    if (!json_is_object(obj))
        return fail(err, errlen, file, sec, "must be an object", -EINVAL);
    json_object_foreach(obj, k, v) {
        ent_doctype **arr = issuers ? &d->issuers : &d->doctypes;
        size_t *n = issuers ? &d->nissuers : &d->ndoctypes;
        ent_doctype *na;
        if (!json_is_string(v))
            return fail(err, errlen, file, sec, "values must be strings", -EINVAL);
        na = realloc(*arr, (*n + 1) * sizeof *na);
        if (!na)
            return fail(err, errlen, file, sec, "out of memory", -ENOMEM);
        *arr = na;
        na[*n].code = strdup(k);
        na[*n].kind = strdup(json_string_value(v));
        if (!na[*n].code || !na[*n].kind) {
            free(na[*n].code);
            free(na[*n].kind);
            return fail(err, errlen, file, sec, "out of memory", -ENOMEM);
        }
        (*n)++;
    }
    return 0;
}

static int script_of_str(const ent_data *d, const char *s)
{
    size_t i = 0, n = strlen(s);
    while (i < n) {
        uint32_t cp = ent_next_cp(s, n, &i);
        if (cp < 0x10000 && d->norm->script[cp] != SC_OTHER)
            return d->norm->script[cp];
    }
    return SC_OTHER;
}

static char *norm_dup(const ent_data *d, const char *s)
{
    sbuf b;
    sb_init(&b);
    norm_append(d->norm, s, strlen(s), &b);
    sb_cstr(&b);
    return sb_take(&b);
}

static int load_rewrites(ent_data *d, json_t *arr, const char *file, char *err,
                         size_t errlen)
{
    size_t i;
    json_t *v;
    if (!json_is_array(arr))
        return fail(err, errlen, file, "key_rewrites", "must be an array", -EINVAL);
    json_array_foreach(arr, i, v) {
        json_t *from = json_object_get(v, "from"), *to = json_object_get(v, "to");
        json_t *at = json_object_get(v, "at"), *ml = json_object_get(v, "min_left");
        ent_rewrite w = {0}, *na;
        int sc;
        if (!json_is_string(from) || !json_is_string(to) || !json_string_length(from) ||
            (at && !json_is_string(at)) || (ml && !json_is_integer(ml)))
            return fail(err, errlen, file, "key_rewrites",
                        "items are {\"from\": s, \"to\": s, \"at\": \"end\"|\"any\"}",
                        -EINVAL);
        sc = script_of_str(d, json_string_value(from));
        w.from = norm_dup(d, json_string_value(from));
        w.to = norm_dup(d, json_string_value(to));
        if (!w.from || !w.to) {
            free(w.from);
            free(w.to);
            return fail(err, errlen, file, "key_rewrites", "out of memory", -ENOMEM);
        }
        w.from_len = strlen(w.from);
        w.to_len = strlen(w.to);
        w.at_end = at && !strcmp(json_string_value(at), "end");
        w.min_left = ml ? (int)json_integer_value(ml) : 2;
        na = realloc(d->rewrites[sc], (d->nrewrites[sc] + 1) * sizeof *na);
        if (!na || !w.from_len) {
            free(w.from);
            free(w.to);
            return fail(err, errlen, file, "key_rewrites", na ? "empty 'from'" : "out of memory",
                        na ? -EINVAL : -ENOMEM);
        }
        d->rewrites[sc] = na;
        na[d->nrewrites[sc]++] = w;
        {
            unsigned key = (unsigned)(unsigned char)w.from[0] << 8 |
                           (w.from_len > 1 ? (unsigned char)w.from[1] : 0);
            if (w.from_len > 1)
                d->rw_first[sc][key >> 3] |= (uint8_t)(1u << (key & 7));
            else /* one byte: every second byte may follow */
                for (unsigned b = 0; b < 256; b++) {
                    unsigned k2 = key | b;
                    d->rw_first[sc][k2 >> 3] |= (uint8_t)(1u << (k2 & 7));
                }
        }
    }
    return 0;
}

static int load_suffixes(ent_data *d, json_t *arr, const char *file, char *err,
                         size_t errlen)
{
    size_t i;
    json_t *v;
    if (!json_is_array(arr))
        return fail(err, errlen, file, "match_suffixes", "must be an array", -EINVAL);
    json_array_foreach(arr, i, v) {
        int sc;
        char **na, *s;
        size_t k;
        if (!json_is_string(v) || !json_string_length(v))
            return fail(err, errlen, file, "match_suffixes", "items must be strings",
                        -EINVAL);
        sc = script_of_str(d, json_string_value(v));
        s = norm_dup(d, json_string_value(v));
        na = s ? realloc(d->suffixes[sc], (d->nsuffixes[sc] + 1) * sizeof *na) : NULL;
        if (!na) {
            free(s);
            return fail(err, errlen, file, "match_suffixes", "out of memory", -ENOMEM);
        }
        d->suffixes[sc] = na;
        /* keep longest first */
        k = d->nsuffixes[sc];
        while (k > 0 && strlen(na[k - 1]) < strlen(s)) {
            na[k] = na[k - 1];
            k--;
        }
        na[k] = s;
        d->nsuffixes[sc]++;
    }
    return 0;
}

static int gaz_type(const char *t)
{
    if (!strcmp(t, "PERSON"))
        return ENT_PERSON;
    if (!strcmp(t, "ORG"))
        return ENT_ORG;
    if (!strcmp(t, "LOC"))
        return ENT_LOC;
    return -1;
}

static int load_entries(ent_data *d, json_t *arr, const char *file, char *err,
                        size_t errlen)
{
    size_t i;
    json_t *v;
    if (!json_is_array(arr))
        return fail(err, errlen, file, "entries", "must be an array", -EINVAL);
    json_array_foreach(arr, i, v) {
        json_t *name = json_object_get(v, "name"), *type = json_object_get(v, "type");
        json_t *aliases = json_object_get(v, "aliases"), *key = json_object_get(v, "key");
        json_t *a, *attrs;
        const char *k;
        ent_gaz *g;
        ent_payload p = {.kind = PK_GAZ, .next = -1};
        size_t j;
        int t, rc;
        char where[300];
        snprintf(where, sizeof where, "entries[%zu]", i);
        if (!json_is_string(name) || !json_is_string(type) ||
            (t = gaz_type(json_string_value(type))) < 0 ||
            (aliases && !json_is_array(aliases)) || (key && !json_is_string(key)))
            return fail(err, errlen, file, where,
                        "needs \"name\" and \"type\" (PERSON, ORG or LOC); \"aliases\" "
                        "is an array of strings",
                        -EINVAL);
        if (d->ngaz == d->capgaz) {
            size_t cap = d->capgaz ? d->capgaz * 2 : 256;
            ent_gaz *ng = realloc(d->gaz, cap * sizeof *ng);
            if (!ng)
                return fail(err, errlen, file, where, "out of memory", -ENOMEM);
            d->gaz = ng;
            d->capgaz = cap;
        }
        g = &d->gaz[d->ngaz];
        memset(g, 0, sizeof *g);
        g->type = (uint8_t)t;
        g->canonical = strdup(json_string_value(name));
        attrs = json_object();
        json_object_foreach(v, k, a) {
            if (!strcmp(k, "name") || !strcmp(k, "type") || !strcmp(k, "aliases") ||
                !strcmp(k, "key"))
                continue;
            json_object_set(attrs, k, a);
        }
        g->attrs = json_object_size(attrs) ? json_dumps(attrs, JSON_COMPACT) : NULL;
        json_decref(attrs);
        if (key) {
            g->key = strdup(json_string_value(key));
        } else {
            struct split_acc sa;
            sbuf kb;
            size_t w;
            rc = split_ids(d, g->canonical ? g->canonical : "", &sa);
            if (rc < 0) {
                free(g->canonical);
                free(g->attrs);
                return fail(err, errlen, file, where, "bad name", rc);
            }
            sb_init(&kb);
            for (w = 0; w < sa.n; w++) {
                if (w)
                    sb_addc(&kb, ' ');
                sb_adds(&kb, d->vocab.words[sa.ids[w]]);
            }
            g->key = sb_take(&kb);
        }
        if (!g->canonical || !g->key) {
            free(g->canonical);
            free(g->key);
            free(g->attrs);
            return fail(err, errlen, file, where, "out of memory", -ENOMEM);
        }
        d->ngaz++;
        p.type = (uint8_t)t;
        p.ival = (int32_t)(d->ngaz - 1);
        rc = add_checked(d, g->canonical, &p, file, where, err, errlen);
        if (rc < 0)
            return rc;
        json_array_foreach(aliases, j, a) {
            if (!json_is_string(a))
                return fail(err, errlen, file, where, "aliases must be strings", -EINVAL);
            rc = add_checked(d, json_string_value(a), &p, file, where, err, errlen);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

static int load_file(ent_data *d, const char *path, int phase, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root;
    const char *k;
    json_t *v;
    struct stat stt;
    int rc = 0;
    if (stat(path, &stt) < 0)
        return fail(err, errlen, path, strerror(errno), NULL, -errno);
    if (stt.st_size > (off_t)DATA_MAX_FILE)
        return fail(err, errlen, path, "file larger than 64 MiB", NULL, -EFBIG);
    root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
        return -EINVAL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        return fail(err, errlen, path, "must hold a JSON object", NULL, -EINVAL);
    }
    d->cur_lang = 0;
    v = json_object_get(root, "lang");
    if (v) {
        const char *tag = json_string_value(v);
        int li;
        if (!tag || !*tag || strlen(tag) >= sizeof d->dlangs[0]) {
            json_decref(root);
            return fail(err, errlen, path, "\"lang\" must be a BCP 47 tag", NULL, -EINVAL);
        }
        li = data_lang_index(d, tag);
        if (!li) {
            if (d->ndlangs >= ENT_MAXLANGS) {
                json_decref(root);
                return fail(err, errlen, path, "too many languages", NULL, -E2BIG);
            }
            li = d->ndlangs++;
            snprintf(d->dlangs[li], sizeof d->dlangs[li], "%s", tag);
            d->dlang_script[li] = !strncmp(tag, "ar", 2) || !strncmp(tag, "fa", 2) ||
                                          !strncmp(tag, "ur", 2)
                                      ? SC_ARAB
                                  : !strncmp(tag, "el", 2) ? SC_GREK
                                  : !strncmp(tag, "ru", 2) || !strncmp(tag, "uk", 2) ||
                                          !strncmp(tag, "bg", 2) || !strncmp(tag, "sr", 2)
                                      ? SC_CYRL
                                      : SC_LATN;
        }
        d->cur_lang = li;
    }
    json_object_foreach(root, k, v) {
        const struct flag_section *fs;
        const struct phrase_section *ps;
        int known = 0;
        if (phase == 0) {
            if (!strcmp(k, "key_rewrites"))
                rc = load_rewrites(d, v, path, err, errlen);
            else if (!strcmp(k, "match_suffixes"))
                rc = load_suffixes(d, v, path, err, errlen);
            if (rc < 0)
                break;
            continue;
        }
        if (!strcmp(k, "key_rewrites") || !strcmp(k, "match_suffixes") ||
            !strcmp(k, "lang") || !strcmp(k, "comment") || !strcmp(k, "description") ||
            !strcmp(k, "source") || !strcmp(k, "license"))
            continue;
        for (fs = flag_sections; fs->name; fs++)
            if (!strcmp(k, fs->name)) {
                rc = load_flags(d, v, fs->flags, path, k, err, errlen);
                known = 1;
            }
        for (ps = phrase_sections; ps->name; ps++)
            if (!strcmp(k, ps->name)) {
                rc = load_phrases(d, v, ps, path, err, errlen);
                known = 1;
            }
        if (!known) {
            if (!strcmp(k, "months"))
                rc = load_map(d, v, PK_MONTH, path, k, err, errlen);
            else if (!strcmp(k, "ordinals"))
                rc = load_map(d, v, PK_ORDINAL, path, k, err, errlen);
            else if (!strcmp(k, "scales"))
                rc = load_map(d, v, PK_SCALE, path, k, err, errlen);
            else if (!strcmp(k, "currencies"))
                rc = load_map(d, v, PK_CURRENCY, path, k, err, errlen);
            else if (!strcmp(k, "doc_types"))
                rc = load_codes(d, v, 0, path, k, err, errlen);
            else if (!strcmp(k, "doc_issuers"))
                rc = load_codes(d, v, 1, path, k, err, errlen);
            else if (!strcmp(k, "entries"))
                rc = load_entries(d, v, path, err, errlen);
            else
                rc = fail(err, errlen, path, "unknown section", k, -EINVAL);
        }
        if (rc < 0)
            break;
    }
    json_decref(root);
    return rc;
}

static int is_json(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return e->d_name[0] != '.' && n > 5 && !strcmp(e->d_name + n - 5, ".json");
}

/* Collects DIR/ *.json then DIR/gazetteer/ *.json, sorted. */
static int list_files(const char *dir, char ***files, size_t *n, char *err, size_t errlen)
{
    const char *sub[2] = {"", "/gazetteer"};
    int s;
    *files = NULL;
    *n = 0;
    for (s = 0; s < 2; s++) {
        struct dirent **ents = NULL;
        char path[4096];
        int m, i;
        snprintf(path, sizeof path, "%s%s", dir, sub[s]);
        m = scandir(path, &ents, is_json, alphasort);
        if (m < 0) {
            if (s == 1 && errno == ENOENT)
                continue;
            snprintf(err, errlen, "entities data %s: %s", path, strerror(errno));
            return -errno;
        }
        for (i = 0; i < m; i++) {
            char **nf = realloc(*files, (*n + 1) * sizeof *nf);
            char *p = malloc(strlen(path) + strlen(ents[i]->d_name) + 2);
            if (!nf || !p) {
                free(p);
                if (nf)
                    *files = nf;
                for (; i < m; i++)
                    free(ents[i]);
                free(ents);
                snprintf(err, errlen, "out of memory");
                return -ENOMEM;
            }
            sprintf(p, "%s/%s", path, ents[i]->d_name);
            *files = nf;
            nf[(*n)++] = p;
            free(ents[i]);
        }
        free(ents);
    }
    if (*n == 0) {
        snprintf(err, errlen, "entities data %s: no *.json file", dir);
        return -ENOENT;
    }
    return 0;
}

ent_data *ent_data_free(ent_data *d)
{
    size_t i;
    int s;
    if (!d)
        return NULL;
    free(d->norm);
    vocab_free(&d->vocab);
    trie_free(&d->trie);
    for (i = 0; i < d->ngaz; i++) {
        free(d->gaz[i].canonical);
        free(d->gaz[i].key);
        free(d->gaz[i].attrs);
    }
    free(d->gaz);
    for (i = 0; i < d->ndoctypes; i++) {
        free(d->doctypes[i].code);
        free(d->doctypes[i].kind);
    }
    free(d->doctypes);
    for (i = 0; i < d->nissuers; i++) {
        free(d->issuers[i].code);
        free(d->issuers[i].kind);
    }
    free(d->issuers);
    for (s = 0; s < SC_NSCRIPTS; s++) {
        for (i = 0; i < d->nrewrites[s]; i++) {
            free(d->rewrites[s][i].from);
            free(d->rewrites[s][i].to);
        }
        free(d->rewrites[s]);
        for (i = 0; i < d->nsuffixes[s]; i++)
            free(d->suffixes[s][i]);
        free(d->suffixes[s]);
    }
    for (i = 0; i < d->nstrs; i++)
        free(d->strs[i]);
    free(d->strs);
    free(d->lf_key);
    free(d->lf_val);
    free(d->startk);
    for (i = 0; i < d->tr_n; i++)
        utrans_close(d->tr_pool[i]);
    free(d->tr_pool);
    if (d->tr_proto)
        utrans_close(d->tr_proto);
    pthread_mutex_destroy(&d->tr_lock);
    free(d);
    return NULL;
}

size_t ent_data_entries(const ent_data *d) { return d ? d->nentries : 0; }

int ent_data_load(ent_data **out, const char *dir, char *err, size_t errlen)
{
    ent_data *d;
    char **files = NULL;
    size_t nfiles = 0, i;
    int rc, phase;
    UErrorCode st = U_ZERO_ERROR;
    UChar id[64];
    if (!out || !dir) {
        snprintf(err, errlen, "entities data: no directory");
        return -EINVAL;
    }
    d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    pthread_mutex_init(&d->tr_lock, NULL);
    d->ndlangs = 1; /* 0: no language */
    d->norm = malloc(sizeof *d->norm);
    if (!d->norm || vocab_init(&d->vocab) < 0 || trie_init(&d->trie) < 0) {
        snprintf(err, errlen, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    rc = norm_build(d->norm, err, errlen);
    if (rc < 0)
        goto out;
    rc = list_files(dir, &files, &nfiles, err, errlen);
    if (rc < 0)
        goto out;
    for (phase = 0; phase < 2 && rc == 0; phase++)
        for (i = 0; i < nfiles && rc == 0; i++)
            rc = load_file(d, files[i], phase, err, errlen);
    if (rc < 0)
        goto out;
    u_uastrcpy(id, "Any-Latin; Latin-ASCII");
    d->tr_proto = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &st);
    if (U_FAILURE(st))
        d->tr_proto = NULL;
out:
    for (i = 0; i < nfiles; i++)
        free(files[i]);
    free(files);
    if (rc < 0) {
        ent_data_free(d);
        return rc;
    }
    *out = d;
    return 0;
}
