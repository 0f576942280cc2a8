/*
 * Small helpers shared by the daemon and inboxctl: time, hashing, UTF-8,
 * files.  No state.
 */
#ifndef INBOXD_UTIL_H
#define INBOXD_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Wall-clock milliseconds since the epoch. */
int64_t util_now_ms(void);
/* Monotonic milliseconds. */
uint64_t util_mono_ms(void);

/* RFC 3339 UTC with milliseconds, "2026-11-23T01:22:07.123Z"; buf >= 32. */
void util_rfc3339(int64_t ms, char *buf, size_t len);

/* SHA-256 of data as 64 lower-case hex chars plus NUL into out[65]. */
void util_sha256_hex(const void *data, size_t len, char out[65]);

/* 1 when s[0..len) is valid UTF-8 (no overlongs, no surrogates). */
int util_utf8_valid(const char *s, size_t len);

/* A copy of name made safe for a file name: '/' and control bytes become
 * '_', invalid UTF-8 bytes become '_', "." and ".." become "_", at most
 * maxlen bytes (cut on a character boundary).  Never empty ("_").  Caller
 * frees. */
char *util_sanitize_name(const char *name, size_t maxlen);

/* A copy of name with invalid UTF-8 replaced by U+FFFD, for JSON.  Caller
 * frees. */
char *util_utf8_lossy(const char *name);

/* A name's bytes as lower-case hex, and back (a NUL byte decodes as '_'
 * so the result stays a C string).  Caller frees; NULL on out of memory. */
char *util_hex_encode(const char *s);
char *util_hex_decode(const char *hex);

/* Reads a whole file opened at dirfd/name with O_NOFOLLOW, at most max
 * bytes (-EFBIG past it).  *out is malloc'd with a spare NUL.  Returns 0 or
 * a negative errno. */
int util_read_file(int dirfd, const char *name, size_t max,
                   unsigned char **out, size_t *len);
/* The same for an already open fd (read from its current position). */
int util_read_fd(int fd, size_t max, unsigned char **out, size_t *len);

/* Writes data to dir/name atomically (temp file, fsync when sync, rename).
 * Returns 0 or a negative errno. */
int util_write_atomic(const char *dir, const char *name, const void *data,
                      size_t len, int sync);

/* mkdir -p with mode; 0 or a negative errno. */
int util_mkdir_p(const char *path, mode_t mode);

/* Joins a and b with '/'; caller frees. */
char *util_path_join(const char *a, const char *b);

#endif
