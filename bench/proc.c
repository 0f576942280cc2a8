/* Child processes: run and measure (wait4 rusage), start and stop the
 * daemon, read its figures from /proc. */
#include "bn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static int exit_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

/* In the child: stdin from /dev/null, stdout/stderr redirected. */
static void child_io(const char *out_path, const char *err_path)
{
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) {
        dup2(fd, 0);
        close(fd);
    }
    fd = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        close(fd);
    }
    if (err_path) {
        fd = open(err_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 2);
            close(fd);
        }
    }
}

int bn_run(char *const argv[], const char *out_path, const char *err_path,
           const char *label, double timeout_s, struct bn_usage *u)
{
    int killed = 0;
    struct rusage ru;
    int status;
    double t0 = bn_now();
    pid_t pid;

    memset(u, 0, sizeof *u);
    u->status = -1;
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        child_io(out_path, err_path);
        execv(argv[0], argv);
        fprintf(stderr, "bench: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    for (;;) {
        pid_t w = wait4(pid, &status, WNOHANG, &ru);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            int e = errno;
            return -e;
        }
        if (label)
            bn_progress("%s: %.0f s", label, bn_now() - t0);
        if (!killed && bn_now() - t0 > timeout_s) {
            bn_log("%s: still running after %.0f s: killed", argv[0], timeout_s);
            kill(pid, SIGKILL);
            killed = 1;
        }
        sleep_s(0.02);
    }
    if (label)
        bn_progress_end();
    u->wall_s = bn_now() - t0;
    u->user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    u->sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    u->maxrss_kb = ru.ru_maxrss;
    u->status = killed ? BN_TIMED_OUT : exit_code(status);
    return u->status;
}

pid_t bn_spawn(char *const argv[], const char *err_path)
{
    pid_t pid;
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        child_io(NULL, err_path);
        execv(argv[0], argv);
        fprintf(stderr, "bench: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

int bn_stop(pid_t pid, double timeout_s)
{
    int status;
    double t0 = bn_now();
    if (pid <= 0)
        return -1;
    kill(pid, SIGTERM);
    while (bn_now() - t0 < timeout_s) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            return exit_code(status);
        if (w < 0 && errno != EINTR)
            return -1;
        sleep_s(0.01);
    }
    kill(pid, SIGKILL);
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return exit_code(status);
}

long bn_proc_kb(pid_t pid, const char *field)
{
    char path[64], line[256];
    size_t flen = strlen(field);
    long v = -1;
    FILE *f;
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
            v = strtol(line + flen + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

double bn_proc_cpu(pid_t pid)
{
    char path[64], buf[2048];
    unsigned long ut, st;
    FILE *f;
    size_t n;
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name may hold spaces and parentheses: fields resume after
     * the last ')'.  utime and stime are fields 14 and 15. */
    char *p = strrchr(buf, ')');
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
                     &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}
