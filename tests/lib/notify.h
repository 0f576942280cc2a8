/*
 * Test helpers for the daemon's systemd integration, without systemd:
 *   - a notification socket (what systemd binds for NOTIFY_SOCKET): a
 *     datagram socket that records every sd_notify() message with the
 *     sender's pid (SCM_CREDENTIALS, as NotifyAccess=main checks it) and
 *     the time it arrived;
 *   - a launcher that starts a program with extra environment variables
 *     and, optionally, a listening socket passed as fd 3 (LISTEN_FDS);
 *   - a parser of the journal's native datagrams (sd_journal_send).
 * Everything here uses Check assertions on setup failures.
 */
#ifndef TESTS_NOTIFY_H
#define TESTS_NOTIFY_H

#include "e2e.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NOTIFY_MAX_MSGS 4096

struct notify_msg {
    char *text;    /* owned, NUL-terminated, "KEY=VALUE\n..." */
    pid_t pid;     /* sender, from SCM_CREDENTIALS */
    int64_t at_ms; /* CLOCK_MONOTONIC */
};

struct notify {
    int fd;
    char path[300];
    struct notify_msg msgs[NOTIFY_MAX_MSGS];
    size_t n;
};

/* Binds a datagram socket at dir/notify.sock.  The test's own receiver. */
void notify_open(struct notify *n, const char *dir);
/* Closes the socket, removes its file, frees the messages. */
void notify_close(struct notify *n);

/* Receives the next message (waiting up to timeout_ms) and appends it to
 * n->msgs.  Returns its index, or -1 on timeout. */
int notify_recv(struct notify *n, int timeout_ms);
/* Receives until a message with the line `line` ("READY=1") arrives, or,
 * when line ends with '=' ("STATUS="), a line starting with it.  Returns
 * the index of that message, or -1 on timeout.  Messages before it are
 * kept in n->msgs. */
int notify_wait(struct notify *n, const char *line, int timeout_ms);
/* The value of the first line of msg starting with key ("STATUS="), or
 * NULL; points into msg. A copy up to the end of line goes to out. */
const char *notify_value(const char *msg, const char *key, char *out, size_t outlen);
/* 1 when msg has exactly the line `line`. */
int notify_has_line(const char *msg, const char *line);
/* Index of the first message at or after from with line `line`, or -1. */
int notify_find(const struct notify *n, size_t from, const char *line);

/* How to start a program. */
struct launch {
    const char *prog;       /* NULL: BUILD/inboxd */
    const char *config;     /* passed as --config, or NULL */
    const char *const *env; /* "KEY=VALUE" strings set in the child; NULL
                               ends.  The value "$PID" is replaced by the
                               child's pid (WATCHDOG_PID, LISTEN_PID). */
    const char *const *unset; /* variables removed in the child */
    int listen_fd;          /* >= 0: becomes fd 3 in the child */
    int stderr_fd;          /* >= 0: the child's stderr; else e->log */
    const char *const *argv_prefix; /* run as argv_prefix... prog ... */
};

/* Forks and execs l->prog with "--config CONFIG --log-level info" (when
 * config is set), sets e->pid.  Does not wait for anything.  The child's
 * NOTIFY_SOCKET, WATCHDOG_*, LISTEN_* and JOURNAL_STREAM are cleared
 * before l->env is applied. */
void notify_launch(struct e2e *e, const struct launch *l);

/* Waits up to timeout_ms for e->pid to exit; returns its exit status
 * (128+signal when killed) or -1 when it still runs. */
int notify_wait_exit(struct e2e *e, int timeout_ms);

/* Milliseconds of CLOCK_MONOTONIC. */
int64_t notify_now_ms(void);
void notify_sleep_ms(int ms);

/* A listening Unix stream socket bound at path (mode 0600); its fd. */
int notify_listen_stream(const char *path);

/* The journal's native protocol: one datagram of fields, each either
 * "KEY=VALUE\n" or "KEY\n" + 64-bit little-endian length + VALUE + "\n".
 * Copies the value of field key into out (truncated, NUL-terminated) and
 * returns its length, or -1 when absent or malformed. */
ssize_t journal_field(const char *dgram, size_t len, const char *key, char *out,
                      size_t outlen);

/* Reads the whole file at path (malloc'd, NUL-terminated); NULL when it
 * cannot be read. */
char *notify_slurp(const char *path);

#endif
