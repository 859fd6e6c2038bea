/* core/console.h - the console server: a UNIX socket the remote consoles use. */
#ifndef LYRE_CORE_CONSOLE_H
#define LYRE_CORE_CONSOLE_H

#include <sys/types.h>

struct ly_loop;

/*
 * Listen on `path` (replacing a stale socket, refusing when another daemon
 * answers there), mode 0660, owned by uid:gid when they are not -1.
 * Connections are served on `loop`.  0 or an errno value.
 */
int ly_console_server_start(struct ly_loop *loop, const char *path, uid_t uid, gid_t gid);
/* Close every connection and remove the socket file. */
void ly_console_server_stop(void);

#endif
