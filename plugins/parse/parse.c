/* parse_document(): the steps of pint.h in order, and the failures of
 * parse.h. */
#include "pint.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void parse_result_clear(parse_result *r)
{
    if (!r)
        return;
    free(r->text);
    free(r->ascii_digits);
    free(r->title);
    free(r->lead);
    free(r->source);
    free(r->source_url);
    free(r->published);
    free(r->lang_declared);
    for (size_t i = 0; i < r->n_byline; i++)
        free(r->byline[i]);
    free(r->byline);
    free(r->paragraphs);
    free(r->captions);
    free(r->langs);
    memset(r, 0, sizeof *r);
}

static int failed(parse_result *res, int rc)
{
    if (rc == -ENOMEM)
        snprintf(res->error, sizeof res->error, "out of memory");
    else if (rc < 0 && !res->error[0])
        snprintf(res->error, sizeof res->error, "internal error: %s",
                 strerror(-rc));
    return rc;
}

/* 1 when the buffer has anything but line ends (after clean_spaces). */
static int has_text(const ubuf *b)
{
    for (int32_t i = 0; i < b->len; i++)
        if (b->s[i] != '\n')
            return 1;
    return 0;
}

static int run(parse_ctx *ctx, pws *ws, const unsigned char *bytes,
               size_t len, const char *name, parse_result *res)
{
    pdecoded dec = {0};
    pextract x = {0};
    plines lines = {0};
    pstruct st = {0};
    size_t ctrl;
    pclean cl = {0, 0xFF, 0};
    int known, fused, rc;
    pformat fmt;

    /* Plain text and Markdown known by name: decoding (when the bytes are
     * UTF-8), controls and spaces in one pass (the format sniffer wants
     * the text before the spaces). */
    fmt = fmt_from_name(name, &known);
    fused = known && (fmt == FMT_TEXT || fmt == FMT_MARKDOWN);
    rc = fused && detect_utf8_first(ctx, bytes, len, name)
             ? clean_utf8(bytes, len, &dec.u, &dec.len, &ctrl, &cl)
             : 1;
    if (rc < 0)
        goto out;
    if (rc == 0) {
        str_copy(dec.charset, sizeof dec.charset, "UTF-8");
        dec.confidence = 100;
        dec.utf8 = 1;
    } else {
        rc = detect_decode(ctx, ws, bytes, len, name, &dec, res->error,
                           sizeof res->error);
        if (rc != 0)
            goto out;
        ctrl = fused ? clean_text(dec.u, &dec.len, dec.unit_bytes, dec.utf8,
                                  &cl)
                     : clean_controls(dec.u, &dec.len, dec.unit_bytes,
                                      dec.utf8, 0);
    }
    res->replaced_bytes = dec.bad_bytes + ctrl;
    str_copy(res->charset, sizeof res->charset, dec.charset);
    res->charset_confidence = dec.confidence;
    if ((double)res->replaced_bytes > ctx->max_undecodable * (double)len) {
        double pct = 100.0 * (double)res->replaced_bytes / (double)len;
        snprintf(res->error, sizeof res->error,
                 "not text: %.0f%% undecodable bytes", pct < 1 ? 1 : floor(pct));
        rc = PARSE_FAILED;
        goto out;
    }

    if (!known)
        fmt = fmt_sniff(dec.u, dec.len);
    x.format = fmt;
    if (fmt == FMT_JSON) {
        rc = fmt_json(&x, dec.u, dec.len, ctx->markers, known, res->error,
                      sizeof res->error);
        if (rc == 2) { /* sniffed, but not an envelope: text */
            pextract_free(&x);
            x.format = fmt = FMT_TEXT;
            rc = 0;
        }
        if (rc != 0)
            goto out;
    } else if (fmt == FMT_HTML) {
        rc = fmt_html(&x, dec.u, dec.len, ctx->markers, res->error,
                      sizeof res->error);
        x.format = FMT_HTML;
        if (rc != 0)
            goto out;
    }
    if (fmt == FMT_TEXT || fmt == FMT_MARKDOWN) {
        /* The decoded text is the body. */
        x.text.s = dec.u;
        x.text.len = dec.len;
        x.text.cap = dec.len + 1;
        dec.u = NULL;
        x.body = fmt;
    }
    if (!x.text.s && (rc = ubuf_reserve(&x.text, 0)) < 0)
        goto out;
    if (fmt == FMT_HTML || fmt == FMT_JSON)
        /* Entities and JSON escapes may have made new controls. */
        clean_controls(x.text.s, &x.text.len, 0, 0, x.body == FMT_HTML);
    res->format = fmt_name(x.format);
    if (!fused)
        clean_spaces(x.text.s, &x.text.len, &cl);
    if (!has_text(&x.text) && !x.title) {
        if (x.format == FMT_HTML || x.format == FMT_JSON)
            snprintf(res->error, sizeof res->error,
                     "empty document: no text in the %s (%zu bytes)",
                     fmt_name(x.format), len);
        else
            snprintf(res->error, sizeof res->error,
                     "empty document: only whitespace (%zu bytes)", len);
        rc = PARSE_FAILED;
        goto out;
    }
    if ((rc = clean_nfc(&x.text, cl.nfc_from)) < 0 ||
        (rc = lines_split(&x, &lines)) < 0 ||
        (rc = structure_build(ctx->markers, &x, &lines, &st)) < 0)
        goto out;
    if (!st.n_blocks) {
        snprintf(res->error, sizeof res->error,
                 "empty document: only boilerplate (%zu bytes)", len);
        rc = PARSE_FAILED;
        goto out;
    }
    /* The published text is made of the cleaned one, except for a title
     * that HTML or JSON give. */
    rc = analyze(ctx, ws, &x, &st, fused ? &cl : NULL, res);
out:
    free(dec.u);
    pextract_free(&x);
    free(lines.v);
    pstruct_free(&st);
    return rc;
}

int parse_document(parse_ctx *ctx, const void *bytes, size_t len,
                   const char *name, parse_result *res)
{
    pws *ws;
    int rc;
    if (!res)
        return -EINVAL;
    memset(res, 0, sizeof *res);
    if (!ctx || (!bytes && len))
        return -EINVAL;
    if (len == 0) {
        snprintf(res->error, sizeof res->error, "empty document (0 bytes)");
        return PARSE_FAILED;
    }
    if (len > PARSE_MAX_INPUT) {
        snprintf(res->error, sizeof res->error,
                 "document too large: %zu bytes (limit %zu MiB)", len,
                 PARSE_MAX_INPUT >> 20);
        return PARSE_FAILED;
    }
    ws = ws_get(ctx);
    if (!ws) {
        snprintf(res->error, sizeof res->error, "out of memory (ICU)");
        return -ENOMEM;
    }
    rc = run(ctx, ws, bytes, len, name, res);
    ws_put(ctx, ws);
    if (rc != PARSE_OK) {
        char keep[sizeof res->error];
        rc = failed(res, rc);
        memcpy(keep, res->error, sizeof keep);
        parse_result_clear(res);
        memcpy(res->error, keep, sizeof keep);
    }
    return rc;
}
