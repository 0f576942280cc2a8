/* inboxctl: the command-line client of inboxd.  See inboxctl(1). */
#include "ctl_index.h"
#include "ctl_socket.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef INBOXD_VERSION
#define INBOXD_VERSION "0.1.0"
#endif

static void usage(FILE *f)
{
    fprintf(f,
            "usage: inboxctl [--socket PATH] [--config FILE] [--state-dir DIR] [--db PATH]\n"
            "                COMMAND [ARGS]\n"
            "commands (through the daemon's socket):\n"
            "  subscribe [--event GLOB]... [--count N] [--since SEQ]\n"
            "  status [--json]\n"
            "  reprocess ID|--all\n"
            "commands (reading the index, read-only):\n"
            "  search QUERY [--lang L] [--type T --entity KEY] [--since DATE] [--limit N] [--json]\n"
            "  show ID [--json]\n"
            "  entities [--type T] [--top N] [--json]\n"
            "  entity KEY [--json]\n"
            "  export [--since DATE] --format jsonl\n");
}

int main(int argc, char **argv)
{
    const char *opt_socket = NULL, *opt_config = NULL;
    struct ctl_db_opts db = {0};
    int i = 1, rc;
    /* Global options come before the command; the command parses the rest. */
    while (i < argc && argv[i][0] == '-') {
        const char *a = argv[i];
        const char **dst = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--version") == 0) {
            printf("inboxctl %s\n", INBOXD_VERSION);
            return 0;
        }
        if (strcmp(a, "--socket") == 0)
            dst = &opt_socket;
        else if (strcmp(a, "--config") == 0)
            dst = &opt_config;
        else if (strcmp(a, "--state-dir") == 0)
            dst = &db.state_dir;
        else if (strcmp(a, "--db") == 0)
            dst = &db.db_path;
        if (!dst || i + 1 >= argc) {
            fprintf(stderr, "inboxctl: %s: %s\n", a, dst ? "needs a value" : "unknown option");
            usage(stderr);
            return 2;
        }
        *dst = argv[i + 1];
        i += 2;
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    db.config_path = opt_config;
    const char *cmd = argv[i];
    int cargc = argc - i;
    char **cargv = argv + i;
    if (strcmp(cmd, "subscribe") == 0 || strcmp(cmd, "status") == 0 ||
        strcmp(cmd, "reprocess") == 0) {
        char *sock = ctl_socket_path(opt_socket, opt_config);
        if (!sock)
            return 1;
        if (strcmp(cmd, "subscribe") == 0)
            rc = ctl_subscribe(sock, cargc, cargv);
        else if (strcmp(cmd, "status") == 0)
            rc = ctl_status(sock, cargc, cargv);
        else
            rc = ctl_reprocess(sock, cargc, cargv);
        free(sock);
        return rc;
    }
    if (strcmp(cmd, "search") == 0)
        return ctl_search(&db, cargc, cargv);
    if (strcmp(cmd, "show") == 0)
        return ctl_show(&db, cargc, cargv);
    if (strcmp(cmd, "entities") == 0)
        return ctl_entities(&db, cargc, cargv);
    if (strcmp(cmd, "entity") == 0)
        return ctl_entity(&db, cargc, cargv);
    if (strcmp(cmd, "export") == 0)
        return ctl_export(&db, cargc, cargv);
    fprintf(stderr, "inboxctl: unknown command \"%s\"\n", cmd);
    usage(stderr);
    return 2;
}
