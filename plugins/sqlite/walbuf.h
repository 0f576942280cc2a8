/*
 * A VFS over SQLite's default one, for the writer connection: the frames
 * SQLite appends to the WAL file are gathered in memory and written with
 * one call per commit (per 120 KB) instead of two per page (a 24-byte
 * frame header, then the page).  In small transactions that write 30-40 pages those
 * ~70 write calls cost more than everything else in the commit but the
 * full-text flush.
 *
 * What is pending is written before anything could need it: at the end
 * of a commit's last frame (its header carries the database size), and
 * before any read, sync, size query, truncation or close of the WAL file,
 * before a write that does not follow it, and when 120 KB are pending.  So a
 * commit is in the file before the WAL index makes it visible to readers,
 * and a failed write is reported by the write call that made the commit.
 * Other files (the database, the shared memory) go straight through.
 */
#ifndef SQLIDX_WALBUF_H
#define SQLIDX_WALBUF_H

#define WALBUF_VFS "inboxd-walbuf"

/* Registers the VFS (once; not as the default).  SQLITE_OK or an SQLite
 * error code. */
int walbuf_register(void);

#endif
