/* Loading and matching the marker lists (markers.h). */
#include "markers.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

typedef struct mlist {
    UChar **s; /* NFC, owned */
    int32_t *n;
    UChar32 *first; /* simple case folding of the first character, or -1
                       when its full folding differs (check it fully) */
    size_t count;
} mlist;

typedef struct alist {
    char **s; /* lower-case ASCII words, owned */
    size_t count;
} alist;

struct pmarkers {
    mlist source;
    mlist boiler; /* comments, ads and boilerplate phrases */
    mlist byline_prefix;
    mlist images;
    mlist separators;
    alist html_drop;
    alist html_caption;
};

static void mlist_free(mlist *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->s[i]);
    free(l->s);
    free(l->n);
    free(l->first);
    memset(l, 0, sizeof *l);
}

/* The simple folding of the first character of s, or -1 when simple and
 * full folding differ for it (ß, ligatures): then no shortcut. */
static UChar32 first_fold(const UChar *s, int32_t n)
{
    UChar32 c, f;
    UChar full[8];
    UErrorCode e = U_ZERO_ERROR;
    int32_t k;
    if (n <= 0)
        return -1;
    U16_GET(s, 0, 0, n, c);
    f = u_foldCase(c, U_FOLD_CASE_DEFAULT);
    if (pclass(c) & PC_FOLD1) /* simple folding is full folding */
        return f;
    k = u_strFoldCase(full, 8, s, U16_LENGTH(c), U_FOLD_CASE_DEFAULT, &e);
    if (U_FAILURE(e) || k != U16_LENGTH(f))
        return -1;
    {
        UChar32 g;
        U16_GET(full, 0, 0, k, g);
        return g == f ? f : -1;
    }
}

static void alist_free(alist *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->s[i]);
    free(l->s);
    memset(l, 0, sizeof *l);
}

pmarkers *markers_free(pmarkers *m)
{
    if (!m)
        return NULL;
    mlist_free(&m->source);
    mlist_free(&m->boiler);
    mlist_free(&m->byline_prefix);
    mlist_free(&m->images);
    mlist_free(&m->separators);
    alist_free(&m->html_drop);
    alist_free(&m->html_caption);
    free(m);
    return NULL;
}

/* Adds one UTF-8 marker, NFC-normalized.  Separators keep their spaces;
 * other markers are trimmed. */
static int mlist_add(mlist *l, const char *utf8, int keep_spaces)
{
    ubuf b = {0};
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *nfc = unorm2_getNFCInstance(&e);
    UChar *out = NULL;
    int32_t n, start = 0;
    UChar **ns;
    int32_t *nn;
    int rc = ubuf_append_utf8(&b, utf8, strlen(utf8));
    if (rc < 0)
        goto out;
    n = b.len;
    if (!keep_spaces) {
        while (start < n && txt_is_space(b.s[start]))
            start++;
        while (n > start && txt_is_space(b.s[n - 1]))
            n--;
    }
    if (n <= start) {
        rc = -EINVAL;
        goto out;
    }
    out = malloc(((size_t)(n - start) * 3 + 1) * sizeof(UChar));
    if (!out) {
        rc = -ENOMEM;
        goto out;
    }
    n = unorm2_normalize(nfc, b.s + start, n - start, out, (n - start) * 3,
                         &e);
    if (U_FAILURE(e)) {
        rc = -EINVAL;
        goto out;
    }
    out[n] = 0;
    ns = realloc(l->s, (l->count + 1) * sizeof *ns);
    if (!ns) {
        rc = -ENOMEM;
        goto out;
    }
    l->s = ns;
    nn = realloc(l->n, (l->count + 1) * sizeof *nn);
    if (!nn) {
        rc = -ENOMEM;
        goto out;
    }
    l->n = nn;
    {
        UChar32 *nf = realloc(l->first, (l->count + 1) * sizeof *nf);
        if (!nf) {
            rc = -ENOMEM;
            goto out;
        }
        l->first = nf;
    }
    l->s[l->count] = out;
    l->n[l->count] = n;
    l->first[l->count] = first_fold(out, n);
    l->count++;
    out = NULL;
    rc = 0;
out:
    free(out);
    ubuf_free(&b);
    return rc;
}

static int alist_add(alist *l, const char *s)
{
    char **ns, *c;
    size_t k = strlen(s);
    if (!k)
        return -EINVAL;
    c = malloc(k + 1);
    if (!c)
        return -ENOMEM;
    for (size_t i = 0; i <= k; i++)
        c[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
    ns = realloc(l->s, (l->count + 1) * sizeof *ns);
    if (!ns) {
        free(c);
        return -ENOMEM;
    }
    l->s = ns;
    l->s[l->count++] = c;
    return 0;
}

/* Reads an array of strings at obj[key] (absent is fine). */
static int load_array(const json_t *obj, const char *where, const char *key,
                      mlist *ml, alist *al, int keep_spaces, char *err,
                      size_t errlen)
{
    json_t *arr = json_object_get(obj, key), *v;
    const char *dot = *where ? "." : "";
    size_t i;
    if (!arr)
        return 0;
    if (!json_is_array(arr)) {
        perr(err, errlen, "%s%s%s: not an array of strings", where, dot,
             key);
        return -EINVAL;
    }
    json_array_foreach(arr, i, v)
    {
        int rc;
        if (!json_is_string(v) || !json_string_length(v)) {
            perr(err, errlen, "%s%s%s[%zu]: not a non-empty string", where,
                 dot, key, i);
            return -EINVAL;
        }
        rc = ml ? mlist_add(ml, json_string_value(v), keep_spaces)
                : alist_add(al, json_string_value(v));
        if (rc < 0) {
            perr(err, errlen, "%s%s%s[%zu]: %s", where, dot, key, i,
                 rc == -ENOMEM ? "out of memory" : "blank marker");
            return rc;
        }
    }
    return 0;
}

static const char *const lang_keys[] = {"source", "comments", "ads",
                                        "boilerplate", "byline_prefixes",
                                        "images", NULL};

int markers_load(const char *path, pmarkers **out, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = NULL, *langs, *lv, *kv;
    const char *lname, *key;
    pmarkers *m = NULL;
    int rc = -EINVAL;
    char where[96];

    root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        perr(err, errlen, "%s:%d: %s", path, je.line, je.text);
        return -EINVAL;
    }
    if (!json_is_object(root)) {
        perr(err, errlen, "%s: not a JSON object", path);
        goto out;
    }
    m = calloc(1, sizeof *m);
    if (!m) {
        rc = -ENOMEM;
        goto out;
    }
    json_object_foreach(root, key, lv)
    {
        if (strcmp(key, "languages") && strcmp(key, "byline_separators") &&
            strcmp(key, "html_drop") && strcmp(key, "html_captions") &&
            strcmp(key, "comment") && strcmp(key, "version")) {
            perr(err, errlen, "%s: unknown key \"%s\"", path, key);
            goto out;
        }
    }
    langs = json_object_get(root, "languages");
    if (!json_is_object(langs)) {
        perr(err, errlen, "%s: \"languages\" missing or not an object", path);
        goto out;
    }
    json_object_foreach(langs, lname, lv)
    {
        snprintf(where, sizeof where, "languages.%.40s", lname);
        if (!json_is_object(lv)) {
            perr(err, errlen, "%s: %s: not an object", path, where);
            goto out;
        }
        json_object_foreach(lv, key, kv)
        {
            int ok = 0;
            for (int i = 0; lang_keys[i]; i++)
                ok |= !strcmp(key, lang_keys[i]);
            if (!ok) {
                perr(err, errlen, "%s: %s: unknown key \"%s\"", path, where,
                     key);
                goto out;
            }
        }
        if ((rc = load_array(lv, where, "source", &m->source, NULL, 0, err,
                             errlen)) < 0 ||
            (rc = load_array(lv, where, "comments", &m->boiler, NULL, 0, err,
                             errlen)) < 0 ||
            (rc = load_array(lv, where, "ads", &m->boiler, NULL, 0, err,
                             errlen)) < 0 ||
            (rc = load_array(lv, where, "boilerplate", &m->boiler, NULL, 0,
                             err, errlen)) < 0 ||
            (rc = load_array(lv, where, "byline_prefixes", &m->byline_prefix,
                             NULL, 0, err, errlen)) < 0 ||
            (rc = load_array(lv, where, "images", &m->images, NULL, 0, err,
                             errlen)) < 0)
            goto prefix;
    }
    if ((rc = load_array(root, "", "byline_separators", &m->separators, NULL,
                         1, err, errlen)) < 0 ||
        (rc = load_array(root, "", "html_drop", NULL, &m->html_drop, 0, err,
                         errlen)) < 0 ||
        (rc = load_array(root, "", "html_captions", NULL, &m->html_caption, 0,
                         err, errlen)) < 0)
        goto prefix;
    *out = m;
    m = NULL;
    rc = 0;
    goto out;
prefix:
    /* Put the file name in front of the message load_array wrote. */
    {
        char tmp[256];
        snprintf(tmp, sizeof tmp, "%s", err ? err : "");
        perr(err, errlen, "%s: %s", path, tmp);
    }
out:
    markers_free(m);
    json_decref(root);
    return rc;
}

/* --- matching ------------------------------------------------------------ */

static int is_digit_at(const UChar *s, int32_t i, int32_t n)
{
    return i < n && u_isdigit(s[i]);
}

/* What may follow a boilerplate marker: nothing, a counter "(12)", ": 12",
 * " 12", "_2", and a trailing ':', '...', '>>', '»'. */
static int counter_tail(const UChar *s, int32_t i, int32_t n)
{
    while (i < n && (s[i] == ' ' || s[i] == '_' || s[i] == '-' ||
                     s[i] == ':'))
        i++;
    if (i < n && s[i] == '(') {
        i++;
        while (is_digit_at(s, i, n))
            i++;
        if (i >= n || s[i] != ')')
            return 0;
        i++;
    } else {
        while (is_digit_at(s, i, n))
            i++;
    }
    while (i < n && (s[i] == ' ' || s[i] == ':' || s[i] == '.' ||
                     s[i] == 0x2026 || s[i] == '>' || s[i] == 0xBB ||
                     s[i] == 0x203A))
        i++;
    return i == n;
}

static int list_shape_match(const mlist *l, const UChar *s, int32_t n)
{
    UChar32 fc;
    /* Strip one pair of enclosing brackets: "[διαφήμιση_2]". */
    if (n >= 2 && ((s[0] == '[' && s[n - 1] == ']') ||
                   (s[0] == '(' && s[n - 1] == ')') ||
                   (s[0] == '<' && s[n - 1] == '>'))) {
        s++;
        n -= 2;
        while (n > 0 && s[0] == ' ') {
            s++;
            n--;
        }
        while (n > 0 && s[n - 1] == ' ')
            n--;
    }
    fc = first_fold(s, n);
    for (size_t i = 0; i < l->count; i++) {
        int32_t k = l->n[i];
        if (fc >= 0 && l->first[i] >= 0 && fc != l->first[i])
            continue;
        if (txt_starts_with_ci(s, n, l->s[i], k) && counter_tail(s, k, n))
            return 1;
    }
    return 0;
}

int markers_is_boilerplate(const pmarkers *m, const UChar *s, int32_t n)
{
    if (!m || n <= 0 || n > 200)
        return 0;
    return list_shape_match(&m->boiler, s, n);
}

int markers_is_image(const pmarkers *m, const UChar *s, int32_t n)
{
    if (!m || n <= 0 || n > 200)
        return 0;
    return list_shape_match(&m->images, s, n);
}

/* The marker must end on a word boundary. */
static int word_end(const UChar *s, int32_t k, int32_t n)
{
    UChar32 c;
    if (k >= n)
        return 1;
    U16_GET(s, 0, k, n, c);
    return !(u_isalnum(c) || u_getIntPropertyValue(c, UCHAR_GENERAL_CATEGORY_MASK) &
                                 U_GC_M_MASK);
}

int markers_source(const pmarkers *m, const UChar *s, int32_t n,
                   int32_t *rest)
{
    UChar32 fc;
    if (!m || n <= 0 || n > 600)
        return 0;
    fc = first_fold(s, n);
    for (size_t i = 0; i < m->source.count; i++) {
        int32_t k = m->source.n[i], j, ul;
        if (fc >= 0 && m->source.first[i] >= 0 && fc != m->source.first[i])
            continue;
        if (!txt_starts_with_ci(s, n, m->source.s[i], k) || !word_end(s, k, n))
            continue;
        j = k;
        while (j < n && s[j] == ' ')
            j++;
        if (j == n) {
            *rest = n;
            return 1;
        }
        if (s[j] == ':' || s[j] == 0xFF1A || s[j] == '-' || s[j] == 0x2013 ||
            s[j] == 0x2014) {
            j++;
            while (j < n && s[j] == ' ')
                j++;
            *rest = j;
            return 1;
        }
        if (txt_find_url(s + j, n - j, &ul) == 0) {
            *rest = j;
            return 1;
        }
    }
    return 0;
}

int markers_byline_prefix(const pmarkers *m, const UChar *s, int32_t n,
                          int32_t *rest)
{
    UChar32 fc;
    if (!m || n <= 0)
        return 0;
    fc = first_fold(s, n);
    for (size_t i = 0; i < m->byline_prefix.count; i++) {
        int32_t k = m->byline_prefix.n[i], j;
        if (fc >= 0 && m->byline_prefix.first[i] >= 0 &&
            fc != m->byline_prefix.first[i])
            continue;
        if (!txt_starts_with_ci(s, n, m->byline_prefix.s[i], k) ||
            !word_end(s, k, n) || k >= n)
            continue;
        j = k;
        while (j < n && (s[j] == ' ' || s[j] == ':'))
            j++;
        if (j == k || j >= n)
            continue;
        *rest = j;
        return 1;
    }
    return 0;
}

size_t markers_n_separators(const pmarkers *m)
{
    return m ? m->separators.count : 0;
}

const UChar *markers_separator(const pmarkers *m, size_t i, int32_t *n)
{
    *n = m->separators.n[i];
    return m->separators.s[i];
}

static int attr_match(const alist *l, const char *attr)
{
    const char *p = attr;
    if (!attr)
        return 0;
    while (*p) {
        const char *q;
        size_t k;
        while (*p == ' ' || *p == '-' || *p == '_' || *p == '\t' ||
               *p == '\n')
            p++;
        q = p;
        while (*q && *q != ' ' && *q != '-' && *q != '_' && *q != '\t' &&
               *q != '\n')
            q++;
        k = (size_t)(q - p);
        for (size_t i = 0; k && i < l->count; i++) {
            size_t j = 0;
            const char *w = l->s[i];
            for (; j < k && w[j]; j++) {
                char c = p[j];
                if (c >= 'A' && c <= 'Z')
                    c = (char)(c + 32);
                if (c != w[j])
                    break;
            }
            if (j == k && !w[j])
                return 1;
        }
        p = q;
    }
    return 0;
}

int markers_html_drop(const pmarkers *m, const char *attr)
{
    return m && attr_match(&m->html_drop, attr);
}

int markers_html_caption(const pmarkers *m, const char *attr)
{
    return m && attr_match(&m->html_caption, attr);
}
