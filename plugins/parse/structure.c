/*
 * The structure of a news report (pint.h): lines become blocks (joined for
 * hard-wrapped text and Markdown paragraphs), boilerplate blocks are
 * dropped, the source line and the byline are found at the tail, the title
 * at the head, and the rest are paragraphs or captions.  The rules and
 * their limits are in parse.h.
 */
#include "markers.h"
#include "pint.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unicode/uchar.h>
#include <unicode/utf16.h>

#define TITLE_MAX_CP 200
#define TITLE_MAX_WORDS 30
#define CAPTION_MAX_WORDS 25
#define CAPTION_MAX_CP 250
#define IMAGE_CAPTION_MAX_WORDS 60
#define TAIL_MAX 3
#define WRAP_MIN 50 /* editors and mailers wrap at 60-80 columns */
#define WRAP_MAX 100

enum { RK_KEEP = 0, RK_DROP, RK_SOURCE, RK_BYLINE, RK_TITLE, RK_PARA,
       RK_CAPTION };

typedef struct rblock {
    int32_t start; /* into the work buffer */
    int32_t len;
    uint8_t hint;
    uint8_t level;
    uint8_t kind;
    uint8_t after_image;
} rblock;

typedef struct rblocks {
    rblock *v;
    size_t n, cap;
    ubuf wb;
} rblocks;

static int rb_open(rblocks *r, uint8_t hint, uint8_t level)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        rblock *nv = realloc(r->v, cap * sizeof *nv);
        if (!nv)
            return -ENOMEM;
        r->v = nv;
        r->cap = cap;
    }
    memset(&r->v[r->n], 0, sizeof r->v[r->n]);
    r->v[r->n].start = r->wb.len;
    r->v[r->n].hint = hint;
    r->v[r->n].level = level;
    r->n++;
    return 0;
}

/* Appends a line to the open block, after a space when it is not empty. */
static int rb_add(rblocks *r, const UChar *s, int32_t n)
{
    rblock *b = &r->v[r->n - 1];
    int rc;
    if (b->len > 0 && n > 0 && (rc = ubuf_append_c(&r->wb, ' ')) < 0)
        return rc;
    if ((rc = ubuf_append(&r->wb, s, n)) < 0)
        return rc;
    b->len = r->wb.len - b->start;
    return 0;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static int ends_sentence(const UChar *s, int32_t n)
{
    while (n > 0 && s[n - 1] == ' ')
        n--;
    if (n <= 0)
        return 0;
    return u_hasBinaryProperty(s[n - 1], UCHAR_S_TERM) || s[n - 1] == 0x2026;
}

/* Hard-wrapped plain text: the wrap width, or 0 when the lines are
 * paragraphs already. */
static int32_t wrap_width(const UChar *buf, const plines *L)
{
    int32_t *len, w = 0;
    size_t k = 0, follow = 0, longs = 0, ends = 0;
    len = malloc((L->n + 1) * sizeof *len);
    if (!len)
        return 0;
    for (size_t i = 0; i < L->n; i++)
        if (L->v[i].len > 0 && L->v[i].hint == HINT_NONE)
            len[k++] = L->v[i].len;
    if (k >= 4) {
        qsort(len, k, sizeof *len, cmp_i32);
        w = len[(k * 9) / 10];
    }
    free(len);
    if (w < WRAP_MIN || w > WRAP_MAX)
        return 0;
    for (size_t i = 0; i + 1 < L->n; i++) {
        const pline *a = &L->v[i], *b = &L->v[i + 1];
        if (!a->len || !b->len || a->hint || b->hint)
            continue;
        follow++;
        longs += a->len * 10 >= w * 6;
        ends += ends_sentence(buf + a->start, a->len);
    }
    if (follow < 3 || longs * 10 < follow * 6 || ends * 2 > follow)
        return 0;
    return w;
}

/* A line that must stay a block of its own even in wrapped text. */
static int standalone(const pmarkers *m, const UChar *s, int32_t n)
{
    int32_t rest;
    return markers_source(m, s, n, &rest) || markers_is_boilerplate(m, s, n) ||
           markers_is_image(m, s, n);
}

static int build_blocks(const pmarkers *m, pextract *x, const plines *L,
                        rblocks *r)
{
    const UChar *buf = x->text.s;
    int32_t wrap = x->body == FMT_TEXT ? wrap_width(buf, L) : 0;
    int open = 0, rc;
    for (size_t i = 0; i < L->n; i++) {
        const pline *ln = &L->v[i];
        int joinable;
        if (ln->len == 0 && ln->hint == HINT_NONE) {
            open = 0; /* a blank line ends a block */
            continue;
        }
        joinable = ln->hint == HINT_NONE && ln->len > 0 &&
                   (x->body == FMT_MARKDOWN || wrap > 0) &&
                   !(wrap > 0 && standalone(m, buf + ln->start, ln->len));
        if (!(open && joinable)) {
            if ((rc = rb_open(r, ln->hint, ln->level)) < 0)
                return rc;
        }
        if ((rc = rb_add(r, buf + ln->start, ln->len)) < 0)
            return rc;
        /* Markdown joins every plain line; wrapped text joins a line that
         * reaches the wrap width. */
        open = joinable &&
               (x->body == FMT_MARKDOWN || ln->len * 10 >= wrap * 6);
    }
    return 0;
}

static int has_alnum(const UChar *s, int32_t n)
{
    int32_t i = 0;
    while (i < n) {
        UChar32 c;
        U16_NEXT(s, i, n, c);
        if (pclass(c) & PC_ALNUM)
            return 1;
    }
    return 0;
}

/* Drops boilerplate and image placeholders; marks what follows an image. */
static void drop_boilerplate(const pmarkers *m, rblocks *r)
{
    int image = 0;
    for (size_t i = 0; i < r->n; i++) {
        rblock *b = &r->v[i];
        const UChar *s = r->wb.s + b->start;
        if (b->hint == HINT_IMAGE || markers_is_image(m, s, b->len)) {
            b->kind = RK_DROP;
            image = 1;
            continue;
        }
        if (b->hint == HINT_DROP || !has_alnum(s, b->len) ||
            markers_is_boilerplate(m, s, b->len)) {
            b->kind = RK_DROP;
            continue;
        }
        b->after_image = (uint8_t)image;
        image = 0;
    }
}

/* --- byline ---------------------------------------------------------------- */

static int32_t trim_span(const UChar *s, int32_t *a, int32_t b)
{
    while (*a < b && s[*a] == ' ')
        (*a)++;
    while (b > *a && s[b - 1] == ' ')
        b--;
    return b - *a;
}

/* A plausible name: 1-6 words, a letter, no punctuation that names do not
 * have, capitalised where the script has case. */
static int name_ok(const UChar *s, int32_t n)
{
    int32_t i = 0, words = 0, lower = 0;
    int start = 1, letter = 0;
    if (n <= 0 || n > 60)
        return 0;
    while (i < n) {
        UChar32 c;
        U16_NEXT(s, i, n, c);
        if (c == ' ') {
            start = 1;
            continue;
        }
        if (c == ':' || c == '(' || c == ')' || c == '[' || c == ']' ||
            c == '"' || c == '|' || c == '/' || c == '@' ||
            u_hasBinaryProperty(c, UCHAR_TERMINAL_PUNCTUATION))
            if (!(c == '.' && i < n && s[i] == ' ')) /* "J. Smith" */
                return 0;
        if (u_isalpha(c)) {
            letter = 1;
            if (start) {
                words++;
                lower += u_isULowercase(c);
            }
        }
        start = 0;
    }
    return letter && words >= 1 && words <= 6 && lower <= (words > 1);
}

static void free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Splits a byline into names; 1 with *names, 0 when it is not one. */
static int byline_split(const pmarkers *m, const UChar *s, int32_t n,
                        char ***names, size_t *count)
{
    int32_t rest = 0, ul, a = 0;
    int prefixed = markers_byline_prefix(m, s, n, &rest);
    char **v = NULL;
    size_t k = 0;
    s += rest;
    n -= rest;
    if (n <= 0 || n > 150 || txt_has_digit(s, n) ||
        txt_find_url(s, n, &ul) >= 0 || txt_ends_with_punct(s, n) ||
        (!prefixed && txt_count_spaced_words(s, n, 12) > 12))
        return 0;
    while (a < n) {
        int32_t cut = n, seplen = 0, b, len;
        for (size_t j = 0; j < markers_n_separators(m); j++) {
            int32_t sl;
            const UChar *sep = markers_separator(m, j, &sl);
            for (int32_t p = a; p + sl <= cut; p++) {
                if (!memcmp(s + p, sep, (size_t)sl * 2)) {
                    if (p < cut) {
                        cut = p;
                        seplen = sl;
                    }
                    break;
                }
            }
        }
        b = a;
        len = trim_span(s, &b, cut);
        if (k >= 8 || !name_ok(s + b, len)) {
            free_names(v, k);
            return 0;
        }
        {
            char **nv = realloc(v, (k + 1) * sizeof *nv);
            if (!nv) {
                free_names(v, k);
                return -ENOMEM;
            }
            v = nv;
            v[k] = u_to_utf8_dup(s + b, len);
            if (!v[k]) {
                free_names(v, k);
                return -ENOMEM;
            }
            k++;
        }
        a = cut + seplen;
        if (seplen && a >= n) { /* a trailing separator */
            free_names(v, k);
            return 0;
        }
    }
    if (!k)
        return 0;
    *names = v;
    *count = k;
    return 1;
}

/* --- tail: source line and byline ------------------------------------------ */

static int url_only(const UChar *s, int32_t n)
{
    int32_t ul, at = txt_find_url(s, n, &ul);
    return at == 0 && ul == n;
}

static int tail_like(const UChar *s, int32_t n)
{
    return url_only(s, n) ||
           (txt_count_spaced_words(s, n, 20) <= 20 && !ends_sentence(s, n));
}

static int set_url(char **dst, const UChar *s, int32_t n)
{
    int32_t ul, at;
    if (*dst)
        return 0;
    at = txt_find_url(s, n, &ul);
    if (at < 0)
        return 0;
    *dst = u_to_utf8_dup(s + at, ul);
    return *dst ? 0 : -ENOMEM;
}

static int take_byline(const pmarkers *m, rblocks *r, size_t i, pstruct *st)
{
    rblock *b = &r->v[i];
    int rc;
    if (st->n_byline)
        return 0;
    rc = byline_split(m, r->wb.s + b->start, b->len, &st->byline,
                      &st->n_byline);
    if (rc > 0)
        b->kind = RK_BYLINE;
    return rc < 0 ? rc : 0;
}

static int find_tail(const pmarkers *m, rblocks *r, pstruct *st)
{
    size_t kept[TAIL_MAX + 1], nk = 0;
    ssize_t src = -1;
    int32_t rest = 0;
    int rc;
    /* The last kept blocks, newest first. */
    for (size_t i = r->n; i-- > 0 && nk <= TAIL_MAX;)
        if (r->v[i].kind == RK_KEEP)
            kept[nk++] = i;
    for (size_t j = 0; j < nk; j++) {
        rblock *b = &r->v[kept[j]];
        const UChar *s = r->wb.s + b->start;
        if (markers_source(m, s, b->len, &rest)) {
            src = (ssize_t)j;
            break;
        }
        if (!tail_like(s, b->len))
            break;
    }
    if (src < 0)
        return 0;
    {
        rblock *b = &r->v[kept[src]];
        const UChar *s = r->wb.s + b->start;
        b->kind = RK_SOURCE;
        if (!st->source && !(st->source = u_to_utf8_dup(s, b->len)))
            return -ENOMEM;
        if ((rc = set_url(&st->source_url, s + rest, b->len - rest)) < 0)
            return rc;
    }
    /* After it: a URL on its own line, or the byline. */
    for (ssize_t j = src - 1; j >= 0; j--) {
        rblock *b = &r->v[kept[j]];
        const UChar *s = r->wb.s + b->start;
        if (url_only(s, b->len) && !st->source_url) {
            if ((rc = set_url(&st->source_url, s, b->len)) < 0)
                return rc;
            b->kind = RK_DROP;
        }
    }
    /* Before it: the byline. */
    for (size_t i = kept[src]; i-- > 0;) {
        if (r->v[i].kind == RK_DROP)
            continue;
        if (r->v[i].kind == RK_KEEP && (rc = take_byline(m, r, i, st)) < 0)
            return rc;
        break;
    }
    for (ssize_t j = src - 1; j >= 0 && !st->n_byline; j--)
        if (r->v[kept[j]].kind == RK_KEEP &&
            (rc = take_byline(m, r, kept[j], st)) < 0)
            return rc;
    return 0;
}

/* A byline with a prefix ("By ...") near the head or at the end. */
static int prefixed_byline(const pmarkers *m, rblocks *r, pstruct *st)
{
    size_t seen = 0, last = (size_t)-1;
    int32_t rest;
    int rc;
    if (st->n_byline)
        return 0;
    for (size_t i = 0; i < r->n; i++) {
        rblock *b = &r->v[i];
        if (b->kind != RK_KEEP)
            continue;
        last = i;
        if (seen++ < 4 &&
            markers_byline_prefix(m, r->wb.s + b->start, b->len, &rest)) {
            if ((rc = take_byline(m, r, i, st)) < 0)
                return rc;
            if (st->n_byline)
                return 0;
        }
    }
    if (last != (size_t)-1 &&
        markers_byline_prefix(m, r->wb.s + r->v[last].start, r->v[last].len,
                              &rest))
        return take_byline(m, r, last, st);
    return 0;
}

/* --- head: title ----------------------------------------------------------- */

static ssize_t next_kept(const rblocks *r, size_t from)
{
    for (size_t i = from; i < r->n; i++)
        if (r->v[i].kind == RK_KEEP)
            return (ssize_t)i;
    return -1;
}

static int heading_like(const UChar *s, int32_t n)
{
    return txt_cp_at_most(s, n, TITLE_MAX_CP) &&
           txt_count_spaced_words(s, n, TITLE_MAX_WORDS) <= TITLE_MAX_WORDS &&
           (!txt_ends_with_punct(s, n) || txt_ends_with_question(s, n));
}

static int find_title(pextract *x, rblocks *r, pstruct *st)
{
    ssize_t first = next_kept(r, 0), k;
    ubuf t = {0};
    int rc;
    if (x->title) {
        /* The envelope's (or <title>'s) title, unless the body starts
         * with a heading: a body repeating it loses the repeat. */
        rblock *h = NULL;
        for (k = first; k >= 0 && k < first + 3; k = next_kept(r, k + 1))
            if (r->v[k].hint == HINT_HEADING && r->v[k].level <= 2) {
                h = &r->v[k];
                break;
            }
        if (h && x->format != FMT_JSON) {
            h->kind = RK_TITLE;
            return 0;
        }
        if ((rc = ubuf_append_utf8(&t, x->title, strlen(x->title))) < 0)
            return rc;
        /* Cleaned as the text is: one line, no controls, NFC. */
        for (int32_t i = 0; i < t.len; i++)
            if (t.s[i] == '\n' || t.s[i] == '\t' || t.s[i] == '\r')
                t.s[i] = ' ';
        clean_controls(t.s, &t.len, 0, 0, 1);
        clean_spaces(t.s, &t.len, NULL);
        if ((rc = clean_nfc(&t, 0)) < 0) {
            ubuf_free(&t);
            return rc;
        }
        if (first >= 0 && txt_equals_ci(r->wb.s + r->v[first].start,
                                         r->v[first].len, t.s, t.len))
            r->v[first].kind = RK_DROP;
        if (t.len > 0) {
            /* Appended to the work buffer: a block of its own. */
            int32_t at = r->wb.len;
            if ((rc = ubuf_append(&r->wb, t.s, t.len)) < 0) {
                ubuf_free(&t);
                return rc;
            }
            st->title = u_to_utf8_dup(t.s, t.len);
            ubuf_free(&t);
            if (!st->title)
                return -ENOMEM;
            if ((rc = rb_open(r, HINT_HEADING, 1)) < 0)
                return rc;
            r->v[r->n - 1].start = at;
            r->v[r->n - 1].len = r->wb.len - at;
            r->v[r->n - 1].kind = RK_TITLE;
            return 0;
        }
        ubuf_free(&t);
    }
    if (first < 0)
        return 0;
    for (k = first; k >= 0 && k < first + 3; k = next_kept(r, k + 1)) {
        if (r->v[k].hint == HINT_HEADING && r->v[k].level <= 2) {
            r->v[k].kind = RK_TITLE;
            return 0;
        }
    }
    {
        rblock *b = &r->v[first];
        if (b->hint != HINT_CAPTION && !b->after_image &&
            next_kept(r, (size_t)first + 1) >= 0 &&
            heading_like(r->wb.s + b->start, b->len))
            b->kind = RK_TITLE;
    }
    return 0;
}

/* --- body: paragraphs and captions --------------------------------------- */

static void classify_body(rblocks *r)
{
    size_t body = 0;
    for (size_t i = 0; i < r->n; i++) {
        rblock *b = &r->v[i];
        const UChar *s = r->wb.s + b->start;
        if (b->kind != RK_KEEP)
            continue;
        /* The cheap tests first: most paragraphs end with a full stop,
         * and the words are counted only as far as the limit. */
        if (b->hint == HINT_CAPTION ||
            (b->after_image &&
             txt_count_spaced_words(s, b->len, IMAGE_CAPTION_MAX_WORDS) <=
                 IMAGE_CAPTION_MAX_WORDS)) {
            b->kind = RK_CAPTION;
        } else if (body > 0 && !txt_ends_with_punct(s, b->len) &&
                   txt_cp_at_most(s, b->len, CAPTION_MAX_CP) &&
                   txt_count_spaced_words(s, b->len, CAPTION_MAX_WORDS) <=
                       CAPTION_MAX_WORDS &&
                   next_kept(r, i + 1) >= 0) {
            b->kind = RK_CAPTION;
        } else {
            b->kind = RK_PARA;
        }
        body++;
    }
}

/* Adds a block of the work buffer (which becomes st->buf) to st. */
static int emit(pstruct *st, const rblock *b, uint8_t kind, size_t cap)
{
    pblock *nb = st->blocks;
    if (!nb && !(nb = st->blocks = malloc((cap + 1) * sizeof *nb)))
        return -ENOMEM;
    nb[st->n_blocks].start = b->start;
    nb[st->n_blocks].len = b->len;
    nb[st->n_blocks].kind = kind;
    st->n_blocks++;
    return 0;
}

int structure_build(const pmarkers *m, pextract *x, plines *lines,
                    pstruct *st)
{
    rblocks r = {0};
    int rc;
    memset(st, 0, sizeof *st);
    if (x->source && !(st->source = strdup(x->source)))
        return -ENOMEM;
    if (x->source) {
        ubuf t = {0};
        if ((rc = ubuf_append_utf8(&t, x->source, strlen(x->source))) < 0 ||
            (rc = set_url(&st->source_url, t.s, t.len)) < 0) {
            ubuf_free(&t);
            goto out;
        }
        ubuf_free(&t);
    }
    if ((rc = ubuf_reserve(&r.wb, (int64_t)x->text.len + 16)) < 0 ||
        (rc = build_blocks(m, x, lines, &r)) < 0)
        goto out;
    drop_boilerplate(m, &r);
    if ((rc = find_tail(m, &r, st)) < 0 ||
        (rc = prefixed_byline(m, &r, st)) < 0 ||
        (rc = find_title(x, &r, st)) < 0)
        goto out;
    classify_body(&r);
    if (!st->source_url && x->canonical_url &&
        !(st->source_url = strdup(x->canonical_url))) {
        rc = -ENOMEM;
        goto out;
    }
    /* The title first, then the body in document order. */
    for (size_t i = 0; i < r.n; i++) {
        if (r.v[i].kind == RK_TITLE) {
            if ((rc = emit(st, &r.v[i], BK_TITLE, r.n)) < 0)
                goto out;
            if (!st->title &&
                !(st->title = u_to_utf8_dup(r.wb.s + r.v[i].start,
                                            r.v[i].len))) {
                rc = -ENOMEM;
                goto out;
            }
            break;
        }
    }
    for (size_t i = 0; i < r.n; i++) {
        uint8_t k = r.v[i].kind;
        if (k == RK_PARA || k == RK_CAPTION) {
            rc = emit(st, &r.v[i], k == RK_PARA ? BK_PARA : BK_CAPTION,
                      r.n);
            if (rc < 0)
                goto out;
        }
    }
    st->buf = r.wb;
    memset(&r.wb, 0, sizeof r.wb);
    rc = 0;
out:
    free(r.v);
    ubuf_free(&r.wb);
    if (rc < 0)
        pstruct_free(st);
    return rc;
}

void pstruct_free(pstruct *s)
{
    if (!s)
        return;
    ubuf_free(&s->buf);
    free(s->blocks);
    free(s->title);
    free(s->source);
    free(s->source_url);
    free_names(s->byline, s->n_byline);
    memset(s, 0, sizeof *s);
}
