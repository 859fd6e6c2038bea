/* core/remote.h - the console client: lyre -r, lyre -rx, and lyre -c. */
#ifndef LYRE_CORE_REMOTE_H
#define LYRE_CORE_REMOTE_H

/*
 * Connect to the daemon's console socket.  With a command, run it, print
 * its output on stdout and return 0 on success or 1 when the command
 * failed (2 when the daemon cannot be reached).  Without one, run an
 * interactive console (libedit: editing, history, tab completion) until
 * "exit"/"quit" or end of input, showing the daemon's log lines as they
 * come; returns 0, or 2 when the daemon cannot be reached.
 */
int ly_remote_run(const char *socket_path, const char *command);

#endif
