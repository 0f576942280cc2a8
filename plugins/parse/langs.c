/* Loading language profiles and looking up stop words (langs.h). */
#include "langs.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#define WORD_MAX 48 /* longer words are never stop words */
#define BLOOM_BITS 8192
#define BLOOM_BIT(h) (((h) >> 19) & (BLOOM_BITS - 1))

struct entry {
    uint32_t h; /* hash(w) */
    int32_t n;
    uint64_t mask;
    UChar *w; /* folded NFC; NULL: empty slot */
};

struct plangs {
    int n;
    char name[LANGS_MAX][16];
    UScriptCode script[LANGS_MAX];
    struct entry *tab; /* open addressing, size cap (power of two) */
    size_t cap, used;
    int32_t maxlen; /* of the folded stop words */
    int32_t maxlen_of[LANGS_MAX]; /* of each profile's */
    /* A bit per BLOOM_BITS of hash values: clear, no stop word has one of
     * them (most words are not stop words: the table is not read). */
    uint64_t bloom[BLOOM_BITS / 64];
    /* The default language of each script, "" when none. */
    char script_lang[USCRIPT_CODE_LIMIT][16];
};

plangs *langs_free(plangs *l)
{
    if (!l)
        return NULL;
    for (size_t i = 0; i < l->cap; i++)
        free(l->tab[i].w);
    free(l->tab);
    free(l);
    return NULL;
}

int langs_count(const plangs *l) { return l ? l->n : 0; }

const char *langs_name(const plangs *l, int i) { return l->name[i]; }

#define HASH_INIT 2166136261u
#define HASH_STEP(h, c) (((h) ^ (c)) * 16777619u)

static uint32_t hash(const UChar *w, int32_t n)
{
    uint32_t h = HASH_INIT;
    for (int32_t i = 0; i < n; i++)
        h = HASH_STEP(h, w[i]);
    return h;
}

/* Folds (and NFC-normalizes) w into out[WORD_MAX]; length or -1.  *h:
 * hash(out), when h is not NULL. */
static int32_t fold(const UChar *w, int32_t n, UChar *out, uint32_t *h)
{
    UErrorCode e = U_ZERO_ERROR;
    UChar tmp[WORD_MAX * 2];
    const UNormalizer2 *nfc;
    uint32_t hh = HASH_INIT;
    int32_t k;
    if (n <= 0 || n > WORD_MAX)
        return -1;
    /* Most words fold one character at a time (ASCII, Arabic, Greek,
     * precomposed Vietnamese): no string folding, no normalization. */
    for (k = 0; k < n; k++) {
        UChar c = pfold[w[k]];
        if (!c)
            break;
        out[k] = c;
        hh = HASH_STEP(hh, c);
    }
    if (k == n) {
        if (h)
            *h = hh;
        return n;
    }
    k = u_strFoldCase(tmp, WORD_MAX * 2, w, n, U_FOLD_CASE_DEFAULT, &e);
    if (U_FAILURE(e) || k > WORD_MAX * 2)
        return -1;
    nfc = unorm2_getNFCInstance(&e);
    if (U_FAILURE(e))
        return -1;
    if (unorm2_quickCheck(nfc, tmp, k, &e) == UNORM_YES && U_SUCCESS(e)) {
        if (k > WORD_MAX)
            return -1;
        memcpy(out, tmp, (size_t)k * sizeof(UChar));
    } else {
        e = U_ZERO_ERROR;
        k = unorm2_normalize(nfc, tmp, k, out, WORD_MAX, &e);
        if (U_FAILURE(e) || e == U_STRING_NOT_TERMINATED_WARNING)
            return -1;
    }
    if (h)
        *h = hash(out, k);
    return k;
}

static struct entry *find_slot(struct entry *tab, size_t cap, const UChar *w,
                               int32_t n, uint32_t h)
{
    size_t i = h & (cap - 1);
    for (;;) {
        struct entry *e = &tab[i];
        if (!e->w || (e->h == h && e->n == n &&
                      !memcmp(e->w, w, (size_t)n * 2)))
            return e;
        i = (i + 1) & (cap - 1);
    }
}

static int grow(plangs *l)
{
    size_t cap = l->cap ? l->cap * 2 : 1024;
    struct entry *t = calloc(cap, sizeof *t);
    if (!t)
        return -ENOMEM;
    for (size_t i = 0; i < l->cap; i++) {
        if (l->tab[i].w)
            *find_slot(t, cap, l->tab[i].w, l->tab[i].n, l->tab[i].h) =
                l->tab[i];
    }
    free(l->tab);
    l->tab = t;
    l->cap = cap;
    return 0;
}

static int add_word(plangs *l, const char *utf8, int prof)
{
    ubuf b = {0};
    UChar f[WORD_MAX];
    int32_t k;
    uint32_t h;
    struct entry *e;
    int rc = ubuf_append_utf8(&b, utf8, strlen(utf8));
    if (rc < 0)
        return rc;
    k = fold(b.s, b.len, f, &h);
    ubuf_free(&b);
    if (k <= 0)
        return -EINVAL;
    if ((l->used + 1) * 2 > l->cap && (rc = grow(l)) < 0)
        return rc;
    e = find_slot(l->tab, l->cap, f, k, h);
    if (!e->w) {
        e->w = malloc((size_t)k * sizeof(UChar));
        if (!e->w)
            return -ENOMEM;
        memcpy(e->w, f, (size_t)k * sizeof(UChar));
        e->n = k;
        e->h = h;
        l->used++;
        l->bloom[BLOOM_BIT(h) / 64] |= (uint64_t)1 << (BLOOM_BIT(h) % 64);
        if (k > l->maxlen)
            l->maxlen = k;
    }
    e->mask |= (uint64_t)1 << prof;
    if (k > l->maxlen_of[prof])
        l->maxlen_of[prof] = k;
    return 0;
}

static int script_code(const char *name, UScriptCode *out)
{
    for (int c = 0; c < USCRIPT_CODE_LIMIT; c++) {
        const char *s = uscript_getShortName((UScriptCode)c);
        if (s && !strcmp(s, name)) {
            *out = (UScriptCode)c;
            return 0;
        }
    }
    return -EINVAL;
}

static int valid_tag(const char *t)
{
    size_t k = strlen(t);
    if (k < 2 || k > 15)
        return 0;
    for (size_t i = 0; i < k; i++) {
        char c = t[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-'))
            return 0;
    }
    return 1;
}

static int load_profiles(plangs *l, json_t *profs, const char *path,
                         char *err, size_t errlen)
{
    const char *lname, *k;
    json_t *pv, *v;
    json_object_foreach(profs, lname, pv)
    {
        json_t *sw, *sc;
        size_t i;
        int p = l->n;
        if (p >= LANGS_MAX) {
            perr(err, errlen, "%s: more than %d profiles", path, LANGS_MAX);
            return -EINVAL;
        }
        if (!valid_tag(lname) || !json_is_object(pv)) {
            perr(err, errlen, "%s: profiles.%.40s: bad language tag or not "
                 "an object", path, lname);
            return -EINVAL;
        }
        json_object_foreach(pv, k, v)
        {
            if (strcmp(k, "script") && strcmp(k, "stopwords") &&
                strcmp(k, "comment")) {
                perr(err, errlen, "%s: profiles.%s: unknown key \"%s\"", path,
                     lname, k);
                return -EINVAL;
            }
        }
        sc = json_object_get(pv, "script");
        sw = json_object_get(pv, "stopwords");
        if (!json_is_string(sc) ||
            script_code(json_string_value(sc), &l->script[p]) < 0) {
            perr(err, errlen, "%s: profiles.%s.script: not an ISO 15924 "
                 "code ICU knows", path, lname);
            return -EINVAL;
        }
        if (!json_is_array(sw)) {
            perr(err, errlen, "%s: profiles.%s.stopwords: not an array",
                 path, lname);
            return -EINVAL;
        }
        snprintf(l->name[p], sizeof l->name[p], "%s", lname);
        l->n++;
        json_array_foreach(sw, i, v)
        {
            int rc;
            if (!json_is_string(v)) {
                perr(err, errlen, "%s: profiles.%s.stopwords[%zu]: not a "
                     "string", path, lname, i);
                return -EINVAL;
            }
            rc = add_word(l, json_string_value(v), p);
            if (rc < 0) {
                perr(err, errlen, "%s: profiles.%s.stopwords[%zu]: %s", path,
                     lname, i, rc == -ENOMEM ? "out of memory"
                                             : "empty or longer than 48");
                return rc;
            }
        }
    }
    return 0;
}

int langs_load(const char *path, plangs **out, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root, *scripts, *profs, *v;
    const char *k;
    plangs *l = NULL;
    int rc = -EINVAL;

    root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        perr(err, errlen, "%s:%d: %s", path, je.line, je.text);
        return -EINVAL;
    }
    if (!json_is_object(root)) {
        perr(err, errlen, "%s: not a JSON object", path);
        goto out;
    }
    json_object_foreach(root, k, v)
    {
        if (strcmp(k, "scripts") && strcmp(k, "profiles") &&
            strcmp(k, "comment") && strcmp(k, "version")) {
            perr(err, errlen, "%s: unknown key \"%s\"", path, k);
            goto out;
        }
    }
    l = calloc(1, sizeof *l);
    if (!l) {
        rc = -ENOMEM;
        goto out;
    }
    scripts = json_object_get(root, "scripts");
    profs = json_object_get(root, "profiles");
    if ((scripts && !json_is_object(scripts)) || !json_is_object(profs)) {
        perr(err, errlen, "%s: \"scripts\" or \"profiles\" is not an object",
             path);
        goto out;
    }
    json_object_foreach(scripts, k, v)
    {
        UScriptCode sc;
        if (script_code(k, &sc) < 0 || !json_is_string(v) ||
            !valid_tag(json_string_value(v))) {
            perr(err, errlen, "%s: scripts.%.40s: unknown script or bad "
                 "language tag", path, k);
            goto out;
        }
        snprintf(l->script_lang[sc], sizeof l->script_lang[sc], "%s",
                 json_string_value(v));
    }
    if ((rc = load_profiles(l, profs, path, err, errlen)) < 0)
        goto out;
    if (!l->cap && (rc = grow(l)) < 0)
        goto out;
    *out = l;
    l = NULL;
    rc = 0;
out:
    langs_free(l);
    json_decref(root);
    return rc;
}

uint64_t langs_lookup(const plangs *l, const UChar *w, int32_t n)
{
    UChar f[WORD_MAX];
    int32_t k;
    uint32_t h;
    struct entry *e;
    if (!l || !l->used || n <= 0 || n > WORD_MAX)
        return 0;
    k = fold(w, n, f, &h);
    if (k <= 0 || k > l->maxlen ||
        !(l->bloom[BLOOM_BIT(h) / 64] & ((uint64_t)1 << (BLOOM_BIT(h) % 64))))
        return 0;
    e = find_slot(l->tab, l->cap, f, k, h);
    return e->w ? e->mask : 0;
}

int32_t langs_max_len(const plangs *l, uint64_t mask)
{
    int32_t m = 0;
    for (int i = 0; l && i < l->n; i++)
        if ((mask & ((uint64_t)1 << i)) && l->maxlen_of[i] > m)
            m = l->maxlen_of[i];
    return m;
}

uint64_t langs_lookup_in(const plangs *l, const UChar *w, int32_t n,
                         uint64_t mask, int32_t maxlen)
{
    UChar f[WORD_MAX];
    uint32_t h = HASH_INIT;
    int32_t k;
    struct entry *e;
    if (!l || !l->used || n <= 0 || n > WORD_MAX)
        return 0;
    /* fold()'s fast path, inline: every character folds to one. */
    for (k = 0; k < n; k++) {
        UChar c = pfold[w[k]];
        if (!c)
            return langs_lookup(l, w, n) & mask;
        f[k] = c;
        h = HASH_STEP(h, c);
    }
    /* The folded word is as long as the word. */
    if (n > maxlen ||
        !(l->bloom[BLOOM_BIT(h) / 64] & ((uint64_t)1 << (BLOOM_BIT(h) % 64))))
        return 0;
    e = find_slot(l->tab, l->cap, f, n, h);
    return e->w ? e->mask & mask : 0;
}

uint64_t langs_script_mask(const plangs *l, UScriptCode sc)
{
    uint64_t m = 0;
    if (!l)
        return 0;
    for (int i = 0; i < l->n; i++)
        if (l->script[i] == sc)
            m |= (uint64_t)1 << i;
    return m;
}

const char *langs_script_lang(const plangs *l, UScriptCode sc)
{
    if (!l || sc < 0 || sc >= USCRIPT_CODE_LIMIT || !l->script_lang[sc][0])
        return NULL;
    return l->script_lang[sc];
}
