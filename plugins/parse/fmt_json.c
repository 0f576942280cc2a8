/*
 * The JSON envelope: {"title", "body", "source", "published", "lang"}, all
 * strings, "body" required; other members are ignored.  The body is plain
 * text, or HTML when it looks like HTML.
 */
#include "pint.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const fields[] = {"title", "source", "published", "lang",
                                     NULL};

/* Returns 0, PARSE_FAILED (strict: with a message), 2 (lenient: not an
 * envelope), or a negative errno. */
int fmt_json(pextract *x, const UChar *u, int32_t n, const pmarkers *m,
             int strict, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = NULL, *body;
    char *s = u_to_utf8_dup(u, n);
    const char *b;
    size_t blen;
    int rc = 0;
    char **dst[4];

    if (!s) {
        perr(err, errlen, "out of memory");
        return -ENOMEM;
    }
    root = json_loadb(s, strlen(s), 0, &je);
    free(s);
    if (!root || !json_is_object(root)) {
        if (!strict) {
            rc = 2;
        } else if (!root) {
            perr(err, errlen, "json: line %d column %d: %s", je.line,
                 je.column, je.text);
            rc = PARSE_FAILED;
        } else {
            perr(err, errlen, "json envelope: not an object");
            rc = PARSE_FAILED;
        }
        goto out;
    }
    body = json_object_get(root, "body");
    if (!json_is_string(body)) {
        if (strict)
            perr(err, errlen, "json envelope: \"body\" missing or not a "
                 "string");
        rc = strict ? PARSE_FAILED : 2;
        goto out;
    }
    dst[0] = &x->title;
    dst[1] = &x->source;
    dst[2] = &x->published;
    dst[3] = &x->lang_declared;
    for (int i = 0; fields[i]; i++) {
        json_t *v = json_object_get(root, fields[i]);
        if (!v || json_is_null(v))
            continue;
        if (!json_is_string(v)) {
            if (strict) {
                perr(err, errlen, "json envelope: \"%s\" is not a string",
                     fields[i]);
                rc = PARSE_FAILED;
                goto out;
            }
            continue;
        }
        if (!json_string_length(v))
            continue;
        /* Strings with NUL ("\u0000") are cut there. */
        *dst[i] = strdup(json_string_value(v));
        if (!*dst[i]) {
            rc = -ENOMEM;
            goto out;
        }
    }
    b = json_string_value(body);
    blen = strlen(b);
    if ((rc = ubuf_append_utf8(&x->text, b, blen)) < 0)
        goto out;
    x->format = FMT_JSON;
    x->body = FMT_TEXT;
    if (fmt_looks_html(x->text.s, x->text.len)) {
        ubuf html = x->text;
        memset(&x->text, 0, sizeof x->text);
        rc = fmt_html(x, html.s, html.len, m, err, errlen);
        ubuf_free(&html);
        x->format = FMT_JSON;
    }
out:
    if (rc == -ENOMEM)
        perr(err, errlen, "out of memory");
    json_decref(root);
    return rc;
}
