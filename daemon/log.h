/*
 * Logging: stderr lines with syslog priority prefixes ("<3>inboxd: ..."),
 * or sd_journal_send with structured fields (DOC_ID, PLUGIN, STAGE) when
 * stderr is connected to the journal.  Thread-safe.
 */
#ifndef INBOXD_LOG_H
#define INBOXD_LOG_H

#include <stdarg.h>

/* Priorities are syslog's: 3 err, 4 warning, 5 notice, 6 info, 7 debug. */
void log_init(void);
void log_set_level(int level);
int log_get_level(void);
/* "error", "warning", "notice", "info", "debug" -> level, or -1. */
int log_level_parse(const char *name);

void log_vmsg(int prio, const char *plugin, const char *doc_id,
              const char *stage, const char *fmt, va_list ap);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_doc(int prio, const char *doc_id, const char *plugin, const char *stage,
             const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define log_err(...) log_msg(3, __VA_ARGS__)
#define log_warn(...) log_msg(4, __VA_ARGS__)
#define log_notice(...) log_msg(5, __VA_ARGS__)
#define log_info(...) log_msg(6, __VA_ARGS__)
#define log_debug(...) log_msg(7, __VA_ARGS__)

#endif
