/* Formats: names, detection by file name and by content, and the
 * extraction result (pint.h). */
#include "pint.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *fmt_name(pformat f)
{
    switch (f) {
    case FMT_MARKDOWN:
        return "markdown";
    case FMT_HTML:
        return "html";
    case FMT_JSON:
        return "json";
    default:
        return "text";
    }
}

pformat fmt_from_name(const char *name, int *known)
{
    const char *base, *dot;
    *known = 1;
    if (!name)
        return FMT_TEXT;
    base = strrchr(name, '/');
    base = base ? base + 1 : name;
    dot = strrchr(base, '.');
    if (!dot || dot == base) /* no extension (".profile" has none) */
        return FMT_TEXT;
    dot++;
    if (!strcasecmp(dot, "txt") || !strcasecmp(dot, "text"))
        return FMT_TEXT;
    if (!strcasecmp(dot, "md") || !strcasecmp(dot, "markdown") ||
        !strcasecmp(dot, "mdown") || !strcasecmp(dot, "mkd"))
        return FMT_MARKDOWN;
    if (!strcasecmp(dot, "html") || !strcasecmp(dot, "htm") ||
        !strcasecmp(dot, "xhtml"))
        return FMT_HTML;
    if (!strcasecmp(dot, "json"))
        return FMT_JSON;
    *known = 0;
    return FMT_TEXT;
}

static int32_t skip_space(const UChar *u, int32_t n)
{
    int32_t i = 0;
    while (i < n && (u[i] == ' ' || u[i] == '\t' || u[i] == '\n' ||
                     u[i] == '\r' || u[i] == 0xFEFF))
        i++;
    return i;
}

int fmt_looks_html(const UChar *u, int32_t n)
{
    int32_t i = skip_space(u, n), lim;
    static const char *const strong[] = {"<!doctype html", "<html", "<head",
                                         "<body", NULL};
    static const char *const weak[] = {"<p>", "</p>", "<div", "<br", "<span",
                                       "<a href", "<article", "<h1", NULL};
    int k = 0;
    if (i >= n || u[i] != '<')
        return 0;
    lim = n - i < 4096 ? n - i : 4096;
    for (int j = 0; strong[j]; j++)
        if (txt_find_ascii_ci(u + i, lim, strong[j]) >= 0)
            return 1;
    for (int j = 0; weak[j]; j++)
        k += txt_find_ascii_ci(u + i, lim, weak[j]) >= 0;
    return k >= 2;
}

/* Markdown: a heading, a fence or a link at the start of some line. */
static int looks_markdown(const UChar *u, int32_t n)
{
    int32_t i = 0, lines = 0, lim = n < 16384 ? n : 16384;
    while (i < lim && lines < 200) {
        int32_t e = i;
        while (e < lim && u[e] != '\n')
            e++;
        if (e - i >= 2 && u[i] == '#') {
            int32_t k = i;
            while (k < e && u[k] == '#')
                k++;
            if (k - i <= 6 && k < e && u[k] == ' ')
                return 1;
        }
        if (e - i >= 3 && u[i] == '`' && u[i + 1] == '`' && u[i + 2] == '`')
            return 1;
        if (txt_find_ascii_ci(u + i, e - i, "](http") >= 0)
            return 1;
        i = e + 1;
        lines++;
    }
    return 0;
}

pformat fmt_sniff(const UChar *u, int32_t n)
{
    int32_t i = skip_space(u, n);
    if (i < n && u[i] == '{')
        return FMT_JSON; /* tried leniently: falls back to text */
    if (fmt_looks_html(u, n))
        return FMT_HTML;
    if (looks_markdown(u, n))
        return FMT_MARKDOWN;
    return FMT_TEXT;
}

void pextract_free(pextract *x)
{
    if (!x)
        return;
    ubuf_free(&x->text);
    free(x->hints);
    free(x->levels);
    free(x->title);
    free(x->source);
    free(x->published);
    free(x->lang_declared);
    free(x->canonical_url);
    memset(x, 0, sizeof *x);
}

int pextract_line(pextract *x, const UChar *s, int32_t n, uint8_t hint,
                  uint8_t level)
{
    int rc;
    if (x->n_lines == x->cap_lines) {
        size_t cap = x->cap_lines ? x->cap_lines * 2 : 64;
        uint8_t *h = realloc(x->hints, cap), *l;
        if (!h)
            return -ENOMEM;
        x->hints = h;
        l = realloc(x->levels, cap);
        if (!l)
            return -ENOMEM;
        x->levels = l;
        x->cap_lines = cap;
    }
    if ((rc = ubuf_append(&x->text, s, n)) < 0 ||
        (rc = ubuf_append_c(&x->text, '\n')) < 0)
        return rc;
    x->hints[x->n_lines] = hint;
    x->levels[x->n_lines] = level;
    x->n_lines++;
    return 0;
}
