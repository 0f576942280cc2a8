/*
 * End-to-end test helpers: start the real build/inboxd on a temporary
 * inbox, state dir and socket, talk to the real socket, drop files.
 * Set VALGRIND=1 to run the daemon under valgrind memcheck (leaks and
 * errors make it exit 99, which e2e_stop reports).
 */
#ifndef TESTS_E2E_H
#define TESTS_E2E_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

struct e2e {
    char dir[256];
    char inbox[300], state[300], sock[300], config[300];
    pid_t pid;
    char log[300]; /* the daemon's stderr */
};

/* Where the source tree and build are (INBOXD_TOP, BUILD env). */
const char *e2e_top(void);
const char *e2e_build(void);
/* build/tests/plugins/NAME.so or build/plugins/NAME.so as an absolute path */
const char *e2e_plugin(const char *name, int test_plugin);

/* Makes a temp dir and writes a config with the given "plugins" JSON array
 * text and extra top-level members (text without braces, may be ""). */
void e2e_init(struct e2e *e, const char *plugins_json, const char *extra_json);
/* Starts the daemon and waits for its socket to answer. */
void e2e_start(struct e2e *e);
/* Starts the daemon without waiting (it may exit at once). */
void e2e_spawn(struct e2e *e);
/* SIGTERM, wait; returns the exit status (or 128+signal). */
int e2e_stop(struct e2e *e);
/* SIGKILL, wait. */
void e2e_kill(struct e2e *e);
/* Runs build/inboxd with args (NULL-terminated) and returns its exit code;
 * output (stdout+stderr) into out (malloc'd) when out is not NULL. */
int e2e_run(char **out, const char *prog, ...);
/* Removes the temp dir. */
void e2e_cleanup(struct e2e *e);

/* A connection to the socket. */
int e2e_connect(struct e2e *e);
void e2e_send(int fd, const char *line);
/* Reads the next JSON line (timeout ms); NULL on timeout/close. */
json_t *e2e_read(int fd, int timeout_ms);
/* Reads until an event named event (glob) arrives; NULL on timeout. */
json_t *e2e_wait_event(int fd, const char *event, int timeout_ms);
/* Subscribes fd to globs (comma-separated) and waits for the reply. */
void e2e_subscribe(int fd, const char *globs);
/* Sends {"op":"status"} on a new connection and returns the reply. */
json_t *e2e_status(struct e2e *e);

/* Drops a file: by writing it in place (close-write) or by writing
 * ".name.part" then rename(). */
void e2e_drop(struct e2e *e, const char *name, const void *data, size_t len, int by_rename);
void e2e_drop_fixture(struct e2e *e, const char *fixture, const char *name, int by_rename);
/* Reads tests/fixtures/NAME; malloc'd. */
char *e2e_fixture(const char *name, size_t *len);

/* Counts files in state/SUB, recursively, leaving out hidden files and
 * work/claims.log. */
int e2e_count(struct e2e *e, const char *sub);

/* A field of /proc/PID/status in kB ("VmRSS:", "VmHWM:"), or -1. */
long e2e_proc_kb(pid_t pid, const char *field);

/* Runs a test program's suite, each test in its own process (Check's
 * default); the exit status is 1 when a test failed.  The suite is
 * passed as void * so this header does not need check.h. */
int e2e_run_suite(void *suite);

#endif
