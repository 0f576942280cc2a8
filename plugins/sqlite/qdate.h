/*
 * Times for queries: parsing --since values and printing stored times.
 * All times are milliseconds since the epoch, UTC.
 */
#ifndef SQLIDX_QDATE_H
#define SQLIDX_QDATE_H

#include <stddef.h>
#include <stdint.h>

/* Parses s into *out_ms.  Accepted:
 *   2024-06-30                       midnight UTC
 *   2024-06-30T08:15[:30[.250]]      UTC unless a zone follows:
 *   ...Z  ...+03:00  ...-0500        (a space may replace the T)
 *   7d  12h  30m  45s  2w            that long before now_ms
 *   now
 * Returns 0, or -EINVAL for anything else (dates are checked: no
 * 2023-02-30). */
int q_parse_time(const char *s, int64_t now_ms, int64_t *out_ms);

/* "2024-06-30T08:15:30.250Z" into buf (>= 32 bytes). */
void q_format_time(int64_t ms, char *buf, size_t len);

#endif
