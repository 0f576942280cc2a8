/*
 * HTML: libxml2's HTML parser (error-tolerant, entities decoded), then an
 * iterative walk of the main container (<article>, <main>, role=main, else
 * <body>) that drops scripts, styles, navigation, forms and containers the
 * marker file calls boilerplate, and emits one line per block element
 * with hints: headings, figure captions, images.
 */
#include "markers.h"
#include "pint.h"

#include <errno.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

struct hwalk {
    pextract *x;
    const pmarkers *m;
    ubuf line;
    int pending_space;
    int heading;      /* level of the heading we are in, 0 when none */
    int caption;      /* depth of caption elements */
    int pre;          /* depth of <pre> */
    int figure;       /* depth of <figure> */
    int drop_chrome;  /* the container is <body>: drop header/footer */
    int br;           /* a <br> with no text after it yet */
    int rc;
    char *time_datetime;
};

static const char *const drop_tags[] = {
    "script", "style",  "noscript", "template", "nav",      "aside",
    "form",   "iframe", "svg",      "canvas",   "button",   "select",
    "option", "textarea", "object", "embed",    "audio",    "video",
    "map",    "menu",   "dialog",   "head",     "title",    "input",
    "math",   "frameset", "frame",  NULL};

static const char *const block_tags[] = {
    "p",      "div",   "section", "article", "main",    "header", "footer",
    "h1",     "h2",    "h3",      "h4",      "h5",      "h6",     "li",
    "ul",     "ol",    "dl",      "dt",      "dd",      "blockquote",
    "pre",    "figure", "figcaption", "table", "thead", "tbody",  "tfoot",
    "tr",     "td",    "th",      "caption", "address", "hr",     "details",
    "summary", "center", "fieldset", "legend", "body",  "html",   NULL};

static int in_list(const char *const *l, const char *s)
{
    for (int i = 0; l[i]; i++)
        if (!strcmp(l[i], s))
            return 1;
    return 0;
}

static const char *attr(xmlNode *n, const char *name)
{
    for (xmlAttr *a = n->properties; a; a = a->next) {
        if (a->name && !strcasecmp((const char *)a->name, name) &&
            a->children && a->children->type == XML_TEXT_NODE)
            return (const char *)a->children->content;
    }
    return NULL;
}

static int has_attr(xmlNode *n, const char *name)
{
    for (xmlAttr *a = n->properties; a; a = a->next)
        if (a->name && !strcasecmp((const char *)a->name, name))
            return 1;
    return 0;
}

static void flush(struct hwalk *w)
{
    uint8_t hint = HINT_NONE, level = 0;
    if (w->rc < 0)
        return;
    while (w->line.len > 0 && w->line.s[w->line.len - 1] == ' ')
        w->line.len--;
    if (w->line.len > 0) {
        if (w->heading) {
            hint = HINT_HEADING;
            level = (uint8_t)w->heading;
        } else if (w->caption) {
            hint = HINT_CAPTION;
        }
        w->rc = pextract_line(w->x, w->line.s, w->line.len, hint, level);
    }
    w->line.len = 0;
    w->pending_space = 0;
    w->br = 0;
}

static void add_text(struct hwalk *w, const char *t)
{
    const uint8_t *s = (const uint8_t *)t;
    int32_t i = 0, n = (int32_t)strnlen(t, INT32_MAX / 4);
    if (w->rc < 0 || (w->rc = ubuf_reserve(&w->line, (int64_t)n + 1)) < 0)
        return;
    while (i < n) {
        UChar32 c = s[i];
        if (c < 0x80) {
            i++;
            if (c == '\n' && w->pre) {
                flush(w);
                if (w->rc < 0 || (w->rc = ubuf_reserve(&w->line, n)) < 0)
                    return;
                continue;
            }
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
                c == '\f') {
                if (w->pre)
                    w->line.s[w->line.len++] = ' ';
                else
                    w->pending_space = w->line.len > 0;
                continue;
            }
        } else {
            U8_NEXT(s, i, n, c);
            if (c < 0)
                c = 0xFFFD;
        }
        if (w->pending_space) {
            w->line.s[w->line.len++] = ' ';
            w->pending_space = 0;
        }
        U16_APPEND_UNSAFE(w->line.s, w->line.len, c);
    }
    w->line.s[w->line.len] = 0;
}

/* Boilerplate by attributes: hidden, ARIA roles, class or id words. */
static int dropped(struct hwalk *w, xmlNode *n)
{
    const char *v;
    if (has_attr(n, "hidden"))
        return 1;
    if ((v = attr(n, "aria-hidden")) && !strcasecmp(v, "true"))
        return 1;
    if ((v = attr(n, "role")) &&
        (!strcasecmp(v, "navigation") || !strcasecmp(v, "banner") ||
         !strcasecmp(v, "complementary") || !strcasecmp(v, "contentinfo") ||
         !strcasecmp(v, "search") || !strcasecmp(v, "menu")))
        return 1;
    return markers_html_drop(w->m, attr(n, "class")) ||
           markers_html_drop(w->m, attr(n, "id"));
}

/* 1: entered (leave() follows), 0: skipped with its subtree. */
static int enter(struct hwalk *w, xmlNode *n)
{
    const char *name;
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        if (n->content) {
            size_t before = (size_t)w->line.len;
            add_text(w, (const char *)n->content);
            if ((size_t)w->line.len != before)
                w->br = 0;
        }
        return 0;
    }
    if (n->type != XML_ELEMENT_NODE || !n->name)
        return 0;
    name = (const char *)n->name;
    if (in_list(drop_tags, name) || dropped(w, n))
        return 0;
    if (w->drop_chrome && (!strcmp(name, "header") || !strcmp(name, "footer")))
        return 0;
    if (!strcmp(name, "br")) {
        /* One <br> is a line break inside the paragraph, two end it. */
        if (w->br)
            flush(w);
        else
            w->pending_space = w->line.len > 0;
        w->br = 1;
        return 0;
    }
    if (!strcmp(name, "img")) {
        if (!w->figure && w->line.len == 0 && w->rc >= 0)
            w->rc = pextract_line(w->x, NULL, 0, HINT_IMAGE, 0);
        return 0;
    }
    if (!strcmp(name, "time") && !w->time_datetime && attr(n, "datetime"))
        w->time_datetime = strdup(attr(n, "datetime"));
    if (in_list(block_tags, name))
        flush(w);
    if (name[0] == 'h' && name[1] >= '1' && name[1] <= '6' && !name[2])
        w->heading = name[1] - '0';
    if (!strcmp(name, "figcaption") || !strcmp(name, "caption") ||
        markers_html_caption(w->m, attr(n, "class")))
        w->caption++;
    if (!strcmp(name, "pre"))
        w->pre++;
    if (!strcmp(name, "figure"))
        w->figure++;
    return 1;
}

static void leave(struct hwalk *w, xmlNode *n)
{
    const char *name = (const char *)n->name;
    if (n->type != XML_ELEMENT_NODE || !name)
        return;
    if (in_list(block_tags, name))
        flush(w);
    if (name[0] == 'h' && name[1] >= '1' && name[1] <= '6' && !name[2])
        w->heading = 0;
    if ((!strcmp(name, "figcaption") || !strcmp(name, "caption") ||
         markers_html_caption(w->m, attr(n, "class"))) &&
        w->caption > 0)
        w->caption--;
    if (!strcmp(name, "pre") && w->pre > 0)
        w->pre--;
    if (!strcmp(name, "figure") && w->figure > 0)
        w->figure--;
}

static void walk(struct hwalk *w, xmlNode *root)
{
    xmlNode *n = root->children;
    while (n && w->rc >= 0) {
        int d = enter(w, n);
        if (d && n->children) {
            n = n->children;
            continue;
        }
        if (d)
            leave(w, n);
        for (;;) {
            if (n->next) {
                n = n->next;
                break;
            }
            n = n->parent;
            if (!n || n == root) {
                n = NULL;
                break;
            }
            leave(w, n);
        }
    }
    flush(w);
}

/* Next node in document order within root (no recursion). */
static xmlNode *next_in(xmlNode *n, xmlNode *root, int descend)
{
    if (descend && n->children)
        return n->children;
    while (n && n != root) {
        if (n->next)
            return n->next;
        n = n->parent;
    }
    return NULL;
}

static size_t text_size(xmlNode *root)
{
    size_t k = 0;
    for (xmlNode *n = root->children; n; n = next_in(n, root, 1)) {
        if (n->type == XML_TEXT_NODE && n->content)
            k += strlen((const char *)n->content);
    }
    return k;
}

static char *node_text(xmlNode *n)
{
    xmlChar *c = xmlNodeGetContent(n);
    char *s;
    if (!c)
        return NULL;
    s = strdup((const char *)c);
    xmlFree(c);
    return s;
}

static void set_once(char **dst, const char *v)
{
    if (!*dst && v && *v)
        *dst = strdup(v);
}

/* <head> and document-wide facts: title, og:title, dates, canonical URL,
 * language; and the main container. */
static xmlNode *survey(htmlDocPtr doc, pextract *x)
{
    xmlNode *root = xmlDocGetRootElement(doc), *body = NULL, *main = NULL,
            *article = NULL;
    size_t best = 0;
    char *title = NULL, *og_title = NULL;
    if (!root)
        return NULL;
    set_once(&x->lang_declared, attr(root, "lang"));
    set_once(&x->lang_declared, attr(root, "xml:lang"));
    for (xmlNode *n = root, *next; n; n = next) {
        const char *name, *p, *c;
        next = next_in(n, root, 1);
        if (n->type != XML_ELEMENT_NODE || !n->name)
            continue;
        name = (const char *)n->name;
        if (!strcmp(name, "body") && !body)
            body = n;
        else if (!strcmp(name, "main") && !main)
            main = n;
        else if (!main && (p = attr(n, "role")) && !strcasecmp(p, "main"))
            main = n;
        else if (!strcmp(name, "article")) {
            /* The largest outermost article; nested ones are inside it
             * (skipping them keeps this linear). */
            size_t k = text_size(n);
            if (!article || k > best) {
                article = n;
                best = k;
            }
            next = next_in(n, root, 0);
        } else if (!strcmp(name, "title") && !title) {
            title = node_text(n);
        } else if (!strcmp(name, "meta")) {
            p = attr(n, "property");
            if (!p)
                p = attr(n, "name");
            if (!p)
                p = attr(n, "itemprop");
            c = attr(n, "content");
            if (!p || !c)
                continue;
            if (!strcasecmp(p, "og:title"))
                set_once(&og_title, c);
            else if (!strcasecmp(p, "article:published_time") ||
                     !strcasecmp(p, "datePublished") ||
                     !strcasecmp(p, "pubdate") ||
                     !strcasecmp(p, "publishdate") ||
                     !strcasecmp(p, "dc.date.issued") ||
                     !strcasecmp(p, "dc.date") || !strcasecmp(p, "date"))
                set_once(&x->published, c);
            else if (!strcasecmp(p, "og:url"))
                set_once(&x->canonical_url, c);
        } else if (!strcmp(name, "link")) {
            p = attr(n, "rel");
            if (p && !strcasecmp(p, "canonical"))
                set_once(&x->canonical_url, attr(n, "href"));
        }
    }
    if (og_title) {
        free(title);
        title = og_title;
    }
    if (title && !x->title)
        x->title = title;
    else
        free(title);
    return article ? article : main ? main : body ? body : root;
}

int fmt_html(pextract *x, const UChar *u, int32_t n, const pmarkers *m,
             char *err, size_t errlen)
{
    struct hwalk w = {0};
    htmlDocPtr doc;
    xmlNode *container;
    char *s = u_to_utf8_dup(u, n);
    int rc = 0;
    if (!s) {
        perr(err, errlen, "out of memory");
        return -ENOMEM;
    }
    doc = htmlReadMemory(s, (int)strlen(s), NULL, "UTF-8",
                         HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                             HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                             HTML_PARSE_IGNORE_ENC | HTML_PARSE_NODEFDTD |
                             HTML_PARSE_COMPACT);
    free(s);
    if (!doc) {
        perr(err, errlen, "html: libxml2 could not parse the document");
        return PARSE_FAILED;
    }
    container = survey(doc, x);
    if (container) {
        const char *cn = (const char *)container->name;
        w.x = x;
        w.m = m;
        w.drop_chrome = cn && (!strcmp(cn, "body") || !strcmp(cn, "html"));
        walk(&w, container);
        rc = w.rc;
        if (!x->published && w.time_datetime) {
            x->published = w.time_datetime;
            w.time_datetime = NULL;
        }
    }
    free(w.time_datetime);
    ubuf_free(&w.line);
    xmlFreeDoc(doc);
    if (rc < 0) {
        perr(err, errlen, "out of memory");
        return rc;
    }
    x->body = FMT_HTML;
    return 0;
}
