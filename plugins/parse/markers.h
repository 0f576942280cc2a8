/*
 * The marker lists of a news report (etc/inboxd/parse/markers.json): words
 * that introduce the source line, comment counters, ad placeholders, other
 * boilerplate lines, byline prefixes and separators, image placeholders,
 * and the HTML class/id words of boilerplate containers and captions.
 * Per language in the file, used together (a Greek report may end with an
 * English "Source:").  Loaded once; read-only afterwards (thread-safe).
 *
 * Line matchers take one cleaned line (NFC, trimmed, single spaces) and
 * compare case-insensitively (full case folding).
 */
#ifndef PARSE_MARKERS_H
#define PARSE_MARKERS_H

#include "pint.h"

/* Loads path; 0, or a negative errno with a message naming the file and
 * the field in err. */
int markers_load(const char *path, pmarkers **out, char *err, size_t errlen);
/* NULL-safe; returns NULL. */
pmarkers *markers_free(pmarkers *m);

/* 1 when the whole line is boilerplate: a comment counter ("Comment (0)"),
 * an ad placeholder ("[διαφήμιση_2]"), a phrase such as "Read more". */
int markers_is_boilerplate(const pmarkers *m, const UChar *s, int32_t n);
/* 1 when the whole line is an image placeholder ("[Photo]"). */
int markers_is_image(const pmarkers *m, const UChar *s, int32_t n);
/* 1 when the line is a source line: a source marker alone, or followed by
 * ':' (or a dash) and anything, or by a URL.  *rest: where the text after
 * the marker and its separator starts. */
int markers_source(const pmarkers *m, const UChar *s, int32_t n,
                   int32_t *rest);
/* 1 when the line starts with a byline prefix ("By ", "Bởi "); *rest as
 * above. */
int markers_byline_prefix(const pmarkers *m, const UChar *s, int32_t n,
                          int32_t *rest);
/* The byline separators (" - "), i < markers_n_separators(). */
size_t markers_n_separators(const pmarkers *m);
const UChar *markers_separator(const pmarkers *m, size_t i, int32_t *n);
/* 1 when an HTML class or id value names a boilerplate container
 * ("comments", "share-buttons") or a caption ("photo-caption"): one of its
 * words (split on space, '-' and '_') is in the list. */
int markers_html_drop(const pmarkers *m, const char *attr);
int markers_html_caption(const pmarkers *m, const char *attr);

#endif
