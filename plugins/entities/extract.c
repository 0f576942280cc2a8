/*
 * ent_extract(): cuts the text into blocks at line ends, runs the rules on
 * each block and moves the block's entities to the result in text order.
 * Dates without a year get the year of the last date that had one (or the
 * first one of the report, or opts->ref_year) and "year_inferred": true.
 */
#include "ent_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>

#define BLOCK_MAX (64u << 10)

static const char *const type_names[ENT_NTYPES] = {
    "PERSON", "ORG", "LOC", "DATE", "DOCREF", "QUANTITY", "MONEY", "PERCENT", "URL",
    "EMAIL"};

const char *ent_type_name(int type)
{
    return type >= 0 && type < ENT_NTYPES ? type_names[type] : NULL;
}

int ent_type_from_name(const char *name)
{
    int i;
    for (i = 0; name && i < ENT_NTYPES; i++)
        if (!strcmp(type_names[i], name))
            return i;
    return -1;
}

void ent_list_clear(ent_list *l)
{
    size_t i;
    if (!l)
        return;
    for (i = 0; i < l->n; i++) {
        free(l->v[i].text);
        free(l->v[i].value);
        free(l->v[i].key);
        free(l->v[i].attrs);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

void take(ent_ctx *c, size_t i, size_t j)
{
    for (; i < j && i < c->ntok; i++)
        c->tok[i].flags |= TF_TAKEN;
}

int taken(const ent_ctx *c, size_t i, size_t j)
{
    for (; i < j && i < c->ntok; i++)
        if (c->tok[i].flags & TF_TAKEN)
            return 1;
    return 0;
}

ent_cand_ent *cand_add(ent_ctx *c, int type, size_t start, size_t end, int ti, int tj,
                       double conf, char *value, char *key, char *attrs)
{
    ent_cand_ent *e;
    if (c->nc == c->capc) {
        size_t cap = c->capc ? c->capc * 2 : 64;
        ent_cand_ent *n = realloc(c->c, cap * sizeof *n);
        if (!n) {
            free(value);
            free(key);
            free(attrs);
            c->err = -ENOMEM;
            return NULL;
        }
        c->c = n;
        c->capc = cap;
    }
    e = &c->c[c->nc++];
    memset(e, 0, sizeof *e);
    e->type = type;
    e->start = start;
    e->end = end;
    e->conf = conf;
    e->value = value;
    e->key = key;
    e->attrs = attrs;
    e->tstart = ti;
    e->tend = tj;
    e->seq = c->seq++;
    if (ti >= 0 && tj >= ti)
        take(c, (size_t)ti, (size_t)tj);
    return e;
}

char *key_of_span(ent_ctx *c, size_t start, size_t end)
{
    sbuf k;
    sbuf *f = &c->kf;
    size_t i, lo = 0, hi = c->ntok;
    sb_init(&k);
    /* the first token that ends after start */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->tok[mid].e <= start)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (i = lo; i < c->ntok; i++) {
        const ent_tok *t = &c->tok[i];
        size_t s;
        if (t->e <= start)
            continue;
        if (t->s >= end)
            break;
        if (t->kind == TK_PUNCT)
            continue;
        s = t->s < start ? start : t->s;
        data_match_form(c->d, c->text + s, (t->e < end ? t->e : end) - s, f);
        if (!f->len)
            continue;
        if (k.len)
            sb_addc(&k, ' ');
        sb_add(&k, f->s, f->len);
    }
    sb_cstr(&k);
    return sb_take(&k);
}

/* ---- latin reading ------------------------------------------------------ */

static void *tr_get(ent_ctx *c)
{
    ent_data *d = (ent_data *)c->d; /* only the pool is touched, under lock */
    void *t = NULL;
    UErrorCode st = U_ZERO_ERROR;
    if (c->tr)
        return c->tr;
    if (!d->tr_proto)
        return NULL;
    pthread_mutex_lock(&d->tr_lock);
    if (d->tr_n > 0)
        t = d->tr_pool[--d->tr_n];
    else
        t = utrans_clone(d->tr_proto, &st);
    pthread_mutex_unlock(&d->tr_lock);
    if (U_FAILURE(st))
        t = NULL;
    c->tr = t;
    return t;
}

void latin_release(ent_ctx *c)
{
    ent_data *d = (ent_data *)c->d;
    if (!c->tr)
        return;
    pthread_mutex_lock(&d->tr_lock);
    if (d->tr_n == d->tr_cap) {
        size_t cap = d->tr_cap ? d->tr_cap * 2 : 4;
        void **np = realloc(d->tr_pool, cap * sizeof *np);
        if (np) {
            d->tr_pool = np;
            d->tr_cap = cap;
        }
    }
    if (d->tr_n < d->tr_cap) {
        d->tr_pool[d->tr_n++] = c->tr;
        c->tr = NULL;
    }
    pthread_mutex_unlock(&d->tr_lock);
    if (c->tr)
        utrans_close(c->tr);
    c->tr = NULL;
}

static char *latin_make(ent_ctx *c, const char *s);

#define LATIN_CACHE_MAX 4096

/* latin_make() with a per-call cache: a report names the same people and
 * places again and again, and ICU transliteration is the dearest step. */
/* The cache starts small and doubles at half full (a fresh 8k-slot table
 * per document cost more in page faults than the lookups saved). */
static int latin_grow(ent_ctx *c)
{
    size_t nmask = c->lat ? 2 * c->latmask + 1 : 63;
    __typeof__(c->lat) nt = calloc(nmask + 1, sizeof *nt);
    if (!nt)
        return -1;
    for (size_t i = 0; c->lat && i <= c->latmask; i++) {
        size_t k;
        if (!c->lat[i].h)
            continue;
        for (k = c->lat[i].h & nmask; nt[k].h; k = (k + 1) & nmask)
            ;
        nt[k] = c->lat[i];
    }
    free(c->lat);
    c->lat = nt;
    c->latmask = nmask;
    return 0;
}

char *latin_of(ent_ctx *c, const char *s)
{
    uint64_t h = ent_hash(s, strlen(s));
    size_t k;
    char *lat;
    if ((!c->lat || (2 * (c->nlat + 1) > c->latmask + 1 && c->nlat < LATIN_CACHE_MAX)) &&
        latin_grow(c) < 0 && !c->lat)
        return latin_make(c, s);
    for (k = h & c->latmask; c->lat[k].h; k = (k + 1) & c->latmask)
        if (c->lat[k].h == h && !strcmp(c->lat[k].value, s))
            return c->lat[k].latin ? strdup(c->lat[k].latin) : NULL;
    lat = latin_make(c, s);
    if (c->nlat < LATIN_CACHE_MAX && 2 * (c->nlat + 1) <= c->latmask + 1) {
        char *v = strdup(s), *l = lat ? strdup(lat) : NULL;
        if (v && (l || !lat)) {
            c->lat[k].h = h;
            c->lat[k].value = v;
            c->lat[k].latin = l;
            c->nlat++;
        } else {
            free(v);
            free(l);
        }
    }
    return lat;
}

void latin_cache_free(ent_ctx *c)
{
    size_t k;
    if (!c->lat)
        return;
    for (k = 0; k <= c->latmask; k++) {
        free(c->lat[k].value);
        free(c->lat[k].latin);
    }
    free(c->lat);
    c->lat = NULL;
    c->latmask = c->nlat = 0;
}

static char *latin_make(ent_ctx *c, const char *s)
{
    UChar buf[512];
    int32_t n = 0, lim, cap = 512;
    UErrorCode st = U_ZERO_ERROR;
    char out[1024];
    int32_t on = 0;
    void *tr = tr_get(c);
    size_t i;
    int ascii = 1;
    for (i = 0; s[i]; i++)
        if ((unsigned char)s[i] >= 0x80)
            ascii = 0;
    if (ascii)
        return strdup(s);
    if (!tr || strlen(s) > 300)
        return NULL;
    u_strFromUTF8(buf, 256, &n, s, -1, &st);
    if (U_FAILURE(st))
        return NULL;
    lim = n;
    utrans_transUChars(tr, buf, &n, cap, 0, &lim, &st);
    if (U_FAILURE(st) || n >= cap)
        return NULL;
    u_strToUTF8(out, sizeof out - 1, &on, buf, n, &st);
    if (U_FAILURE(st))
        return NULL;
    out[on] = '\0';
    return strdup(out);
}

/* ---- moving a block's entities to the result ----------------------------- */

static int cmp_cand(const void *a, const void *b)
{
    const ent_cand_ent *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void date_fill(ent_entity *e, int year, int month, int day, int inferred)
{
    char v[64];
    year %= 10000;
    month %= 1000;
    day %= 100;
    sbuf a;
    if (month > 100)
        snprintf(v, sizeof v, "%04d-Q%d", year, month - 100);
    else if (day > 0)
        snprintf(v, sizeof v, "%04d-%02d-%02d", year, month, day);
    else
        snprintf(v, sizeof v, "%04d-%02d", year, month);
    free(e->value);
    e->value = strdup(v);
    free(e->key);
    e->key = strdup(v);
    sb_init(&a);
    sb_adds(&a, inferred ? "{\"year_inferred\":true}" : "{}");
    free(e->attrs);
    e->attrs = sb_take(&a);
}

static struct ent_pend *realloc_pend(ent_ctx *c)
{
    size_t cap = c->cappend ? c->cappend * 2 : 16;
    struct ent_pend *np = realloc(c->pend, cap * sizeof *np);
    if (!np) {
        c->err = -ENOMEM;
        return c->pend;
    }
    c->cappend = cap;
    return np;
}

static int flush(ent_ctx *c)
{
    size_t i;
    ent_list *out = c->out;
    size_t last_end = 0;
    if (c->nc > 1)
        qsort(c->c, c->nc, sizeof *c->c, cmp_cand);
    for (i = 0; i < c->nc; i++) {
        ent_cand_ent *ce = &c->c[i];
        ent_entity *e;
        size_t li = 0, k;
        sbuf a;
        if (c->err)
            break;
        if (c->o->types && !(c->o->types & (1u << ce->type)))
            continue;
        /* entities never overlap: the rules take their tokens, and this
         * keeps the contract should two rules ever meet */
        if (ce->start < last_end || ce->end <= ce->start)
            continue;
        last_end = ce->end;
        /* the latest year the report names (not a range's end: plans) */
        if (ce->type == ENT_DATE && !ce->year_missing && ce->value && !strchr(ce->value, '/')) {
            int y = atoi(ce->value);
            if (y > 0 && (!c->o->ref_year || y <= c->o->ref_year) && y > c->last_year)
                c->last_year = y;
        }
        if (c->o->max_entities && out->n >= c->o->max_entities) {
            out->truncated = 1;
            break;
        }
        if (out->n == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 64;
            ent_entity *nv = realloc(out->v, cap * sizeof *nv);
            if (!nv) {
                c->err = -ENOMEM;
                break;
            }
            out->v = nv;
            out->cap = cap;
        }
        e = &out->v[out->n];
        memset(e, 0, sizeof *e);
        e->type = ce->type;
        e->start = ce->start;
        e->end = ce->end;
        e->confidence = ce->conf;
        e->text = strndup(c->text + ce->start, ce->end - ce->start);
        e->value = ce->value ? ce->value : strdup(e->text ? e->text : "");
        e->key = ce->key ? ce->key : strdup(e->value ? e->value : "");
        ce->value = ce->key = NULL;
        if (ce->tstart >= 0 && (size_t)ce->tstart < c->ntok) {
            li = c->tok[ce->tstart].lang;
        } else {
            /* binary search for the token holding start */
            size_t lo = 0, hi = c->ntok;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (c->tok[mid].e <= ce->start)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < c->ntok)
                li = c->tok[lo].lang;
        }
        (void)k;
        if ((int)li < c->nlangs)
            snprintf(e->lang, sizeof e->lang, "%s", c->langs[li]);
        /* the attributes in the call's scratch, then one copy */
        (void)a;
        c->kf.len = 0;
        sb_addc(&c->kf, '{');
        if (ce->attrs)
            sb_adds(&c->kf, ce->attrs);
        if (c->o->latin && e->value &&
            (e->type == ENT_PERSON || e->type == ENT_ORG || e->type == ENT_LOC)) {
            char *lat = latin_of(c, e->value);
            if (lat) {
                if (c->kf.len > 1)
                    sb_addc(&c->kf, ',');
                sb_adds(&c->kf, "\"latin\":");
                sb_json_str(&c->kf, lat, strlen(lat));
                free(lat);
            }
        }
        sb_addc(&c->kf, '}');
        e->attrs = c->kf.oom ? NULL : strndup(c->kf.s, c->kf.len);
        out->n++;
        if (!e->text || !e->value || !e->key || !e->attrs) {
            c->err = -ENOMEM;
            break;
        }
        if (ce->type == ENT_DATE && ce->year_missing) {
            if (c->npend < c->cappend ||
                       (c->pend = realloc_pend(c)) != NULL) {
                /* filled at the end with the latest year of the report */
                c->pend[c->npend].idx = out->n - 1;
                c->pend[c->npend].month = ce->month;
                c->pend[c->npend].day = ce->day;
                c->npend++;
            }
        }
    }
    for (i = 0; i < c->nc; i++) {
        free(c->c[i].value);
        free(c->c[i].key);
        free(c->c[i].attrs);
    }
    c->nc = 0;
    return c->err;
}

static void fill_pending(ent_ctx *c)
{
    size_t i;
    int y = c->last_year ? c->last_year : c->o->ref_year;
    for (i = 0; i < c->npend; i++) {
        ent_entity *e = &c->out->v[c->pend[i].idx];
        int month = c->pend[i].month, day = c->pend[i].day;
        if (y > 0) {
            date_fill(e, y, month, day, 1);
        } else {
            char v[32];
            if (month > 100)
                snprintf(v, sizeof v, "Q%d", month - 100);
            else if (day > 0)
                snprintf(v, sizeof v, "--%02d-%02d", month, day);
            else
                snprintf(v, sizeof v, "--%02d", month);
            free(e->value);
            free(e->key);
            e->value = strdup(v);
            e->key = strdup(v);
            free(e->attrs);
            e->attrs = strdup("{\"year_missing\":true}");
        }
        if (!e->value || !e->key || !e->attrs)
            c->err = -ENOMEM;
    }
}

/* The end of the block starting at s: the next line end, or a space (or a
 * character boundary) before BLOCK_MAX. */
static size_t block_end(const char *t, size_t len, size_t s)
{
    size_t lim = len - s > BLOCK_MAX ? s + BLOCK_MAX : len, e;
    const char *nl = memchr(t + s, '\n', lim - s);
    if (nl)
        return (size_t)(nl - t) + 1;
    if (lim == len)
        return len;
    for (e = lim; e > s + BLOCK_MAX / 2; e--)
        if (t[e] == ' ')
            return e;
    e = lim;
    while (e > s && ((unsigned char)t[e] & 0xC0) == 0x80)
        e--;
    return e > s ? e : lim;
}

int ent_extract(const ent_data *d, const char *text, size_t len, const ent_opts *opts,
                ent_list *out)
{
    ent_ctx c;
    ent_opts defaults = {0};
    size_t s = 0;
    int rc = 0;
    if (!d || !out || (!text && len))
        return -EINVAL;
    memset(&c, 0, sizeof c);
    c.d = d;
    c.o = opts ? opts : &defaults;
    c.text = text;
    c.len = len;
    c.out = out;
    sb_init(&c.nb);
    while (s < len) {
        size_t e = block_end(text, len, s);
        rc = tok_block(&c, s, e);
        if (rc < 0)
            break;
        pat_code(&c);
        pat_date(&c);
        pat_num(&c);
        names_run(&c);
        resolve_block(&c);
        if (c.err) {
            rc = c.err;
            break;
        }
        rc = flush(&c);
        if (rc < 0 || out->truncated)
            break;
        s = e;
    }
    if (rc == 0) {
        fill_pending(&c);
        rc = c.err;
    }
    latin_release(&c);
    latin_cache_free(&c);
    resolve_free(&c);
    for (size_t i = 0; i < c.nc; i++) {
        free(c.c[i].value);
        free(c.c[i].key);
        free(c.c[i].attrs);
    }
    free(c.c);
    free(c.pend);
    free(c.tok);
    sb_free(&c.nb);
    sb_free(&c.form);
    sb_free(&c.kf);
    if (rc < 0)
        ent_list_clear(out);
    return rc;
}
