#include "log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

static int level = 6;
static int use_journal;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Under systemd, JOURNAL_STREAM names the device:inode of the stream stderr
 * is connected to; when it matches, the journal is there to take fields.
 * (sd_journal_send drops messages silently when the journal's socket does
 * not exist: then stderr, which goes to the journal too, is used.) */
void log_init(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    struct stat st;
    unsigned long dev, ino;
    use_journal = 0;
    if (js && sscanf(js, "%lu:%lu", &dev, &ino) == 2 && fstat(2, &st) == 0 &&
        st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino &&
        access("/run/systemd/journal/socket", F_OK) == 0)
        use_journal = 1;
}

void log_set_level(int l) { level = l; }
int log_get_level(void) { return level; }

int log_level_parse(const char *name)
{
    static const char *names[] = {"emerg", "alert", "crit", "error",
                                  "warning", "notice", "info", "debug"};
    for (int i = 0; i < 8; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    if (strcmp(name, "err") == 0)
        return 3;
    if (strcmp(name, "warn") == 0)
        return 4;
    return -1;
}

/* The fields DOC_ID, PLUGIN and STAGE are sent only when known. */
static int journal_send(int prio, const char *plugin, const char *doc_id,
                        const char *stage, const char *msg)
{
    char f_msg[2100], f_prio[16], f_doc[96], f_plugin[160], f_stage[48];
    struct iovec iov[6];
    int n = 0;
#define FIELD(buf, fmt, val)                                                   \
    do {                                                                       \
        int l_ = snprintf(buf, sizeof buf, fmt, val);                          \
        iov[n].iov_base = buf;                                                 \
        iov[n].iov_len = l_ < 0 ? 0 : (size_t)l_ < sizeof buf ? (size_t)l_      \
                                                             : sizeof buf - 1; \
        n++;                                                                   \
    } while (0)
    FIELD(f_msg, "MESSAGE=%s", msg);
    FIELD(f_prio, "PRIORITY=%d", prio);
    iov[n].iov_base = (void *)"SYSLOG_IDENTIFIER=inboxd";
    iov[n++].iov_len = strlen("SYSLOG_IDENTIFIER=inboxd");
    if (doc_id && *doc_id)
        FIELD(f_doc, "DOC_ID=%s", doc_id);
    if (plugin && *plugin)
        FIELD(f_plugin, "PLUGIN=%s", plugin);
    if (stage && *stage)
        FIELD(f_stage, "STAGE=%s", stage);
#undef FIELD
    return sd_journal_sendv(iov, n);
}

void log_vmsg(int prio, const char *plugin, const char *doc_id,
              const char *stage, const char *fmt, va_list ap)
{
    char msg[2048];
    if (prio > level)
        return;
    vsnprintf(msg, sizeof msg, fmt, ap);
    /* When the journal cannot be reached, the line goes to stderr. */
    if (use_journal && journal_send(prio, plugin, doc_id, stage, msg) >= 0)
        return;
    /* One message, one line: a newline or an escape sequence from a file
     * name (the inbox is writable by others) must not forge a log line of
     * its own ("<2>inboxd: ...") nor drive the terminal. */
    for (char *p = msg; *p; p++)
        if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
            *p = '?';
    pthread_mutex_lock(&lock);
    fprintf(stderr, "<%d>inboxd: %s%s%s%s%.12s%s%s\n", prio,
            plugin ? plugin : "", plugin ? ": " : "", doc_id ? "doc " : "",
            "", doc_id ? doc_id : "", doc_id ? ": " : "", msg);
    pthread_mutex_unlock(&lock);
}

void log_msg(int prio, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(prio, NULL, NULL, NULL, fmt, ap);
    va_end(ap);
}

void log_doc(int prio, const char *doc_id, const char *plugin, const char *stage,
             const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(prio, plugin, doc_id, stage, fmt, ap);
    va_end(ap);
}
