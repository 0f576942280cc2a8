/* inboxd: the document-processing daemon.  See inboxd(8). */
#include "daemon.h"
#include "worker.h"

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
            "usage: inboxd [--config FILE] [--inbox DIR] [--state-dir DIR]\n"
            "              [--socket PATH] [--log-level LEVEL]\n"
            "       inboxd --check-config [--config FILE]\n"
            "       inboxd --version\n"
            "Watches DIR for reports, runs them through the configured plugins\n"
            "(parse, extract, index) and announces events on the socket.\n"
            "With no --config the embedded default is used: inbox ./var/inbox,\n"
            "state ./var/state, socket ./var/inboxd.sock, plugins parse,\n"
            "entities, sqlite from the build folder.\n");
}

int main(int argc, char **argv)
{
    struct overrides ov = {0};
    int check = 0, c;
    if (argc > 1 && strcmp(argv[1], "--worker") == 0)
        return worker_main(argc, argv);
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'},
        {"inbox", required_argument, 0, 'i'},
        {"state-dir", required_argument, 0, 's'},
        {"socket", required_argument, 0, 'S'},
        {"log-level", required_argument, 0, 'l'},
        {"check-config", no_argument, 0, 'C'},
        {"version", no_argument, 0, 'V'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    while ((c = getopt_long(argc, argv, "c:i:s:S:l:CVh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': ov.config_path = optarg; break;
        case 'i': ov.inbox = optarg; break;
        case 's': ov.state_dir = optarg; break;
        case 'S': ov.socket = optarg; break;
        case 'l': ov.log_level = optarg; break;
        case 'C': check = 1; break;
        case 'V':
            printf("inboxd %s (plugin ABI %u, %s)\n", INBOXD_VERSION, INBOXD_ABI_VERSION,
                   INBOXD_BUILD_SIGNATURE);
            return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "inboxd: unexpected argument: %s\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (check)
        return daemon_check_config(&ov);
    return daemon_run(&ov);
}
