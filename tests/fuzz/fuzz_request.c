/*
 * Fuzz target: the event socket's request path as the daemon runs it --
 * bytes arriving in arbitrary pieces go through linebuf_feed() (with a
 * max_line taken from the input), each complete line through
 * request_parse().  Invariants: the lines handed out are exactly the input
 * split on '\n', none longer than max_line, -E2BIG only for a line that is
 * really too long, and a parsed request is well formed.
 */
#include "fuzz.h"

#include "request.h"

#include <errno.h>
#include <string.h>

struct ctx {
    const char *payload;
    size_t len;
    size_t cursor;   /* where the next expected line starts */
    size_t max_line;
    unsigned lines;
};

static int on_line(void *p, char *line, size_t len)
{
    struct ctx *c = p;
    struct request rq;
    char err[300];
    const char *nl;
    FUZZ_ASSERT(len <= c->max_line);
    FUZZ_ASSERT(memchr(line, '\n', len) == NULL);
    /* The line is the next piece of the payload, up to its newline. */
    FUZZ_ASSERT(c->cursor + len < c->len);
    FUZZ_ASSERT(memcmp(line, c->payload + c->cursor, len) == 0);
    nl = c->payload + c->cursor + len;
    FUZZ_ASSERT(*nl == '\n');
    c->cursor += len + 1;
    c->lines++;
    err[0] = '\0';
    if (request_parse(line, len, &rq, err, sizeof err) == 0) {
        FUZZ_ASSERT(rq.json != NULL && rq.opname != NULL);
        if (rq.op == REQ_SUBSCRIBE) {
            FUZZ_ASSERT(!rq.has_events || rq.n_events <= 256);
            for (size_t i = 0; i < rq.n_events; i++)
                FUZZ_ASSERT(rq.events[i] != NULL && strlen(rq.events[i]) <= 256);
        } else {
            FUZZ_ASSERT(rq.events == NULL && !rq.has_since);
        }
        request_clear(&rq);
    } else {
        FUZZ_ASSERT(err[0] != '\0');
        FUZZ_ASSERT(rq.json == NULL && rq.events == NULL);
    }
    /* A line "STOP" closes the client, as an error reply to it might. */
    return len == 4 && memcmp(line, "STOP", 4) == 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct linebuf lb = {0};
    struct ctx c;
    uint32_t seed;
    size_t off = 0;
    int r = 0;
    if (size < 2)
        return 0;
    /* Byte 0: max_line (small ones hit the limit; 0 means the default);
     * byte 1: how the bytes are cut into reads. */
    c.max_line = data[0] ? (size_t)data[0] * 4 : 64 * 1024;
    seed = data[1] * 2654435761u + 1;
    c.payload = (const char *)data + 2;
    c.len = size - 2;
    c.cursor = 0;
    c.lines = 0;
    while (off < c.len) {
        size_t piece;
        seed = seed * 1103515245u + 12345u;
        piece = 1 + (seed >> 16) % 97;
        if (piece > c.len - off)
            piece = c.len - off;
        r = linebuf_feed(&lb, c.payload + off, piece, c.max_line, on_line, &c);
        off += piece;
        if (r != 0)
            break;
    }
    if (r == -E2BIG) {
        /* The line being gathered is really longer than max_line. */
        const char *nl = memchr(c.payload + c.cursor, '\n', c.len - c.cursor);
        size_t line_len = nl ? (size_t)(nl - (c.payload + c.cursor)) : c.len - c.cursor;
        FUZZ_ASSERT(line_len > c.max_line);
    } else if (r == 0) {
        /* Everything after the last newline is buffered, nothing else. */
        FUZZ_ASSERT(lb.len == c.len - c.cursor);
        FUZZ_ASSERT(lb.len == 0 || memcmp(lb.buf, c.payload + c.cursor, lb.len) == 0);
    } else {
        FUZZ_ASSERT(r == 1);
    }
    linebuf_clear(&lb);
    return 0;
}
