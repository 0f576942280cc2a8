/*
 * The benchmark driver (build/bench/inboxd-bench): shared declarations.
 *
 * The driver builds a corpus, runs the real daemon on it (bulk ingest, then
 * single-file latency), runs the FTS5 floor and recollindex on the same
 * folder, runs the per-plugin helper programs when they were built, and
 * prints one table plus bench/results/latest.json.  Every section records
 * either its figures or why it was skipped ("skipped": "plugin parse not
 * built").
 *
 * Names: bn_ prefix.  Functions return 0 or a negative errno unless the
 * comment says otherwise; messages go to stderr (bn_log) as they happen.
 */
#ifndef BN_BN_H
#define BN_BN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* --- options and run state ---------------------------------------------- */

struct bn_opts {
    size_t n;            /* corpus documents (bulk ingest) */
    size_t latency_n;    /* single drops for the latency section */
    int quick;           /* --quick: smaller corpus and sections */
    int keep;            /* keep the work folder */
    int no_recoll;       /* skip the recoll row */
    int isolate;         /* run parse and entities isolated (worker processes) */
    double parse_mb;     /* bytes parsed in the parse section, MB */
    double ent_mb;       /* Arabic text through the extractor, MB */
    double ent_big_mb;   /* the largest single report, MB */
    unsigned seed;       /* corpus variation seed */
    const char *top;     /* source tree (absolute) */
    const char *build;   /* build folder (absolute) */
    const char *workdir; /* parent of the work folder (default TMPDIR) */
    const char *out;     /* JSON result path */
    const char *have;    /* production plugins that built: "parse,sqlite" */
};

/* --- util.c --------------------------------------------------------------- */

/* Monotonic seconds. */
double bn_now(void);
/* Message to stderr, ending the live progress line first. */
void bn_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The live progress line (stderr): rewritten in place on a terminal, one
 * line every few seconds otherwise.  bn_progress_end() finishes it. */
void bn_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bn_progress_end(void);
/* rm -rf path (no symlink is followed).  0 or a negative errno. */
int bn_rmtree(const char *path);
/* Total bytes of regular files under path (0 when absent). */
uint64_t bn_du(const char *path);
/* Size of one file, or 0. */
uint64_t bn_fsize(const char *path);
/* Whole file into a malloc'd NUL-terminated buffer; NULL on error. */
char *bn_slurp(const char *path, size_t *len);
/* Writes data to path (created or truncated).  0 or a negative errno. */
int bn_write(const char *path, const void *data, size_t len);
/* 1 when path exists and is executable / a regular file. */
int bn_is_exec(const char *path);
int bn_is_file(const char *path);
/* q-quantile (0..1) of v[0..n) sorted ascending (nearest rank). */
double bn_quantile(const double *v, size_t n, double q);
int bn_cmp_double(const void *a, const void *b);
/* 1 when name is in the comma-separated list. */
int bn_in_list(const char *list, const char *name);

/* --- proc.c: child processes ---------------------------------------------- */

struct bn_usage {
    double wall_s;    /* from spawn to exit */
    double user_s, sys_s;
    long maxrss_kb;   /* ru_maxrss of the child */
    int status;       /* exit code, or 128 + signal, or -1 */
};

/* Runs argv[0] (a path) with stdout into out_path (NULL: /dev/null) and
 * stderr into err_path (NULL: inherited), waits, fills *u.  With a label,
 * a live line with the elapsed time is shown.  A child still running after
 * timeout_s is killed (SIGKILL): u->status is then BN_TIMED_OUT.  Returns
 * the exit status (as u->status) or a negative errno when it could not
 * run. */
#define BN_TIMED_OUT 999
int bn_run(char *const argv[], const char *out_path, const char *err_path,
           const char *label, double timeout_s, struct bn_usage *u);
/* Starts argv in the background (stdin /dev/null, stderr into err_path);
 * returns the pid or a negative errno. */
pid_t bn_spawn(char *const argv[], const char *err_path);
/* SIGTERM, wait up to timeout_s, SIGKILL; returns the exit status. */
int bn_stop(pid_t pid, double timeout_s);
/* From /proc/PID/status: the value of "VmHWM:" / "VmRSS:" in kB, or -1. */
long bn_proc_kb(pid_t pid, const char *field);
/* From /proc/PID/stat: user + system CPU seconds, or -1. */
double bn_proc_cpu(pid_t pid);

/* --- corpus.c ------------------------------------------------------------- */

struct bn_corpus;

/* Loads the samples: every top-level tests/fixtures/ *.txt that is valid
 * UTF-8, 1-64 KB, and mostly Arabic or Greek letters.  -ENOENT when there
 * is no Arabic or no Greek sample (the message says which). */
int bn_corpus_load(struct bn_corpus **out, const char *fixtures_dir, unsigned seed);
void bn_corpus_free(struct bn_corpus *c);
/* Number of samples used per language (lang "ar" or "el"). */
size_t bn_corpus_samples(const struct bn_corpus *c, const char *lang);
/* Document number i (any i): a report of 5-13 KB made from the samples of
 * one language (i even: Arabic, odd: Greek), its paragraphs drawn and
 * ordered by i, its numbers varied; never the same bytes as another
 * document made by this corpus (checked by SHA-256; a clash draws again).
 * *text malloc'd.  Returns 0 or -ENOMEM. */
int bn_corpus_doc(struct bn_corpus *c, size_t i, char **text, size_t *len);
/* Writes documents [first, first+n) into dir as "r%07zu.txt".  Fills total
 * bytes; shows progress.  0 or a negative errno. */
int bn_corpus_write(struct bn_corpus *c, const char *dir, size_t first, size_t n,
                    uint64_t *bytes);

/* --- evsock.c: the daemon's event socket ---------------------------------- */

struct bn_sock;

/* Connects to path and subscribes to the comma-separated globs; waits up to
 * timeout_s for the socket to accept.  NULL with a message on failure. */
struct bn_sock *bn_sock_open(const char *path, const char *globs, double timeout_s);
void bn_sock_close(struct bn_sock *s);
/* The next line (NUL-terminated, valid until the next call) within
 * timeout_s; NULL on timeout or end of stream (*eof set then). */
const char *bn_sock_line(struct bn_sock *s, double timeout_s, int *eof);
/* The event name of a line ("document.done"), copied into buf; 0 or -1. */
int bn_event_name(const char *line, char *buf, size_t len);

/* --- the sections ---------------------------------------------------------- */

/* Context shared by the sections. */
struct bn_run {
    struct bn_opts *o;
    struct bn_corpus *corpus;
    char dir[512];       /* work folder */
    char corpus_dir[1024];/* the N reports */
    uint64_t corpus_bytes;
    char inboxd_db[2048]; /* the daemon's index after its run, or "" */
    char floor_db[1024];  /* the floor's index, or "" */
    char recoll_conf[1100]; /* recoll's config folder after indexing, or "" */
    json_t *res;         /* the result object (latest.json) */
};

/* daemon.c: bulk ingest then latency; fills res "inboxd" and "latency". */
int bn_daemon(struct bn_run *r);
/* floor.c: the plain FTS5 floor; fills res "floor". */
int bn_floor(struct bn_run *r);
/* recoll.c: recollindex; fills res "recoll". */
int bn_recoll(struct bn_run *r);
/* quality.c: the same words in every index; fills res "quality". */
int bn_quality(struct bn_run *r);
/* tools.c: the helper programs (parse, entities); fills res "parse",
 * "entities". */
int bn_tools(struct bn_run *r);
/* The index section (the sqlite plugin alone), run right after the floor
 * so that both meet the machine in the same state. */
int bn_index(struct bn_run *r);
/* report.c: the table on stdout and the JSON file. */
int bn_report(struct bn_run *r);

/* tools.c: runs BUILD/bench/NAME with args, parses the JSON object it prints
 * last on stdout.  NULL (and *why set, static text) when it failed. */
json_t *bn_tool_json(struct bn_run *r, const char *name, char *const args[],
                     const char *label, struct bn_usage *u, const char **why);

/* The section's skip record: {"skipped": why}. */
json_t *bn_skipped(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
