/*
 * Recorded tokenizations: sdoc_prepare tokenizes a document's title and
 * body on the thread that runs process(), in parallel with the others,
 * and the commit replays the terms to FTS5 instead of tokenizing inside
 * the write transaction (which one thread at a time holds).
 *
 * The committing thread names the recordings it is about to insert with
 * tokrec_replay_set; the "inboxd" tokenizer, asked by FTS5 on that thread
 * to tokenize a document text equal (same bytes) to a recording, emits
 * the recorded terms (the very ones tok_run gives for it) and does not
 * run ICU again.  Anything else is tokenized as usual.
 */
#ifndef SQLIDX_TOKREC_H
#define SQLIDX_TOKREC_H

#include <stddef.h>
#include <stdint.h>

/* Texts longer than this are not recorded (the recording takes about
 * twice the text's size): the commit tokenizes them. */
#define TOKREC_MAX_TEXT (1u << 20)

struct tokrec_term {
    uint32_t off;   /* into terms */
    uint32_t start, end;
    uint16_t n;
    uint8_t colocated;
};

/* Owned by whoever declared it; free with tokrec_free.  A zeroed one is an
 * empty, unused recording. */
struct tokrec {
    const char *text; /* the caller's text (not copied: it must outlive the
                       * replay) */
    size_t len;
    int used;         /* 1 once recorded */
    char *terms;
    size_t terms_len, terms_cap;
    struct tokrec_term *v;
    size_t n, cap;
};

/* Records the document tokenization of text[0..len) (flags 0).  0 when
 * recorded, 1 when the text is too long or empty (not recorded, not an
 * error), or a negative errno. */
int tokrec_record(struct tokrec *r, const char *text, size_t len);
/* NULL-safe; leaves *r zeroed. */
void tokrec_free(struct tokrec *r);

/* Sets the recordings this thread may replay (n may be 0: none); the
 * array must stay valid until the next call. */
void tokrec_replay_set(const struct tokrec *const *recs, size_t n);

/* Called by the tokenizer: when this thread has a recording of exactly
 * text[0..len), calls emit for each of its terms (FTS5's xToken
 * signature) and returns 1 (or the first non-zero code of emit, as a
 * negative number); 0 when there is none. */
int tokrec_replay(const char *text, size_t len, void *ctx,
                  int (*emit)(void *, int, const char *, int, int, int),
                  int colocated_flag);

#endif
