/*
 * Checkpoints off the commit path.  SQLite's automatic checkpoint runs
 * inside the commit that finds the WAL over 1,000 pages: that document
 * waits while thousands of pages are read back and copied, and so do all
 * the documents queued behind it.  Instead, the writer's WAL hook wakes a
 * thread with its own connection that runs a PASSIVE checkpoint (it never
 * waits for or blocks the writer or the readers); the writer restarts the
 * WAL from its beginning when it finds everything in it copied.
 *
 * While documents stream in, a passive checkpoint never catches up with
 * the writer (its syncs take milliseconds, commits keep coming) and the WAL
 * would grow without end.  So when it has not been restarted for
 * CKPT_LIMIT pages, the checkpointer copies the last frames while no
 * commit runs (the caller's exclusive()), a short pause after which the
 * next commit restarts the WAL.
 */
#ifndef SQLIDX_CKPT_H
#define SQLIDX_CKPT_H

#include <sqlite3.h>
#include <stddef.h>

/* Pages in the WAL that wake the checkpointer (SQLite's own default). */
#define CKPT_PAGES 1000
/* Pages in the WAL that make it catch up while commits wait. */
#define CKPT_LIMIT 4000

/* Runs fn(fn_arg) while no commit runs (batch_exclusive). */
typedef void (*ckpt_exclusive_fn)(void *arg, void (*fn)(void *),
                                  void *fn_arg);

struct ckpt;

/* Opens the checkpointer's connection to path, starts its thread and
 * installs the hook on writer (turning writer's automatic checkpoints
 * off).  0, or a negative errno with a message in err (the writer is then
 * left with its automatic checkpoints). */
int ckpt_start(struct ckpt **out, sqlite3 *writer, const char *path,
               ckpt_exclusive_fn exclusive, void *arg, char *err,
               size_t errlen);

/* Stops the thread (after the checkpoint under way, if any) and closes its
 * connection; the writer gets its automatic checkpoints back.  Call before
 * closing the writer.  NULL-safe. */
void ckpt_stop(struct ckpt *c);

/* Checkpoints run so far (for tests). */
unsigned long ckpt_count(struct ckpt *c);

#endif
