/* inboxctl commands that talk to the daemon's event socket. */
#ifndef INBOXCTL_SOCKET_H
#define INBOXCTL_SOCKET_H

/* Where the socket is: --socket, else the "socket" of --config FILE, else
 * $INBOXD_SOCKET, else the daemon's embedded default ./var/inboxd.sock.
 * Returns a malloc'd path or NULL (message printed). */
char *ctl_socket_path(const char *opt_socket, const char *opt_config);

int ctl_subscribe(const char *sock, int argc, char **argv);
int ctl_status(const char *sock, int argc, char **argv);
int ctl_reprocess(const char *sock, int argc, char **argv);

#endif
