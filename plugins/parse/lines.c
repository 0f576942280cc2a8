/*
 * Splitting the cleaned text into lines, and the per-line syntax of
 * Markdown and of scraped text (pint.h).  Scrapers leave Markdown traces in
 * .txt files too ("![]() |" for a photo, table pipes around a caption), so
 * plain text gets the image, pipe and decoration rules; Markdown gets all
 * of CommonMark's inline syntax that matters for text: headings, quotes,
 * bullets, links, images, emphasis, code, comments.
 */
#include "pint.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>

/* Link texts and destinations longer than this are not links: the bound
 * keeps a line of unclosed brackets linear. */
#define LINK_MAX 2048

/* Finds the ')' closing the '(' at s[i]; -1 when none. */
static int32_t close_paren(const UChar *s, int32_t i, int32_t n)
{
    int depth = 0;
    if (n - i > LINK_MAX)
        n = i + LINK_MAX;
    for (; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            i++;
            continue;
        }
        if (s[i] == '(')
            depth++;
        else if (s[i] == ')' && --depth == 0)
            return i;
    }
    return -1;
}

/* Finds the ']' closing the '[' at s[i]; -1 when none. */
static int32_t close_bracket(const UChar *s, int32_t i, int32_t n)
{
    int depth = 0;
    if (n - i > LINK_MAX)
        n = i + LINK_MAX;
    for (; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            i++;
            continue;
        }
        if (s[i] == '[')
            depth++;
        else if (s[i] == ']' && --depth == 0)
            return i;
    }
    return -1;
}

/* An image "![alt](url)" at s[i]: returns its end, or -1. */
static int32_t image_end(const UChar *s, int32_t i, int32_t n)
{
    int32_t b, p;
    if (i + 1 >= n || s[i] != '!' || s[i + 1] != '[')
        return -1;
    b = close_bracket(s, i + 1, n);
    if (b < 0 || b + 1 >= n || s[b + 1] != '(')
        return -1;
    p = close_paren(s, b + 1, n);
    return p < 0 ? -1 : p + 1;
}

/* 1 when the line holds only images, pipes and spaces (and an image). */
static int image_only(const UChar *s, int32_t n)
{
    int32_t i = 0;
    int images = 0;
    while (i < n) {
        int32_t e;
        if (s[i] == ' ' || s[i] == '|') {
            i++;
            continue;
        }
        e = image_end(s, i, n);
        if (e < 0)
            return 0;
        images++;
        i = e;
    }
    return images > 0;
}

/* 1 when the line has no letter and no digit: rules, "* * *", "|---|". */
static int decoration(const UChar *s, int32_t n)
{
    int32_t i = 0;
    if (n == 0)
        return 0;
    while (i < n) {
        UChar32 c;
        U16_NEXT(s, i, n, c);
        if ((pclass(c) & PC_ALNUM) || c == 0xFFFD)
            return 0;
    }
    return 1;
}

static int32_t trim(UChar *s, int32_t n, int32_t *start)
{
    int32_t a = 0;
    while (a < n && s[a] == ' ')
        a++;
    while (n > a && s[n - 1] == ' ')
        n--;
    *start = a;
    return n - a;
}

/* Leading and trailing table pipes: "| caption |" -> "caption". */
static int32_t strip_pipes(UChar *s, int32_t n, int32_t *start)
{
    int32_t a = 0, k;
    k = trim(s, n, &a);
    while (k > 0 && s[a] == '|') {
        a++;
        k--;
        while (k > 0 && s[a] == ' ') {
            a++;
            k--;
        }
    }
    while (k > 0 && s[a + k - 1] == '|') {
        k--;
        while (k > 0 && s[a + k - 1] == ' ')
            k--;
    }
    *start = a;
    return k;
}

static int is_alnum_at(const UChar *s, int32_t i, int32_t n)
{
    UChar32 c;
    if (i < 0 || i >= n)
        return 0;
    U16_GET(s, 0, i, n, c);
    return u_isalnum(c);
}

static int is_space_at(const UChar *s, int32_t i, int32_t n)
{
    return i < 0 || i >= n || s[i] == ' ';
}

/* Markdown inline syntax, rewritten in place; returns the new length. */
static int32_t md_inline(UChar *s, int32_t n)
{
    int32_t r = 0, w = 0;
    while (r < n) {
        UChar c = s[r];
        int32_t e;
        if (c == '\\' && r + 1 < n && s[r + 1] < 0x80 &&
            u_ispunct(s[r + 1])) {
            s[w++] = s[r + 1];
            r += 2;
            continue;
        }
        if (c == '!' && (e = image_end(s, r, n)) > 0) {
            r = e;
            continue;
        }
        if (c == '[') {
            int32_t b = close_bracket(s, r, n);
            if (b > r && b + 1 < n && (s[b + 1] == '(' || s[b + 1] == '[')) {
                int32_t end = s[b + 1] == '(' ? close_paren(s, b + 1, n)
                                              : close_bracket(s, b + 1, n);
                if (end > b) {
                    /* [text](url) -> text */
                    memmove(s + w, s + r + 1, (size_t)(b - r - 1) * 2);
                    w += b - r - 1;
                    r = end + 1;
                    continue;
                }
            }
        }
        if (c == '<' && r + 3 < n && s[r + 1] == '!' && s[r + 2] == '-' &&
            s[r + 3] == '-') {
            int32_t k = r + 4;
            while (k + 2 < n &&
                   !(s[k] == '-' && s[k + 1] == '-' && s[k + 2] == '>'))
                k++;
            if (k + 2 < n) {
                r = k + 3;
                continue;
            }
        }
        if (c == '<' && (txt_find_ascii_ci(s + r + 1, n - r - 1, "http") == 0)) {
            int32_t k = r + 1;
            while (k < n && s[k] != '>' && s[k] != ' ')
                k++;
            if (k < n && s[k] == '>') {
                memmove(s + w, s + r + 1, (size_t)(k - r - 1) * 2);
                w += k - r - 1;
                r = k + 1;
                continue;
            }
        }
        if (c == '`') {
            r++;
            continue;
        }
        if (c == '*' || c == '_' || c == '~') {
            int32_t k = r;
            while (k < n && s[k] == c)
                k++;
            /* A run of two or more is a delimiter ("**", "__", "~~"). */
            if (k - r >= 2) {
                r = k;
                continue;
            }
            if (c != '~') {
                int lsp = is_space_at(s, r - 1, n), rsp = is_space_at(s, k, n);
                int intraword = is_alnum_at(s, r - 1, n) && is_alnum_at(s, k, n);
                if (!(lsp && rsp) && !(c == '_' && intraword)) {
                    r = k;
                    continue;
                }
            }
            while (r < k)
                s[w++] = s[r++];
            continue;
        }
        s[w++] = s[r++];
    }
    return w;
}

/* Collapses the double spaces that removals leave; returns the length. */
static int32_t squeeze(UChar *s, int32_t n)
{
    int32_t w = 0;
    for (int32_t r = 0; r < n; r++) {
        if (s[r] == ' ' && (w == 0 || s[w - 1] == ' '))
            continue;
        s[w++] = s[r];
    }
    while (w > 0 && s[w - 1] == ' ')
        w--;
    return w;
}

static int all_of(const UChar *s, int32_t n, UChar c, int32_t min)
{
    int32_t k = 0;
    for (int32_t i = 0; i < n; i++) {
        if (s[i] == c)
            k++;
        else if (s[i] != ' ')
            return 0;
    }
    return k >= min;
}

/* One Markdown line.  *code: inside a fenced code block. */
static void md_line(UChar *buf, pline *ln, pline *prev, int *code)
{
    UChar *s = buf + ln->start;
    int32_t n = ln->len, a;
    if (n >= 3 && ((s[0] == '`' && s[1] == '`' && s[2] == '`') ||
                   (s[0] == '~' && s[1] == '~' && s[2] == '~'))) {
        *code = !*code;
        ln->hint = HINT_DROP;
        return;
    }
    if (*code)
        return;
    if (n == 0)
        return;
    if (all_of(s, n, '=', 2) && prev && prev->len > 0 &&
        prev->hint == HINT_NONE) {
        prev->hint = HINT_HEADING;
        prev->level = 1;
        ln->hint = HINT_DROP;
        return;
    }
    if (all_of(s, n, '-', 2) && prev && prev->len > 0 &&
        prev->hint == HINT_NONE) {
        prev->hint = HINT_HEADING;
        prev->level = 2;
        ln->hint = HINT_DROP;
        return;
    }
    if (s[0] == '#') {
        int32_t k = 0;
        while (k < n && s[k] == '#')
            k++;
        if (k <= 6 && (k == n || s[k] == ' ')) {
            ln->hint = HINT_HEADING;
            ln->level = (uint8_t)k;
            while (k < n && s[k] == ' ')
                k++;
            s += k;
            n -= k;
            ln->start += k;
            while (n > 0 && (s[n - 1] == '#' || s[n - 1] == ' '))
                n--;
        }
    }
    while (n > 0 && s[0] == '>') {
        s++;
        n--;
        ln->start++;
        while (n > 0 && s[0] == ' ') {
            s++;
            n--;
            ln->start++;
        }
    }
    if (n >= 2 && (s[0] == '-' || s[0] == '*' || s[0] == '+') &&
        s[1] == ' ' && !decoration(s, n)) {
        s += 2;
        n -= 2;
        ln->start += 2;
    }
    n = md_inline(s, n);
    n = trim(s, n, &a);
    ln->start += a;
    ln->len = squeeze(buf + ln->start, n);
}

/* The first '\n' in s[i..n), or n: four units at a time (lines run to
 * hundreds of units). */
static int32_t find_nl(const UChar *s, int32_t i, int32_t n)
{
    const uint64_t ones = 0x0001000100010001ull, highs = 0x8000800080008000ull;
    for (; i + 4 <= n; i += 4) {
        uint64_t w, x;
        memcpy(&w, s + i, 8);
        x = w ^ (ones * '\n');
        if ((x - ones) & ~x & highs)
            break;
    }
    while (i < n && s[i] != '\n')
        i++;
    return i;
}

int lines_split(pextract *x, plines *out)
{
    UChar *s = x->text.s;
    int32_t n = x->text.len, i = 0;
    size_t cap = (size_t)n / 64 + 16, k = 0;
    int code = 0;
    pline *v = malloc(cap * sizeof *v);
    if (!v)
        return -ENOMEM;
    /* One line more than there are '\n'. */
    for (;;) {
        int32_t e = find_nl(s, i, n);
        pline *ln;
        if (k == cap) {
            pline *nv = realloc(v, 2 * cap * sizeof *nv);
            if (!nv) {
                free(v);
                return -ENOMEM;
            }
            v = nv;
            cap *= 2;
        }
        ln = &v[k];
        ln->start = i;
        ln->len = e - i;
        ln->hint = k < x->n_lines ? x->hints[k] : HINT_NONE;
        ln->level = k < x->n_lines ? x->levels[k] : 0;
        if (x->body == FMT_MARKDOWN || x->body == FMT_TEXT) {
            int32_t a, orig = ln->len;
            if (image_only(s + ln->start, ln->len)) {
                ln->hint = HINT_IMAGE;
                ln->len = 0;
            } else {
                ln->len = strip_pipes(s + ln->start, ln->len, &a);
                ln->start += a;
                if (x->body == FMT_MARKDOWN)
                    md_line(s, ln, k ? &v[k - 1] : NULL, &code);
                if (ln->hint == HINT_NONE && orig > 0 &&
                    (ln->len == 0 || decoration(s + ln->start, ln->len)))
                    ln->hint = HINT_DROP;
            }
        }
        k++;
        if (e >= n)
            break;
        i = e + 1;
    }
    out->v = v;
    out->n = k;
    return 0;
}
