/*
 * The wire format between the daemon and an isolated plugin's worker
 * process (worker.c): one frame per message on a stream socket.
 *   u32 magic "IBX1", u32 header length, u64 blob length,
 *   header: JSON object (id, name_hex, received_ms, flags, lang, meta,
 *           entities, raw_len, text_len, views [{name,len}], and in
 *           replies status and error),
 *   blobs: raw bytes, text bytes, view bytes, in that order.
 */
#ifndef INBOXD_WIRE_H
#define INBOXD_WIRE_H

#include "doc.h"

/* Writes a request (with raw) or a reply (status, error; without raw).
 * Blocking; 0 or a negative errno. */
int wire_send_doc(int fd, const inboxd_doc *d, int with_raw, int status);

/* Reads one frame within timeout_ms (-1: none).  For a request (*doc NULL)
 * a new document is made; for a reply the results are applied onto *doc
 * and *status set.  0, -ETIMEDOUT, -EPIPE (peer gone), -EPROTO (garbage) or
 * another negative errno. */
int wire_recv_doc(int fd, inboxd_doc **doc, int *status, int timeout_ms);

#endif
