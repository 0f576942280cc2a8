/*
 * parse -- the first stage of the inboxd pipeline, usable without the host.
 *
 * parse_document() turns the bytes of a report (any encoding, any of the
 * formats below, any garbage) into clean NFC UTF-8 text plus metadata.  The
 * inboxd plugin (plugin.c) is a thin wrapper around it; a fuzzer or a tool
 * can call it directly:
 *
 *     parse_ctx *ctx;
 *     char err[256];
 *     if (parse_ctx_new(&ctx, "{}", "/etc/inboxd", err, sizeof err) < 0) ...
 *     parse_result r;
 *     int rc = parse_document(ctx, bytes, len, "report.txt", &r);
 *     ... rc == PARSE_OK: r.text, r.title ...; rc == PARSE_FAILED: r.error
 *     parse_result_clear(&r);
 *     ctx = parse_ctx_free(ctx);
 *
 * Decisions (see also the data files markers.json and langs.json in
 * etc/inboxd/parse/):
 *
 *  Encodings.  A BOM wins (UTF-8, UTF-16LE/BE, UTF-32LE/BE), then a charset
 *  forced by the "charsets" config, then strict UTF-8 (valid UTF-8, or
 *  UTF-8 whose valid multi-byte sequences outnumber its invalid bytes: the
 *  bad bytes become U+FFFD).  Otherwise every candidate -- ICU's ucsdet
 *  guesses, the legacy charsets inboxd supports (windows-1252, -1253,
 *  -1256, -1258, ISO-8859-6, -7), UTF-16 when the byte pattern says so, a
 *  charset an HTML page declares -- is decoded and scored: characters that
 *  are not text (U+FFFD, controls, unassigned), letters of two scripts
 *  glued in one word, symbols inside words cost; letters and stop-word hits
 *  of the language profiles pay.  This is how windows-1258 (unknown to
 *  ucsdet) is found: Vietnamese decoded as 1258 is full of Vietnamese stop
 *  words, decoded as 1252 it has none.  When two candidates decode the
 *  sample to the same text (1253 vs ISO-8859-7, 1256 vs ISO-8859-6 on most
 *  texts) the superset windows-125x is reported.  Pure ASCII is reported as
 *  "UTF-8".
 *
 *  Bad bytes.  Bytes that decode to nothing (invalid sequences, lone
 *  surrogates, truncated characters), NUL and other control characters
 *  (except TAB, LF, VT, FF, CR, NEL) become U+FFFD and are counted in
 *  replaced_bytes.  When no candidate gives plausible text, the bytes are
 *  read as UTF-8; when the bad bytes are more than max_undecodable of the
 *  document it fails: "not text: 37% undecodable bytes".
 *
 *  Empty documents fail (PARSE_FAILED, so they land in failed/ with the
 *  reason): a 0-byte file with "empty document (0 bytes)", a file with no
 *  visible character (whitespace, BOM, zero-width characters) with "empty
 *  document: only whitespace (N bytes)", a file with nothing but
 *  boilerplate (a comment counter, an ad placeholder) with "empty document:
 *  only boilerplate (N bytes)".
 *
 *  Text.  NFC; CRLF, CR, NEL, LS, PS, VT, FF become LF; zero-width and bidi
 *  control characters (Bidi_Control, Join_Control, ZWSP, WJ, ZWNBSP, soft
 *  hyphen) and the Arabic tatweel are removed; runs of spaces (any Zs, TAB)
 *  become one space.  The published text is: the title line when the
 *  document has one (a short first line without a final full stop, a
 *  Markdown/HTML heading, the JSON "title"), then the paragraphs and
 *  captions in document order, separated by "\n\n".  Byline, source line
 *  and boilerplate are not in it.  When the document has no title line,
 *  the title is the first sentence of the lead (cut at a word boundary to
 *  at most 200 characters, with "..." appended as U+2026).
 *
 *  Formats.  By extension: .txt/.text and no extension are text, .md
 *  Markdown, .html/.htm/.xhtml HTML, .json the envelope {"title", "body",
 *  "source", "published", "lang"} ("body" required, a string; other
 *  members ignored; an HTML body is read as HTML).  Any other extension is
 *  sniffed on the decoded text: an envelope, HTML, Markdown, else text.
 *  HTML goes through libxml2's HTML parser; its main container (<article>,
 *  <main>, role=main, else <body>) minus scripts, styles, navigation,
 *  forms, hidden elements and the containers the marker file names gives
 *  one line per block element; one <br> is a space, two end the block.
 *  Plain text gets the traces scrapers leave (image lines "![]()", table
 *  pipes, rules); Markdown gets CommonMark's inline syntax removed.
 *
 *  Structure.  Captions are lines of at most 25 words (or 60 words after an
 *  image placeholder such as "![]()") without final punctuation that stand
 *  between paragraphs; HTML <figcaption> is a caption.  The source line is
 *  one of the last four lines, starting with a source marker; its URL (or
 *  a URL on the next line) is source_url.  The byline is the line just
 *  before the source line, split on the separators of the marker file; a
 *  line starting with a byline prefix ("By") near the head or at the end
 *  is a byline too.  Hard-wrapped plain text (lines of 50 to 100
 *  characters that mostly do not end a sentence) is joined into
 *  paragraphs; Markdown paragraphs follow CommonMark (consecutive lines
 *  are one paragraph).
 *
 *  Languages.  Per paragraph: the script with most letters (uscript; Han
 *  with kana is "Jpan"), then the profile of that script with most stop
 *  words (langs.json), else the script's language, else "und"; an "und"
 *  paragraph takes the main language of its script in the document.  The
 *  document's langs are the languages' shares of the letters.
 *
 *  Counts.  chars are code points of the published text, words are ICU word
 *  break segments holding a letter or a number, sentences are ICU sentence
 *  break segments holding one.

 * Thread safety: a parse_ctx is read-only after parse_ctx_new() (plus a
 * locked pool of ICU objects), so parse_document() may run on several
 * threads at once with one ctx.
 */
#ifndef INBOXD_PARSE_H
#define INBOXD_PARSE_H

#include <stddef.h>

/* parse_document() results besides negative errnos. */
#define PARSE_OK 0
#define PARSE_FAILED 1 /* the document is not usable: res->error says why */

/* Documents larger than this fail ("document too large"): ICU works with
 * int32_t lengths and the UTF-8 text may be three times the input. */
#define PARSE_MAX_INPUT ((size_t)256 << 20)

typedef struct parse_ctx parse_ctx;

/* A span of the published text, in bytes, with its language (BCP 47)
 * and its dominant script (ISO 15924, "Zyyy" when it has no letter). */
typedef struct parse_span {
    size_t start;
    size_t end;
    char lang[16];
    char script[8];
} parse_span;

typedef struct parse_lang_share {
    char lang[16];
    double share; /* 0..1 of the letters of the text */
} parse_lang_share;

typedef struct parse_counts {
    size_t chars;
    size_t words;
    size_t sentences;
    size_t paragraphs;
} parse_counts;

/* Everything parse_document() found.  All pointers are owned by the result
 * and freed by parse_result_clear(); strings are NUL-terminated UTF-8;
 * optional strings are NULL when absent. */
typedef struct parse_result {
    char error[256]; /* why, when parse_document() returned PARSE_FAILED */

    char *text; /* the published text (never NULL on PARSE_OK) */
    size_t text_len;
    char *ascii_digits; /* text with every decimal digit as ASCII; NULL
                           when the text has no non-ASCII digit (then it
                           is the text) */
    size_t ascii_digits_len;

    char *title;      /* never NULL on PARSE_OK */
    char *lead;       /* the first paragraph; never NULL on PARSE_OK */
    char *source;     /* the source line as written, or the JSON "source" */
    char *source_url; /* the URL of the source line, or NULL */
    char *published;  /* JSON "published", HTML article:published_time */
    char *lang_declared; /* JSON "lang", HTML <html lang> */
    char **byline;    /* n_byline names */
    size_t n_byline;

    parse_span *paragraphs; /* the lead is paragraphs[0] */
    size_t n_paragraphs;
    parse_span *captions;
    size_t n_captions;

    const char *format;   /* "text" "markdown" "html" "json" (static) */
    char charset[48];     /* IANA name: "UTF-8", "windows-1256" */
    int charset_confidence; /* 0..100 */
    size_t replaced_bytes;  /* input bytes that became U+FFFD */

    char script[8]; /* ISO 15924 of the dominant script ("Arab"), "Zyyy" */
    char lang[16];  /* dominant language, "und" when unknown */
    parse_lang_share *langs; /* every language found, largest share first */
    size_t n_langs;

    parse_counts counts;
} parse_result;

/* Makes a context from the plugin's config object (JSON text; NULL or ""
 * mean "{}").  Keys: "markers" (path, default "parse/markers.json"),
 * "langs" (path, default "parse/langs.json"), "charsets" ([{"pattern":
 * "*.cp1256.txt", "charset": "windows-1256"}], fnmatch(3) on the document
 * name), "max_undecodable" (0..1, default 0.10).  Relative paths are
 * resolved against config_dir (which may be NULL: then against the working
 * directory).  Returns 0, or a negative errno with a message naming the
 * problem (the unknown key, the bad file) in err. */
int parse_ctx_new(parse_ctx **out, const char *config_json,
                  const char *config_dir, char *err, size_t errlen);
/* NULL-safe; returns NULL. */
parse_ctx *parse_ctx_free(parse_ctx *ctx);

/* Parses len bytes (any content; bytes may be NULL when len is 0) of the
 * document called name (the original file name; may be NULL or invalid
 * UTF-8).  Fills *res (always initialised, even on error) and returns
 * PARSE_OK, PARSE_FAILED (res->error says why: permanent), or a negative
 * errno (-ENOMEM: transient).  Safe to call concurrently with one ctx. */
int parse_document(parse_ctx *ctx, const void *bytes, size_t len,
                   const char *name, parse_result *res);

/* Frees everything in res and zeroes it; NULL-safe. */
void parse_result_clear(parse_result *res);

#endif
